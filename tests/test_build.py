"""build.py: verified downloads and a self-contained dist/."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile

import pytest

from registry import ROOT

sys.path.insert(0, str(ROOT))
from tools import assemble, downloads, paths, pyc, tables


def test_a_wheel_that_differs_from_pyodides_lock_file_is_refused(tmp_path, monkeypatch):
    lock = json.loads((downloads.PYODIDE_NPM / "pyodide-lock.json").read_text())
    monkeypatch.setattr(downloads, "CACHE", tmp_path)
    (tmp_path / "pyodide").mkdir()
    for name in downloads.PYODIDE_PACKAGES:
        (tmp_path / "pyodide" / lock["packages"][name]["file_name"]).write_bytes(b"not the official wheel")
    with pytest.raises(SystemExit, match=r"differs from pyodide-lock\.json.*refusing"):
        downloads.pyodide_wheels()


def test_a_pypi_download_with_the_wrong_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(downloads, "CACHE", tmp_path)
    requirement, filename, _ = downloads.PYDICOM_WHEEL
    (tmp_path / "pypi").mkdir()
    (tmp_path / "pypi" / filename).write_bytes(b"tampered")
    with pytest.raises(SystemExit, match="does not match the pinned"):
        downloads.pypi_download(requirement, filename, downloads.PYDICOM_WHEEL[2])


@pytest.fixture(scope="module")
def dist():
    assemble.build()
    return paths.DIST


def test_dist_holds_everything_the_page_loads(dist):
    manifest = json.loads((dist / "build.json").read_text())
    for name in downloads.PYODIDE_CORE:
        assert (dist / "pyodide" / name).is_file()
    for wheel in manifest["pyodide_wheels"]:
        assert (dist / "pyodide" / wheel).is_file()
    for relative in [*manifest["wheels"], manifest["app"], manifest["demo"]]:
        assert (dist / relative).is_file(), relative
    with zipfile.ZipFile(dist / manifest["app"]) as app:
        names = app.namelist()
    assert "dicompeek/app/worker_api.py" in names
    # the command line and the data generators are not the page's business
    assert not [name for name in names if name.endswith(("cli.py", "__main__.py")) or "synthetic" in name]


def test_our_page_refers_to_no_other_host(dist):
    for path in [*dist.glob("*.html"), *dist.glob("*.js"), *dist.glob("*.css")]:
        text = path.read_text()
        assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", text), path.name
        assert not re.search(r"""(fetch|import)\s*\(\s*["']https?://""", text), path.name
    html = (dist / "index.html").read_text()
    assert "default-src 'self'" in html and "connect-src 'self'" in html


def test_page_code_never_uses_innerhtml():
    for path in (ROOT / "web").rglob("*.js"):
        text = path.read_text()
        assert not re.search(r"\.(innerHTML|outerHTML|srcdoc)\s*=|insertAdjacentHTML|document\.write"
                             r"|\beval\(|new Function\(|createContextualFragment", text), path.name


def test_the_service_worker_precaches_exactly_this_build_with_content_hashes(dist):
    text = (dist / "sw.js").read_text()
    precache = re.search(r"const PRECACHE = (\[.*?\n\]);", text, re.S)
    assert precache
    listing = json.loads(precache.group(1))
    files = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()} - {"sw.js"}
    assert {entry["path"] for entry in listing} == files  # every file, and nothing of another build
    assert all(entry["sha256"] == paths.sha256(dist / entry["path"]) for entry in listing)
    assert all("//" not in entry["path"] and not entry["path"].startswith("/") for entry in listing)
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', text)
    assert version and version.group(1) == assemble.service_worker()  # rebuilding the same files keeps the version


def test_dist_holds_tesseract_js_and_the_service_worker_precaches_it(dist):
    ocr = {"ocr/tesseract.esm.min.js", "ocr/worker.min.js", "ocr/lang/eng.traineddata.gz",
           *(f"ocr/core/tesseract-core-{kind}lstm.wasm.js" for kind in ("", "simd-", "relaxedsimd-"))}
    assert {p.relative_to(dist).as_posix() for p in (dist / "ocr").rglob("*") if p.is_file()} == ocr
    assert (dist / "ocr.js").is_file()  # the page's module; it finds the rest next to it
    assert (dist / "ocr" / "lang" / "eng.traineddata.gz").read_bytes()[:2] == b"\x1f\x8b"
    precache = re.search(r"const PRECACHE = (\[.*?\n\]);", (dist / "sw.js").read_text(), re.S)
    assert precache
    listed = {entry["path"]: entry["sha256"] for entry in json.loads(precache.group(1))}
    assert {path: listed.get(path) for path in ocr} == {path: paths.sha256(dist / path) for path in ocr}


def test_a_changed_file_makes_a_new_offline_version_and_stale_files_go(dist):
    before = assemble.service_worker()
    stale = dist / "app" / "dicompeek-000000000000.zip"
    stale.write_bytes(b"left by an earlier build")
    (dist / "index.html").write_text((dist / "index.html").read_text() + "<!-- changed -->")
    try:
        assert assemble.service_worker() != before
    finally:
        assemble.build()  # copies index.html again (newer source? no: restore it) and prunes
    assert not stale.exists()
    assert assemble.service_worker() == before


def test_the_app_can_be_installed(dist):
    manifest = json.loads((dist / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "./"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        data = (dist / icon["src"]).read_bytes()
        if icon["type"] == "image/png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            assert int.from_bytes(data[16:20], "big") == int(icon["sizes"].split("x")[0])


def test_the_confidentiality_table_is_what_the_generator_makes_from_the_published_source():
    """Table E.1-1 is generated (build.py tables), never edited by hand: regenerate and compare."""
    import json

    table = tables.confidentiality_table()
    shipped = json.loads(tables.CONFIDENTIALITY_TABLE.read_text(encoding="utf-8"))
    assert table == shipped
    assert 600 <= len(table["rows"]) <= 700
    assert {o["code"] for o in table["options"]} == {f"1131{n:02}" for n in range(3, 13)} | {"113100"}
    name = next(r for r in table["rows"] if r.get("tag") == "00100010")
    assert name["basic"] == "Z" and name["keyword"] == "PatientName"


def test_the_app_zip_carries_the_package_data():
    assert tables.CONFIDENTIALITY_TABLE in assemble.package_files()


def _pycs_of(archive: zipfile.ZipFile) -> dict[str, bytes]:
    """Each module's .py path in the archive: the head of its __pycache__ bytecode (b'' if none)."""
    names = set(archive.namelist())
    heads = {}
    for name in names:
        if name.endswith(".py"):
            folder, _, stem = name.rpartition("/")
            cached = f"{folder}/__pycache__/{stem[:-3]}.{pyc.CACHE_TAG}.pyc".lstrip("/")
            heads[name] = archive.read(cached)[:8] if cached in names else b""
    return heads


def test_pydicom_and_the_app_ship_with_python_3_12_bytecode_beside_their_source(dist):
    manifest = json.loads((dist / "build.json").read_text())
    for relative in [*manifest["wheels"], manifest["app"]]:
        with zipfile.ZipFile(dist / relative) as archive:
            heads = _pycs_of(archive)
        assert heads, relative
        # CPython 3.12's magic number, and flags 0b01: hash-based, source not checked
        assert {head for head in heads.values()} == {pyc.MAGIC_312 + b"\x01\0\0\0"}, relative


NODE_IMPORT = """
import fs from "node:fs";
const [indexDir, wheel, app] = process.argv.slice(2);
const { loadPyodide } = await import(indexDir + "/pyodide.mjs");
const py = await loadPyodide({ indexURL: indexDir + "/" });
const site = String(py.runPython("import site; site.getsitepackages()[0]"));
py.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), "zip", { extractDir: site });
py.unpackArchive(new Uint8Array(fs.readFileSync(app)), "zip", { extractDir: "/app" });
// sources that fail if read: only the bytecode can make these imports work
for (const path of [site + "/pydicom/dataset.py", "/app/dicompeek/app/worker_api.py"]) {
  py.FS.writeFile(path, "raise ImportError('the source was compiled at start-up')\\n");
}
py.runPython("import sys; sys.path.insert(0, '/app'); import dicompeek.app.worker_api, pydicom.dataset");
console.log(py.runPython("import dicompeek.app.worker_api as m; m.__file__"));
"""


def test_the_page_imports_pydicom_and_the_app_from_their_bytecode(dist, tmp_path):
    """What makes the first visit's imports fast: Pyodide imports the shipped bytecode and never
    compiles (or reads) the source."""
    manifest = json.loads((dist / "build.json").read_text())
    script = tmp_path / "import.mjs"
    script.write_text(NODE_IMPORT)
    result = subprocess.run(["node", str(script), str(downloads.PYODIDE_NPM.resolve()),
                             str(dist / manifest["wheels"][0]), str(dist / manifest["app"])],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "/app/dicompeek/app/worker_api.py"  # tracebacks find the source
