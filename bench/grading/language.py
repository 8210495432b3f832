"""Answers in another language or script: transliterated, they may match the gold; if not, a
reader of that language must say, so the verdict is a best guess."""

from __future__ import annotations

import re
import unicodedata

from bench.grading.common import INC, C, Outcome, Span, decides, edit_distance, guess
from bench.grading.facts import Facts
from bench.grading.rivals import Regrade
from bench.text.normalize import fold, tokens

FOREIGN_WORDS = _FOREIGN = frozenset("""la le les des du et est une un der die das und ist hat
    ein eine dem den el los las y es una il della del di lo gli os em og er ve bir het een och
    ett på är være ikke nicht kein keine pas oui sí sim não nein nei kyllä""".split())


_ENGLISH = frozenset("the of and is was were to in it that this by for with not no".split())


def in_other_language(d: Span) -> bool:
    """Whether a span reads as another language than English: another script, or Latin
    letters among another language's frequent words."""
    words = set(d.toks)
    if d.raw.isascii() and words.isdisjoint(_FOREIGN):
        return False
    if any(ch.isalpha() and not ch.isascii() and "LATIN" not in unicodedata.name(ch, "")
           for ch in d.raw):
        return True
    foreign = len(words & _FOREIGN) + any(ch.isalpha() and not ch.isascii() for ch in d.raw)
    return not words & _ENGLISH and (foreign >= 2 or (foreign == 1 and len(d.toks) <= 4))


# Negations of other languages, as `fold` writes them ("не" is "ne"): "Не Терешкова, а
# Савицкая" denies the gold.
_FOREIGN_NEGATORS = frozenset("ne net nicht kein keine nein pas non nao nie nem nej ikke ej "
                              "δεν οχι 不 没 没有 ない لا ليس չէ ոչ არ".split())


def foreign_negation(f: Facts, d: Span) -> Outcome | None:
    """The gold in another language beside a negation of that language: denied or not, a
    reader of the language must say. The guess: denied where the negation stands right before
    it ("Не Терешкова, а Савицкая", "不是秦始皇，是刘邦")."""
    latin = not _FOREIGN_NEGATORS.isdisjoint(d.toks) and in_other_language(d)
    script = not d.raw.isascii() and any(n in d.folded for n in _GLUED_NEGATORS)
    if not latin and not script:
        return None
    for variant in f.variants:
        gold = fold(variant)
        at = d.folded.find(gold)
        if at > 0 and _NEGATED_BEFORE.search(d.folded[max(0, at - 8):at]):
            return guess(INC, "doubt.language", "the gold right after a negation in another "
                         "language")
    return guess(C, "doubt.language", "the gold beside a negation in another language")


_GLUED_NEGATORS = ("不", "没", "ない", "لا ")
_NEGATED_BEFORE = re.compile(r"(?:\b(?:ne|nicht|kein|keine|pas|non|nao|nie|no|nem|δεν|οχι)\s+"
                             r"(?:\w+\s+)?|不是|不|没有|لا\s*)$")


def foreign_sentence(d: Span) -> Outcome | None:
    """A sentence in another language that holds the gold beside a rival value ("Погиб один
    военнослужащий, ещё двое были ранены"): which of them answers takes a reader of the
    language."""
    if len(d.toks) >= 3 and in_other_language(d) and (
            not d.raw.isascii() or len(set(d.toks) & _FOREIGN) >= 2):
        return guess(C, "doubt.language", "the gold in a sentence of another language")
    return None


def other_language(f: Facts, d: Span, regrade: Regrade) -> Outcome | None:
    """An answer in another script or language: transliterated, it may match the gold; if
    not, a reader of that language must say."""
    words = set(d.toks)
    if d.raw.isascii() and words.isdisjoint(_FOREIGN):
        return None  # the common case, decided at once
    script = any(ch.isalpha() and not ch.isascii() and "LATIN" not in unicodedata.name(ch, "")
                 for ch in d.raw)
    # Letters with diacritics ("beträgt", "Armée") count as one sign of another language.
    foreign = len(words & _FOREIGN) + any(ch.isalpha() and not ch.isascii() for ch in d.raw)
    latin = not words & _ENGLISH and (foreign >= 2 or (foreign == 1 and len(d.toks) <= 4))
    if not script and not latin:
        return None
    if script:
        from anyascii import anyascii

        plain = anyascii(d.raw).replace("'", "").replace("`", "")
        graded = regrade(plain)
        if _letters_only(d.raw) and ((graded[0] == C and decides(graded))
                                     or _near_gold(f, plain)):
            # Transliterated, the name alone is the gold: no reading of the language needed.
            return C, "doubt.script", "the gold written in another script"
        if graded[0] == C or _close_to_gold(f, plain) or (
                f.type in ("entity", "text") and _sounds_like_gold(f, plain)):
            denied = foreign_negation(f, d)
            if denied is not None and denied[0] == INC:
                return denied
            return guess(C, "doubt.script", "the gold written in another script")
    elif f.type in ("entity", "text") and _sounds_like_gold(f, d.raw):
        return guess(C, "doubt.language", "the gold as another language spells it")
    return guess(INC, "doubt.language", "an answer in another language: not matched to the "
                 "gold")


def _near_gold(f: Facts, text: str) -> bool:
    """Whether `text` is a gold form word for word, each long word within one letter of the
    gold's ("Stepanakerti" for Stepanakert), with nothing else."""
    said = tokens(fold(text))
    for variant in f.variants:
        gold = tokens(fold(variant))
        if len(gold) == len(said) and all(
                a == b or (len(b) >= 5 and edit_distance(a, b, 1) <= 1)
                or (len(a) == 1 and b.startswith(a) and b != said[-1])  # "D. I. Mendeleev"
                for a, b in zip(said, gold, strict=True)) and len(said[-1]) > 1:
            return True
    return False


def _letters_only(raw: str) -> bool:
    """A name and nothing else: no Latin word, no digit (words of a sentence around a name
    could say anything)."""
    return len(raw.split()) <= 4 and not any(ch.isdigit() or ("a" <= ch.lower() <= "z")
                                             for ch in raw)


def _close_to_gold(f: Facts, text: str) -> bool:
    """Whether a transliteration spells a gold key closely (a fifth of its letters may differ,
    as transliterations do)."""
    from rapidfuzz import fuzz

    folded = " ".join(tokens(fold(text)))
    return any(len(key) >= 4 and fuzz.partial_ratio(key, folded) >= 80 for key in f.keys)


_DIGRAPHS = (("tsch", "c"), ("sch", "s"), ("gh", ""), ("ph", "f"), ("ck", "k"), ("kh", "k"),
             ("sh", "s"), ("ch", "s"), ("ts", "s"), ("dz", "s"), ("zh", "s"))
_SOUNDS = str.maketrans("cqzvrdg", "kksflth")


def _skeleton(word: str) -> str:
    """The consonants of a word as transliterations blur them: "Aserbaidschan" and
    "Azerbaijan", "Уилбур" (Uilbur) and "Wilbur", "Алиев" and "Aliyev" come out alike."""
    for a, b in _DIGRAPHS:
        word = word.replace(a, b)
    out: list[str] = []
    for ch in word.translate(_SOUNDS):
        if ch.isalpha() and ch not in "aeiouyhwj" and (not out or out[-1] != ch):
            out.append(ch)
    return "".join(out)


def _alike(a: str, b: str) -> bool:
    """Two skeletons alike: equal when short, three quarters alike when longer."""
    from rapidfuzz import fuzz

    if min(len(a), len(b)) <= 2:
        return a == b
    return fuzz.ratio(a, b) >= 75


def _sounds_like_gold(f: Facts, text: str) -> bool:
    """Whether every long word of a gold form has a word of `text` whose consonants match
    closely: a name carried into another language, spelled as that language spells it."""
    said = [_skeleton(w) for w in tokens(fold(text)) if len(w) >= 3]
    said = [s for s in said if len(s) >= 2]
    for variant in f.variants:  # whole gold forms: a key may be a shortened one ("fleet")
        words = [_skeleton(w) for w in tokens(fold(variant)) if len(w) >= 4]
        if words and all(len(w) >= 2 and any(_alike(w, s) for s in said) for w in words):
            return True
    return False
