"""Command line: the same indexing, summary and rendering as the browser, in CPython.

    python -m dicompeek summary PATH... [--json]
    python -m dicompeek render FILE_OR_ZIP[::ENTRY] [--frame N] [--window CENTER WIDTH] -o OUT.png
    python -m dicompeek dump FILE_OR_ZIP[::ENTRY] [--json]
    python -m dicompeek review PATH... [--json | --html OUT.html] [--mask]   (exit 1 if anything is flagged)

In CPython, compressed pixel data is decoded by the plugins pydicom finds
installed (pylibjpeg with -libjpeg, -openjpeg and -rle, and Pillow); only
that step differs from the browser.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from typing import Any, TextIO

import pydicom

from . import __version__
from .archive import Sources, read_prefix
from .display import Window, render_frame
from .exports import dicom_json
from .index import Index
from .png import encode_png
from .review import review
from .review_report import report_html
from .summary import build_summary, uid_name
from .tags import dump_text, header_tree


def main(argv: list[str] | None = None) -> int:
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
    render.add_argument("--window", type=float, nargs=2, metavar=("CENTER", "WIDTH"),
                        help="window in modality units (default: the file's first, else the full range)")
    render.add_argument("-o", "--output", required=True, metavar="OUT.png")
    dump = commands.add_parser("dump", help="every header element, as the tag browser shows it")
    dump.add_argument("target", metavar="FILE_OR_ZIP[::ENTRY]")
    dump.add_argument("--json", action="store_true", help="DICOM JSON (PS3.18 Annex F) instead of text")
    check = commands.add_parser("review", help="privacy review: what can identify a person (exit 1 if flagged)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="zip, folder or file")
    form = check.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the review as JSON")
    form.add_argument("--html", metavar="OUT.html", help="write the self-contained HTML report")
    check.add_argument("--mask", action="store_true", help="mask identifying values in the HTML report")
    args = parser.parse_args(argv)
    if args.command == "review":
        return review_command(parser, args)
    if args.command == "render":
        return render_command(parser, args)
    if args.command == "dump":
        return dump_command(parser, args)

    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        parser.error("no such file or folder: " + ", ".join(missing))
    index = Index()
    try:
        index.add([os.path.abspath(p) for p in args.paths])
        progress = index.run()
        result = build_summary(index)
    finally:
        index.close()
    if args.json:
        result["elapsed_seconds"] = progress["elapsed"]
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_summary(result, progress, sys.stdout)
    return 0


def render_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Render one frame of a file, or of a zip entry, to PNG."""
    location, ds = open_target(parser, args.target)
    frames = int(ds.get("NumberOfFrames") or 1)
    if not 1 <= args.frame <= frames:
        parser.error(f"{location} has {frames} frame(s); --frame {args.frame} is out of range")
    window = Window(*args.window) if args.window else None
    try:
        image = render_frame(ds, args.frame - 1, window)
    except Exception as exc:
        syntax = uid_name(str(ds.file_meta.get("TransferSyntaxUID", "")))
        print(f"{location}: cannot decode frame {args.frame} ({syntax}): {exc}", file=sys.stderr)
        return 1
    with open(args.output, "wb") as out:
        out.write(encode_png(image))
    print(f"{location} frame {args.frame} → {args.output} ({image.shape[1]}×{image.shape[0]})")
    return 0


def review_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Index PATHs, review them, print or write the report; exit 0 only when nothing is flagged."""
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        parser.error("no such file or folder: " + ", ".join(missing))
    index = Index()
    try:
        index.add([os.path.abspath(p) for p in args.paths])
        index.run()
        result = review(index)
    finally:
        index.close()
    if args.json:
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.html:
        with open(args.html, "w", encoding="utf-8") as out:
            out.write(report_html(result, masked=args.mask))
        print(f"{result['verdict']} → {args.html}")
    else:
        print(result["verdict"])
        for finding in result["findings"]:
            element = finding.get("element") or {}
            nested = element.get("path", "") if " > " in element.get("path", "") else ""
            print(f"  {finding['severity']:<6} {finding['title']}" + (f"  [{nested}]" if nested else "")
                  + f"  ({finding['files']} file(s))")
    flagged = any(result["counts"].get(s) for s in ("high", "medium", "low"))
    return 1 if flagged else 0


def dump_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Print every element of a file or zip entry: dcmdump-style text, or DICOM JSON."""
    location, ds = open_target(parser, args.target)
    sys.stdout.write(dicom_json(ds, location) + "\n" if args.json else dump_text(header_tree(ds)))
    return 0


def open_target(parser: argparse.ArgumentParser, target: str) -> tuple[str, pydicom.Dataset]:
    """The dataset of FILE, or of an entry of a zip (ZIP::ENTRY, or ZIP::INNER.zip::ENTRY in a nested
    zip; the first entry without ::ENTRY)."""
    path, _, member = target.partition("::")
    if not os.path.exists(path):
        parser.error(f"no such file: {path}")
    sources = Sources()
    try:
        sources.add(os.path.abspath(path))
        candidates = sources.find(member) if member else sources.entries
        if sources.problems or not candidates:
            reason = sources.problems[0].reason if sources.problems else f"no entry named {member!r}"
            parser.error(f"{target}: {reason}")
        entry = candidates[0]
        with entry.open() as stream:
            return entry.location, pydicom.dcmread(io.BytesIO(read_prefix(stream, entry.size)), force=True)
    finally:
        sources.close()


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
