"""Doubts about names: a rival name and the gold in roles a reader must weigh ("Azerbaijan
blamed Armenia"; "Prokofiev, a friend of Khachaturian, wrote it"), and a full name that holds
the gold's family name without being the gold's own ("Hamdan bin Mohammed Al Maktoum")."""

from __future__ import annotations

import functools
import re

from bench.grading.common import (
    FILLER,
    FUNCTION,
    INC,
    C,
    Outcome,
    Span,
    any_key,
    guess,
    prefix_stem,
)
from bench.grading.facts import Facts
from bench.grading.rivals import SHORT, rival_names, sentences
from bench.text.normalize import fold, tokens

# "Prokofiev, a friend of Khachaturian, wrote it": the gold inside an aside about the rival
# that opens the sentence.
_ASIDE = re.compile(r"^([^,;:]{2,60}),\s+(?:a|an|the|his|her|its|their)\s[^,;:]{0,60}?"
                    r"\b(?:of|to|for|with|by|than)\s+(?:the\s+)?$")
# "Azerbaijan blamed Armenia": the gold acting on another name; which of them the question
# asks for is a reading of its verb.
_NAME_ONLY = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}")
_ACTS_ON = re.compile(r"^\s*(?:[a-z]+ly\s+)?[a-z]+(?:ed|s)\s+(?:the\s+)?([A-Z][\w'’-]+)")


_VERB_NAME = re.compile(r"\b([a-z]{4,})\s+(?:the\s+)?([A-Z][\w'’-]+)")


def asked_slot_rival(f: Facts, d: Span) -> Outcome | None:
    """The question's own verb followed by another name ("The statement blamed Armenia,
    saying ... Azerbaijani positions" for "Which country did it blame?"): that name fills
    the asked slot, and the gold is said of something else."""
    if f.type != "entity" or len(d.toks) > SHORT:
        return None
    for m in _VERB_NAME.finditer(d.raw):
        verb, name = m.groups()
        if len(verb) > 4 and prefix_stem(verb) in f.focus_stems and verb not in FUNCTION \
                and rival_names(f, " " + name):
            return guess(INC, "doubt.rivals", f"the asked verb ({verb!r}) takes another name")
    return None


def runs_into_name(f: Facts, d: Span) -> Outcome | None:
    """The gold running into a longer proper name ("the League of Red Cross Societies" for
    the Red Cross): another body, or the gold's full name? A reader must say."""
    if f.type != "entity" or len(d.toks) > SHORT:
        return None
    for m in any_key(tuple(f.keys)).finditer(d.folded):
        after = _NEXT_WORD.match(d.raw, m.end())
        before = _PREV_OF.search(d.raw, 0, m.start())
        if after is None or before is None:
            continue
        word = fold(after.group(1))
        if word not in FUNCTION and prefix_stem(word) not in f.question_stems \
                and not any(word in key.split() for key in f.keys):
            return guess(INC, "doubt.rivals", "the gold runs into a longer name")
    return None


# The gold inside a longer name: a capitalised word after it, "X of" before it.
_NEXT_WORD = re.compile(r"\s+([A-Z][\w'’-]+)")
_PREV_OF = re.compile(r"\b[A-Z][\w'’-]+\s+(?:of|for)\s+(?:the\s+)?$")


def rival_roles(f: Facts, d: Span) -> Outcome | None:
    """The gold and a rival name in roles a reader must weigh: the gold inside an aside about
    the rival, or the gold doing something to the rival. (A name opening the sentence counts
    here, though `rivals` leaves it out: after it comes the aside that says who it is.)"""
    # Both shapes need a clause around the gold: a bare name ("Shusha.") has none.
    if f.type not in ("entity", "text") or not 3 <= len(d.toks) <= SHORT:
        return None
    said = sentences(d.raw)
    possessive = _possessive(f)
    for sentence in said:
        owned = possessive.search(sentence) if possessive is not None else None
        if owned is not None and prefix_stem(owned.group(1).lower()) not in f.question_stems \
                and rival_names(f, " " + sentence):
            # "Pogosian's boss, Arayik Harutyunyan, wrote it": the gold only owns the one
            # who answers.
            return guess(INC, "doubt.rivals", "names the gold only as a possessive beside a "
                         "rival")
        folded = d.folded if len(said) == 1 else fold(sentence)
        for m in any_key(tuple(f.keys)).finditer(folded):  # the first mention of the gold
            # Folding keeps the length of plain text: the raw offsets are close enough here.
            before, after = folded[:m.start()], sentence[m.end():]
            aside = _ASIDE.match(before)
            if aside and _NAME_ONLY.fullmatch(sentence[:aside.end(1)].strip()) \
                    and after.lstrip().startswith(",") \
                    and rival_names(f, " " + sentence[:aside.end(1)]):
                return guess(INC, "doubt.rivals", "names the gold only in an aside about a "
                             "rival")
            acts = _ACTS_ON.match(after)
            if not before.strip() and acts and rival_names(f, " " + acts.group(1)):
                return guess(C, "doubt.rivals", "the gold acts on another name: which of "
                             "them is asked is a reading")
            return None
    return None


def _possessive(f: Facts) -> re.Pattern[str] | None:
    """The gold's last word in the possessive before a common noun ("Pogosian's boss")."""
    return _possessive_pattern(tuple(f.variants))


@functools.lru_cache(maxsize=1024)
def _possessive_pattern(variants: tuple[str, ...]) -> re.Pattern[str] | None:
    last = sorted({v.split()[-1] for v in variants if v.split() and len(v.split()[-1]) >= 3})
    if not last:
        return None
    return re.compile(r"\b(?i:" + "|".join(map(re.escape, last)) + r")['’]s\s+([a-z][\w-]*)")


# A run of name words: capitalised words and the particles inside names.
_NAME_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|bin|ibn|bint|al|el|de|da|"
                       r"del|di|van|von|der|den|la|le|du|dos|das|y)(?=\s|$|[,.;:!?)]))*")
_TITLES = frozenset("sheikh sheik shaikh emir king queen prince princess sir dame dr mr mrs ms "
                    "president general saint st lord lady".split())


def other_full_name(f: Facts, d: Span) -> Outcome | None:
    """A full name that holds the gold's family name but is no form of the gold ("Sheikh
    Maktoum bin Rashid Al Maktoum" for Mohammed bin Rashid Al Maktoum; "Hamdan bin Mohammed
    Al Maktoum"): a relative, or the same man? A reader must say."""
    if len(d.toks) > _SHORT_NAME:
        return None
    keys = [k.strip() for k in f.keys if k.strip()]
    for m in _NAME_RUN.finditer(d.raw):
        # A capitalised word opening a sentence ("It's", "Probably") is no part of a name;
        # inside one ("Ch'in Shih-huang") every word is.
        words = [w for w in tokens(fold(m.group())) if w not in _TITLES]
        while words and (words[0] in FUNCTION or words[0] in FILLER):
            words.pop(0)
        if len(words) < 3:
            continue
        name = " ".join(words)
        if not any(_key_in(k, name) for k in keys):
            continue  # no part of the gold in this name
        if any(len(k.split()) >= 2 and (_key_in(k, name) or _key_in(name, k)) for k in keys):
            continue  # the gold's full name (or a longer form of it) is there
        return guess(C, "doubt.other_name", "a full name holding the gold's family name, "
                     "not the gold's own")
    return None


def _key_in(key: str, text: str) -> bool:
    return f" {key} " in f" {text} "


_SHORT_NAME = 30
