"""Command line: the same indexing, summary and rendering as the browser, in CPython.

    python -m dicompeek summary PATH... [--json]
    python -m dicompeek render FILE_OR_ZIP[::ENTRY] [--frame N] [--window CENTER WIDTH] -o OUT.png
                              [--seg SEG_FILE_OR_ZIP[::ENTRY] [--segment N] [--mask-only]]
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
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, TextIO

from dicompeek import __version__
from dicompeek.app.cli_io import Failure, indexed, open_target, quiet_stdout, read_entry, say, show, write_output
from dicompeek.app.cli_render import render_command
from dicompeek.dicom import guard
from dicompeek.dicom.errors import NotDicom, TooDeep, TooLarge, Unreadable, describe
from dicompeek.dicom.instances import read
from dicompeek.index.summary import build_summary, uid_name
from dicompeek.objects.sr import is_sr, read_document
from dicompeek.objects.sr_text import document_text
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
        say(f"{failure.where}: {failure.reason}")
        return FAILED
    except KeyboardInterrupt:
        say(f"{where[0]}: interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        quiet_stdout()
        return BROKEN_PIPE
    except BaseException as exc:  # a decoder's panic is a BaseException too
        if isinstance(exc, SystemExit):
            raise
        if debug:
            traceback.print_exc()
        if isinstance(exc, (NotDicom, Unreadable, TooLarge, TooDeep)):  # raised with a reason to show
            say(f"{where[0]}: {describe(exc)}")
        else:
            say(f"{where[0]}: internal error: {describe(exc)}")
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
    render.add_argument("--seg", metavar="SEG_FILE_OR_ZIP[::ENTRY]",
                        help="draw this segmentation over the frame, each segment in its colour")
    render.add_argument("--segment", type=int, metavar="N", help="with --seg: only segment N")
    render.add_argument("--mask-only", action="store_true",
                        help="with --seg: write segment N's mask on the frame instead (255 present, 0 not)")
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
    index = indexed(args.paths)
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
        show(text.getvalue())
    return DONE


def sr_command(args: argparse.Namespace, where: list[str]) -> int:
    """Print a structured report's document: indented text (long values whole), or JSON."""
    with open_target(args.target, where) as (index, entry, location):
        ds = read_entry(index, entry, location, pixels=False).dataset
        if not is_sr(ds):
            raise Failure(location, f"not a structured report ({uid_name(str(ds.get('SOPClassUID', '')))})")
        document = read_document(ds)
    if args.json:
        sys.stdout.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    else:
        show(document_text(document))
    return DONE


def dump_command(args: argparse.Namespace, where: list[str]) -> int:
    """Print every element of a file or zip entry: dcmdump-style text, or DICOM JSON. A file that
    cannot be read whole (too large, damaged pixel data) is dumped from its header, as the tag
    browser does, with a note saying so."""
    with open_target(args.target, where) as (index, entry, location):
        note: str | None = None
        try:
            instance = read(index.sources.entries[entry])
        except Exception as exc:  # as the tag browser: the header alone, saying why
            instance, note = read_entry(index, entry, location, pixels=False), f"header only: {describe(exc)}"
        if args.json:
            try:
                text = dicom_json(instance.dataset, location) + "\n"
            except TooLarge as exc:  # nested too deep for DICOM JSON: the reason is the message
                raise Failure(location, str(exc)) from exc
        else:
            text = dump_text(instance_tree(instance))
    if args.json:
        if note:
            say(f"{location}: {note}")
        sys.stdout.write(text)
    else:
        show(f"# {note}\n{text}" if note else text)
    return DONE


def review_command(args: argparse.Namespace, where: list[str]) -> int:
    """Index PATHs, review them, print or write the report; exit 0 only when nothing is flagged."""
    index = indexed(args.paths)
    try:
        index.run()
        result = review(index, ocr=_ocr(args.no_ocr))
    finally:
        index.close()
    if args.json:
        json.dump(masked_result(result) if args.mask else result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.html:
        write_output(args.html, report_html(result, masked=args.mask))
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
        show("\n".join(lines) + "\n")
    flagged = any(result["counts"].get(s) for s in ("high", "medium", "low"))
    return FLAGGED if flagged else DONE


def deidentify_command(args: argparse.Namespace, where: list[str]) -> int:
    """Write the de-identified copy and review it: exit 0 when the copy's review finds nothing
    high or medium, 1 otherwise (the copy is written either way)."""
    indexed(args.paths).close()  # every missing input named, as the other commands do
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
        say("note: no --salt: new UIDs and date shifts cannot be reproduced for a later batch")
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
        show("\n".join(lines) + "\n")
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
