"""numpy and Pillow after pydicom: the browser's worker imports pydicom and the indexing code before
numpy is loaded (its start-up, the memory snapshot of later visits, a pick's index and summary), then
``worker_api.import_the_rest()`` once numpy is there. pydicom must end up as a fresh import with
numpy and Pillow installed leaves it, or pixels and the summary would fail in the browser only.

Each side runs in a fresh interpreter: one imports worker_api with numpy and Pillow hidden (as the
worker does at boot), indexes a zip, then lets them in and imports the rest; the other imports it
as usual. Their pydicom modules (flags, what numpy and Pillow names are bound, every module global)
and the plugins of every decoder and encoder, in order, must be the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from registry import ROOT

FINGERPRINT = r'''
import importlib.abc, importlib.util, json, sys, types

class Hide(importlib.abc.MetaPathFinder):
    on = LATE
    def find_spec(self, name, path, target=None):
        if self.on and name.partition(".")[0] in ("numpy", "PIL"):
            raise ImportError(f"{name} is not loaded yet")

hide = Hide()
sys.meta_path.insert(0, hide)
find_spec = importlib.util.find_spec
hidden = lambda name: hide.on and name.partition(".")[0] in ("numpy", "PIL")
importlib.util.find_spec = lambda name, *a: None if hidden(name) else find_spec(name, *a)
from dicompeek.app import worker_api
importlib.util.find_spec = find_spec
light = {"numpy": "numpy" in sys.modules, "viewer": "Viewer" in vars(worker_api)}
if LATE:
    progress = worker_api.add_paths([ZIP], 0, 1)
    while not progress["finished"]:
        progress = worker_api.index_step(0.1)
    light["indexed"] = progress["done"]
    light["summarised"] = json.loads(worker_api.call("merge_summary", json.dumps([[]])))["totals"]["dicom"]
    hide.on = False
    assert worker_api.import_the_rest()
assert not worker_api.import_the_rest()  # once

from pydicom.pixels.common import CoderBase

def kind(value):
    if isinstance(value, (bool, int, str)) or value is None:
        return repr(value)
    if isinstance(value, types.ModuleType):
        return "module " + value.__name__
    return type(value).__name__

modules, coders = {}, {}
for name, module in sorted(sys.modules.items()):
    if name == "pydicom" or name.startswith("pydicom."):
        modules[name] = {key: kind(value) for key, value in vars(module).items()
                         if not key.startswith("__")}
        for key, value in vars(module).items():
            if isinstance(value, CoderBase):
                coders[f"{name}.{key}"] = [list(value._available), sorted(value._unavailable)]
summary = worker_api.call("merge_summary", json.dumps([[]]))
print(json.dumps({"light": light, "modules": modules, "coders": coders}))
'''


def fingerprint(late: bool, zip_path: str) -> dict:
    code = FINGERPRINT.replace("LATE", repr(late)).replace("ZIP", repr(zip_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "py"), str(ROOT / "tests")])})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def test_pydicom_imported_before_numpy_ends_up_as_a_fresh_import(tmp_path):
    from dicompeek_synthetic import ct_phantom_series, write_zip

    zip_path = tmp_path / "ct.zip"
    write_zip(zip_path, {f"CT/{k}.dcm": ds for k, ds in enumerate(ct_phantom_series(3, 16, 16))})
    late, fresh = fingerprint(True, str(zip_path)), fingerprint(False, str(zip_path))
    # the late side really indexed and summarised without numpy, and imported the rest only when told
    assert late["light"] == {"numpy": False, "viewer": False, "indexed": 3, "summarised": 3}
    assert fresh["light"] == {"numpy": True, "viewer": True}
    assert late["coders"] == fresh["coders"]
    assert any("pillow" in available for available, _ in fresh["coders"].values())
    for name, globals_ in fresh["modules"].items():
        assert late["modules"].get(name) == globals_, name
    assert set(late["modules"]) == set(fresh["modules"])
