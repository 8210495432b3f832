"""`bench export --results`: every record of the chosen runs as one `datasets.Dataset`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.dataset import write_dataset
from bench.errors import DataError, UsageError
from bench.records import ResultFile

COLUMNS = ("run_id", "model", "backend", "mode", "grader", "questions_sha256", "id", "sample",
           "response", "verdict", "reason", "gold", "answer_type", "tags", "confidence",
           "latency_s", "prompt_tokens", "completion_tokens")


def result_paths(runs: list[str], results_dir: str | Path = "results") -> list[Path]:
    """Result files named by path or run id; none named means every result in `results_dir`."""
    folder = Path(results_dir)
    if not runs:
        paths = sorted(p for p in folder.glob("*.json")
                       if not p.name.startswith((".", "leaderboard")))
        if not paths:
            raise UsageError(f"{folder}: no result files; run `bench run` or `bench grade` first")
        return paths
    out = []
    for run in runs:
        path = Path(run)
        if not path.exists():
            path = folder / f"{run}.json"
        if not path.exists():
            raise UsageError(f"{run}: no such result file (tried {run} and {path})")
        out.append(path)
    return out


def read_result(path: Path) -> ResultFile:
    try:
        return ResultFile.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise DataError([f"{path}: {where}: {err['msg']} (not a bench result file?)"]) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


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


def export_results(runs: list[str], fmt: str, out: str | Path) -> int:
    import datasets

    datasets.disable_progress_bars()
    data = [row for path in result_paths(runs) for row in rows(read_result(path))]
    string, number, integer = (datasets.Value("string"), datasets.Value("float64"),
                               datasets.Value("int64"))
    features = datasets.Features({
        **{c: string for c in COLUMNS},
        "sample": integer, "tags": datasets.Sequence(string), "confidence": number,
        "latency_s": number, "prompt_tokens": integer, "completion_tokens": integer,
    })
    write_dataset(datasets.Dataset.from_list(data, features=features), fmt, out)
    return len(data)
