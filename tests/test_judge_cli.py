"""`bench grade --grader llm|both` end to end, the judge on a local OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.grading.judge import TEMPLATE
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
    assert result["run"]["grader"].startswith("both:rules-v3+llm-judge-v1:openai/ok")
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
    usage = result["judge_usage"]  # the judge's own bill, apart from the graded system's
    assert (usage["calls"], usage["cache_hits"]) == (6, 0)
    assert usage["prompt_tokens"] > 6 * 300 and usage["cost"] is None
    assert result["metrics"]["prompt_tokens"] == 0  # saved answers cost the run nothing
    assert "judge: 6 calls, 0 from the cache; tokens in" in proc.stdout
    again = grade(run_bench, preds, judge_server.base_url, "llm", "results/llm.json")
    assert again.returncode == 4
    assert len(judge_server.requests) == asked  # every reply came from the cache
    usage = json.loads((workdir / "results/llm.json").read_text())["judge_usage"]
    assert (usage["calls"], usage["cache_hits"], usage["prompt_tokens"]) == (0, 6, 0)


def test_judge_template_of_ones_own_is_used_and_hashed(
        workdir: Path, run_bench, judge_server: FakeOpenAIServer) -> None:  # type: ignore[no-untyped-def]
    (workdir / "judge.txt").write_text(
        'Grade as JSON-minded people do: {"ok": true}.\nQuestion: {question}\n'
        "Gold: {gold}\nResponse: {response}\nEnd with GRADE: A, B or C.\n")
    preds = predictions(workdir, 2)
    for q in [json.loads(x) for x in preds.read_text().splitlines()]:
        text = next(json.loads(x)["question"] for x in
                    (workdir / "questions.jsonl").read_text().splitlines()
                    if json.loads(x)["id"] == q["id"])
        judge_server.answers[text] = "GRADE: C"
    proc = run_bench("grade", "--predictions", str(preds), "--grader", "llm",
                     "--judge-base-url", judge_server.base_url, "--judge-model", "ok",
                     "--judge-template", "judge.txt", "--out", "results/t.json")
    assert proc.returncode == 4, proc.stderr
    result = json.loads((workdir / "results/t.json").read_text())
    assert re.fullmatch(r"llm-judge-v1\+template-[0-9a-f]{12}:openai/ok",
                        result["run"]["grader"])
    prompt = judge_server.bodies[0]["messages"][0]["content"]  # type: ignore[index]
    assert prompt.startswith('Grade as JSON-minded people do: {"ok": true}.\nQuestion: ')
    assert "{gold}" not in prompt and "Response: I don't know." in prompt
    (workdir / "bad.txt").write_text("Question: {question}\nResponse: {response}\n")
    bad = run_bench("grade", "--predictions", str(preds), "--grader", "llm",
                    "--judge-base-url", judge_server.base_url, "--judge-model", "ok",
                    "--judge-template", "bad.txt")
    assert bad.returncode == 2
    assert bad.stderr.startswith("bench: error: bad.txt: the judge template lacks {gold}")
    assert "Traceback" not in bad.stderr


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
    assert len(judge_server.requests) == 6  # an unparseable reply is asked once more
    m = result["metrics"]
    assert m["unscored"] == 3 and m["not_attempted"] == m["graded"] == 91
