"""`bench agreement`: a grader (rules, an LLM judge, or both in hybrid) against careful labels."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from bench.cli.args import DEFAULT_RESULTS, grader_args

if TYPE_CHECKING:
    from bench.grading.labels import Report


def register(sub: Any) -> None:
    p = sub.add_parser(
        "agreement", help="measure a grader against labelled responses",
        description='Grade labelled responses ({"id", "response", "label", "style"?} a line) '
        "and print agreement, Cohen's kappa, the confusion matrix, per-class precision and "
        "recall, agreement by style and the disagreements with their rules.")
    p.add_argument("--labels", required=True, metavar="FILE",
                   help='JSONL: {"id", "response", "label"} a line; label is correct, '
                   "incorrect or not_attempted")
    p.add_argument("--questions", default=None, metavar="PATH",
                   help="the question set the ids refer to (default: questions.jsonl); a set "
                   "of your own is not checked against our articles unless --seeds is given")
    p.add_argument("--seeds", default=None, metavar="DIR",
                   help="check the question set's citations against this folder of articles")
    grader_args(p, both=False, penalty=False)
    p.add_argument("--show", type=int, default=50, metavar="N",
                   help="disagreements to print (default 50; 0: none)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bench.cli.args import grader_settings
    from bench.corpus import load_corpus
    from bench.dataset import default_questions_path, load_questions
    from bench.grading.graders import make_grader
    from bench.grading.labels import load_labels, measure

    # A set of one's own cites articles we do not have: check citations only when asked to.
    corpus = load_corpus(args.seeds) if args.seeds or not args.questions else None
    qs = load_questions(args.questions or default_questions_path(), corpus)
    labels = load_labels(args.labels, qs)
    grader = make_grader(grader_settings(args), qs.questions, Path(DEFAULT_RESULTS))
    report = measure(labels, grader)
    if args.json:
        from dataclasses import asdict

        data = asdict(report)
        data["judge_usage"] = report.judge_usage and report.judge_usage.model_dump(mode="json")
        print(json.dumps(data, indent=1, ensure_ascii=False))
        return 0
    for line in render(report, args.labels, args.grader, args.show):
        print(line)
    return 0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def render(r: Report, labels: str, kind: str, show: int) -> list[str]:
    from bench.results.format import render as table

    kappa = "-" if r.kappa is None else f"{r.kappa:.3f}"
    agree = "-" if r.percent is None else f"{r.percent:.1f}%"
    out = [f"{labels}: {r.n} labelled responses graded by {r.grader}",
           f"agreement {agree}, Cohen's kappa {kappa}"
           + (f"; {r.unscored} unscored by the judge (left out)" if r.unscored else "")]
    if r.undecided is not None and r.n:
        share = f"{r.undecided} ({100 * r.undecided / (r.n + r.unscored):.1f}%)"
        out.append(f"sent to the judge (rules undecided): {share}" if kind == "hybrid"
                   else f"undecided by the rules (best guess kept): {share}")
    if r.decided is not None:
        n, p = r.decided
        out.append(f"decided by the rules: {n}, of which {'-' if p is None else f'{p:.1f}%'} "
                   "agree with the label (precision of decided verdicts)")
    out.append(f"graded correct although labelled otherwise: {r.wrongly_correct}")
    if r.judge_usage is not None:
        from bench.results.tables import judge_usage_line

        out.append(judge_usage_line(r.judge_usage))
    names = list(r.confusion)
    out += ["", "confusion (rows: label, columns: grader)",
            table(["label", *names], [[k, *r.confusion[k].values()] for k in names]),
            "", table(["class", "precision", "recall"],
                      [[k, _pct(r.precision[k]), _pct(r.recall[k])] for k in names])]
    if len(r.by_style) > 1 or "-" not in r.by_style:
        def cell(p: float | None) -> str:
            return "-" if p is None else f"{p:.1f}%"

        rows = []
        for s, (n, p) in r.by_style.items():
            dn, dp = r.decided_by_style.get(s, (0, None))
            rows.append([s, n, cell(p), cell(r.undecided_by_style.get(s)), dn, cell(dp)])
        out += ["", table(["style", "n", "agreement", "undecided", "decided",
                           "decided precision"], rows)]
    if r.disagreements and show:
        out += ["", f"disagreements ({len(r.disagreements)}):"]
        for d in r.disagreements[:show]:
            text = " ".join(d.response.split())
            text = text if len(text) <= 160 else text[:157] + "..."
            out.append(f"{d.where}: {d.id} [{d.style or '-'}] label {d.label}, grader {d.got} "
                       f"({d.rule}: {d.reason}) | {text}")
        if len(r.disagreements) > show:
            out.append(f"... {len(r.disagreements) - show} more (--show N)")
    return out
