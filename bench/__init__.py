"""bench: a fact-question benchmark and evaluator for QA and LLM systems.

The library's entry points, importable from here (each loaded on first use, so that
`import bench` stays light):

    from bench import RunSettings, run_eval, grade_predictions, build_leaderboard
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "RunSettings": ("bench.settings", "RunSettings"),
    "Selection": ("bench.settings", "Selection"),
    "GraderSettings": ("bench.settings", "GraderSettings"),
    "run_eval": ("bench.pipeline.run", "run_eval"),
    "GradeSettings": ("bench.pipeline.grade_predictions", "GradeSettings"),
    "grade_predictions": ("bench.pipeline.grade_predictions", "grade_predictions"),
    "build_leaderboard": ("bench.results.leaderboard", "build"),
}
__all__ = ["GradeSettings", "GraderSettings", "RunSettings", "Selection", "__version__",
           "build_leaderboard", "grade_predictions", "run_eval"]

if TYPE_CHECKING:
    from bench.pipeline.grade_predictions import GradeSettings, grade_predictions
    from bench.pipeline.run import run_eval
    from bench.results.leaderboard import build as build_leaderboard
    from bench.settings import GraderSettings, RunSettings, Selection


def __getattr__(name: str) -> Any:
    try:
        module, attr = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'bench' has no attribute {name!r}") from None
    return getattr(import_module(module), attr)
