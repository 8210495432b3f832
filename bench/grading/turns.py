"""Turns: the gold, then a contrast or a correction, then another value ("Early reports said
two; the toll was later revised to three"). A correction settles it; a plain contrast leaves a
reading."""

from __future__ import annotations

import re

from bench.grading.common import INC, C, Outcome, Span, guess
from bench.grading.facts import Facts
from bench.grading.rivals import Regrade, piece_verdict

# Where a writer turns from one value to another: a contrast or a correction ("but the final
# toll was", "later revised it to", "in fact"). Words that deny what follows them ("rather
# than", "instead of") are no turns: "X rather than Y" commits to X.
TURN = re.compile(
    r"\b(?:but|however|although|though|yet|whereas|actually|in fact|in reality|really|"
    r"revised|corrected|amended|later|subsequently|eventually|ultimately|wrong|mistaken|"
    r"today|nowadays|while(?!\s+(?:\w+ing|he|she|it|they|we|i|you|there)\b)|"
    r"(?:the|in) (?:true|real|actual|correct) ?\w*)\b")


TURN_WORDS = frozenset("""but however although though yet whereas actually fact reality really
    revised corrected amended later subsequently eventually ultimately wrong mistaken true
    real today nowadays while""".split())


_BLANK_LINE = re.compile(r"\n\s*\n")
_NOT = re.compile(r"\b(?:not|never|no)\b|n['’]t\b", re.I)


def turned(f: Facts, d: Span, regrade: Regrade, rival: bool) -> Outcome | None:
    """The gold, then a turn, then a rival value of the asked type ("Early reports said two;
    the toll was later revised to three"): the response settles on the rival. The other way
    round ("Many say Lachin, but it was Shusha") it settles on the gold; either way a reader
    must weigh the turn, so the verdict is a best guess."""
    # A description ("machine-gun fire") is no name: for a text answer any other answer
    # after a turn is a rival.
    if (not rival and f.type != "text") or TURN_WORDS.isdisjoint(d.toks):
        return None
    # A paragraph after the one that answers is elaboration, not a correction of it.
    paragraphs = [p for p in _BLANK_LINE.split(d.raw) if p.strip()]
    first = d.raw if len(paragraphs) < 2 else next(
        (p for p in paragraphs if regrade(p)[0] == C), d.raw)
    pieces = [p for p in TURN.split(first) if p and p.strip()]
    if len(pieces) < 2:
        return None
    named = [(i, v) for i, p in enumerate(pieces)
             if (v := piece_verdict(f, p, regrade)) is not None]
    if len({v for _, v in named}) < 2 and f.type == "text":
        # A description of the asked kind counts as a rival only where a correction
        # introduces it ("later corrected that to artillery fire"): after a plain contrast
        # it may be elaboration or a hedge.
        described = [(i, v) for i, p in enumerate(pieces)
                     if (v := piece_verdict(f, p, regrade, describes=True)) is not None]
        if len({v for _, v in described}) == 2 and described[-1][1] == INC \
                and described[0][1] == C:
            after = pieces[described[-1][0]]
            if _corrects(first, after):
                return INC, "doubt.turn", "names the gold, then corrects it to another answer"
            if _ADVERSATIVE.search(first, 0, first.find(after)):
                return guess(INC, "doubt.turn", "names the gold, then turns to another answer")
        return None
    if len({v for _, v in named}) < 2:
        return None
    first_gold = next(i for i, v in named if v == C)
    last_at, last = named[-1]
    if last == INC and last_at > first_gold:
        if _ADDS.search(pieces[last_at]):
            return guess(C, "doubt.turn", "names the gold, then adds another figure")
        if _corrects(first, pieces[last_at]):
            return INC, "doubt.turn", "names the gold, then corrects it to another value"
        return guess(INC, "doubt.turn", "names the gold, then turns to another value")
    rejected = [p for i, p in enumerate(pieces) if i < last_at and (i, INC) in named]
    if last == C and rejected and all(_NOT.search(p) for p in rejected):
        # "It did not happen on 10 November, as is sometimes said, but on 9 November": the
        # other value is denied, the gold given.
        return C, "doubt.turn", "denies another value, then gives the gold"
    return guess(C, "doubt.turn", "names another value, then turns to the gold")


# A turn that takes the earlier value back ("revised it to", "actually", "the true count"),
# unlike a contrast ("but", "later"), which may move on to another fact.
_CORRECTION = re.compile(r"\b(?:actually|in fact|in reality|really|revised|corrected|amended|"
                         r"wrong|mistaken|(?:the|in) (?:true|real|actual|correct) ?\w*)\W*$",
                         re.I)
# What adds to the earlier value rather than replacing it: "in fact, three more were hurt".
_ADDS = re.compile(r"\b(?:also|too|as well|more|other|another|additional|further|besides)\b",
                   re.I)


_ADVERSATIVE = re.compile(r"\b(?:but|however|yet)\b")
# The same at the start of what follows a contrast: "but the final toll was three".
_SETTLED = re.compile(r"\W*(?:the|its|their|his|her) (?:final|confirmed|official|current|"
                      r"updated|revised|true|real|actual|correct)\b", re.I)


def _corrects(text: str, rival_piece: str) -> bool:
    """Whether the turn right before the rival value takes the earlier value back: the rival
    then replaces the gold, and the response settles on it."""
    at = text.find(rival_piece)
    return at > 0 and (_CORRECTION.search(text[:at]) is not None
                       or _SETTLED.match(rival_piece) is not None)
