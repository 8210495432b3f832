"""Prompt templates, in one place and versioned; their hash goes into every result."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bench.corpus import Corpus
from bench.dataset import Question, validation_lines
from bench.errors import DataError, UsageError
from bench.fileio import canonical_json
from bench.targets import penalty, shown

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
TARGET = (
    "\nAnswer only if you are more than {t} confident that your answer is correct: a correct "
    "answer earns 1 point, a wrong answer costs {penalty} points, and \"I don't know\" earns 0."
)
CITE = (
    "\nAfter your answer, quote the sentence or sentences of the articles that support it, "
    "word for word, each on a line of its own, as: Evidence [article id]: \"the sentence\". "
    "If the articles say the fact was not disclosed, quote the sentence that says so."
)
MODES = ("closed-book", "open-book", "corpus")
# A blank line ends the answer proper; small models otherwise go on to write an essay.
STOP = ("\n\n",)



class Example(BaseModel):
    """One worked question and answer shown before the real question (few-shot)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    """The example question."""
    answer: str
    """Its answer, as the model should write one."""


class PromptTemplate(BaseModel):
    """How questions are put to a model; its hash goes into every result and journal.

    A file given with `--prompt-template` is TOML with these keys, all optional but `version`:
    `system`, `question` (with `{question}`), `context` (with `{articles}`), `article` (with
    `{id}` and `{text}`), `confidence`, `target` (with `{t}` and `{penalty}`), `cite`, `stop`
    (a list), and `[[examples]]` tables of `question` and `answer`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    """A name for this template, shown in results beside its hash."""
    system: str = SYSTEM
    """The system message."""
    question: str = QUESTION
    """The user message; `{question}` is replaced by the question."""
    context: str = CONTEXT
    """Appended to the system message when articles are shown; `{articles}` holds them."""
    article: str = ARTICLE
    """One article; `{id}` and `{text}`."""
    confidence: str = CONFIDENCE
    """Appended to the question with `--confidence`."""
    target: str = TARGET
    """Appended to the system message at a confidence target; `{t}` is the target and
    `{penalty}` what a wrong answer costs, t / (1 - t)."""
    cite: str = CITE
    """Appended to the question with `--cite`: asks for the supporting sentences, verbatim,
    with their article ids, after the answer."""
    stop: tuple[str, ...] = STOP
    """Stop sequences: the end of the answer proper."""
    examples: tuple[Example, ...] = ()
    """Few-shot pairs, sent as earlier turns of the conversation."""

    @model_validator(mode="after")
    def _placeholders(self) -> PromptTemplate:
        for name, needed in (("question", "{question}"), ("context", "{articles}"),
                             ("article", "{id}"), ("article", "{text}"),
                             ("target", "{t}"), ("target", "{penalty}")):
            if needed not in getattr(self, name):
                raise ValueError(f"{name} must contain {needed}")
        return self

    @property
    def sha256(self) -> str:
        """The hash of the template alone: the same across confidence targets."""
        return hashlib.sha256(canonical_json(self._canonical()).encode()).hexdigest()

    def _canonical(self) -> dict[str, object]:
        # Entries added later hash as absent while they keep their built-in text, so that the
        # templates of earlier runs (and their journals) keep their hashes.
        later = {name for name, text in _LATER.items() if getattr(self, name) == text}
        return self.model_dump(mode="json", exclude=later)

    def sha256_at(self, target: float | None, cite: bool = False) -> str:
        """The hash of what is sent: the template and, when there is one, the confidence target
        and the request for evidence, so that runs asked differently never share a prompt hash
        (nor a journal)."""
        if target is None and not cite:
            return self.sha256
        body: dict[str, object] = {"template": self._canonical(), "confidence_target": target}
        if cite:
            body["cite"] = True
        return hashlib.sha256(canonical_json(body).encode()).hexdigest()

    def target_text(self, target: float) -> str:
        """The target instruction, with the target and its penalty as numbers."""
        return self.target.format(t=shown(target), penalty=shown(penalty(target)))


_LATER = {"target": TARGET, "cite": CITE}
DEFAULT_TEMPLATE = PromptTemplate(version=PROMPT_VERSION)
PROMPT_SHA256 = DEFAULT_TEMPLATE.sha256
BRIEF_TEMPLATE = PromptTemplate(
    version="brief-v1",
    # Worked turns about nothing in the articles: small models copy their length (measured
    # with SmolLM2-135M: 15 tokens an answer instead of 29-37, a sixth as many cut off).
    examples=(
        Example(question="In which city is the Eiffel Tower?", answer="Paris"),
        Example(question="How many people were on board the plane, according to the airline?",
                answer="112"),
        Example(question="How many passengers were injured, according to the article?",
                answer="Not disclosed"),
    ),
)
BUILT_IN = {"default": DEFAULT_TEMPLATE, "brief": BRIEF_TEMPLATE}
"""Templates named instead of a file: `default`, and `brief` (few-shot, for small models)."""


def load_template(path: str | Path, system: str | None = None) -> PromptTemplate:
    """A template from a TOML file (one clear line per problem), or the built-in one."""
    import tomllib

    shown = str(path)
    if shown in BUILT_IN and not Path(path).exists():
        return with_system(BUILT_IN[shown], system)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(
            f"{shown}: cannot read ({exc.strerror}); check {{prompt_template}}",
            params=("prompt_template",)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([f"{shown}: not valid TOML ({exc})"]) from None
    try:
        template = PromptTemplate.model_validate(data)
    except ValidationError as exc:
        raise DataError([f"{shown}: {line}" for line in validation_lines(exc)]) from None
    return with_system(template, system)


def with_system(template: PromptTemplate, system: str | None) -> PromptTemplate:
    """The template with another system message (`--system-prompt`)."""
    if system is None:
        return template
    return template.model_copy(update={"system": system, "version": template.version + "+system"})


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


def build_messages(question: Question, mode: str, corpus: Corpus, confidence: bool = False,
                   template: PromptTemplate = DEFAULT_TEMPLATE,
                   target: float | None = None, cite: bool = False) -> list[dict[str, str]]:
    """Chat messages; the articles come before the question so a prompt cache can reuse them."""
    t = template
    docs = context_docs(question, mode, corpus)
    ask = (t.question.format(question=question.question) + (t.cite if cite else "")
           + (t.confidence if confidence else ""))
    # The target is a standing rule of the run, stated once with the other instructions.
    system = t.system + (t.target_text(target) if target is not None else "")
    if docs:
        articles = "\n\n".join(t.article.format(id=d, text=corpus.texts[d].strip())
                                for d in docs)
        system += "\n\n" + t.context.format(articles=articles)
    shots = [m for e in t.examples for m in (
        {"role": "user", "content": t.question.format(question=e.question)},
        {"role": "assistant", "content": e.answer})]
    return [{"role": "system", "content": system}, *shots, {"role": "user", "content": ask}]


def stops_for(template: PromptTemplate, cite: bool) -> tuple[str, ...]:
    """The stop sequences of a request: the template's, but asking for evidence, none that is
    only blank space (a blank line ends the answer proper, and the evidence comes after it)."""
    return tuple(s for s in template.stop if s.strip()) if cite else template.stop


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
