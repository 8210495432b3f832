"""`bench export --results`: every record of the chosen runs as one datasets.Dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.parametrize("fmt", ["parquet", "hf"])
def test_run_records_export_and_load_back(workdir: Path, run_bench,  # type: ignore[no-untyped-def]
                                          fmt: str) -> None:
    for backend in ("oracle", "abstain"):
        proc = run_bench("run", "--backend", backend, "--no-progress", "--limit", "5")
        assert proc.returncode == 0, proc.stderr
    out = workdir / ("runs.parquet" if fmt == "parquet" else "runs")
    proc = run_bench("export", str(out), "--format", fmt, "--results")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 10 records" in proc.stdout

    import datasets

    ds = datasets.Dataset.from_parquet(str(out)) if fmt == "parquet" \
        else datasets.load_from_disk(str(out))
    rows = ds.to_list()
    assert len(rows) == 10
    by_run = {r["run_id"] for r in rows}
    # a 5-question run has its own default id: it never replaces a full run's result
    assert by_run == {"oracle-oracle-closed-book-5q", "abstain-abstain-closed-book-5q"}
    oracle = json.loads((workdir / "results/oracle-oracle-closed-book-5q.json").read_text())
    first = oracle["records"][0]
    row = next(r for r in rows if r["run_id"].startswith("oracle") and r["id"] == first["id"])
    assert (row["response"], row["verdict"], row["reason"]) == (
        first["response"], first["verdict"], first["reason"])
    assert row["questions_sha256"] == oracle["run"]["questions_sha256"]


def test_export_of_an_unknown_run_is_one_line(workdir: Path,  # type: ignore[no-untyped-def]
                                              run_bench) -> None:
    proc = run_bench("export", "out.parquet", "--results", "nope")
    assert proc.returncode == 2
    assert proc.stderr.startswith("bench: error: results/nope.json: no such result file")
    assert not (workdir / "out.parquet").exists()
