"""Nonsense and wavering around the gold: a repetition loop with a strange word, the gold
repeated among words of no answer, and a writer who will not choose between candidates."""

from __future__ import annotations

import re

from bench.grading.common import FILLER, FUNCTION, INC, Outcome, Span, guess, prefix_stem
from bench.grading.facts import Facts
from bench.grading.rivals import NUMBER_WORDS

_WAVER = re.compile(r"\bunless (?:it|that|this|they) (?:was|is|were|are)\b|\b(?:can|could) not "
                    r"(?:decide|choose|tell which)\b|\bor (?:maybe|perhaps|possibly)\b")


def wavers(d: Span) -> Outcome | None:
    """ "November 2020, unless it was December; I can't decide": the gold beside another
    candidate the writer will not rule out."""
    if _WAVER.search(d.folded):
        return guess(INC, "doubt.wavers", "wavers between the gold and another candidate")
    return None


_PUNCTUATED = re.compile(r"[.,;:!?\n]").search


def strange_repeat(f: Facts, d: Span) -> Outcome | None:
    """The gold said twice or more among words that neither the question nor the gold has,
    and no sentence ("Banana 1991 banana equals purple 1991 banana"): nonsense carrying the
    gold, though a reader must say."""
    if len(d.toks) < 5 or len(d.toks) > 15 or not 2 <= len(set(d.toks)) <= len(d.toks) - 2 \
            or _PUNCTUATED(d.raw.strip().rstrip(".!")):
        return None
    gold_words = f.key_word_set
    hits = sum(t in gold_words for t in d.toks)
    strange = [t for t in d.toks if t not in gold_words and prefix_stem(t) not in
               f.question_stems and t not in FILLER and t not in FUNCTION
               and not t[0].isdigit() and t not in NUMBER_WORDS]
    if hits >= 2 and len(strange) >= 2 and len(set(strange)) < len(strange):
        return guess(INC, "doubt.loop", f"the gold repeated among {strange[0]!r}: nonsense")
    return None


def loop(f: Facts, d: Span) -> Outcome | None:
    """A repetition loop whose repeated unit holds a word neither the question nor the gold
    has ("6,500 banana 6,500 banana"): nonsense carrying the gold."""
    toks = d.toks
    n = len(toks)
    for size in range(2, min(3, n // 2) + 1):
        unit = toks[:size]
        if toks[:size * (n // size)] != unit * (n // size) or n // size < 2:
            continue
        gold_words = f.key_word_set
        strange = [t for t in unit if t not in gold_words and prefix_stem(t) not in f.question_stems
                   and t not in FILLER and t not in FUNCTION and not t[0].isdigit()
                   and t not in NUMBER_WORDS]
        if strange:
            return guess(INC, "doubt.loop", f"a loop of the gold with {strange[0]!r}: nonsense")
        return None
    return None
