"""`bench grade --grader llm|both` end to end, the judge on a local OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.judge import TEMPLATE
from tests.fakeserver import FakeOpenAIServer

# The fake server keys replies by the first "Question: ..." of a prompt: in a judge prompt
# that is the first worked example, the same for every item.
FIRST_EXAMPLE = re.search(r"Question: (.*?)\n", TEMPLATE, re.S).group(1).strip()  # type: ignore[union-attr]


@pytest.fixture
def judge_server() -> Iterator[FakeOpenAIServer]:
    srv = FakeOpenAIServer().start()
    yield srv
    srv.stop()


def predictions(workdir: Path, n: int = 6) -> Path:
    lines = [json.loads(x) for x in (workdir / "questions.jsonl").read_text().splitlines()][:n]
    path = workdir / "preds.jsonl"
    path.write_text("".join(json.dumps({"id": q["id"], "answer": "I don't know."}) + "\n"
                            for q in lines))
    return path


def grade(run_bench, preds: Path, url: str, grader: str, out: str):  # type: ignore[no-untyped-def]
    return run_bench("grade", "--predictions", str(preds), "--grader", grader,
                     "--judge-base-url", url, "--judge-model", "ok", "--out", out)


def test_both_graders_report_agreement_and_cache(workdir: Path, run_bench,  # type: ignore[no-untyped-def]
                                                 judge_server: FakeOpenAIServer) -> None:
    judge_server.answers[FIRST_EXAMPLE] = "The response abstains.\nGRADE: C"
    preds = predictions(workdir)
    proc = grade(run_bench, preds, judge_server.base_url, "both", "results/both.json")
    assert proc.returncode == 4, proc.stderr  # predictions for a few questions only
    result = json.loads((workdir / "results/both.json").read_text())
    assert result["run"]["grader"].startswith("both:rules-v1+llm-judge-v1:openai/ok")
    records = [r for r in result["records"] if r["response"]]  # the 6 with a prediction
    assert len(records) == 6
    assert all(r["judge"]["verdict"] == "not_attempted" for r in records)
    assert all(r["judge"] is None for r in result["records"] if not r["response"])
    # the judge says not attempted everywhere; rules say correct on unreported questions
    agree = sum(r["verdict"] == "not_attempted" for r in records)
    assert result["agreement"]["percent"] == pytest.approx(100 * agree / len(records))
    assert len(result["agreement"]["disagreements"]) == len(records) - agree
    assert "agreement" in proc.stdout and "kappa" in proc.stdout
    asked = len(judge_server.requests)
    assert asked == len(records)
    again = grade(run_bench, preds, judge_server.base_url, "llm", "results/llm.json")
    assert again.returncode == 4
    assert len(judge_server.requests) == asked  # every reply came from the cache


def test_unparseable_judge_reply_is_unscored(workdir: Path, run_bench,  # type: ignore[no-untyped-def]
                                             judge_server: FakeOpenAIServer) -> None:
    judge_server.answers[FIRST_EXAMPLE] = "I think the response is correct."
    proc = grade(run_bench, predictions(workdir, 3), judge_server.base_url, "llm",
                 "results/llm.json")
    assert proc.returncode == 4, proc.stderr  # unscored items leave the result incomplete
    result = json.loads((workdir / "results/llm.json").read_text())
    answered = [r for r in result["records"] if r["response"]]
    assert len(answered) == 3 and {r["verdict"] for r in answered} == {"unscored"}
    assert all("no GRADE line" in r["reason"] for r in answered)
    # questions with no prediction are not attempted, and never sent to the judge
    assert len(judge_server.requests) == 3
    m = result["metrics"]
    assert m["unscored"] == 3 and m["not_attempted"] == m["graded"] == 88
