"""Sentence-level cues on folded text: abstaining, saying a fact was not disclosed, attributing.

Folded text is lower case with contractions expanded ("i am", "do not", "can not", "it is"), so
each cue is written once. A cue is built from a small grammar (who, a negation, a verb of
knowing or telling) rather than from whole phrases, so that the wording may vary."""

from __future__ import annotations

import re

from bench.text import lexicon


class Cue:
    """A pattern whose word boundary before a match is checked after matching, optionally
    guarded by substrings one of which any match contains.

    A leading `\\b`, or a first group of common letters, keeps Python's `re` from scanning
    ahead for the pattern's first characters (a tenfold slowdown on cue-sized patterns): the
    pattern is compiled without a leading `\\b`, a match starting inside a word is skipped
    here, and a text holding none of the guard substrings is not searched at all."""

    __slots__ = ("_guard", "_needles", "_pattern")

    def __init__(self, pattern: str, needles: tuple[str, ...] = (), flags: int = 0):
        self._needles = needles
        # Many guards: one pattern of plain words scans them all in C.
        self._guard = re.compile("|".join(map(re.escape, needles))).search \
            if len(needles) > 3 else None
        self._pattern = re.compile(re.sub(r"(?:(?<=^)|(?<=\|))\\b", "", pattern), flags)

    @property
    def pattern(self) -> str:
        return self._pattern.pattern

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if self._guard is not None:
            if self._guard(text) is None:
                return None
        elif self._needles and not any(n in text for n in self._needles):
            return None
        while True:
            m = self._pattern.search(text, pos)
            if m is None:
                return None
            s = m.start()
            # Inside a word only between letters of alphabets that space their words.
            if s == 0 or not (text[s - 1].isalnum() and text[s].isalnum()
                              and text[s].isascii()):
                return m
            pos = s + 1


class AnyCue:
    """Several cues searched one after the other: each keeps its own fast scan, which one
    alternation of them all would lose."""

    __slots__ = ("_cues",)

    def __init__(self, *cues: Cue):
        self._cues = cues

    def search(self, text: str) -> re.Match[str] | None:
        for cue in self._cues:
            m = cue.search(text)
            if m is not None:
                return m
        return None


NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "none", "nothing", "nobody"})
TURNS = frozenset({"but", "rather", "instead", "however", "although", "though"})

# Verbs of knowing and of telling, in the forms that follow a negation or "to".
_KNOW = (r"(?:know|tell|say|determine|find|answer|confirm|verify|identify|recall|remember"
         r"|attribute|name|pinpoint|check|see|look up|access"
         r"|be sure|be certain|help|provide|give|establish|infer|work (?:it|that|this|out)"
         r"|figure|pin|assess|deduce|locate|access|specify|state|speculate|guess|comment"
         r"|compute|calculate|settle|decide|tell which|be precise)")
_TELL = (r"(?:disclose|specify|say|state|reveal|confirm|report|announce|publish|give|name"
         r"|identify|release|provide|share|mention|explain|detail|indicate|elaborate|clarify"
         r"|make public|put a (?:number|figure)|offer|list|include|contain|address|cover"
         r"|discuss|tell|describe|document|make (?:it )?clear)")
_TOLD = (r"(?:disclosed|released|revealed|published|made public|confirmed|verified|reported"
         r"|specified|stated|given|announced|named|identified|determined|established|known"
         r"|provided|shared|communicated|clarified|made clear|come out|came out|emerged"
         r"|mentioned|explained|detailed|said|offered|available|listed|found|proven|proved"
         r"|solved|settled|resolved|known)")
_SOURCE = (r"(?:article|text|source|document|passage|context|report|coverage|excerpt|material"
           r"|information|snippet|record|data|story|piece|reporting)s?")
_NEGQ = (r"(?:nobody|no one|no-one|none|nothing|no (?:\w+ ){0,2}?(?:figure|number|toll|count"
         r"|name|names|details?|information|word|data|official|statement|confirmation|breakdown"
         r"|results?|findings?|explanation|reason|comment|casualty|culprit|suspect|party|one"
         r"|identification|tally|estimate|cause|causes|conclusions?)s?)")

# "I cannot answer", in its many forms: no answer was given. Four families: the speaker
# cannot tell; the sources do not say; a bare "unknown"; and a passive "not specified", which
# on a yes/no question is an answer ("the ministry did not specify" answers "did it specify").
_FIRST_PERSON = (
    Cue(rf"(?:i|we)(?: really| honestly| simply| just| still| currently)? (?:do|did|can|could"
        rf"|would|am|are|will) not(?: \w+ly)?(?: be able to| have (?:enough|sufficient|any|the"
        rf"|specific|reliable|access to|that|this)?)? ?(?:{_KNOW}|information|data|details"
        rf"|knowledge|an answer|a way|access)\b", (" not",)),
    # "I don't have a reliable record of which outlet said it."
    Cue(r"(?:i|we) (?:do|did) not have (?:a |an |any |the )?(?:\w+ ){0,2}?(?:record|records"
        r"|source|sources|information|data|details|knowledge|figure|answer|reference)\b",
        (" not have",)),
    # The subject dropped, as in a terse reply: "Can't compute that without both tolls."
    Cue(rf"^\W*(?:can|could) not(?: \w+ly)? (?:{_KNOW}|work out|pin down)\b", ("not",)),
    Cue(r"(?:not|un)(?: \w+ly)? ?(?:available|accessible|known|clear) to (?:me|us)\b",
        ("to me", "to us")),
    Cue(r"(?:i|we) (?:am|are|was|were) (?:not |un)(?:able|sure|certain|aware)\b",
        ("not ", "unable", "unsure", "uncertain", "unaware")),
    Cue(r"(?:i|we) (?:have|had) no (?:idea|information|data|knowledge|way|details|record"
        r"|means|basis|access)\b", ("no ",)),
    # "I'd need to check", "I would have to look it up": the speaker does not know yet.
    Cue(r"(?:i|we) (?:would|will|should|might) (?:\w+ )?(?:need|have|want) to (?:check|look"
        r"|verify|confirm|research|double check|double-check|look it up|search|consult|know"
        r"|find out)\b", (" need to ", " have to ", " want to ")),
    Cue(rf"(?:impossible|hard|difficult|not possible) to (?:{_KNOW}|work out|pin down)\b",
        ("impossible", "hard", "difficult", "possible")),
    Cue(r"not aware\b|no idea\b|not (?:sure|certain)\b|unsure\b|unable to\b|not able to\b"
        r"|rather not\b|(?:would|do|did) not (?:want|wish|like)? ?(?:to )?(?:guess|speculate"
        r"|want)\b|decline to\b|dont know\b"
        r"|i am afraid i\b|no (?:way|means) (?:to|of)\b|not be (?:\w+ )?(?:determined"
        r"|established|known|answered|confirmed|verified|worked out|said|identified|found"
        r"|inferred|deduced|told|ascertained)\b"),
)
_SILENT_SOURCE = (
    Cue(rf"{_SOURCE} (?:\w+ ){{0,3}}?(?:do|does|did|can|could) not (?:\w+ )?{_TELL}\b",
        (" not ",)),
    Cue(rf"{_SOURCE} (?:\w+ ){{0,12}}?never (?:\w+ )?{_TELL}s?\b", ("never",)),
    # "The documents discuss the downing but say nothing about the vehicle"; "are silent on".
    Cue(r"(?:say|says|said|mention|mentions|mentioned|tell|tells|give|gives|contain|contains"
        r"|report|reports) nothing (?:about|on|of|regarding|concerning)\b"
        r"|(?:is|are|was|were|remain|remains|remained) silent (?:on|about|regarding|as to)\b",
        ("nothing", "silent")),
    Cue(r"not (?:enough|sufficient) (?:information|context|detail|details|data|evidence)\b"
        r"|insufficient\b|no (?:information|answer|data|details|mention|indication|record"
        r"|evidence|specific|clear|reliable|definitive)\b"),
)
_BARE = (
    Cue(r"unclear\b|unknown\b|uncertain\b|not (?:clear|known)\b"),
    Cue(r"^\W*(?:n/?a|none|unsure|pass|no comment|not applicable|unknown|unclear|no answer"
        r"|not known|idk|dunno|\?+|-+|no data|nothing)\W*$"),
    # An evasion that is the whole answer: "It's complicated.", "It depends."
    Cue(r"^\W*(?:(?:it|that|this) is |(?:it|that) )?(?:complicated|complex|debatable|disputed"
        r"|contested|hard to say|difficult to say|a matter of debate"
        r"|depends(?: on [\w ]{1,40})?)\W*$"),
)
# The same in other languages: closed phrases ("не знаю", "je ne sais pas", "nie wiem").
_FOREIGN_ABSTAIN = (Cue("|".join(map(re.escape, lexicon.ABSTAIN))),)
_FOREIGN_NOT_DISCLOSED = (Cue("|".join(map(re.escape, lexicon.NOT_DISCLOSED))),)
_PASSIVE = (
    Cue(r"not (?:mentioned|specified|stated|provided|given|indicated|included|available|known"
        r"|addressed|identified|named|clear|determinable|covered|answerable|possible)\b"),
)
ABSTAIN = AnyCue(*_BARE, *_PASSIVE, *_SILENT_SOURCE, *_FIRST_PERSON, *_FOREIGN_ABSTAIN)
YES_NO_ABSTAIN = AnyCue(*_BARE, *_SILENT_SOURCE, *_FIRST_PERSON, *_FOREIGN_ABSTAIN)
"""Abstentions on a yes/no question: a passive "not specified" is an answer there."""

# "The figure was not disclosed": the right answer to an unreported question.
_NOT_DISCLOSED = (
    Cue(rf"not (?:been |yet |officially |publicly |independently |formally |immediately "
        rf"|ever |clearly |fully )*{_TOLD}\b|not (?:be |been )?independently\b|not yet (?:been )?"
        rf"(?:determined|established|found|released|published|concluded|known|made public"
        rf"|announced|disclosed)\b|not be (?:independently )?(?:confirmed|verified)\b"),
    Cue(rf"(?:did|do|does|has|have|had|would|could|will|was|were) not (?:\w+ ){{0,2}}?{_TELL}"
        rf"\b", (" not ",)),
    Cue(rf"{_NEGQ}(?: \w+){{0,6}}? (?:(?:was|were|has|have|had|been|is|are|being) )*"
        rf"(?:{_TOLD}|come out|came out|knows|can say|can tell)\b"),
    Cue(r"(?:named|identified|gave|given|give|released|disclosed|revealed|provided|offered"
        r"|published|announced|specified|put|assigned|blamed)(?: \w+){0,2}? (?:no one"
        r"|nobody|none|nothing|no (?:\w+ )?(?:figure|number|toll|count|names?|details|culprit"
        r"|suspect|party|side|one|information|findings|results|explanation|breakdown|blame"
        r"|cause))\b", ("no ", "none", "nothing", "nobody", "no-one")),
    Cue(rf"without (?:specifying|disclosing|giving|saying|stating|revealing|naming|identifying"
        rf"|providing|releasing|confirming|publishing|mentioning|detailing)\b"
        rf"|never (?:been |yet |officially |publicly |independently |formally |fully "
        rf"|conclusively |definitively |reliably )*{_TOLD}\b|never {_TELL}[sd]?\b"
        rf"|kept (?:secret|confidential|under wraps|quiet)\b"
        rf"|(?:never|not) (?:\w+ )?(?:made|make|makes) (?:\w+ ){{0,3}}?public\b|withheld\b"
        rf"|(?:undisclosed|unconfirmed|unverified|unspecified|unreported|unnamed|unidentified"
        rf"|unannounced|unpublished|unstated)\b|still (?:being )?investigat\w*"
        rf"|under investigation\b|being investigated\b|yet to be\b"
        rf"|no (?:official|confirmed|public|exact|precise|specific|definitive|clear) (?:figure"
        rf"|number|toll|count|word|information|statement|confirmation|data|details|name"
        rf"|breakdown|casualty|findings|results|conclusion|explanation|answer)"),
    Cue(rf"(?:declined|refused|failed|declines|refuses|fails) to {_TELL}\b",
        ("declin", "refus", "fail")),
    Cue(r"(?:remains?|remained|is still|are still|was still|were still|still|is|are|was|were)"
        r" (?:unknown|unclear|undisclosed|unconfirmed|unannounced|a mystery|secret|pending"
        r"|under investigation|being investigated|to be determined|not known|unreported"
        r"|unpublished|unspecified|classified|confidential)\b",
        ("unknown", "unclear", "undisclosed", "unconfirmed", "unannounced", "mystery", "secret",
         "pending", "investigat", "determined", "not known", "unreported", "unpublished",
         "unspecified", "classified", "confidential")),
    Cue(r"(?:investigation|investigations|probe|inquiry|inquiries|investigators)(?: \w+){0,3}?"
        r" (?:is |are |was |were |remains? |remained )?(?:still )?(?:ongoing|under way|underway"
        r"|continuing|in progress|pending|not (?:yet )?(?:complete|completed|concluded"
        r"|finished)|working|at work)\b"
        r"|(?:ongoing|continuing|pending|unfinished) (?:investigation|probe|inquiry)\b",
        ("investig", "probe", "inquir")),
    Cue(r"(?:has|have) yet to\b", ("yet",)),
)
NONDISCLOSURE = AnyCue(*_NOT_DISCLOSED, *_FOREIGN_NOT_DISCLOSED)
SPEAKER_ABSTAINS = AnyCue(*_FIRST_PERSON, *_SILENT_SOURCE, *_FOREIGN_ABSTAIN, _BARE[1], _BARE[2])
"""The speaker (or the sources) cannot answer: what makes the rest of a response context."""
DECLINES = AnyCue(*_BARE, _FIRST_PERSON[0], *_NOT_DISCLOSED, *_PASSIVE, *_SILENT_SOURCE,
                  *_FIRST_PERSON[1:], *_FOREIGN_ABSTAIN, *_FOREIGN_NOT_DISCLOSED)
"""Either an abstention or a non-disclosure: what `Piece.declines` asks, in one pass."""

_GRAMMAR = frozenset("""not no the and any that this has have had was were are is did does do
could would will can been being be to of or an am we our its it""".split())
CUE_PREFIXES = frozenset(
    w[:5] for cue in (*_NOT_DISCLOSED, *_BARE, *_PASSIVE, *_SILENT_SOURCE, *_FIRST_PERSON,
                      *_FOREIGN_ABSTAIN, *_FOREIGN_NOT_DISCLOSED)
    for w in re.findall(r"[a-z]+", re.sub(r"\\[a-zA-Z]", " ", cue.pattern))
    if w not in _GRAMMAR and len(w) > 2
) | {"n"} | {w[:5] for phrase in (*lexicon.ABSTAIN, *lexicon.NOT_DISCLOSED)
             for w in phrase.split() if w not in ("no", "non")}
"""The first five letters of every word a cue is made of, grammar words aside: a clause
holding none of them cannot match a cue, and is not searched."""
CUE_OPENERS = frozenset(
    """not no never none nothing nobody without insufficient afraid decline declined declines
    refuse refused refuses fail failed fails impossible hard difficult pass idk dunno n kept
    mystery secret pending classified confidential yet determined probe ongoing complicated
    complex debatable disputed contested depends need want check verify research consult""".split()
) | {w for phrase in (*lexicon.ABSTAIN, *lexicon.NOT_DISCLOSED) for w in phrase.split()[:1]}
"""Words one of which every cue holds (besides words starting "un", "investig", "inquir")."""


# Words that attribute a claim to someone instead of asserting it.
ATTRIBUTION = Cue(
    r"\b(?:said|says|say|saying|claimed|claims|claim|claiming|according|reported|reportedly"
    r"|reports|alleged|allegedly|purportedly|rumou?red|suggested|suggests|unconfirmed"
    r"|unverified|speculat\w*|believed)\b"
)

CLAUSE_SPLIT = re.compile(r"[.;!?]\s+|[.;!?]$|\n+|\bbut\b|\bhowever\b|\bwhile\b|\balthough\b")

# Sentences and clauses of folded text; a contrast ("but", "although") starts a new clause.
SENTENCES = re.compile(r"[.;!?](?:\s+|$)|\n+|\b(?:but|however|while|although|though|whereas)\b")
CLAUSES = re.compile(r"[.;!?](?:\s+|$)|,\s|\n+|\b(?:but|however|while|although|though"
                     r"|whereas)\b")

# Words that only hedge: on their own they commit to nothing.
HEDGES = frozenset(
    "perhaps maybe possibly probably likely unlikely presumably conceivably apparently "
    "reportedly allegedly supposedly seemingly unconfirmed unverified uncertain".split()
)
# A quantity in words that commits to an amount without giving a number ("dozens").
VAGUE_AMOUNTS = frozenset(
    "dozens hundreds thousands millions scores several many few numerous multiple various "
    "countless handful some lots lot".split()
)
