"""Saved answers of another system (`bench grade --predictions`), checked line by line."""

from __future__ import annotations

from pathlib import Path

from bench.dataset import jsonl_models
from bench.errors import DataError
from bench.records import Prediction


def load_predictions(path: str | Path, known_ids: set[str]) -> list[Prediction]:
    """Parse predictions JSONL; unknown and duplicate ids are errors with file and line."""
    problems: list[str] = []
    out: list[Prediction] = []
    first: dict[str, str] = {}
    for where, pred in jsonl_models(path, Prediction, "predictions", problems):
        if pred.id not in known_ids:
            problems.append(f"{where}: id: unknown question id {pred.id!r}")
        elif pred.id in first:
            problems.append(
                f"{where}: id: duplicate id {pred.id!r} (first at {first[pred.id]})")
        else:
            first[pred.id] = where
            out.append(pred)
    if not out and not problems:
        problems.append(f"{path}: no predictions (the file is empty)")
    if problems:
        raise DataError(problems)
    return out
