"""The README's two commands as a new user meets them: wall time from a fresh clone.

    python3 benchmarks/fresh_clone.py              # make run, make run again, make test
    python3 benchmarks/fresh_clone.py --ci         # .ci/run (lint and make test) for the test
    python3 benchmarks/fresh_clone.py --skip-test  # only the two make run

Clones this repository's committed HEAD into a temporary folder (with `../shared` linked, as
CI has it) and runs there with `PIP_NO_CACHE_DIR=1` and an empty `$XDG_CACHE_HOME`, so nothing
is reused from earlier installs or runs: no pip wheel, no model copy, no saved article prefix.
`make test` gets a clone of its own with its own empty caches. Prints each command's wall time
and, for the two `make run`, each local mode's seconds per question (from the result files).
Nothing else should use the CPU meanwhile: on 2 cores a busy neighbour changes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("closed-book", "open-book", "corpus")


def clone(into: Path) -> Path:
    """A fresh clone of HEAD in `into`, beside a link to the shared folder."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(into / "p")], check=True)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (into / "shared").symlink_to(shared)
    return into / "p"


def timed(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[float, int]:
    """Wall seconds and exit code of `cmd`, its output kept in `log`."""
    start = time.perf_counter()
    with log.open("w") as out:
        code = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              check=False).returncode
    return time.perf_counter() - start, code


def per_question(project: Path) -> str:
    """Seconds per question of each local mode, from the run's result files."""
    seconds: dict[str, float] = {}
    for path in (project / "results").glob("*.json"):
        try:
            run = json.loads(path.read_text())["run"]
            if run.get("backend") == "local":
                seconds[run["mode"]] = run["wall_s"] / run["n_questions_total"]
        except (OSError, KeyError, TypeError, ValueError, ZeroDivisionError):
            continue  # the leaderboard, or a file this script does not read
    return ", ".join(f"{mode} {seconds[mode]:.2f} s/q" if mode in seconds else f"{mode} ?"
                     for mode in MODES)


def fresh_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ, PIP_NO_CACHE_DIR="1", XDG_CACHE_HOME=str(folder / "xdg"))
    env.pop("VIRTUAL_ENV", None)
    return env


def report(name: str, seconds: float, code: int, extra: str = "") -> None:
    minutes, rest = divmod(seconds, 60)
    status = "ok" if code == 0 else f"FAILED (exit {code})"
    print(f"{name:18s} {seconds:7.1f} s ({int(minutes)} min {rest:04.1f} s)  {status}"
          + (f"  {extra}" if extra else ""), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ci", action="store_true", help="time .ci/run instead of make test")
    parser.add_argument("--skip-test", action="store_true", help="time only make run")
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-fresh-") as tmp:
        folder = Path(tmp) / "run"
        folder.mkdir()
        project = clone(folder)
        env = fresh_env(folder)
        for name in ("make run", "make run again"):
            seconds, code = timed(["make", "run"], project, env, folder / f"{name}.log")
            report(name, seconds, code, per_question(project))
            failed |= code != 0
        if not args.skip_test:
            folder = Path(tmp) / "test"
            folder.mkdir()
            project = clone(folder)
            cmd = ["bash", ".ci/run"] if args.ci else ["make", "test"]
            seconds, code = timed(cmd, project, fresh_env(folder), folder / "test.log")
            report(" ".join(cmd), seconds, code)
            if code != 0:
                print((folder / "test.log").read_text()[-3000:], file=sys.stderr)
            failed |= code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
