"""Raw elements the engine (:mod:`.actions`) deals with from their bytes, without pydicom
converting them: whether a value is well formed for its VR, the values of a plain UID or date,
and the bytes of a new one, as pydicom would write them.

Why: a file's elements are read raw; converting each to decide on it, and encoding it again to
write it, was most of the copy's time. Anything not plainly so (odd lengths, spaces inside a
value, other characters) is left to pydicom's conversion, which the engine's general way uses.
"""

from __future__ import annotations

from pydicom.dataelem import RawDataElement

#: The size of one value of the binary VRs: a length that is not a multiple is not well formed.
BINARY_SIZES = {"AT": 4, "FD": 8, "FL": 4, "OD": 8, "OF": 4, "OL": 4, "OV": 8, "OW": 2, "SL": 4, "SS": 2,
                "SV": 8, "UL": 4, "US": 2, "UV": 8}
#: The characters of plain values (and the value separator), and what pads them.
_PLAIN = {"UI": (frozenset("0123456789.\\"), b"\0 "), "DA": (frozenset("0123456789-\\"), b" ")}


def well_formed(value: bytes, vr: str) -> bool:
    """An even length that holds whole values of ``vr``."""
    return not len(value) % 2 and not len(value) % BINARY_SIZES.get(vr, 1)


def plain_values(value: bytes, vr: str) -> list[str] | None:
    """The values of a UI or DA element's bytes when they hold nothing but digits and separators
    once their padding is taken off (so that pydicom would read them the same); else None."""
    characters, padding = _PLAIN[vr]
    text = value.rstrip(padding).decode("latin-1")
    if not characters.issuperset(text):
        return None
    return text.split("\\") if text else []


def with_text(raw: RawDataElement, text: str, vr: str) -> RawDataElement:
    """``raw`` holding ``text`` instead (ASCII), padded as pydicom pads a ``vr`` value."""
    data = text.encode("ascii")
    if len(data) % 2:
        data += b"\0" if vr == "UI" else b" "
    return raw._replace(length=len(data), value=data)
