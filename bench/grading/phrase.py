"""Entity and text answers: the gold as a phrase, names, typos; several candidates and list
answers are judged in `rules_lists`."""

from __future__ import annotations

import re

from bench.grading.common import (
    FILLER,
    FUNCTION,
    GUESSES,
    INC,
    NA,
    ROLES,
    C,
    Outcome,
    Span,
    edit_distance,
    guess,
    negated,
    prefix_stem,
)
from bench.grading.facts import Facts
from bench.grading.lists import candidates
from bench.text.normalize import ARTICLES

_VOWELS = re.compile(r"[aeiou]")
_DOUBLED = re.compile(r"(.)\1+")


def match_phrase(f: Facts, d: Span) -> Outcome | None:
    """Find the gold or an alias as a whole phrase; judge negation, names and candidates."""
    key = d.key
    found = rejected = alternative = other_name = False
    judged: list[tuple[int, int]] = []  # spans already judged: a shorter alias inside is not new
    for gold_key in f.keys:
        start = key.find(gold_key)
        while start != -1:
            end = start + len(gold_key)
            if any(s <= start and end <= e for s, e in judged):
                start = key.find(gold_key, start + 1)
                continue
            judged.append((start, end))
            found = True
            # The few words before the gold decide; a long text need not be split whole.
            before = key[max(0, start - 60):start].split()
            if negated(before):
                rejected = True
            elif f.person and _other_name(f, gold_key, before, d.folded, d.raw):
                other_name = True
            elif (key.startswith("or ", end) and not _starts_variant(f, key[end + 3:].split())
                  ) or (before[-1:] == ["or"] and not _ends_variant(
                      f, key[:start].split()[:-1])) or "either" in before[-4:]:
                alternative = True
            else:
                if candidates(f, d):
                    return INC, "alternatives", "offers several candidates"
                return C, "phrase.match", f"gives {gold_key.strip()!r}"
            start = key.find(gold_key, start + 1)
    if alternative:
        return INC, "alternatives", "offers several candidates"
    if rejected:
        return INC, "negation", "negates the gold"
    if other_name:
        return INC, "phrase.other_name", "names another person of the same family name"
    return None if not found else (INC, "phrase.rejected", "gold only in a rejected form")


def match_loose(f: Facts, d: Span) -> Outcome | None:
    """The gold without what the question already says, or with one letter's typo."""
    key = d.key
    for core in f.core_keys:
        start = key.find(core)
        if start != -1 and not negated(key[:start].split()):
            if candidates(f, d):
                return INC, "alternatives", "offers several candidates"
            swapped = _swapped_word(f, core, key[start + len(core):].split(), d.raw)
            if swapped is not None:
                return guess(INC, "phrase.core_other", f"gives {core.strip()!r} with "
                             f"{swapped!r} where the gold has another word")
            return guess(C, "phrase.core",
                         f"gives {core.strip()!r}, the part the question asks for")
    if f.type == "entity":
        hit = _fuzzy(f, [t for t in d.toks if t not in ARTICLES])
        if hit is not None:
            return (C, "phrase.typo",
                    f"gives {hit!r}, a spelling of the gold off by one letter")
    return None


def _swapped_word(f: Facts, core: str, after: list[str], raw: str) -> str | None:
    """ "Continental Navy" for the Continental Army: the name goes on with a word of neither
    the gold nor the question, where the gold has one of the question's words."""
    if not after:
        return None
    word = after[0]
    if not re.search(rf"\b{re.escape(word[:1].upper())}{re.escape(word[1:])}\b", raw):
        return None  # not part of the name: "the Continental forces" may well be the army
    gold_words = f.key_word_set
    if word in FILLER or word in FUNCTION or word in gold_words or word in f.question_words \
            or not word.isalpha():
        return None
    dropped = [w for key in f.keys if core.strip() in key
               for w in key.replace(core.strip(), " ").split()]
    # "Ernő Rubic": the dropped word misspelt is the same word.
    if not dropped or any(edit_distance(word, w, 2) <= 2 for w in dropped):
        return None
    return word


def match_keywords(f: Facts, d: Span) -> Outcome | None:
    toks = d.toks
    # Word forms join ("decipher", "deciphering"): every key word must still be there.
    stems = [prefix_stem(t) for t in toks]
    have = set(stems)
    for bag in f.bags:
        if bag and bag <= have:
            first = min(stems.index(w) for w in bag)
            if negated(toks[:first]):
                return INC, "negation", "negates the gold"
            return C, "text.keywords", "has every key word of the gold"
    return None


def no_match(f: Facts, d: Span) -> Outcome:
    """The gold is not in the response: an abstention, or a different answer. Beside an
    abstention, other words are context unless they guess ("but I think it was X")."""
    if f.echoes(d):
        return NA, "echo", "restates the question: no answer"
    said = [p for p in d.clauses if not p.declines and f.content(p.toks)]
    if not said:
        return NA, "abstain", "abstains: no answer given"
    if len(said) == len(d.clauses) or not any(p.speaker_abstains for p in d.clauses):
        return INC, "other.answer", f"does not give the answer {f.gold!r}"
    if any(not GUESSES.isdisjoint(p.toks) for p in said):
        return INC, "other.answer", f"does not give the answer {f.gold!r} (a guess)"
    return NA, "abstain", "abstains: no answer given"


# ------------------------------------------------------------------ names


def _other_name(f: Facts, gold_key: str, before: list[str], folded: str, raw: str) -> bool:
    """A family name preceded by another given name: "Heydar Aliyev" is not "Ilham Aliyev";
    a spelling variant of the given name ("Vahram" for "Vagram") is the same person."""
    prev = before[-1] if before else ""
    if (len(prev) < 2 or prev in FILLER or prev in FUNCTION or prev in f.question_words
            or prev in ROLES or not prev.isalpha()):
        return False  # a middle initial ("Joseph R. Biden") is no other given name
    if re.search(rf"\b{re.escape(prev)}\s*:", folded):
        return False  # a field label ("Name: Aliyev"), not a given name
    if not re.search(rf"\b{re.escape(prev[:1].upper())}", raw):
        return False
    n = len(gold_key.split())
    longer = [k.split() for k in f.keys if len(k) > len(gold_key) and k.endswith(gold_key)]
    given = [k[-n - 1] for k in longer if len(k) > n]
    if not given:
        return False
    # The given name may stand before a middle name: "Nelson Rolihlahla Mandela".
    near = before[-3:]
    return not any(g == w or same_name(g, w) for g in given for w in near)


_SKELETON = str.maketrans({"x": "ks", "w": "v", "y": "i", "j": "i", "q": "k", "c": "k"})


def _consonants(name: str) -> str:
    s = name.translate(_SKELETON).replace("kh", "h").replace("ph", "f").replace("gh", "g")
    s = _VOWELS.sub("", s)
    return _DOUBLED.sub(r"\1", s)


def same_name(a: str, b: str) -> bool:
    """Transliterations of one name: "Alexey"/"Oleksiy", "Vahram"/"Vagram", "Aliev"/"Aliyev"."""
    ca, cb = _consonants(a), _consonants(b)
    if ca == cb:
        return bool(ca)
    return min(len(ca), len(cb)) >= 3 and edit_distance(ca, cb) <= 1 and ca[0] == cb[0]


def _fuzzy(f: Facts, toks: list[str]) -> str | None:
    """A window of the response equal to a gold variant but for one letter in one long word."""
    near: dict[int, str] = {}  # response position -> the gold word it is one letter from
    for i, t in enumerate(toks):
        if len(t) < 4:
            continue
        # A four-letter word only inside a longer name, the rest spelled right ("van Gough").
        for g in (f.typo_words if len(t) >= 5 else f.name_words):
            # One letter off, but not a word that only adds or drops an ending: "Azerbaijani"
            # is no typo of "Azerbaijan".
            if g[0] == t[0] and abs(len(g) - len(t)) <= 1 and g != t \
                    and not _derived(g, t) and edit_distance(g, t, limit=1) <= 1:
                near[i] = g
                break
    if not near:
        return None
    for gold_key in f.keys:
        gold = gold_key.split()
        n = len(gold)
        for i, g in near.items():
            if g not in gold:
                continue
            lo = i - gold.index(g)
            window = toks[lo: lo + n]
            if lo < 0 or len(window) != n or (len(g) < 5 and n < 3):
                continue
            if all(w == x or k == i - lo for k, (w, x) in enumerate(zip(window, gold,
                                                                        strict=True))) \
                    and not negated(toks[:lo]):
                return " ".join(window)
    return None


_ENDINGS = frozenset({"i", "s", "n", "a", "e", "y"})


def _derived(a: str, b: str) -> bool:
    """One word is the other with an ending ("Azerbaijani", "Armenians"): another word, not a
    spelling of it; "Chankatag" for "Chankatagh" is a spelling."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short):] in _ENDINGS


def _starts_variant(f: Facts, words: list[str]) -> bool:
    text = " " + " ".join(words) + " "
    return any(text.startswith(k) for k in f.keys)


def _ends_variant(f: Facts, words: list[str]) -> bool:
    text = " " + " ".join(words) + " "
    return any(text.endswith(k) for k in f.keys)
