"""The file meta group every file of the copy is written with (a Part 10 file needs one), made
before anything reads or changes the dataset: the copy, its text pass (which blanks as the copy
does) and the preview all start from it."""

from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from dicompeek.privacy.deidentify.uids import UidMap


def ensure_meta(ds: Dataset, location: str) -> None:
    """A file meta group to write (files without one get Explicit VR Little Endian). A file
    without a SOP Instance UID (some test files have none) gets one made from where it was, so
    that it is a valid Part 10 file; it is then replaced like every UID. Without a SOP class in
    the dataset or the meta, writing fails and the file is named as not de-identified."""
    meta = getattr(ds, "file_meta", None)
    if meta is None or "TransferSyntaxUID" not in meta:
        meta = meta if meta is not None else FileMetaDataset()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
    if not ds.get("SOPInstanceUID") and not meta.get("MediaStorageSOPInstanceUID"):
        ds.SOPInstanceUID = UidMap(b"missing").new_uid(location)
    for meta_keyword, keyword in (("MediaStorageSOPClassUID", "SOPClassUID"),
                                  ("MediaStorageSOPInstanceUID", "SOPInstanceUID")):
        stated = meta.get(meta_keyword)
        value = ds.get(keyword) or stated or ""
        if value != stated or stated is None:  # setting makes a new element: a cost in every file
            setattr(meta, meta_keyword, value)


__all__ = ["ensure_meta"]
