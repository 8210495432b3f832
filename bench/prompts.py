"""Prompt templates, in one place and versioned; their hash goes into every result."""

from __future__ import annotations

import hashlib
import re

from bench.corpus import Corpus
from bench.dataset import Question

PROMPT_VERSION = "prompt-v1"

SYSTEM = (
    "You answer factual questions about news events. Answer briefly: give the answer itself "
    "in a few words, not a sentence of explanation. If the sources say a fact was not "
    "disclosed or not confirmed, say that it was not disclosed. If you do not know, say "
    '"I don\'t know" rather than guess.'
)
CONTEXT = "Read these news articles, then answer the question after them.\n\n{articles}"
ARTICLE = "<article id=\"{id}\">\n{text}\n</article>"
QUESTION = "Question: {question}\nAnswer:"
CONFIDENCE = (
    "\nAfter your answer, write a new line \"Confidence: X\" where X is the probability, "
    "from 0 to 1, that your answer is correct."
)
MODES = ("closed-book", "open-book", "corpus")
# A blank line ends the answer proper; small models otherwise go on to write an essay.
STOP = ("\n\n",)

PROMPT_SHA256 = hashlib.sha256(
    "\0".join([PROMPT_VERSION, SYSTEM, CONTEXT, ARTICLE, QUESTION, CONFIDENCE, *STOP]).encode()
).hexdigest()

_CONFIDENCE = re.compile(r"confidence\s*[:=]?\s*\**\s*(\d*\.?\d+)\s*(%?)", re.IGNORECASE)


def context_docs(question: Question, mode: str, corpus: Corpus) -> tuple[str, ...]:
    """The documents a mode shows with a question; questions sharing them run one after another."""
    if mode == "closed-book":
        return ()
    if mode == "open-book":
        return tuple(sorted({c.doc for c in question.citations}))
    return tuple(corpus.ordered_ids())


def build_messages(question: Question, mode: str, corpus: Corpus,
                   confidence: bool = False) -> list[dict[str, str]]:
    """Chat messages; the articles come before the question so a prompt cache can reuse them."""
    docs = context_docs(question, mode, corpus)
    ask = QUESTION.format(question=question.question) + (CONFIDENCE if confidence else "")
    if not docs:
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ask}]
    articles = "\n\n".join(ARTICLE.format(id=d, text=corpus.texts[d].strip()) for d in docs)
    return [
        {"role": "system", "content": SYSTEM + "\n\n" + CONTEXT.format(articles=articles)},
        {"role": "user", "content": ask},
    ]


def split_confidence(text: str) -> tuple[str, float | None]:
    """Take the last "Confidence: X" off a reply; X as a probability or a percentage."""
    matches = list(_CONFIDENCE.finditer(text))
    if not matches:
        return text, None
    m = matches[-1]
    value = float(m.group(1))
    if m.group(2) == "%" or value > 1:
        value /= 100
    answer = (text[: m.start()] + text[m.end():]).strip()
    return answer, value if 0.0 <= value <= 1.0 else None
