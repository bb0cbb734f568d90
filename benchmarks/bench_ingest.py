"""Throughput of :func:`incidex.ingest.ingest` into SQLite and PostgreSQL, and the share of it
that is not extraction.

Not a test: prints figures. Run from the repository root::

    python benchmarks/bench_ingest.py                              # 10,000 / 2,000 documents
    python benchmarks/bench_ingest.py --docs 2000 --extract-docs 300 --json
    python benchmarks/bench_ingest.py --pg-url postgresql://me@localhost/scratch
    python benchmarks/bench_ingest.py --runs sqlite+extract --profile sqlite+extract

Documents come from ``../shared/eval/dev.jsonl`` next to the repository when it exists, else
from ``samples/reports.jsonl``, repeated until there are ``--docs`` of them. Every repeat is a
new document: copy N gets a sentence "(Copy N of the report.)" (so a new digest), its own
doc_id and URL, and a publication date moved by up to ``--date-jitter`` days, so the copies
are near-duplicates of each other (stored, linked to the first copy's story) whose reports the
merge has to weigh and reconcile rather than skip.

Four runs, each in a fresh database: SQLite (a file in a temporary folder) and PostgreSQL,
each without extraction (``extract=False``: ``--docs`` documents) and with it (the first
``--extract-docs``, since extraction runs at ~30 docs/s on 2 cores). PostgreSQL is a private
throwaway cluster started like ``tests/pg.py`` does (durability off: fsync and synchronous
commit), or a fresh schema of ``--pg-url``'s database; without PostgreSQL binaries or psycopg
those runs print "skipped" and why. Models load before any timing.

Each run's ingest is timed as a whole and by part: the ingest module's calls to extraction,
near-duplicate lookup and merge, and the store methods, are wrapped with timers (a few
microseconds a call). Ingest runs as ``incidex ingest`` does (``--jobs 1``): extraction in a
worker process, storing and merging in this one, so "extraction" is the time this process
waited for extracted batches (with ``--jobs 0``, the time it spent extracting), and the
worker's start (its own model load, about 2 s) is inside the timing. The target is on the
**storage share**: how much longer an ingest with extraction takes than extraction alone,
(ingest - extraction alone) / ingest, at most 20%, where "extraction alone" is a separate
pass of ``extract_documents`` in this process over the same documents, timed first. The
storing process's own work per document is the sum of its parts ("storage ms/doc").

With the defaults on 2 cores the whole benchmark takes about 7 minutes (the separate
extraction pass one, each run with extraction about two); ``--docs 2000 --extract-docs 300``
takes under one. Since every copy of a report lands within a few days of the others, the
incidents grow by about one report per copy: the merge's cost per report grows with them.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import gc
import importlib.util
import io
import json
import os
import platform
import pstats
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tables import fmt, text_table

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
SAMPLES = ROOT / "samples" / "reports.jsonl"
TARGET_SHARE = 0.20
RUNS = ("sqlite", "sqlite+extract", "postgresql", "postgresql+extract")
#: Timed parts, in the order shown; indented ones are inside the one above them.
PARTS = (
    ("extract", "extraction (or waiting for it)"),
    ("digest", "digest (x2 a document)"),
    ("document_exists", "store.document_exists"),
    ("near.query", "near-duplicates: query"),
    ("near.add", "near-duplicates: add"),
    ("get_document", "store.get_document (twin)"),
    ("tx.begin", "transaction begin (+lock)"),
    ("add_document", "store.add_document"),
    ("add_reports", "store.add_reports"),
    ("merge_report", "merge_report"),
    ("candidate_incidents", "  store.candidate_incidents"),
    ("reports_of", "  store.reports_of"),
    ("merge.assign", "  merge.assign"),
    ("merge.reconcile", "  merge.reconcile"),
    ("create_incident", "  store.create_incident"),
    ("update_incident", "  store.update_incident"),
    ("tx.commit", "transaction commit"),
)
TOP_LEVEL = tuple(k for k, label in PARTS if not label.startswith(" "))


# -- documents ------------------------------------------------------------------------------


def default_input() -> Path:
    return DEV_SET if DEV_SET.is_file() else SAMPLES


def _published(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def make_documents(path: Path, n_docs: int, jitter: int) -> list[Any]:
    """``n_docs`` documents: the rows of ``path``, then copies of them, each distinct."""
    from incidex.records import Document

    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    if not rows:
        raise SystemExit(f"{path}: no documents")
    docs = []
    for i in range(n_docs):
        copy, k = divmod(i, len(rows))
        row = rows[k]
        doc_id = str(row.get("doc_id") or f"row{k}")
        text, url, published = row["text"], row.get("url"), _published(row.get("published"))
        if copy:
            text = f"{text.rstrip()}\n(Copy {copy} of the report.)"
            doc_id = f"{doc_id}#copy{copy}"
            if url:
                url = f"{url}{'&' if '?' in url else '?'}copy={copy}"
            if published and jitter:
                # Deterministic, spread over -jitter..+jitter days, different for neighbours.
                published += dt.timedelta(days=(copy * 3 + i) % (2 * jitter + 1) - jitter)
        if not url:
            url = f"https://bench.incidex.invalid/{doc_id}"
        docs.append(Document(doc_id=doc_id, text=text, published=published, url=url, title=row.get("title")))
    return docs


# -- timing the parts -----------------------------------------------------------------------


class Timers:
    """Seconds and calls by part name."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        return timed


@contextlib.contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    """Wrap what :func:`incidex.ingest.ingest` calls with timers; restored on exit."""
    from incidex import ingest as ingest_module
    from incidex import merge
    from incidex.dedup import NearDuplicates
    from incidex.store import Store

    extracted = ingest_module._extracted

    def timed_extracted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        """Time spent getting each extracted batch: extracting it (``--jobs 0``), or waiting
        for the worker processes to hand it over."""
        batches = extracted(*args, **kwargs)
        while True:
            start = time.perf_counter()
            batch = next(batches, None)
            timers.add("extract", time.perf_counter() - start)
            if batch is None:
                return
            yield batch

    transaction = Store.transaction

    @contextlib.contextmanager
    def timed_transaction(self: Any) -> Iterator[None]:
        start = time.perf_counter()
        with transaction(self):
            timers.add("tx.begin", time.perf_counter() - start)
            yield
            start = time.perf_counter()
        timers.add("tx.commit", time.perf_counter() - start)

    patches: list[tuple[Any, str, Any]] = [
        (ingest_module, "_extracted", timed_extracted),
        (ingest_module, "digest", timers.wrap("digest", ingest_module.digest)),
        (ingest_module, "merge_report", timers.wrap("merge_report", ingest_module.merge_report)),
        (merge, "assign", timers.wrap("merge.assign", merge.assign)),
        (merge, "reconcile", timers.wrap("merge.reconcile", merge.reconcile)),
        (NearDuplicates, "query", timers.wrap("near.query", NearDuplicates.query)),
        (NearDuplicates, "add", timers.wrap("near.add", NearDuplicates.add)),
        (Store, "transaction", timed_transaction),
    ]
    for name in ("document_exists", "get_document", "add_document", "add_reports", "candidate_incidents",
                 "reports_of", "create_incident", "update_incident"):  # fmt: skip
        patches.append((Store, name, timers.wrap(name, getattr(Store, name))))
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, new in patches:
        setattr(obj, name, new)
    try:
        yield
    finally:
        for obj, name, old in saved:
            setattr(obj, name, old)


# -- databases ------------------------------------------------------------------------------


class Databases:
    """Fresh databases, one a run: SQLite files, and PostgreSQL databases (a private cluster)
    or schemas (``--pg-url``) when PostgreSQL can be had; ``pg_skip`` says why not."""

    def __init__(self, pg_url: str | None) -> None:
        self._stack = contextlib.ExitStack()
        self._tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="incidex-bench-")))
        self._pg_url = pg_url
        self._cluster: Any = None
        self._n = 0
        self.pg_skip: str | None = None
        self.pg_note = ""

    def __enter__(self) -> Databases:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def sqlite(self, name: str) -> str:
        return str(self._tmp / f"{name}.db")

    def postgresql(self, name: str) -> str | None:
        self._n += 1
        if self.pg_skip is None and self._cluster is None and self._pg_url is None:
            self._start_cluster()
        if self.pg_skip is not None:
            return None
        if self._cluster is not None:
            return str(self._cluster.create_database(f"bench_{self._n}"))
        return self._schema(f"incidex_bench_{os.getpid()}_{self._n}")

    def _start_cluster(self) -> None:
        spec = importlib.util.spec_from_file_location("incidex_tests_pg", ROOT / "tests" / "pg.py")
        if spec is None or spec.loader is None:
            self.pg_skip = f"cannot load {ROOT / 'tests' / 'pg.py'}"
            return
        pg = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = pg  # its dataclass looks its module up there
        spec.loader.exec_module(pg)
        print("starting a private PostgreSQL cluster ...", file=sys.stderr, flush=True)
        try:
            self._cluster = pg.start_cluster()
        except pg.Unavailable as e:
            self.pg_skip = str(e)
            return
        self._stack.callback(self._cluster.stop)
        version = (self._cluster.bin / "postgres").resolve()
        self.pg_note = f"private cluster ({version}; fsync, synchronous_commit, full_page_writes off)"

    def _schema(self, schema: str) -> str | None:
        from sqlalchemy.engine import make_url

        try:
            import psycopg
        except ImportError:
            self.pg_skip = "psycopg is not installed; pip install 'psycopg[binary]>=3'"
            return None
        u = make_url(self._pg_url or "")
        conninfo = u.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            with psycopg.connect(conninfo, autocommit=True) as c:
                c.execute(f'CREATE SCHEMA "{schema}"')
        except psycopg.Error as e:
            self.pg_skip = f"{u.render_as_string(hide_password=True)}: {str(e).strip()}"
            return None

        def drop() -> None:
            with psycopg.connect(conninfo, autocommit=True) as c:
                c.execute(f'DROP SCHEMA "{schema}" CASCADE')

        self._stack.callback(drop)
        self.pg_note = f"{u.render_as_string(hide_password=True)}, a fresh schema a run"
        return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )


# -- runs -----------------------------------------------------------------------------------


def warm_up(docs: list[Any]) -> float:
    """Load the models, gazetteer and lexicons (and digest tables) outside any timing."""
    from incidex.dedup import NearDuplicates, digest
    from incidex.pipeline import extract_documents

    start = time.perf_counter()
    list(extract_documents(docs[:1]))
    digest(docs[0].text)
    NearDuplicates().query(docs[0].text)
    return time.perf_counter() - start


def extract_alone(docs: list[Any], batch_size: int) -> float:
    from incidex.pipeline import extract_documents

    gc.collect()
    start = time.perf_counter()
    for _ in extract_documents(docs, batch_size=batch_size):
        pass
    return time.perf_counter() - start


def run_ingest(
    name: str, url: str, docs: list[Any], *, extract: bool, batch_size: int, jobs: int, profile: bool
) -> dict[str, Any]:
    from incidex.ingest import ingest
    from incidex.store import open_store

    store = open_store(url)
    timers = Timers()
    step = max(len(docs) // 10, 1)
    shown = [0]

    def progress(s: Any) -> None:
        if s.read - shown[0] >= step:
            shown[0] = s.read
            print(f"  {name}: {s.read}/{len(docs)}", file=sys.stderr, flush=True)

    profiler = cProfile.Profile() if profile else None
    try:
        gc.collect()
        with instrumented(timers):
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            summary = ingest(
                docs, store, extract=extract, batch_size=batch_size, jobs=jobs, progress=progress
            )
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
        counts = store.counts()
    finally:
        store.close()
    # without extraction the timer around _extracted holds only reading and the duplicate check
    extract_s = timers.seconds["extract"] if extract else 0.0
    top = sum(timers.seconds[k] for k in TOP_LEVEL)
    result = {
        "run": name,
        "engine": name.split("+")[0],
        "extract": extract,
        "docs": len(docs),
        "seconds": seconds,
        "docs_per_s": len(docs) / seconds,
        "ms_per_doc": 1000 * seconds / len(docs),
        "extract_seconds": extract_s,
        "storage_seconds": seconds - extract_s,
        "storage_ms_per_doc": 1000 * (seconds - extract_s) / len(docs),
        "storage_share": (seconds - extract_s) / seconds if extract else None,
        "parts": {k: {"seconds": timers.seconds[k], "calls": timers.calls[k]} for k, _ in PARTS},
        "other_seconds": seconds - top,
        "summary": {
            "read": summary.read,
            "new": summary.new,
            "duplicate": summary.duplicate,
            "near_duplicate": summary.near_duplicate,
            "failed": len(summary.failed),
            "reports": summary.reports,
            "incidents_created": summary.incidents_created,
            "incidents_merged": summary.incidents_merged,
        },
        "counts": counts,
        "profiled": profile,
    }
    if profiler:
        result["profile"] = profile_text(profiler)
    return result


def profile_text(profiler: cProfile.Profile, n: int = 30) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime")
    out.write(f"-- top {n} by own time --\n")
    stats.print_stats(n)
    out.write("-- storage side, by cumulative time (ingest, merge, dedup, store) --\n")
    stats.sort_stats("cumulative").print_stats(r"ingest\.py|merge\.py|dedup\.py|store\.py", n)
    return out.getvalue()


# -- output ---------------------------------------------------------------------------------


def results_table(results: list[dict[str, Any]]) -> str:
    head = ["run", "docs", "seconds", "docs/s", "ms/doc", "extract s", "storage s", "storage ms/doc"]
    head += ["not extracting", "near-dup", "reports", "created", "merged"]
    rows = []
    for r in results:
        s = r["summary"]
        share = r["storage_share"]
        rows.append(
            [
                r["run"] + (" (profiled)" if r["profiled"] else ""),
                str(r["docs"]),
                fmt(r["seconds"], ".1f"),
                fmt(r["docs_per_s"], ".1f"),
                fmt(r["ms_per_doc"], ".2f"),
                fmt(r["extract_seconds"], ".1f") if r["extract"] else "-",
                fmt(r["storage_seconds"], ".1f"),
                fmt(r["storage_ms_per_doc"], ".2f"),
                "-" if share is None else f"{100 * share:.1f}%",
                str(s["near_duplicate"]),
                str(s["reports"]),
                str(s["incidents_created"]),
                str(s["incidents_merged"]),
            ]
        )
    return text_table(head, rows)


def parts_table(results: list[dict[str, Any]]) -> str:
    head = ["ms per document", *(r["run"] for r in results)]
    rows = []
    for key, label in (*PARTS, ("other", "other (loop, less overlap)")):
        cells = [label]
        for r in results:
            seconds = r["other_seconds"] if key == "other" else r["parts"][key]["seconds"]
            cells.append(fmt(1000 * seconds / r["docs"], ".3f"))
        rows.append(cells)
    rows.append(["total", *(fmt(r["ms_per_doc"], ".3f") for r in results)])
    return text_table(head, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=default_input(), help="JSON Lines with a 'text' field")
    parser.add_argument("--docs", type=int, default=10000, help="documents in the runs without extraction")
    parser.add_argument(
        "--extract-docs", type=int, default=2000, help="documents in the runs with extraction"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="ingest batch size")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="extraction worker processes, as `incidex ingest --jobs` (default 1, as the CLI; 0: in-process)",
    )
    parser.add_argument(
        "--date-jitter", type=int, default=3, help="copies' dates move by up to this many days"
    )
    parser.add_argument(
        "--pg-url", help="use this PostgreSQL server (a fresh schema a run), not a private cluster"
    )
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated subset of {', '.join(RUNS)}")
    parser.add_argument("--profile", choices=RUNS, help="run this one under cProfile and print the top calls")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of all the figures")
    args = parser.parse_args(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    if unknown := [r for r in runs if r not in RUNS]:
        parser.error(f"unknown run(s) {unknown}; choose from {', '.join(RUNS)}")
    if args.docs < 1 or args.extract_docs < 1:
        parser.error("--docs and --extract-docs must be at least 1")

    started = time.perf_counter()
    docs = make_documents(args.input, max(args.docs, args.extract_docs), args.date_jitter)
    print("warming up (models, gazetteer, lexicons) ...", file=sys.stderr, flush=True)
    load_seconds = warm_up(docs)
    extract_docs = docs[: args.extract_docs]
    alone = None
    if any(r.endswith("+extract") for r in runs):
        print(f"extract_documents alone over {len(extract_docs)} documents ...", file=sys.stderr, flush=True)
        alone = extract_alone(extract_docs, args.batch_size)

    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    with Databases(args.pg_url) as dbs:
        for name in runs:
            engine, _, extract = name.partition("+")
            url = dbs.sqlite(name) if engine == "sqlite" else dbs.postgresql(name)
            if url is None:
                skipped[name] = dbs.pg_skip or "unavailable"
                print(f"{name}: skipped ({skipped[name]})", file=sys.stderr, flush=True)
                continue
            subset = extract_docs if extract else docs[: args.docs]
            print(f"running {name} over {len(subset)} documents ...", file=sys.stderr, flush=True)
            results.append(
                run_ingest(
                    name,
                    url,
                    subset,
                    extract=bool(extract),
                    batch_size=args.batch_size,
                    jobs=args.jobs,
                    profile=args.profile == name,
                )
            )
        pg_note = dbs.pg_note

    total = time.perf_counter() - started
    print(f"input: {args.input} repeated to {args.docs} documents ({len(extract_docs)} with extraction)")
    print(f"copies: one sentence added, own doc_id and URL, published moved by up to {args.date_jitter} days")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; batch size {args.batch_size}"
    )
    print("sqlite: a file in a temporary folder (WAL, synchronous=NORMAL)")
    if pg_note:
        print(f"postgresql: {pg_note}")
    print(f"models loaded in {load_seconds:.1f} s, outside the timings")
    print()
    print(results_table(results))
    for name, why in skipped.items():
        print(f"{name}: skipped ({why})")
    print()
    if results:
        print(parts_table(results))
        print()
    if alone is not None:
        print(
            f"extract_documents alone over {len(extract_docs)} documents: {alone:.1f} s "
            f"({len(extract_docs) / alone:.1f} docs/s)"
        )
    verdicts: dict[str, dict[str, Any]] = {}
    for r in results:
        if not r["extract"]:
            continue
        inside = r["storage_share"]
        share = inside if alone is None else (r["seconds"] - alone) / r["seconds"]
        passed = share <= TARGET_SHARE
        verdicts[r["engine"]] = {"share": share, "share_outside_extract_in_ingest": inside, "pass": passed}
        print(
            f"{r['engine']}: storage share: {100 * share:.1f}% "
            f"(target <= {100 * TARGET_SHARE:.0f}%): {'PASS' if passed else 'FAIL'}"
            f"  [ingest time outside extract_documents: {100 * inside:.1f}%]"
        )
    for r in results:
        if r["summary"]["new"] != r["docs"]:
            print(f"warning: {r['run']} stored {r['summary']['new']} of {r['docs']} documents")
    print("(storage share = (ingest with extraction - extraction alone) / ingest with extraction)")
    for r in results:
        if "profile" in r:
            print()
            print(f"cProfile of {r['run']} (its timings above include the profiler's overhead):")
            print(r.pop("profile"))
    print(f"(benchmark took {total:.0f} s)")
    if args.json:
        out = {
            "input": str(args.input),
            "docs": args.docs,
            "extract_docs": len(extract_docs),
            "target_share": TARGET_SHARE,
            "load_seconds": load_seconds,
            "extract_alone_seconds": alone,
            "verdicts": verdicts,
            "skipped": skipped,
            "total_seconds": total,
            "runs": results,
        }
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
