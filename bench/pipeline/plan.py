"""What a run will ask: the selected questions, in an order that reuses prompt prefixes, and
the one place a request is built from them (live runs and batch files send the same)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.backends.base import Request
from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet
from bench.errors import UsageError
from bench.prompts import (
    DEFAULT_TEMPLATE,
    PromptTemplate,
    build_messages,
    context_docs,
    stops_for,
)
from bench.settings import RunSettings, Selection


@dataclass(frozen=True)
class Item:
    """One question asked once (sample `sample`), with the messages it is asked with."""

    question: Question
    sample: int
    messages: list[dict[str, str]]
    shown: tuple[str, ...] = ()
    """The articles the messages show."""


def select(qs: QuestionSet, selection: Selection) -> list[Question]:
    """The questions a selection names: ids, then tags, then the first `limit`, in set order."""
    questions = list(qs.questions)
    if selection.ids is not None:
        known = {q.id for q in questions}
        unknown = [i for i in selection.ids if i not in known]
        if unknown:
            raise UsageError(f"{{ids}}: unknown question ids: {', '.join(unknown)}",
                             params=("ids",))
        wanted = set(selection.ids)
        questions = [q for q in questions if q.id in wanted]
    if selection.tags is not None:
        wanted_tags = set(selection.tags)
        questions = [q for q in questions if wanted_tags & set(q.tags)]
        if not questions:
            raise UsageError(f"{{tags}}: no question has any of the tags "
                             f"{', '.join(selection.tags)}", params=("tags",))
    if selection.limit is not None:
        if selection.limit < 1:
            raise UsageError("{limit} must be at least 1", params=("limit",))
        questions = questions[:selection.limit]
    return questions


def plan(questions: list[Question], mode: str, corpus: Corpus, repeats: int,
         confidence: bool, template: PromptTemplate = DEFAULT_TEMPLATE,
         target: float | None = None, cite: bool = False) -> list[Item]:
    """Items ordered so that questions sharing a context run back to back (prompt-cache reuse)."""
    order = sorted(range(len(questions)),
                   key=lambda i: (context_docs(questions[i], mode, corpus), i))
    items: list[Item] = []
    for i in order:
        q = questions[i]
        messages = build_messages(q, mode, corpus, confidence, template, target, cite)
        shown = context_docs(q, mode, corpus)
        items.extend(Item(q, s, messages, shown) for s in range(repeats))
    return items


def request_of(item: Item, settings: RunSettings) -> Request:
    """The request for one item: a live run sends it, a batch file carries its body."""
    return Request(messages=item.messages, question=item.question, mode=settings.mode,
                   temperature=settings.temperature, max_tokens=settings.max_tokens,
                   seed=item.sample if item.sample else None,
                   stop=stops_for(settings.template, settings.cite), cite=settings.cite)
