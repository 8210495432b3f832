"""Saved answers of another system (`bench grade --predictions`), checked line by line."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from bench.dataset import validation_lines
from bench.errors import DataError, UsageError
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
    first: dict[str, int] = {}
    for lineno, raw in enumerate(raw_lines, 1):
        where = f"{shown}:{lineno}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{where}: not UTF-8 (byte {exc.start}); save the file as UTF-8")
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{where}: expected a JSON object, got {type(data).__name__}")
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
                f"{where}: id: duplicate id {pred.id!r} (first at line {first[pred.id]})")
        else:
            first[pred.id] = lineno
            out.append(pred)
    if not out and not problems:
        problems.append(f"{shown}: no predictions (the file is empty)")
    if problems:
        raise DataError(problems)
    return out
