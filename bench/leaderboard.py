"""`bench leaderboard`: rank result files by F-score, per question set and grader.

Rank groups. Within a group (same question-set hash, same grader) runs are sorted by
F-score (then correct rate, then run id). Walking down that order, each run is compared with
the leader of the current rank group, the first run of that group, by a paired bootstrap of
the F-score difference (bench.stats: 1,000 Poisson resamples of the questions both runs
answered, seed 0, 95% percentile interval). If the interval contains 0 the run joins the
leader's group and takes its rank, shown as "1=" (competition ranking: 1, 1=, 3, ...);
otherwise it leads a new group whose rank is its position. Comparing with the leader rather
than the run just above keeps a chain of small steps from tying runs that differ clearly,
and costs one bootstrap per run. Runs with no graded answer have no F-score and rank "-".

leaderboard.json (schema_version 1), for other tools:

    schema_version    1
    generated_at      UTC time written, ISO 8601
    bootstrap         {"resamples", "seed", "level"}: how rank groups were decided
    groups            one per (question-set hash, grader), most runs first:
      questions_sha256  hash of the question set
      grader            grader spec
      n_questions       question ids in any run of the group
      rows              ranked, best first:
        rank            competition rank of the row's rank group (int; null: no F-score)
        rank_label      "1", "1=" (tied with the group's leader), ... or "-"
        run_id, file    the run and its result file name
        model, backend, mode, kind, created_at
        n               records (questions x samples)
        correct_rate, incorrect_rate, not_attempted_rate, accuracy_given_attempted
        f_score, f_score_ci95        F-score and its bootstrap 95% interval [lo, hi] or null
        unreported_n, unreported_correct_rate, unreported_hallucination_rate
        ece, brier      calibration, null when the run gave no confidences
        errors, unscored, latency_median_s, prompt_tokens, completion_tokens
        compared_with   run_id of the rank-group leader this row was tested against, or null
        f_diff, f_diff_ci95          F(compared_with) - F(row) on shared questions, interval
    skipped           [{"file", "error"}]: result files that could not be read

Rates are fractions in [0, 1]. An empty results folder (no *.json result files) is an error:
one line on stderr and exit code 1, nothing written, since it is most likely a wrong --results.
Unreadable files are reported and skipped; if none is left to rank the outputs are still
written (listing the skipped files) and the exit code is 1.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.errors import BenchError, DataError, UsageError
from bench.files import atomic_write_json, atomic_write_text
from bench.records import ResultFile
from bench.report import NotAResultFile, read_result, result_paths, table
from bench.stats import RESAMPLES, PairedBootstrap
from bench.table import clip, pct

SCHEMA_VERSION = 1
SEED = 0
LEVEL = 0.95
GRADED = {"correct": (1, 1), "incorrect": (0, 1), "not_attempted": (0, 0)}


@dataclass
class RankedRun:
    """A result file with its leaderboard row."""

    path: Path
    result: ResultFile
    row: dict[str, Any] = field(default_factory=dict)


@dataclass
class Group:
    """Runs ranked together: one question-set hash, one grader."""

    questions_sha256: str
    grader: str
    runs: list[RankedRun]
    question_ids: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"questions_sha256": self.questions_sha256, "grader": self.grader,
                "n_questions": len(self.question_ids), "rows": [r.row for r in self.runs]}


@dataclass
class Leaderboard:
    groups: list[Group]
    skipped: list[dict[str, str]]
    generated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "bootstrap": {"resamples": RESAMPLES, "seed": SEED, "level": LEVEL},
            "groups": [g.to_json() for g in self.groups],
            "skipped": self.skipped,
        }


def _rounded(pair: Any) -> list[float] | None:
    return [round(pair[0], 6), round(pair[1], 6)] if pair else None


def base_row(path: Path, result: ResultFile) -> dict[str, Any]:
    run, m = result.run, result.metrics
    cal = m.calibration or {}
    un = m.unreported or {}
    return {
        "rank": None, "rank_label": "-", "run_id": run.run_id, "file": path.name,
        "model": run.model, "backend": run.backend, "mode": run.mode, "kind": run.kind,
        "created_at": run.created_at, "n": m.n,
        "correct_rate": m.correct_rate, "incorrect_rate": m.incorrect_rate,
        "not_attempted_rate": m.not_attempted_rate,
        "accuracy_given_attempted": m.accuracy_given_attempted,
        "f_score": m.f_score, "f_score_ci95": _rounded(m.ci95.get("f_score")),
        "unreported_n": un.get("n", 0), "unreported_correct_rate": un.get("correct_rate"),
        "unreported_hallucination_rate": un.get("hallucination_rate"),
        "ece": cal.get("ece"), "brier": cal.get("brier"),
        "errors": m.errors, "unscored": m.unscored, "latency_median_s": m.latency_median_s,
        "prompt_tokens": m.prompt_tokens, "completion_tokens": m.completion_tokens,
        "compared_with": None, "f_diff": None, "f_diff_ci95": None,
    }


def question_counts(result: ResultFile) -> dict[str, tuple[int, int, int]]:
    """Per question id: (correct, attempted, graded) samples; errors and unscored left out."""
    counts: dict[str, list[int]] = {}
    for r in result.records:
        hit = GRADED.get(r.verdict)
        if hit is not None:
            c = counts.setdefault(r.id, [0, 0, 0])
            c[0] += hit[0]
            c[1] += hit[1]
            c[2] += 1
    return {q: (c[0], c[1], c[2]) for q, c in counts.items()}


def _sort_key(run: RankedRun) -> tuple[Any, ...]:
    m = run.result.metrics
    return (m.f_score is None, -(m.f_score or 0.0), -(m.correct_rate or 0.0), run.row["run_id"])


def rank_group(group: Group) -> None:
    """Sort a group's runs and assign rank groups (see the module docstring)."""
    group.runs.sort(key=_sort_key)
    ids = group.question_ids
    boot = PairedBootstrap(len(ids), resamples=RESAMPLES, seed=SEED)
    leader = leader_enc = None
    for pos, run in enumerate(group.runs, 1):
        row = run.row
        if run.result.metrics.f_score is None:
            continue
        counts = question_counts(run.result)
        enc = boot.encode([counts.get(q) for q in ids])
        diff = boot.f_diff(leader_enc, enc, LEVEL) if leader is not None else None
        if leader is not None:
            row["compared_with"] = leader.row["run_id"]
            if diff is not None:
                row["f_diff"] = round(diff.diff, 6)
                row["f_diff_ci95"] = [round(diff.lo, 6), round(diff.hi, 6)]
        if leader is not None and diff is not None and not diff.significant:
            row["rank"] = leader.row["rank"]
            row["rank_label"] = f"{row['rank']}="
        else:
            leader, leader_enc = run, enc
            row["rank"] = pos
            row["rank_label"] = str(pos)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    Otherwise each collection rescans every record loaded so far, which makes reading 200
    files of 1,000 records four times slower. Records hold no cycles: reference counting
    frees them all the same.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(folder: Path) -> tuple[Leaderboard, int]:
    """Read, group and rank every result file of `folder`; also return the files considered."""
    by_key: dict[tuple[str, str], list[RankedRun]] = {}
    skipped: list[dict[str, str]] = []
    considered = 0
    for path in result_paths(folder):
        try:
            result = read_result(path)
        except NotAResultFile:
            continue
        except BenchError as exc:
            considered += 1
            skipped.append({"file": str(path), "error": str(exc).removeprefix(f"{path}: ")})
            continue
        considered += 1
        key = (result.run.questions_sha256, result.run.grader)
        by_key.setdefault(key, []).append(RankedRun(path, result, base_row(path, result)))
    groups = []
    for (sha, grader), runs in by_key.items():
        ids = sorted({r.id for run in runs for r in run.result.records})
        group = Group(sha, grader, runs, ids)
        rank_group(group)
        groups.append(group)
    groups.sort(key=lambda g: (-len(g.runs), g.questions_sha256, g.grader))
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Leaderboard(groups, skipped, now), considered


def _counted(group: Group) -> tuple[str, str]:
    runs, questions = len(group.runs), len(group.question_ids)
    return f"{runs} run{'s' * (runs != 1)}", f"{questions} question{'s' * (questions != 1)}"


def group_title(group: Group) -> str:
    runs, questions = _counted(group)
    return f"questions {group.questions_sha256[:12]} · grader {group.grader} · {runs} · {questions}"


def _num(value: float | None, fmt: str = ".3f") -> str:
    return "-" if value is None else format(value, fmt)


def _ci(pair: list[float] | None) -> str:
    return "-" if not pair else f"{pair[0]:.2f}–{pair[1]:.2f}"


def terminal_table(group: Group) -> str:
    """The ranked table in under 100 columns: rates in percent."""
    header = ("rank", "run", "F", "95% CI", "corr%", "inc%", "n/a%", "acc|a", "ECE", "err",
              "lat s")
    widths = (5, 26, 5, 9, 5, 5, 5, 5, 5, 4, 5)
    rows = []
    for run in group.runs:
        r = run.row
        rows.append((r["rank_label"], r["run_id"], _num(r["f_score"]), _ci(r["f_score_ci95"]),
                     pct(r["correct_rate"]), pct(r["incorrect_rate"]),
                     pct(r["not_attempted_rate"]), pct(r["accuracy_given_attempted"]),
                     _num(r["ece"], ".2f"), str(r["errors"]),
                     _num(r["latency_median_s"], ".2f")))
    return table(header, rows, widths)


def _md(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(board: Leaderboard) -> str:
    out = ["# Leaderboard", "",
           f"Generated {board.generated_at}. Ranked by F-score; rows marked `=` are not "
           "significantly different from the first row of their rank group (paired bootstrap "
           f"of the F-score difference, {RESAMPLES} resamples, seed {SEED}, 95%). Rates in %.",
           ""]
    cols = ("Rank", "Run", "Model", "Backend", "Mode", "Correct", "Incorrect", "Not att.",
            "Acc. given att.", "F (95% CI)", "Unrep. acc.", "Halluc.", "ECE", "Brier",
            "Errors", "Latency s", "Tokens in/out")
    for group in board.groups:
        out += [f"## Questions `{group.questions_sha256[:12]}` · grader `{group.grader}`", "",
                "{}, {}.".format(*_counted(group)), "",
                "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for run in group.runs:
            r = run.row
            cells = (r["rank_label"], r["run_id"], r["model"] or "-", r["backend"] or "-",
                     r["mode"] or "-", pct(r["correct_rate"]), pct(r["incorrect_rate"]),
                     pct(r["not_attempted_rate"]), pct(r["accuracy_given_attempted"]),
                     f"{_num(r['f_score'])} ({_ci(r['f_score_ci95'])})",
                     pct(r["unreported_correct_rate"]), pct(r["unreported_hallucination_rate"]),
                     _num(r["ece"]), _num(r["brier"]), r["errors"],
                     _num(r["latency_median_s"], ".2f"),
                     f"{r['prompt_tokens']}/{r['completion_tokens']}")
            out.append("| " + " | ".join(_md(c) for c in cells) + " |")
        out.append("")
    if board.skipped:
        out += ["## Skipped files", ""]
        out += [f"- `{s['file']}`: {_md(s['error'])}" for s in board.skipped]
        out.append("")
    return "\n".join(out)


def _question_sources(args: argparse.Namespace) -> tuple[Any, Any]:
    """The question set and articles for the per-question view, when they can be had.

    An explicit --questions or --seeds that fails is an error; the defaults are optional.
    """
    from bench.commands import default_questions_path
    from bench.corpus import default_seeds_dir, load_corpus
    from bench.dataset import load_questions

    questions_arg = getattr(args, "questions", None)
    seeds_arg = getattr(args, "seeds", None)
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


def cli_leaderboard(args: argparse.Namespace) -> int:
    # Everything loaded is freed inside, before the collector runs again.
    with _gc_paused():
        return _leaderboard(args)


def _leaderboard(args: argparse.Namespace) -> int:
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
    questions, corpus = _question_sources(args)
    if getattr(args, "questions", None) and questions is not None and not any(
        g.questions_sha256 == questions.sha256 for g in board.groups
    ):
        print(f"note: {questions.path} matches no group's question-set hash; the per-question "
              "view shows no question texts", file=sys.stderr)

    from bench.report_html import render

    paths = [out / "leaderboard.json", out / "leaderboard.md", out / "leaderboard.html"]
    atomic_write_json(paths[0], board.to_json())
    atomic_write_text(paths[1], markdown(board))
    atomic_write_text(paths[2], render(board, questions, corpus))

    for group in board.groups:
        print(group_title(group))
        print(terminal_table(group))
        print()
    if not board.groups:
        print("no result file could be read; nothing ranked\n")
    print("rank n=: not significantly different from rank n (paired bootstrap of F, 95%)")
    for path in paths:
        print(f"wrote {path}")
    return 0 if board.groups else 1
