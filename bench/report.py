"""Reading result files, and the terminal reports on them: `bench show` and `bench compare`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bench.errors import DataError, UsageError
from bench.records import SCHEMA_VERSION, Record, ResultFile
from bench.stats import mcnemar
from bench.table import clip, pct

VERDICTS = ("correct", "incorrect", "not_attempted", "unscored", "error")
NOT_RESULTS = ("leaderboard.json",)
"""Files in a results folder that are ours but not result files."""


class NotAResultFile(DataError):
    """Valid JSON that is some other kind of file: a leaderboard skips it without a word."""


def result_problem(data: bytes, exc: ValidationError) -> tuple[str, bool]:
    """Why `data` is not a valid result file, in one line; and whether it looks like one at all."""
    try:
        raw = json.loads(data)
    except UnicodeDecodeError as err:
        return f"not UTF-8 (byte {err.start})", True
    except ValueError as err:
        detail = f"{err.msg} at line {err.lineno} column {err.colno}" \
            if isinstance(err, json.JSONDecodeError) else str(err)
        return f"not valid JSON ({detail}); the file is corrupt or was cut short", True
    if not isinstance(raw, dict) or not ({"schema_version", "run", "records"} & raw.keys()):
        return "not a result file (no schema_version, run or records)", False
    version = raw.get("schema_version")
    if version != SCHEMA_VERSION:
        return (f"unknown schema_version {version!r} (this bench reads {SCHEMA_VERSION}); "
                "use the bench version that wrote it"), True
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "file"
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}", True


def read_result(path: str | Path) -> ResultFile:
    """Load and validate a result file; DataError (one line, naming the file) if it is not one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return ResultFile.model_validate_json(data)
    except ValidationError as exc:
        problem, looks_like_one = result_problem(data, exc)
        cls = DataError if looks_like_one else NotAResultFile
        raise cls([f"{path}: {problem}"]) from None


def result_paths(folder: Path) -> list[Path]:
    """Candidate result files of a folder: *.json, no dotfiles, no leaderboard.json."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json")
                  if not p.name.startswith(".") and p.name not in NOT_RESULTS and p.is_file())


def resolve_run(spec: str, results: str | Path) -> Path:
    """RUN as a path to a result file, else as a run id in the results folder."""
    results = Path(results)
    as_path = Path(spec)
    if as_path.is_file():
        return as_path
    in_results = results / (spec if spec.endswith(".json") else f"{spec}.json")
    if in_results.is_file():
        return in_results
    tried = as_path if (os.sep in spec or "/" in spec) else in_results
    names = [p.stem for p in result_paths(results)]
    if not names:
        available = f"no result files in {results}/"
    else:
        shown = ", ".join(names[:15]) + (f", ... ({len(names)} in all)" if len(names) > 15 else "")
        available = f"runs in {results}/: {shown}"
    raise UsageError(f"{tried}: no such result file; {available}")


def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> str:
    """Fixed-width text table; every cell is clipped to its column."""
    lines = []
    for cells in (header, *rows):
        lines.append("  ".join(clip(c, w).ljust(w) for c, w in zip(cells, widths, strict=True))
                     .rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width() -> int:
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def describe(result: ResultFile) -> str:
    """Header lines: what the run was, and its headline figures."""
    run, m = result.run, result.metrics
    ci = m.ci95.get("f_score")
    interval = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
    f = "-" if m.f_score is None else f"{m.f_score:.3f}"
    lines = (
        f"run {run.run_id}: model {run.model or '-'}, backend {run.backend or '-'}, "
        f"mode {run.mode or '-'}",
        f"grader {run.grader}, questions {run.questions_sha256[:12]}, {m.n} records",
        f"F {f}{interval}  correct {pct(m.correct_rate)}%  incorrect {pct(m.incorrect_rate)}%  "
        f"not attempted {pct(m.not_attempted_rate)}%  errors {m.errors}",
    )
    return "\n".join(clip(line, _width() - 3) for line in lines)


def _label(r: Record) -> str:
    return r.id if r.sample == 0 else f"{r.id}#{r.sample}"


def cli_show(args: argparse.Namespace) -> int:
    """`bench show RUN`: one run's records as a table, optionally only one verdict or tag."""
    verdict = args.verdict.replace("-", "_") if args.verdict else None
    if verdict is not None and verdict not in VERDICTS:
        raise UsageError(f"--verdict {args.verdict}: unknown verdict; use one of "
                         + ", ".join(VERDICTS))
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
    print(table(("id", "verdict", "response", "gold"), rows, (idw, 13, respw, goldw)))
    filters = [f"{k}={v}" for k, v in (("verdict", verdict), ("tag", args.tag)) if v]
    print(f"\n{len(records)} of {len(result.records)} records shown"
          + (f" ({', '.join(filters)})" if filters else ""))
    return 0


def first_samples(result: ResultFile) -> dict[str, Record]:
    """Each question's first sample: with --repeats, compare uses sample 0 of each question."""
    out: dict[str, Record] = {}
    for r in result.records:
        if r.id not in out or r.sample < out[r.id].sample:
            out[r.id] = r
    return out


def cli_compare(args: argparse.Namespace) -> int:
    """`bench compare A B`: questions whose verdict differs, and McNemar's test on correctness.

    McNemar's test compares correct against not correct (incorrect, not attempted, unscored
    and error alike) on the questions both runs have: the exact two-sided binomial test when
    there are fewer than 25 discordant pairs, else the chi-square with Edwards' continuity
    correction (1 df). With repeats, each question's first sample is used.
    """
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
    print(table(("id", "verdict A", "verdict B", "response A", "response B"), rows,
                (idw, 13, 13, respw, respw)))
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
