"""Benchmark the hybrid search index: ingest rate, query latency at 10k / 100k, precision@10.

Prints human lines, then one JSON object as the last line. ``--quick`` stops at 10k segments.
The corpus (bench/search_corpus.py) is synthetic meetings: 12 labelled topic discussions in
small-talk filler. Precision@10 is the share of the top 10 hits that belong to the queried
topic (each topic has 14 labelled utterances), averaged over the topic queries.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_corpus import EXACT_QUERIES, TOPICS, meetings

from copilot.search.index import SearchIndex


def ingest(index: SearchIndex, segments: list[dict], label: str) -> float:
    """Add segments in chunks (printing progress); returns seconds spent."""
    started = time.perf_counter()
    chunk = 2048
    for lo in range(0, len(segments), chunk):
        index.add(segments[lo : lo + chunk])
        done = min(lo + chunk, len(segments))
        if done % (chunk * 5) < chunk or done == len(segments):
            rate = done / (time.perf_counter() - started)
            print(f"  {label}: {done}/{len(segments)} segments, {rate:.0f}/s", flush=True)
    return time.perf_counter() - started


def query_set(seed: int = 3) -> list[str]:
    """Distinct queries: the labelled ones plus varied meeting-style questions."""
    rng = random.Random(seed)
    base = [q for t in TOPICS.values() for q in t["topic"] + t["queries"]]
    base += [q for q, _, _ in EXACT_QUERIES]
    subjects = [
        "the budget",
        "hiring",
        "the release",
        "customers",
        "security",
        "the office",
        "the outage",
        "marketing",
        "vacations",
        "reviews",
        "the contract",
        "user tests",
        "Priya",
        "the roadmap",
        "invoice 4111",
        "the demo",
        "Q3 numbers",
        "onboarding",
    ]
    forms = [
        "what did we decide about {}",
        "{} follow-ups",
        "who owns {}",
        "any news on {}",
        "when did we talk about {}",
        "{} risks",
        "summary of {}",
        "next steps for {}",
    ]
    extra = {f.format(s) for f in forms for s in subjects}
    return base + sorted(extra, key=lambda _: rng.random())


def latency(index: SearchIndex, queries: list[str]) -> tuple[float, float]:
    for i in range(5):
        index.search(f"warm-up query number {i}")  # load the model; not in the timed set
    times = []
    for q in queries:
        started = time.perf_counter()
        index.search(q, limit=10)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def precision_at_10(index: SearchIndex, kind: str) -> tuple[float, list[str]]:
    scores, misses = [], []
    for topic, spec in TOPICS.items():
        for q in spec[kind]:
            hits = index.search(q, limit=10)
            p = sum(h.id.startswith(topic + "-") for h in hits) / 10
            scores.append(p)
            if p < 1:
                misses.append(f"{p:.1f} {q!r}")
    return sum(scores) / len(scores), misses


def exact_top1(index: SearchIndex) -> float:
    ok = [index.search(q, limit=1)[0].id == f"{t}-{i}" for q, t, i in EXACT_QUERIES]
    return sum(ok) / len(ok)


def measure(index: SearchIndex, queries: list[str], size: int, out: dict) -> None:
    p50, p95 = latency(index, queries)
    topic, misses = precision_at_10(index, "topic")
    para, _ = precision_at_10(index, "queries")
    exact = exact_top1(index)
    tag = f"{round(size / 1000)}k"
    print(f"at {tag}: query p50 {p50:.2f} ms, p95 {p95:.2f} ms over {len(queries)} queries")
    print(
        f"at {tag}: precision@10 topic {topic:.3f}, paraphrase {para:.3f}, exact top-1 {exact:.2f}"
    )
    for m in misses:
        print(f"    below 1.0: {m}")
    out[f"query_p50_ms_{tag}"] = round(p50, 2)
    out[f"query_p95_ms_{tag}"] = round(p95, 2)
    out[f"precision_at_10_{tag}"] = round(topic, 3)
    out[f"paraphrase_precision_at_10_{tag}"] = round(para, 3)
    out[f"exact_top1_{tag}"] = round(exact, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 10k segments")
    parser.add_argument("--dir", help="index folder (default: a temporary one); kept afterwards")
    parser.add_argument(
        "--measure-only", action="store_true", help="re-measure queries on the index in --dir"
    )
    args = parser.parse_args()
    if args.measure_only:
        if not args.dir:
            parser.error("--measure-only needs --dir")
        index = SearchIndex(args.dir)
        out = {"sizes": [index.count()]}
        measure(index, query_set(), index.count(), out)
        print(json.dumps(out))
        return
    if args.dir and Path(args.dir).exists() and any(Path(args.dir).iterdir()):
        parser.error(f"{args.dir} is not empty: ingest would skip known segments")
    sizes = [10_000] if args.quick else [10_000, 100_000]
    corpus = meetings(10_000)
    queries = query_set()
    out: dict = {"sizes": sizes}
    with tempfile.TemporaryDirectory(prefix="copilot-search-bench-") as tmp:
        path = Path(args.dir or tmp)
        index = SearchIndex(path)
        started = time.perf_counter()
        embedder = index._ef._embedder
        embedder.embed(["load the model before timing ingest"])  # builds it on a new machine
        print(
            f"embedding model ready in {time.perf_counter() - started:.1f} s"
            f" ({embedder.variant}: {embedder.model_file.name})"
        )
        print(f"index at {path}; {len(corpus)} segments in {len(TOPICS)} labelled topics")
        build = ingest(index, corpus, "10k")
        out["ingest_segments_per_s"] = round(len(corpus) / build, 1)
        out["build_s_10k"] = round(build, 1)
        print(f"built 10k in {build:.1f} s ({len(corpus) / build:.0f} segments/s)")
        measure(index, queries, 10_000, out)
        if 100_000 in sizes:
            # Grow to 100k with more meetings of filler (ids and sessions kept distinct).
            more = meetings(90_000 + 12 * 14, seed=29)
            more = [
                {**s, "id": "x" + s["id"], "session_id": "x" + s["session_id"]}
                for s in more
                if s["id"].startswith("f-")
            ][:90_000]
            extra = ingest(index, more, "100k")
            out["build_s_100k"] = round(build + extra, 1)
            out["ingest_segments_per_s_100k"] = round(
                (len(corpus) + len(more)) / (build + extra), 1
            )
            print(f"grew to {index.count()} segments in {build + extra:.1f} s")
            measure(index, queries, 100_000, out)
        out["precision_at_10"] = out[f"precision_at_10_{sizes[-1] // 1000}k"]
        index.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
