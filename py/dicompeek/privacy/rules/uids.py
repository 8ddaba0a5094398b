"""UIDs: roots of known organisations and vendors (original UIDs point back to the site's
archive), UIDs with a date and time in them, and whether each file's Study, Series and SOP
Instance UIDs are random ``2.25.`` ones (which carry nothing about the site).

The table of roots is short and curated: it names who made a UID, so a person can judge.
"""

from __future__ import annotations

import re

from pydicom.datadict import tag_for_keyword

from dicompeek.privacy.elements import DicomFile, Element
from dicompeek.privacy.findings import File
from dicompeek.privacy.protocol import RuleBase

#: Well-known UID roots: (root, who, severity). Longest first, so the most specific wins.
UID_ROOTS = sorted([
    ("1.2.840.113619", "GE Healthcare", "medium"),
    ("1.3.12.2.1107.5", "Siemens Healthineers", "medium"),
    ("1.3.46.670589", "Philips", "medium"),
    ("1.2.840.113704", "Philips (formerly Picker/Marconi)", "medium"),
    ("1.2.392.200036.9116", "Toshiba / Canon Medical", "medium"),
    ("1.2.392.200036.9125", "Fujifilm", "medium"),
    ("1.2.840.113564", "Agfa", "medium"),
    ("1.3.6.1.4.1.5962", "David Clunie (dicom3tools)", "info"),
    ("1.2.276.0.7230010", "OFFIS DCMTK (toolkit default root)", "info"),
    ("1.2.40.0.13", "dcm4che (toolkit root)", "info"),
    ("1.2.826.0.1.3680043.8.498", "pydicom (toolkit default root)", "info"),
    ("1.2.826.0.1.3680043", "Medical Connections (free roots handed out to many sites and tools)", "info"),
    ("1.3.6.1.4.1.14519", "The Cancer Imaging Archive (new UIDs of its de-identification)", "info"),
], key=lambda r: -len(r[0]))
_GENERIC_ROOTS = ((re.compile(r"^1\.3\.6\.1\.4\.1\.(\d+)\."), "IANA Private Enterprise Number {}", "1.3.6.1.4.1.{}"),
                  (re.compile(r"^1\.2\.840\.(\d{5,})\."), "ANSI-registered organisation {}", "1.2.840.{}"))
#: A 14-digit YYYYMMDDhhmmss at the start of a UID component.
UID_TIMESTAMP = re.compile(r"(?:^|\.)((?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                           r"(?:[01]\d|2[0-3])[0-5]\d[0-5]\d)")
#: The file meta's own UIDs describe the writing software, not the patient (the SOP Instance UID
#: copy, (0002,0003), is reviewed).
_SOFTWARE = frozenset({0x00020001, 0x00020002, 0x00020010, 0x00020012, 0x00020013})
#: Elements whose UIDs name a kind of object (a vendor's private SOP class, a transfer syntax, the
#: version of the software that made the file: Creator-Version UID), not an object or a site's
#: data: E.1-1 keeps them, and replacing them would break the files.
_CLASS_UIDS = frozenset(tag_for_keyword(k) for k in (
    "SOPClassUID", "ReferencedSOPClassUID", "AffectedSOPClassUID", "RequestedSOPClassUID",
    "ReferencedSOPClassUIDInFile", "RelatedGeneralSOPClassUID", "OriginalSpecializedSOPClassUID",
    "MediaStorageSOPClassUID", "TransferSyntaxUID", "ReferencedTransferSyntaxUIDInFile",
    "CodingSchemeUID", "ContextGroupExtensionCreatorUID", "CreatorVersionUID"))
_INSTANCE_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")


def uid_root(uid: str) -> tuple[str, str, str] | None:
    """(root, who, severity) of a well-known or registered root of ``uid``, else None."""
    for root, who, severity in UID_ROOTS:
        if uid.startswith(root) and (len(uid) == len(root) or uid[len(root)] == "."):
            return root, who, severity
    for pattern, who, root in _GENERIC_ROOTS:
        match = pattern.match(uid)
        if match:
            return root.format(match.group(1)), who.format(match.group(1)), "medium"
    return None


class Uids(RuleBase):
    name = "uids"
    looks_at = frozenset({"uids"})
    fields = _INSTANCE_UIDS

    def visit_element(self, element: Element, f: File) -> None:
        if element.tag in _SOFTWARE or element.tag in _CLASS_UIDS or \
                (element.tag >> 16 == 2 and element.tag != 0x00020003) or \
                self.context.facts.directory:
            return
        for uid in (element.text or "").split("\\"):
            self._uid(uid.strip(), element, f)

    def _uid(self, uid: str, element: Element, f: File) -> None:
        if not uid or uid.startswith(("1.2.840.10008.", "2.25.")):
            return
        claims = self.context.facts.claims
        kept = "retain_uid" in claims.options
        root = uid_root(uid)
        if root is not None:
            severity = "info" if kept or root[2] == "info" else root[2]
            reason = ("A UID root names the organisation or product that made the UID: original UIDs point back to "
                      "the site's archive (E.1-1 action U: replace with new UIDs).")
            if root[2] == "info":
                reason = "A toolkit's or archive's root, under which de-identification tools make new UIDs."
            elif kept:
                reason = "Original UIDs, kept as the claimed Retain UIDs Option allows."
            elif claims.deidentified:
                reason = ("A device maker's root: these look like the original UIDs, which the claimed "
                          f"de-identification ({claims.described}) replaces (E.1-1 action U).")
            self.findings.hit(("uid-root", root[0], severity), f, uid, severity, "uids",
                              f"UIDs under the root {root[0]} ({root[1]})", reason, element.describe)
        stamp = UID_TIMESTAMP.search(uid)
        if stamp is not None:
            severity = "info" if kept else "medium"
            self.findings.hit(("uid-time", severity), f, uid, severity, "uids", "UIDs with a date and time in them",
                              "A component in the form YYYYMMDDhhmmss gives away when the data was made, even where "
                              "the date elements were removed" + (" (kept as the claimed Retain UIDs Option allows)."
                                                                   if kept else "."), element.describe)

    def end_file(self, dicom: DicomFile) -> None:
        if self.context.facts.directory:
            return
        for name in _INSTANCE_UIDS:
            random = dicom.field(name).startswith("2.25.")
            self.findings.hit(("uid-random", random), dicom.file, None, "info", "uids",
                              "Study, Series and SOP Instance UIDs are random 2.25 UIDs" if random else
                              "Study, Series or SOP Instance UIDs are not random 2.25 UIDs",
                              "Random UIDs (2.25.…) carry nothing about the site." if random else
                              "UIDs under a root: the roots found are listed in their own findings.")
