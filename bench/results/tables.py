"""The tables people read: a run's headline, the leaderboard in the terminal and in markdown.

Numbers go through `bench.results.format`, so a rate or an F-score looks the same everywhere."""

from __future__ import annotations

from bench.records import Evidence, JudgeUsage, ResultFile, Selective, TargetScore
from bench.results.format import (
    elide,
    fmt_ci,
    fmt_f,
    markdown_table,
    md_cell,
    num,
    pct,
    plural,
    render,
)
from bench.results.leaderboard import RESAMPLES, SEED, Group, Leaderboard, counted, group_name
from bench.results.target_curves import TargetCurve
from bench.targets import penalty, shown


def headline_table(results: list[ResultFile]) -> str:
    """One line a run: rates, F and its interval, the unreported figures, errors."""
    rows = []
    for r in results:
        m = r.metrics
        rows.append([
            r.run.run_id, pct(m.correct_rate), pct(m.incorrect_rate), pct(m.not_attempted_rate),
            pct(m.accuracy_given_attempted), fmt_f(m.f_score), fmt_ci(m.ci95.get("f_score")),
            pct(m.unreported.correct_rate), pct(m.unreported.hallucination_rate), m.errors,
        ])
    return render(["run", "correct%", "incorr%", "n/a%", "acc|att%", "F", "95% CI",
                   "unrep ok%", "halluc%", "errors"], rows)


def result_summary(result: ResultFile) -> list[str]:
    """The headline table, then one line each for calibration, penalty, citations, judge."""
    m = result.metrics
    lines = [headline_table([result])]
    if m.calibration:
        lines.append(f"ECE {m.calibration.ece:.3f}, Brier {m.calibration.brier:.3f}")
    if m.penalty_score is not None:
        lines.append(f"penalty score (k={m.penalty_k:g}) {m.penalty_score:+.3f}")
    if m.target is not None:
        lines.append(target_line(m.target))
    if m.unreported.n or m.over_abstention_rate is not None:
        lines.append(f"two kinds of error: hallucinated on {pct(m.unreported.hallucination_rate)}%"
                     f" of unreported questions, abstained on {pct(m.over_abstention_rate)}% of "
                     "answerable ones (over-abstention)")
    if m.selective is not None:
        lines.append(selective_line(m.selective))
    if m.evidence is not None:
        lines.append(evidence_line(m.evidence))
    if m.prompt_tokens or m.completion_tokens:
        lines.append("tokens: " + _tokens(m.prompt_tokens, m.completion_tokens,
                                          m.reasoning_tokens, m.cost))
    if m.citation_accuracy is not None:
        lines.append(f"citation accuracy {pct(m.citation_accuracy)}%")
    if m.truncated_graded:
        lines.append(f"{m.truncated_graded} {'reply' if m.truncated_graded == 1 else 'replies'} "
                     "cut off by the token limit after a complete answer: graded on the "
                     "complete sentences")
    if m.unscored:
        lines.append(f"{m.unscored} unscored by the judge (excluded from the rates)")
    if result.judge_usage is not None:
        lines.append(judge_usage_line(result.judge_usage))
    a = result.agreement
    if a is not None:
        kappa = "-" if a.kappa is None else f"{a.kappa:.3f}"
        agree = "-" if a.percent is None else f"{a.percent:.1f}%"
        lines.append(f"rules vs judge: {agree} agreement, kappa {kappa}, "
                     f"{len(a.disagreements)} disagreements")
        if a.disagreements:
            lines.append(render(["id", "rules", "judge", "response"],
                                [[d["id"], d["rules"], d["judge"], d["response"]]
                                 for d in a.disagreements[:20]]))
    return lines


def target_line(target: TargetScore) -> str:
    """The score at a confidence target, what a wrong answer cost, and its interval."""
    return (f"at confidence target {shown(target.t)} (a wrong answer costs "
            f"{shown(target.penalty)}, a correct one earns 1): score {num(target.score, '+.3f')} "
            f"(95% CI {fmt_ci(target.ci95)})")


def selective_line(sel: Selective) -> str:
    """What the stated confidences are worth: the risk-coverage area and threshold scores."""
    scores = ", ".join(f"{t}: {num(v, '+.3f')}" for t, v in sel.threshold_scores.items())
    return (f"stated confidences: AURC {num(sel.aurc)} over {sel.n} answers (lower is better); "
            f"score had it abstained below each target: {scores}")


def evidence_line(ev: Evidence) -> str:
    """The quotes given for the answers: missing, fabricated, word for word, supporting."""
    return (f"evidence: {plural(ev.quotes, 'quote')} for {plural(ev.n, 'answer')}; "
            f"missing {pct(ev.missing_rate)}%, fabricated {pct(ev.fabricated_rate)}% of quotes "
            f"(word for word {pct(ev.exact_rate)}%), supported by a gold passage "
            f"{pct(ev.supported_rate)}%; {plural(ev.correct_unsupported, 'correct answer')} "
            "without a supporting quote")


def judge_usage_line(u: JudgeUsage) -> str:
    """The judge's own bill, apart from the run's: calls, cache hits, tokens, cost."""
    return (f"judge: {u.calls} calls, {u.cache_hits} from the cache; tokens "
            + _tokens(u.prompt_tokens, u.completion_tokens, u.reasoning_tokens, u.cost))


def _tokens(prompt: int, completion: int, reasoning: int | None, cost: float | None) -> str:
    """ "in P, out C (reasoning R), cost X": the parts not reported left out."""
    said = "" if reasoning is None else f" (reasoning {reasoning})"
    priced = "" if cost is None else f", cost {cost:.4f}"
    return f"in {prompt}, out {completion}{said}{priced}"


RUN_WIDTH = 26


def terminal_table(group: Group) -> str:
    """The ranked table in under 100 columns: rates in percent; long run ids elided inside.

    `n` is the questions asked and `cov%` the share with a graded answer; rows of incomplete
    runs come last, unranked (`-`)."""
    targeted = group.confidence_target is not None
    header = ("rank", "run", "score" if targeted else "F", "95% CI", "corr%", "inc%", "n/a%",
              "n", "cov%", "err", "ECE")
    widths = (5, RUN_WIDTH, 6 if targeted else 5, 11 if targeted else 9, 5, 5, 5, 4, 5, 4, 4)
    rows = []
    for run in group.runs:
        r = run.row
        figure, ci = ((num(r.target_score, "+.3f"), r.target_score_ci95) if targeted
                      else (fmt_f(r.f_score), r.f_score_ci95))
        rows.append((r.rank_label, elide(r.run_id, RUN_WIDTH), figure,
                     fmt_ci(ci), pct(r.correct_rate), pct(r.incorrect_rate),
                     pct(r.not_attempted_rate), str(r.n_questions), pct(r.coverage),
                     str(r.errors), num(r.ece, ".2f")))
    return render(header, rows, widths=widths)


def curve_table(curve: TargetCurve) -> str:
    """One model across confidence targets: score and abstention at each t."""
    rows = [(shown(p.t), elide(p.run_id, RUN_WIDTH), num(p.score, "+.3f"),
             fmt_ci(p.score_ci95), pct(p.abstention_rate), pct(p.correct_rate),
             pct(p.hallucination_rate), "" if p.complete else "incomplete")
            for p in curve.points]
    return render(("t", "run", "score", "95% CI", "abst%", "corr%", "halluc%", ""), rows,
                  widths=(5, RUN_WIDTH, 6, 11, 5, 5, 7, 10))


TREND_WORDS = {
    "rises": "abstention rises with t: the model follows the target",
    "flat": "abstention is the same at every t: the model ignores the target",
    "mixed": "abstention does not rise steadily with t",
    None: "fewer than two complete runs: no trend",
}


def curve_title(curve: TargetCurve) -> str:
    """ "model · mode at confidence targets 0, 0.5, 0.9: abstention rises with t ..." """
    ts = ", ".join(shown(p.t) for p in curve.points)
    words = TREND_WORDS[curve.trend]
    if curve.trend == "flat" and all(not p.incorrect_rate for p in curve.points if p.complete):
        # A model never wrong has nothing to abstain from: flat says nothing of the target.
        words = "abstention is the same at every t, with no wrong answer to abstain from"
    return f"{curve.name} at confidence targets {ts}: {words}"


def markdown(board: Leaderboard) -> str:
    """leaderboard.md: one table per group, then the skipped files."""
    out = ["# Leaderboard", "",
           f"Generated {board.generated_at}. Ranked by F-score; rows marked `=` are not "
           "significantly different from the first row of their rank group (paired bootstrap "
           f"of the F-score difference, {RESAMPLES} resamples, seed {SEED}, 95%). Rates in %, "
           "over every question asked. Only complete runs (every question answered and graded) "
           "are ranked; incomplete ones follow, unranked (`-`), with their coverage.",
           ""]
    cols = ("Rank", "Run", "Model", "Backend", "Mode", "n", "Coverage", "Correct", "Incorrect",
            "Not att.", "Acc. given att.", "F (95% CI)", "Unrep. acc.", "Halluc.", "ECE",
            "Brier", "Errors", "Truncated", "Latency s", "Tokens in/out", "Reasoning tok.",
            "Cost", "Judge cost", "Over-abst.", "AURC", "Fabricated quotes", "Supported")
    for group in board.groups:
        t = group.confidence_target
        targeted = t is not None
        out += [f"## {group_name(group)}", "", "{}, {}.".format(*counted(group)), ""]
        if t is not None:
            out += [f"Ranked by the score at confidence target {shown(t)} (+1 correct, "
                    f"-{shown(penalty(t))} wrong, 0 not attempted), not by F.", ""]
        rows = []
        for run in group.runs:
            r = run.row
            rows.append((r.rank_label, r.run_id, r.model or "-", r.backend or "-",
                         r.mode or "-", r.n_questions, pct(r.coverage),
                         pct(r.correct_rate), pct(r.incorrect_rate),
                         pct(r.not_attempted_rate), pct(r.accuracy_given_attempted),
                         f"{fmt_f(r.f_score)} ({fmt_ci(r.f_score_ci95)})",
                         pct(r.unreported_correct_rate), pct(r.unreported_hallucination_rate),
                         num(r.ece), num(r.brier), r.errors, r.truncated,
                         num(r.latency_median_s, ".2f"),
                         f"{r.prompt_tokens}/{r.completion_tokens}",
                         "-" if r.reasoning_tokens is None else r.reasoning_tokens,
                         num(r.cost, ".4f"), num(r.judge_cost, ".4f"),
                         pct(r.over_abstention_rate), num(r.aurc),
                         pct(r.fabricated_quote_rate), pct(r.supported_rate))
                        + ((f"{num(r.target_score, '+.3f')} ({fmt_ci(r.target_score_ci95)})",)
                           if targeted else ()))
        out += markdown_table(cols + (("Target score (95% CI)",) if targeted else ()), rows)
        out.append("")
    if board.target_curves:
        out += ["## Behaviour across confidence targets", ""]
        for curve in board.target_curves:
            out += [f"### {curve_title(curve)}", ""]
            out += markdown_table(
                ("t", "Run", "Score (95% CI)", "Abstained", "Correct", "Halluc."),
                [(shown(p.t), p.run_id + ("" if p.complete else " (incomplete)"),
                  f"{num(p.score, '+.3f')} ({fmt_ci(p.score_ci95)})", pct(p.abstention_rate),
                  pct(p.correct_rate), pct(p.hallucination_rate)) for p in curve.points])
            out.append("")
    if board.skipped:
        out += ["## Skipped files", ""]
        out += [f"- `{s['file']}`: {md_cell(s['error'])}" for s in board.skipped]
        out.append("")
    return "\n".join(out)
