"""Scale check: `bench leaderboard` over 200 result files of 1,000 questions each.

Usage: python benchmarks/leaderboard_scale.py [--runs 200] [--questions 1000] [--keep DIR]

Writes the result files into a temporary folder (through the real ResultFile model and
bench.results.metrics.compute), then times the real CLI in a subprocess and prints the wall time and
the size of leaderboard.html. Targets: under 5 s, HTML under 10 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.fileio import atomic_write_text
from bench.records import Record, ResultFile, RunInfo, Usage
from bench.results.metrics import compute

TIME_TARGET_S = 5.0
SIZE_TARGET_MB = 10.0
TAGS = ["politics", "conflict", "economy", "health", "science", "sport", "numbers", "dates",
        "people", "places", "multi-hop", "negation"]
TYPES = ["number", "date", "entity", "text", "yes_no"]


def _vocabulary(size: int = 15000) -> tuple[list[str], list[float]]:
    """Pseudo-words with Zipf-like frequencies: text that gzip shrinks about as much as
    English news text (to ~40%), so that the page size is not flattered."""
    rng = random.Random(7)
    syllables = [c + v for c in "bcdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
                    for _ in range(size)}, key=lambda w: rng.random())
    cum, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += rank**-0.7
        cum.append(total)
    return words, cum


WORDS, CUM = _vocabulary()
REASONS = {
    "correct": ["exact match after normalisation", "number equals gold", "alias matched",
                "date equals gold", "gold phrase contained in answer"],
    "incorrect": ["number differs from gold", "no gold phrase in answer", "wrong date",
                  "contradicts gold (yes/no)", "answer names another entity"],
    "not_attempted": ["abstention phrase", "empty answer", "hedged without an answer"],
    "error": ["timeout after 3 attempts", "HTTP 500 from server", "rate limited (429)"],
}
QSHA = hashlib.sha256(b"scale-questions").hexdigest()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUM, k=words)).capitalize() + "."


def _questions(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        atype = rng.choice(TYPES)
        gold = {"number": str(rng.randint(1, 5000)), "date": f"2020-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}", "yes_no": rng.choice(["yes", "no"])}.get(
            atype, " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 3))))
        out.append({"id": f"q-{i:04d}", "gold": None if rng.random() < 0.05 else gold,
                    "answer_type": atype, "tags": tuple(rng.sample(TAGS, rng.randint(1, 3)))})
    return out


def make_result(index: int, n_questions: int) -> str:
    """One run's result file as JSON text: a model of some skill, verbosity and caution."""
    rng = random.Random(index)
    questions = _questions(n_questions, random.Random(12345))
    skill = rng.uniform(0.1, 0.8)
    caution = rng.uniform(0.0, 0.5)
    verbose = rng.random() < 0.3
    confident = rng.random() < 0.5
    records = []
    for q in questions:
        u = rng.random()
        if u < 0.01:
            verdict = "error"
        elif u < 0.01 + caution * (1 - skill):
            verdict = "not_attempted"
        else:
            verdict = "correct" if rng.random() < skill else "incorrect"
        if verdict == "error":
            response = None
        elif verdict == "not_attempted":
            response = rng.choice(["I don't know.", "The sources do not say.", "Unknown."])
        else:
            # Popular short answers repeat across runs, as real models' do.
            short = q["gold"] if verdict == "correct" and q["gold"] else \
                rng.choice(WORDS).capitalize() + (f" {rng.randint(1, 9)}" if rng.random() < 0.5
                                                  else "")
            response = (f"{short}. " + _sentence(rng, rng.randint(6, 40))) if verbose else short
        records.append(Record(
            id=q["id"], response=response, verdict=verdict,
            reason=rng.choice(REASONS[verdict]), gold=q["gold"], answer_type=q["answer_type"],
            tags=q["tags"], confidence=round(rng.random(), 2) if confident and response else None,
            latency_s=None if response is None else round(rng.uniform(0.2, 4.0), 3),
            usage=None if response is None else Usage(prompt_tokens=rng.randint(80, 400),
                                                      completion_tokens=rng.randint(2, 60)),
        ))
    run = RunInfo(
        run_id=f"scale-{index:03d}", kind="run", questions_sha256=QSHA,
        questions_path="questions.jsonl", grader="rules-v1", bench_version="0.1.0",
        created_at="2024-01-01T00:00:00Z", model=f"model-{index:03d}",
        backend=rng.choice(["openai", "local", "retrieval"]),
        mode=rng.choice(["closed-book", "open-book", "corpus"]),
    )
    result = ResultFile(run=run, metrics=compute(records), records=records)
    return result.model_dump_json(indent=1)


def _write(args: tuple[Path, int, int]) -> None:
    folder, index, n = args
    atomic_write_text(folder / f"scale-{index:03d}.json", make_result(index, n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--keep", default=None, metavar="DIR",
                        help="write (or reuse) the result files here instead of a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp) / "results"
        folder.mkdir(parents=True, exist_ok=True)
        todo = [(folder, i, args.questions) for i in range(args.runs)
                if not (folder / f"scale-{i:03d}.json").exists()]
        started = time.perf_counter()
        with ProcessPoolExecutor() as pool:
            list(pool.map(_write, todo, chunksize=4))
        data_mb = sum(p.stat().st_size for p in folder.glob("*.json")) / 1e6
        print(f"{args.runs} result files x {args.questions} questions ({data_mb:.0f} MB); "
              f"{len(todo)} made in {time.perf_counter() - started:.1f} s")
        out = Path(tmp) / "out"
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench", "leaderboard", "--results", str(folder),
             "--out", str(out)],
            cwd=tmp, capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"},
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n", file=sys.stderr)
            return proc.returncode
        html_mb = (out / "leaderboard.html").stat().st_size / 1e6
        json_mb = (out / "leaderboard.json").stat().st_size / 1e6
        print(f"bench leaderboard: {wall:.2f} s wall (target < {TIME_TARGET_S:.0f} s)")
        print(f"leaderboard.html: {html_mb:.2f} MB (target < {SIZE_TARGET_MB:.0f} MB); "
              f"leaderboard.json: {json_mb:.2f} MB")
        ok = wall < TIME_TARGET_S and html_mb < SIZE_TARGET_MB
        print("OK" if ok else "OVER TARGET")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
