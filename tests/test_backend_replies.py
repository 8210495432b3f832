"""What real servers send back, through the real openai client: empty and cut-off replies,
refusals, reasoning fields and `<think>` blocks, picky reasoning models, odd Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bench.backends import Completion, Request, create
from bench.backends.call import Model
from bench.backends.openai import retry_after
from bench.backends.retry import RetryPolicy
from bench.errors import BackendCallError
from tests.fakeserver import THINKING, FakeOpenAIServer

QUESTION = "How many Russian servicemen were killed when the Mi-24 was shot down?"
STOP = ("\n\n",)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    srv = FakeOpenAIServer({QUESTION: "Two."}, retry_after="1").start()
    yield srv
    srv.stop()


def complete(server: FakeOpenAIServer, model: str, **options: Any) -> tuple[Any, Any]:
    """(Completion or the final BackendCallError, the backend) for one question."""
    backend = create("openai", {"model": model, "base_url": server.base_url, "attempts": 3,
                                **options})
    request = Request(messages=[{"role": "user", "content": f"Question: {QUESTION}\nAnswer:"}],
                      temperature=0.0, max_tokens=64, seed=1, stop=STOP)
    model = Model(backend, RetryPolicy(attempts=3, base_s=0.001))

    async def go() -> Completion | BackendCallError:
        try:
            completion, _ = await model.generate(request)
            return completion
        except BackendCallError as exc:
            return exc
        finally:
            await backend.aclose()

    return asyncio.run(go()), model


def test_null_content_is_an_error_retried_a_bounded_number_of_times(
        server: FakeOpenAIServer) -> None:
    outcome, _ = complete(server, "null-content")
    assert isinstance(outcome, BackendCallError) and outcome.attempts == 3
    assert "no content" in str(outcome)


@pytest.mark.parametrize(("model", "text", "refusal", "finish"), [
    ("empty", "", None, "stop"),  # the model's own empty answer: graded, not attempted
    ("refusal", "", "I can't help with that.", "stop"),
    ("truncate", "Well, according to the first of the", None, "length"),
])
def test_replies_that_are_answers_or_not(server: FakeOpenAIServer, model: str, text: str,
                                         refusal: str | None, finish: str) -> None:
    c, _ = complete(server, model)
    assert (c.text, c.refusal, c.finish_reason) == (text, refusal, finish)


@pytest.mark.parametrize("model", ["reasoning-content", "reasoning-field"])
def test_reasoning_fields_are_kept_apart(server: FakeOpenAIServer, model: str) -> None:
    c, _ = complete(server, model)
    assert (c.text, c.reasoning, c.reasoning_tokens) == ("Two.", THINKING, 17)


def test_think_in_content_is_split_and_our_stop_moves_client_side(
        server: FakeOpenAIServer) -> None:
    c, backend = complete(server, "think")
    assert (c.text, c.reasoning, c.finish_reason) == ("Two.", THINKING, "stop")
    # the first request carried the blank-line stop, which cut the reasoning; the retry did not
    assert "stop" in server.bodies[0] and "stop" not in server.bodies[-1]
    assert backend.sent_settings() == {"omitted": ["stop"], "stop_applied": "client"}


def test_bare_closing_think_tag(server: FakeOpenAIServer) -> None:
    c, _ = complete(server, "think-bare")
    assert (c.text, c.reasoning) == ("Two.", THINKING)


def test_cut_off_inside_think_is_truncated_not_an_answer(server: FakeOpenAIServer) -> None:
    c, _ = complete(server, "think-truncated")
    assert (c.text, c.finish_reason) == ("", "length")
    assert c.reasoning.startswith("The question asks")


def test_a_reasoning_model_is_adapted_to_without_failing(server: FakeOpenAIServer) -> None:
    c, backend = complete(server, "o-series")
    assert c.text == "Two." and (c.reasoning_tokens, c.cached_tokens) == (64, 8)
    last = server.bodies[-1]
    assert "max_completion_tokens" in last and "max_tokens" not in last
    assert not {"temperature", "stop"} & set(last)
    assert last["seed"] == 1  # accepted, so kept
    assert backend.sent_settings() == {"max_tokens_param": "max_completion_tokens",
                                       "omitted": ["stop", "temperature"],
                                       "stop_applied": "client"}



def test_what_was_learnt_holds_for_the_rest_of_the_run(server: FakeOpenAIServer) -> None:
    backend = create("openai", {"model": "o-series", "base_url": server.base_url})
    model = Model(backend)
    request = Request(messages=[{"role": "user", "content": f"Question: {QUESTION}\nAnswer:"}],
                      max_tokens=64, stop=STOP)

    async def go() -> list[str]:
        try:
            return [(await model.generate(request))[0].text for _ in range(3)]
        finally:
            await backend.aclose()

    assert asyncio.run(go()) == ["Two."] * 3
    assert len(server.bodies) == 3 + 3  # three rejections for the first question, then none


def test_a_server_without_seed_support(server: FakeOpenAIServer) -> None:
    c, backend = complete(server, "no-seed")
    assert c.text == "Two." and "seed" not in server.bodies[-1]
    assert backend.sent_settings() == {"omitted": ["seed"]}


def test_explicit_token_parameter_is_never_changed(server: FakeOpenAIServer) -> None:
    outcome, _ = complete(server, "ollama-old", max_tokens_param="max_completion_tokens")
    assert isinstance(outcome, BackendCallError) and outcome.attempts == 1
    c, backend = complete(server, "ollama-old", max_tokens_param="max_tokens")
    assert c.text == "Two." and backend.sent_settings() == {}


def test_explicit_request_fields_reach_the_server(server: FakeOpenAIServer) -> None:
    complete(server, "ok", reasoning_effort="low", top_p=0.5,
             extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    body = server.bodies[-1]
    assert (body["reasoning_effort"], body["top_p"]) == ("low", 0.5)
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after": "2"}, 2.0),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after": "soon"}, None),
    ({"retry-after": "-3"}, None),
    ({"retry-after": "inf"}, None),
    ({"retry-after": "nan"}, None),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past: at once
    ({"retry-after-ms": "x", "retry-after": "3"}, 3.0),
    ({}, None),
])
def test_retry_after_in_any_form_never_crashes(headers: dict[str, str],
                                               expected: float | None) -> None:
    assert retry_after(headers) == expected


def test_garbage_retry_after_falls_back_to_backoff() -> None:
    srv = FakeOpenAIServer({QUESTION: "Two."}, retry_after="soon").start()
    try:
        c, _ = complete(srv, "flaky-429")
        assert c.text == "Two."
    finally:
        srv.stop()
