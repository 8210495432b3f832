"""Reference backends that need no model: the oracle (grader sanity check) and always-abstain."""

from __future__ import annotations

from typing import ClassVar

from bench.backends import BaseOptions, Completion, Request
from bench.errors import BackendCallError

NOT_DISCLOSED = "This was not disclosed."


class OracleBackend:
    """Answers with the gold ("not disclosed" when unreported); must score 100%."""

    name: ClassVar[str] = "oracle"
    Options: ClassVar[type[BaseOptions]] = BaseOptions
    model_name = "oracle"

    def __init__(self, options: BaseOptions):
        self.options = options

    async def complete(self, request: Request) -> Completion:
        q = request.question
        if q is None:
            raise BackendCallError("the oracle answers benchmark questions only", transient=False)
        return Completion(text=q.answer if q.answer is not None else NOT_DISCLOSED,
                          model=self.model_name)


class AbstainBackend:
    """Always answers "I don't know": the floor of attempting nothing."""

    name: ClassVar[str] = "abstain"
    Options: ClassVar[type[BaseOptions]] = BaseOptions
    model_name = "abstain"

    def __init__(self, options: BaseOptions):
        self.options = options

    async def complete(self, request: Request) -> Completion:
        return Completion(text="I don't know.", model=self.model_name)
