"""Arithmetic in an answer: a sum that carries the gold commits to its result ("3 + 3 = 7"),
a false sum is nonsense, and an operation with no result gives no value."""

from __future__ import annotations

import re

from bench.grading.common import INC, C, Outcome, Span, decides, guess
from bench.grading.rivals import Regrade

# Arithmetic with a result: "3 + 3 = 7", "1 violation x 2 strikes = 3 violations".
_ARITHMETIC = re.compile(r"\d[\d,.]*\s*(?:[a-z]+\s+){0,2}(?:(?:[+×*/−]|\bx\b|\bplus\b|\btimes\b|"
                         r"\bminus\b)\s*\d.*?|(?:squared|cubed|doubled|halved)\s*)"
                         r"(?:=|\bequals\b)", re.I | re.S)


_RESULT = re.compile(r"=|\bequals\b", re.I)
# "5,000 x 5,000 helpers": an operation between two numbers, no value.
_EXPRESSION = re.compile(r"\d\s+(?:[+×*]|x)\s+\d", re.I)
_IN_WORDS_RESULT = re.compile(r"\b(?:leaves|leaving|gives|giving|makes|making|is|are|was)\b",
                              re.I)
# "30,000 minus 6,500 leaves 23,500": a difference in words, and its result.
_MINUS_IN_WORDS = re.compile(r"\d[\d,.]*\s+(?:minus|less|take away)\s+\d[\d,.]*\s+(?:leaves|"
                             r"gives|makes|is|equals)\b")
_SUM_RESULT = re.compile(r"\b(?:make|makes|making|for\s+a\s+total\s+of|totall?ing|bringing\s+"
                         r"(?:the|it|them)\s+(?:total\s+)?to|brings?\s+(?:the|it|them)\s+"
                         r"(?:total\s+)?to|adds?\s+up\s+to)\b", re.I)
_SUM_IN_WORDS = re.compile(r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
                           r"eleven|twelve)\b).*?\b(?:plus|together\s+with)\b.*?"
                           + _SUM_RESULT.pattern + r"\s*(?:\d|[a-z]+\b)", re.I | re.S)


def arithmetic(d: Span, regrade: Regrade) -> Outcome | None:
    """A sum that carries the gold commits to its result: "3 + 3 = 7", and in words, "193
    members plus the Holy See and Palestine make 195". Decided where the sum is false ("2 + 2
    = 5 died": nonsense) or opens the answer with bare numbers (see `_sum_commits`)."""
    if _EXPRESSION.search(d.raw) and not _RESULT.search(d.raw) \
            and not _SUM_RESULT.search(d.raw) and not _IN_WORDS_RESULT.search(d.raw):
        return guess(INC, "doubt.arithmetic", "a sum with no result: no value given")
    if (m := _MINUS_IN_WORDS.search(d.folded)) is not None:
        result = d.folded[m.end():]
    elif ("=" in d.raw or "equals" in d.folded) and _ARITHMETIC.search(d.raw):
        result = _RESULT.split(d.raw)[-1]
    elif (" plus " in d.folded or "together with" in d.folded) and _SUM_IN_WORDS.search(d.raw):
        result = _SUM_RESULT.split(d.raw)[-1]
    else:
        return None
    commits = _sum_commits(d.raw)
    if commits == "false":
        return INC, "doubt.arithmetic", "a false sum carrying the gold: nonsense"
    graded = regrade(result) if result.strip() else None
    if commits == "result" and graded is not None and decides(graded) \
            and graded[0] in (C, INC):
        what = "the gold" if graded[0] == C else "another value"
        return graded[0], "doubt.arithmetic", f"a sum that commits to its result, {what}"
    if graded is not None and graded[0] == C:
        return guess(C, "doubt.arithmetic", "arithmetic whose result is the gold")
    return guess(INC, "doubt.arithmetic", "arithmetic whose result is not the gold")


_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_SUM = re.compile(_NUM + r"\s*((?:[a-z]+\s+){0,2})([+×*/−-]|\bx\b)\s*" + _NUM
                  + r"\s*(?:[a-z]+\s+){0,2}=\s*(?:about\s+)?" + _NUM, re.I)


def _sum_commits(raw: str) -> str | None:
    """ "false" for a false sum of two numbers ("1 violation x 2 strikes = 3"); "result" for a
    true one that opens the answer with bare numbers ("193 - 2 = 191 members"), which commits
    to its result; None otherwise: labelled parts ("2 servicemen + 1 pilot = 3") may be the
    answer's parts, which is a reading."""
    m = _SUM.search(raw)
    if m is None or "about" in m.group(0).lower():
        return None
    a, label, op, b, result = (m.group(1).replace(",", ""), m.group(2), m.group(3).lower(),
                               m.group(4).replace(",", ""), m.group(5).replace(",", ""))
    x, y, r = float(a), float(b), float(result)
    value = {"+": x + y, "-": x - y, "−": x - y, "x": x * y, "×": x * y, "*": x * y,
             "/": x / y if y else float("nan")}[op]
    # A result rounded as written ("26.2 x 1.609 = 42.2") is true.
    decimals = len(result.split(".")[1]) if "." in result else 0
    if abs(value - r) > max(0.5 * 10 ** -decimals, 1e-9 * abs(r)) and \
            abs(value - r) > 0.005 * abs(r):
        return "false"
    if not label.strip() and not raw[:m.start()].strip(" \t\n*_(\"'"):
        return "result"
    return None
