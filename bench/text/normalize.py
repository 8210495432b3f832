"""Text normalisation for grading: folding, tokens, phrase keys; numbers, dates and cues.

Numbers live in `numbers`, dates in `dates` and sentence cues in `cues`; they are
re-exported here, the one import for everything a grader reads text with."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left

from bench.text.cues import (
    ABSTAIN,
    ATTRIBUTION,
    CLAUSE_SPLIT,
    NEGATIONS,
    NONDISCLOSURE,
    TURNS,
)
from bench.text.dates import MONTHS, Date, DateMention, find_dates, find_day_months, format_date
from bench.text.numbers import (
    APPROX,
    GT,
    LT,
    NUMBER_WORDS,
    QUALIFIER_NAMES,
    UNIT_WORDS,
    NumberMention,
    find_numbers,
    qualifier_span,
    same_quantity,
)

__all__ = [
    "ABSTAIN", "APPROX", "ARTICLES", "ATTRIBUTION", "CLAUSE_SPLIT", "GT", "LT", "NEGATIONS",
    "NONDISCLOSURE", "NUMBER_WORDS", "QUALIFIER_NAMES", "TURNS", "UNIT_WORDS", "Date",
    "DateMention",
    "NumberMention", "find_dates", "find_day_months", "find_numbers", "fold", "format_date",
    "month_date_tokens", "parse_date_answer", "parse_number_answer", "phrase_key",
    "qualifier_span", "same_quantity", "stem", "token_starts", "tokens",
    "tokens_and_separators",
]

# Typographic variants that models and articles use interchangeably.
_TRANSLATE = str.maketrans(
    {
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ",
        "\u2009": " ", "\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u00df": "ss",
        "\u0259": "e", "+": " plus ", "~": " about ", "\u2248": " about ",
    }
)
# Azerbaijani and Turkish spellings ("Şuşa", "Naxçıvan") read as English ones transliterate:
# a word with a letter only these alphabets have takes ş sh, ç ch, ğ g, x kh.
_TURKIC_LETTER = re.compile("[şğıə]").search
_TURKIC_WORD = re.compile(r"\w*[şğıə]\w*")
_TURKIC = str.maketrans({"ş": "sh", "ç": "ch", "ğ": "g", "ı": "i", "ə": "e", "x": "kh",
                         "ö": "o", "ü": "u"})


def _turkic(match: re.Match[str]) -> str:
    return match.group(0).translate(_TURKIC)
# Cyrillic to Latin, as news agencies transliterate: "Шуша" is Shusha, "Пять" a word to grade.
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i i ye g u"
    .split(), strict=True))
_TRANSLIT = str.maketrans({k: ("" if v == "_" else v) for k, v in _CYRILLIC.items()})

# Contractions, expanded at each apostrophe (rare: a scan in Python costs nothing).
_IS_CONTRACTED = {"m": " am", "re": " are", "ve": " have", "ll": " will", "d": " would"}
_IS_PRONOUNS = frozenset("it that there here what who he she where how when why this everything "
                         "nothing something one".split())
_NOT_STEMS = {"ca": "can", "wo": "will", "ai": "is", "sha": "shall"}
# Negations written without their apostrophe ("dont", "didnt"): rare letter groups first.
_BARE_NT_HINT = re.compile("dnt|snt|tnt|dont|wont|cant|arent|werent|havent").search
_BARE_NT = re.compile(r"(?:do|does|did|is|was|are|were|has|have|had|could|would|should|must"
                      r"|ca|wo)nt\b")
# "6 500" and "12 000": a space as thousands separator joins the groups into one number.
_SPACED_THOUSANDS = re.compile(r"(?<![\w.,-])(\d{1,3})((?: \d{3})+)(?![\w.,]| \d)")
# A decimal comma ("7,26 kg", "8.848,86 m"): unambiguous when dots group the thousands before
# it or when one or two digits follow it. "42,195" stays forty-two thousand: a comma before
# three digits groups thousands in English, and bench reads English first.
_DECIMAL_COMMA_HINT = re.compile(r"\d,\d\d?(?!\d)|\.\d{3},\d").search
"""A comma before one or two digits, or after a dot-grouped thousand: "1,200" never is one."""
_DECIMAL_COMMA = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:\.\d{3})+),(\d+)(?![\d.,]*\d)|(?<![\w.,-])(\d+),(\d{1,2})(?![\d]|[.,]\d)")


def _decimal_point(m: re.Match[str]) -> str:
    if m.group(1) is not None:
        return m.group(1).replace(".", "") + "." + m.group(2)
    return m.group(3) + "." + m.group(4)


# A designation such as "Mi-24" or "K21" is one word token, not the number 24.
_TOKEN = re.compile(
    r"[^\W\d_]+(?:-?\d[^\W_]*)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
)
# The same for ASCII text, which most responses are: a narrower class is faster.
_ASCII_TOKEN = re.compile(r"[a-z]+(?:-?\d[a-z0-9]*)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_START = re.Match.start
_HAS_DIGIT = re.compile(r"\d").search
_WORDS = re.compile(r"[a-z]+")
ARTICLES = frozenset({"a", "an", "the"})
# A month name or an all-numeric date: without either, no date can hide a day among numbers.
_MAY_BE_NUMERIC_DATE = re.compile(r"\d[./-]\d").search
_THOUSANDS_HINT = re.compile(r"\d \d\d\d").search
_NUMERIC_DATE = re.compile(
    r"\d{4}-\d{1,2}(?:-\d{1,2})?\b|\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{1,2}[/.]\d{4}\b")
_DAY_GLUE = frozenset({"of", "the", "th", "st", "nd", "rd"})


def _expand_apostrophes(text: str) -> str:
    """ "didn't" -> "did not", "I'm" -> "i am", "it's" -> "it is", "Baku's" -> "baku",
    "soldiers'" -> "soldiers"; any other apostrophe stays."""
    out: list[str] = []
    last = 0
    n = len(text)
    i = text.find("'")
    while i != -1:
        j = i + 1
        while j < n and text[j].isalpha():
            j += 1
        k = i
        while k and text[k - 1].isalpha():
            k -= 1
        word, suffix = text[k:i], text[i + 1: j]
        rep: str | None = None
        if suffix == "t" and word.endswith("n") and len(word) > 1:
            rep = _NOT_STEMS.get(word[:-1], word[:-1]) + " not"
        elif suffix in _IS_CONTRACTED and word:
            rep = word + _IS_CONTRACTED[suffix]
        elif suffix == "s" and word:
            rep = word + " is" if word in _IS_PRONOUNS else "let us" if word == "let" else word
        elif not suffix and word.endswith("s"):
            rep = word  # a plural possessive: "soldiers'"
        if rep is not None:
            out.append(text[last:k])
            out.append(rep)
            last = j
        i = text.find("'", i + 1)
    out.append(text[last:])
    return "".join(out)


def _bare_nt(match: re.Match[str]) -> str:
    start = match.start()
    if start and match.string[start - 1].isalnum():
        return match.group(0)  # inside a word: "important"
    word = match.group(0)[:-2]
    return {"ca": "can", "wo": "will"}.get(word, word) + " not"


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_CJK_BESIDE_DIGIT = re.compile(f"[{_CJK}]\\d|\\d[{_CJK}]").search
_CJK_DIGIT = re.compile(f"(?<=[{_CJK}])(?=\\d)|(?<=\\d)(?=[{_CJK}])")


def fold(text: str) -> str:
    """Lower-case, strip diacritics, transliterate Cyrillic, unify quotes and dashes, expand
    contractions ("didn't" -> "did not", "I'm" -> "i am") and drop possessive "'s"."""
    # Lower-case first, so that the table's lower-case letters also fold their capitals.
    text = text.lower()
    if not text.isascii():
        if _TURKIC_LETTER(text):
            text = _TURKIC_WORD.sub(_turkic, text)
        text = unicodedata.normalize("NFKD", text.translate(_TRANSLATE).translate(_TRANSLIT))
        if _CJK_BESIDE_DIGIT(text):  # "1066年に": Chinese and Japanese write no spaces
            text = _CJK_DIGIT.sub(" ", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    else:  # the ASCII characters the table changes
        if "+" in text:
            text = text.replace("+", " plus ")
        if "~" in text:
            text = text.replace("~", " about ")
    if "'" in text:
        text = _expand_apostrophes(text)
    if "cannot" in text:
        text = text.replace("cannot", "can not")
    if "nt" in text and _BARE_NT_HINT(text):
        text = _BARE_NT.sub(_bare_nt, text)
    if "," in text and _DECIMAL_COMMA_HINT(text):
        text = _DECIMAL_COMMA.sub(_decimal_point, text)
    if _THOUSANDS_HINT(text) and _SPACED_THOUSANDS.search(text):
        text = _SPACED_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", ","), text)
    return text


def tokens(folded: str) -> list[str]:
    """Word and number tokens of folded text; punctuation dropped, "1,200" and "6.5" kept whole.

    Letters of any script are words: a response in another script is graded, never empty."""
    if folded.isascii():
        # Without a digit, words are all there is: the simplest pattern is twice as fast.
        found = (_ASCII_TOKEN if _HAS_DIGIT(folded) else _WORDS).findall(folded)
    else:
        found = _TOKEN.findall(folded)
    if "-" not in folded:
        return found
    return [t.replace("-", "") if "-" in t else t for t in found]


_TOKEN_OR_SEPARATOR = re.compile(
    r"[^\W\d_]+(?:-?\d[^\W_]*)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[,;/&\n]")


def tokens_and_separators(folded: str) -> list[str]:
    """Tokens as `tokens` gives them, with list separators (, ; / & newline) kept as ","."""
    return [t.replace("-", "") if "-" in t else t if t[0] not in ",;/&\n" else ","
            for t in _TOKEN_OR_SEPARATOR.findall(folded)]


def token_starts(folded: str) -> list[int]:
    """Where each token of `tokens(folded)` starts in `folded`."""
    return list(map(_START, (_ASCII_TOKEN if folded.isascii() else _TOKEN).finditer(folded)))


def phrase_key(text: str) -> str:
    """Space-padded token string without articles: the form phrases are matched in."""
    return " " + " ".join(t for t in tokens(fold(text)) if t not in ARTICLES) + " "


def parse_number_answer(text: str) -> NumberMention | None:
    """The single number of a gold answer such as "more than 1,200" or "45 miles", else None."""
    found = find_numbers(tokens(fold(text)))
    return found[0] if len(found) == 1 else None


def parse_date_answer(text: str) -> Date | None:
    """The single date of a gold answer ("2020-11-09", "2023-09", "1994"), else None."""
    found = find_dates(fold(text))
    return found[0].date if len(found) == 1 else None


def month_date_tokens(folded: str, toks: list[str],
                      starts: list[int] | None = None) -> frozenset[int]:
    """Token indices of the days of dates ("9 November 2020", "November 10", "2023-09",
    "09/11/2020"): a date's day is no count. `starts`: where each token starts."""
    numeric = list(_NUMERIC_DATE.finditer(folded)) if _MAY_BE_NUMERIC_DATE(folded) else []
    if not numeric and MONTHS.keys().isdisjoint(toks):
        return frozenset()
    skip: set[int] = set()
    n = len(toks)
    for i, t in enumerate(toks):
        if t not in MONTHS:
            continue
        j = i - 1
        while j >= 0 and toks[j] in _DAY_GLUE:
            j -= 1
        if j >= 0 and toks[j].isdigit() and len(toks[j]) <= 2:
            skip.add(j)
        k = i + 1
        while k < n and toks[k] == "the":
            k += 1
        if k < n and toks[k].isdigit() and len(toks[k]) <= 2:
            skip.add(k)
    if numeric:
        starts = token_starts(folded) if starts is None else starts
        for m in numeric:
            skip.update(range(bisect_left(starts, m.start()), bisect_left(starts, m.end())))
    return frozenset(skip)


def stem(word: str) -> str:
    """A crude plural stem: "drones" and "drone" match, "ies" becomes "y"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
