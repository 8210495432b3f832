"""Text normalisation for grading: folding, tokens, numbers, dates, qualifiers, units, cues."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Typographic variants that models and articles use interchangeably.
_TRANSLATE = str.maketrans(
    {
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ",
        "\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u00df": "ss", "\u0259": "e", "+": " plus ",
    }
)
_CONTRACTIONS = re.compile(r"\b(can)'?t\b|\bcannot\b|\bwon't\b|n't\b")
# A designation such as "Mi-24" or "K21" is one word token, not the number 24.
_TOKEN = re.compile(r"[a-z]+-?\d[a-z0-9]*|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[a-z]+")
ARTICLES = frozenset({"a", "an", "the"})


def _expand(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.startswith("can") or text == "cannot":
        return "can not"
    if text == "won't":
        return "will not"
    return " not"


def fold(text: str) -> str:
    """Lower-case, strip diacritics, unify quotes and dashes, expand negative contractions."""
    # Lower-case first, so that the table's lower-case letters also fold their capitals.
    text = text.lower().translate(_TRANSLATE)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    if "'t" in text or "cannot" in text:
        text = _CONTRACTIONS.sub(_expand, text)
    return text


def tokens(folded: str) -> list[str]:
    """Word and number tokens of folded text; punctuation dropped, "1,200" and "6.5" kept whole."""
    return [t.replace("-", "") if "-" in t else t for t in _TOKEN.findall(folded)]


def phrase_key(text: str) -> str:
    """Space-padded token string without articles: the form phrases are matched in."""
    return " " + " ".join(t for t in tokens(fold(text)) if t not in ARTICLES) + " "


# ---------------------------------------------------------------- numbers

_SMALL = {
    w: i
    for i, w in enumerate(
        (
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        ).split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
NUMBER_WORDS = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_SCALES)

# Qualifier phrases, matched on tokens just before a number; longest first.
GT, LT, APPROX = "gt", "lt", "approx"
_QUALIFIERS: list[tuple[tuple[str, ...], str]] = sorted(
    [
        *(((*p.split(),), GT) for p in (
            "more than", "over", "in excess of", "above", "upwards of", "exceeding",
            "greater than", "at least", "no fewer than", "no less than", "not less than",
            "not fewer than", "well over", "just over", "some more than", "beyond",
        )),
        *(((*p.split(),), LT) for p in (
            "fewer than", "less than", "under", "below", "at most", "no more than",
            "not more than", "up to", "just under", "short of",
        )),
        *(((*p.split(),), APPROX) for p in (
            "about", "around", "approximately", "roughly", "some", "nearly", "almost",
            "an estimated", "estimated", "approx", "circa", "close to", "roughly about",
            "an approximate", "approximate", "or so",
        )),
    ],
    key=lambda item: -len(item[0]),
)
QUALIFIER_NAMES = {GT: "more than", LT: "fewer than", APPROX: "about"}
_POST_QUALIFIERS = {("or", "more"): GT, ("plus",): GT, ("or", "fewer"): LT, ("or", "less"): LT}

# Units: a number followed by a unit of the same dimension but another name is a different claim.
_UNITS: dict[str, tuple[str, str]] = {}
for _dim, _groups in {
    "length": {
        "mile": "mile miles mi", "km": "km kms kilometer kilometers kilometre kilometres",
        "m": "meter meters metre metres", "ft": "foot feet ft",
    },
    "time": {
        "second": "seconds secs", "minute": "minute minutes mins", "hour": "hour hours hrs",
        "day": "day days", "week": "week weeks", "month": "month months", "year": "years yrs",
    },
}.items():
    for _canon, _words in _groups.items():
        for _word in _words.split():
            _UNITS[_word] = (_dim, _canon)
# "year" alone is left out on purpose: "in the year 2020" must not read as a duration.
_UNITS["year"] = ("time", "year")


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number found in text, by value, with its place in the token list."""

    value: float
    start: int
    end: int
    is_year: bool
    qualifier: str | None
    unit: tuple[str, str] | None
    partitive: bool


def _digit_value(token: str) -> float:
    return float(token.replace(",", ""))


def find_numbers(toks: list[str], skip: frozenset[int] = frozenset()) -> list[NumberMention]:
    """Every number in `toks` (digits or words, "6.5 thousand", "sixty-five hundred")."""
    out: list[NumberMention] = []
    n = len(toks)
    i = 0
    while i < n:
        tok = toks[i]
        first = tok[0]
        total = 0.0
        current = 0.0
        j = i
        last_kind = ""
        if tok == "a" and i + 1 < n and toks[i + 1] in _SCALES and i + 1 not in skip:
            current, last_kind, j = 1.0, "small", i + 1  # "a thousand" = "one thousand"
        elif i in skip or not (first.isdigit() or tok in NUMBER_WORDS) or tok in _SCALES:
            i += 1
            continue
        while j < n and j not in skip:
            t = toks[j]
            if t[0].isdigit():
                if last_kind:
                    break
                current = _digit_value(t)
                last_kind = "digit"
            elif t in _SMALL:
                if last_kind in ("digit", "small") or (last_kind == "tens" and _SMALL[t] >= 10):
                    break
                current += _SMALL[t]
                last_kind = "small"
            elif t in _TENS:
                if last_kind in ("digit", "small", "tens"):
                    break
                current += _TENS[t]
                last_kind = "tens"
            elif t in _SCALES:
                if not last_kind:
                    break
                scale = _SCALES[t]
                if scale == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * scale
                    current = 0.0
                last_kind = "scale"
            elif t == "and" and last_kind == "scale" and j + 1 < n and toks[j + 1] in NUMBER_WORDS:
                pass
            else:
                break
            j += 1
        value = total + current
        is_year = (
            j == i + 1 and tok.isdigit() and len(tok) == 4 and 1800 <= value <= 2100
        )
        qualifier = _qualifier_before(toks, i)
        unit = _UNITS.get(toks[j]) if j < n else None
        if qualifier is None:
            for words, kind in _POST_QUALIFIERS.items():
                k = j + (1 if unit else 0)
                if tuple(toks[k : k + len(words)]) == words:
                    qualifier = kind
                    break
        partitive = j < n and toks[j] == "of" and not unit
        out.append(NumberMention(value, i, j, is_year, qualifier, unit, partitive))
        i = j
    return out


# Qualifier phrases by their last word, longest first: one dict look-up per number.
_QUALIFIERS_BY_LAST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _kind in _QUALIFIERS:
    _QUALIFIERS_BY_LAST.setdefault(_phrase[-1], []).append((_phrase, _kind))


def _qualifier_match(toks: list[str], i: int) -> tuple[int, str | None]:
    if i == 0:
        return 0, None
    for words, kind in _QUALIFIERS_BY_LAST.get(toks[i - 1], ()):
        k = len(words)
        if i >= k and tuple(toks[i - k : i]) == words:
            return k, kind
    return 0, None


def _qualifier_before(toks: list[str], i: int) -> str | None:
    return _qualifier_match(toks, i)[1]


def qualifier_span(toks: list[str], i: int) -> int:
    """How many tokens before index `i` belong to a qualifier phrase (0 when none)."""
    return _qualifier_match(toks, i)[0]


def parse_number_answer(text: str) -> NumberMention | None:
    """The single number of a gold answer such as "more than 1,200" or "45 miles", else None."""
    found = find_numbers(tokens(fold(text)))
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------- dates

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b{_YEAR}-(\d{{1,2}})-(\d{{1,2}})\b"), "ymd"),
    (re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"), "dmy"),
    (re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"), "mdy"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "slash"),
    (re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b"), "my"),
    (re.compile(rf"\b{_YEAR}-(\d{{2}})\b(?!-)"), "ym"),
    (re.compile(r"\b(1[89]\d\d|20\d\d)\b"), "y"),
]

Date = tuple[int, int | None, int | None]
_HAS_DIGIT = re.compile(r"\d").search


@dataclass(frozen=True, slots=True)
class DateMention:
    """A calendar date found in text, as precise as the text gives it."""

    date: Date
    start: int
    end: int


def _valid(y: int, m: int | None, d: int | None) -> bool:
    return (m is None or 1 <= m <= 12) and (d is None or 1 <= d <= 31)


def find_dates(folded: str) -> list[DateMention]:
    """Dates in folded text, most specific first where spans overlap."""
    if not _HAS_DIGIT(folded):
        return []  # every date pattern needs a digit
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(folded):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            g = m.groups()
            if kind == "ymd":
                date: Date = (int(g[0]), int(g[1]), int(g[2]))
            elif kind == "dmy":
                date = (int(g[2]), _MONTHS[g[1]], int(g[0]))
            elif kind == "mdy":
                date = (int(g[2]), _MONTHS[g[0]], int(g[1]))
            elif kind == "slash":
                a, b = int(g[0]), int(g[1])
                if a > 12 >= b:
                    date = (int(g[2]), b, a)
                elif b > 12 >= a:
                    date = (int(g[2]), a, b)
                elif a == b:
                    date = (int(g[2]), a, a)
                else:
                    continue  # 09/11/2020: day and month cannot be told apart
            elif kind == "my":
                date = (int(g[1]), _MONTHS[g[0]], None)
            elif kind == "ym":
                date = (int(g[0]), int(g[1]), None)
            else:
                date = (int(g[0]), None, None)
            if not _valid(*date):
                continue
            found.append(DateMention(date, s, e))
            taken.append((s, e))
    found.sort(key=lambda d: d.start)
    return found


def parse_date_answer(text: str) -> Date | None:
    """The single date of a gold answer ("2020-11-09", "2023-09", "1994"), else None."""
    found = find_dates(fold(text))
    return found[0].date if len(found) == 1 else None


def format_date(date: Date) -> str:
    y, m, d = date
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if d else "")


# ---------------------------------------------------------------- cues

def month_date_tokens(folded: str, toks: list[str]) -> frozenset[int]:
    """Token indices inside dates that name a month: "9 November 2020" is no count of 9."""
    spans = [(d.start, d.end) for d in find_dates(folded) if d.date[1] is not None]
    if not spans:
        return frozenset()
    skip = set()
    pos = 0
    for idx, tok in enumerate(toks):
        pos = folded.find(tok, pos)
        if any(s <= pos < e for s, e in spans):
            skip.add(idx)
        pos += len(tok)
    return frozenset(skip)


def stem(word: str) -> str:
    """A crude plural stem: "drones" and "drone" match, "ies" becomes "y"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word



NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "none", "nothing"})
TURNS = frozenset({"but", "rather", "instead", "however", "although", "though"})

# "I cannot answer" in its many forms: no answer was given.
ABSTAIN = re.compile(
    r"\b(?:i|we) (?:do|did) not (?:know|have)\b|\bi am not (?:sure|certain|aware)\b"
    r"|\bi'm not (?:sure|certain|aware)\b|\bnot sure\b|\bunknown\b|\bunclear\b"
    r"|\bno (?:information|answer|data|details|mention|indication|record|way to)\b"
    r"|\bnot (?:enough|sufficient) (?:information|context|detail)|\binsufficient\b"
    r"|\bnot able to\b|\brather not (?:guess|say|speculate)\b|\bwould not (?:guess|speculate)\b"
    r"|\bcan not (?:be )?(?:determine|determined|answer|answered|say|tell|find|know|known|confirm"
    r"|provide|identify|verify|infer|be sure)\b|\bunable to\b|\bno (?:specific )?(?:figure|number)"
    r"|\b(?:article|articles|text|texts|source|sources|document|documents|passage|passages"
    r"|context|report|reports)s? (?:does|do|did) not (?:say|mention|specify|state|provide|give"
    r"|indicate|include|contain|report|disclose|address|identify)\b"
    r"|\bnot (?:mentioned|specified|stated|provided|given|indicated|included|available|known"
    r"|addressed|identified)\b|\bnot possible to (?:say|tell|know|determine)\b"
    r"|\bcould not (?:find|determine|say|tell)\b|^\W*(?:n/?a|none|unsure|pass|no comment)\W*$"
    r"|\bdon't know\b"
)

# "The figure was not disclosed": the right answer to an unreported question.
NONDISCLOSURE = re.compile(
    r"\bnot (?:been |yet |officially |publicly )*(?:disclosed|released|revealed|published"
    r"|made public|confirmed|verified|reported|specified|stated|given|announced|disclose"
    r"|specify|say|state|reveal|confirm|report|announce|publish|give)\b"
    r"|\bundisclosed\b|\bunconfirmed\b|\bunverified\b|\bunspecified\b|\bunreported\b"
    r"|\bwithout (?:specifying|disclosing|giving|saying|stating|revealing|naming)\b"
    r"|\bnever (?:been )?(?:disclosed|revealed|confirmed|specified|stated|announced|said|given"
    r"|published|released)\b|\bno (?:official|confirmed|public) (?:figure|number|toll|count|word"
    r"|information|statement|confirmation|data)\b|\bdeclined to (?:say|specify|disclose|give)\b"
    r"|\bcould not be (?:independently )?(?:confirmed|verified)\b|\bnot independently\b"
    r"|\bremains? (?:unknown|unclear|undisclosed)\b|\bkept (?:secret|confidential)\b"
)

# Words that attribute a claim to someone instead of asserting it.
ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|claimed|claims|claim|according|reported|reportedly|reports|alleged"
    r"|allegedly|purportedly|rumou?red|suggested|suggests)\b"
)

CLAUSE_SPLIT = re.compile(r"[.;!?]\s+|[.;!?]$|\n+|\bbut\b|\bhowever\b|\bwhile\b|\balthough\b")
