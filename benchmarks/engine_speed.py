"""The embedded engine's speed and how often replies are cut off, per mode.

    python benchmarks/engine_speed.py [--limit N] [--max-tokens 32 48 ...] [--modes ...]

For each mode and token cap: seconds per question (the model's first load timed apart),
and the share of replies cut off by the cap (`truncated`: not answers). Questions go in the
runner's order (those sharing articles back to back), through the `local` backend, with
bench's own prompts and stop sequence at temperature 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import Request, create  # noqa: E402
from bench.corpus import load_corpus  # noqa: E402
from bench.dataset import load_questions  # noqa: E402
from bench.prompts import STOP  # noqa: E402
from bench.runner import plan  # noqa: E402


async def measure(mode: str, max_tokens: int, limit: int) -> tuple[float, float, float]:
    corpus = load_corpus(ROOT / "seeds")
    questions = list(load_questions(ROOT / "questions.jsonl", corpus).questions)[:limit]
    items = plan(questions, mode, corpus, 1, False)
    backend = create("local", {})
    warm = Request(messages=[{"role": "user", "content": "Hi"}], max_tokens=1)
    start = time.perf_counter()
    await backend.complete(warm)
    load = time.perf_counter() - start
    cut = 0
    start = time.perf_counter()
    for it in items:
        c = await backend.complete(Request(messages=it.messages, question=it.question,
                                           mode=mode, max_tokens=max_tokens, stop=STOP))
        cut += c.finish_reason == "length"
    per = (time.perf_counter() - start) / len(items)
    await backend.aclose()
    return load, per, cut / len(items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=91)
    parser.add_argument("--max-tokens", type=int, nargs="+", default=[32])
    parser.add_argument("--modes", nargs="+", default=["closed-book", "open-book", "corpus"])
    args = parser.parse_args()
    print(f"{'mode':12} {'cap':>4} {'load s':>7} {'s/question':>10} {'truncated':>9}")
    for mode in args.modes:
        for cap in args.max_tokens:
            load, per, cut = asyncio.run(measure(mode, cap, args.limit))
            print(f"{mode:12} {cap:4d} {load:7.2f} {per:10.3f} {100 * cut:8.1f}%", flush=True)


if __name__ == "__main__":
    main()
