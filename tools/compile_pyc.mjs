// Compiles Python archives to bytecode for the page, inside Pyodide itself (node), so that the
// .pyc files have Pyodide's CPython 3.12 magic number and cache tag whatever Python runs the build.
//
//     node tools/compile_pyc.mjs INDEX_URL SOURCE.zip TARGET.zip [SOURCE.zip TARGET.zip ...]
//
// INDEX_URL is node_modules/pyodide/. Every target holds its source's files unchanged plus,
// for each .py, __pycache__/NAME.cpython-312.pyc with an unchecked hash: the importer reads the
// bytecode without reading or hashing the source, which stays beside it for tracebacks.
// tools/pyc.py calls this and caches the results.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [indexDir, ...pairs] = process.argv.slice(2);
if (!indexDir || pairs.length === 0 || pairs.length % 2) {
  console.error("usage: node compile_pyc.mjs INDEX_DIR SOURCE TARGET [SOURCE TARGET ...]");
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(path.join(indexDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: indexDir + path.sep, stdout: () => {}, stderr: console.error });
pyodide.FS.mkdirTree("/host");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: "/" }, "/host");

const COMPILE = `
import compileall, os, py_compile, shutil, sys, tempfile, zipfile

def compile_archive(source, target, tmp):
    work = tempfile.mkdtemp()
    with zipfile.ZipFile(source) as archive:
        archive.extractall(work)
    # stripdir: the code objects name their files by path in the archive, not by this temporary
    # directory (the importer sets the real path; the bytes are the same on every build)
    ok = compileall.compile_dir(work, quiet=1, workers=1, stripdir=work,
                                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    if not ok:
        raise SystemExit(f"{source}: a module does not compile")
    names = sorted(os.path.relpath(os.path.join(top, name), work).replace(os.sep, "/")
                   for top, _, files in os.walk(work) for name in files)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(os.path.join(work, name), "rb") as f:
                out.writestr(info, f.read())
    os.replace(tmp, target)
    shutil.rmtree(work)
    return sys.implementation.cache_tag
`;
pyodide.runPython(COMPILE);
const compile = pyodide.globals.get("compile_archive");
for (let i = 0; i < pairs.length; i += 2) {
  // NODEFS sees the host's real paths: symbolic links (a shared .cache/) are resolved first
  const source = fs.realpathSync(pairs[i]);
  const target = path.join(fs.realpathSync(path.dirname(pairs[i + 1])), path.basename(pairs[i + 1]));
  const tag = compile(`/host${source}`, `/host${target}`, `/host${target}.${process.pid}.tmp`);
  console.log(`${path.basename(target)}: compiled for ${tag}`);
}
