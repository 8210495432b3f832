"""The embedded engine's speed per mode: seconds per question through the `local` backend.

    python benchmarks/engine_speed.py                      # 20 questions, 3 modes, 32 tokens
    python benchmarks/engine_speed.py --limit 0            # the whole set, as `make run` asks it
    python benchmarks/engine_speed.py --parallel 1 2       # also 2 slots, 2 requests at a time
    python benchmarks/engine_speed.py --flash-attn --dedicated-thread --modes open-book
    python benchmarks/engine_speed.py -o fast_prefix=false     # prefixes read without flash attn

Each row is a first run: no prefix saved by an earlier run is used (`-o kv_cache_mib=2048` to
use them). For each mode: the first call's time (loading the model, then a one-token reply),
then seconds per question over the first N questions of the set (what `bench run --limit N`
asks), in the runner's order (questions sharing articles back to back, so their prefix is
computed once), with bench's own prompts, stop sequence and temperature 0, one request at a
time as `make run` asks them. Also per question: prompt tokens computed (not served from the
cache), tokens generated, the share cut off by the token cap; and the CPU other processes used
meanwhile (in cores: on a shared machine a busy neighbour slows llama.cpp's threads a lot).

`--parallel P` (P > 1) drives the engine directly with P slots and P requests in flight.
`--dedicated-thread` calls the backend from one thread of its own instead of asyncio's pool.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import create  # noqa: E402
from bench.backends.base import Completion, Request  # noqa: E402
from bench.corpus import load_corpus  # noqa: E402
from bench.dataset import load_questions  # noqa: E402
from bench.engine.llama import Engine, Reply, default_model  # noqa: E402
from bench.pipeline.ask import Item, plan  # noqa: E402
from bench.prompts import STOP  # noqa: E402

WARM = Request(messages=[{"role": "user", "content": "Hi"}], max_tokens=1)


class Others:
    """CPU time other processes used during a block, in cores (Linux /proc/stat)."""

    cores = 0.0

    def __enter__(self) -> Others:
        self._start = _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        (total, idle, mine), (total0, idle0, mine0) = _cpu(), self._start
        if total > total0:
            busy = (total - total0) - (idle - idle0) - (mine - mine0)
            self.cores = max(0.0, busy / (total - total0) * (os.cpu_count() or 1))


def _cpu() -> tuple[float, float, float]:
    try:
        with open("/proc/stat") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0, 0.0
    t = os.times()
    return sum(ticks), ticks[3] + ticks[4], (t.user + t.system) * os.sysconf("SC_CLK_TCK")


def wait_idle(limit: float = 0.1, timeout: float = 600.0) -> None:
    """Wait (at most `timeout` s) for 2 s in which other processes use under `limit` cores."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with Others() as o:
            time.sleep(2)
        if o.cores < limit:
            return


@dataclass
class Row:
    mode: str
    cap: int
    slots: int
    load_s: float
    per_question_s: float
    computed: float
    generated: float
    truncated: float
    others: float


def items_for(mode: str, limit: int) -> list[Item]:
    corpus = load_corpus(ROOT / "seeds")
    questions = list(load_questions(ROOT / "questions.jsonl", corpus).questions)
    return plan(questions[:limit] if limit else questions, mode, corpus, 1, False)


def request(item: Item, mode: str, cap: int) -> Request:
    return Request(messages=item.messages, question=item.question, mode=mode,
                   temperature=0.0, max_tokens=cap, stop=STOP)


def summary(mode: str, cap: int, slots: int, load: float, wall: float,
            replies: list[tuple[int, int | None, int, str | None]], others: float) -> Row:
    n = len(replies)
    return Row(mode, cap, slots, load, wall / n,
               sum(p - (c or 0) for p, c, _, _ in replies) / n,
               sum(g for _, _, g, _ in replies) / n,
               sum(f == "length" for *_, f in replies) / n, others)


async def through_backend(mode: str, cap: int, limit: int, dedicated: bool,
                          options: dict[str, str]) -> Row:
    items = items_for(mode, limit)
    start = time.perf_counter()
    # No saved prefixes unless asked (-o kv_cache_mib=2048): each row is a first run.
    backend = create("local", {"kv_cache_mib": "0", **options})
    await backend.complete(WARM)
    load = time.perf_counter() - start
    inner = getattr(backend, "_call", None)
    pool = ThreadPoolExecutor(max_workers=1) if dedicated and inner else None
    replies = []
    with Others() as others:
        start = time.perf_counter()
        for item in items:
            r = request(item, mode, cap)
            c: Completion = (await asyncio.get_running_loop().run_in_executor(pool, inner, r)
                             if pool and inner else await backend.complete(r))
            replies.append((c.prompt_tokens, c.cached_tokens, c.completion_tokens,
                            c.finish_reason))
        wall = time.perf_counter() - start
    await backend.aclose()
    if pool:
        pool.shutdown()
    return summary(mode, cap, 1, load, wall, replies, others.cores)


def through_engine(mode: str, cap: int, limit: int, slots: int, flash: bool) -> Row:
    """P slots, P requests in flight; the body is the one the local backend sends."""
    items = items_for(mode, limit)
    start = time.perf_counter()
    engine = Engine(default_model(), n_parallel=slots, flash_attn=flash)
    engine.chat({"messages": WARM.messages, "max_tokens": 1})
    load = time.perf_counter() - start

    def ask(item: Item) -> Reply:
        return engine.chat({"messages": item.messages, "temperature": 0.0, "max_tokens": cap,
                            "seed": 0, "stop": list(STOP)})

    with Others() as others, ThreadPoolExecutor(max_workers=slots) as pool:
        start = time.perf_counter()
        got = list(pool.map(ask, items))
        wall = time.perf_counter() - start
    engine.close()
    replies = [(r.prompt_tokens, r.cached_tokens, r.completion_tokens, r.finish_reason)
               for r in got]
    return summary(mode, cap, slots, load, wall, replies, others.cores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=20, help="questions (0: all)")
    parser.add_argument("--max-tokens", type=int, nargs="+", default=[32])
    parser.add_argument("--modes", nargs="+", default=["closed-book", "open-book", "corpus"])
    parser.add_argument("--parallel", type=int, nargs="+", default=[1],
                        help="slots to compare (1: through the local backend)")
    parser.add_argument("--flash-attn", action="store_true",
                        help="flash attention on (through the engine)")
    parser.add_argument("--dedicated-thread", action="store_true",
                        help="call the backend from one thread of its own")
    parser.add_argument("-o", "--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a local backend option, e.g. fast_prefix=false")
    parser.add_argument("--wait-idle", action="store_true",
                        help="before each row, wait until other processes are nearly idle")
    args = parser.parse_args()
    options = dict(o.split("=", 1) for o in args.option)
    print(f"{'mode':12} {'cap':>4} {'slots':>5} {'load s':>7} {'s/question':>10} "
          f"{'computed':>9} {'generated':>9} {'truncated':>9} {'others':>7}")
    print(f"{'':12} {'':>4} {'':>5} {'':>7} {'':>10} {'tok/q':>9} {'tok/q':>9} "
          f"{'':>9} {'cores':>7}")
    for mode in args.modes:
        for cap in args.max_tokens:
            for slots in args.parallel:
                if args.wait_idle:
                    wait_idle()
                row = (asyncio.run(through_backend(mode, cap, args.limit, args.dedicated_thread,
                                                   options))
                       if slots == 1 and not args.flash_attn else
                       through_engine(mode, cap, args.limit, slots, args.flash_attn))
                print(f"{row.mode:12} {row.cap:4d} {row.slots:5d} {row.load_s:7.2f} "
                      f"{row.per_question_s:10.3f} {row.computed:9.1f} {row.generated:9.1f} "
                      f"{100 * row.truncated:8.1f}% {row.others:7.2f}", flush=True)


if __name__ == "__main__":
    main()
