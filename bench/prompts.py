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

# A "Confidence: X" label ending the reply, on a line or a sentence of its own: never a
# "confidence" inside the answer ("I have high confidence: 2" is an answer of 2).
_CONFIDENCE = re.compile(
    r"(?:\A|(?<=\n)|(?<=[.!?;)\]])\s+)[*_>#\-\s]*confidence\s*[*_]*\s*[:=]\s*[*_]*\s*"
    r"(\d*\.?\d+)\s*(%?)[\s*_.]*\Z", re.IGNORECASE)


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
    """Take a final "Confidence: X" off a reply.

    X is a probability in [0, 1], or a percentage: with a % sign, or a whole number up to 100
    ("Confidence: 80"). Anything else ("1.5", "250") is no confidence, but the label is still
    not part of the answer."""
    m = _CONFIDENCE.search(text)
    if m is None:
        return text, None
    raw, percent = m.group(1), m.group(2) == "%"
    value = float(raw)
    if percent or (value > 1 and raw.isdigit()):
        value /= 100
    answer = text[: m.start()].strip()
    return answer, value if 0.0 <= value <= 1.0 else None
