"""Speed of three stages that the tests only check for behaviour: cleaning, near-duplicate
detection and gazetteer lookups.

Not a test: prints figures (a timed assertion fails on a busy machine and proves nothing on
an idle one). Run from the repository root::

    python benchmarks/bench_components.py            # table
    python benchmarks/bench_components.py --json

Targets, from the issues that asked for each stage:

- ``clean``: at least 1 MB/s of text, measured on 2,500 numbered copies of the test
  fixture ``tests/fixtures/webpage.txt`` (numbered so that none is dropped as a repeat, which
  is the cheap path);
- ``dedup``: at least 1,000 documents/s into the MinHash LSH index (2,000 random 300-word texts);
- ``gazetteer``: under 1 ms a lookup (``resolve`` with a country context, a mix of towns,
  provinces, stop words and unknown names).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from tables import text_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from incidex.clean import clean  # noqa: E402
from incidex.dedup import NearDuplicates  # noqa: E402
from incidex.gazetteer import get_gazetteer  # noqa: E402
from incidex.records import Document  # noqa: E402


def bench_clean(copies: int = 2500) -> dict[str, float]:
    page = (ROOT / "tests" / "fixtures" / "webpage.txt").read_text(encoding="utf-8")
    text = "\n\n".join(
        page.replace("four officers", f"{i} officers").replace("2020", str(i)) for i in range(copies)
    )
    start = time.perf_counter()
    result = clean(Document(doc_id="big", text=text))
    seconds = time.perf_counter() - start
    size = len(text.encode())
    return {
        "bytes": size,
        "sentences": len(result.sentences),
        "seconds": seconds,
        "mb_per_s": size / seconds / 1e6,
    }


def _random_texts(count: int, words: int = 300) -> list[str]:
    rng = random.Random(20240508)
    vocabulary = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(5000)
    ]
    return [" ".join(rng.choices(vocabulary, k=words)) + "." for _ in range(count)]


def bench_dedup(count: int = 2000) -> dict[str, float]:
    texts = _random_texts(count)
    index = NearDuplicates()
    start = time.perf_counter()
    for i, text in enumerate(texts):
        index.add(str(i), text)
    seconds = time.perf_counter() - start
    return {"documents": count, "seconds": seconds, "docs_per_s": count / seconds}


def bench_gazetteer(rounds: int = 300) -> dict[str, float]:
    gaz = get_gazetteer()
    names = ["Karachi", "Kandahar province", "Hyderabad", "Police", "eastern Congo", "Xqzzyv"] * rounds
    gaz.resolve("Karachi", ["PK"])  # load outside the timing
    start = time.perf_counter()
    for name in names:
        gaz.resolve(name, ["PK"])
    seconds = time.perf_counter() - start
    return {"lookups": len(names), "seconds": seconds, "us_per_lookup": seconds / len(names) * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args(argv)
    figures = {"clean": bench_clean(), "dedup": bench_dedup(), "gazetteer": bench_gazetteer()}
    rows = [
        ["clean", f"{figures['clean']['mb_per_s']:.2f} MB/s", ">= 1 MB/s"],
        ["dedup", f"{figures['dedup']['docs_per_s']:,.0f} docs/s", ">= 1,000 docs/s"],
        ["gazetteer", f"{figures['gazetteer']['us_per_lookup']:.1f} us/lookup", "< 1,000 us/lookup"],
    ]
    print(text_table(["stage", "measured", "target"], rows))
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
