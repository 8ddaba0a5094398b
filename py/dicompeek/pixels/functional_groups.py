"""One frame of an enhanced multi-frame image seen as a single-frame dataset.

Enhanced images (Enhanced CT/MR/XA, parametric maps, segmentations, ...) keep
what the display pipeline needs — rescale, window, position, orientation,
pixel spacing, TR/TE — in functional group macros (PS3.3 C.7.6.16): once for
all frames in the Shared Functional Groups Sequence, or per frame in the
Per-frame Functional Groups Sequence, which takes precedence. Rather than teach
every reader about both layouts, :func:`frame_view` lifts the attributes of one
frame's macros to the top level, where single-frame files keep them.
"""

from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset

#: Macro attributes whose name differs from the single-frame attribute the pipeline reads.
RENAMED = {"EffectiveEchoTime": "EchoTime"}
#: Left out of the view: the groups themselves and the pixels (the view is for attributes).
SKIPPED = {"PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence", "PixelData",
           "FloatPixelData", "DoubleFloatPixelData"}


def has_functional_groups(ds: Dataset) -> bool:
    return "PerFrameFunctionalGroupsSequence" in ds or "SharedFunctionalGroupsSequence" in ds


def frame_view(ds: Dataset, frame: int) -> Dataset:
    """``ds`` itself for classic images; else a shallow dataset with the frame's macros on top.

    The view shares element objects with ``ds`` (nothing is deep-copied), so it
    costs a few hundred dictionary entries, not a copy of the per-frame sequence.
    """
    if not has_functional_groups(ds):
        return ds
    view = Dataset()
    for element in ds:
        if element.keyword not in SKIPPED:
            view.add(element)
    view.file_meta = ds.file_meta if hasattr(ds, "file_meta") else FileMetaDataset()
    shared = ds.get("SharedFunctionalGroupsSequence") or []
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    # shared first, so that the frame's own values replace them
    for item in (shared[0] if shared else None, per_frame[frame] if frame < len(per_frame) else None):
        for macro in item or ():
            if macro.VR != "SQ" or not macro.value:
                continue
            for element in macro.value[0]:
                if element.VR == "SQ":
                    continue
                keyword = RENAMED.get(element.keyword, element.keyword)
                if keyword != element.keyword:
                    setattr(view, keyword, element.value)
                else:
                    view.add(element)
    return view
