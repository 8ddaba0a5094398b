"""pydicom's reader, guarded (dicompeek.dicom.guard): the internals the guards replace still exist
and are still what pydicom's reader calls, the entry points install the guards, and importing
dicompeek installs nothing."""

from __future__ import annotations

import inspect
import io
import json
import os
import subprocess
import sys
import textwrap

import pydicom
import pydicom.filereader
import pydicom.values
import pytest

from dicompeek.dicom import guard
from dicompeek.dicom.errors import MAX_NESTING, InflatesPastLimit, NotDicomData, TooDeep
from registry import ROOT, dicm_at_128_bytes, explicit_element, small_dataset

#: pydicom's internals the guards replace, with the parameters each guard passes on (None: the
#: guard passes on whatever it is given).
INTERNALS = {
    ("pydicom.filereader", "read_preamble"): ["fp", "force"],
    ("pydicom.filereader", "read_sequence"): None,
    ("pydicom.values", "read_sequence"): None,
    ("pydicom.filereader", "_read_command_set_elements"): ["fp"],
    ("pydicom.filereader", "zlib"): None,
}


def test_the_guards_replace_exactly_the_internals_listed_here():
    assert {(module.__name__, name) for module, name, _ in guard.PATCHED} == set(INTERNALS)


@pytest.mark.parametrize(("module", "name"), sorted(INTERNALS))
def test_every_internal_the_guards_replace_still_exists(module, name):
    """Installed or not (a guard's signature is its original's: ``functools.wraps``)."""
    value = getattr(sys.modules[module], name, None)
    assert value is not None, f"pydicom {pydicom.__version__} has no {module}.{name}"
    if name == "zlib":
        assert callable(value.decompress) and value.MAX_WBITS
        return
    assert callable(value)
    parameters = INTERNALS[(module, name)]
    if parameters is not None:
        assert list(inspect.signature(value).parameters) == parameters


def test_the_internals_the_reader_calls_directly_still_exist():
    """Not guarded, but called by name: read_partial (every read) and _read_file_meta_info
    (telling a deflated file)."""
    assert list(inspect.signature(pydicom.filereader.read_partial).parameters)[:4] == [
        "fileobj", "stop_when", "defer_size", "force"]
    assert list(inspect.signature(pydicom.filereader._read_file_meta_info).parameters) == ["fp"]


def test_install_installs_every_guard_once():
    guard.install()
    assert guard.installed()
    installed = [getattr(module, name) for module, name, _ in guard.PATCHED]
    guard.install()  # again: nothing changes, nothing is wrapped twice
    assert [getattr(module, name) for module, name, _ in guard.PATCHED] == installed


# --- pydicom's reader still goes through each guard ----------------------------------------------

def test_the_preamble_guard_reads_dicm_at_128_in_a_value_as_a_dataset():
    guard.install()
    ds = pydicom.dcmread(io.BytesIO(dicm_at_128_bytes(small_dataset(rows=4, columns=4))), force=True)
    assert ds.ImageType[-2] == "DICM" and ds.Rows == 4


def test_the_sequence_guard_stops_nesting_past_the_limit():
    guard.install()
    inner = explicit_element(0x00081150, "UI", b"1.2\0")
    for _ in range(MAX_NESTING + 1):
        item = b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + inner + b"\xfe\xff\x0d\xe0\0\0\0\0"
        inner = explicit_element(0x00081140, "SQ", item + b"\xfe\xff\xdd\xe0\0\0\0\0", length=0xFFFFFFFF)
    with pytest.raises(TooDeep):
        pydicom.dcmread(io.BytesIO(inner), force=True)


def test_the_command_set_guard_refuses_a_run_of_zeros():
    guard.install()
    with pytest.raises(NotDicomData, match=r"element \(0000,0000\) repeats at byte 8"):
        pydicom.dcmread(io.BytesIO(bytes(1 << 16)), force=True)


def test_pydicoms_own_inflation_is_bounded(monkeypatch):
    guard.install()
    ds = small_dataset(rows=64, columns=64)
    ds.file_meta.TransferSyntaxUID = pydicom.uid.DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, implicit_vr=False, little_endian=True)
    monkeypatch.setattr(guard, "INFLATE_LIMIT", 1024)
    with pytest.raises(InflatesPastLimit, match="inflates to more than 0 MB"):
        pydicom.dcmread(io.BytesIO(buffer.getvalue()), force=True)


# --- who installs them ---------------------------------------------------------------------------

def run_python(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                            env=env, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_dicompeek_patches_nothing():
    """Every module but the page's worker entry point (importing it starts the worker)."""
    found = run_python(f"""
        import importlib, json, pkgutil, sys
        import pydicom.filereader, pydicom.values
        internals = {sorted(INTERNALS)!r}
        before = {{key: getattr(sys.modules[key[0]], key[1]) for key in map(tuple, internals)}}
        import dicompeek
        names = [m.name for m in pkgutil.walk_packages(dicompeek.__path__, "dicompeek.")
                 if m.name not in ("dicompeek.app.worker_api", "dicompeek.__main__")]
        for name in names:
            importlib.import_module(name)
        changed = [key for key, value in before.items() if getattr(sys.modules[key[0]], key[1]) is not value]
        print(json.dumps({{"imported": len(names), "changed": changed}}))
    """)
    assert found["imported"] > 40 and found["changed"] == []


def test_the_worker_and_the_command_line_install_the_guards(tmp_path):
    (tmp_path / "IM0001").write_bytes(dicm_at_128_bytes(small_dataset(rows=4, columns=4)))
    found = run_python(f"""
        import contextlib, io, json
        from dicompeek.dicom import guard
        from dicompeek.app import cli
        before = guard.installed()
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli.main(["summary", {str(tmp_path / "IM0001")!r}])
        after_cli = guard.installed()
        print(json.dumps({{"before": before, "status": status, "cli": after_cli}}))
    """)
    assert found == {"before": False, "status": 0, "cli": True}
    found = run_python("""
        import json
        from dicompeek.dicom import guard
        before = guard.installed()
        from dicompeek.app import worker_api
        print(json.dumps({"before": before, "worker": guard.installed()}))
    """)
    assert found == {"before": False, "worker": True}
