"""Bounded exponential backoff with jitter, for transient backend errors only."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bench.errors import BackendCallError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait; `Retry-After` wins when the server sends it."""

    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 20.0
    max_retry_after_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_s)
        return rng.uniform(0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    rng: random.Random | None = None,
    on_retry: Callable[[int, BackendCallError], None] | None = None,
) -> tuple[T, int]:
    """Run `call` until it succeeds; return (result, attempts). Re-raises the last error."""
    rng = rng or random.Random()
    attempt = 1
    while True:
        try:
            return await call(), attempt
        except BackendCallError as exc:
            if not exc.transient or attempt >= policy.attempts:
                exc.attempts = attempt
                raise
            if on_retry:
                on_retry(attempt, exc)
            await asyncio.sleep(policy.delay(attempt, exc.retry_after, rng))
            attempt += 1
