"""Rival values: what else of the asked type a response names beside the gold, and how a
reader settles between them: the clause that speaks of what is asked, a reference phrase ("a
friend of Khachaturian"), another occasion. Turns are read in `turns`, tables in `tables`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from bench.grading.common import (
    FILLER,
    FUNCTION,
    INC,
    C,
    Outcome,
    Span,
    any_key,
    edit_distance,
    guess,
    prefix_stem,
)
from bench.grading.facts import Facts
from bench.text import numbers
from bench.text.dates import find_dates, find_day_months
from bench.text.normalize import ARTICLES, fold, tokens
from bench.text.numbers import NumberMention, find_numbers, same_quantity
from bench.verdicts import Verdict

Regrade = Callable[[str], Outcome]
"""Grades a piece of the response on its own, as the whole would be graded."""


_BLANK_LINE = re.compile(r"\n\s*\n")
_CLAUSE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_SEMI_OR_STOP = re.compile(r";\s|\.\s")
_LETTERS = re.compile(r"[a-z]+").findall
_NON_WORD = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


_CAPITAL = re.compile(r"(?<![.?!:]\s)(?<![.?!:])(?<!^)(?<!\n)\b([A-Z][\w'’-]+)")


_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


# Frequent words of other languages that are no English words: a reply in another language.


_CLAUSE = re.compile(r",\s|;\s|:\s|\band\b|\bplus\b|\bso\b|\bwhile\b|\bwhereas\b|[.!?](?:\s|$)")


NUMBER_WORDS = numbers.NUMBER_WORDS | {"dozen"}
"""The words the number reader reads as numbers, and "dozen": no name, no topic word."""


SHORT = 30
"""Words in an answer short enough for a rival beside the gold to be a competing answer: in a
longer one, names and numbers around the answer are its context."""


def beside_rivals(f: Facts, d: Span, regrade: Regrade, rival: bool) -> Outcome | None:
    """The gold beside a rival value of the asked type in a short answer, with no turn:
    which of them answers is a reading of the sentence, so the verdict is a best guess."""
    if not rival or len(d.toks) > SHORT:
        return None
    if f.type not in ("number", "date"):
        # Names: a comparison word or another occasion makes the gold a passing mention.
        if _REFERENCE.isdisjoint(d.toks) and not _occasions(d.raw) - _occasions(
                f.question.question):
            return _name_in_another_sentence(f, d, regrade)
        return _rival_names_beside(f, d, regrade)
    said = [s for s in _CLAUSE_END.split(d.raw) if s.strip()]
    sentence = next((s for s in said if regrade(s)[0] == C), None)
    if sentence is None:
        return None
    if len(said) > 1 and not rivals(f, sentence):
        if d.structured:
            return None  # the rows of a table or of "Label: value" lines are other facts
        # "6,500 was the figure for soldiers alone; counting everyone, 7,500": a rival in a
        # sentence that speaks of what is asked as much as the gold's may be the answer.
        # One about something else ("The convoy had set out on 5 November") is context, and
        # so is all that follows the answer said plainly ("Two. The helicopter ...").
        if _plain_answer(f, sentence):
            return None
        mine = _aboutness(f, sentence)
        rival_at = [i for i, s in enumerate(said)
                    if s is not sentence and rivals(f, s) and _aboutness(f, s) >= mine]
        if not rival_at:
            return None
        if rival_at[-1] > said.index(sentence):  # the last value said is the rival
            return guess(INC, "doubt.rivals", "gives the gold, then a rival value in another "
                         "sentence about the same")
        return guess(C, "doubt.rivals", "gives a rival value, then the gold in another "
                     "sentence about the same")
    return _rival_values(f, d, sentence, regrade)


def _plain_answer(f: Facts, sentence: str) -> bool:
    """Whether a sentence is the gold and nothing else of its own ("Stepanakert.", "Two.")."""
    gold_words = _gold_stems(tuple(f.keys))
    return not any(t not in FILLER and t not in FUNCTION and prefix_stem(t) not in gold_words
                   and not t[0].isdigit() and t not in NUMBER_WORDS
                   for t in tokens(fold(sentence)))


def _name_in_another_sentence(f: Facts, d: Span, regrade: Regrade) -> Outcome | None:
    """ "Janyatag was where the patrol set out from; it came under fire near Stepanakert":
    a rival name in a sentence that speaks of what is asked more than the gold's may be the
    answer (as much: a reading either way)."""
    said = [s for s in _CLAUSE_END.split(d.raw) if s.strip()]
    if len(said) < 2 or d.structured:
        return None  # a table's rows are different facts
    named = [s for s in said if rival_names(f, s)]
    if not named:
        return None
    gold = next((s for s in said if regrade(s)[0] == C), None)
    if gold is None:
        return None
    if _plain_answer(f, gold):
        return None  # the answer said plainly ("Stepanakert."), then context
    mine = _aboutness(f, gold)
    best = max((_aboutness(f, s) for s in named if s is not gold and regrade(s)[0] == INC),
               default=None)
    if best is None or best < mine:
        return None
    if best > mine:
        return guess(INC, "doubt.rivals", "a rival name in a sentence that speaks more of "
                     "what is asked than the gold's")
    return guess(C, "doubt.rivals", "the gold, and a rival name in another sentence")


def _rival_values(f: Facts, d: Span, sentence: str, regrade: Regrade) -> Outcome | None:
    """ "Two wounded and three killed": the clause that speaks most of what the question asks
    holds the answer."""
    if not rivals(f, sentence):
        return None
    grown = _grew().search(fold(sentence)) if f.type == "number" else None
    if grown is not None and f.numbers and all(
            abs(_ORDINAL_VALUES[grown.group(1)] - g.value) > 1e-9 for g in f.numbers):
        return guess(INC, "doubt.rivals", f"the count grew to {grown.group(1)!r}, past the gold")
    best: tuple[float, Verdict] | None = None
    tie = False
    for clause in (c for c in _CLAUSE.split(sentence) if c and c.strip()):
        v = piece_verdict(f, clause, regrade)
        if v is None:
            continue
        score = _aboutness(f, clause) + _scope(f, clause)
        if best is None or score > best[0]:
            best, tie = (score, v), False
        elif score == best[0] and v != best[1]:
            tie = True
    if best is None or tie or best[1] == C:
        return guess(C, "doubt.rivals", "gives the gold beside a rival value; the gold's "
                     "clause speaks of what is asked")
    return guess(INC, "doubt.rivals", "gives the gold beside a rival value; the rival's clause "
                 "speaks of what is asked")


# A part of the whole ("on the first day", "so far") against the whole ("over the whole
# operation", "in total"): a question that names no part asks for the whole.
_PART = re.compile(r"\b(?:(?:on|in|during|by|after)\s+the\s+first\s+\w+|at\s+first|"
                   r"initially|so\s+far|by\s+then|at\s+the\s+(?:start|outset))\b")
_WHOLE = re.compile(r"\b(?:whole|entire|total|in\s+all|altogether|overall|all\s+told)\b")


@functools.cache
def _grew() -> re.Pattern[str]:
    """ "... and added a sixth": the count grew to the ordinal, which is now the total."""
    return re.compile(r"\b(?:added|won|gained|claimed|took|secured|got)\s+(?:a|an|its|their|"
                      r"his|her)\s+(" + "|".join(sorted(_ORDINAL_VALUES, key=len,
                                                         reverse=True)) + r")\b")


def _scope(f: Facts, clause: str) -> float:
    """Half a point for a clause about the whole, less half for one about a part, unless the
    question itself asks about a part."""
    text = fold(clause)
    if _PART.search(fold(f.question.question)):
        return 0.0
    return 0.5 * (bool(_WHOLE.search(text)) - bool(_PART.search(text)))


def _rival_names_beside(f: Facts, d: Span, regrade: Regrade) -> Outcome | None:
    """A name answer whose gold is only mentioned in passing: in a phrase that makes it a
    point of reference beside a rival ("Prokofiev, a friend of Khachaturian, wrote it"; "AC
    Milan, with more titles than Real Madrid"), or in a clause about another occasion than the
    one asked ("The WFP won in 2019; in 2020 it went to Abiy Ahmed")."""
    clauses = [c for c in _SEMI_OR_STOP.split(d.raw) if c.strip()]
    asked = _occasions(f.question.question)
    if asked and len(clauses) > 1:
        for clause in clauses:
            said = _occasions(clause)
            if said and not said & asked and piece_verdict(f, clause, regrade) == C:
                others = [c for c in clauses if c is not clause and _occasions(c) & asked]
                if others and rival_names(f, others[0]) \
                        and piece_verdict(f, others[0], regrade) == INC:
                    # "Ban was the ninth; the eighth was Annan" for the eighth: the asked
                    # occasion has its own answer, and it is not the gold.
                    return INC, "doubt.rivals", ("gives the gold for another occasion than "
                                                 "the one asked, and a rival for it")
    at = gold_at(f, d.folded)
    if at <= 0:
        return None
    before = [t for t in tokens(d.folded[:at]) if t not in ARTICLES]
    if before and before[-1] in _REFERENCE and (
            _names_beside(f, before) or rival_names(f, d.raw[at:])):
        # "Unlike Tolstoy's Anna Karenina, War and Peace was Turgenev's": the gold a point
        # of comparison, another name the subject.
        return guess(INC, "doubt.rivals", "names the gold only as a point of reference beside "
                     "a rival")
    return None


def gold_at(f: Facts, folded: str) -> int:
    """Where the gold (or an accepted form) first stands in folded text; -1 if nowhere."""
    m = any_key(tuple(f.keys)).search(folded)
    return -1 if m is None else m.start()


@functools.lru_cache(maxsize=4096)
def key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(map(re.escape, key.split())) + r"(?!\w)")


def _names_beside(f: Facts, words: list[str]) -> bool:
    """Whether the words before the gold hold one that neither the question nor the gold has
    (what the gold is a point of reference for)."""
    gold_words = {prefix_stem(w) for key in f.keys for w in key.split()}
    return any(w not in FILLER and w not in FUNCTION and w not in _REFERENCE
               and not w[0].isdigit() and prefix_stem(w) not in f.question_stems
               and prefix_stem(w) not in gold_words for w in words)


_ORDINAL_VALUES = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(),
    start=1)}
_ORDINAL = re.compile(r"\b(?:" + "|".join(_ORDINAL_VALUES) + r"|\d+(?:st|nd|rd|th))\b", re.I)


_REFERENCE = frozenset("than like unlike besides beside except".split())
"""Words after which a name is a point of comparison, not what is said of the subject."""


@functools.lru_cache(maxsize=4096)
def _occasions(text: str) -> frozenset[str]:
    """The years and ordinals a text names: what occasion it speaks of."""
    return frozenset(_YEAR.findall(text)) | {m.group(0).lower() for m in _ORDINAL.finditer(text)}


def _aboutness(f: Facts, clause: str) -> float:
    """How much a clause speaks of what the question asks: its words shared with the
    question, less half a point for each word the question does not have."""
    words = [prefix_stem(t) for t in tokens(fold(clause))
             if t not in FILLER and t not in FUNCTION and not t[0].isdigit()
             and t not in NUMBER_WORDS]
    shared = sum(w in f.question_content_stems for w in words)
    return shared - 0.5 * (len(words) - shared)


def piece_verdict(f: Facts, piece: str, regrade: Regrade,
                   describes: bool = False) -> Verdict | None:
    """C where a piece names the gold, INC where it names a rival value (or, if
    `describes`, gives a description of its own), else None."""
    verdict = regrade(piece)[0]
    if verdict == C:
        return C
    if verdict != INC:
        return None
    if rivals(f, piece):
        return INC
    if describes:  # a description of the asked kind: words of its own
        own = [w for w in tokens(fold(piece)) if w not in FILLER and w not in FUNCTION
               and prefix_stem(w) not in f.question_stems]
        return INC if own else None
    return None


def span_rivals(f: Facts, d: Span) -> bool:
    """`rivals` of the whole graded span, reusing the numbers it has already read."""
    if f.type == "date":
        return _other_dates(f, d.folded) if any(ch.isdigit() for ch in d.folded) else False
    if f.type != "number":
        return rivals(f, d.raw)
    return _other_numbers(f, d.mentions, d.toks)


def _other_numbers(f: Facts, mentions: list[NumberMention], toks: list[str]) -> bool:
    """A count that is neither the gold nor one the question names, as a number or as "a
    sixth"."""
    gold = [g.value for g in f.numbers]
    asked = _asked_values(f.question.question)
    return any(not m.is_year and m.value not in asked
               and all(abs(m.value - n.value) > 1e-9 and not same_quantity(m, n, f.tolerance)
                       for n in f.numbers)
               and not (m.value != int(m.value) and round(m.value) in gold)  # "72.4" for 72
               for m in mentions) or _rival_ordinal(toks, gold, asked)


def _rival_ordinal(toks: list[str], gold: list[float], asked: frozenset[float]) -> bool:
    """ "Added a sixth": an ordinal after a count, the count it makes."""
    return any(toks[i - 1] == "a" and (v := _ORDINAL_VALUES.get(t)) is not None
               and v not in asked and all(abs(v - g) > 1e-9 for g in gold)
               for i, t in enumerate(toks) if i)


def rivals(f: Facts, raw: str) -> bool:
    """Whether `raw` holds a value of the asked type that is not the gold: another number,
    another date, or another name."""
    if f.type == "number":
        if not any(ch.isdigit() for ch in raw) and NUMBER_WORDS.isdisjoint(
                _LETTERS(raw.lower())) and not any(
                o in raw.lower() for o in _ORDINAL_VALUES):
            return False
        toks = tokens(fold(raw))
        return _other_numbers(f, find_numbers(toks), toks)
    if f.type == "date":
        if not any(ch.isdigit() for ch in raw):
            return False
        return _other_dates(f, fold(raw))
    return rival_names(f, raw)


def _other_dates(f: Facts, folded: str) -> bool:
    named = _asked_dates(f.question.question)
    if any(m.date != f.date and m.date not in named and not _within(m.date, f.date)
           for m in find_dates(folded)):
        return True
    # "a day later, on 27 April": a day of another date, its year left to the context.
    if f.date is None or f.date[2] is None:
        return False
    return any((month, day) != (f.date[1], f.date[2]) for month, day, _, _ in
               find_day_months(folded))



@functools.lru_cache(maxsize=1024)
def _asked_values(question: str) -> frozenset[float]:
    return frozenset(m.value for m in find_numbers(tokens(fold(question))))


@functools.lru_cache(maxsize=1024)
def _asked_dates(question: str) -> frozenset[tuple[int, int | None, int | None]]:
    return frozenset(m.date for m in find_dates(fold(question)))


@functools.lru_cache(maxsize=1024)
def _gold_stems(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(prefix_stem(w) for key in keys for w in key.split())


def rival_names(f: Facts, raw: str) -> bool:
    """Whether `raw` names someone or something (a capitalised word past a sentence's start)
    that neither the question nor the gold names."""
    gold_words = _gold_stems(tuple(f.keys))
    for m in _CAPITAL.finditer(raw):
        if _is_rival_word(m.group(1), f.question_stems, gold_words):
            return True
    return False


@functools.lru_cache(maxsize=65536)
def _is_rival_word(word: str, question: frozenset[str], gold: frozenset[str]) -> bool:
    """A capitalised word that is neither filler nor a word of the question or the gold."""
    return any(w not in FILLER and w not in FUNCTION and prefix_stem(w) not in question
               and prefix_stem(w) not in gold for w in tokens(fold(word)))


def squashed(f: Facts, d: Span) -> Outcome | None:
    """A name written without its spaces or hyphens ("BanKimoon", "spyridonlouis")."""
    if f.type not in ("entity", "text") or len(d.toks) > 3 or any(
            ch.isdigit() for ch in d.folded):
        return None
    squashed = _NON_WORD.sub("", d.folded)
    if not squashed or len(squashed) < 6:
        return None
    for key in f.keys:
        gold = _NON_WORD.sub("", key)
        if len(gold) >= 6 and (squashed == gold or edit_distance(squashed, gold, 1) <= 1):
            return C, "phrase.squashed", "gives the gold written without spaces"
    return None


def sentences(raw: str) -> list[str]:
    """The sentences and lines of a response, blank ones left out."""
    return [s for s in _SENTENCE_END.split(raw) if s.strip()]


def _within(mention: tuple[int, int | None, int | None],
            gold: tuple[int, int | None, int | None] | None) -> bool:
    """Whether a date agrees with the gold at the precision both give: the gold said less
    precisely ("2020" or "November 2020" for 2020-11-09), or more ("13 August 1961" for
    1961): no rival."""
    if gold is None:
        return False
    return all(m is None or g is None or m == g for m, g in zip(mention, gold, strict=True))
