"""The rule grader against every labelled table in tests/data: agreement, the precision of
its decided verdicts, the undecided share, answers graded correct although labelled otherwise,
and `hybrid` with a perfect judge (one that answers from the labels), per table and style.

    python benchmarks/agreement_tables.py [--styles]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dataset import load_questions  # noqa: E402
from bench.grading.graders import Hybrid, RulesOnly  # noqa: E402
from bench.grading.judge import Judge  # noqa: E402
from bench.grading.labels import load_labels, measure  # noqa: E402
from bench.grading.rules import RuleGrader  # noqa: E402
from tests.labeljudge import LabelJudge  # noqa: E402

DATA = ROOT / "tests" / "data"
TABLES = [
    ("realistic_cases.jsonl", None), ("realistic_cases_2.jsonl", None),
    ("general_cases.jsonl", "general_questions.jsonl"),
    ("general_cases_2.jsonl", "general_questions_2.jsonl"),
    ("labelled_v3_cases.jsonl", None), ("general_cases_3.jsonl", "general_questions_3.jsonl"),
    ("labelled_v4_cases.jsonl", None), ("general_cases_5.jsonl", "general_questions_5.jsonl"),
    ("held_out_v6_cases.jsonl", None),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--styles", action="store_true", help="also per style")
    args = ap.parse_args()
    print(f"{'table':26} {'n':>4} {'agree':>6} {'realist':>7} {'dec.prec':>8} {'undec':>6} "
          f"{'wrong-C':>7} {'hybrid*':>7}")
    for labels_name, questions_name in TABLES:
        qs = load_questions(DATA / questions_name if questions_name else ROOT / "questions.jsonl",
                            None)
        labels = load_labels(DATA / labels_name, qs)
        rules = measure(labels, RulesOnly(RuleGrader(qs.questions)))
        real = [lab for lab in labels if lab.item.style != "adversarial"]
        realistic = measure(real, RulesOnly(RuleGrader(qs.questions))).percent
        judge = Judge(LabelJudge(labels), "labels/perfect", None)
        hybrid = measure(labels, Hybrid(RuleGrader(qs.questions), judge)).percent
        _, dp = rules.decided or (0, None)
        print(f"{labels_name:26} {rules.n:4} {rules.percent:6.1f} {realistic:7.1f} "
              f"{dp or 0:8.1f} {100 * (rules.undecided or 0) / rules.n:6.1f} "
              f"{rules.wrongly_correct:7} {hybrid:7.1f}")
        if args.styles:
            for style, (n, p) in rules.by_style.items():
                _, sp = rules.decided_by_style.get(style, (0, None))
                print(f"    {style:22} {n:4} {p or 0:6.1f} {'':7} {sp or 0:8.1f} "
                      f"{rules.undecided_by_style.get(style, 0):6.1f}")
    print("hybrid*: --grader hybrid with a perfect judge (it answers from the labels)")


if __name__ == "__main__":
    main()
