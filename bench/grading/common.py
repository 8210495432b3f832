"""What the rule grader knows about one question, computed once, and the pieces every answer
type shares: filler words, negation, clauses, committed numbers."""

from __future__ import annotations

import functools
import re

from rapidfuzz.distance.OSA import distance as _OSA

from bench.text import lexicon
from bench.text.cues import (
    CLAUSES,
    CUE_OPENERS,
    CUE_PREFIXES,
    DECLINES,
    SENTENCES,
    SPEAKER_ABSTAINS,
    TURNS,
)
from bench.text.normalize import (
    ARTICLES,
    NEGATIONS,
    NumberMention,
    find_numbers,
    fold,
    month_date_tokens,
    stem,
    token_starts,
    tokens,
)
from bench.text.numbers import NUMBER_WORDS
from bench.verdicts import Verdict

Outcome = tuple[Verdict, str, str]
"""(verdict, rule, reason) as the matchers decide them."""
C, INC, NA = Verdict.CORRECT, Verdict.INCORRECT, Verdict.NOT_ATTEMPTED


class Guess(tuple[Verdict, str, str]):
    """An outcome the rules are not sure of: a careful reader could disagree, so it is only
    their best guess (undecided; `hybrid` asks the judge). A rule declares this where it
    makes its outcome, with `guess(...)`; every other outcome is decided."""

    __slots__ = ()


def guess(verdict: Verdict, rule: str, reason: str) -> Outcome:
    """The rules' best guess, undecided."""
    return Guess((verdict, rule, reason))


def decides(outcome: Outcome) -> bool:
    """Whether an outcome is decided (not a `guess`)."""
    return not isinstance(outcome, Guess)

# Words that carry no answer: function words, hedges, and talk about the question itself.
FILLER = frozenset(
    """i me my we our you it its it's is was were be been being am are a an the of in on at to
    for by with from that this these those there which who whom whose what when where why how
    and or but not no nor sure certain think believe maybe perhaps probably possibly likely guess
    answer response question article articles text texts source sources says said say know known
    do does did have has had can could would should will may might so as if than then about just
    only also very exactly precisely unfortunately sorry based given provided information context
    passage passages document documents report reports reported according here one any some
    clear specific specifically mention mentioned mentions state stated states available
    determine determined tell provide find found exact number figure details detail unable
    unknown unclear idea afraid well actually s t seems seem appears appear apparently indeed
    however although though unsure uncertain unconfirmed unverified sadly regrettably yet still
    please note fact really""".split()
)
# Closed-class words that never name an answer: a list item or a name holds none of them.
FUNCTION = frozenset(
    """i me my we our you your he him his she her it its they them their this that these those
    there here which who whom whose what when where why how is was were be been being am are
    do does did have has had can could would should will may might must shall of in on at to
    for by with from into onto over under near between among across through during before
    after since until about against within without along around behind beyond than then as if
    so not no nor also very just only both either neither each every all any some such said
    says say according called known named located which while whereas because""".split()
)
# Words that make a clause a guess at an answer, even beside "I don't know".
GUESSES = frozenset("maybe perhaps probably possibly likely might may could guess think believe "
                    "suspect assume presumably suppose".split())
YES = frozenset({"yes", "yeah", "yep", "yup", "correct", "indeed", "affirmative", "true",
                 "right", "absolutely", "certainly", "definitely"}) | lexicon.YES
NO = frozenset({"no", "nope", "false", "negative", "incorrect", "wrong", "nah"}) | lexicon.NO
ROLES = frozenset(
    """president prime minister spokesman spokeswoman spokesperson secretary leader chief head
    deputy commander general minister official ambassador envoy chairman chair director
    founder author king queen pope mayor governor senator premier chancellor officer captain
    admiral colonel marshal who whom whose person man woman name""".split()
)


@functools.lru_cache(maxsize=1024)
def any_key(keys: tuple[str, ...]) -> re.Pattern[str]:
    """Every gold key (`Facts.keys`) in one pattern over folded text: one scan finds the
    first of them; words may be joined by spaces or hyphens."""
    forms = sorted({k.strip() for k in keys if k.strip()}, key=len, reverse=True)
    if not forms:
        return re.compile(r"(?!)")
    return re.compile(r"(?<!\w)(?:" + "|".join(r"[\s-]+".join(map(re.escape, k.split()))
                                             for k in forms) + r")(?!\w)")


def key_of(toks: list[str]) -> str:
    """Space-padded tokens without articles: the form phrases are matched in."""
    return " " + " ".join(t for t in toks if t not in ARTICLES) + " "


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def words(text: str) -> list[str]:
    return [t for t in tokens(fold(text)) if t not in ARTICLES]


def negated(before: list[str]) -> bool:
    """A negation among the last three tokens, with no turn ("but", "rather") after it;
    "rather than" and "instead of" reject what follows them."""
    if before[-2:] in (["rather", "than"], ["instead", "of"]):
        return True
    window = before[-3:]
    for k in range(len(window) - 1, -1, -1):
        if window[k] in TURNS:
            return False
        if window[k] in NEGATIONS:
            return True
    return False


_CUE_START = re.compile(r" (?:un|investig|inquir)").search


def may_decline(toks: list[str]) -> bool:
    """Whether tokens may hold an abstention cue at all: a cheap test before the cues."""
    if not toks:
        return True
    joined = " " + " ".join(toks)
    if CUE_OPENERS.isdisjoint(toks) and not _CUE_START(joined):
        return not joined.isascii()  # a script of its own: cues are read
    return any(t[:5] in CUE_PREFIXES for t in toks)


class Piece:
    """A clause or sentence of a response, with its tokens; whether it declines is read once."""

    __slots__ = ("_declines", "first", "text", "toks")

    def __init__(self, text: str, toks: list[str], first: int):
        self.text = text
        self.toks = toks
        self.first = first
        """Index of the piece's first token among the span's."""
        self._declines: bool | None = None

    @property
    def speaker_abstains(self) -> bool:
        """The speaker cannot answer ("I can't say", "the sources don't name it")."""
        return self.declines and SPEAKER_ABSTAINS.search(self.text) is not None

    @property
    def declines(self) -> bool:
        """The piece abstains or says the fact was not disclosed."""
        if self._declines is None:
            self._declines = may_decline(self.toks) and DECLINES.search(self.text) is not None
        return self._declines


_DIGIT = re.compile(r"\d").search
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Anything that may split a text into pieces; without any, the text is one piece.
_SPLITS = re.compile(r"[.;!?,\n]|but|however|while|although|though|whereas")


class Span:
    """The graded span of one response, read once: raw and folded text, tokens, number
    mentions, and its clauses and sentences, each computed when first asked for."""

    __slots__ = ("_clauses", "_key", "_mentions", "_names", "_sentences", "_starts", "folded",
                 "raw", "structured", "toks")

    def __init__(self, raw: str, folded: str, toks: list[str], structured: bool = False):
        self.raw = raw
        self.folded = folded
        self.toks = toks
        self.structured = structured
        """The span lists the fields of a table or of "Label: value" lines."""
        self._clauses: list[Piece] | None = None
        self._sentences: list[Piece] | None = None
        self._starts: list[int] | None = None
        self._mentions: list[NumberMention] | None = None
        self._names: frozenset[str] | None = None
        self._key: str | None = None

    @property
    def key(self) -> str:
        """The tokens as phrases are matched in (`key_of`)."""
        if self._key is None:
            self._key = key_of(self.toks)
        return self._key

    @property
    def names(self) -> frozenset[str]:
        """Folded words written with a capital in the response: names, as far as case says."""
        if self._names is None:
            capitalised = " ".join(w for w in _WORD.findall(self.raw) if w[0].isupper())
            self._names = frozenset(t for t in tokens(fold(capitalised))
                                    if t not in FILLER and t not in FUNCTION)
        return self._names

    @property
    def starts(self) -> list[int]:
        """Where each token starts in the folded text."""
        if self._starts is None:
            self._starts = token_starts(self.folded)
        return self._starts

    @property
    def mentions(self) -> list[NumberMention]:
        """Every number, the days of dates left out ("9 November 2020" holds no count 9)."""
        if self._mentions is None:
            digits = _DIGIT(self.folded)
            if not digits and NUMBER_WORDS.isdisjoint(self.toks):
                self._mentions = []  # most answers to name questions: no number to read
            else:
                skip = month_date_tokens(self.folded, self.toks, self._starts) \
                    if digits else frozenset()
                self._mentions = find_numbers(self.toks, skip)
        return self._mentions

    def _pieces(self, splitter: re.Pattern[str]) -> list[Piece]:
        text = self.folded
        if not _SPLITS.search(text.rstrip(" .!?;\n")):
            return [Piece(text, self.toks, 0)] if text.strip() else []
        out = []
        lo = first = 0
        for sep in [*splitter.finditer(text), None]:
            hi = len(text) if sep is None else sep.start()
            if text[lo:hi].strip():
                toks = tokens(text[lo:hi])
                out.append(Piece(text[lo:hi], toks, first))
                first += len(toks)
            if sep is not None:
                first += len(tokens(sep.group()))  # "but", "however": tokens of the text too
                lo = sep.end()
        return out

    @property
    def clauses(self) -> list[Piece]:
        """Split at sentence ends, commas and contrasts ("but", "although")."""
        if self._clauses is None:
            self._clauses = self._pieces(CLAUSES)
        return self._clauses

    @property
    def sentences(self) -> list[Piece]:
        """Split at sentence ends and contrasts."""
        if self._sentences is None:
            self._sentences = self._pieces(SENTENCES)
        return self._sentences

    def sentence_of(self, token: int) -> Piece | None:
        """The sentence holding the token at this index."""
        for piece in self.sentences:
            if piece.first <= token < piece.first + len(piece.toks):
                return piece
        return None


def content_words(toks: list[str]) -> list[str]:
    return [t for t in toks if t not in FILLER and t not in FUNCTION]


def prefix_stem(word: str) -> str:
    """A stem loose enough to join a verb's forms ("apologize", "apologized", "apology")."""
    return word[:5] if len(word) > 5 else stem(word)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one: optimal string alignment), cut
    off above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    return int(_OSA(a, b, score_cutoff=limit))
