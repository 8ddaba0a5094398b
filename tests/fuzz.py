"""Fuzzing the whole Python path with mutated DICOM files and zips of them.

Each input is one pick — a zip of one to three mutated DICOM files next to an intact control
file, a folder of loose mutated files, or a zip whose own bytes are damaged — generated from
``(seed, number)`` alone, so any input can be made again. It goes through what the page's
worker calls (:mod:`dicompeek.app.worker_api`, through its JSON ``call`` like the page): index the
pick, merge the summary, open every series in the viewer and render its first and last frame,
probe a pixel, show and export every header, the series variation, CSV and comparison, then
the privacy review and its reports. Then each command line subcommand runs on it, in process
through :func:`dicompeek.app.cli.main` with stdout and stderr captured (:func:`cli_stage`):
``summary`` and ``review`` of the pick, and for each of its entries ``render`` of the first and
the last frame the viewer listed, ``dump`` and ``dump --json`` (the control file: ``render``).
``run(cli_every=N)`` takes only every N-th input through it (the CI run). Failures:

- ``exception``: anything raised out of a worker API function (the page would get no answer);
- ``json``: a reply the page cannot parse (NaN or Infinity in the JSON), or a DICOM JSON
  export (the page's download, ``dump --json``) that is not strict JSON;
- ``resource``: a reply that names MemoryError or RecursionError (a limit was hit, not avoided);
- ``lost``: the control file next to the mutated ones is not indexed, shown and read intact;
- ``totals``: the summary's totals do not add up;
- ``hang``: no answer within the time limit (the worker process is killed);
- ``memory``: the worker's peak memory grew more than the limit on one input (its address space
  is capped too, so the machine is never at risk);
- ``crash``: the worker process died (segfault, abort, fatal stack overflow);
- ``traceback``: an exception out of the command line's ``main()`` (other than ``SystemExit``
  with 0, 1 or 2), or "Traceback" in what it wrote to stderr;
- ``internal``: the command line's last resort fired ("<file>: internal error: ..."): an
  exception that no part of the code meant for the input, worded but not handled;
- ``exit``: an exit status the subcommand does not give for that outcome (``summary`` 0,
  ``review`` 0 or 1, ``render`` and ``dump`` 0 or 2), or 2 without exactly one line on stderr
  naming the entry (``<location>: <reason>``), or no PNG after ``render`` gave 0; ``lost`` and
  ``json`` above cover the command line too (the control file must render; ``dump --json``
  must be strict JSON).

Workers are subprocesses (``python tests/fuzz.py --worker``) talking JSON lines; the parent
(:func:`run`) gives out input numbers, enforces the time limit and restarts dead workers.
``bench/fuzz.py`` is the long run; ``tests/app/test_fuzz.py`` a short one in CI and the
regression files in ``tests/regressions/``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import resource
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
#: Seed files larger than this are left out (inputs stay small, so runs stay fast).
SEED_LIMIT = 64 * 1024
#: Instances whose header, exports and frames are looked at per input.
LOOK_AT = 6


# --- seeds ---------------------------------------------------------------------------------

def make_seed_dir(directory: Path, *, corpus: bool = True) -> Path:
    """Write every seed file into ``directory`` (once): pydicom's bundled test files, files made
    with ``dicompeek_synthetic`` and the registry, and the shared corpus's small files when present.
    Synthetic files have random UIDs, so they are made once and read back by every worker."""
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "DONE").exists():
        return directory
    _path()
    import pydicom

    from registry import PYDICOM_FILES

    for path in sorted(PYDICOM_FILES.iterdir()):
        if path.is_file() and path.suffix == ".dcm" and path.stat().st_size <= SEED_LIMIT:
            shutil.copyfile(path, directory / f"pydicom-{path.name}")
    for name, data in _synthetic():
        (directory / f"synthetic-{name}.dcm").write_bytes(data)
    if corpus and CORPUS.is_dir():
        for path in sorted(CORPUS.rglob("*")):
            if path.is_file() and 200 < path.stat().st_size <= SEED_LIMIT and _is_dicom(path):
                rel = path.relative_to(CORPUS).as_posix().replace("/", "__")
                shutil.copyfile(path, directory / f"corpus-{rel}{'' if rel.endswith('.dcm') else '.dcm'}")
    (directory / "DONE").write_text(pydicom.__version__)
    return directory


def _is_dicom(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(132)
    return head[128:132] == b"DICM"


def _synthetic() -> list[tuple[str, bytes]]:
    import pydicom
    from pydicom.dataset import Dataset
    from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, RLELossless

    from dicompeek_synthetic import ct_phantom_series, dataset_bytes, mr_series, secondary_capture
    from registry import deidentified, raw_dataset_bytes, small_dataset

    out = [("small", dataset_bytes(small_dataset(rows=16, columns=16))),
           ("multiframe", dataset_bytes(small_dataset(rows=8, columns=8, frames=4))),
           ("raw-implicit", raw_dataset_bytes(small_dataset(rows=8, columns=8)))]
    for k, ds in enumerate(ct_phantom_series(2, 16, 16)):
        out.append((f"ct{k}", dataset_bytes(ds)))
    out.append(("mr", dataset_bytes(mr_series(2, 16, 16)[0])))
    sc = secondary_capture()
    if len(dataset_bytes(sc)) <= SEED_LIMIT:
        out.append(("sc", dataset_bytes(sc)))
    out.append(("deidentified", dataset_bytes(deidentified(1)[0])))
    rle = small_dataset(rows=16, columns=16, frames=2)
    rle.compress(RLELossless)
    out.append(("rle", dataset_bytes(rle)))
    nested = small_dataset(rows=8, columns=8)
    inner = Dataset()
    inner.ReferencedSOPInstanceUID = "1.2.3"
    inner.CodeMeaning = "leaf"
    for _ in range(6):
        outer = Dataset()
        outer.ContentSequence = [inner]
        outer.CodeMeaning = "level"
        inner = outer
    nested.ContentSequence = [inner]
    nested.SpecificCharacterSet = "ISO_IR 100"
    nested.InstitutionName = "Caf\u00e9 \u00c4rzte"
    out.append(("nested", dataset_bytes(nested)))
    for name, syntax in (("deflated", DeflatedExplicitVRLittleEndian), ("bigendian", ExplicitVRBigEndian)):
        plain = small_dataset(rows=8, columns=8)
        plain.file_meta.TransferSyntaxUID = syntax
        buffer = io.BytesIO()
        pydicom.dcmwrite(buffer, plain, little_endian=syntax != ExplicitVRBigEndian, implicit_vr=False)
        out.append((name, buffer.getvalue()))
    return out


def load_seeds(directory: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(directory.iterdir()) if p.suffix == ".dcm"]


# --- mutations ------------------------------------------------------------------------------

_VRS = [b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"OB", b"OD",
        b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM", b"UC", b"UI",
        b"UL", b"UN", b"UR", b"US", b"UT", b"UV"]
_VR_SET = set(_VRS)
_LONG = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"}
_LENGTHS = [0, 1, 2, 3, 7, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF]
#: (tag, interesting values) for the image attributes the decoders trust.
_US_TAGS = {0x00280002: "SamplesPerPixel", 0x00280010: "Rows", 0x00280011: "Columns",
            0x00280100: "BitsAllocated", 0x00280101: "BitsStored", 0x00280102: "HighBit",
            0x00280103: "PixelRepresentation", 0x00280006: "PlanarConfiguration"}
_US_VALUES = [0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 0x7FFF, 0x8000, 0xFFFF]
_TEXT_VALUES = [b"", b" ", b"0", b"-1", b"1e9", b"2147483647", b"9999999999", b"NaN", b"inf", b"-0",
                b"\xff\xfe", b"\x1b$B\x1b(B", b"\\\\\\\\", b"1\\2\\3\\4\\5\\6\\7", b"abc", b"0.5\\-0.5",
                b"%s%n", b"<img src=x onerror=alert(1)>", bytes(range(1, 32))]
_CHARSETS = [b"ISO_IR 100", b"ISO_IR 192", b"ISO 2022 IR 87", b"\\ISO 2022 IR 87\\ISO 2022 IR 159",
             b"GB18030", b"ISO_IR 999", b"", b"\\", b"ISO 2022 IR 6\\ISO 2022 IR 13\\ISO 2022 IR 149",
             b"ISO_IR 13", b"\xff\xfe"]
_SYNTAXES = [b"1.2.840.10008.1.2", b"1.2.840.10008.1.2.1", b"1.2.840.10008.1.2.2", b"1.2.840.10008.1.2.1.99",
             b"1.2.840.10008.1.2.5", b"1.2.840.10008.1.2.4.50", b"1.2.840.10008.1.2.4.70",
             b"1.2.840.10008.1.2.4.90", b"1.2.840.10008.1.2.4.80", b"1.2.840.10008.1.2.4.201",
             b"1.2.3.4.5.6", b"", b"garbage"]
_PIXEL_TAG = b"\xe0\x7f\x10\x00"


def _element_heads(data: bytes) -> list[tuple[int, int, int]]:
    """(start, length-field offset, length-field size) of what look like explicit VR little endian
    elements and items, in file order; approximate, which is all a mutation needs."""
    heads = []
    at = data.find(b"DICM")
    start = at + 4 if 0 <= at <= 128 else 0
    for vr in _VRS:
        p = data.find(vr, start + 4)
        while p >= 0:
            q = p - 4
            if data[q + 1] < 0x80 and p + 4 <= len(data):  # a plausible group's high byte
                if vr not in _LONG:
                    heads.append((q, p + 2, 2))
                elif data[p + 2:p + 4] == b"\0\0" and p + 8 <= len(data):
                    heads.append((q, p + 4, 4))
            p = data.find(vr, p + 1)
    for marker in (b"\xfe\xff\x00\xe0", b"\xfe\xff\x0d\xe0", b"\xfe\xff\xdd\xe0"):
        p = data.find(marker, start)
        while p >= 0:
            if p + 8 <= len(data):
                heads.append((p, p + 4, 4))
            p = data.find(marker, p + 1)
    heads.sort()
    return heads


def _find_element(data: bytes, tag: int) -> tuple[int, int, int] | None:
    """(start, value start, value length) of the explicit VR little endian element ``tag``."""
    key = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    p = data.find(key, 132 if data[128:132] == b"DICM" else 0)
    while p >= 0:
        vr = data[p + 4:p + 6]
        if vr in _VR_SET:
            if vr in _LONG:
                return p, p + 12, struct.unpack_from("<L", data, p + 8)[0] if p + 12 <= len(data) else 0
            return p, p + 8, struct.unpack_from("<H", data, p + 6)[0] if p + 8 <= len(data) else 0
        p = data.find(key, p + 1)
    return None


def _element(tag: int, vr: bytes, value: bytes, length: int | None = None) -> bytes:
    length = len(value) if length is None else length
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr
    if vr in _LONG:
        return head + struct.pack("<HL", 0, length & 0xFFFFFFFF) + value
    return head + struct.pack("<H", length & 0xFFFF) + value


def _replace_value(data: bytes, tag: int, vr: bytes, value: bytes) -> bytes:
    """``data`` with element ``tag`` given ``value`` (inserted before pixel data if absent)."""
    found = _find_element(data, tag)
    if found and found[1] + found[2] <= len(data):
        start, value_start, length = found
        return data[:start] + _element(tag, vr, value) + data[value_start + length:]
    at = data.find(_PIXEL_TAG)
    at = at if at > 0 else len(data)
    return data[:at] + _element(tag, vr, value) + data[at:]


def _deep(levels: int, *, undefined: bool, delimiters: bool = True) -> bytes:
    inner = _element(0x00081150, b"UI", b"1.2\0")
    for _ in range(levels):
        if undefined:
            item = b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + inner + (b"\xfe\xff\x0d\xe0\0\0\0\0" if delimiters else b"")
            inner = _element(0x00081140, b"SQ", item + (b"\xfe\xff\xdd\xe0\0\0\0\0" if delimiters else b""),
                             length=0xFFFFFFFF)
        else:
            inner = _element(0x00081140, b"SQ", b"\xfe\xff\x00\xe0" + struct.pack("<L", len(inner)) + inner)
    return inner


def _at_boundary(data: bytes, rng: random.Random, heads: list[tuple[int, int, int]]) -> int:
    return rng.choice(heads)[0] if heads else rng.randrange(len(data) + 1)


def mutate(data: bytes, rng: random.Random, donors: list[bytes]) -> tuple[bytes, str]:
    """One mutation of ``data``; returns the new bytes and what was done."""
    heads = _element_heads(data) if len(data) < 400_000 else []
    kind = rng.choice(["flip", "flip", "truncate", "truncate", "length", "length", "length", "pixel-length",
                       "splice", "delete", "duplicate", "us-value", "text-value", "vr", "charset", "deep",
                       "undelimited", "syntax", "frames-overflow", "zeros"])
    n = len(data)
    if kind == "flip" and n:
        out = bytearray(data)
        for _ in range(rng.choice([1, 1, 2, 4, 16])):
            p = rng.randrange(n)
            out[p] = rng.choice([0, 0xFF, rng.randrange(256), out[p] ^ (1 << rng.randrange(8))])
        return bytes(out), kind
    if kind == "truncate":
        where = rng.choice(["anywhere", "preamble", "meta", "element", "pixels", "end"])
        if where == "preamble":
            cut = rng.randrange(0, min(133, n + 1))
        elif where == "meta" and n > 140:
            cut = rng.randrange(132, min(n, 400))
        elif where == "element" and heads:
            start, at, size = rng.choice(heads)
            cut = min(n, at + size + rng.randrange(0, 16))
        elif where == "pixels" and data.find(_PIXEL_TAG) > 0:
            p = data.find(_PIXEL_TAG)
            cut = rng.randrange(p, n + 1)
        elif where == "end":
            cut = max(0, n - rng.randrange(1, 9))
        else:
            cut = rng.randrange(n + 1)
        return data[:cut], f"truncate-{where}"
    if kind in ("length", "pixel-length") and heads:
        if kind == "pixel-length" and data.find(_PIXEL_TAG) > 0:
            p = data.find(_PIXEL_TAG)
            head = (p, p + 8, 4) if data[p + 4:p + 6] in _LONG else (p, p + 4, 4)
        else:
            head = rng.choice(heads)
        _, at, size = head
        old = int.from_bytes(data[at:at + size], "little")
        length = rng.choice([*_LENGTHS, old + 1, old - 1, old + 2, old * 2, n - at, n - at + 1, rng.getrandbits(32)])
        length &= (1 << (8 * size)) - 1
        return data[:at] + length.to_bytes(size, "little") + data[at + size:], kind
    if kind in ("splice", "duplicate") and heads:
        donor = rng.choice(donors) if kind == "splice" and donors else data
        donor_heads = _element_heads(donor) if donor is not data else heads
        if donor_heads:
            a = rng.choice(donor_heads)[0]
            b = min(len(donor), a + rng.choice([8, 12, 16, 64, 256, 4096]))
            later = [h[0] for h in donor_heads if h[0] > a]
            if later and rng.random() < 0.7:
                b = rng.choice(later[:8])
            at = _at_boundary(data, rng, heads)
            return data[:at] + donor[a:b] + data[at:], kind
    if kind == "delete" and len(heads) > 2:
        i = rng.randrange(len(heads) - 1)
        j = rng.randrange(i + 1, min(len(heads), i + 4))
        return data[:heads[i][0]] + data[heads[j][0]:], kind
    if kind == "us-value":
        tag = rng.choice(list(_US_TAGS))
        value = struct.pack("<H", rng.choice(_US_VALUES))
        return _replace_value(data, tag, b"US", value), f"{kind}-{_US_TAGS[tag]}"
    if kind == "text-value":
        tag, vr = rng.choice([(0x00280008, b"IS"), (0x00281050, b"DS"), (0x00281051, b"DS"),
                              (0x00280030, b"DS"), (0x00200037, b"DS"), (0x00200032, b"DS"),
                              (0x00281052, b"DS"), (0x00281053, b"DS"), (0x00100010, b"PN"),
                              (0x0020000E, b"UI"), (0x00080016, b"UI"), (0x00181063, b"DS"),
                              (0x00080018, b"UI"), (0x00200013, b"IS"), (0x00281056, b"CS")])
        value = rng.choice(_TEXT_VALUES)
        value += b" " if len(value) % 2 else b""
        return _replace_value(data, tag, vr, value), f"{kind}-{tag:08X}"
    if kind == "vr" and heads:
        start = rng.choice(heads)[0]
        if data[start + 4:start + 6] in _VR_SET:
            new = rng.choice([*_VRS, b"ZZ", b"\0\0", b"  ", b"ob"])
            return data[:start + 4] + new + data[start + 6:], kind
    if kind == "charset":
        value = rng.choice(_CHARSETS)
        data = _replace_value(data, 0x00080005, b"CS", value + (b" " if len(value) % 2 else b""))
        if rng.random() < 0.5:
            text = rng.choice([b"\x1b$B\x30\x21\x1b(B", b"\xe9\xff", b"\xc3\x28", b"\x1b%G\xe2\x82\xac", b"\x8e\xa1"])
            data = _replace_value(data, 0x00100010, b"PN", text + (b" " if len(text) % 2 else b""))
        return data, kind
    if kind == "deep":
        levels = rng.choice([2, 31, 32, 33, 64, 200, 2000])
        block = _deep(levels, undefined=rng.random() < 0.5)
        p = data.find(_PIXEL_TAG)
        at = p if p > 0 and rng.random() < 0.7 else _at_boundary(data, rng, heads)
        return data[:at] + block + data[at:], f"deep-{levels}"
    if kind == "undelimited":
        block = _deep(rng.choice([1, 3, 40]), undefined=True, delimiters=False)
        at = _at_boundary(data, rng, heads)
        keep = rng.random() < 0.5
        return data[:at] + block + (data[at:] if keep else b""), kind
    if kind == "syntax" and data[128:132] == b"DICM":
        value = rng.choice(_SYNTAXES)
        return _replace_value(data, 0x00020010, b"UI", value + (b"\0" if len(value) % 2 else b"")), kind
    if kind == "frames-overflow":
        data = _replace_value(data, 0x00280008, b"IS", rng.choice([b"2147483647 ", b"99999999", b"65536 "]))
        for tag in (0x00280010, 0x00280011):
            data = _replace_value(data, tag, b"US", struct.pack("<H", rng.choice([0xFFFF, 0x8000, 4096])))
        return data, kind
    if kind == "zeros":
        at = _at_boundary(data, rng, heads)
        return data[:at] + bytes(rng.choice([8, 64, 4096, 100_000])) + data[at:], kind
    # the chosen mutation did not apply to this file: flip a byte instead
    if not n:
        return b"\0", "empty"
    p = rng.randrange(n)
    return data[:p] + bytes([rng.randrange(256)]) + data[p + 1:], "flip"


# --- inputs ---------------------------------------------------------------------------------

@dataclass
class Input:
    """One pick: ``files`` go into a zip (``as_zip``) or a folder; ``control`` names the intact file."""

    number: int
    files: dict[str, bytes]
    as_zip: bool
    control: str | None
    zip_damage: str | None = None
    steps: list[str] = field(default_factory=list)

    def write(self, directory: Path) -> Path:
        """Write the pick under ``directory``; return the path to pick."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.as_zip:
            path = directory / "pick.zip"
            path.write_bytes(self.zip_bytes())
            return path
        folder = directory / "pick"
        folder.mkdir(exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return folder

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for k, (name, data) in enumerate(self.files.items()):
                method = zipfile.ZIP_DEFLATED if (k + self.number) % 2 else zipfile.ZIP_STORED
                archive.writestr(zipfile.ZipInfo(f"DIR/{name}", (2024, 1, 2, 3, 4, 5)), data, compress_type=method)
        data = buffer.getvalue()
        if self.zip_damage:
            data = _damage_zip(data, self.zip_damage, random.Random(f"zip:{self.number}"))
        return data


def _damage_zip(data: bytes, how: str, rng: random.Random) -> bytes:
    out = bytearray(data)
    if how == "flip":
        for _ in range(rng.choice([1, 2, 8])):
            p = rng.randrange(len(out))
            out[p] = rng.randrange(256)
    elif how == "truncate":
        return data[:rng.randrange(len(data))]
    elif how == "sizes":  # a member's stated sizes in the central directory
        p = data.rfind(b"PK\x01\x02")
        if p >= 0:
            struct.pack_into("<LL", out, p + 20, rng.choice([0, 1, 0xFFFFFFF0, 0x7FFFFFFF]),
                             rng.choice([0, 1, 0xFFFFFFF0, 0x7FFFFFFF, 200_000_000]))
    elif how == "method":
        p = data.find(b"PK\x01\x02")
        if p >= 0:
            struct.pack_into("<H", out, p + 10, rng.choice([1, 9, 12, 14, 93, 99]))
    return bytes(out)


def make_input(seed: int, number: int, seeds: list[tuple[str, bytes]]) -> Input:
    """Input ``number`` of run ``seed``: the same arguments always give the same bytes."""
    rng = random.Random(f"{seed}:{number}")
    donors = [data for _, data in seeds]
    files: dict[str, bytes] = {}
    steps: list[str] = []
    for k in range(rng.choice([1, 1, 1, 2, 3])):
        name, data = rng.choice(seeds)
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 5])):
            data, what = mutate(data, rng, donors)
            steps.append(f"{name}:{what}")
        files[f"m{k}_{name}"] = data
    as_zip = rng.random() < 0.75
    control = None
    if rng.random() < 0.8:
        control = "control.dcm"
        files[control] = _control(seeds)
    zip_damage = rng.choice(["flip", "truncate", "sizes", "method"]) if as_zip and rng.random() < 0.08 else None
    if zip_damage:
        control = None  # a damaged zip may lose it
    return Input(number, files, as_zip, control, zip_damage, steps)


def _control(seeds: list[tuple[str, bytes]]) -> bytes:
    for name, data in seeds:
        if name == "synthetic-ct0.dcm":
            return data
    return seeds[0][1]


# --- the pipeline ---------------------------------------------------------------------------

class _Reply(Exception):
    pass


def _checked(text: str, name: str, failures: list[dict[str, str]]) -> Any:
    def no_constant(token: str) -> Any:
        raise ValueError(f"{token} in the reply")

    try:
        value = json.loads(text, parse_constant=no_constant)
    except ValueError as exc:
        failures.append({"kind": "json", "where": name, "detail": f"{exc}: {text[:300]}"})
        value = json.loads(text)
    for marker in ("MemoryError", "RecursionError", "maximum recursion depth"):
        if marker in text:
            at = text.index(marker)
            failures.append({"kind": "resource", "where": name, "detail": text[max(0, at - 200):at + 100]})
            break
    return value


def pipeline(path: str, control: str | None = None, frames_seen: dict[int, int] | None = None) -> list[dict[str, str]]:
    """Run the pick at ``path`` through every worker API function the page calls; the failures.
    ``frames_seen`` gets, for each entry the viewer listed, how many of its frames it listed."""
    from dicompeek.app import worker_api as api

    failures: list[dict[str, str]] = []

    def call(name: str, *args: Any) -> Any:
        try:
            text = api.call(name, json.dumps(args)).decode()
        except BaseException as exc:  # anything out of the API is the finding
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append({"kind": "exception", "where": name,
                             "detail": "".join(traceback.format_exception(exc))[-3000:]})
            raise _Reply from None
        return _checked(text, name, failures)

    def render(entry: int, frame: int, window: Any = None) -> dict[str, Any]:
        try:
            meta_text, rgba = api.render(json.dumps([entry, frame, window]))
        except BaseException as exc:  # the same
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append({"kind": "exception", "where": "render",
                             "detail": "".join(traceback.format_exception(exc))[-3000:]})
            raise _Reply from None
        meta = _checked(meta_text, "render", failures)
        if not meta.get("error") and len(rgba) != meta.get("rows", -1) * meta.get("columns", -1) * 4:
            failures.append({"kind": "exception", "where": "render", "detail": f"{len(rgba)} bytes for {meta}"})
        return meta

    try:
        call("reset")
        call("add_paths", [path], 0, 1)
        for _ in range(100_000):
            if call("index_step", 0.5)["finished"]:
                break
        summary = call("merge_summary", [])
        totals = summary["totals"]
        if totals["entries"] != totals["dicom"] + totals["non_dicom"] + totals["unreadable"] + totals["not_indexed"]:
            failures.append({"kind": "totals", "where": "merge_summary", "detail": json.dumps(totals)})
        rendered: dict[int, dict[str, Any]] = {}
        for patient in summary["patients"]:
            for study in patient["studies"]:
                for series in study["series"]:
                    uids = (study["study_instance_uid"], series["series_instance_uid"])
                    opened = call("series", *uids)
                    frames = opened["frames"]
                    if frames_seen is not None:
                        for frame in frames:
                            frames_seen[frame["entry"]] = max(frames_seen.get(frame["entry"], 0), frame["frame"] + 1)
                    for frame in (frames[:1] + frames[-1:])[:2]:
                        meta = render(frame["entry"], frame["frame"])
                        rendered.setdefault(frame["entry"], meta)
                        call("probe", frame["entry"], frame["frame"], 1, 1)
                    if frames:
                        render(frames[0]["entry"], frames[0]["frame"], {"center": 40, "width": 400, "invert": True})
                    call("variation", *uids)
                    call("series_csv", *uids, ["PatientName", "Rows", "ImagePositionPatient", "(0028,0010)"])
        instances = call("instances")
        headers: dict[int, dict[str, Any]] = {}
        for instance in instances[:LOOK_AT]:
            headers[instance["entry"]] = call("header", instance["entry"])
            exported = call("export_header", instance["entry"], "json")
            if exported.get("text") and not exported.get("error"):  # the download itself must be JSON too
                try:
                    json.loads(exported["text"], parse_constant=_no_constant)
                except ValueError as exc:
                    failures.append({"kind": "json", "where": "export_header",
                                     "detail": f"{exc}: {exported['text'][:300]}"})
            call("export_header", instance["entry"], "dump")
        if len(instances) >= 2:
            call("compare", instances[0]["entry"], instances[-1]["entry"])
        call("privacy_review")
        for form in ("html", "csv", "json"):
            call("review_report", form)
        if control:
            _check_control(summary, instances, control, rendered, headers, call, render, failures)
    except _Reply:
        pass
    return failures


def _check_control(summary: dict[str, Any], instances: list[dict[str, Any]], control: str,
                   rendered: dict[int, dict[str, Any]], headers: dict[int, dict[str, Any]],
                   call: Callable[..., Any], render: Callable[..., Any], failures: list[dict[str, str]]) -> None:
    """The intact file next to the mutated ones: indexed as DICOM, no warning, rendered, header read."""
    def is_control(location: str) -> bool:
        return location.replace("::", "/").rsplit("/", 1)[-1] == control

    mine = [i for i in instances if is_control(i["location"])]
    problems = [f for f in summary["files"] if is_control(f["location"])]
    if len(mine) != 1 or problems:
        failures.append({"kind": "lost", "where": "summary", "detail": json.dumps(problems or instances)[:1000]})
        return
    entry = mine[0]["entry"]
    meta = rendered.get(entry) or render(entry, 0)
    header = headers.get(entry) or call("header", entry)
    if meta.get("error") or header.get("error") or header.get("count", 0) < 10:
        failures.append({"kind": "lost", "where": "viewer/tags",
                         "detail": f"{meta.get('error')} / {header.get('error')} / {header.get('count')}"})


# --- the command line -----------------------------------------------------------------------

#: Exit statuses each subcommand may give on an input that exists (see dicompeek.app.cli).
_CLI_EXITS = {"summary": {0}, "review": {0, 1}, "render": {0, 2}, "dump": {0, 2}}


def cli_stage(path: str, control: str | None, frames_seen: dict[int, int], scratch: Path) -> list[dict[str, str]]:
    """Run every subcommand of the command line on the pick at ``path`` (in process, output
    captured): ``summary`` and ``review`` of the pick; for each of its first :data:`LOOK_AT`
    entries (as the page numbers them), ``render`` of frame 1 and of the last frame the viewer
    listed, ``dump`` and ``dump --json``. The failures (see the module's docstring)."""
    from dicompeek.io.archive import Sources, shown

    failures: list[dict[str, str]] = []
    run_cli(["summary", path], failures)
    run_cli(["review", path], failures)
    sources = Sources()
    try:
        sources.add(os.path.abspath(path))
        entries = sources.entries[:LOOK_AT]
    finally:
        sources.close()
    root = os.path.dirname(os.path.abspath(path).rstrip("/"))
    png = str(scratch / "cli.png")
    for position, entry in enumerate(entries):
        target = (os.path.join(root, entry.path) if entry.archive is None else
                  f"{os.path.join(root, entry.archive.split('::')[0])}::{entry.member}")
        named = shown(entry.path.rsplit("/", 1)[-1])  # a loose file is named from its folder, an entry with its zip
        mine = control is not None and entry.path.rsplit("/", 1)[-1] == control
        last = frames_seen.get(position, 1)
        for frame in [1] if mine else sorted({1, last}):
            if os.path.exists(png):
                os.remove(png)
            code, out, _ = run_cli(["render", target, "--frame", str(frame), "-o", png], failures, named)
            if code == 0 and not (os.path.exists(png) and Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"):
                failures.append({"kind": "exit", "where": "cli render", "detail": f"{target}: exit 0 without a PNG"})
            if mine and frame == 1 and code != 0:
                failures.append({"kind": "lost", "where": "cli render", "detail": f"{target}: exit {code}"})
        if mine:  # the intact file: that it renders is the check; its header holds no news
            continue
        for form in ([], ["--json"]):
            code, out, _ = run_cli(["dump", target, *form], failures, named)
            where = " ".join(["cli dump", *form])
            if code == 0 and form:
                try:
                    json.loads(out, parse_constant=_no_constant)
                except ValueError as exc:
                    failures.append({"kind": "json", "where": where, "detail": f"{target}: {exc}: {out[:300]}"})
    return failures


def _no_constant(token: str) -> Any:
    raise ValueError(f"{token} in the output")


def run_cli(argv: list[str], failures: list[dict[str, str]], named: str | None = None) -> tuple[Any, str, str]:
    """``python -m dicompeek ARGV`` in this process: (exit status, stdout, stderr); what is wrong
    with the way it ended goes to ``failures``. ``named``: what a one-line failure must name."""
    from dicompeek.app.cli import main

    out, err = io.StringIO(), io.StringIO()
    where = "cli " + argv[0] + (" --json" if "--json" in argv else "")
    code: int | str | None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:  # argparse's way (a usage error): not expected with these arguments
        code = exc.code
        if code not in (0, 1, 2):
            failures.append({"kind": "traceback", "where": where, "detail": f"{argv}: SystemExit({code!r})"})
            return code, out.getvalue(), err.getvalue()
    except BaseException as exc:  # anything out of main() is what a person would see as a traceback
        if isinstance(exc, KeyboardInterrupt):
            raise
        failures.append({"kind": "traceback", "where": where,
                         "detail": f"{argv}\n" + "".join(traceback.format_exception(exc))[-3000:]})
        return None, out.getvalue(), err.getvalue()
    text = err.getvalue()
    lines = text.splitlines()
    if "Traceback" in text:
        failures.append({"kind": "traceback", "where": where, "detail": f"{argv}\n{text[-3000:]}"})
    elif any(marker in text for marker in ("MemoryError", "RecursionError", "maximum recursion depth")):
        failures.append({"kind": "resource", "where": where, "detail": f"{argv}\n{text[-1500:]}"})
    elif "internal error:" in text:
        failures.append({"kind": "internal", "where": where, "detail": f"{argv}\n{text[-1500:]}"})
    elif code not in _CLI_EXITS[argv[0]]:
        failures.append({"kind": "exit", "where": where, "detail": f"{argv}: exit {code!r}\n{text[-1500:]}"})
    elif code == 2 and not (len(lines) == 1 and named is not None and ": " in lines[0]
                            and lines[0].split(": ", 1)[0].endswith(named)):
        failures.append({"kind": "exit", "where": where,
                         "detail": f"{argv}: exit 2 without one line naming {named!r}:\n{text[-1500:]}"})
    return code, out.getvalue(), text


# --- worker process -------------------------------------------------------------------------

def _path() -> None:
    for p in (str(ROOT / "py"), str(HERE)):
        if p not in sys.path:
            sys.path.insert(0, p)


def worker_main(seed_dir: str, memory_limit_mb: int, growth_limit_mb: int) -> None:
    """Serve requests from stdin: {"seed": s, "number": n} or {"path": p}; answer on stdout."""
    import logging
    import warnings

    _path()
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed goes where stderr goes, not into the protocol
    warnings.simplefilter("ignore")
    logging.getLogger("pydicom").setLevel(logging.WARNING)
    from dicompeek.app import worker_api  # noqa: F401  (imports before the baseline)

    limit = memory_limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seeds = load_seeds(Path(seed_dir))
    scratch = Path(tempfile.mkdtemp(prefix="dicompeek-fuzz-"))
    baseline = None
    try:
        for line in sys.stdin:
            request = json.loads(line)
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if request.get("control") == "__sleep__":  # the harness's own test: a hang
                time.sleep(3600)
            if request.get("control") == "__exit__":  # ... and a crash
                os._exit(3)
            if "path" in request:
                path, control = request["path"], request.get("control")
            else:
                item = make_input(request["seed"], request["number"], seeds)
                shutil.rmtree(scratch / "input", ignore_errors=True)
                path, control = str(item.write(scratch / "input")), item.control
            frames_seen: dict[int, int] = {}
            try:
                failures = pipeline(path, control, frames_seen)
            except MemoryError:
                failures = [{"kind": "memory", "where": "pipeline", "detail": "MemoryError out of the pipeline"}]
            ran_cli = request.get("cli", True)
            if ran_cli:
                try:
                    failures += cli_stage(path, control, frames_seen, scratch)
                except MemoryError:
                    failures.append({"kind": "memory", "where": "cli", "detail": "MemoryError out of the CLI stage"})
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            baseline = baseline or before
            grown = (after - max(before, baseline)) // 1024
            restart = False
            if grown > growth_limit_mb:
                failures.append({"kind": "memory", "where": "pipeline",
                                 "detail": f"peak memory grew by {grown} MB on this input"})
                restart = True  # the high-water mark only resets with the process
            protocol.write(json.dumps({"failures": failures, "seconds": time.perf_counter() - started,
                                       "restart": restart, "cli": ran_cli}) + "\n")
            if restart:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- the parent -----------------------------------------------------------------------------

@dataclass
class Report:
    inputs: int = 0
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    restarts: int = 0
    cli_inputs: int = 0  # inputs that went through the command line stage too
    slowest: tuple[float, dict[str, Any] | None] = (0.0, None)  # seconds, input

    @property
    def rate(self) -> float:
        return self.inputs / self.seconds if self.seconds else 0.0

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.failures:
            counts[f["kind"]] = counts.get(f["kind"], 0) + 1
        return counts


class _Worker:
    def __init__(self, seed_dir: Path, memory_limit_mb: int, growth_limit_mb: int, log: Path | None) -> None:
        self.args = [sys.executable, str(Path(__file__).resolve()), "--worker", str(seed_dir),
                     str(memory_limit_mb), str(growth_limit_mb)]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") if self.log else contextlib.nullcontext(subprocess.DEVNULL) as stderr:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                         text=True, bufsize=1, cwd=str(ROOT))

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | str:
        """The answer, or "hang" / "crash: <how>"."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc and self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return self._dead()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            return "hang"
        line = self.proc.stdout.readline()
        if not line:
            return self._dead()
        answer = json.loads(line)
        if answer.get("restart"):
            self.stop()
        return answer

    def _dead(self) -> str:
        assert self.proc
        code = self.proc.wait()
        self.proc = None
        return f"crash: exit code {code}" + (f" (signal {-code})" if code < 0 else "")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def default_seed_dir() -> Path:
    return ROOT / ".cache" / "fuzz-seeds"


def run(inputs: int, *, seed: int = 0, jobs: int = 1, time_limit: float = 10.0, memory_limit_mb: int = 3072,
        growth_limit_mb: int = 512, seed_dir: Path | None = None, crash_dir: Path | None = None,
        paths: list[tuple[str, str | None]] | None = None, start: int = 0,
        progress: Callable[[Report], None] | None = None, log: Path | None = None, cli_every: int = 1) -> Report:
    """Fuzz ``inputs`` generated inputs (numbers ``start`` ...) of run ``seed`` with ``jobs``
    workers, or, with ``paths``, run those picks [(path, control file name or None)] instead.
    The command line stage runs on every ``cli_every``-th generated input (numbers divisible by
    it) and on every path; ``cli_every=0``: on none."""
    seed_dir = make_seed_dir(seed_dir or default_seed_dir())
    seeds = load_seeds(seed_dir) if crash_dir else []
    requests: list[dict[str, Any]] = ([{"path": p, "control": c} for p, c in paths] if paths is not None else
                                      [{"seed": seed, "number": n} for n in range(start, start + inputs)])
    for request in requests:
        if not cli_every or request.get("number", 0) % cli_every:
            request["cli"] = False
    report = Report()
    lock = threading.Lock()
    queue = iter(requests)
    began = time.perf_counter()

    def save(request: dict[str, Any], failure: dict[str, Any]) -> None:
        if not crash_dir or "number" not in request:
            return
        item = make_input(request["seed"], request["number"], seeds)
        target = crash_dir / f"seed{request['seed']}-{request['number']}-{failure['kind']}"
        if target.exists():
            return
        item.write(target)
        (target / "failure.json").write_text(json.dumps({"failure": failure, "steps": item.steps,
                                                         "control": item.control}, indent=1))

    def work() -> None:
        worker = _Worker(seed_dir, memory_limit_mb, growth_limit_mb, log)
        try:
            while True:
                with lock:
                    request = next(queue, None)
                if request is None:
                    return
                answer = worker.ask(request, time_limit)
                if isinstance(answer, str):
                    failures = [{"kind": answer.split(":")[0], "where": "worker", "detail": answer}]
                else:
                    failures = answer["failures"]
                with lock:
                    report.inputs += 1
                    report.restarts += isinstance(answer, str) or bool(answer.get("restart"))
                    report.cli_inputs += not isinstance(answer, str) and bool(answer.get("cli"))
                    if not isinstance(answer, str) and answer["seconds"] > report.slowest[0]:
                        report.slowest = (answer["seconds"], request)
                    for failure in failures:
                        report.failures.append({**failure, "input": request})
                        save(request, failure)
                    report.seconds = time.perf_counter() - began
                    if progress:
                        progress(report)
        finally:
            worker.stop()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - began
    return report


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: bench/fuzz.py (this module is the fuzzer's library and worker)")
