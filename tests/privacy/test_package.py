"""The privacy package's shape: which lower modules it may use, and a docstring that says how to
add a rule. Layering, cycles and module size for the whole package: tests/test_package.py."""

from __future__ import annotations

from dicompeek import privacy
from test_package import MODULES, imports

#: The lower layers' modules the privacy package may use (and the package's version).
LOWER = {"dicompeek", "dicompeek.index.indexer", "dicompeek.dicom.instances", "dicompeek.tags.values",
         "dicompeek.dicom.header", "dicompeek.dicom.guard", "dicompeek.pixels.display", "dicompeek.index.series",
         # the de-identified copy is written as it goes, stored pixel data taken over unread
         "dicompeek.io.zipwriter", "dicompeek.io.stream", "dicompeek.io.archive", "dicompeek.io.extent",
         "dicompeek.dicom.writer", "dicompeek.dicom.reader"}


def test_the_package_uses_only_the_lower_layers():
    for name in MODULES:
        if name.startswith("dicompeek.privacy"):
            outside = {m for m in imports(name) if not m.startswith("dicompeek.privacy")}
            assert outside <= LOWER, (name, outside - LOWER)


def test_the_package_docstring_says_how_to_add_a_rule():
    doc = privacy.__doc__ or ""
    for words in ("visit_element", "finish", "state()", "merge(state)", "Adding a rule", "RULES",
                  "tests/privacy/rules/test_registry.py"):
        assert words in doc, words
