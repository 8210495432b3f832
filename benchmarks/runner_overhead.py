"""Runner overhead: 1,000 questions at concurrency 32 against a 50 ms server; req/s at 100.

The server runs in its own process (tests/fakeserver.py) so that it does not share the
client's interpreter. Targets: wall at most 1.25x the ideal (N x latency / concurrency) at
concurrency 32; at least 400 requests/s at concurrency 100.
Also, with --local, the local backend's seconds per question in each mode.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import create  # noqa: E402
from bench.backends.call import Model  # noqa: E402
from bench.cli.run import Bar  # noqa: E402
from bench.corpus import load_corpus  # noqa: E402
from bench.dataset import load_questions  # noqa: E402
from bench.pipeline.ask import ask_all  # noqa: E402
from bench.pipeline.journal import Journal  # noqa: E402
from bench.pipeline.plan import plan  # noqa: E402
from bench.settings import RunSettings  # noqa: E402

LATENCY = 0.05


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeserver.py"), "--latency", str(latency),
         "--questions", str(ROOT / "questions.jsonl")], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{proc.stdout.readline().strip()}/v1"


def run_once(url: str, n: int, concurrency: int, progress: bool) -> float:
    corpus = load_corpus(ROOT / "seeds")
    qs = load_questions(ROOT / "questions.jsonl", corpus)
    repeats = -(-n // len(qs.questions))
    items = plan(list(qs.questions), "closed-book", corpus, repeats, False)[:n]
    backend = create("openai", {"model": "ok", "base_url": url, "timeout_s": 30})
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "run.journal.jsonl", {"bench": True})
        bar = Bar(enabled=progress)
        bar.start(len(items), 0)
        settings = RunSettings(backend="openai", concurrency=concurrency, max_tokens=32)
        start = time.perf_counter()
        asyncio.run(ask_all(items, Model(backend), journal, settings, bar))
        wall = time.perf_counter() - start
        bar.close()
        answered = len(journal.done())
        journal.close(wall)
    assert answered == n, f"only {answered} of {n} answered"
    return wall


def local_seconds_per_question(limit: int) -> None:
    for mode in ("closed-book", "open-book", "corpus"):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bench", "run", "--backend", "local", "--mode", mode,
                 "--limit", str(limit), "--no-progress", "--out", tmp, "--run-id", "probe",
                 "--max-tokens", "64"],
                cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - start
        print(f"local {mode:12} {wall / limit:6.2f} s/question ({limit} questions, "
              f"{wall:.1f} s with model load)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--progress", action="store_true", help="with the tqdm bar (as users see)")
    parser.add_argument("--local", type=int, default=0, metavar="N",
                        help="also time the local backend on N questions per mode")
    args = parser.parse_args()
    proc, url = start_server(LATENCY)
    try:
        run_once(url, 50, 8, False)  # warm up: imports, connection pool
        wall = run_once(url, args.n, 32, args.progress)
        ideal = args.n * LATENCY / 32
        print(f"concurrency 32: {args.n} questions in {wall:.2f} s; ideal {ideal:.2f} s; "
              f"ratio {wall / ideal:.2f}x (target <= 1.25x)")
        wall100 = run_once(url, 2 * args.n, 100, args.progress)
        print(f"concurrency 100: {2 * args.n / wall100:.0f} requests/s "
              f"(ideal {100 / LATENCY:.0f}; target >= 400)")
    finally:
        proc.kill()
        proc.wait()
    if args.local:
        local_seconds_per_question(args.local)


if __name__ == "__main__":
    main()
