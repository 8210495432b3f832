"""Wall time of `bench --help` against `python -c pass` (target: under 150 ms)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 20
BENCH = Path(sys.executable).with_name("bench")


def wall(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    base = wall([sys.executable, "-c", "pass"])
    helps = wall([str(BENCH), "--help"])
    module = wall([sys.executable, "-m", "bench", "--help"])
    print(f"python -c pass       {1000 * base:7.1f} ms (median of {RUNS})")
    print(f"bench --help         {1000 * helps:7.1f} ms  (+{1000 * (helps - base):.1f} ms)")
    print(f"python -m bench -h   {1000 * module:7.1f} ms  (+{1000 * (module - base):.1f} ms)")
    print(f"target < 150 ms: {'met' if helps < 0.150 else 'MISSED'}")


if __name__ == "__main__":
    main()
