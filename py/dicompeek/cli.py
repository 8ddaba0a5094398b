"""Command line: the same indexing and summary as the browser, in CPython.

    python -m dicompeek summary PATH... [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

from . import __version__
from .index import Index
from .summary import build_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dicompeek",
                                     description="Look inside DICOM zips, folders and files.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="patient / study / series summary")
    summary.add_argument("paths", nargs="+", metavar="PATH", help="zip, folder or file")
    summary.add_argument("--json", action="store_true", help="print the JSON summary")
    args = parser.parse_args(argv)

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
    if result["files"]:
        out.write("\nFiles\n")
        for f in result["files"]:
            out.write(f"  {f['kind']:<11} {f['location']}  ({f['size']} bytes): {f['reason']}\n")
    for note in result["notes"]:
        out.write(f"Note: {note['location']}: {note['message']}\n")
