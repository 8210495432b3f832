"""Reference backends that need no model: the oracle (grader sanity check) and always-abstain."""

from __future__ import annotations

from typing import ClassVar

from bench.backends.base import Backend, Completion, Request
from bench.errors import BackendCallError

NOT_DISCLOSED = "This was not disclosed."


class OracleBackend(Backend):
    """Answers with the gold ("not disclosed" when unreported); must score 100%."""

    name: ClassVar[str] = "oracle"
    is_baseline = True

    @property
    def model_name(self) -> str:
        return "oracle"

    async def complete(self, request: Request) -> Completion:
        q = request.question
        if q is None:
            raise BackendCallError("the oracle answers benchmark questions only", transient=False)
        return Completion(text=q.answer if q.answer is not None else NOT_DISCLOSED,
                          model=self.model_name, finish_reason="stop")


class AbstainBackend(Backend):
    """Always answers "I don't know": the floor of attempting nothing."""

    name: ClassVar[str] = "abstain"
    is_baseline = True

    @property
    def model_name(self) -> str:
        return "abstain"

    async def complete(self, request: Request) -> Completion:
        return Completion(text="I don't know.", model=self.model_name, finish_reason="stop")
