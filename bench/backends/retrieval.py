"""A non-neural reference system: BM25 over the corpus's sentences, then a typed extraction."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import ClassVar

from pydantic import Field

from bench.backends.base import Backend, BaseOptions, Completion, Request
from bench.corpus import Corpus, load_corpus
from bench.errors import BackendCallError
from bench.prompts import context_docs
from bench.text.normalize import (
    NEGATIONS,
    NONDISCLOSURE,
    find_dates,
    find_numbers,
    fold,
    format_date,
    qualifier_span,
    tokens,
)

_STOP = frozenset(
    """a an the of in on at to for by with from and or but is was were be been are what which
    who whom whose when where why how did does do has have had that this it its as into than
    many much according said says say during after before about over""".split()
)
_SENTENCE = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])|\n+")
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'-]*)*")


class RetrievalOptions(BaseOptions):
    seeds: str | None = Field(default=None, description="folder of articles (default seeds/)")
    k1: float = Field(default=1.2, ge=0, description="BM25 term-frequency saturation")
    b: float = Field(default=0.75, ge=0, le=1, description="BM25 length normalisation")


class RetrievalBackend(Backend):
    """BM25 sentence retrieval over the corpus with typed answer extraction; no model."""

    name: ClassVar[str] = "retrieval"
    is_baseline = True
    Options: ClassVar[type[RetrievalOptions]] = RetrievalOptions

    def __init__(self, options: RetrievalOptions):
        super().__init__(options)
        self.options: RetrievalOptions = options
        self.corpus: Corpus = load_corpus(options.seeds)
        self.sentences: list[tuple[str, str]] = []
        for doc_id in self.corpus.ordered_ids():
            for s in _SENTENCE.split(self.corpus.texts[doc_id]):
                if len(s.split()) >= 4:
                    self.sentences.append((doc_id, s.strip()))
        self.terms = [Counter(_terms(s)) for _, s in self.sentences]
        self.lengths = [sum(t.values()) for t in self.terms]
        self.avg_len = sum(self.lengths) / max(1, len(self.lengths))
        df = Counter(t for terms in self.terms for t in terms)
        n = len(self.sentences)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    @property
    def model_name(self) -> str:
        return "bm25-extract"

    def best(self, query: str, docs: frozenset[str] | None = None) -> tuple[str, str] | None:
        """The best sentence for `query`, among those of `docs` (None: every article)."""
        q = set(_terms(query))
        k1, b = self.options.k1, self.options.b
        best_i, best_score = -1, 0.0
        for i, terms in enumerate(self.terms):
            if docs is not None and self.sentences[i][0] not in docs:
                continue
            norm = k1 * (1 - b + b * self.lengths[i] / self.avg_len)
            score = sum(self.idf[t] * terms[t] * (k1 + 1) / (terms[t] + norm)
                        for t in q if t in terms)
            if score > best_score:
                best_i, best_score = i, score
        return self.sentences[best_i] if best_i >= 0 else None

    async def complete(self, request: Request) -> Completion:
        q = request.question
        if q is None:
            raise BackendCallError("the retrieval baseline answers benchmark questions only",
                                   transient=False)
        # It reads what the mode shows a model: nothing closed-book, the question's own
        # articles open-book, every article in corpus mode.
        docs = frozenset(context_docs(q, request.mode, self.corpus))
        hit = self.best(q.question, docs) if docs else None
        text = "I don't know." if hit is None else self.extract(q.question, q.answer_type, *hit)
        if request.cite and hit is not None:
            # Its evidence is the sentence it extracted from, as found: never fabricated.
            text += f'\nEvidence [{hit[0]}]: "{hit[1]}"'
        return Completion(text=text, model=self.model_name, finish_reason="stop")

    def extract(self, question: str, answer_type: str, doc_id: str, sentence: str) -> str:
        folded = fold(sentence)
        if NONDISCLOSURE.search(folded):
            return "Not disclosed: the sources do not give it."
        asked = set(tokens(fold(question)))
        if answer_type == "number":
            toks = tokens(folded)
            for m in find_numbers(toks):
                if m.is_year or m.partitive or toks[m.start] in asked:
                    continue
                start = m.start - qualifier_span(toks, m.start)
                return " ".join(toks[start: m.end + (1 if m.unit else 0)])
        elif answer_type == "date":
            for d in find_dates(folded):
                if str(d.date[0]) not in asked or d.date[1] is not None:
                    return format_date(d.date)
            doc = self.corpus.documents.get(doc_id)
            if doc is not None and doc.date:
                return doc.date
        elif answer_type == "entity":
            for name in _NAME.finditer(sentence):
                words = set(tokens(fold(name.group(0))))
                if words and not words <= asked | _STOP and name.start() > 0:
                    return name.group(0)
        elif answer_type == "yes_no":
            return "No." if NEGATIONS & set(tokens(folded)) else "Yes."
        else:
            return sentence
        return "I don't know."


def _terms(text: str) -> list[str]:
    return [t for t in tokens(fold(text)) if t not in _STOP]
