"""The one model-call layer: runs, the judge and batch imports call a backend through it.

A `Model` wraps a backend (in the spirit of inspect_ai's `Model` around its `ModelAPI`):
bounded backoff on transient errors (honouring `Retry-After`), the reasoning split, the
client-side stop sequence, and usage and cost counted once. A backend only sends a request and
reports what came back; everything that makes a reply an answer happens here."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bench.backends.base import Backend, Completion, Request
from bench.backends.reasoning import apply_stop, split_reasoning
from bench.backends.retry import RetryPolicy, with_retries

MAX_STOP_RETRIES = 1
"""A reply whose reasoning the server's stop sequence cut is asked again this many times, with
the stop applied on our side."""


def token_cost(prompt_tokens: int, completion_tokens: int,
               prices: tuple[float, float] | None) -> float | None:
    """What the tokens cost at (input, output) prices per million tokens; None without prices."""
    if prices is None:
        return None
    return (prompt_tokens * prices[0] + completion_tokens * prices[1]) / 1e6


@dataclass
class Tally:
    """Calls and tokens of one model so far."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None

    def add(self, c: Completion) -> None:
        self.calls += 1
        self.prompt_tokens += c.prompt_tokens
        self.completion_tokens += c.completion_tokens
        if c.reasoning_tokens is not None:
            self.reasoning_tokens = (self.reasoning_tokens or 0) + c.reasoning_tokens
        if c.cached_tokens is not None:
            self.cached_tokens = (self.cached_tokens or 0) + c.cached_tokens


def settle(c: Completion, request: Request, *, client_stop: bool) -> Completion | None:
    """A backend's reply as an answer: reasoning blocks moved out of the text, the stop
    sequence applied where the server did not apply it.

    None when the server's stop sequence ended the reply inside an unclosed reasoning block
    (a blank line is common there): there is no answer in it, and the request should be asked
    again with the stop applied on our side."""
    split = split_reasoning(c.text)
    server_stopped = c.stop_sent and not client_stop
    if split.unclosed and c.finish_reason == "stop" and request.stop and server_stopped:
        return None
    text = split.answer
    if request.stop and not server_stopped:
        text = apply_stop(text, request.stop)
    reasoning = "\n\n".join(r for r in (c.reasoning, split.reasoning) if r) or None
    return c.model_copy(update={"text": text, "reasoning": reasoning})


class Model:
    """A backend behind one call with retries, the reasoning split and usage counting."""

    def __init__(self, backend: Backend, policy: RetryPolicy | None = None,
                 rng: random.Random | None = None):
        self.backend = backend
        # A duck-typed backend (a test's, a plugin's) may leave the optional methods out.
        self.policy = policy or getattr(backend, "retry_policy", RetryPolicy)()
        self.rng = rng or random.Random()
        self.tally = Tally()
        self.client_stop = False
        """Set once the server's stop sequence cut a reply inside its reasoning: the stop is
        applied here from then on."""

    async def generate(self, request: Request) -> tuple[Completion, int]:
        """The answer to `request` and the calls it took; raises `BackendCallError` (with its
        `attempts`) once the retry policy gives up."""
        attempts = 0
        for _ in range(1 + MAX_STOP_RETRIES):
            completion, n = await with_retries(self._caller(request), self.policy,
                                               rng=self.rng)
            attempts += n
            self.tally.add(completion)
            settled = settle(completion, request, client_stop=self.client_stop)
            if settled is not None:
                return settled, attempts
            self.client_stop = True
        return completion.model_copy(update={"text": "", "finish_reason": "length"}), attempts

    def _caller(self, request: Request) -> Callable[[], Awaitable[Completion]]:
        sent = replace(request, stop=()) if self.client_stop else request
        return lambda: self.backend.complete(sent)

    def cost(self) -> float | None:
        """What this model's calls cost so far, at the backend's prices (None without)."""
        prices = getattr(self.backend, "prices", lambda: None)()
        return token_cost(self.tally.prompt_tokens, self.tally.completion_tokens, prices)

    def sent_settings(self) -> dict[str, Any]:
        """What was adapted to the server, for the result file."""
        out = dict(getattr(self.backend, "sent_settings", dict)())
        if self.client_stop:  # later requests left `stop` out: say so as the adapter does
            out["omitted"] = sorted({*out.get("omitted", ()), "stop"})
            out["stop_applied"] = "client"
        return out

    async def aclose(self) -> None:
        close = getattr(self.backend, "aclose", None)
        if close is not None:
            await close()
