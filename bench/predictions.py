"""Saved answers of another system (`bench grade --predictions`), checked line by line."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from bench.dataset import validation_lines
from bench.errors import DataError, UsageError
from bench.files import jsonl_objects
from bench.records import Prediction


def load_predictions(path: str | Path, known_ids: set[str]) -> list[Prediction]:
    """Parse predictions JSONL; unknown and duplicate ids are errors with file and line."""
    shown = str(path)
    try:
        raw_lines = Path(path).read_bytes().splitlines()
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read ({exc.strerror}); check --predictions") from None
    problems: list[str] = []
    out: list[Prediction] = []
    first: dict[str, str] = {}
    for where, data, problem in jsonl_objects(raw_lines, shown):
        if problem:
            problems.append(problem)
            continue
        try:
            pred = Prediction.model_validate(data)
        except ValidationError as exc:
            problems.extend(f"{where}: {line}" for line in validation_lines(exc))
            continue
        if pred.id not in known_ids:
            problems.append(f"{where}: id: unknown question id {pred.id!r}")
        elif pred.id in first:
            problems.append(
                f"{where}: id: duplicate id {pred.id!r} (first at {first[pred.id]})")
        else:
            first[pred.id] = where
            out.append(pred)
    if not out and not problems:
        problems.append(f"{shown}: no predictions (the file is empty)")
    if problems:
        raise DataError(problems)
    return out
