"""The ``incidex`` command: a thin layer over the library.

    incidex extract INPUT... [--published YYYY-MM-DD] [--format jsonl|table]
    incidex eval GOLD.jsonl [--out PRED.jsonl] [--json]

Library errors become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from incidex.errors import IncidexError
from incidex.records import Document, Incident


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from exc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="incidex", description="News reports of political violence in, incident records out."
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = p.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("extract", help="extract incidents from reports")
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt, .html, .jsonl files, or - for stdin")
    ex.add_argument(
        "--published", type=_date, help="publication date (YYYY-MM-DD) for .txt/.html/stdin input"
    )
    ex.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    ex.add_argument("--batch-size", type=int, default=32, help="documents per batch (default 32)")

    ev = sub.add_parser("eval", help="score extraction against a gold file (shared/eval format)")
    ev.add_argument("gold", metavar="GOLD.jsonl")
    ev.add_argument("--out", metavar="PRED.jsonl", help="also write the predictions here")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def _table_rows(doc: Document, incidents: list[Incident]) -> list[list[str]]:
    def count(c: object) -> str:
        if c is None:
            return "-"
        low, high = c.low, c.high  # type: ignore[attr-defined]
        if low == high:
            return str(low)
        return f"{low if low is not None else '?'}-{high if high is not None else ''}".rstrip("-") + (
            "+" if high is None else ""
        )

    rows = []
    for inc in incidents:
        perp = inc.perpetrator or "-"
        if inc.claimed:
            perp += " (claimed)"
        rows.append(
            [
                doc.doc_id,
                inc.date.isoformat() if inc.date else "-",
                inc.place or "-",
                inc.country or "-",
                inc.sub_event_type or "-",
                count(inc.killed),
                count(inc.wounded),
                perp,
                inc.target_type,
                inc.weapon,
            ]
        )
    if not incidents:
        rows.append([doc.doc_id, "-", "(no incident)", "", "", "", "", "", "", ""])
    return rows


def _print_table(rows: list[list[str]], out: TextIO) -> None:
    head = ["doc", "date", "place", "cc", "type", "killed", "wounded", "perpetrator", "target", "weapon"]
    widths = [min(28, max(len(r[i]) for r in [head, *rows])) for i in range(len(head))]
    for r in [head, *rows]:
        out.write("  ".join(c[:w].ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def _extract(args: argparse.Namespace) -> int:
    from incidex.pipeline import extract_documents
    from incidex.reader import ReadFailure, read_sources

    failures = 0
    read = 0

    def documents() -> object:
        nonlocal failures, read
        for item in read_sources(args.inputs, published=args.published, stdin=sys.stdin.buffer):
            if isinstance(item, ReadFailure):
                failures += 1
                print(f"incidex: skipped {item.error}", file=sys.stderr)
            else:
                read += 1
                yield item

    rows: list[list[str]] = []
    for doc, incidents in extract_documents(documents(), batch_size=args.batch_size):  # type: ignore[arg-type]
        if args.format == "jsonl":
            line = {
                "doc_id": doc.doc_id,
                "url": doc.url,
                "published": doc.published.isoformat() if doc.published else None,
                "incidents": [i.to_dict() for i in incidents],
            }
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        else:
            rows += _table_rows(doc, incidents)
    if args.format == "table" and rows:
        _print_table(rows, sys.stdout)
    if failures:
        print(f"incidex: {read} document(s) read, {failures} skipped", file=sys.stderr)
    return 1 if read == 0 else 0


def _eval(args: argparse.Namespace) -> int:
    from incidex.evaluate import evaluate

    result = evaluate(args.gold, args.out)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.report())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="incidex: %(message)s"
    )
    try:
        return {"extract": _extract, "eval": _eval}[args.command](args)
    except IncidexError as exc:
        print(f"incidex: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
