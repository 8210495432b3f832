"""What the rule grader knows about one question, computed once: its gold in every accepted
form, the sentence that asks, the years and names it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.dataset import Question
from bench.grading.common import (
    FILLER,
    FUNCTION,
    ROLES,
    Span,
    content_words,
    fmt,
    prefix_stem,
    words,
)
from bench.text.cues import ATTRIBUTION
from bench.text.normalize import (
    ARTICLES,
    NUMBER_WORDS,
    Date,
    NumberMention,
    fold,
    format_date,
    parse_date_answer,
    parse_number_answer,
    phrase_key,
    tokens,
)

_CAPITALISED = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][\w'’-]+)")
_FOCUS_SPLIT = re.compile(r"(?<=[.?!:])\s+")
_RELATIVE = re.compile(r",\s*(?:which|who|whose|where|when)\b[^,?]*,")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
@dataclass
class Facts:
    """Everything about one question that does not depend on the response."""

    question: Question
    gold: str | None
    type: str
    variants: list[str]
    keys: list[str]
    """Phrase keys of the gold and aliases, longest first; for a person, also the family name
    alone and the name with the family name first."""
    key_words: tuple[tuple[str, ...], ...]
    """The keys as word tuples, most words first."""
    key_starts: frozenset[str]
    """The first word of each key."""
    key_word_set: frozenset[str]
    """Every word of the keys."""
    long_words: frozenset[str]
    """Words of five letters or more in the keys: a typo is looked for only near these."""
    name_words: frozenset[str]
    """Words of four letters or more in gold variants of three words or more."""
    typo_words: frozenset[str]
    """`long_words` and `name_words`: a five-letter word may be a typo of either."""
    core_keys: list[str]
    """Keys of the gold without the words the question already says ("Foreign Ministry" for
    "Azerbaijani Foreign Ministry" when the question asks which Azerbaijani ministry)."""
    numbers: list[NumberMention]
    value_reason: str
    """The reason given when a number matches the gold (built once)."""
    date_reason: str
    """The same for a date."""
    date: Date | None
    bags: list[frozenset[str]]
    tolerance: float
    question_words: frozenset[str]
    question_stems: frozenset[str]
    question_content_stems: frozenset[str]
    """Stems of the question's words that are neither filler nor function words."""
    """Loose stems of every word of the question: what a restatement is made of."""
    focus_names: frozenset[str]
    """Words of names (capitalised) in the asked sentence."""
    focus_name_stems: frozenset[str]
    """Stems of the names in the asking sentence."""
    name_slots: tuple[tuple[str, str, str], ...]
    """(name word, the content word before it, the one after it) in the asked sentence:
    another name in the same place denies the question ("Azerbaijani" for "Armenian")."""
    name_preps: dict[str, str]
    """The preposition before a name of the asked sentence ("in" before "Kenya")."""
    focus_words: frozenset[str]
    """Content words of the sentence that asks (the last one), names left out."""
    focus_stems: frozenset[str]
    asked_years: frozenset[int]
    """Years the asked sentence names (or, when it names none, the whole question)."""
    context_years: frozenset[int]
    """Years only the question's preamble names: another fact's time."""
    person: bool
    """The gold is a person's name: the other-given-name and name-order rules apply."""
    list_gold: bool
    """The question asks for several items ("Which two elements ...?") and the gold lists
    them: every item is wanted, in any order, and no other."""
    list_items: tuple[tuple[tuple[str, ...], ...], ...]
    """For each listing variant of the gold, its items, each as the keys that name it (a
    person's family name alone among them)."""
    qualifiers: frozenset[str]
    """Words a gold adds after its head ("Spain" in "Barcelona, Spain"): a response that
    adds them too lists a place's parts, not candidates."""

    @classmethod
    def of(cls, q: Question) -> Facts:
        variants = [q.answer, *q.aliases] if q.answer else []
        focus = _FOCUS_SPLIT.split(q.question.strip())[-1]
        names = {t for n in _CAPITALISED.findall(focus) for t in tokens(fold(n))}
        # What the question asks, without its background: ", which ended in a rout for the
        # Armenian military," restated is no answer to "did it spark mass protests?".
        asking = _RELATIVE.sub(" ", focus)
        focus_toks = [t for t in tokens(fold(asking)) if t not in FILLER and t not in FUNCTION]
        content = [t for t in focus_toks if t not in names and not t[0].isdigit()]
        asked = {int(y) for y in _YEAR.findall(focus)}
        every = {int(y) for y in _YEAR.findall(q.question)}
        numbers = [n for n in (parse_number_answer(v) for v in variants) if n is not None]
        person = q.answer_type == "entity" and _is_person(q, variants)
        date = parse_date_answer(q.answer) if q.answer and q.answer_type == "date" else None
        keys = {phrase_key(v) for v in variants}
        if person:
            for v in variants:
                parts = phrase_key(v).split()
                if len(parts) > 1:
                    keys.add(f" {parts[-1]} ")
                    keys.add(" " + " ".join([parts[-1], *parts[:-1]]) + " ")
        question_words = frozenset(words(q.question))
        list_gold = bool(q.answer) and q.answer_type in ("entity", "text") and _is_list(
            q.answer or "") and bool(_PLURAL.search(q.question))
        qualifiers: set[str] = set()
        if q.answer_type in ("entity", "text") and not list_gold:
            # "gold (atomic number 79)", "Barcelona, Spain": the head alone answers.
            for v in variants:
                head = re.split(r"\s*[(,;]", v, maxsplit=1)[0]
                if head != v and phrase_key(head).strip():
                    keys.add(phrase_key(head))
                    qualifiers |= set(phrase_key(v).split()) - set(phrase_key(head).split())
        plain = [t for t in tokens(fold(focus)) if t not in ARTICLES]
        preps = {t: plain[i - 1] for i, t in enumerate(plain)
                 if t in names and i and plain[i - 1] in _PREPOSITIONS}
        seq = content_words(tokens(fold(focus)))
        slots = tuple((t, seq[i - 1] if i else "", seq[i + 1] if i + 1 < len(seq) else "")
                      for i, t in enumerate(seq) if t in names)
        cores = set()
        if q.answer_type in ("entity", "text"):
            for v in variants:
                full = words(v)
                core = [w for w in full if w not in question_words and w not in FILLER]
                if core and len(core) < len(full) and any(len(w) > 2 for w in core):
                    cores.add(" " + " ".join(core) + " ")
        return cls(
            question=q, gold=q.answer, type=q.answer_type, variants=variants,
            keys=sorted(keys, key=len, reverse=True),
            key_words=tuple(sorted((tuple(k.split()) for k in keys if k.strip()), key=len,
                                   reverse=True)),
            key_starts=frozenset(k.split()[0] for k in keys if k.strip()),
            key_word_set=frozenset(w for k in keys for w in k.split()),
            long_words=frozenset(w for k in keys for w in k.split() if len(w) >= 5),
            name_words=(name_words := frozenset(
                w for k in keys if len(k.split()) >= 3 for w in k.split() if len(w) >= 4)),
            typo_words=name_words | frozenset(w for k in keys for w in k.split() if len(w) >= 5),
            core_keys=sorted(cores - keys, key=len, reverse=True),
            numbers=numbers,
            value_reason=f"gives {fmt(numbers[0].value)} by value" if numbers else "",
            date_reason=f"gives {format_date(date)}" if date else "",
            date=date,
            bags=[frozenset(prefix_stem(w) for w in words(v) if w not in FILLER)
                  for v in variants],
            tolerance=q.tolerance or 0.0,
            question_words=question_words,
            question_stems=frozenset(prefix_stem(w) for w in question_words),
            question_content_stems=frozenset(
                prefix_stem(w) for w in question_words if w not in FILLER and w not in FUNCTION),
            focus_names=frozenset(names),
            focus_name_stems=frozenset(prefix_stem(n) for n in names
                                       if n not in FILLER and n not in FUNCTION),
            name_slots=slots,
            name_preps=preps,
            focus_words=frozenset(content),
            focus_stems=frozenset(prefix_stem(w) for w in content),
            asked_years=frozenset(asked or every),
            context_years=frozenset(every - asked) if asked else frozenset(),
            person=person,
            list_gold=list_gold,
            list_items=tuple(_items(v) for v in variants if _is_list(v)) if list_gold else (),
            qualifiers=frozenset(qualifiers),
        )

    def content(self, toks: list[str], *, restating: bool = False) -> bool:
        """Whether tokens say anything beyond filler (and, if `restating`, the question's)."""
        qw = self.question_words if restating else frozenset()
        return any(t not in FILLER and t not in qw for t in toks)

    def committed_numbers(self, d: Span, *, attribution_hedges: bool,
                          relevant_only: bool = False) -> list[float]:
        """Numbers stated in sentences that neither abstain nor (optionally) attribute the
        claim; with `relevant_only`, only those that could answer the asked fact."""
        out: list[float] = []
        for m in d.mentions:
            if m.is_year or m.partitive:
                continue
            piece = d.sentence_of(m.start)
            if piece is None or piece.declines:
                continue
            if attribution_hedges and ATTRIBUTION.search(piece.text):
                continue
            if relevant_only and (self.other_time(piece.toks) or (
                    m.unit is not None and not self.asks_unit(m.unit[0]))):
                continue
            if relevant_only and attribution_hedges and self.about_another(piece.toks, d):
                continue
            out.append(m.value)
        return out

    def other_time(self, toks: list[str]) -> bool:
        """The clause is dated to other years than the question asks about, or to only some
        of them (one incident's toll, where the question asks for two incidents' total)."""
        if not self.asked_years:
            return False
        years = {int(t) for t in toks if len(t) == 4 and t.isdigit() and 1800 <= int(t) <= 2100}
        return bool(years) and not self.asked_years <= years

    def about_another(self, toks: list[str], d: Span) -> bool:
        """The sentence names someone or something, and nothing the asked sentence names:
        beside "Azerbaijan has not stated its losses", "Armenia gave 1,200" is context."""
        here = [t for t in toks if t in d.names]
        if not here or not self.focus_names:
            return False
        asked = {prefix_stem(n) for n in self.focus_names}
        return not any(prefix_stem(t) in asked for t in here)

    def echoes(self, d: Span) -> bool:
        """The response restates the question and adds nothing: no answer. It asks the
        question back, or breaks off in its words (a small model's echo, which may drift a
        word), or restates most of it; a number or a word of its own is an answer ("Russia
        claimed responsibility" for "which country ... a Russian helicopter")."""
        end = d.raw.rstrip(" \t\n*_)\"'”")
        asks = end.endswith("?")
        if len(d.toks) < 3 and not asks:
            return False  # the common case, a short answer: no echo
        qwords = self.question_words
        content = [t for t in d.toks if t not in FILLER and t not in FUNCTION]
        n = len(content)
        if not n:
            return False
        cut = not asks and end[-1:].isalnum()
        if not cut and n < 4 and not asks:
            return False
        # Words of its own allowed: a cut-off echo may drift a word; anything else none.
        allowed = n - 0.85 * n if cut and n >= 3 else 0
        names: frozenset[str] | None = None
        misses = 0
        for t in content:
            if t in qwords:
                continue
            if t[0].isdigit() or t in NUMBER_WORDS:
                return False  # a number of its own is an answer
            # A name counts as the question's only as the question writes it: "Russia" is
            # new beside "a Russian helicopter".
            if names is None:
                names = d.names
            if t in names:
                return False  # a name of its own is an answer, never a drifting word
            if prefix_stem(t) not in self.question_stems:
                misses += 1
                if misses > allowed:
                    return False
        return True

    def asks_unit(self, dimension: str) -> bool:
        """Whether the question asks for a quantity of this dimension (length, time)."""
        if self.numbers:
            return any(n.unit is not None and n.unit[0] == dimension for n in self.numbers)
        probe = {"length": ("far", "distance", "miles", "km", "kilometres", "kilometers"),
                 "time": ("long", "days", "weeks", "months", "years", "hours", "duration")}
        return any(w in self.question_words for w in probe.get(dimension, ()))


def _is_person(q: Question, variants: list[str]) -> bool:
    """A name of two or three capitalised words, asked for with a role or "who"."""
    asks = {w.lower().strip("?,.'’s") for w in q.question.split()} & ROLES or "person" in q.tags
    shaped = any(
        1 < len(parts := v.split()) <= 4
        and all(p[:1].isupper() and p.replace("-", "").replace("'", "").isalpha() for p in parts)
        for v in variants
    )
    return bool(asks) and shaped


_PREPOSITIONS = frozenset("in at on near from to into inside within by of".split())
_ITEM_SPLIT = re.compile(r",|;|\band\b|&")
# The question asks for several: a count of two or more, "both", "all", "list", "name the".
_PLURAL = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|both|all|list|\d+)\b"
                     r"|^(?:who|what|which) (?:were|are)\b", re.I)


def _is_list(answer: str) -> bool:
    parts = [p for p in _ITEM_SPLIT.split(answer) if p.strip()]
    return len(parts) > 1 and all(len(p.split()) <= 4 for p in parts)


def _items(answer: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for part in _ITEM_SPLIT.split(answer):
        key = phrase_key(part)
        if not key.strip():
            continue
        names = key.split()
        # A person in the list may go by the family name: "Lennon" for "John Lennon".
        alone = (f" {names[-1]} ",) if len(names) > 1 and part.strip()[:1].isupper() else ()
        out.append((key, *alone))
    return tuple(out)
