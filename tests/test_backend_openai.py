"""The `openai` backend through the real openai client against a fault-injecting local server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from bench.backends import Request, create
from bench.backends.retry import RetryPolicy, with_retries
from bench.errors import BackendCallError, ConfigError
from tests.fakeserver import FakeOpenAIServer

QUESTION = "How many Russian servicemen were killed when the Mi-24 was shot down?"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    srv = FakeOpenAIServer({QUESTION: "Two."}, retry_after="1").start()
    yield srv
    srv.stop()


def ask(server: FakeOpenAIServer, model: str, *, timeout_s: float = 2.0,
        attempts: int = 3, question: str = QUESTION) -> tuple[str | BackendCallError, int, float]:
    backend = create("openai", {"model": model, "base_url": server.base_url,
                                "timeout_s": timeout_s, "attempts": attempts})
    request = Request(messages=[{"role": "user", "content": f"Question: {question}\nAnswer:"}])
    policy = RetryPolicy(attempts=attempts, base_s=0.01, cap_s=0.05)

    async def go() -> tuple[str | BackendCallError, int]:
        try:
            completion, n = await with_retries(lambda: backend.complete(request), policy)
            return completion.text, n
        except BackendCallError as exc:
            return exc, exc.attempts  # type: ignore[attr-defined]

    start = time.perf_counter()
    outcome, n = asyncio.run(go())
    return outcome, n, time.perf_counter() - start


@pytest.mark.parametrize(
    ("model", "text", "attempts"),
    [
        ("ok", "Two.", 1),
        ("flaky-500", "Two.", 2),
        ("drop-once", "Two.", 2),
    ],
)
def test_transient_faults_are_retried(server: FakeOpenAIServer, model: str, text: str,
                                      attempts: int) -> None:
    question = f"{QUESTION} [{model}]"  # a prompt of its own: "first call" faults fire once
    server.answers[question] = text
    outcome, n, _ = ask(server, model, question=question)
    assert outcome == text
    assert n == attempts


def test_429_honours_retry_after(server: FakeOpenAIServer) -> None:
    outcome, n, elapsed = ask(server, "flaky-429")
    assert outcome == "Two."
    assert n == 2
    assert elapsed >= 0.95  # the server asked for 1 s; jittered backoff alone would be ~0.01 s


@pytest.mark.parametrize(
    ("model", "transient", "attempts", "message"),
    [
        ("always-500", True, 3, "HTTP 500"),
        ("always-400", False, 1, "HTTP 400"),
        ("malformed", True, 3, "malformed response"),
        ("drop", True, 3, "connection failed"),
    ],
)
def test_failures_end_as_errors(server: FakeOpenAIServer, model: str, transient: bool,
                                attempts: int, message: str) -> None:
    outcome, n, _ = ask(server, model)
    assert isinstance(outcome, BackendCallError)
    assert outcome.transient is transient
    assert n == attempts
    assert message in str(outcome)


def test_hung_connection_times_out(server: FakeOpenAIServer) -> None:
    outcome, n, elapsed = ask(server, "hang", timeout_s=0.3, attempts=2)
    assert isinstance(outcome, BackendCallError)
    assert "timed out" in str(outcome)
    assert n == 2
    assert elapsed < 3


def test_rpm_limit_spaces_requests(server: FakeOpenAIServer) -> None:
    backend = create("openai", {"model": "ok", "base_url": server.base_url, "rpm": 600})
    request = Request(messages=[{"role": "user", "content": f"Question: {QUESTION}\nAnswer:"}])

    async def go() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(backend.complete(request) for _ in range(4)))
        return time.perf_counter() - start

    assert asyncio.run(go()) >= 0.28  # 600/min = one every 0.1 s: 4 requests span 0.3 s


def test_missing_key_for_remote_url_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="set OPENAI_API_KEY"):
        create("openai", {"model": "gpt-4o-mini"})
    with pytest.raises(ConfigError, match="set MY_KEY"):
        create("openai", {"model": "m", "base_url": "https://example.invalid/v1",
                          "api_key_env": "MY_KEY"})


def test_local_url_needs_no_key(monkeypatch: pytest.MonkeyPatch,
                                server: FakeOpenAIServer) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert create("openai", {"model": "ok", "base_url": server.base_url}) is not None


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("opnai", {}, "did you mean 'openai'"),
        ("openai", {"base_url": "http://127.0.0.1:1/v1"},
         "needs option 'model' .*: add -o model=VALUE"),
        ("openai", {"model": "m", "base_url": "http://127.0.0.1:1/v1", "timeout": 3},
         "did you mean 'timeout_s'"),
        ("openai", {"model": "m", "base_url": "http://127.0.0.1:1/v1", "timeout_s": -1},
         "timeout_s"),
    ],
)
def test_bad_backend_names_and_options(name: str, options: dict[str, object],
                                       message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create(name, options)
