"""Batch files: export, an engine's outputs in vLLM's and OpenAI's formats, import; the real
CLI in a subprocess."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.batch.lines import CUSTOM_ID
from tests.fakeserver import gold_answers

ROOT = Path(__file__).resolve().parent.parent
_QUESTION = re.compile(r"Question: (.*?)\n", re.S)


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 3, "total_tokens": 43}}


def run_batch_like_vllm(requests: Path, out: Path, fail: int = 0, seed: int = 0) -> list[str]:
    """What `vllm run-batch -i requests -o out` writes: one line per request, any order; a
    failed one with a 4xx/5xx status, a null body and an error string. The failed ids."""
    answers = gold_answers(ROOT / "questions.jsonl")
    lines = [json.loads(x) for x in requests.read_text().splitlines() if x.strip()]
    rows, failed = [], []
    for n, req in enumerate(lines):
        if n < fail:
            failed.append(req["custom_id"])
            rows.append({"id": f"vllm-{n}", "custom_id": req["custom_id"],
                         "response": {"status_code": 500, "request_id": f"r{n}", "body": None},
                         "error": "Internal server error: out of memory"})
            continue
        question = _QUESTION.search(req["body"]["messages"][-1]["content"]).group(1).strip()
        rows.append({"id": f"vllm-{n}", "custom_id": req["custom_id"],
                     "response": {"status_code": 200, "request_id": f"r{n}",
                                  "body": completion(req["body"], answers[question])},
                     "error": None})
    random.Random(seed).shuffle(rows)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return failed


EXPORT = ("batch", "export", "requests.jsonl", "--model", "my-model", "--limit", "12",
          "--run-id", "b1")


def test_export_then_vllm_output_with_failures_then_the_missing_ones(workdir: Path) -> None:
    proc = bench(*EXPORT, cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    requests = [json.loads(x) for x in (workdir / "requests.jsonl").read_text().splitlines()]
    assert len(requests) == 12
    assert all(CUSTOM_ID.fullmatch(r["custom_id"]) for r in requests)
    assert {r["url"] for r in requests} == {"/v1/chat/completions"}
    body = requests[0]["body"]
    assert body["model"] == "my-model" and body["max_tokens"] == 128 and body["stop"] == ["\n\n"]

    failed = run_batch_like_vllm(workdir / "requests.jsonl", workdir / "out.jsonl", fail=3)
    first = bench("batch", "import", "out.jsonl", "--run-id", "b1", cwd=workdir)
    assert first.returncode == 4, first.stderr
    assert "imported 9 answers and 3 errors" in first.stdout
    # The hint gives the export command with every flag that shapes the requests.
    assert "export the missing ones (python -m bench batch export requests.jsonl --model "\
        "my-model --limit 12 --run-id b1)" in first.stderr
    result = json.loads((workdir / "results" / "b1.json").read_text())
    assert (result["metrics"]["errors"], result["metrics"]["correct"]) == (3, 9)

    # resume = export the missing ones: exactly the 3 failed requests
    again = bench(*EXPORT[:2], "missing.jsonl", *EXPORT[3:], cwd=workdir)
    assert again.returncode == 0, again.stderr
    missing = [json.loads(x) for x in (workdir / "missing.jsonl").read_text().splitlines()]
    assert sorted(r["custom_id"] for r in missing) == sorted(failed)
    run_batch_like_vllm(workdir / "missing.jsonl", workdir / "out2.jsonl")
    done = bench("batch", "import", "out2.jsonl", "out.jsonl", "--run-id", "b1", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "12 already answered, kept" in done.stdout  # out.jsonl again: nothing replaced
    result = json.loads((workdir / "results" / "b1.json").read_text())
    assert result["metrics"]["complete"] and result["metrics"]["correct"] == 12


def test_openai_output_and_error_files_in_any_order(workdir: Path) -> None:
    assert bench(*EXPORT, cwd=workdir).returncode == 0
    requests = [json.loads(x) for x in (workdir / "requests.jsonl").read_text().splitlines()]
    answers = gold_answers(ROOT / "questions.jsonl")
    ok, errors = [], []
    for n, req in enumerate(requests):
        if n % 4 == 0:  # OpenAI puts failed requests in a separate error file
            errors.append({"id": f"batch_req_{n}", "custom_id": req["custom_id"],
                           "response": {"status_code": 400, "request_id": f"r{n}",
                                        "body": {"error": {"message": "bad input",
                                                           "type": "invalid_request_error"}}},
                           "error": None})
        else:
            q = _QUESTION.search(req["body"]["messages"][-1]["content"]).group(1).strip()
            ok.append({"id": f"batch_req_{n}", "custom_id": req["custom_id"],
                       "response": {"status_code": 200, "request_id": f"r{n}",
                                    "body": completion(req["body"], answers[q])},
                       "error": None})
    (workdir / "errors.jsonl").write_text("".join(json.dumps(r) + "\n" for r in errors))
    (workdir / "output.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ok[::-1]))
    proc = bench("batch", "import", "errors.jsonl", "output.jsonl", "--run-id", "b1",
                 cwd=workdir)
    assert proc.returncode == 4
    records = json.loads((workdir / "results" / "b1.json").read_text())["records"]
    bad = [r for r in records if r["verdict"] == "error"]
    assert len(bad) == 3 and all("HTTP 400: bad input" in r["reason"] for r in bad)


def test_bad_lines_get_one_clear_line_each_and_nothing_is_lost(workdir: Path) -> None:
    assert bench(*EXPORT, cwd=workdir).returncode == 0
    run_batch_like_vllm(workdir / "requests.jsonl", workdir / "out.jsonl")
    good = (workdir / "out.jsonl").read_text().splitlines()
    other = json.loads(good[0])
    other["custom_id"] = "0badc0de_heli-date_0"
    unknown = json.loads(good[1])
    unknown["custom_id"] = unknown["custom_id"].split("_")[0] + "_no-such-question_0"
    lines = [*good, "{not json", json.dumps(other), json.dumps(unknown), good[2]]
    (workdir / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    proc = bench("batch", "import", "mixed.jsonl", "--run-id", "b1", cwd=workdir)
    assert proc.returncode == 0, proc.stderr  # every question answered: complete
    warnings = [x for x in proc.stderr.splitlines() if x.startswith("bench: warning:")]
    assert len(warnings) == 3
    assert "mixed.jsonl:13: not a batch output line" in warnings[0]
    assert "mixed.jsonl:14: 0badc0de_heli-date_0: belongs to another run" in warnings[1]
    assert "mixed.jsonl:15:" in warnings[2] and "unknown custom_id" in warnings[2]
    assert "1 already answered, kept" in proc.stdout  # the duplicate of line 3


def test_shards_split_the_requests(workdir: Path) -> None:
    proc = bench(*EXPORT, "--shards", "3", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    shards = sorted(workdir.glob("requests.*-of-3.jsonl"))
    sizes = [len(p.read_text().splitlines()) for p in shards]
    assert sizes == [4, 4, 4]
    outs = []
    for n, shard in enumerate(shards):
        outs.append(f"out{n}.jsonl")
        run_batch_like_vllm(shard, workdir / outs[-1], seed=n)
    assert bench("batch", "import", *outs, "--run-id", "b1", cwd=workdir).returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (("batch", "import", "x.jsonl", "--run-id", "never"), "no journal of run never"),
    (("batch", "export", "r.jsonl", "--model", "m", "--shards", "0"), "--shards must be"),
])
def test_batch_usage_errors(workdir: Path, args: tuple[str, ...], message: str) -> None:
    proc = bench(*args, cwd=workdir)
    assert proc.returncode == 2 and message in proc.stderr


def test_secret_options_never_reach_the_journal(workdir: Path) -> None:
    proc = bench(*EXPORT, "-o", 'headers={"X-Api-Token": "s3cret-value"}', cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    for path in (workdir / "results").iterdir():
        assert "s3cret-value" not in path.read_text()
