"""Command line: the same indexing, summary and rendering as the browser, in CPython.

    python -m dicompeek summary PATH... [--json]
    python -m dicompeek render FILE_OR_ZIP[::ENTRY] [--frame N] [--window CENTER WIDTH] -o OUT.png
    python -m dicompeek dump FILE_OR_ZIP[::ENTRY] [--json]
    python -m dicompeek sr FILE_OR_ZIP[::ENTRY] [--json]
    python -m dicompeek review PATH... [--json | --html OUT.html] [--mask]   (exit 1 if anything is flagged)

Files are read as the page reads them (:func:`dicompeek.dicom.instances.read`, with its limits,
through pydicom's reader guarded as in the page: :func:`main` installs the guards first), and
what cannot be done is worded as the page words it. ``render`` also says on stderr what the
frame shows differently from what the file asks (``<file>: warning: <text>``), as the viewer
does. In CPython, compressed pixel data is decoded by the plugins pydicom finds installed
(pylibjpeg with -libjpeg, -openjpeg and -rle, and Pillow); only that step differs from the
browser.

Exit status: 0 done; 1 ``review`` flagged something; 2 a subcommand could not do its job on
its input (one line on stderr, ``<file>: <reason>``), or a usage error (argparse's message).
Nothing ever prints a traceback: an unexpected exception is one line too, ``<file>: internal
error: <Type>: <message>``, exit 2 (``DICOMPEEK_DEBUG=1`` prints the traceback and Python's
warnings as well). 130 after Ctrl-C, 141 when the reader of the output goes away (``| head``).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import math
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from dicompeek import __version__
from dicompeek.dicom import guard
from dicompeek.dicom.errors import NotDicom, TooDeep, TooLarge, Unreadable, describe
from dicompeek.dicom.header import read_header
from dicompeek.dicom.instances import Instance, read
from dicompeek.index.indexer import Index
from dicompeek.index.summary import build_summary, uid_name
from dicompeek.io.archive import escaped
from dicompeek.objects.sr import is_sr, read_document
from dicompeek.objects.sr_text import document_text
from dicompeek.pixels.display import Window, frame_problem, frame_warnings, render_frame
from dicompeek.pixels.functional_groups import frame_view
from dicompeek.pixels.png import encode_png
from dicompeek.privacy import masked_result, report_html, review
from dicompeek.privacy.burned_in.engine import OcrEngine
from dicompeek.privacy.deidentify.inputs import deidentify_inputs
from dicompeek.privacy.deidentify.pixels import Box, drawn_box
from dicompeek.privacy.deidentify.pseudonyms import PseudonymMap
from dicompeek.privacy.deidentify.run import OPTION_NAMES, Settings
from dicompeek.tags.exports import dicom_json
from dicompeek.tags.tree import dump_text, instance_tree

#: Set (to anything but "" or "0") to see tracebacks and Python's warnings.
DEBUG_VARIABLE = "DICOMPEEK_DEBUG"

#: Exit statuses.
DONE, FLAGGED, FAILED, INTERRUPTED, BROKEN_PIPE = 0, 1, 2, 130, 141


class Failure(Exception):
    """A subcommand cannot do its job on ``where``: printed as ``<where>: <reason>``, exit 2."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # usage errors: argparse's message and exit 2, as ever
    debug = os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    for stream in (sys.stdout, sys.stderr):  # a name or value the console's encoding lacks is escaped
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            with suppress(Exception):  # not a real text stream after all: leave it be
                stream.reconfigure(errors="backslashreplace")
    named = [args.target] if hasattr(args, "target") else list(args.paths)
    where = [", ".join(named)]  # what an unexpected error names; narrowed once the entry is known
    try:
        guard.install()  # before anything is read: pydicom's reader as the page has it
        with warnings.catch_warnings():
            if not debug:  # pydicom's warnings say what the output says, as a two-line traceback-like note
                warnings.simplefilter("ignore")
            status = _COMMANDS[args.command](args, where)
            sys.stdout.flush()  # here, so that a closed pipe is caught below and not at exit
            return status
    except Failure as failure:
        _say(f"{failure.where}: {failure.reason}")
        return FAILED
    except KeyboardInterrupt:
        _say(f"{where[0]}: interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE
    except BaseException as exc:  # a decoder's panic is a BaseException too
        if isinstance(exc, SystemExit):
            raise
        if debug:
            traceback.print_exc()
        if isinstance(exc, (NotDicom, Unreadable, TooLarge, TooDeep)):  # raised with a reason to show
            _say(f"{where[0]}: {describe(exc)}")
        else:
            _say(f"{where[0]}: internal error: {describe(exc)}")
        return FAILED


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    """The parser, made once: making it costs more than a small file's dump (gettext per help text)."""
    parser = argparse.ArgumentParser(prog="python -m dicompeek",
                                     description="Look inside DICOM zips, folders and files.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="patient / study / series summary")
    summary.add_argument("paths", nargs="+", metavar="PATH", help="zip, folder or file")
    summary.add_argument("--json", action="store_true", help="print the JSON summary")
    render = commands.add_parser("render", help="render one frame to PNG with the viewer's pipeline")
    render.add_argument("target", metavar="FILE_OR_ZIP[::ENTRY]")
    render.add_argument("--frame", type=int, default=1, help="frame number, from 1 (default 1)")
    render.add_argument("--window", type=_finite, nargs=2, metavar=("CENTER", "WIDTH"),
                        help="window in modality units (default: the file's first, else the full range)")
    render.add_argument("-o", "--output", required=True, metavar="OUT.png")
    dump = commands.add_parser("dump", help="every header element, as the tag browser shows it")
    dump.add_argument("target", metavar="FILE_OR_ZIP[::ENTRY]")
    dump.add_argument("--json", action="store_true", help="DICOM JSON (PS3.18 Annex F) instead of text")
    report = commands.add_parser("sr", help="a structured report as a readable document (its content tree)")
    report.add_argument("target", metavar="FILE_OR_ZIP[::ENTRY]")
    report.add_argument("--json", action="store_true", help="the document as JSON")
    check = commands.add_parser("review", help="privacy review: what can identify a person (exit 1 if flagged)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="zip, folder or file")
    form = check.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the review as JSON")
    form.add_argument("--html", metavar="OUT.html", help="write the self-contained HTML report")
    check.add_argument("--mask", action="store_true", help="hide patient data: mask every value from the files")
    check.add_argument("--no-ocr", action="store_true", help="do not read text burned into the pixels")
    copy = commands.add_parser("deidentify", help="write a de-identified copy (PS3.15 E.1-1), then review it "
                                                  "(exit 1 if the copy is flagged)")
    copy.add_argument("paths", nargs="+", metavar="INPUT", help="zip, folder or file")
    copy.add_argument("-o", "--output", required=True, metavar="OUT.zip")
    copy.add_argument("--option", action="append", default=[], choices=sorted(OPTION_NAMES), metavar="NAME",
                      help=f"an option of the profile, repeatable: {', '.join(sorted(OPTION_NAMES))}")
    copy.add_argument("--salt", metavar="SECRET",
                      help="makes new UIDs and date shifts repeatable (keep it secret; default: random)")
    copy.add_argument("--pseudonym-map", metavar="MAP.csv", help="original Patient ID, new name, new ID")
    copy.add_argument("--keep-non-dicom", action="store_true", help="copy files that are not DICOM")
    copy.add_argument("--box", action="append", default=[], type=_box, metavar="SERIES_INSTANCE_UID:X,Y,W,H",
                      help="with clean-pixel-data: blank this rectangle (pixels from the top left) in every frame "
                           "of every instance of the series, as a box drawn in the page does; repeatable")
    copy.add_argument("--mapping", metavar="MAP.csv",
                      help="also write what was replaced (original → pseudonym, old → new UID): sensitive")
    copy.add_argument("--json", action="store_true", help="print the report as JSON")
    copy.add_argument("--no-ocr", action="store_true", help="do not read text burned into the pixels")
    return parser


def _box(text: str) -> tuple[str, Box]:
    """A --box: its series and rectangle (argparse names a bad one and exits 2)."""
    try:
        return drawn_box(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _finite(text: str) -> float:
    """A number for --window: "nan" and "inf" are usage errors, not windows."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


_finite.__name__ = "finite number"  # argparse: "invalid finite number value: 'nan'"


def summary_command(args: argparse.Namespace, where: list[str]) -> int:
    """Index PATHs and print the summary, as text or JSON."""
    index = _indexed(args.paths)
    try:
        progress = index.run()
        result = build_summary(index)
    finally:
        index.close()
    if args.json:
        result["elapsed_seconds"] = progress["elapsed"]
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        text = io.StringIO()
        print_summary(result, progress, text)
        _show(text.getvalue())
    return DONE


def render_command(args: argparse.Namespace, where: list[str]) -> int:
    """Render one frame of a file, or of a zip entry, to PNG (the viewer's reading, checks and words);
    what the frame shows differently from what the file asks goes to stderr, as warnings."""
    with _target(args.target, where) as (index, entry, location):
        ds = _read(index, entry, location).dataset
        frame = args.frame - 1
        problem = frame_problem(ds, frame)
        if problem:
            raise Failure(location, f"cannot show frame {args.frame}: {problem}")
        window = Window(*args.window) if args.window else None
        try:
            image = render_frame(ds, frame, window)
        except BaseException as exc:  # a frame that cannot be decoded, a decoder's panic included
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            syntax = _safe(lambda: uid_name(str(ds.file_meta.get("TransferSyntaxUID", "") or "")), "")
            raise Failure(location, f"cannot decode frame {args.frame} ({syntax}): "
                                    f"{str(exc) or type(exc).__name__}") from exc
        for warning in _safe(lambda: frame_warnings(frame_view(ds, frame)), []):
            _say(f"{location}: warning: {warning}")
    _write(args.output, encode_png(image))
    print(f"{location} frame {args.frame} → {args.output} ({image.shape[1]}×{image.shape[0]})")
    return DONE


def sr_command(args: argparse.Namespace, where: list[str]) -> int:
    """Print a structured report's document: indented text (long values whole), or JSON."""
    with _target(args.target, where) as (index, entry, location):
        ds = _read(index, entry, location, pixels=False).dataset
        if not is_sr(ds):
            raise Failure(location, f"not a structured report ({uid_name(str(ds.get('SOPClassUID', '')))})")
        document = read_document(ds)
    if args.json:
        sys.stdout.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    else:
        _show(document_text(document))
    return DONE


def dump_command(args: argparse.Namespace, where: list[str]) -> int:
    """Print every element of a file or zip entry: dcmdump-style text, or DICOM JSON. A file that
    cannot be read whole (too large, damaged pixel data) is dumped from its header, as the tag
    browser does, with a note saying so."""
    with _target(args.target, where) as (index, entry, location):
        note: str | None = None
        try:
            instance = read(index.sources.entries[entry])
        except Exception as exc:  # as the tag browser: the header alone, saying why
            instance, note = _read(index, entry, location, pixels=False), f"header only: {describe(exc)}"
        if args.json:
            try:
                text = dicom_json(instance.dataset, location) + "\n"
            except TooLarge as exc:  # nested too deep for DICOM JSON: the reason is the message
                raise Failure(location, str(exc)) from exc
        else:
            text = dump_text(instance_tree(instance))
    if args.json:
        if note:
            _say(f"{location}: {note}")
        sys.stdout.write(text)
    else:
        _show(f"# {note}\n{text}" if note else text)
    return DONE


def review_command(args: argparse.Namespace, where: list[str]) -> int:
    """Index PATHs, review them, print or write the report; exit 0 only when nothing is flagged."""
    index = _indexed(args.paths)
    try:
        index.run()
        result = review(index, ocr=_ocr(args.no_ocr))
    finally:
        index.close()
    if args.json:
        json.dump(masked_result(result) if args.mask else result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.html:
        _write(args.html, report_html(result, masked=args.mask))
        print(f"{result['verdict']} → {args.html}")
    else:
        shown = masked_result(result) if args.mask else result
        provenance = shown["provenance"]
        lines = [result["verdict"]]
        lines += [f"  input {i['name']}: {i['size']:,} bytes, sha256 {i['sha256'] or '(folder)'}"
                  for i in provenance["inputs"]]
        lines.append(f"  reviewed {provenance['reviewed_at']} by {provenance['tool']} against {provenance['table']}")
        lines.append(f"  claimed: {', '.join(provenance['claimed']) or 'no de-identification'}")
        for finding in shown["findings"]:
            element = finding.get("element") or {}
            nested = element.get("path", "") if " > " in element.get("path", "") else ""
            lines.append(f"  {finding['severity']:<6} {finding['title']}" + (f"  [{nested}]" if nested else "")
                         + f"  ({finding['files']} file(s))")
            lines += [f"         matched “{m['text']}”: {m['why']}" for m in finding.get("matches", [])[:3]
                      if finding["severity"] == "high"]
        _show("\n".join(lines) + "\n")
    flagged = any(result["counts"].get(s) for s in ("high", "medium", "low"))
    return FLAGGED if flagged else DONE


def deidentify_command(args: argparse.Namespace, where: list[str]) -> int:
    """Write the de-identified copy and review it: exit 0 when the copy's review finds nothing
    high or medium, 1 otherwise (the copy is written either way)."""
    _indexed(args.paths).close()  # every missing input named, as the other commands do
    pseudonyms = PseudonymMap()
    if args.pseudonym_map:
        where[0] = args.pseudonym_map
        try:
            text = Path(args.pseudonym_map).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise Failure(args.pseudonym_map, exc.strerror or str(exc)) from exc
        try:
            pseudonyms = PseudonymMap.from_csv(text, args.pseudonym_map)
        except ValueError as exc:
            raise Failure(args.pseudonym_map, str(exc).removeprefix(f"{args.pseudonym_map}, ")) from exc
    if not args.salt:
        _say("note: no --salt: new UIDs and date shifts cannot be reproduced for a later batch")
    if args.box and "clean-pixel-data" not in args.option:
        raise Failure("--box", "boxes are blanked by Clean Pixel Data: add --option clean-pixel-data")
    drawn: dict[str, list[Box]] = {}
    for series, box in args.box:
        drawn.setdefault(series, []).append(box)
    settings = Settings(frozenset(OPTION_NAMES[o] for o in args.option), pseudonyms=pseudonyms,
                        keep_non_dicom=args.keep_non_dicom, ocr=_ocr(args.no_ocr), drawn=drawn,
                        **({"salt": args.salt.encode()} if args.salt else {}))
    where[0] = args.output
    report = deidentify_inputs([os.path.abspath(p) for p in args.paths], Path(args.output), settings,
                               mapping=Path(args.mapping) if args.mapping else None)
    if args.json:
        json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        lines = [f"{report['files_written']} files → {report['output']}; its review: {report['verdict']}"]
        lines += [f"  dropped: {n} {why}" for why, n in report["dropped"].items()]
        lines += [f"  not de-identified: {p['location']}: {p['reason']}" for p in report["problems"]]
        lines += [f"  pixels: {n} {how}" for how, n in report["pixels"].items()]
        _show("\n".join(lines) + "\n")
    return FLAGGED if report["review"].get("high") or report["review"].get("medium") else DONE


def _ocr(skip: bool) -> OcrEngine | None:
    """Tesseract unless ``skip``; when it is missing, said once (the rest goes on)."""
    if skip:
        return None
    from dicompeek.app.ocr_tesseract import load

    engine, why = load()
    if engine is None:
        print(f"note: OCR unavailable: {why}; text burned into the pixels is not read", file=sys.stderr)
    return engine


_COMMANDS: dict[str, Callable[[argparse.Namespace, list[str]], int]] = {
    "summary": summary_command, "render": render_command, "dump": dump_command, "sr": sr_command,
    "review": review_command,
    "deidentify": deidentify_command,
}


# --- inputs and outputs ---------------------------------------------------------------------

def _indexed(paths: list[str]) -> Index:
    """An index with ``paths`` queued; every missing path is named (one line each), then exit 2."""
    missing = [p for p in paths if not os.path.exists(p)]
    for path in missing[:-1]:
        _say(f"{path}: no such file or folder")
    if missing:
        raise Failure(missing[-1], "no such file or folder")
    index = Index()
    try:
        index.add([os.path.abspath(p) for p in paths])
    except BaseException:
        index.close()
        raise
    return index


@contextmanager
def _target(target: str, where: list[str]) -> Iterator[tuple[Index, int, str]]:
    """(index, entry, location) of FILE, of an entry of a zip (ZIP::ENTRY, or ZIP::INNER.zip::ENTRY in
    a nested zip) or of the first entry of a zip or folder, once the header pass has found it DICOM
    (else the index's reason); its zips stay open inside the block."""
    path, _, member = target.partition("::")
    if not os.path.exists(path):
        raise Failure(path, "no such file or folder")
    index = Index()
    try:
        sources = index.sources
        sources.add(os.path.abspath(path))
        entries = sources.entries
        found = [k for k, e in enumerate(entries) if e.member == member] if member else list(range(len(entries)))
        if not found:
            if sources.problems:  # the zip itself cannot be read: say why
                raise Failure(sources.problems[0].location, sources.problems[0].reason)
            raise Failure(target, f"no entry named {member!r}" if member else
                          sources.notes[0].message if sources.notes else "no files in it")
        entry = found[0]
        location = where[0] = entries[entry].location
        try:  # what the index would list it as: only DICOM entries reach the viewer and the tag browser
            read_header(entries[entry])
        except NotDicom as exc:
            raise Failure(location, str(exc)) from exc
        except Unreadable as exc:
            raise Failure(location, f"cannot read this file: {exc}") from exc
        yield index, entry, location
    finally:
        index.close()


def _read(index: Index, entry: int, location: str, *, pixels: bool = True) -> Instance:
    """The instance in ``entry``, read as the viewer and the tag browser read it."""
    try:
        return read(index.sources.entries[entry], pixels=pixels)
    except Exception as exc:  # read() words everything as Unreadable; describe() keeps it so
        raise Failure(location, f"cannot read this file: {describe(exc)}") from exc


def _write(path: str, data: bytes | str) -> None:
    try:
        if isinstance(data, bytes):
            with open(path, "wb") as out:
                out.write(data)
        else:
            with open(path, "w", encoding="utf-8") as out:
                out.write(data)
    except OSError as exc:
        raise Failure(path, f"cannot write: {exc.strerror or describe(exc)}") from exc


def _show(text: str) -> None:
    """Text output, each line made safe for a terminal (values come from the files: an escape
    sequence in a Patient's Name must not retitle the window or hide what follows)."""
    sys.stdout.write("\n".join(map(_line, text.split("\n"))))


def _say(text: str) -> None:
    """One line on stderr (if stderr is gone too, there is nobody left to tell)."""
    try:
        sys.stderr.write(_line(text) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _line(text: str) -> str:
    """``text`` as one line that does nothing to a terminal: control and format characters
    (newlines, escape sequences, bidi overrides) escaped as entry names are, but not clipped."""
    return escaped(text)


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (captured in a test): nothing to do
        pass


def _safe(compute: Callable[[], Any], default: Any) -> Any:
    try:
        return compute()
    except Exception:  # a malformed value: the message goes without it
        return default


def print_summary(result: dict[str, Any], progress: dict[str, Any], out: TextIO) -> None:
    """Human-readable summary, in the order the page shows it."""
    t = result["totals"]
    out.write(f"Indexed {t['entries']} entries in {progress['elapsed']:.1f} s\n")
    out.write(f"{t['dicom']} DICOM, {t['non_dicom']} non-DICOM, {t['unreadable']} unreadable"
              + (f", {t['not_indexed']} not indexed" if t["not_indexed"] else "")
              + f"; {t['patients']} patients, {t['studies']} studies, {t['series']} series\n")
    for patient in result["patients"]:
        out.write(f"\nPatient {patient['name'] or '(no name)'}  ID {patient['id'] or '-'}"
                  f"  born {patient['birth_date'] or '-'}  sex {patient['sex'] or '-'}\n")
        for study in patient["studies"]:
            out.write(f"  Study {study['date'] or '-'}  {study['description'] or '(no description)'}"
                      f"  accession {study['accession_number'] or '-'}"
                      f"  {study['series_count']} series\n")
            for s in study["series"]:
                number = s["number"] if s["number"] is not None else "-"
                sop = ", ".join(c["name"] for c in s["sop_classes"])
                ts = ", ".join(x["name"] for x in s["transfer_syntaxes"])
                out.write(f"    #{number} {s['modality'] or '-'} {s['description'] or '(no description)'}:"
                          f" {s['instances']} instances, {s['frames']} frames,"
                          f" {', '.join(s['sizes']) or '-'}, {sop}, {ts}, {s['bytes']} bytes"
                          f" [{'; '.join(s['archives'] + s['folders'])}]\n")
                for warning in s["geometry_warnings"]:
                    out.write(f"      warning: {warning}\n")
    if result["files"]:
        out.write("\nFiles\n")
        for f in result["files"]:
            out.write(f"  {f['kind']:<11} {f['location']}  ({f['size']} bytes): {f['reason']}\n")
    for note in result["notes"]:
        out.write(f"Note: {note['location']}: {note['message']}\n")
