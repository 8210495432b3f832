"""A perfect judge for measuring `--grader hybrid`: it grades from the labels, so the hybrid's
agreement shows what its decided verdicts cost."""

from __future__ import annotations

from typing import ClassVar

from bench.backends.base import Backend, BaseOptions, Completion, Request
from bench.grading.labels import Labelled

_LETTER = {"correct": "A", "incorrect": "B", "not_attempted": "C"}


class LabelJudge(Backend):
    """Answers a judge prompt with the label of its (question, response)."""

    name: ClassVar[str] = "labels"

    def __init__(self, labels: list[Labelled]):
        super().__init__(BaseOptions())
        self.by_pair = {(lab.question.question, lab.item.response.strip()): lab.item.label
                        for lab in labels}
        self.calls = 0

    async def complete(self, request: Request) -> Completion:
        prompt = request.messages[-1]["content"]
        # The graded item comes last, after the template's worked examples.
        question = prompt.rsplit("\nQuestion: ", 1)[1].split("\nGold: ", 1)[0]
        response = prompt.rsplit("\nResponse: ", 1)[1].rsplit("\nReasoning:", 1)[0].strip()
        self.calls += 1
        label = self.by_pair[(question, response)]
        return Completion(text=f"GRADE: {_LETTER[label]}", finish_reason="stop")
