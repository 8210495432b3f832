"""Several candidates and list answers: an enumeration or a repetition loop that holds the
gold beside another item offers candidates; a list question wants every item and no other.

Items of an enumeration are names (capitalised words) or, in an all-lower-case response, bare
noun phrases; an apposition ("Rybar, a Telegram channel") is not an item, and neither are the
fields of a table or of "Label: value" lines (each is a sentence of its own)."""

from __future__ import annotations

import re
from itertools import pairwise

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
    key_of,
    negated,
    prefix_stem,
)
from bench.grading.facts import Facts
from bench.text.normalize import ARTICLES, fold, tokens, tokens_and_separators

_PIECE = re.compile(r"(\n|[,;/&]|\s[-–—]\s)|([^\W_][\w'’.-]*)")
_CONJ = frozenset({"and", "or", "nor", "plus", "vs", "versus"})
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_LINE = re.compile(r"(?<=[.!?])\s+|\n+")
_MAX_ITEM = 4

def candidates(f: Facts, d: Span) -> bool:
    """Whether the response offers the gold among other candidates (an enumeration or a
    repetition loop); a list question's items are all expected, so they never count."""
    if f.list_gold:
        return False
    raw = d.raw
    several = raw.count(".") + raw.count("\n") + raw.count("!") + raw.count("?") >= 2
    if not _has_separator(raw) and not several:
        return _name_loop(f, d)
    # Names are capitalised; descriptions are not, so a list of them must stand alone.
    cased = raw != raw.lower() and f.type == "entity"
    if _has_separator(raw) and (not cased or _may_enumerate(raw)) \
            and _gold_by_separator(f, d) and _enumeration(f, _sentences(d), cased):
        return True
    if not several or d.structured:
        return False  # a table's values, one a line, are fields, not a loop
    lines = [s for s in _LINE.split(d.folded) if s.strip()]
    return len(lines) >= 3 and _loop(f, [tokens(s) for s in lines])


_SEPARATING = frozenset({",", "and", "or", "nor", "plus", "vs", "versus"})


_SEP_BEFORE = re.compile(r"(?:[,;/&\n]|\b(?:and|or|nor|plus|vs|versus))\s*(?:(?:the|a|an)\s+)?$")
_SEP_AFTER = re.compile(r"\s*(?:[,;/&\n]|(?:and|or|nor|plus|vs|versus)\b)")


def _gold_by_separator(f: Facts, d: Span) -> bool:
    """Whether some mention of the gold has a list separator right before or after it: an
    enumeration that holds the gold needs one (a cheap test before reading items)."""
    text = d.folded
    seen = False
    for m in any_key(tuple(f.keys)).finditer(text):
        seen = True
        if _SEP_BEFORE.search(text, max(0, m.start() - 16), m.start()) \
                or _SEP_AFTER.match(text, m.end()):
            return True
    if seen:
        return False
    return _gold_by_separator_tokens(f, d)  # a form the text spells otherwise ("mi-24")


def _gold_by_separator_tokens(f: Facts, d: Span) -> bool:
    seq = [t for t in tokens_and_separators(d.folded) if t not in ARTICLES]
    n = len(seq)
    for k in f.keys:
        gold = k.split()
        if not gold:
            continue
        width, first = len(gold), gold[0]
        i = -1
        while True:
            try:
                i = seq.index(first, i + 1)  # a scan in C: most words are no gold word
            except ValueError:
                break
            if seq[i: i + width] == gold and ((i and seq[i - 1] in _SEPARATING) or (
                    i + width < n and seq[i + width] in _SEPARATING)):
                return True
    return False


def _sentences(d: Span) -> list[tuple[str, str]]:
    """(raw sentence, folded sentence): fold keeps sentence ends, so the two split alike."""
    raw = [s for s in _SENTENCE.split(d.raw.strip()) if s.strip()]
    folded = [s for s in _SENTENCE.split(d.folded.strip()) if s.strip()]
    if len(raw) != len(folded):
        folded = [fold(s) for s in raw]
    return list(zip(raw, folded, strict=True))


def _is_gold_item(f: Facts, item: str) -> bool:
    key = " " + item + " "
    return any(k in key or key in k for k in f.keys)


_SEPARATORS = (",", ";", "/", "&", " and ", " or ", " nor ", "\n", " - ")


def _may_enumerate(sentence: str) -> bool:
    """In a cased text an enumeration of names needs a capitalised word on both sides of
    some separator: a cheap test before the full reading."""
    for sep in _SEPARATORS:
        i = sentence.find(sep)
        while i != -1:
            j = i + len(sep)
            rest = sentence[j:].lstrip(" -*•\t")
            if rest[:4].lower() == "the ":
                rest = rest[4:].lstrip()
            head = sentence[:i].rstrip(" .:;)\t")
            last = head[head.rfind(" ") + 1:].lstrip("-*•(\n")
            if rest[:1].isupper() and last[:1].isupper():
                return True
            i = sentence.find(sep, j)
    return False


def _enumeration(f: Facts, sentences: list[tuple[str, str]], cased: bool) -> bool:
    for sentence, folded in sentences:
        if not _has_separator(sentence) or (cased and not _may_enumerate(sentence)):
            continue
        key = key_of(tokens(folded))
        if not any(k in key for k in f.keys):
            continue
        items: list[list[str]] = [[]]
        seps: list[str] = []
        for sep, word in _PIECE.findall(sentence):
            low = word.lower().rstrip(".")
            if sep or low in _CONJ:
                seps.append("\n" if "\n" in sep else (sep or low).strip())
                items.append([])
            else:
                items[-1].append(word.rstrip("."))
        if len(items) < 2:
            continue
        cores = [_core(it, k, len(items), cased, seps[k - 1] if k else "")
                 for k, it in enumerate(items)]
        run: list[str] = []
        conj = False
        whole = True
        for k, core in enumerate(cores):
            if core is None:
                if len(run) >= 2 and _offers(f, run, conj, whole and k == len(cores)):
                    return True
                run, conj, whole = [], False, False
                continue
            if run and seps[k - 1] in _CONJ | {"&", "/", "\n"}:
                conj = True
            run.append(core)
            whole = whole and _bare(items[k], cased)
        if len(run) >= 2 and _offers(f, run, conj, whole):
            return True
    return False


def _has_separator(sentence: str) -> bool:
    return ("," in sentence or " and " in sentence or " or " in sentence or "/" in sentence
            or "&" in sentence or ";" in sentence or "\n" in sentence or " nor " in sentence
            or " - " in sentence)


def _offers(f: Facts, run: list[str], conj: bool, whole: bool) -> bool:
    if not (conj or whole or len(run) >= 3) or (f.type == "text" and not whole):
        return False
    if any(set(c.split()) <= f.qualifiers for c in run):
        return False  # "Barcelona, Catalonia, Spain": a place and what holds it
    gold = [c for c in run if _is_gold_item(f, c)]
    part_of_gold = {w for k in f.keys for w in k.split()}
    others = [c for c in run if c not in gold and not set(c.split()) <= part_of_gold
              and any(w not in FILLER for w in c.split())]
    return bool(gold) and bool(others)


def _core(item: list[str], k: int, n: int, cased: bool, sep: str) -> str | None:
    """The words of an enumeration item that could name an answer, folded; None if none."""
    if not item:
        return None
    if sep == "," and k == n - 1 and item[0].lower() in ("a", "an"):
        return None  # an apposition: "Rybar, a pro-war channel"
    words = [w for w in item if w.lower() not in ARTICLES]
    if k == 0:
        run: list[str] = []
        for w in reversed(words):
            if not _nameish(w, cased):
                break
            run.insert(0, w)
        if len(run) < len(words) and words[-len(run) - 1].lower() in _RELATING:
            return None  # "between Stepanakert and Armenia": two ends, not two candidates
    elif k == n - 1:
        run = []
        for w in words:
            if not _nameish(w, cased):
                break
            run.append(w)
        if cased and 0 < len(run) < len(words) and _content_word(words[len(run)]):
            return None  # "... and Armenian name Chankatagh": the name qualifies a noun
    else:
        run = words if all(_nameish(w, cased) for w in words) else []
    if not run or len(run) > _MAX_ITEM:
        return None
    text = " ".join(run)
    if text.isascii() and text.isalpha() if " " not in text else text.replace(" ", "").isalpha():
        return text.lower()
    return " ".join(tokens(fold(text)))


_RELATING = frozenset({"between", "from"})


def _content_word(word: str) -> bool:
    low = word.lower().strip(".,;:!?")
    return low.isalpha() and low not in FUNCTION and low not in FILLER and word[:1].islower()


def _nameish(word: str, cased: bool) -> bool:
    low = word.lower()
    if low in FUNCTION or (not cased and low in FILLER):
        return False
    return word[:1].isupper() or word[:1].isdigit() or not cased


def _bare(item: list[str], cased: bool) -> bool:
    return all(_nameish(w, cased) or w.lower() in ARTICLES for w in item)


_CASED_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _name_loop(f: Facts, d: Span) -> bool:
    """Names run together with no punctuation, the gold repeated among others ("Ford Ford
    General Motors Chrysler Ford ..."): a small model's loop over candidates."""
    if f.type != "entity" or len(d.toks) < 4:
        return False
    if sum(t in f.key_starts for t in d.toks) < 2:
        return False  # the gold named once at most: no loop over it
    keys = f.key_words
    toks = d.key.split()
    hits, left, i = 0, [], 0
    while i < len(toks):  # each mention of the gold counted once, its longest form first
        k = next((k for k in keys if tuple(toks[i:i + len(k)]) == k), None)
        if k is None:
            left.append(toks[i])
            i += 1
        else:
            hits += 1
            i += len(k)
    if hits < 2:
        return False
    gold = f.key_word_set
    cased = {t for w in _CASED_WORD.findall(d.raw) if w[0].isupper() for t in tokens(fold(w))}
    # "the city of Shusha Lachin Shusha ...": the question's words and function words around
    # the names are no candidates.
    left = [t for t in left if t not in FUNCTION and t not in FILLER
            and prefix_stem(t) not in f.question_stems]
    looped = hits >= 3 or len(set(left)) < len(left)  # a loop says something again
    return bool(left) and looped and all(t in cased and t not in gold for t in left)


def _loop(f: Facts, sentences: list[list[str]]) -> bool:
    """Three or more sentences of one template that differ in one slot, the gold among the
    slot's values and another beside it."""
    if len(sentences) < 3:
        return False
    slots: set[str] = set()
    pairs = 0
    for a, b in pairwise(sentences):
        if len(a) != len(b) or not a:
            continue
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        # One word a sentence ("Armenia. Azerbaijan. Georgia.") is a list read aloud.
        if 1 <= len(diff) <= 2 and (len(diff) < len(a) or len(a) == 1):
            pairs += 1
            slots.add(" ".join(a[k] for k in diff))
            slots.add(" ".join(b[k] for k in diff))
    if pairs < 2 or len(slots) < 2:
        return False
    return any(_is_gold_item(f, s) for s in slots) and any(
        not _is_gold_item(f, s) for s in slots)


# ------------------------------------------------------------------ list questions

_LIST_SEP = re.compile(r"\s*(?:[,;/&\n]|\band\b|\bplus\b)\s*")
_BRACKETED = re.compile(r"\([^()]*\)")
_LEAD_IN = re.compile(r"^[^\n:]*:\s*", re.M)


_PROSE = 20
"""Words past which a response is prose rather than a listing."""


def match_list(f: Facts, d: Span) -> Outcome | None:
    """A list question: every item of a listing of the gold, in any order, and no other item
    (a one-letter typo in a long word is the same item); None when no item is named."""
    key = key_of(d.toks)
    best: tuple[int, int] = (0, 0)
    for items in f.list_items:
        found = sum(any(_holds(key, k) for k in item) for item in items)
        best = max(best, (found, -len(items)))
        if found == len(items):
            extra = _extra_items(f, d)
            if extra:
                # In prose, "X and Y" may be no list at all ("the Act of 1958, creating
                # the Administration"): only a short listing is plainly one.
                if len(d.toks) > _PROSE:
                    return guess(INC, "list.extra", f"lists {extra!r}, which the gold does "
                                 "not (or is it prose?)")
                return INC, "list.extra", f"lists {extra!r}, which the gold does not"
            return C, "list.match", f"names all {len(items)} items"
    if best[0]:
        return INC, "list.partial", f"names {best[0]} of the {-best[1]} items"
    return None


def _holds(key: str, item: str) -> bool:
    start = key.find(item)
    if start != -1:
        return not negated(key[:start].split())
    words = item.split()
    if len(words) != 1 or len(words[0]) < 5:
        return False
    return any(len(w) >= 5 and w[0] == words[0][0] and edit_distance(w, words[0], 1) <= 1
               for w in key.split())


def _extra_items(f: Facts, d: Span) -> str | None:
    """An item of a list-like response that names none of the gold's items."""
    # A note in brackets describes its item ("Germany (east)"), and a line ending in a colon
    # leads into the list ("Luxembourg borders:"): neither is an item.
    text = _BRACKETED.sub(" ", d.folded.strip().rstrip(".!"))
    parts = [p for p in _LIST_SEP.split(_LEAD_IN.sub("\n", text)) if p.strip()]
    if len(parts) < 2 or any(len(tokens(p)) > 5 for p in parts):
        return None  # prose, not a list: only named items count
    every = [k for items in f.list_items for item in items for k in item]
    for part in parts:
        words = [t for t in tokens(part) if t not in ARTICLES]
        if not words or all(w in FILLER for w in words):
            continue
        if not any(_holds(key_of(words), k) for k in every):
            return part.strip()
    return None
