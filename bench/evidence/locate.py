"""Evidence quotes found in the articles, and whether they hit the question's gold citations.

A quote is found exactly when it is a substring of its article after folding only case,
spaces, quote marks, dashes and ellipses (what a model retyping a sentence changes without
changing a word); nearly (`exact: false`) when a fuzzy alignment scores at least
`MIN_SCORE`. Spans are always in the original article text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bench.dataset import Question
from bench.evidence.models import EvidenceCheck, Quote

MIN_SCORE = 90.0
"""Least `partial_ratio` (0-100) of a quote found nearly."""
MIN_FUZZY_CHARS = 20
"""Folded quotes shorter than this must match exactly: a short string nearly matches some
stretch of any article by chance."""
MAX_EVIDENCE_CHARS = 1000
"""A match longer than this never counts as hitting a gold citation: quoting a whole article
is no evidence of anything."""

_FOLD = {
    **dict.fromkeys("“”„‟″«»〝〞＂", '"'),
    **dict.fromkeys("‘’‚‛′‹›`´ʼ", "'"),
    **dict.fromkeys("‐‑‒–—―−⁃", "-"),
    "…": "...",
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
}
_ELLIPSIS = re.compile(r"[\[(]?\s*\.{3,}\s*[\])]?")
_EDGES = " .,;:!?\"'"


@dataclass(frozen=True)
class _Match:
    exact: bool
    score: float
    span: tuple[int, int]


def check_quotes(quotes: Sequence[Quote], question: Question, texts: Mapping[str, str],
                 shown: Sequence[str]) -> tuple[EvidenceCheck, ...]:
    """Each quote looked for in the article it names (only there), or, naming none, in each
    article the model was shown, keeping the best match; then set against the gold
    citations of `question`. Never raises: an article id not in `texts` is simply not found."""
    gold_docs = {c.doc for c in question.citations}
    gold: dict[str, list[tuple[int, int]]] = {}
    for citation in question.citations:
        text = texts.get(citation.doc)
        if text is not None:
            gold.setdefault(citation.doc, []).extend(_occurrences(text, citation.quote))
    out = []
    for q in quotes:
        doc, match = _locate(q, texts, shown)
        span = match.span if match else None
        hits = gold.get(doc, []) if doc is not None else []
        overlaps = (span is not None and span[1] - span[0] <= MAX_EVIDENCE_CHARS
                    and any(span[0] < end and start < span[1] for start, end in hits))
        out.append(EvidenceCheck(
            doc=doc, quote=q.quote, found=match is not None,
            exact=match is not None and match.exact, span=span,
            doc_in_gold=doc is not None and doc in texts and doc in gold_docs,
            overlaps_gold=overlaps))
    return tuple(out)


def _occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    spans = []
    start = text.find(quote)
    while start >= 0 and quote:
        spans.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return spans


def _locate(q: Quote, texts: Mapping[str, str],
            shown: Sequence[str]) -> tuple[str | None, _Match | None]:
    """The article of a quote (named, else where it was found) and its best match there."""
    needle = _fold(q.quote)[0].strip()
    if q.doc is not None:
        text = texts.get(q.doc)
        return q.doc, (_find(needle, text) if text is not None else None)
    best: tuple[str | None, _Match | None] = (None, None)
    for doc in dict.fromkeys(shown):
        text = texts.get(doc)
        match = _find(needle, text) if text is not None else None
        # Exact before near, then the higher score; the first article shown on a tie.
        if match is not None and (best[1] is None or (match.exact, match.score)
                                  > (best[1].exact, best[1].score)):
            best = (doc, match)
    return best


def _find(needle: str, text: str) -> _Match | None:
    """The folded quote `needle` in `text`: exactly, by its parts, or nearly."""
    folded, where = _folded(text)
    if not any(c.isalnum() for c in needle):
        return None  # punctuation alone is found anywhere
    match = _exact(needle, folded)
    if match is None and _ELLIPSIS.search(needle):
        # Parts first: a quote cut with "..." is verbatim when its parts are.
        match = _find_parts(needle, folded)
    match = match or _near(needle, folded)
    if match is None:
        return None
    start, end = match.span
    # Back to the original text: from the first folded character's source to just past the
    # last one's.
    return _Match(match.exact, match.score, (where[start], where[end - 1] + 1))


def _exact(needle: str, folded: str, start: int = 0) -> _Match | None:
    """`needle` in `folded[start:]`, also without its edge punctuation (which models add or
    drop when they cut a sentence short)."""
    for candidate in dict.fromkeys((needle, needle.strip(_EDGES))):
        at = folded.find(candidate, start) if candidate else -1
        if at >= 0:
            return _Match(True, 100.0, (at, at + len(candidate)))
    return None


def _near(needle: str, folded: str, start: int = 0) -> _Match | None:
    """The best fuzzy alignment of `needle` in `folded[start:]`, if long and good enough."""
    if len(needle) < MIN_FUZZY_CHARS:
        return None
    from rapidfuzz.fuzz import partial_ratio_alignment

    found = partial_ratio_alignment(needle, folded[start:], score_cutoff=MIN_SCORE)
    if found is None or found.dest_end <= found.dest_start:
        return None
    return _Match(False, found.score, (start + found.dest_start, start + found.dest_end))


def _find_parts(needle: str, folded: str) -> _Match | None:
    """A quote cut with ellipses: every part found, in order, in the same article."""
    parts = [p for part in _ELLIPSIS.split(needle) if (p := part.strip(" []()"))]
    # Short parts turn up anywhere ("x ... y" inside two words): as for a near match, the
    # quote must be long enough to mean something.
    if sum(len(p) for p in parts) < MIN_FUZZY_CHARS:
        return None
    spans, exact, score, at = [], True, 100.0, 0
    for part in parts:
        match = _exact(part, folded, at) or _near(part, folded, at)
        if match is None:
            return None
        spans.append(match.span)
        exact, score, at = exact and match.exact, min(score, match.score), match.span[1]
    return _Match(exact, score, (spans[0][0], spans[-1][1]))


def _fold(text: str) -> tuple[str, tuple[int, ...]]:
    """`text` lowercased, its spaces runs one space, its quote marks, dashes and ellipses
    plain; with, for each character of the result, the index it came from in `text`."""
    out: list[str] = []
    where: list[int] = []
    space = False
    for i, char in enumerate(text):
        if char.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for c in _FOLD.get(char, char).lower():
            out.append(c)
            where.append(i)
    return "".join(out), tuple(where)


@lru_cache(maxsize=64)
def _folded(text: str) -> tuple[str, tuple[int, ...]]:
    # Each article is folded once however many quotes are looked for in it.
    return _fold(text)
