"""`bench export --results`: every record of the chosen runs as one `datasets.Dataset`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.dataset import write_dataset
from bench.errors import UsageError
from bench.records import ResultFile
from bench.results.read import read_result, resolve_run, result_paths

COLUMNS = ("run_id", "model", "backend", "mode", "grader", "questions_sha256", "id", "sample",
           "response", "verdict", "reason", "gold", "answer_type", "tags", "confidence",
           "latency_s", "prompt_tokens", "completion_tokens")


def chosen_results(runs: list[str], results_dir: str | Path = "results") -> list[Path]:
    """Result files named by path or run id; none named means every result in `results_dir`."""
    if runs:
        return [resolve_run(run, results_dir) for run in runs]
    paths = result_paths(Path(results_dir))
    if not paths:
        raise UsageError(f"{results_dir}: no result files; run `bench run` or `bench grade` first")
    return paths


def rows(result: ResultFile) -> list[dict[str, Any]]:
    run = result.run
    return [
        {
            "run_id": run.run_id, "model": run.model, "backend": run.backend, "mode": run.mode,
            "grader": run.grader, "questions_sha256": run.questions_sha256, "id": r.id,
            "sample": r.sample, "response": r.response, "verdict": r.verdict, "reason": r.reason,
            "gold": r.gold, "answer_type": r.answer_type, "tags": list(r.tags),
            "confidence": r.confidence, "latency_s": r.latency_s,
            "prompt_tokens": r.usage.prompt_tokens if r.usage else None,
            "completion_tokens": r.usage.completion_tokens if r.usage else None,
        }
        for r in result.records
    ]


def export_results(runs: list[str], fmt: str, out: str | Path,
                   results_dir: str | Path = "results") -> int:
    """Write every record of the chosen runs as one dataset; return the number of rows."""
    import datasets

    datasets.disable_progress_bars()
    data = [row for path in chosen_results(runs) for row in rows(read_result(path))]
    string, number, integer = (datasets.Value("string"), datasets.Value("float64"),
                               datasets.Value("int64"))
    features = datasets.Features({
        **{c: string for c in COLUMNS},
        "sample": integer, "tags": datasets.Sequence(string), "confidence": number,
        "latency_s": number, "prompt_tokens": integer, "completion_tokens": integer,
    })
    write_dataset(datasets.Dataset.from_list(data, features=features), fmt, out)
    return len(data)
