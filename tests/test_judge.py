"""The LLM judge without a model: reply parsing, the disk cache, failures, agreement."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.backends import Completion, Request, create
from bench.backends.retry import RetryPolicy
from bench.dataset import Question
from bench.errors import BackendCallError, ConfigError, UsageError
from bench.grading.graders import make_grader
from bench.grading.judge import Judge, judge_prompt, load_template, parse_grade
from bench.records import Grade
from bench.results.stats import percent_and_kappa
from bench.settings import GraderSettings
from tests.conftest import RunBench
from tests.fakeserver import FakeOpenAIServer

SHUSHA = Question(id="shusha", question="Which town did Azerbaijan capture?", answer="Shusha",
                  aliases=("Shushi", "Susa"), answer_type="entity",
                  citations=({"doc": "d", "quote": "q"},))  # type: ignore[arg-type]
SECRET = Question(id="secret", question="How many peacekeepers were killed?", answer=None,
                  answer_type="number", citations=({"doc": "d", "quote": "q"},))  # type: ignore[arg-type]


class FakeBackend:
    """Replies from a script, one item per call; an exception in the script is raised."""

    def __init__(self, *script: str | BaseException):
        self.script = list(script)
        self.requests: list[Request] = []

    async def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, BaseException):
            raise item
        return Completion(text=item)


def grade(judge: Judge, q: Question = SHUSHA, response: str = "Shusha") -> Grade:
    return asyncio.run(judge.grade(q, response))


# ------------------------------------------------------------------ parse_grade


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("The response names Shusha.\nGRADE: A", "correct"),
        ("GRADE: B", "incorrect"),
        ("GRADE: C", "not_attempted"),
        ("The response is correct.", "unscored"),
        ("It is incorrect, so the grade is B.", "unscored"),
        ("GRADE: A\nOn reflection the number differs.\nGRADE: B", "incorrect"),
        ("GRADE: B ... GRADE: C", "not_attempted"),
        ("GRADE: **B**", "incorrect"),
        ("**GRADE: A**", "correct"),
        ("grade: c", "not_attempted"),
        ("Grade = a", "correct"),
        ("GRADE: (B)", "incorrect"),
        ("GRADE: CORRECT", "correct"),
        ("GRADE: Incorrect", "incorrect"),
        ("GRADE: NOT_ATTEMPTED", "not_attempted"),
        ("GRADE: not attempted", "not_attempted"),
        ("GRADE: D", "unscored"),
        ("GRADE: ABC", "unscored"),
        ("GRADE:", "unscored"),
        ("asdf qwer !!", "unscored"),
        ("", "unscored"),
        ("  \n ", "unscored"),
        (None, "unscored"),
    ],
)
def test_parse_grade(reply: str | None, verdict: str) -> None:
    g = parse_grade(reply)
    assert g.verdict == verdict
    assert g.reason


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("GRADE: **b**", "judge: GRADE B"),
        (None, "judge gave an empty reply"),
        ("The response is\n correct.",
         "no GRADE line in the judge's reply: 'The response is correct.'"),
    ],
)
def test_parse_grade_reason(reply: str | None, reason: str) -> None:
    assert parse_grade(reply).reason == reason


# ------------------------------------------------------------------ the prompt


def test_judge_prompt() -> None:
    prompt = judge_prompt(SHUSHA, "  It was Shusha.\n")
    assert prompt.endswith(
        "Question: Which town did Azerbaijan capture?\n"
        "Gold: Shusha (also accepted: Shushi; Susa)\n"
        "Response: It was Shusha.\n"
        "Reasoning:"
    )
    assert "Gold: NOT DISCLOSED\nResponse: Two.\n" in judge_prompt(SECRET, "Two.")


# ------------------------------------------------------------------ Judge and its cache


def test_judge_grades_through_the_backend(tmp_path: Path) -> None:
    backend = FakeBackend("Names the gold.\nGRADE: A")
    judge = Judge(backend, "fake/m1", tmp_path)
    assert grade(judge) == Grade(verdict="correct", rule="judge.grade", reason="judge: GRADE A",
                                 reply="Names the gold.\nGRADE: A")
    [request] = backend.requests
    assert request.messages == [{"role": "user", "content": judge_prompt(SHUSHA, "Shusha")}]
    assert request.temperature == 0.0
    assert judge.spec == "llm-judge-v1:fake/m1"


def test_cache_on_disk(tmp_path: Path) -> None:
    backend = FakeBackend("GRADE: A")
    first = Judge(backend, "fake/m1", tmp_path)
    grade(first)
    [entry] = tmp_path.rglob("*.json")
    assert json.loads(entry.read_text()) == {"judge": "fake/m1", "reply": "GRADE: A"}

    assert grade(first).verdict == "correct"
    again = Judge(backend, "fake/m1", tmp_path)  # a later run reads the same folder
    assert grade(again).verdict == "correct"
    assert len(backend.requests) == 1
    assert (first.calls, first.cache_hits, again.cache_hits) == (1, 1, 1)

    grade(Judge(backend, "fake/m2", tmp_path))  # another judge is asked
    assert len(backend.requests) == 2
    grade(first, response="Shushi")  # another prompt is asked
    assert len(backend.requests) == 3
    assert len(list(tmp_path.rglob("*.json"))) == 3


def test_damaged_cache_entry_is_asked_again(tmp_path: Path) -> None:
    backend = FakeBackend("GRADE: B")
    grade(Judge(backend, "fake/m1", tmp_path))
    [entry] = tmp_path.rglob("*.json")
    entry.write_text("{not json")
    assert grade(Judge(backend, "fake/m1", tmp_path)).verdict == "incorrect"
    assert len(backend.requests) == 2


def test_no_cache_dir_asks_every_time() -> None:
    backend = FakeBackend("GRADE: C")
    judge = Judge(backend, "fake/m1", None)
    grade(judge)
    grade(judge)
    assert len(backend.requests) == 2


def test_failed_call_is_unscored_and_not_cached(tmp_path: Path) -> None:
    backend = FakeBackend(BackendCallError("HTTP 401: bad key", transient=False), "GRADE: A")
    judge = Judge(backend, "fake/m1", tmp_path)
    assert grade(judge) == Grade(verdict="unscored", rule="judge.failed",
                                 reason="judge call failed: HTTP 401: bad key")
    assert len(backend.requests) == 1  # not retried
    assert judge.calls == 0
    assert list(tmp_path.rglob("*.json")) == []
    assert grade(judge).verdict == "correct"  # asked again next time


def test_transient_failure_is_retried(tmp_path: Path) -> None:
    backend = FakeBackend(BackendCallError("HTTP 503", transient=True), "GRADE: B")
    judge = Judge(backend, "fake/m1", tmp_path, policy=RetryPolicy(attempts=3, base_s=0.0))
    assert grade(judge).verdict == "incorrect"
    assert len(backend.requests) == 2


@pytest.mark.parametrize("reply", ["I think the response is correct.", "", "GRADE: E"])
def test_unparseable_reply_is_unscored(tmp_path: Path, reply: str) -> None:
    judge = Judge(FakeBackend(reply), "fake/m1", tmp_path)
    g = grade(judge)
    assert g.verdict == "unscored"
    assert g.reason


# ------------------------------------------------------------------ agreement

OK, NO, NA = "correct", "incorrect", "not_attempted"


@pytest.mark.parametrize(
    ("pairs", "percent", "kappa"),
    [
        # 2x2: (OK,OK) 6, (OK,NO) 2, (NO,OK) 1, (NO,NO) 1. Observed 0.7; A says OK 0.8, B 0.7:
        # expected 0.8*0.7 + 0.2*0.3 = 0.62; kappa = (0.7 - 0.62) / 0.38.
        ([(OK, OK)] * 6 + [(OK, NO)] * 2 + [(NO, OK)] + [(NO, NO)], 70.0, 0.08 / 0.38),
        # Balanced: observed 0.8, expected 0.5, kappa 0.6.
        ([(OK, OK)] * 4 + [(OK, NO)] + [(NO, OK)] + [(NO, NO)] * 4, 80.0, 0.6),
        ([(OK, NO), (NO, OK)], 0.0, -1.0),
        ([(OK, OK), (NA, NA), (NO, NO)], 100.0, 1.0),
        ([(OK, OK), (OK, OK)], 100.0, None),  # one label only: kappa undefined, never 1.0
        ([(NA, NA)] * 3, 100.0, None),
    ],
)
def test_agreement(pairs: list[tuple[str, str]], percent: float, kappa: float | None) -> None:
    got_percent, got_kappa = percent_and_kappa(pairs)
    assert got_percent == pytest.approx(percent)
    assert got_kappa == (None if kappa is None else pytest.approx(kappa))


def test_agreement_of_nothing() -> None:
    assert percent_and_kappa([]) == (None, None)


# ------------------------------------------------------------------ a judge over HTTP


class Script(dict[str, str]):
    """Judge replies in turn, whatever the prompt; the last one repeats."""

    def __init__(self, *replies: str):
        super().__init__()
        self.replies = list(replies)

    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    srv = FakeOpenAIServer().start()
    yield srv
    srv.stop()


def http_judge(srv: FakeOpenAIServer, cache: Path, *replies: str) -> Judge:
    srv.answers = Script(*replies)
    backend = create("openai", {"model": "ok", "base_url": srv.base_url, "timeout_s": 5})
    return Judge(backend, "openai/ok", cache, cache_scope=srv.base_url)


def test_unparseable_reply_is_asked_once_more(server: FakeOpenAIServer, tmp_path: Path) -> None:
    judge = http_judge(server, tmp_path, "The response is right, I think.", "Fine.\nGRADE: A")
    g = grade(judge)
    assert (g.verdict, g.reply) == ("correct", "Fine.\nGRADE: A")
    assert len(server.requests) == 2
    [entry] = tmp_path.rglob("*.json")  # only the parseable reply is kept
    assert json.loads(entry.read_text())["reply"] == "Fine.\nGRADE: A"


def test_unparseable_reply_is_never_cached(server: FakeOpenAIServer, tmp_path: Path) -> None:
    judge = http_judge(server, tmp_path, "No idea what to say.")
    g = grade(judge)
    assert g.verdict == "unscored" and g.rule == "judge.unparseable"
    assert g.reply == "No idea what to say."  # kept, for whoever reads the record
    assert len(server.requests) == 2  # asked, then asked once more
    assert list(tmp_path.rglob("*.json")) == []
    later = http_judge(server, tmp_path, "GRADE: B")  # a later run asks again
    assert grade(later).verdict == "incorrect"


def test_an_unparseable_cache_entry_is_asked_again(server: FakeOpenAIServer,
                                                   tmp_path: Path) -> None:
    judge = http_judge(server, tmp_path, "GRADE: C")
    path = judge._cache_path(judge_prompt(SHUSHA, "Shusha"))
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"judge": "openai/ok", "reply": "garbled"}))
    assert grade(judge).verdict == "not_attempted"
    assert len(server.requests) == 1


@pytest.mark.parametrize("baseline", ["oracle", "abstain", "retrieval"])
def test_a_baseline_is_refused_as_a_judge(baseline: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        make_grader(GraderSettings(kind="llm", judge_backend=baseline), [SHUSHA], tmp_path)
    assert str(exc.value).startswith(f"judge_backend {baseline} is a baseline")
    assert "\n" not in str(exc.value)


def test_a_baseline_judge_is_one_line_from_the_cli(run_bench: RunBench, workdir: Path) -> None:
    (workdir / "p.jsonl").write_text('{"id": "heli-date", "answer": "9 November 2020"}\n')
    proc = run_bench("grade", "--predictions", "p.jsonl", "--grader", "hybrid",
                     "--judge-backend", "oracle")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "bench: error: --judge-backend oracle is a baseline that never reads the response, so "
        "it cannot judge; use a model backend (openai with --judge-model, or local)"]


def test_judge_options_reach_the_judge(server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.answers = Script("GRADE: A")
    settings = GraderSettings(kind="llm", judge_model="ok", judge_base_url=server.base_url,
                              judge_cache=tmp_path,
                              judge_options={"max_tokens": 77, "timeout_s": 9,
                                             "api_key_env": "BENCH_TEST_KEY"})
    graders = make_grader(settings, [SHUSHA], tmp_path)
    assert graders.judge is not None
    assert graders.judge.max_tokens == 77
    assert graders.judge.backend.options.timeout_s == 9  # type: ignore[attr-defined]
    assert graders.judge.backend.options.api_key_env == "BENCH_TEST_KEY"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError):
        make_grader(GraderSettings(kind="llm", judge_model="ok", judge_options={"nope": 1}),
                     [SHUSHA], tmp_path)


def test_a_reasoning_judge_is_adapted_and_billed_apart(server: FakeOpenAIServer,
                                                      tmp_path: Path) -> None:
    server.answers = Script("GRADE: A")
    settings = GraderSettings(kind="llm", judge_model="o-series", judge_base_url=server.base_url,
                              judge_cache=tmp_path, judge_options={
                                  "price_in_per_mtok": 2.0, "price_out_per_mtok": 8.0})
    judge = make_grader(settings, [SHUSHA], tmp_path).judge  # type: ignore[attr-defined]
    assert judge is not None
    assert grade(judge).verdict == "correct"  # max_tokens, temperature: refused, then adapted
    u = judge.usage()
    assert (u.calls, u.cache_hits, u.reasoning_tokens, u.cached_tokens) == (1, 0, 64, 8)
    assert u.prompt_tokens > 0
    assert u.cost == pytest.approx((2.0 * u.prompt_tokens + 8.0 * u.completion_tokens) / 1e6)
    again = make_grader(settings, [SHUSHA], tmp_path).judge  # type: ignore[attr-defined]
    assert again is not None and grade(again).verdict == "correct"
    assert (again.usage().calls, again.usage().cache_hits, again.usage().cost) == (0, 1, 0.0)


def test_a_judges_reasoning_is_kept_apart_from_its_grade(server: FakeOpenAIServer,
                                                         tmp_path: Path) -> None:
    server.answers = Script("The response names the town.\nGRADE: B")
    backend = create("openai", {"model": "reasoning-content", "base_url": server.base_url})
    g = grade(Judge(backend, "openai/r", tmp_path))
    assert (g.verdict, g.reply) == ("incorrect", "The response names the town.\nGRADE: B")
    assert g.reasoning is not None and "two crewmen" in g.reasoning
    cached = grade(Judge(backend, "openai/r", tmp_path))  # from the cache: reasoning kept
    assert cached.reasoning == g.reasoning and len(server.requests) == 1


@pytest.mark.parametrize(("text", "error"), [
    ("Q: {question}\nR: {response}\nGRADE: A/B/C", "lacks {gold}"),
    ("{question} {gold} {response}", "never asks for a GRADE line"),
])
def test_a_judge_template_must_have_its_fields(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "t.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(error)):
        load_template(path)
    with pytest.raises(UsageError, match="cannot read the judge template"):
        load_template(tmp_path / "missing.txt")


def test_judge_template_fills_only_its_three_fields() -> None:
    text = '{"json": 1} {question} / {gold} / {response} GRADE'
    assert judge_prompt(SHUSHA, "It was {gold}.", text) == (
        '{"json": 1} Which town did Azerbaijan capture? / Shusha (also accepted: Shushi; Susa)'
        " / It was {gold}. GRADE")


@pytest.mark.parametrize(("attempts", "verdict", "calls"), [(3, "correct", 3),
                                                           (1, "unscored", 1)])
def test_the_judges_attempts_option_is_its_retry_policy(
        server: FakeOpenAIServer, tmp_path: Path, run_bench: Any, attempts: int, verdict: str,
        calls: int) -> None:
    # The server answers 503 twice (Retry-After: 0) before it grades.
    server.answers = Script("The response gives two.\nGRADE: A")
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "heli-crew-killed", "answer": "Two."}\n')
    out = tmp_path / "r.json"
    proc = run_bench("grade", "--predictions", str(preds), "--grader", "llm",
                     "--judge-base-url", server.base_url, "--judge-model", "fail-twice",
                     "--judge-option", f"attempts={attempts}", "--judge-cache",
                     str(tmp_path / "cache"), "--out", str(out))
    assert proc.returncode in (0, 4), proc.stderr
    [rec] = [r for r in json.loads(out.read_text())["records"] if r["id"] == "heli-crew-killed"]
    assert rec["verdict"] == verdict
    assert len(server.requests) == calls
