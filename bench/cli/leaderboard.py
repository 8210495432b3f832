"""`bench leaderboard`: rank the result files, print the tables, write json, md and html."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.cli.args import DEFAULT_RESULTS, questions_args
from bench.errors import BenchError, DataError, UsageError
from bench.results.format import clip

if TYPE_CHECKING:
    from bench.corpus import Corpus
    from bench.dataset import QuestionSet


def register(sub: Any) -> None:
    p = sub.add_parser("leaderboard", help="rank the result files; write json, md and html")
    p.add_argument("--results", default=DEFAULT_RESULTS, metavar="DIR")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder (default: --results)")
    questions_args(p)
    p.set_defaults(handler=run)


def question_sources(questions_arg: str | None,
                     seeds_arg: str | None) -> tuple[QuestionSet | None, Corpus | None]:
    """The question set and articles for the per-question view, when they can be had.

    An explicit --questions or --seeds that fails is an error; the defaults are optional.
    """
    from bench.corpus import default_seeds_dir, load_corpus
    from bench.dataset import default_questions_path, load_questions

    qpath = Path(questions_arg) if questions_arg else default_questions_path()
    questions = corpus = None
    try:
        if questions_arg or qpath.exists():
            questions = load_questions(qpath, None)
    except BenchError as exc:
        if questions_arg:
            raise
        print(f"note: {clip(str(exc), 200)}; the per-question view shows no question texts",
              file=sys.stderr)
    seeds = Path(seeds_arg) if seeds_arg else default_seeds_dir()
    try:
        if questions is not None and (seeds_arg or seeds.is_dir()):
            corpus = load_corpus(seeds)
    except BenchError as exc:
        if seeds_arg:
            raise
        print(f"note: {clip(str(exc), 200)}; the per-question view shows no articles",
              file=sys.stderr)
    return questions, corpus


def run(args: argparse.Namespace) -> int:
    from bench.results.leaderboard import gc_paused

    # Everything loaded is freed inside, before the collector runs again.
    with gc_paused():
        return _leaderboard(args)


def _leaderboard(args: argparse.Namespace) -> int:
    from bench.fileio import atomic_write_json, atomic_write_text
    from bench.results.leaderboard import build, group_title
    from bench.results.report_html import render
    from bench.results.tables import curve_table, curve_title, markdown, terminal_table

    results = Path(args.results)
    if not results.is_dir():
        raise UsageError(f"{results}: no such folder of result files; run `bench run` first "
                         "or pass --results DIR")
    out = Path(args.out) if args.out else results
    board, considered = build(results)
    for s in board.skipped:
        print(f"{s['file']}: skipped: {s['error']}", file=sys.stderr)
    if considered == 0:
        raise DataError([f"{results}: no result files (*.json) to rank; run `bench run` first"])
    questions, corpus = question_sources(args.questions, args.seeds)
    if args.questions and questions is not None and not any(
        g.questions_sha256 == questions.sha256 for g in board.groups
    ):
        print(f"note: {questions.path} matches no group's question-set hash; the per-question "
              "view shows no question texts", file=sys.stderr)

    paths = [out / "leaderboard.json", out / "leaderboard.md", out / "leaderboard.html"]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out}: cannot make the output folder ({exc.strerror}); check "
                         "--out") from None
    atomic_write_json(paths[0], board.to_json())
    atomic_write_text(paths[1], markdown(board))
    atomic_write_text(paths[2], render(board, questions, corpus))

    for group in board.groups:
        print(group_title(group))
        print(terminal_table(group))
        print()
    for curve in board.target_curves:
        print(curve_title(curve))
        print(curve_table(curve))
        print()
    if not board.groups:
        print("no result file could be read; nothing ranked\n")
    print("rank n=: not significantly different from rank n (paired bootstrap of F, or of\n"
          "  the score at a confidence target, 95%)\n"
          "rank -: incomplete (an answer failed, was cut off or could not be graded), not "
          "ranked\nn: questions asked; cov%: share of them with a graded answer")
    for path in paths:
        print(f"wrote {path}")
    return 0 if board.groups else 1
