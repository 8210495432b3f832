"""The honest-results check, end to end: oracle, abstain, retrieval, a run whose calls mostly
fail (1 answer, 90 HTTP 400s) and a 5-question run, ranked by `bench leaderboard`.

    python benchmarks/honest_leaderboard.py [--src PATH]

`--src` runs the bench found at PATH (e.g. a `git worktree` of an older commit) instead of
this one, for a before/after comparison. Prints each command's exit code and the leaderboard.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeserver import FakeOpenAIServer, gold_answers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default=str(ROOT), help="bench checkout to run")
    args = parser.parse_args()
    src = Path(args.src).resolve()
    server = FakeOpenAIServer(gold_answers(ROOT / "questions.jsonl")).start()
    first = json.loads((ROOT / "questions.jsonl").read_text().splitlines()[0])
    server.only_answer = {first["question"]}
    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "seeds", work / "seeds")
        shutil.copyfile(ROOT / "questions.jsonl", work / "questions.jsonl")
        runs = [
            ["--backend", "oracle"], ["--backend", "abstain"],
            ["--backend", "retrieval", "--mode", "corpus"],
            ["--backend", "openai", "--base-url", server.base_url, "--model", "mostly-400",
             "--run-id", "mostly-failing", "-o", "attempts=1"],
            ["--backend", "oracle", "--limit", "5"],
        ]
        for run in runs:
            proc = subprocess.run([sys.executable, "-m", "bench", "run", "--no-progress", *run],
                                  cwd=work, env=env, capture_output=True, text=True, check=False)
            print(f"exit {proc.returncode}: bench run {' '.join(run[:2])} "
                  f"{'(' + ' '.join(run[2:]) + ')' if run[2:] else ''}".replace(
                      server.base_url, "URL"))
        proc = subprocess.run([sys.executable, "-m", "bench", "leaderboard"], cwd=work, env=env,
                              capture_output=True, text=True, check=False)
        print(proc.stdout.split("rank n=")[0].rstrip())
    server.stop()


if __name__ == "__main__":
    main()
