"""Reading result files back: validation with one-line problems, and finding a run by id."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from bench.errors import DataError, UsageError, field_path
from bench.records import READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, Record, ResultFile

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
    if version not in READABLE_SCHEMA_VERSIONS:
        return (f"unknown schema_version {version!r} (this bench reads {SCHEMA_VERSION}); "
                "use the bench version that wrote it"), True
    errors = exc.errors()
    first = errors[0]
    where = field_path(first["loc"]) if first["loc"] else "file"
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
        result = ResultFile.model_validate_json(data)
    except ValidationError as exc:
        problem, looks_like_one = result_problem(data, exc)
        cls = DataError if looks_like_one else NotAResultFile
        raise cls([f"{path}: {problem}"]) from None
    return upgrade(result) if result.schema_version == 1 else result


def upgrade(result: ResultFile) -> ResultFile:
    """A version-1 file read as version 2: its metrics recomputed by today's rules (rates over
    every record, completeness), its selection taken from the ids it has records for."""
    from bench.dataset import selection_sha256
    from bench.results.metrics import compute

    ids = sorted({r.id for r in result.records})
    run = result.run.model_copy(update={"selection_sha256": selection_sha256(ids),
                                        "selected_ids": ids})
    return result.model_copy(update={
        "schema_version": SCHEMA_VERSION, "run": run,
        "metrics": compute(result.records, penalty_k=run.penalty_k,
                           target=run.confidence_target),
    })


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


def first_samples(result: ResultFile) -> dict[str, Record]:
    """Each question's first sample: with --repeats, compare uses sample 0 of each question."""
    out: dict[str, Record] = {}
    for r in result.records:
        if r.id not in out or r.sample < out[r.id].sample:
            out[r.id] = r
    return out


def selection_of(result: ResultFile) -> str:
    """The selection a result covers: recorded, or (older files) the ids it has records for."""
    if result.run.selection_sha256:
        return result.run.selection_sha256
    from bench.dataset import selection_sha256

    return selection_sha256(r.id for r in result.records)
