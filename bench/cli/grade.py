"""`bench grade`: another system's saved answers, graded like a run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench.cli.args import (
    grader_args,
    grader_settings,
    optional_path,
    parse_list,
    questions_args,
)
from bench.cli.run import target_arg


def register(sub: Any) -> None:
    p = sub.add_parser("grade", help="grade another system's saved answers")
    p.add_argument("--predictions", required=True, metavar="PATH",
                   help='JSONL: {"id", "answer", "confidence"?, "citations"?, "evidence"?} a line')
    questions_args(p)
    grader_args(p)
    p.add_argument("--out", default=None, metavar="PATH",
                   help="result file (default results/<run id>.json)")
    p.add_argument("--run-id", default=None, metavar="ID",
                   help="name of the result (default: the predictions file's name)")
    p.add_argument("--model", default=None, metavar="NAME", help="name of the graded system")
    p.add_argument("--ids", default=None, metavar="ID1,ID2",
                   help="grade only these questions (predictions for others are left out)")
    p.add_argument("--tags", default=None, metavar="T1,T2", help="only questions with a tag")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="first N questions only")
    p.add_argument("--confidence-target", type=target_arg, default=None, metavar="T",
                   help="the confidence target the system was prompted with (0 <= T < 1): "
                   "recorded, and the result scored at it")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bench.cli.run import incomplete_exit
    from bench.pipeline.grade_predictions import GradeSettings, grade_predictions
    from bench.results.tables import result_summary
    from bench.settings import Selection

    settings = GradeSettings(
        predictions=Path(args.predictions), questions=optional_path(args.questions),
        seeds=optional_path(args.seeds), out=optional_path(args.out), run_id=args.run_id,
        model=args.model, graders=grader_settings(args),
        selection=Selection(ids=parse_list(args.ids), tags=parse_list(args.tags),
                            limit=args.limit),
        confidence_target=args.confidence_target,
    )
    outcome = grade_predictions(settings)
    if outcome.missing:
        n = len(outcome.missing)
        shown = ", ".join(outcome.missing[:5]) + (" ..." if n > 5 else "")
        print(f"bench: warning: {n} {'question has' if n == 1 else 'questions have'} no "
              f"prediction ({shown}): counted not attempted and not covered, so the result is "
              "incomplete; to grade part of the set, select it with --ids, --tags or --limit",
              file=sys.stderr)
    for line in result_summary(outcome.result):
        print(line)
    print(f"wrote {outcome.path}")
    return incomplete_exit(outcome.result, rerun="add the missing predictions and grade again")
