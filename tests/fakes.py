"""A deterministic fake backend for in-process runner tests."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from bench.backends import BaseOptions, Completion, Request
from bench.errors import BackendCallError


class FakeBackend:
    """Answers with the gold; scripted failures per question id; counts calls and concurrency."""

    name: ClassVar[str] = "fake"
    Options: ClassVar[type[BaseOptions]] = BaseOptions
    model_name = "fake"

    def __init__(self, failures: dict[str, list[BackendCallError]] | None = None,
                 delay_s: float = 0.0):
        self.options = BaseOptions()
        self.failures = {k: list(v) for k, v in (failures or {}).items()}
        self.delay_s = delay_s
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def complete(self, request: Request) -> Completion:
        assert request.question is not None
        qid = request.question.id
        self.calls.append(qid)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            pending = self.failures.get(qid)
            if pending:
                raise pending.pop(0)
            answer = request.question.answer
            return Completion(text=answer if answer is not None else "Not disclosed.",
                              prompt_tokens=10, completion_tokens=2, latency_s=self.delay_s)
        finally:
            self.in_flight -= 1
