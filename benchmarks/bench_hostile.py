"""A bounded hostile corpus through :func:`incidex.ingest.ingest`: the worst extraction time and
memory per kind of document, the good documents stored, and the failures by reason.

Not a test: prints figures. Run from the repository root::

    python benchmarks/bench_hostile.py                       # 200 good, 200 fuzzed documents
    python benchmarks/bench_hostile.py --docs 50 --seed 7 --db /tmp/hostile.db

The corpus is written to a temporary folder (issue 9, findings 1, 2 and 6), one file a kind:

* **good**: ``--docs`` invented reports, one JSON line each (as ``tests/test_hostile.py``);
* **hostile texts**: a capitalised hyphen run ("Abu-Abu-...", 60 and 600 times), 16 kB of
  commas, 10 kB of "(", 4,000 short paragraphs (224 kB), 100 kB of "3-4-4-...", a sentence of
  a million characters with no full stop, a 3.9 MB page of 60,000 paragraphs, and markup that
  never closes ("<a <a <a ...") in an HTML page and in a feed item;
* **poison JSON lines**: nesting past the interpreter's stack and legal but absurd nesting, an
  integer of 5,000 digits, NaN, lone surrogates and NULs in each field, fields of the wrong
  type, a latin-1 line, broken JSON, an id and a URL over the unique indexes' bounds;
* **bad files**: binary, empty, UTF-16, latin-1, NUL bytes, HTML in an undeclared charset;
* **fuzz**: ``--docs / 2`` JSON lines and as many texts from a generator seeded with
  ``--seed``: good lines with bytes flipped, cut or inserted, random JSON values, random
  Unicode (surrogates included), and good text spliced with runs of the hostile shapes.

One ingest (``jobs=0``: extraction in this process, so that its time and memory are this
process's) stores the corpus into a fresh SQLite file (``--db``, which must not exist; default
a temporary one). Each document's extraction is timed on its own: the ingest's extraction
call is wrapped to extract one document at a time (batches of one, a little slower than
ingest's batches of 32). ``RSS rise`` is how much a kind raised the process's high-water mark
(getrusage ``ru_maxrss``) while its documents were extracted, so the kinds are extracted in
the order written above, good first. Then a second pass, under tracemalloc (which slows
allocation, so it stays out of the timed pass), extracts each document of every kind but
"good" again for its peak of Python allocations.

With the defaults on 2 cores the whole run takes one to two minutes once no shape runs away;
``--docs 50`` takes under one. The budget (``Limits.doc_seconds``) is printed beside the
worst time: a document over it is a defect of the budget's enforcement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import platform
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tables import fmt, text_table

MIB = 1024 * 1024
_TOWNS = [
    "Kano",
    "Maiduguri",
    "Mogadishu",
    "Kismayo",
    "Baghdad",
    "Mosul",
    "Peshawar",
    "Quetta",
    "Gao",
    "Mopti",
]
_ACTS = [
    "Gunmen killed {n} people at a market in {town} on Monday, police said.",
    "A roadside bomb killed {n} soldiers near {town} on Tuesday, the army said.",
    "Militants abducted {n} farmers outside {town} on Wednesday, residents said.",
    "An air strike on a compound in {town} killed {n} fighters on Thursday, officials said.",
    "Rioters burned {n} shops in {town} on Friday after a disputed vote, witnesses said.",
]
# Runs that made a rule or the model grow faster than the input (issue 9, findings 1 and 6).
_FUZZ_TEXT = "fuzz-text-"  # each fuzzed text's file name, and so its doc_id, starts so
_HOSTILE_UNITS = ["Abu-", ",", "(", "3-4-", "\n\n", "<a ", "Gunmen killed ", "\u2028", "..."]


def good_report(i: int) -> dict[str, str]:
    text = _ACTS[i % len(_ACTS)].format(n=i % 17 + 2, town=_TOWNS[i % len(_TOWNS)])
    text += f" Report number {i} of the desk's fictional wire: the figures were not confirmed."
    return {
        "doc_id": f"good-{i:04d}",
        "text": text,
        "url": f"https://wire.example.com/2024/05/report-{i}",
        "published": f"2024-05-{i % 28 + 1:02d}",
        "title": f"Report {i}",
    }


# ---------------------------------------------------------------------------------------------
# The corpus: one file (or folder) a kind, named for it


def hostile_texts() -> dict[str, str]:
    """Finding 1 and 6's shapes, each a plain-text document (each lead its own, or the digest
    of the normalised text would make one a duplicate of another)."""

    def lead(n: int) -> str:
        return f"Gunmen killed {n} people in Kano on Monday, police said. "

    paragraphs = "".join(
        f"Gunmen killed {i % 9 + 1} people in village {i} on Monday, police said.\n\n" for i in range(4000)
    )
    page = "".join(f"Paragraph {i}: gunmen attacked a checkpoint in Kano.\n\n" for i in range(60_000))
    return {
        "hyphens-60": "Gunmen killed " + "-".join(["Abu"] * 60) + " in Kano.",
        "hyphens-600": "Gunmen killed " + "-".join(["Abu"] * 600) + " in Kano.",
        "commas-16k": lead(3) + "," * 16_000 + ".",
        "parens-10k": lead(4) + "(" * 10_000,
        "paragraphs-4000": paragraphs,
        "digits-3-4-100k": lead(5) + ("3-4-" * 25_000),
        "sentence-1m": "Gunmen attacked Kano and " + "then fled " * 100_010,
        "page-60k-paragraphs": page,
    }


def poison_lines() -> list[bytes]:
    """Finding 2's JSON lines, each refused or repaired by the reader."""
    text = '"Gunmen attacked a checkpoint in Gao, police said. Poison line {n}."'
    raw = [
        '{"doc_id": "p-deep", "text": T, "n": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"doc_id": "p-absurd", "text": T, "n": ' + "[" * 300 + "]" * 300 + "}",
        '{"doc_id": ' + "9" * 5000 + ', "text": T}',
        '{"doc_id": "p-nan", "text": T, "score": NaN}',
        '{"doc_id": "p-surrogates-\\udc00", "text": "Blast \\ud800 in Gao.", "title": "\\udfff", "url": "https://a.example/\\ud800"}',
        '{"doc_id": "p-nul", "text": "Blast\\u0000in Gao.", "title": "A\\u0000B"}',
        '{"doc_id": ["p"], "text": T}',
        '{"doc_id": "p-text-object", "text": {"body": "x"}}',
        '{"doc_id": "p-date", "text": T, "published": 1e999}',
        '{"doc_id": "p-url", "text": T, "url": "http://[::1/x"}',
        '{"doc_id": "p-long-url", "text": T, "url": "https://a.example/' + "u" * 3000 + '"}',
        '{"doc_id": "' + "i" * 3000 + '", "text": T}',
        '{"doc_id": "p-broken", "text": ',
    ]
    lines = [line.replace("T", text.format(n=n), 1).encode() for n, line in enumerate(raw)]
    lines.append(b'{"doc_id": "p-latin1", "text": "Blast in Yaound\xe9."}')
    lines.append(b'{"doc_id": "p-raw-nul", "text": "Blast\x00in Gao."}')
    return lines


def bad_files() -> dict[str, bytes]:
    rng = random.Random(0)
    page = "<html><head><title>Blast</title></head><body><p>Gunmen attacked a caf\u00e9 in Gao.</p></body></html>"
    return {
        "binary.txt": bytes(rng.randrange(256) for _ in range(20_000)),
        "empty.txt": b"",
        "utf16.txt": "Gunmen attacked a checkpoint in Gao.".encode("utf-16"),
        "latin1.txt": "Gunmen attacked a caf\u00e9 in Yaound\u00e9.".encode("latin-1"),
        "nul.txt": b"Gunmen\x00attacked\x00Gao." * 10,
        "undeclared-cp1252.html": page.encode("cp1252"),
    }


def markup_sources() -> dict[str, bytes]:
    never_closed = "<a " * 30_000
    html = (
        f"<html><body><article><p>Gunmen attacked a market in Gao.</p>{never_closed}</article></body></html>"
    )
    escaped = never_closed.replace("<", "&lt;")
    feed = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Wire</title>"
        "<link>https://wire.example.com/</link><item><title>Blast\u0085in Gao</title>"
        f"<link>https://wire.example.com/blast</link><description>Gunmen attacked Gao. {escaped}</description>"
        "</item></channel></rss>"
    )
    return {"markup-never-closed.html": html.encode(), "markup-never-closed.rss": feed.encode()}


class Fuzzer:
    """JSON lines and texts from a seeded generator: the same seed, the same corpus."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def text(self, size: int) -> str:
        r = self.rng
        alphabet = [
            lambda: chr(r.randrange(32, 127)),
            lambda: chr(r.randrange(0, 0x110000)),  # surrogates and control characters included
            lambda: r.choice(" \n\t\r\u00a0\u2028"),
        ]
        return "".join(r.choice(alphabet)() for _ in range(size))

    def value(self, depth: int = 0) -> Any:
        r = self.rng
        pick = r.randrange(8 if depth < 4 else 5)
        if pick == 0:
            return None
        if pick == 1:
            return r.random() < 0.5
        if pick == 2:
            return r.choice([r.randrange(-(10**6), 10**6), r.random() * 10 ** r.randrange(-300, 300)])
        if pick in (3, 4):
            return self.text(r.randrange(0, 60))
        if pick == 5:
            return [self.value(depth + 1) for _ in range(r.randrange(4))]
        keys = ["doc_id", "text", "url", "published", "title", "incidents", self.text(5)]
        return {r.choice(keys): self.value(depth + 1) for _ in range(r.randrange(5))}

    def mutate(self, data: bytes) -> bytes:
        r = self.rng
        out = bytearray(data)
        for _ in range(r.randrange(1, 6)):
            at = r.randrange(len(out) + 1)
            action = r.randrange(4)
            if action == 0 and out:
                out[min(at, len(out) - 1)] = r.randrange(256)
            elif action == 1:
                out[at:at] = r.choice(
                    [b"\\ud800", b"\\u0000", b"\x00", b"\xff", b"[" * 200, b"9" * 400, b"NaN", b'"']
                )
            elif action == 2:
                del out[at : at + r.randrange(1, 20)]
            else:
                out = out[:at]
        return bytes(out).replace(b"\n", b" ")

    def json_line(self, i: int) -> bytes:
        r = self.rng
        kind = r.randrange(3)
        if kind == 0:
            return self.mutate(json.dumps(good_report(100_000 + i)).encode())
        if kind == 1:
            value = self.value()
            return json.dumps(value, ensure_ascii=r.random() < 0.5).encode("utf-8", "surrogatepass")
        record = {**good_report(200_000 + i), "text": self.text(r.randrange(1, 400))}
        return json.dumps(record, ensure_ascii=r.random() < 0.5).encode("utf-8", "surrogatepass")

    def text_file(self, i: int) -> bytes:
        r = self.rng
        kind = r.randrange(3)
        if kind == 0:
            return bytes(r.randrange(256) for _ in range(r.randrange(1, 2000)))
        if kind == 1:
            return self.text(r.randrange(1, 2000)).encode("utf-8", "surrogatepass")
        good = good_report(300_000 + i)["text"]
        run = r.choice(_HOSTILE_UNITS) * r.randrange(10, 1000)
        at = r.randrange(len(good))
        return (good[:at] + run + good[at:]).encode()


@dataclass(frozen=True)
class Corpus:
    folder: Path
    kinds: list[str]  # in the order the ingest reads them
    good: int


def build_corpus(folder: Path, docs: int, seed: int, skip: re.Pattern[str] | None = None) -> Corpus:
    """Every kind in its own file or folder; ingest reads a folder in sorted path order, so the
    names are prefixed with the order the kinds are measured in. Kinds that ``skip`` matches
    are written to a folder the ingest does not read."""
    kinds: list[str] = []
    skipped = Path(tempfile.mkdtemp(prefix="skipped-", dir=folder.parent))

    def place(kind: str) -> Path:
        if skip is not None and skip.search(kind):
            return skipped / kind
        kinds.append(kind)
        return folder / f"{len(kinds):02d}-{kind}"

    with place("good").with_suffix(".jsonl").open("w", encoding="utf-8") as out:
        for i in range(1, docs + 1):
            out.write(json.dumps(good_report(i)) + "\n")
    for kind, text in hostile_texts().items():
        place(kind).with_suffix(".txt").write_text(text, encoding="utf-8")
    for name, data in markup_sources().items():
        stem, suffix = name.rsplit(".", 1)
        place(f"{stem}-{suffix}").with_suffix("." + suffix).write_bytes(data)
    place("poison-json-lines").with_suffix(".jsonl").write_bytes(b"\n".join(poison_lines()) + b"\n")
    for name, data in bad_files().items():
        stem, suffix = name.rsplit(".", 1)
        place(f"bad-{stem}").with_suffix("." + suffix).write_bytes(data)
    fuzz = Fuzzer(seed)
    lines = [fuzz.json_line(i) for i in range(docs // 2)]
    place("fuzz-json-lines").with_suffix(".jsonl").write_bytes(b"\n".join(lines) + b"\n")
    texts = place("fuzz-texts")
    texts.mkdir()
    for i in range(docs // 2):
        (texts / f"{_FUZZ_TEXT}{i:04d}.txt").write_bytes(fuzz.text_file(i))
    return Corpus(folder=folder, kinds=kinds, good=docs)


def kind_of(source: str | None, corpus: Corpus) -> str:
    """The kind a document or failure came from, by its file's name."""
    if source is None:
        return "?"
    rel = Path(source).relative_to(corpus.folder)
    m = re.match(r"\d\d-(.+)", rel.parts[0])
    return m.group(1).rsplit(".", 1)[0] if m else rel.parts[0]


def failed_kind(line: str, corpus: Corpus) -> str:
    """The kind of a failure line of the ingest's summary: it starts with the source's path (a
    read failure) or the doc_id, which is a text file's stem (an extraction failure)."""
    for n, kind in enumerate(corpus.kinds, 1):
        name = f"{n:02d}-{kind}"
        if line.startswith((str(corpus.folder / name), name)):
            return kind
    return "fuzz-texts" if line.startswith(_FUZZ_TEXT) else "other"


# ---------------------------------------------------------------------------------------------
# Measuring


def max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / MIB if platform.system() == "Darwin" else rss / 1024


@dataclass
class KindFigures:
    read: int = 0
    stored: int = 0
    failed: int = 0
    extracted: int = 0
    worst_s: float = 0.0
    worst_doc: str = ""
    rss_rise_mib: float = 0.0
    traced_peak_mib: float | None = None


@dataclass
class Figures:
    kinds: dict[str, KindFigures] = field(default_factory=lambda: defaultdict(KindFigures))
    over_budget: list[tuple[str, float]] = field(default_factory=list)


def timed_extraction(
    extract_each: Callable[..., Iterator[Any]], corpus: Corpus, figures: Figures, budget: float
) -> Callable[..., Iterator[Any]]:
    """``extract_each`` one document at a time, each timed, and the RSS high-water mark's rise
    charged to the document's kind."""

    def each(docs: Iterable[Any], **kwargs: Any) -> Iterator[Any]:
        for doc in docs:
            kind = figures.kinds[kind_of(doc.source, corpus)]
            rss = max_rss_mib()
            start = time.perf_counter()
            results = list(extract_each([doc], **kwargs))
            took = time.perf_counter() - start
            kind.extracted += 1
            kind.rss_rise_mib += max_rss_mib() - rss
            if took > 1.0:  # a slow one is shown as it ends: a run that seems stuck says where
                print(
                    f"  {kind_of(doc.source, corpus)} {doc.doc_id}: {took:.1f} s", file=sys.stderr, flush=True
                )
            if took > kind.worst_s:
                kind.worst_s, kind.worst_doc = took, doc.doc_id
            if took > budget:
                figures.over_budget.append((doc.doc_id, took))
            yield from results

    return each


def traced_peaks(corpus: Corpus, figures: Figures) -> None:
    """Each document of every kind but "good" extracted again under tracemalloc."""
    from incidex.pipeline import extract_each
    from incidex.records import Document
    from incidex.sources import iter_sources

    for item in iter_sources([str(corpus.folder)]):
        if not isinstance(item, Document):
            continue
        kind = kind_of(item.source, corpus)
        if kind == "good":
            continue
        tracemalloc.start()
        try:
            list(extract_each([item]))
            peak = tracemalloc.get_traced_memory()[1] / MIB
        finally:
            tracemalloc.stop()
        figures.kinds[kind].traced_peak_mib = max(figures.kinds[kind].traced_peak_mib or 0.0, peak)


def short_reason(reason: str) -> str:
    """A failure's reason with its particulars (numbers, quoted values) taken out, to count."""
    reason = re.sub(r"'[^']*(?:'|\.\.\.)", "'...'", reason)  # a quoted value, whole or cut short
    reason = re.sub(
        r"0x[0-9a-f]+|(?:^|(?<=[\s(]))\d[\d,.]*", lambda m: "0x.." if "x" in m[0] else "N", reason
    )
    return reason.split(";")[0][:90]


# ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, folder: Path) -> int:
    from incidex import ingest as ingest_module
    from incidex.pipeline import extract_documents
    from incidex.records import Document
    from incidex.settings import DEFAULT_LIMITS
    from incidex.sources import iter_sources
    from incidex.store import open_store

    started = time.perf_counter()
    corpus = build_corpus(folder, args.docs, args.seed, re.compile(args.skip) if args.skip else None)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"corpus: {len(corpus.kinds)} kinds, {size / MIB:.1f} MiB in {folder} (seed {args.seed})")
    list(extract_documents([Document(doc_id="warm", text=good_report(0)["text"])]))  # models load first
    rss_loaded = max_rss_mib()

    figures = Figures()
    budget = DEFAULT_LIMITS.doc_seconds
    original = ingest_module.extract_each
    ingest_module.extract_each = timed_extraction(original, corpus, figures, budget)  # type: ignore[assignment]
    db = args.db or folder / "hostile.db"
    ingest_start = time.perf_counter()
    try:
        with open_store(str(db)) as store:
            summary = ingest_module.ingest(iter_sources([str(corpus.folder)]), store, jobs=0)
            stored = list(store.iter_documents())
    finally:
        ingest_module.extract_each = original  # type: ignore[assignment]
    ingest_s = time.perf_counter() - ingest_start
    rss_ingest = max_rss_mib()

    for doc in stored:
        figures.kinds[kind_of(doc.source, corpus)].stored += 1
    for line in summary.failed:
        figures.kinds[failed_kind(line, corpus)].failed += 1
    if not args.no_trace:
        traced_peaks(corpus, figures)

    rows = []
    for kind in corpus.kinds:
        k = figures.kinds[kind]
        rows.append(
            [
                kind,
                str(k.stored),
                str(k.failed),
                str(k.extracted),
                fmt(k.worst_s if k.extracted else None, ".2f"),
                fmt(k.rss_rise_mib if k.extracted else None, ".0f"),
                fmt(k.traced_peak_mib, ".1f"),
            ]
        )
    print()
    print(
        text_table(
            ["kind", "stored", "failed", "extracted", "worst s", "RSS rise MiB", "traced peak MiB"], rows
        )
    )
    good_stored = figures.kinds["good"].stored
    print()
    print(f"good documents stored: {good_stored} of {corpus.good}")
    print(f"ingest: {summary.line()}")
    print(
        f"ingest took {ingest_s:.1f} s; worst document {max((k.worst_s for k in figures.kinds.values()), default=0):.2f} s "
        f"(budget Limits.doc_seconds {budget:g} s; {len(figures.over_budget)} over it"
        + (f": {', '.join(f'{d} {s:.1f} s' for d, s in figures.over_budget)}" if figures.over_budget else "")
        + ")"
    )
    print(f"max RSS: {rss_loaded:.0f} MiB after loading the models, {rss_ingest:.0f} MiB after the ingest")
    print()
    by_reason = Counter(short_reason(r) for r in ingest_module.reasons(summary).elements())
    print(text_table(["failures by reason", "count"], [[r, str(n)] for r, n in by_reason.most_common()]))
    print()
    print(f"whole run {time.perf_counter() - started:.0f} s, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    return 0 if good_stored == corpus.good and not figures.over_budget else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--docs", type=int, default=200, help="good reports, and as many fuzzed documents (default 200)"
    )
    parser.add_argument("--seed", type=int, default=9, help="seed of the fuzzed documents (default 9)")
    parser.add_argument(
        "--db", type=Path, help="SQLite file to create (must not exist; default: a temporary one)"
    )
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--skip", metavar="REGEX", help="leave out the kinds whose names match")
    args = parser.parse_args(argv)
    if args.db is not None and args.db.exists():
        parser.error(f"--db {args.db} exists; give a new file (the corpus is stored into a fresh database)")
    logging.basicConfig(level=logging.ERROR)  # the failures are counted below, not logged one by one
    with tempfile.TemporaryDirectory(prefix="incidex-hostile-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        return run(args, corpus)


if __name__ == "__main__":
    sys.exit(main())
