"""`bench show` (one run, question by question) and `bench compare` (two runs, McNemar)."""

from __future__ import annotations

import argparse
import shutil
from typing import TYPE_CHECKING, Any

from bench.cli.args import DEFAULT_RESULTS
from bench.errors import UsageError
from bench.results.format import clip, fmt_ci, fmt_f, pct, render

if TYPE_CHECKING:  # the command modules stay light: `bench --help` imports them all
    from bench.records import Record, ResultFile


def register(sub: Any) -> None:
    p = sub.add_parser("show", help="one run's answers, question by question")
    p.add_argument("run", metavar="RUN", help="result file, or run id in results/")
    p.add_argument("--verdict", default=None, help="only this verdict")
    p.add_argument("--tag", default=None, help="only questions with this tag")
    p.add_argument("--results", default=DEFAULT_RESULTS, metavar="DIR")
    p.set_defaults(handler=run_show)

    p = sub.add_parser("compare", help="questions whose verdict differs between two runs")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--results", default=DEFAULT_RESULTS, metavar="DIR")
    p.set_defaults(handler=run_compare)


def _width() -> int:
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def describe(result: ResultFile) -> str:
    """Header lines: what the run was, and its headline figures."""
    run, m = result.run, result.metrics
    ci = m.ci95.get("f_score")
    interval = f" [{fmt_ci(ci)}]" if ci else ""
    f = fmt_f(m.f_score)
    lines = [
        f"run {run.run_id}: model {run.model or '-'}, backend {run.backend or '-'}, "
        f"mode {run.mode or '-'}",
        f"grader {run.grader}, questions {run.questions_sha256[:12]}, {m.n} records",
        f"F {f}{interval}  correct {pct(m.correct_rate)}%  incorrect {pct(m.incorrect_rate)}%  "
        f"not attempted {pct(m.not_attempted_rate)}%  errors {m.errors}",
    ]
    from bench.results.tables import evidence_line, selective_line, target_line

    # The measurements a run may carry beside its rates: each on its own (wrapped) line.
    extra = [target_line(m.target) if m.target else None,
             selective_line(m.selective) if m.selective else None,
             evidence_line(m.evidence) if m.evidence else None]
    return "\n".join([*(clip(line, _width() - 3) for line in lines),
                      *(x for x in extra if x)])


def _label(r: Record) -> str:
    return r.id if r.sample == 0 else f"{r.id}#{r.sample}"


def run_show(args: argparse.Namespace) -> int:
    """`bench show RUN`: one run's records as a table, optionally only one verdict or tag."""
    from bench.results.read import read_result, resolve_run
    from bench.verdicts import Verdict

    verdict = args.verdict.replace("-", "_") if args.verdict else None
    if verdict is not None and verdict not in set(Verdict):
        raise UsageError(f"--verdict {args.verdict}: unknown verdict; use one of "
                         + ", ".join(Verdict))
    result = read_result(resolve_run(args.run, args.results))
    records = result.records
    if args.tag is not None:
        tags = sorted({t for r in records for t in r.tags})
        if args.tag not in tags:
            raise UsageError(f"--tag {args.tag}: no question of run {result.run.run_id} has it; "
                             f"tags: {', '.join(tags) or '(none)'}")
        records = [r for r in records if args.tag in r.tags]
    if verdict is not None:
        records = [r for r in records if r.verdict == verdict]
    idw = min(24, max([len(_label(r)) for r in records] + [2]))
    free = _width() - idw - 13 - 6
    respw, goldw = max(10, free * 3 // 5), max(8, free - free * 3 // 5)
    rows = [(_label(r), r.verdict, r.response, r.gold if r.gold is not None else "(unreported)")
            for r in records]
    print(describe(result))
    print()
    print(render(("id", "verdict", "response", "gold"), rows, widths=(idw, 13, respw, goldw)))
    filters = [f"{k}={v}" for k, v in (("verdict", verdict), ("tag", args.tag)) if v]
    print(f"\n{len(records)} of {len(result.records)} records shown"
          + (f" ({', '.join(filters)})" if filters else ""))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """`bench compare A B`: questions whose verdict differs, and McNemar's test on correctness.

    McNemar's test compares correct against not correct (incorrect, not attempted, unscored
    and error alike) on the questions both runs have: the exact two-sided binomial test when
    there are fewer than 25 discordant pairs, else the chi-square with Edwards' continuity
    correction (1 df). With repeats, each question's first sample is used.
    """
    from bench.results.read import first_samples, read_result, resolve_run
    from bench.results.stats import mcnemar

    a = read_result(resolve_run(args.run_a, args.results))
    b = read_result(resolve_run(args.run_b, args.results))
    ra, rb = first_samples(a), first_samples(b)
    shared = [q for q in ra if q in rb]
    differ = [q for q in shared if ra[q].verdict != rb[q].verdict]
    better_a = sum(ra[q].verdict == "correct" and rb[q].verdict != "correct" for q in shared)
    better_b = sum(rb[q].verdict == "correct" and ra[q].verdict != "correct" for q in shared)
    test = mcnemar(better_a, better_b)

    print("A: " + describe(a).replace("\n", "\n   "))
    print("B: " + describe(b).replace("\n", "\n   "))
    if a.run.questions_sha256 != b.run.questions_sha256:
        print(f"note: different question sets ({a.run.questions_sha256[:12]} vs "
              f"{b.run.questions_sha256[:12]}); comparing the ids both have")
    print()
    idw = min(20, max([len(q) for q in differ] + [2]))
    respw = max(10, (_width() - idw - 2 * 13 - 8) // 2)
    rows = [(q, ra[q].verdict, rb[q].verdict, ra[q].response, rb[q].response) for q in differ]
    print(render(("id", "verdict A", "verdict B", "response A", "response B"), rows,
                 widths=(idw, 13, 13, respw, respw)))
    print()
    print(f"{len(differ)} of {len(shared)} shared questions differ in verdict "
          f"(only in A: {len(ra) - len(shared)}, only in B: {len(rb) - len(shared)})")
    correct_a = sum(ra[q].verdict == "correct" for q in shared)
    correct_b = sum(rb[q].verdict == "correct" for q in shared)
    if test.method == "exact":
        how = "exact binomial, two-sided"
    else:
        how = f"chi-square, continuity-corrected, chi2 = {test.statistic:.3f}"
    print(f"correct: A {correct_a}, B {correct_b}; only A correct: {test.b}, "
          f"only B correct: {test.c}")
    print(f"McNemar ({how}; {test.b + test.c} discordant): p = {test.p_value:.4g}")
    return 0
