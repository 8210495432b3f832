"""When the rules may call a verdict decided: the doubts that leave it a best guess.

The matchers find the gold (or another value) in the graded span. A careful reader could still
disagree when the span holds more than that answer: the gold mentioned in passing beside a
rival value (`rivals`), arithmetic that carries the gold ("3 + 3 = 7"), candidates put as
questions ("Lachin? Kalbajar? I'd say Agdam."), a negation across an aside, or an answer that
turns out to give none ("the sources mention the border but not the village"). Each check
returns its best guess as a `guess` (undecided), a decided outcome where a closer reading
settles the matter, or None when it has no doubt.

Best guesses read the response the way its writer committed: the part after the last
correction, the result after the last `=`, the words after the last question mark."""

from __future__ import annotations

import re

from bench.grading.arithmetic import arithmetic
from bench.grading.common import (
    FILLER,
    FUNCTION,
    GUESSES,
    INC,
    NA,
    C,
    Outcome,
    Span,
    decides,
    guess,
    may_decline,
    prefix_stem,
)
from bench.grading.facts import Facts
from bench.grading.language import foreign_negation, foreign_sentence, other_language
from bench.grading.loops import loop, strange_repeat, wavers
from bench.grading.names import (
    asked_slot_rival,
    other_full_name,
    rival_roles,
    runs_into_name,
)
from bench.grading.rivals import (
    Regrade,
    beside_rivals,
    gold_at,
    rivals,
    sentences,
    span_rivals,
    squashed,
)
from bench.grading.tables import table_row
from bench.grading.turns import TURN, turned
from bench.text.normalize import tokens

# A contrast that sets what follows against what came before (not a concession: "though"
# adds an aside).
_CONTRAST = re.compile(r"\b(?:but|however|yet|nevertheless)\b")


_REJECTED = re.compile(r"^(?:no|nope|not quite|wrong)\b[\s,.!:;-]*", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_STOP = re.compile(r"[.;:!?]").search
_MARKS = re.compile(r"[\w'’.-]+").findall


_CONTRAST_WORDS = frozenset("but however yet nevertheless".split())


# Saying the sources speak of the context but not of the asked fact.
_NOT_THE_FACT = re.compile(
    r"\b(?:do|does|did|can|could|will|would)\s+not\s+(?:say|state|mention|give|name|specify|"
    r"identify|report|reveal|disclose|tell|include|list|spell|explain|expand|define)\b|\bbut\s+not\s+(?:the|which|what|who|"
    r"whom|how|when|where|its|his|her|their|whether)\b|\bwithout\s+(?:naming|saying|giving|"
    r"specifying|identifying|stating)\b")


_THE_REST = re.compile(r"\b(?:other|others|rest|remaining|second|third|both|all of them)\b")


def doubt(f: Facts, d: Span, outcome: Outcome, response: str,
          regrade: Regrade) -> Outcome | None:
    """The best guess when a careful reader could disagree with `verdict`, as a `guess`; a
    decided outcome where a closer reading settles it; None when there is no doubt."""
    verdict, rule, reason = outcome
    if verdict == C and rule != "exact":
        if f.gold is None:
            return _unreported_turn(d, regrade)
        found = (_concluded(d, rule, regrade) or arithmetic(d, regrade)
                 or ("?" in d.raw and (_asked_candidates(d, regrade)
                                       or _only_asked(d, regrade)))
                 or _declined_items(f, d)
                 or (_distant_negation(f, d) if _NEGATOR.search(d.folded) else None)
                 or loop(f, d) or strange_repeat(f, d) or wavers(d)
                 or (foreign_negation(f, d) if f.type != "yes_no" else None)
                 or (other_full_name(f, d) if f.person else None))
        if found is not None or f.type == "yes_no":
            return found
        rival = span_rivals(f, d)  # the costliest check, shared by those that need it
        return ((foreign_sentence(d) if rival else None)
                or turned(f, d, regrade, rival) or beside_rivals(f, d, regrade, rival)
                or (_rival_first(f, d, regrade) if rival else None) or rival_roles(f, d)
                or (asked_slot_rival(f, d) if rival else None)
                or (runs_into_name(f, d) if rival else None))
    if verdict == INC and f.gold is not None:
        return (_concluded(d, rule, regrade) or arithmetic(d, regrade)
                or (squashed(f, d) if rule == "other.answer" else None)
                or _not_the_asked_fact(d) or _declined_items(f, d)
                or _asked_candidates(d, regrade)
                or (table_row(f, response, regrade) if rule == "alternatives"
                    or (rule == "other.answer" and d.structured) else None)
                or (other_language(f, d, regrade) if rule != "negation" else None)
                or _declined_beside(d, rule) or _unsure_reading(f, d, rule, reason)
                # Several names: a city with its country, a title with its holder, or
                # candidates? A reader must say.
                or (_alternatives(d, rule, reason) if rule == "alternatives"
                    and f.type in ("entity", "text") else None))
    return None


_OR = re.compile(r"\b(?:or|either)\b")


def _alternatives(d: Span, rule: str, reason: str) -> Outcome:
    """Names offered as alternatives ("Either Biden or Trump", "Rybar, WarGonzo or Grey Zone")
    or looped over ("Shusha Lachin Shusha Lachin") are candidates, wrong as an answer; names
    side by side without an "or" may be a city with its country or a title with its holder,
    which is a reading."""
    if _OR.search(d.folded) and "?" not in d.raw:
        return INC, rule, reason
    names = re.findall(r"\b[A-Z][\w'’-]+", d.raw)
    if len(names) - len(set(names)) >= 2:  # "Shusha Lachin Shusha Lachin": a loop
        return INC, rule, reason
    return guess(INC, rule, reason)


def _rival_first(f: Facts, d: Span, regrade: Regrade) -> Outcome | None:
    """The first sentence to give a value of the asked kind gives a rival, not the gold ("It
    has been under Armenian control since 1991. ... the 1994 truce"): the gold may come later
    as context. Which one answers is a reading."""
    for sentence in sentences(d.raw):
        gold = regrade(sentence)[0] == C
        if gold:
            return None
        if rivals(f, sentence):
            return guess(C, "doubt.rival_first", "gives another value before the gold")
    return None


def _asked_candidates(d: Span, regrade: Regrade) -> Outcome | None:
    """Candidates put as questions commit only to what follows the last question mark; two
    or more candidates asked, then a plain answer that the rules decide, settle it."""
    parts = d.raw.split("?")
    if len(parts) < 2:
        return None
    after = _after_no(parts[-1].strip(" \n\t*_"))
    asked = [p for p in parts[:-1] if p.strip()]
    if after:
        graded = regrade(after)
        verdict = graded[0]
        if verdict in (C, INC):
            what = "the gold" if verdict == C else "another answer"
            reason = f"asks about candidates, then commits to {what}"
            if decides(graded) and (len(asked) >= 2 or after != parts[-1].strip(" \n\t*_")):
                return verdict, "doubt.candidates", reason
            return guess(verdict, "doubt.candidates", reason)
    if len(asked) >= 2:
        return guess(INC, "doubt.candidates", "candidates put as questions: no commitment")
    return None


def _after_no(text: str) -> str:
    """ "No, it was X" after a rejected candidate: the X is the answer."""
    return _REJECTED.sub("", text)


def _not_the_asked_fact(d: Span) -> Outcome | None:
    """ "The sources mention the border but not the village": context, no answer. Decided
    when that one sentence is the whole response, and no turn after it brings a value back
    (a value said in an earlier sentence may be the answer)."""
    if "not" not in d.toks and "without" not in d.toks:
        return None
    said_all = _SENTENCE_END.split(d.folded.strip())
    last = said_all[-1]
    said = _NOT_THE_FACT.search(last)
    if said is None:
        return None
    if len(said_all) == 1 and _CONTRAST.search(last, said.end()) is None and not any(
            ch.isdigit() for ch in last[said.end():]):
        return NA, "doubt.not_the_fact", "says the sources do not give the asked fact"
    return guess(NA, "doubt.not_the_fact", "says the sources do not give the asked fact")


def _declined_items(f: Facts, d: Span) -> Outcome | None:
    """One item of a list answer given and the rest declined: no answer to the question."""
    gold = f.gold or ""
    if f.type not in ("entity", "text") or not (" and " in gold or "," in gold):
        return None
    if _THE_REST.search(d.folded) and any(p.declines for p in d.clauses) \
            and may_decline(d.toks):
        if _REST_DECLINED.search(d.folded):
            # "Orville Wright was one of them; I'm not sure of the other": one item, and the
            # writer says outright it cannot give the rest.
            return NA, "doubt.declined_items", "names part of the list and declines the rest"
        return guess(NA, "doubt.declined_items", "names part of the list and declines the rest")
    return None


_REST_DECLINED = re.compile(r"\b(?:not sure|do not know|can not (?:name|recall|remember)|"
                            r"not certain|no idea)\b[^.;]*\b(?:the other|the others|the rest|"
                            r"the remaining|the second|the third)\b")


_CERTAIN = re.compile(r"\b(?:obviously|clearly|plainly|certainly|definitely|surely|evidently|"
                      r"undoubtedly|precisely|exactly|in fact|actually|really)\b")


def _unreported_turn(d: Span, regrade: Regrade) -> Outcome | None:
    """ "Never disclosed, but it was clearly carrying fuel": after the turn, a value is
    asserted after all; with a word of certainty ("clearly", "in fact") or a plain yes or no
    the assertion is plain."""
    if not _CONTRAST_WORDS.intersection(d.toks):
        return None
    pieces = [p for p in _CONTRAST.split(d.raw) if p and p.strip()]
    if len(pieces) >= 2 and (graded := regrade(pieces[-1]))[0] == INC:
        reason = "says the fact was not disclosed, then asserts a value anyway"
        if _CERTAIN.search(pieces[-1].lower()) or graded[1] == "unreported.yes_no":
            return INC, "doubt.asserted", reason
        return guess(INC, "doubt.asserted", reason)
    return None


def _only_asked(d: Span, regrade: Regrade) -> Outcome | None:
    """The gold only inside questions the response asks itself ("So is it two, or is it
    unknown?"): no commitment."""
    said = sentences(d.raw)
    with_gold = [s for s in said if regrade(s)[0] == C]
    if with_gold and all(s.rstrip(" *_\"'").endswith("?") for s in with_gold):
        return guess(NA, "doubt.only_asked", "names the gold only in a question it asks")
    return None


_NEGATOR = re.compile(r"\b(?:not|never|no longer)\b")


def _distant_negation(f: Facts, d: Span) -> Outcome | None:
    """A negation a few words before the gold, with only an aside between ("not, contrary to
    the usual story, the Continental Army"; "wasn't, as recaps repeat, Felina")."""
    if f.type == "yes_no":
        return None
    folded = d.folded
    at = gold_at(f, folded)
    if at <= 0:
        return None
    for m in _NEGATOR.finditer(folded, 0, at):
        between = folded[m.end():at]
        if 1 <= len(tokens(between)) <= 10 and "," in between \
                and not _STOP(between) and not TURN.search(between) \
                and not rivals(f, between):
            if _DENYING_ASIDE.match(between):
                # "not, contrary to the usual story, the Continental Army": the aside itself
                # says the gold is what others claim.
                return INC, "doubt.negation", "a negation before the gold, across an aside " \
                    "that sets it against a claim"
            return guess(INC, "doubt.negation", "a negation before the gold, across an aside")
    return None


_DENYING_ASIDE = re.compile(r"\W*(?:contrary to|despite|in spite of|whatever|as (?:\w+ ){0,3}?"
                            r"(?:claim|claims|claimed|say|says|said|repeat|repeats|repeated|"
                            r"assume|assumed|believe|believed|think|thought|report|reported))\b")


_CONCLUSION = re.compile(r"^\W*(?:so|therefore|thus|hence|in short|in sum|overall|in the end)\b"
                         r"(?!\s+(?:far|called|much|many|long|that|to speak)\b)", re.I)


_CLAUSE_CONCLUSION = re.compile(r"[,;:]\s*(?:and\s+)?(?:so|therefore|thus|hence)\b"
                                r"(?!\s+(?:far|called|much|many|long|that|to speak)\b),?\s*",
                                re.I)
_CONCLUDING_WORDS = frozenset("so therefore thus hence short sum overall end".split())


def _concluded(d: Span, rule: str, regrade: Regrade) -> Outcome | None:
    """Reasoning or candidates, then a concluding sentence ("So the claim was made on 8
    November"; "So the longest is the Nile"): the conclusion is the answer. Decided when the
    conclusion alone reads plainly."""
    if _CONCLUDING_WORDS.isdisjoint(d.toks):
        return None
    said = sentences(d.raw)
    # "..., so an adult typically has 206.": a last clause that concludes counts as well.
    last_clause = _CLAUSE_CONCLUSION.search(said[-1]) if said else None
    if last_clause is not None and (len(said) > 1 or last_clause.start() > 0):
        graded = regrade(said[-1][last_clause.end():])
        if graded[0] in (C, INC) and decides(graded):
            return graded[0], "doubt.concluded", "reasons, then concludes"
    if "." not in d.raw.rstrip(" .\n") and "\n" not in d.raw.strip():
        return None
    if len(said) > 1 and _CONCLUSION.match(said[-1]):
        graded = regrade(said[-1])
        if graded[0] in (C, INC):
            if decides(graded):
                return graded[0], "doubt.concluded", "reasons, then concludes"
            if rule == "alternatives":
                return guess(graded[0], "doubt.concluded", "weighs candidates, then concludes")
    return None


def _declined_beside(d: Span, rule: str) -> Outcome | None:
    """A value given as context beside the writer saying they do not know the asked fact ("It
    began after the 1991 collapse; I don't know the year of the truce")."""
    if rule in ("alternatives", "negation") or not may_decline(d.toks):
        return None
    if any(p.speaker_abstains for p in d.clauses):
        if any(not p.speaker_abstains and not GUESSES.isdisjoint(p.toks) for p in d.clauses):
            # "I'm not sure, but possibly WarGonzo": a guess beside the doubt commits to it.
            return guess(INC, "doubt.declined", "unsure, but guesses another value")
        return guess(NA, "doubt.declined", "says it does not know the asked fact; the value "
                     "given is context")
    return None


_ABBREVIATION = re.compile(r"[A-Z][a-z]?|[A-Z][A-Z0-9.&-]{1,7}")
_LONG = 40
"""Words past which an answer that names no gold is mostly context: whether it answers at
all is a reading."""


def _unsure_reading(f: Facts, d: Span, rule: str, reason: str) -> Outcome | None:
    """Wrong-looking answers whose reading a careful reader could dispute: a vague amount or a
    less precise date (an answer, or a way of saying one does not know?), an answer that
    only restates the question's own words, and a long text that never names the gold."""
    if rule.endswith(".vague"):
        return guess(INC, rule, reason)
    if rule == "other.answer":
        words = [t for t in d.toks if t not in FILLER and t not in FUNCTION]
        # "The prime minister is prime minister of Armenia": the question's words, one of them
        # said twice, and nothing else.
        if len(words) >= 3 and len(set(words)) < len(words) \
                and all(prefix_stem(t) in f.question_stems for t in words):
            return guess(NA, "doubt.restates", "only the question's own words: no answer")
        if len(d.toks) > _LONG:
            return guess(INC, "doubt.long", "a long answer that never names the gold")
        # "Hg and Br", "UNSC": symbols and abbreviations may stand for the gold.
        marks = [w for w in _MARKS(d.raw)
                 if w.lower() not in FUNCTION and w.lower() not in FILLER]
        if f.type in ("entity", "text") and marks and all(_ABBREVIATION.fullmatch(w)
                                                           for w in marks):
            return guess(INC, "doubt.abbreviation", "only symbols or abbreviations: they may "
                         "stand for the gold")
    return None
