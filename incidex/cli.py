"""The ``incidex`` command: a thin layer over the library, one function a command.

    incidex extract   INPUT...: incidents of reports, printed (no database)
    incidex ingest    SOURCE...: store, extract and merge into the database
    incidex incidents / export: query the database, or write all of it out
    incidex serve     the web page and the REST API
    incidex token     create, list and revoke the API's write tokens
    incidex eval      GOLD.jsonl: score extraction against a gold file

``incidex COMMAND --help`` lists each command's options (all of them are in the README).

Library errors become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from incidex.errors import IncidexError
from incidex.records import Document, ExtractionFailure, Incident
from incidex.settings import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported by the commands that use it
    from incidex.store import ApiToken


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
    ex.add_argument(
        "--format", choices=("jsonl", "table"), default="jsonl", help="one JSON line a document, or a table"
    )
    ex.add_argument("--batch-size", type=int, default=32, help="documents per batch (default 32)")
    _budget_options(ex)

    db_help = (
        "database URL: a SQLite path or sqlite:///PATH (default incidex.db), or postgresql://USER@HOST/DB"
    )

    ing = sub.add_parser("ingest", help="read sources into the database: store, extract, merge")
    ing.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="files, folders, JSON Lines, RSS/Atom feeds, URLs, -"
    )
    ing.add_argument("--db", default=None, help=db_help)
    ing.add_argument(
        "--published", type=_date, help="publication date (YYYY-MM-DD) for sources that lack one"
    )
    ing.add_argument("--no-extract", action="store_true", help="store the documents only")
    ing.add_argument("--follow-links", action="store_true", help="fetch each feed item's page")
    ing.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="fetch URLs on loopback, private and link-local addresses too; off by default",
    )
    ing.add_argument("--batch-size", type=int, default=32, help="documents per batch (default 32)")
    _budget_options(ing)
    ing.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="extraction worker processes beside the one that stores (default 1; 0: extract in "
        "the storing process, which saves a process start for a few documents)",
    )

    inc = sub.add_parser("incidents", help="query incidents in the database")
    inc.add_argument("--db", default=None, help=db_help)
    inc.add_argument("--country", help="ISO 3166-1 alpha-2 code")
    inc.add_argument("--admin1", help="province or state, as the gazetteer names it")
    inc.add_argument("--near", metavar="LAT,LON,KM", help="within KM kilometres of LAT,LON")
    inc.add_argument(
        "--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="on or after this day"
    )
    inc.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="on or before this day")
    inc.add_argument("--type", dest="event_type", help="ACLED event type")
    inc.add_argument("--min-killed", type=int, help="at least this many killed (best figure)")
    inc.add_argument("--text", help="words that a reporting document contains")
    inc.add_argument("--limit", type=int, default=100, help="at most this many (0: all; default 100)")
    inc.add_argument("--format", choices=("table", "jsonl", "csv"), default="table", help="default table")

    exp = sub.add_parser("export", help="export all incidents")
    exp.add_argument("--db", default=None, help=db_help)
    exp.add_argument(
        "--format", choices=("acled-csv", "geojson", "jsonl", "parquet"), required=True, help="output format"
    )
    exp.add_argument("-o", "--output", help="file to write (required for parquet; default standard output)")

    srv = sub.add_parser("serve", help="serve the web page and the REST API over the database")
    srv.add_argument("--db", default=None, help=db_help)
    srv.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    srv.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    srv.add_argument(
        "--reads",
        choices=("open", "token"),
        default="open",
        help="open: anyone may read (default); token: reads need a token as writes do",
    )
    srv.add_argument(
        "--tiles",
        metavar="URL",
        help="a map tile URL template for the web page, e.g. https://tile.example.org/{z}/{x}/{y}.png "
        "(default: none; the page draws country outlines it carries, offline)",
    )
    srv.add_argument(
        "--allowed-hosts",
        metavar="HOST,...",
        help="the Host header values the server answers (others get 400), e.g. "
        "incidex.example.org,*.example.org; '*' for any. Default: on a loopback --host, the "
        "loopback names (localhost, 127.0.0.1, ::1), which stops DNS rebinding; else any",
    )

    tok = sub.add_parser("token", help="manage the REST API's tokens: create, list, revoke")
    tok_sub = tok.add_subparsers(dest="token_command", required=True)
    tok_new = tok_sub.add_parser("create", help="create a token and print it (shown once)")
    tok_new.add_argument("name", help="who or what will use it")
    tok_new.add_argument("--db", default=None, help=db_help)
    expiry = tok_new.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-in", type=int, metavar="DAYS", help="valid for DAYS days (default: until revoked)"
    )
    expiry.add_argument(
        "--expires", type=_date, metavar="YYYY-MM-DD", help="valid until the end of that day, UTC"
    )
    tok_list = tok_sub.add_parser(
        "list", help="list tokens: name, created, last write, expiry, state (never the secret)"
    )
    tok_list.add_argument("--db", default=None, help=db_help)
    tok_list.add_argument("--format", choices=("table", "jsonl"), default="table", help="default table")
    tok_rev = tok_sub.add_parser("revoke", help="revoke a token: from then on it answers 401")
    tok_rev.add_argument("token", metavar="NAME_OR_ID", help="the token's name, or its id from token list")
    tok_rev.add_argument("--db", default=None, help=db_help)

    ev = sub.add_parser("eval", help="score extraction against a gold file (shared/eval format)")
    ev.add_argument("gold", metavar="GOLD.jsonl")
    ev.add_argument("--out", metavar="PRED.jsonl", help="also write the predictions here")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def _budget_options(parser: argparse.ArgumentParser) -> None:
    """What one document may cost to extract; past a limit it fails alone, with its reason."""
    parser.add_argument(
        "--doc-seconds",
        type=float,
        default=DEFAULT_LIMITS.doc_seconds,
        help=f"seconds of extraction per document (default {DEFAULT_LIMITS.doc_seconds:g})",
    )
    parser.add_argument(
        "--doc-chars",
        type=int,
        default=DEFAULT_LIMITS.doc_chars,
        help=f"characters of text per document (default {DEFAULT_LIMITS.doc_chars:,})",
    )


def _limits(args: argparse.Namespace) -> Limits:
    if args.doc_seconds <= 0 or args.doc_chars <= 0:
        raise IncidexError("--doc-seconds and --doc-chars must be more than 0")
    return replace(DEFAULT_LIMITS, doc_seconds=args.doc_seconds, doc_chars=args.doc_chars)


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
    from incidex.pipeline import extract_each
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
    limits = _limits(args)
    for doc, incidents in extract_each(documents(), limits=limits, batch_size=args.batch_size):  # type: ignore[arg-type]
        if isinstance(incidents, ExtractionFailure):
            failures += 1
            print(f"incidex: failed {incidents}", file=sys.stderr)
            continue
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


def _ingest(args: argparse.Namespace) -> int:
    from incidex.ingest import IngestSummary, ingest
    from incidex.sources import iter_sources
    from incidex.store import open_store

    tty = sys.stderr.isatty()

    def progress(s: IngestSummary) -> None:
        if tty:
            line = f"\r{s.read} read, {s.new} new, {s.duplicate} duplicate, {len(s.failed)} failed"
            print(line, end="", file=sys.stderr, flush=True)

    with open_store(args.db) as store:
        items = iter_sources(
            args.sources,
            published=args.published,
            follow_links=args.follow_links,
            allow_private_urls=args.allow_private_urls,
            stdin=sys.stdin.buffer,
        )
        if args.jobs < 0:
            raise IncidexError(f"--jobs must be 0 or more, got {args.jobs}")
        summary = ingest(
            items,
            store,
            extract=not args.no_extract,
            batch_size=args.batch_size,
            jobs=args.jobs,
            limits=_limits(args),
            progress=progress,
        )
    if tty:
        print(file=sys.stderr)
    for line in summary.failed:
        print(f"incidex: failed {line}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.read == 0 and summary.failed else 0


def _near(value: str | None) -> tuple[float, float, float] | None:
    if not value:
        return None
    try:
        lat, lon, km = (float(x) for x in value.split(","))
    except ValueError as exc:
        raise IncidexError(f"--near {value!r}: give LAT,LON,KM, e.g. 33.3,44.4,25") from exc
    return lat, lon, km


def _incidents(args: argparse.Namespace) -> int:
    from incidex.export import collect, write_acled_csv, write_jsonl, write_table
    from incidex.store import IncidentQuery, open_store

    query = IncidentQuery(
        country=args.country,
        admin1=args.admin1,
        near=_near(args.near),
        date_from=args.date_from,
        date_to=args.date_to,
        event_type=args.event_type,
        min_killed=args.min_killed,
        text=args.text,
        limit=args.limit or None,
    )
    with open_store(args.db) as store:
        items = list(collect(store, store.incidents(query)))
    write = {"jsonl": write_jsonl, "csv": write_acled_csv, "table": write_table}[args.format]
    write(items, sys.stdout)
    return 0


def _export(args: argparse.Namespace) -> int:
    from incidex.export import export
    from incidex.store import IncidentQuery, open_store

    if args.format == "parquet" and not args.output:
        raise IncidexError("--format parquet writes a file: give --output FILE.parquet")
    with open_store(args.db) as store:
        n = export(store, store.incidents(IncidentQuery(limit=None)), args.format, args.output or sys.stdout)
    if args.output:
        print(f"incidex: {n} incidents written to {args.output}", file=sys.stderr)
    return 0


def _token(args: argparse.Namespace) -> int:
    from incidex.store import open_store

    with open_store(args.db) as store:
        if args.token_command == "list":
            _print_tokens(store.tokens(), args.format)
        elif args.token_command == "revoke":
            gone = store.revoke_token(args.token)
            print(f"incidex: token {gone.name!r} (id {gone.id}) revoked", file=sys.stderr)
        else:
            expires_at = _expiry(args.expires_in, args.expires)
            token = store.create_token(args.name, expires_at=expires_at)
            print(token)
            until = f", valid until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
            print(
                f"incidex: token {args.name!r} created{until}; it is shown only now, keep it secret",
                file=sys.stderr,
            )
    return 0


def _expiry(days: int | None, last_day: dt.date | None) -> dt.datetime | None:
    """When a new token expires: ``days`` from now, or at the end of ``last_day`` (UTC)."""
    if days is not None:
        if days < 1:
            raise IncidexError(f"--expires-in must be at least 1 day, got {days}")
        return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    if last_day is not None:
        return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), dt.UTC)
    return None


def _print_tokens(tokens: Sequence[ApiToken], fmt: str) -> None:
    now = dt.datetime.now(dt.UTC)

    def when(t: dt.datetime | None) -> str | None:
        return t.isoformat(timespec="seconds") if t else None

    rows = [
        {
            "id": t.id,
            "name": t.name,
            "created": when(t.created_at),
            "last_write": when(t.last_used_at),
            "expires": when(t.expires_at),
            "revoked": when(t.revoked_at),
            "state": t.state(now),
        }
        for t in tokens
    ]
    if fmt == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        return
    head = ["id", "name", "created", "last_write", "expires", "state"]
    cells = [head, *([str(r[k] or "-") for k in head] for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    for c in cells:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip() + "\n")


def _serve(args: argparse.Namespace) -> int:
    from incidex.api import serve

    serve(
        args.db,
        args.host,
        args.port,
        workers=args.workers,
        open_reads=args.reads == "open",
        tile_url=args.tiles,
        allowed_hosts=args.allowed_hosts.split(",") if args.allowed_hosts else None,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="incidex: %(message)s"
    )
    try:
        commands = {
            "extract": _extract,
            "eval": _eval,
            "ingest": _ingest,
            "incidents": _incidents,
            "export": _export,
            "serve": _serve,
            "token": _token,
        }
        return commands[args.command](args)
    except IncidexError as exc:
        print(f"incidex: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
