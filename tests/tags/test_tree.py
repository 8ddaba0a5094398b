"""The tag browser's tree (dicompeek.tags.tree) against DCMTK's dcmdump, and what a user sees in it.

The comparison dumps pydicom's test files and the shared corpus (zip members included) with
dcmdump and checks that every element dcmdump shows, at every depth, is in header_tree's tree
at the same place (sequence, item number) with the same tag, VR, length and value, and that
the tree shows nothing dcmdump does not. Formatting is normalised before comparing:

- text: padding (spaces, NULs) stripped, line breaks unified, values split on the backslash
  (not for LT, ST, UT, UR); PN without trailing empty component groups (PS3.5 6.2.1);
- numbers (IS, DS, US, SS, UL, SL, UV, SV, FL, FD) as numbers, FL/FD to a relative 1e-6
  (dcmdump prints fewer digits); AT as tags;
- binary values by length and by the first bytes the tree keeps (512), read the way dcmdump
  prints each VR (OW as words, OF/OD as floats, OL/OV as integers, in the file's byte order);
- values over 4 KB, which dcmdump is told not to load, by length; encapsulated pixel data by
  its items: basic offset table, fragment lengths and each fragment's first bytes.

Where pydicom and DCMTK legitimately differ in general (file-specific cases: KNOWN_DIFFERENCES):

- dcmdump +U8 converts text to UTF-8 and then says so in Specific Character Set (ISO_IR 192),
  adding it where it was missing, at any depth: those are not compared. Converted text has
  its UTF-8 length, so non-ASCII text of those VRs is not compared by length.
- Where DCMTK cannot convert (glibc's iconv lacks JIS X 0208 for ISO 2022 IR 87, and fails on
  some mixed encodings) the file is dumped again without +U8, and its non-ASCII text is
  compared by length only. Those names are checked against known text in the tests below.
- DCMTK pads an odd-length value and reports the padded length (the tree keeps the stored
  length and warns).
- DCMTK's own VR names for what it left open: xs (US or SS), ox (OB or OW), lt (US, SS or
  OW), up (UL offsets in a DICOMDIR), ?? (unknown in implicit VR); and it shows every pixel
  sequence as OB where the file says OW.
- Private elements whose VR comes from a private dictionary (implicit VR, UN in the file,
  or an item written in implicit VR inside an explicit VR file): pydicom's and DCMTK's private
  dictionaries know different elements, so the VR may differ and the value is compared by
  length only; what pydicom finds inside a private UN its dictionary knows to be a sequence
  is not in dcmdump at all.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import os
import re
import shutil
import struct
import subprocess
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydicom
import pydicom.data
import pytest
from pydicom.data import get_charset_files, get_testdata_files

import dicompeek.tags.tree as tags_module
from dicompeek.tags.tree import dump_text, header_tree
from registry import charset_file, explicit_element, part10_bytes, pydicom_file

# --- dcmdump side ---------------------------------------------------------------------------

#: Full values (+L) except those over 4 KB, which are not loaded (-M +R 4) and compared by length;
#: UIDs as numbers (-Un); text converted to UTF-8 (+U8); defined-length UN given its dictionary VR
#: (+uc), as pydicom does.
DCMDUMP = ["dcmdump", "+L", "-M", "+R", "4", "-Un", "+U8", "+uc"]

_HEAD = re.compile(r"( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\S\S) ")
#: One element: indent, tag, VR, value ([text] or bare), then "# length, VM name".
_LINE = re.compile(r"( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\S\S) (?:\[(?P<text>.*)\]|(?P<bare>.*?)) *"
                   r"# *(?P<length>u/l|\d+), *(?P<vm>\d+) [^\]]*", re.S)


@dataclass
class Element:
    """One element as either tool shows it, reduced to what is compared."""

    path: tuple[tuple[int, int], ...]  # (sequence tag, item index) from the top
    tag: int
    vr: str
    value: str  # as printed: text without brackets, numbers, hex
    length: int | None
    vm: int
    loaded: bool = True
    fragments: list[tuple[int, str]] = field(default_factory=list)  # pixel items: (length, hex)


def dcmdump_elements(text: str) -> list[Element]:
    """Parse dcmdump's indented output into elements with their sequence/item path."""
    elements: list[Element] = []
    # stack of open sequences: (depth, tag, item count so far)
    stack: list[list[int]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        entry = lines[i]
        i += 1
        match = _LINE.fullmatch(entry)
        if match is None:
            if not _HEAD.match(entry):
                continue
            # a value with line breaks in it runs over several lines; the "# length" part ends the last
            while match is None and i < len(lines) and not _HEAD.match(lines[i]):
                entry += "\n" + lines[i]
                i += 1
                match = _LINE.fullmatch(entry)
            if match is None:
                continue
        bracketed = match["text"] is not None
        indent, group, elem, vr = len(match[1]), int(match[2], 16), int(match[3], 16), match[4]
        tag = (group << 16) | elem
        if tag in (0xFFFEE00D, 0xFFFEE0DD):
            continue
        if tag == 0xFFFEE000:
            if vr == "pi":  # a pixel item belongs to the pixel sequence just read
                value = match["bare"] or ""
                elements[-1].fragments.append((int(match["length"]), "" if value.startswith("(") else value))
                continue
            depth = (indent - 2) // 4
            while stack and stack[-1][0] > depth:
                stack.pop()
            if stack:
                stack[-1][2] += 1
            continue
        depth = indent // 4
        while stack and stack[-1][0] >= depth:
            stack.pop()
        path = tuple((s[1], s[2] - 1) for s in stack)
        value = match["text"] if bracketed else match["bare"]
        loaded = value != "(not loaded)"
        if not bracketed and value.startswith("(") and vr != "AT":
            value = ""  # (no value available), (Sequence ...), (PixelSequence ...), (not loaded)
        length = None if match["length"] == "u/l" else int(match["length"])
        elements.append(Element(path, tag, vr, value, length, int(match["vm"]), loaded))
        if vr == "SQ":
            stack.append([depth, tag, 0])
    return elements


@dataclass
class Dump:
    """dcmdump's view of one file."""

    clean: bool  # read without an error
    utf8: bool  # text converted to UTF-8; False where DCMTK's iconv cannot convert the character set
    elements: list[Element]


_FILE_HEADER = re.compile(r"^# dcmdump \((\d+)/\d+\): ", re.M)


def run_dcmdump(paths: list[Path]) -> list[Dump]:
    """dcmdump's elements for each of ``paths``, converted to UTF-8 where DCMTK can convert them.

    One dcmdump process dumps the whole batch (starting it costs ten times more than dumping a
    file); a batch with an error is dumped again one file at a time, so that each file's
    errors are its own.
    """
    result = subprocess.run([*DCMDUMP, "+F", *map(str, paths)], capture_output=True)
    if len(paths) > 1 and not _clean(result):
        return [run_dcmdump([path])[0] for path in paths]
    if len(paths) == 1 and result.returncode != 0 and b"UTF-8" in result.stderr:
        # glibc's iconv lacks ISO 2022 IR 87/159 (JIS X 0208/0212) and fails on some mixed encodings:
        # dump the raw bytes instead and compare that text by length only
        result = subprocess.run([c for c in DCMDUMP if c != "+U8"] + [str(paths[0])], capture_output=True)
        return [Dump(_clean(result), False, dcmdump_elements(_decode(result.stdout)))]
    parts = _FILE_HEADER.split(_decode(result.stdout))
    texts = dict(zip(map(int, parts[1::2]), parts[2::2], strict=False))
    return [Dump(_clean(result) and i in texts, True, dcmdump_elements(texts.get(i, "")))
            for i in range(1, len(paths) + 1)]


def _clean(result: subprocess.CompletedProcess) -> bool:
    """dcmdump read everything without an error (warnings are fine: malformed files are welcome)."""
    return result.returncode == 0 and not re.search(rb"^[EF]: ", result.stderr, re.M)


def _decode(output: bytes) -> str:
    """dcmdump's output line by line: UTF-8, or Latin-1 for a line with bytes it left unconverted
    (e.g. non-ASCII in a CS value, which Specific Character Set does not apply to)."""
    lines = []
    for line in output.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("latin-1"))
    return "\n".join(lines)


# --- comparison -------------------------------------------------------------------------------

#: VRs whose value is one text in which a backslash is an ordinary character.
SINGLE_TEXT = {"LT", "ST", "UT", "UR"}
INTEGER_VRS = {"US", "SS", "UL", "SL", "UV", "SV", "IS"}
FLOAT_VRS = {"FL", "FD", "DS"}
#: Binary VRs as dcmdump prints them: struct format of one printed value (OB and UN print bytes).
PRINTED_AS = {"OB": "B", "UN": "B", "OW": "H", "OF": "f", "OD": "d", "OL": "L", "OV": "Q"}


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip(" \x00")


def _same_number(a: str | float | int, b: str | float | int) -> bool:
    a, b = (v.strip(" \x00") if isinstance(v, str) else v for v in (a, b))
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return _text(str(a)) == _text(str(b))
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-300)


def _binary_values(node: dict[str, Any], vr: str, little: bool) -> list[str]:
    """Our hex view read as dcmdump prints that VR (bytes, words, floats), in the file's byte order."""
    data = bytes.fromhex(node.get("hex", ""))
    code = PRINTED_AS[vr]
    size = struct.calcsize("<" + code)
    data = data[:len(data) - len(data) % size]
    values = struct.unpack(("<" if little else ">") + code * (len(data) // size), data)
    if code in "BH":
        return [f"{v:0{size * 2}x}" for v in values]
    return [str(v) for v in values]


#: Text VRs that Specific Character Set applies to (dcmdump +U8 converts them, changing their length).
CHARSET_VRS = {"SH", "LO", "ST", "LT", "UT", "PN", "UC"}


#: DCMTK's own names for a VR it could not settle, and what each stands for.
DCMTK_AMBIGUOUS = {"xs": {"US", "SS"}, "ox": {"OB", "OW"}, "lt": {"US", "SS", "OW"}, "up": {"UL"},
                   "??": {"UN"}}


def _vr_agrees(theirs: Element, node: dict[str, Any], implicit: bool) -> tuple[bool, bool]:
    """Whether our VR is dcmdump's, up to legitimate differences; and whether the values compare.

    Legitimate: DCMTK's internal VRs (xs, ox, lt for a VR the dictionary leaves open, up for
    DICOMDIR offsets); OB for any pixel sequence where the file says OW; and private elements
    whose VR comes from a private dictionary (implicit VR, UN in the file, or an item written in
    implicit VR inside an explicit VR file), where pydicom's and DCMTK's dictionaries know
    different elements. Those compare by length only.
    """
    ours, vr = node["vr"], theirs.vr
    if ours == vr or ours in DCMTK_AMBIGUOUS.get(vr, ()):
        return True, vr != "UN" or ours == "UN"
    if theirs.tag == 0x7FE00010 and theirs.length is None and ours == "OW":
        return True, True
    if theirs.tag >> 16 & 1 and (implicit or vr in ("UN", "??") or node.get("stored_vr") == "UN"):
        return True, False
    return False, False


def compare_element(theirs: Element, node: dict[str, Any], little: bool, utf8: bool,
                    implicit: bool = False) -> str | None:
    """Why our node differs from dcmdump's element, or None when it shows the same thing.

    ``little`` and ``implicit`` describe the element's dataset, ``utf8`` whether dcmdump converted text.
    """
    agrees, values_compare = _vr_agrees(theirs, node, implicit)
    if not agrees:
        return f"VR {node['vr']} != {theirs.vr}"
    vr = node["vr"]
    if vr == "SQ":
        return None
    # ISO 2022 escape sequences are ASCII bytes, but what they switch to is not
    non_ascii = vr in CHARSET_VRS and (not theirs.value.isascii() or "\x1b" in theirs.value)
    odd_padded = node["length"] is not None and node["length"] % 2 and theirs.length == node["length"] + 1
    if theirs.length is not None and node["length"] != theirs.length and not (utf8 and non_ascii) \
            and not odd_padded:  # DCMTK pads an odd-length value and reports the padded length
        return f"length {node['length']} != {theirs.length}"
    if theirs.tag == 0x7FE00010 and theirs.length is None:
        return _compare_fragments(theirs, node)
    if not theirs.loaded or (non_ascii and not utf8) or not values_compare:
        return None  # compared by length only
    ours_text = node.get("value", "")
    if vr in PRINTED_AS:
        expected = [v for v in theirs.value.split("\\") if v] if theirs.value else []
        shown = _binary_values(node, vr, little)
        n = min(len(expected), len(shown))
        if vr in {"OF", "OD"}:
            same = all(_same_number(a, b) for a, b in zip(shown[:n], expected[:n], strict=False))
        else:
            same = [v.lower().lstrip("0") for v in shown[:n]] == [v.lower().lstrip("0") for v in expected[:n]]
        if not same or (n == 0 and expected):
            return f"binary {' '.join(shown[:8])} != {' '.join(expected[:8])}"
        return None
    if vr == "AT":
        found = re.findall(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", ours_text)
        wanted = re.findall(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", theirs.value)
        same = [(a.lower(), b.lower()) for a, b in found] == wanted
        return None if same else f"AT {ours_text!r} != {theirs.value!r}"
    expected = [theirs.value] if vr in SINGLE_TEXT else theirs.value.split("\\")
    if vr in INTEGER_VRS | FLOAT_VRS:
        if not theirs.value:
            return None if node.get("numbers") in (None, []) and not ours_text else f"value {ours_text!r} != ''"
        numbers = node.get("numbers")
        if node.get("truncated") and numbers is not None:  # the tree keeps the first NUMBER_LIMIT values
            expected = expected[:len(numbers)]
        if numbers is None or len(numbers) != len(expected):
            return f"numbers {numbers!r} != {theirs.value!r}"
        if all(_same_number(a, b) for a, b in zip(numbers, expected, strict=False)):
            return None
        return f"numbers {numbers!r} != {theirs.value!r}"
    ours = [ours_text] if vr in SINGLE_TEXT else ours_text.split("\\")
    if node.get("truncated"):
        return None if _text(theirs.value).startswith(_text(ours_text)) else f"text {ours_text!r} != {theirs.value!r}"
    if vr == "PN":  # trailing empty component groups may be left out (PS3.5 6.2.1)
        ours, expected = [v.rstrip("=") for v in ours], [v.rstrip("=") for v in expected]
    if [_text(v) for v in ours] != [_text(v) for v in expected]:
        return f"text {ours_text!r} != {theirs.value!r}"
    return None


def _compare_fragments(theirs: Element, node: dict[str, Any]) -> str | None:
    if "fragments" not in node:
        return f"no fragments (value {node.get('value')!r})"
    bot_length, bot_hex = theirs.fragments[0] if theirs.fragments else (0, "")
    offsets = [int.from_bytes(bytes.fromhex(bot_hex.replace("\\", ""))[i:i + 4], "little")
               for i in range(0, bot_length, 4)] if bot_hex or not bot_length else None
    lengths = [length for length, _ in theirs.fragments[1:]]
    ours = [f["length"] for f in node["fragments"]]
    if ours != lengths:
        return f"fragment lengths {ours[:6]} != {lengths[:6]} ({len(ours)} vs {len(lengths)})"
    if offsets is not None and node.get("basic_offset_table") != offsets:
        return f"basic offset table {node.get('basic_offset_table')} != {offsets}"
    for number, (fragment, (_, data)) in enumerate(zip(node["fragments"], theirs.fragments[1:], strict=False), 1):
        start = data.replace("\\", " ")[:len(fragment["start"])]
        if data and fragment["start"] != start:
            return f"fragment {number} starts {fragment['start']!r}, dcmdump {start!r}"
    return None


@dataclass
class FileResult:
    """What comparing one file found."""

    name: str
    compared: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None


def _where(path: tuple[tuple[int, int], ...], tag: int) -> str:
    return "".join(f"{t:08X}[{i}]." for t, i in path) + f"{tag:08X}"


def compare_file(path: Path, name: str, dump: Dump) -> FileResult:
    """Every element dcmdump shows for ``path``, looked up in our tree and compared; and every
    element of our tree looked up in dcmdump's. A file dcmdump cannot read is not compared,
    but its tree is still built: header_tree must not raise on anything pydicom opens."""
    result = FileResult(name)
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as exc:
        if not dump.clean:
            result.skipped = "neither dcmdump nor pydicom reads it"
            return result
        result.problems.append(f"pydicom cannot read it: {type(exc).__name__}: {exc}")
        return result
    try:
        tree = header_tree(ds)
        json.dumps(tree, allow_nan=False)  # the worker sends it as JSON
    except Exception as exc:
        result.problems.append(f"header_tree raised {type(exc).__name__}: {exc}")
        return result
    if not dump.clean:
        result.skipped = "dcmdump reports an error"
        return result
    implicit, little = ds.original_encoding
    nodes = our_nodes(tree)
    for theirs in dump.elements:
        if theirs.tag == 0x00080005 and dump.utf8 and theirs.value == "ISO_IR 192":
            continue  # dcmdump +U8 adds Specific Character Set, or rewrites it at any depth, to say UTF-8
        result.compared += 1
        node = nodes.get((theirs.path, theirs.tag))
        where = _where(theirs.path, theirs.tag)
        if node is None:
            result.problems.append(f"{where} {theirs.vr}: missing from ours")
            continue
        meta = theirs.tag >> 16 == 2 and not theirs.path  # the file meta group is always little endian
        problem = compare_element(theirs, node, little is not False or meta, dump.utf8, bool(implicit))
        if problem:
            result.problems.append(f"{where} {theirs.vr}: {problem}")
    shown = {(e.path, e.tag) for e in dump.elements}
    # a private element DCMTK shows as UN that pydicom's private dictionary knows is a sequence
    opaque = {(e.path, e.tag) for e in dump.elements if e.vr in ("UN", "??")}
    for (where_path, tag), node in nodes.items():
        inside_opaque = any((where_path[:k], where_path[k][0]) in opaque for k in range(len(where_path)))
        if (where_path, tag) not in shown and not inside_opaque:
            result.problems.append(f"{_where(where_path, tag)} {node['vr']}: only in ours")
    return result


def our_nodes(tree: dict[str, Any]) -> dict[tuple, dict[str, Any]]:
    """Every node of the tree, at any depth, by (path of (sequence tag, item index), tag)."""
    nodes: dict[tuple, dict[str, Any]] = {}

    def walk(items: list[dict[str, Any]], path: tuple[tuple[int, int], ...]) -> None:
        for node in items:
            tag = int(node["tag"][1:5] + node["tag"][6:10], 16)
            nodes[(path, tag)] = node
            for index, item in enumerate(node.get("items", [])):
                walk(item, (*path, (tag, index)))

    walk(tree["meta"], ())
    walk(tree["elements"], ())
    return nodes


def _compare_batch(batch: list[tuple[str, Path]]) -> list[FileResult]:
    dumps = run_dcmdump([path for _, path in batch])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what pydicom says while reading; the tree has its own warnings
        return [compare_file(path, name, dump) for (name, path), dump in zip(batch, dumps, strict=True)]


def compare_files(files: dict[str, Path], batch: int = 40) -> list[FileResult]:
    """:func:`compare_file` for each of ``files`` (name: path), in batches over all cores."""
    items = list(files.items())
    batches = [items[i:i + batch] for i in range(0, len(items), batch)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(len(batches), os.cpu_count() or 2), mp_context=context) as pool:
        return [result for results in pool.map(_compare_batch, batches) for result in results]


# --- what is compared, and where the two toolkits legitimately differ ---------------------------

#: Where pydicom 3.0.2 and DCMTK 3.6.7 legitimately differ: (file, regular expression matched
#: against the start of a reported problem, reason). Each entry must still be needed.
KNOWN_DIFFERENCES = [
    ("corpus/fo_dicom/GH177_D_CLUNIE_CT1_IVRLE_BigEndian_undefined_length.dcm", "pydicom cannot read it",
     "implicit VR big endian with an undefined-length UN sequence (CP-246): pydicom 3.0.2 loses its "
     "place and cannot read the file (tests/test_corpus.py, PYDICOM_LIMITS)"),
    ("corpus/fo_dicom/GH179A.dcm", "",
     "a blank VR ('  ') on Pixel Padding Value: DCMTK guesses a 2-byte length field, pydicom a 4-byte "
     "one, so pydicom reads everything after it differently (tests/test_corpus.py, PYDICOM_LIMITS)"),
    ("corpus/fo_dicom/GH1376.dcm", "0002",
     "two file meta groups one after the other: DCMTK shows the first as the meta group and the "
     "second inside the dataset; pydicom reads both into one meta group, the second's values replacing "
     "the first's, so the first group's values are not in the tree"),
]

#: Files of pydicom's data that are not DICOM.
NOT_DICOM = {".txt", ".json", ".dump", ".gz", ".icc", ".md", ".tsv", ".source", ".nii", ".zip"}


def pydicom_files() -> dict[str, Path]:
    """pydicom's bundled test files (including DICOMDIR trees) and its character set files."""
    files = {}
    for f in sorted(get_testdata_files() + get_charset_files()):
        path = Path(f)
        if path.is_file() and path.suffix not in NOT_DICOM and path.name != "README":
            files[f"pydicom/{path.relative_to(Path(pydicom.data.__file__).parent).as_posix()}"] = path
    return files


def corpus_files(corpus: Path, unpack_to: Path) -> dict[str, Path]:
    """Every file of the shared corpus except its documentation; the members of its zips are
    unpacked into ``unpack_to`` (the page opens them, dcmdump cannot)."""
    files = {}
    for path in sorted(corpus.rglob("*")):
        name = f"corpus/{path.relative_to(corpus).as_posix()}"
        if path.is_file() and path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        target = unpack_to / name / info.filename
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(archive.read(info))
                        files[f"{name}/{info.filename}"] = target
        elif path.is_file() and path.suffix not in NOT_DICOM and path.name not in ("LICENSE", "README"):
            files[name] = path
    return files


def assert_same_as_dcmdump(results: list[FileResult], minimum_elements: int) -> None:
    """Fail with every unexplained difference, file by file; and on an allow-list entry no longer needed."""
    names = {r.name for r in results}
    unexplained: list[str] = []
    used = set()
    for result in results:
        for problem in result.problems:
            allowed = [i for i, (name, pattern, _) in enumerate(KNOWN_DIFFERENCES)
                       if name == result.name and re.match(pattern, problem)]
            used.update(allowed)
            if not allowed:
                unexplained.append(f"{result.name}: {problem}")
    stale = [entry[0] for i, entry in enumerate(KNOWN_DIFFERENCES) if entry[0] in names and i not in used]
    compared = sum(r.compared for r in results)
    skipped = [f"{r.name} ({r.skipped})" for r in results if r.skipped]
    summary = (f"{len(results) - len(skipped)} files, {compared} elements compared; "
               f"not compared: {', '.join(skipped) or 'none'}")
    assert not unexplained, f"{len(unexplained)} differences from dcmdump ({summary}):\n" + "\n".join(
        unexplained[:300])
    assert not stale, f"KNOWN_DIFFERENCES entries no longer needed: {stale}"
    assert compared >= minimum_elements, f"suspiciously little compared: {summary}"


needs_dcmdump = pytest.mark.skipif(shutil.which("dcmdump") is None, reason="DCMTK dcmdump not installed")


@needs_dcmdump
def test_every_element_dcmdump_shows_in_pydicoms_files_is_in_the_tree_with_the_same_vr_and_value():
    results = compare_files(pydicom_files())
    assert len(results) > 170
    assert_same_as_dcmdump(results, minimum_elements=15_000)


@needs_dcmdump
def test_every_element_dcmdump_shows_in_the_corpus_is_in_the_tree_with_the_same_vr_and_value(corpus, tmp_path):
    results = compare_files(corpus_files(corpus, tmp_path))
    assert len(results) > 1000
    assert_same_as_dcmdump(results, minimum_elements=300_000)


# --- what a user sees in the tag browser ------------------------------------------------------

def tree_of(source: Path | bytes) -> dict[str, Any]:
    """The tree of a file, or of file bytes, read as the page reads them (force, whole file)."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's read-time warnings; the tree carries its own
        return header_tree(pydicom.dcmread(io.BytesIO(data), force=True))


def find(nodes: list[dict[str, Any]], *path: str) -> dict[str, Any]:
    """The node at ``path``: tags, with 'n' (1-based item number) steps into sequence items."""
    node: dict[str, Any] = {"items": [nodes]}
    item = 0
    for step in path:
        if step.isdigit():
            item = int(step) - 1
            continue
        node = next(n for n in node["items"][item] if n["tag"] == step)
        item = 0
    return node


def all_nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for n in nodes for m in [n] + [x for item in n.get("items", []) for x in all_nodes(item)]]


@pytest.mark.parametrize("name, tag, text", [
    ("chrH31.dcm", "(0010,0010)", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
    ("chrH32.dcm", "(0010,0010)", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"),
    ("chrJapMulti.dcm", "(0010,0010)", "やまだ^たろう"),
    ("chrI2.dcm", "(0010,0010)", "Hong^Gildong=洪^吉洞=홍^길동"),
    ("chrKoreanMulti.dcm", "(0010,0010)", "김희중"),
    ("chrArab.dcm", "(0010,0010)", "قباني^لنزار"),
    ("chrHbrw.dcm", "(0010,0010)", "שרון^דבורה"),
    ("chrGreek.dcm", "(0010,0010)", "Διονυσιος"),
    ("chrRuss.dcm", "(0010,0010)", "Люкceмбypг"),  # noqa: RUF001  (Cyrillic, as the file holds it)
    ("chrGerm.dcm", "(0010,0010)", "Äneas^Rüdiger"),
    ("chrFren.dcm", "(0010,0010)", "Buc^Jérôme"),
    ("chrX1.dcm", "(0010,0010)", "Wang^XiaoDong=王^小東"),
    ("chrX2.dcm", "(0010,0010)", "Wang^XiaoDong=王^小东"),
])
def test_names_in_other_scripts_show_as_written(name, tag, text):
    path = charset_file(name)
    node = find(tree_of(path)["elements"], tag)
    assert node["value"] == text
    assert node["value"] == str(pydicom.dcmread(path)[tag[1:5] + tag[6:10]].value)  # as pydicom decodes it
    assert "warning" not in node


def test_names_show_their_components_alphabetic_ideographic_and_phonetic():
    node = find(tree_of(charset_file("chrH31.dcm"))["elements"], "(0010,0010)")
    assert node["detail"] == ("family: Yamada, given: Tarou | ideographic family: 山田, ideographic given: 太郎"
                              " | phonetic family: やまだ, phonetic given: たろう")


def test_a_sequence_item_with_its_own_character_set_is_decoded_with_it():
    # chrSQEncoding: UTF-8 at the top, ISO 2022 IR 13/87 (Japanese) inside the item
    item = find(tree_of(charset_file("chrSQEncoding.dcm"))["elements"], "(0032,1064)")["items"][0]
    assert find(item, "(0010,0010)")["value"] == "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"


def test_chinese_names_in_iso_2022_ir_58_lose_their_escape_sequences():
    # Python's GB2312 codec leaves ESC $ ) A in the text pydicom 3.0.2 decodes (fo-dicom had the same
    # bug, #1805); the tree strips it
    raw = b"Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab= "
    data = part10_bytes(explicit_element(0x00080005, "CS", b"\\ISO 2022 IR 58")
                        + explicit_element(0x00100010, "PN", raw))
    assert find(tree_of(data)["elements"], "(0010,0010)")["value"] == "Zhang^XiaoDong=张^小东"


def test_private_elements_are_marked_with_their_creator_and_known_name():
    elements = tree_of(pydicom_file("CT_small.dcm"))["elements"]
    creator = find(elements, "(0009,0010)")
    assert creator["private"] and creator["name"] == "Private Creator" and creator["value"] == "GEMS_IDEN_01"
    known = find(elements, "(0009,1001)")
    assert known["private"] and known["creator"] == "GEMS_IDEN_01" and known["name"] == "Full fidelity"
    assert known["value"] == "GE_GENESIS_FF" and known["keyword"] == ""
    public = find(elements, "(0010,0010)")
    assert "private" not in public and public["keyword"] == "PatientName"


def test_unknown_private_elements_are_shown_not_dropped():
    elements = tree_of(pydicom_file("waveform_ecg.dcm"))["elements"]
    unknown = find(elements, "(1455,1000)")
    assert unknown["private"] and unknown["creator"] == "Mortara Instrument, Inc."
    assert unknown["name"] == "Unknown private element" and unknown["value"]
    orphan = find(elements, "(7001,1153)")  # its block has no Private Creator
    assert orphan["private"] and orphan["creator"] == "" and orphan["name"] == "Private element without creator"
    assert orphan["value"] == "DW_AM"


def test_retired_elements_are_marked():
    elements = tree_of(pydicom_file("JPEG2000.dcm"))["elements"]
    assert find(elements, "(0010,1000)")["retired"] is True  # Other Patient IDs
    assert find(elements, "(0010,0010)")["retired"] is False
    nested = find(tree_of(pydicom_file("rtplan.dcm"))["elements"],
                  "(300A,0070)", "1", "(300C,0004)", "1", "(300A,0082)")
    assert nested["retired"] is True and nested["name"] == "Beam Dose Specification Point"


def test_sequences_nest_to_any_depth_with_their_items_in_order():
    elements = tree_of(pydicom_file("rtplan.dcm"))["elements"]
    beams = find(elements, "(300A,00B0)")
    assert beams["vr"] == "SQ" and beams["vm"] == len(beams["items"]) == 1
    points = find(elements, "(300A,00B0)", "1", "(300A,0111)")
    assert points["vm"] == 2
    assert [find(item, "(300A,0112)")["numbers"] for item in points["items"]] == [[0], [1]]  # indexes 0, 1
    deepest = find(elements, "(300A,00B0)", "1", "(300A,0111)", "1", "(300A,011A)", "1", "(300A,011C)")
    assert deepest["vr"] == "DS" and deepest["numbers"] == [-100.0, 100.0]
    text = dump_text(tree_of(pydicom_file("rtplan.dcm")))
    assert "(FFFE,E000) na (Item #2 with" in text


def test_an_undefined_length_private_sequence_in_implicit_vr_shows_its_items():
    elements = tree_of(pydicom_file("nested_priv_SQ.dcm"))["elements"]
    outer = find(elements, "(0001,0001)")
    assert outer["vr"] == "SQ" and outer["length"] is None
    inner = find(elements, "(0001,0001)", "1", "(0001,0001)", "1", "(0001,0001)")
    assert bytes.fromhex(inner["hex"]) == b"Double Nested SQ"


def test_encapsulated_pixel_data_lists_fragments_and_the_basic_offset_table():
    node = find(tree_of(pydicom_file("SC_rgb_rle_2frame.dcm"))["elements"], "(7FE0,0010)")
    assert node["length"] is None and node["vr"] == "OB"
    assert node["basic_offset_table"] == [0, 672]
    assert [(f["offset"], f["length"]) for f in node["fragments"]] == [(0, 664), (672, 664)]
    assert node["fragments"][0]["start"].startswith("03 00 00 00")  # the RLE header: 3 segments
    assert "2 fragment(s)" in node["value"] and "warning" not in node
    jpeg = find(tree_of(pydicom_file("JPEG2000.dcm"))["elements"], "(7FE0,0010)")
    assert jpeg["basic_offset_table"] == [] and jpeg["fragments"][0]["start"].startswith("ff 4f ff 51")


def test_damaged_encapsulated_pixel_data_shows_what_could_be_read_with_a_warning():
    items = (struct.pack("<HHL", 0xFFFE, 0xE000, 4) + struct.pack("<L", 0)
             + struct.pack("<HHL", 0xFFFE, 0xE000, 6) + b"\xff\xd8\xff\xe0\x00\x10"
             + struct.pack("<HHL", 0xFFFE, 0xE000, 100) + b"\xff\xd8 only a little"
             + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0))
    data = part10_bytes(explicit_element(0x00100010, "PN", b"Doe^John")
                        + explicit_element(0x7FE00010, "OB", items, length=0xFFFFFFFF),
                        pydicom.uid.JPEGBaseline8Bit)
    node = find(tree_of(data)["elements"], "(7FE0,0010)")
    assert node["fragments"][0]["length"] == 6
    assert "runs past the end" in node["warning"]
    assert find(tree_of(data)["elements"], "(0010,0010)")["value"] == "Doe^John"


def test_numbers_are_numbers_and_multiple_values_are_separated():
    elements = tree_of(pydicom_file("CT_small.dcm"))["elements"]
    spacing = find(elements, "(0028,0030)")
    assert spacing["numbers"] == [0.661468, 0.661468] and spacing["value"] == "0.661468\\0.661468"
    assert spacing["vm"] == 2
    assert find(elements, "(0028,0010)")["numbers"] == [128]
    assert find(elements, "(0008,0008)")["value"] == "ORIGINAL\\PRIMARY\\AXIAL"
    assert find(elements, "(0043,104E)")["value"] == "10.60061"  # FL with a float32's digits


def test_dates_and_times_are_also_shown_readably():
    elements = tree_of(pydicom_file("CT_small.dcm"))["elements"]
    assert find(elements, "(0008,0020)")["detail"] == "2004-01-19"
    assert find(elements, "(0008,0013)")["detail"] == "07:27:31"
    data = part10_bytes(explicit_element(0x0008002A, "DT", b"20240102153045.25+0100 ")
                        + explicit_element(0x00080030, "TM", b"0915"))
    elements = tree_of(data)["elements"]
    assert find(elements, "(0008,002A)")["detail"] == "2024-01-02 15:30:45.25 UTC+01:00"
    assert find(elements, "(0008,0030)")["detail"] == "09:15"


def test_attribute_tags_show_as_tags_with_their_names():
    node = find(tree_of(pydicom_file("JPEG2000.dcm"))["elements"], "(0028,0009)")
    assert node["vr"] == "AT" and node["value"] == "(0054,0010)\\(0054,0020)"
    assert node["detail"] == "EnergyWindowVector; DetectorVector"


def test_uids_carry_their_registered_names():
    tree = tree_of(pydicom_file("CT_small.dcm"))
    assert find(tree["meta"], "(0002,0010)")["detail"] == "Explicit VR Little Endian"
    assert find(tree["elements"], "(0008,0016)")["detail"] == "CT Image Storage"
    assert "detail" not in find(tree["elements"], "(0008,0018)")  # an instance UID has no name


def test_binary_values_show_their_length_and_a_hex_view():
    tree = tree_of(pydicom_file("CT_small.dcm"))
    version = find(tree["meta"], "(0002,0001)")
    assert version["value"] == "2 bytes" and version["hex"] == "00 01"
    pixels = find(tree["elements"], "(7FE0,0010)")
    assert pixels["length"] == 32768 and pixels["truncated"]
    assert pixels["value"] == "32768 bytes, first 512 shown" and len(bytes.fromhex(pixels["hex"])) == 512


def test_the_preamble_and_the_file_meta_group_are_shown():
    tree = tree_of(pydicom_file("CT_small.dcm"))
    assert tree["preamble"] == "128-byte preamble holding a TIFF header (dual-format file), then DICM"
    assert [n["tag"] for n in tree["meta"]][:3] == ["(0002,0000)", "(0002,0001)", "(0002,0002)"]
    assert tree_of(part10_bytes(b""))["preamble"] == "128-byte preamble, all zero, then DICM"
    no_header = tree_of(explicit_element(0x00080005, "CS", b"ISO_IR 100"))
    assert no_header["preamble"].startswith("no preamble")


@pytest.mark.parametrize("case, dataset, tag, warning, shown", [
    ("DS that is not a number", explicit_element(0x00180050, "DS", b"1.5\\abc "), "(0018,0050)",
     "not a number: 'abc'", {"numbers": [1.5, "abc"]}),
    ("odd length", explicit_element(0x00100020, "LO", b"ID123"), "(0010,0020)", "odd value length 5",
     {"value": "ID123"}),
    ("VR the dictionary disagrees with", explicit_element(0x00280010, "UL", b"\x00\x02\x00\x00"),
     "(0028,0010)", "VR UL in the file, the DICOM dictionary says US", {"vr": "UL", "numbers": [512]}),
    ("VR that does not exist", explicit_element(0x00280011, "ZZ", b"\x00\x02"), "(0028,0011)",
     "invalid VR 'ZZ'", {"vr": "UN", "stored_vr": "ZZ", "hex": "00 02"}),
    ("unknown character set", explicit_element(0x00080005, "CS", b"ISO_IR 999"), "(0008,0005)",
     "Unknown encoding 'ISO_IR 999'", {"value": "ISO_IR 999"}),
    ("text the character set cannot decode", explicit_element(0x00080005, "CS", b"ISO_IR 192")
     + explicit_element(0x00100010, "PN", b"M\xfcller^Hans "), "(0010,0010)", "Failed to decode",
     {"value": "M\ufffdller^Hans"}),
    ("value cut short by the end of the file", explicit_element(0x00200010, "SH", b"abcdef", length=20),
     "(0020,0010)", "value truncated: 6 of 20 bytes", {"value": "abcdef", "length": 20}),
])
def test_malformed_elements_show_what_could_be_read_with_a_warning(case, dataset, tag, warning, shown):
    """The element shows what could be read and carries a warning; the element before it is
    intact; nothing raises."""
    elements = tree_of(part10_bytes(explicit_element(0x00080060, "CS", b"OT") + dataset))["elements"]
    node = find(elements, tag)
    assert warning in node.get("warning", ""), node
    assert {key: node.get(key) for key in shown} == shown
    assert [n for n in elements if "warning" in n] == [node]
    assert find(elements, "(0008,0060)")["value"] == "OT"


def test_a_truncated_file_shows_everything_up_to_the_cut():
    elements = tree_of(pydicom_file("MR_truncated.dcm"))["elements"]
    pixels = find(elements, "(7FE0,0010)")
    assert pixels["warning"] == "value truncated: 8130 of 8192 bytes present (the file ends early)"
    assert find(elements, "(0010,0010)")["value"]


def test_a_dataset_in_implicit_vr_under_an_explicit_transfer_syntax_is_pointed_out():
    elements = tree_of(pydicom_file("SC_rgb_jpeg.dcm"))["elements"]
    assert "written in implicit VR" in elements[0]["warning"]
    assert find(elements, "(0028,0010)")["numbers"]


def test_the_tree_is_plain_json():
    for name in ("CT_small.dcm", "rtplan.dcm", "SC_rgb_rle_2frame.dcm", "badVR.dcm"):
        tree = tree_of(pydicom_file(name))
        assert json.loads(json.dumps(tree, allow_nan=False)) == tree
        assert tree["count"] == len(all_nodes(tree["meta"])) + len(all_nodes(tree["elements"]))


def test_the_text_dump_lists_every_element_like_dcmdump():
    tree = tree_of(pydicom_file("rtplan.dcm"))
    text = dump_text(tree)
    assert text.count("\n(") + text.count("\n  ") >= tree["count"]
    for node in all_nodes(tree["elements"]):
        assert node["tag"] in text
    assert "(0010,0010) PN [Last^First^mid^pre]" in text
    assert "    (300A,0112) IS [0]" in text  # strings in brackets, indented by depth
    ct = dump_text(tree_of(pydicom_file("CT_small.dcm")))
    assert "\n(0028,0010) US 128 " in ct  # binary numbers bare, as dcmdump shows them
    assert "(0009,1001) LO [GE_GENESIS_FF]" in ct and "Full fidelity" in ct


def test_asking_again_gives_the_same_tree_with_its_warnings():
    # the first tree converts pydicom's raw elements, which alone know their stored VR and length
    ds = pydicom.dcmread(io.BytesIO(part10_bytes(explicit_element(0x00100020, "LO", b"ID123"))))
    first = header_tree(ds)
    assert header_tree(ds) is first
    assert "odd value length" in find(header_tree(ds)["elements"], "(0010,0020)")["warning"]


def test_elements_the_viewer_read_first_keep_their_length():
    ds = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    assert len(ds.PixelData) == 32768 and ds.Rows == 128  # converted before the tree is asked for
    elements = header_tree(ds)["elements"]
    assert find(elements, "(7FE0,0010)")["length"] == 32768
    rows = find(elements, "(0028,0010)")
    assert rows["numbers"] == [128] and rows["length"] == 2


def test_not_a_number_floats_stay_valid_json():
    values = struct.pack("<4f", 1.5, float("nan"), float("inf"), float("-inf"))
    tree = tree_of(part10_bytes(explicit_element(0x0018605A, "FL", values)))
    node = find(tree["elements"], "(0018,605A)")
    assert node["numbers"] == [1.5, "NaN", "Infinity", "-Infinity"] and "warning" not in node
    assert node["value"] == "1.5\\nan\\inf\\-inf"
    json.dumps(tree, allow_nan=False)


def test_private_creators_written_in_another_case_still_find_their_names_and_sequences():
    # Philips writes 'PHILIPS IMAGING DD 001'; pydicom's private dictionary has 'Philips Imaging DD 001'
    def implicit(tag: int, value: bytes) -> bytes:
        return struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(value)) + value

    creator = implicit(0x20010010, b"PHILIPS IMAGING DD 001")
    item = creator + implicit(0x2001102D, struct.pack("<h", 5))
    sequence = implicit(0x2001105F, implicit(0xFFFEE000, item))
    elements = tree_of(part10_bytes(creator + sequence, pydicom.uid.ImplicitVRLittleEndian))["elements"]
    stack = find(elements, "(2001,105F)")
    assert stack["vr"] == "SQ" and stack["name"] == "Stack Sequence" and stack["vm"] == 1
    slices = find(elements, "(2001,105F)", "1", "(2001,102D)")
    assert slices["name"] == "Number of Stack Slices" and slices["numbers"] == [5]


def test_remembering_the_tree_leaves_the_dataset_as_it_was():
    first, second = (pydicom.dcmread(pydicom_file("CT_small.dcm")) for _ in range(2))
    header_tree(first)
    assert first == second  # FileDataset equality also compares attributes
    count = len(tags_module._TREES)
    del first
    assert len(tags_module._TREES) == count - 1  # forgotten with its dataset


def _undelimited_inside_defined() -> bytes:
    """A defined-length sequence whose one item holds an undefined-length sequence with no
    delimiters: pydicom reads past the item's end while converting it (OSError)."""
    inner = (struct.pack("<HH", 0x0008, 0x1140) + b"SQ" + struct.pack("<HL", 0, 0xFFFFFFFF)
             + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF) + explicit_element(0x00081150, "UI", b"1.2\0"))
    return explicit_element(0x00081140, "SQ", struct.pack("<HHL", 0xFFFE, 0xE000, len(inner)) + inner)


@pytest.mark.parametrize("case, dataset, tag, error, shown", [
    # each raised out of header_tree once: the raw-bytes fallback was made as UN, and pydicom gave
    # it the dictionary's VR back and converted the bytes again (regressions tags-instance-number-
    # infinity.dcm, tags-undecodable-fallback-text.dcm, review-undelimited-inside-defined.dcm)
    ("IS 'inf' (OverflowError)", explicit_element(0x00200013, "IS", b"inf "), "(0020,0013)",
     "value cannot be decoded as IS: OverflowError", {"vr": "IS", "value": "4 bytes", "hex": "69 6e 66 20"}),
    ("CS stored as US, 3 bytes not UTF-8", explicit_element(0x00180015, "US", b"\xe0\x80\x01"), "(0018,0015)",
     "value cannot be decoded as US: BytesLengthException", {"vr": "US", "value": "3 bytes", "hex": "e0 80 01"}),
    ("sequence that cannot be read", _undelimited_inside_defined(), "(0008,1140)",
     "value cannot be decoded as SQ: OSError", {"vr": "UN", "stored_vr": "SQ", "value": "40 bytes", "items": None}),
], ids=["IS inf", "CS as US", "SQ"])
def test_a_value_that_cannot_be_decoded_shows_its_raw_bytes_under_the_stored_vr(case, dataset, tag, error, shown):
    data = part10_bytes(explicit_element(0x00080060, "CS", b"OT") + dataset
                        + explicit_element(0x00100020, "LO", b"ID12"))
    tree = tree_of(data)
    node = find(tree["elements"], tag)
    assert error in node["warning"], node
    assert {key: node.get(key) for key in shown} == shown
    assert find(tree["elements"], "(0008,0060)")["value"] == "OT"
    assert find(tree["elements"], "(0010,0020)")["value"] == "ID12"
    assert tag in dump_text(tree)
    json.dumps(tree, allow_nan=False)


def _part10_with_syntax(syntax: bytes, dataset: bytes) -> bytes:
    """A Part 10 file whose Transfer Syntax UID is the element ``syntax``, as stored."""
    meta = (explicit_element(0x00020001, "OB", b"\0\1")
            + explicit_element(0x00020002, "UI", b"1.2.840.10008.5.1.4.1.1.7\0")
            + explicit_element(0x00020003, "UI", b"1.2.3.4\0") + syntax)
    return bytes(128) + b"DICM" + explicit_element(0x00020000, "UL", struct.pack("<L", len(meta))) + meta + dataset


def _implicit(tag: int, value: bytes) -> bytes:
    return struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(value)) + value


@pytest.mark.parametrize("case, syntax, value, warning", [
    # AttributeError out of header_tree once: `syntax.is_transfer_syntax` on a str, bytes or
    # MultiValue (regression tags-transfer-syntax-not-ui.dcm)
    ("LO", explicit_element(0x00020010, "LO", b"1.2.840.10008.1.2.1 "), "1.2.840.10008.1.2.1",
     "Transfer Syntax UID stored as LO, not UI: the dataset was read as explicit VR little endian"),
    ("OB", explicit_element(0x00020010, "OB", b"1.2.840.10008.1.2.1\0"), "20 bytes",
     "Transfer Syntax UID stored as OB with 1 value(s), not as one UID"),
    ("two UIDs", explicit_element(0x00020010, "UI", b"1.2.840.10008.1.2.1\\1.2.840.10008.1.2\0"),
     "1.2.840.10008.1.2.1\\1.2.840.10008.1.2", "Transfer Syntax UID stored as UI with 2 value(s), not as one UID"),
], ids=["LO", "OB", "two UIDs"])
def test_a_transfer_syntax_uid_not_stored_as_one_uid_is_shown_with_a_warning(case, syntax, value, warning):
    dataset = explicit_element(0x00080060, "CS", b"OT") + explicit_element(0x00100020, "LO", b"ID12")
    tree = tree_of(_part10_with_syntax(syntax, dataset))
    node = find(tree["meta"], "(0002,0010)")
    assert node["value"] == value and warning in node["warning"], node
    assert [n["value"] for n in tree["elements"]] == ["OT", "ID12"]
    assert "(0002,0010)" in dump_text(tree)


def test_a_transfer_syntax_uid_stored_as_text_still_says_how_the_dataset_is_encoded():
    # explicit VR little endian, spelt in an LO: a dataset written in implicit VR is pointed out
    syntax = explicit_element(0x00020010, "LO", b"1.2.840.10008.1.2.1 ")
    dataset = _implicit(0x00080060, b"OT") + _implicit(0x00100020, b"ID12")
    elements = tree_of(_part10_with_syntax(syntax, dataset))["elements"]
    assert "written in implicit VR" in elements[0]["warning"]
    assert [n["value"] for n in elements] == ["OT", "ID12"]
