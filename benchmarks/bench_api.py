"""REST API latency under concurrent load: p50/p95 of a filtered first page of ``GET /incidents``
and of the incident view, against a SQLite database of N synthetic incidents.

The server runs as ``incidex serve`` in its own process on loopback; the load comes from
``--concurrency`` client threads with keep-alive connections (httpx), each sending requests
back to back. Latency is measured per request at the client.

    python benchmarks/bench_api.py [--incidents 100000] [--concurrency 16] [--requests 3000] [--json]

Building the database takes about a minute per 100,000 incidents; ``--db PATH`` keeps it
for later runs (it is reused when it already holds incidents).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from incidex.records import Document
from incidex.store import open_store

COUNTRIES = ["NG", "PK", "IQ", "AF", "SO", "ML", "BF", "SY", "YE", "CD", "MZ", "IN"]
TYPES = [
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
    ("Explosions/Remote violence", "Suicide bomb"),
]


def build(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = dt.date(2020, 1, 1)
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with open_store(path) as store, store.transaction():
        for i in range(n):
            etype, sub = rng.choice(TYPES)
            killed = rng.choice([None, rng.randint(0, 60)])
            fields = {
                "event_type": etype,
                "sub_event_type": sub,
                "date": (start + dt.timedelta(days=rng.randint(0, 2000))).isoformat(),
                "country": rng.choice(COUNTRIES),
                "place": f"Town {i % 5000}",
                "latitude": rng.uniform(-10, 40),
                "longitude": rng.uniform(-10, 80),
                "killed": {"low": killed, "high": killed, "best": killed},
                "wounded": {"low": None, "high": None, "best": None},
                "evidence": [{"field": "incident", "start": 0, "end": 40, "text": "x" * 40}],
            }
            text = f"Synthetic report {i}: an attack in Town {i % 5000} killed {killed} people."
            doc_id = store.add_document(
                Document(doc_id=f"bench-{i}", text=text), digest=f"{i:032x}", retrieved_at=at
            )
            [rid] = store.add_reports(doc_id, [fields])
            store.create_incident(fields, [rid], document_id=doc_id, at=at)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(base: str, paths: list[str], concurrency: int) -> list[float]:
    """Each thread sends its share of ``paths``; the latencies in milliseconds."""
    out: list[float] = []
    lock = threading.Lock()

    def worker(share: list[str]) -> None:
        mine = []
        with httpx.Client(base_url=base, timeout=30) as c:
            for p in share:
                t0 = time.perf_counter()
                r = c.get(p)
                mine.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=worker, args=(paths[i::concurrency],)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if len(xs) > 1 else xs[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--incidents", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--requests", type=int, default=3000, help="requests per endpoint")
    ap.add_argument("--workers", type=int, default=4, help="server processes (incidex serve --workers)")
    ap.add_argument("--db", type=Path, help="database to build or reuse")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    db = args.db or Path(tmp.name) / "bench_api.db"
    t0 = time.perf_counter()
    with open_store(db) as store:
        empty = store.counts()["incidents"] == 0
    if empty:
        build(db, args.incidents)
    build_s = time.perf_counter() - t0
    with open_store(db) as store:
        n = store.counts()["incidents"]
        uids = [i.incident_uid for i in store.incidents(None)]  # newest 100
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "incidex.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        rng = random.Random(1)
        lists = [
            f"/incidents?country={rng.choice(COUNTRIES)}&date_from=2022-01-01&min_killed=5&limit=50"
            for _ in range(args.requests)
        ]
        views = [f"/incidents/{rng.choice(uids)}" for _ in range(args.requests)]
        load(base, lists[:100], args.concurrency)  # warm-up
        figures = {
            "incidents": n,
            "build_s": round(build_s, 1),
            "concurrency": args.concurrency,
            "workers": args.workers,
        }
        for name, paths in (("list", lists), ("view", views)):
            t1 = time.perf_counter()
            ms = load(base, paths, args.concurrency)
            wall = time.perf_counter() - t1
            figures[name] = {
                "requests": len(ms),
                "p50_ms": round(pct(ms, 50), 1),
                "p95_ms": round(pct(ms, 95), 1),
                "req_per_s": round(len(ms) / wall, 1),
            }
    finally:
        server.terminate()
        server.wait(10)
        tmp.cleanup()
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{n} incidents in SQLite; {args.workers} server processes, {args.concurrency} concurrent clients on loopback"
        )
        for name in ("list", "view"):
            f = figures[name]
            print(f"  {name:5s} p50 {f['p50_ms']} ms  p95 {f['p95_ms']} ms  {f['req_per_s']} req/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
