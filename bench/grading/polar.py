"""Yes/no answers (an explicit polarity model) and unreported questions.

Yes/no: an answer is a "yes" or a "no" only through a polarity word at the start of a clause
("Yes, ...", "No.", "I think not", "That is correct") or a statement about what the question
asks: a clause sharing a word with the asked sentence is affirming, or denying when a negation
("not", "never", "no casualties", "unconfirmed", "denied") bears on it. Anything else ("7",
"Perhaps", "The weather is nice") is no yes and no no. Statements are undecided: a judge
should confirm them.

Unreported: saying the fact was not disclosed (or abstaining) is correct; a value asserted as
fact is a hallucination. A number counts as asserted only when it could answer the asked fact:
one dated to another year than the question asks about, or in a unit the question does not
ask for ("45 miles" beside a death toll), is context."""

from __future__ import annotations

import re

from bench.grading.common import (
    FILLER,
    FUNCTION,
    INC,
    NA,
    NO,
    YES,
    C,
    Outcome,
    Piece,
    Span,
    content_words,
    fmt,
    guess,
    may_decline,
    prefix_stem,
)
from bench.grading.facts import Facts
from bench.grading.language import FOREIGN_WORDS
from bench.text.cues import ABSTAIN, ATTRIBUTION, HEDGES, NONDISCLOSURE, YES_NO_ABSTAIN
from bench.text.normalize import NEGATIONS, find_dates, tokens

_STRONG = frozenset({"yes", "yeah", "yep", "yup", "indeed", "affirmative", "no", "nope", "nah"})
_AFTER_NO = frozenset("it he she they we i there that this the was is did does had has not were "
                      "are sir".split())
_DENIALS = frozenset("deny denied denies denying refused refuses rejected rejects dismissed "
                     "declined disputed contradicted".split())
_NEG_PREFIXES = ("un", "in", "non", "dis", "im", "ir")
_COORD = frozenset({"and", "or", "nor", "but", "then"})
# Words that only strengthen a hedge, or conclude, before the polarity word ("most likely
# yes", "Therefore no, ...").
_INTENSIFIERS = frozenset("most quite pretty fairly highly very therefore thus hence "
                          "consequently".split())
# What a question about disclosure asks: there "Not disclosed." is a no, not an abstention.
_DISCLOSURE_STEMS = frozenset(prefix_stem(w) for w in """disclose disclosed reveal revealed
report reported announce announced confirm confirmed publish published public name named
identify identified release released admit admitted acknowledge acknowledged say said state
stated""".split())
_NOT_TRUE = re.compile(r"\b(?:not (?:true|the case|correct|so) that|(?:untrue|false|wrong)"
                       r" (?:to say )?that)\b").search


def _explicit(clauses: list[Piece]) -> set[str]:
    """Polarity words opening a clause: "Yes, ...", "No.", "I think not", "Not correct"."""
    said: set[str] = set()
    for clause in clauses:
        toks = clause.toks
        k = 0
        negate = False
        while k < len(toks) and (toks[k] in FILLER or toks[k] in HEDGES
                                 or toks[k] in _INTENSIFIERS) \
                and toks[k] not in _STRONG and toks[k] not in YES:
            negate = negate or toks[k] == "not"
            k += 1
        if k == len(toks):
            if negate and len(toks) <= 3:  # "Probably not."
                said.add("no")
            continue
        head, rest = toks[k], toks[k + 1:]
        if head not in YES and head not in NO:
            continue
        joined = {toks[j + 1] for j in range(k, len(toks) - 1)
                  if toks[j] in _COORD and toks[j + 1] in _STRONG}
        if head in _STRONG and joined and ({head} | joined) & YES and ({head} | joined) & NO:
            said.update(("yes", "no"))  # "yes and no", "yes or no": both, or neither
            continue
        if head == "no" and rest and rest[0] not in _AFTER_NO:
            continue  # "no casualties were reported": a determiner, judged as a statement
        if head not in _STRONG and len(rest) > 3:
            continue  # "false claims by ...": an adjective in a statement
        polarity = "yes" if head in YES else "no"
        if negate or rest[:1] == ["not"]:
            polarity = "no" if polarity == "yes" else "yes"
        said.add(polarity)
    return said


_NOT_UNTIL = frozenset({"until", "till"})
_NEG_ADJECTIVES = frozenset("impossible unlikely untrue uncommon unusual invisible unable "
                            "incorrect inaccurate unfounded unheard".split())
# "No." or "Yes!" as a sentence of its own: the answer, whatever the elaboration says.
_STANDALONE = re.compile(r"^\W*(?:yes|no|yeah|nope|yep)\s*[.!]", re.I).match


def _asserted(toks: list[str]) -> list[str]:
    """The tokens without a "not" that only dates what happened ("did not join until 2023":
    it joined, in 2023)."""
    if _NOT_UNTIL.isdisjoint(toks):
        return toks
    out = list(toks)
    for i, t in enumerate(toks):
        if t in _NOT_UNTIL:
            for j in range(i - 1, max(-1, i - 8), -1):
                if out[j] in ("not", "never"):
                    out[j] = ""
                    break
    return out


def _statement(f: Facts, d: Span) -> str | None:
    """The polarity of the clauses that speak of what the question asks: "no" when any of
    them denies it (every part of a "yes" must hold), "yes" when all affirm it."""
    said: set[str] = set()
    for clause in d.clauses:
        toks = clause.toks
        stems = {prefix_stem(w) for w in toks if w not in FILLER and w not in FUNCTION}
        overlap = stems & f.focus_stems
        # A bare "Unconfirmed." states nothing: a negated word counts inside a statement.
        prefixed = len(toks) > 1 and any(
            w.startswith(p) and prefix_stem(w[len(p):]) in f.focus_stems
            for w in toks for p in _NEG_PREFIXES)
        if not overlap and not prefixed:
            if _relocates(f, d, toks):
                said.add("no")  # "It lies in Tanzania" for "Is it located in Kenya?"
            continue
        flip = _NOT_TRUE(clause.text)
        if flip is not None:  # "It's not true that Moscow didn't support it": a double negative
            toks = tokens(clause.text[flip.end():])
        negative = prefixed or any(
            (w in NEGATIONS or w in _DENIALS or w == "without")
            and prefix_stem(w) not in f.focus_stems for w in _asserted(toks))
        negative = negative != (flip is not None)
        if negative and not _NEG_ADJECTIVES.isdisjoint(toks) and not {"not", "never"}.isdisjoint(
                toks):
            negative = False  # "It isn't impossible to spot it": two negations, a yes
        said.add("no" if negative or _substitutes(f, d, toks) else "yes")
    if "no" in said:
        return "no"
    # An affirmation must name enough of what is asked; a denial needs only its negation.
    return "yes" if said and _speaks_of_the_question(f, d) else None


_COVER = 0.3
_PRONOUNS = frozenset("it he she they its his her their this that".split())
"""Share of the asked words and names an affirming response must name (measured on the four
labelled tables: 0.25 lets background through, 0.34 drops true statements)."""


def _speaks_of_the_question(f: Facts, d: Span) -> bool:
    """Whether the response names enough of what the question asks (its words and names) to
    be a statement about it: one shared word ("The war ended in a rout" for "Did the war
    spark mass protests?") is its background, not its answer."""
    asked = f.focus_stems | f.focus_name_stems
    if not asked:
        return True
    said = {prefix_stem(w) for w in d.toks if w not in FILLER and w not in FUNCTION}
    if d.toks[:1] and d.toks[0] in _PRONOUNS:
        said |= f.focus_name_stems  # "It apologized": the pronoun stands for the asked names
    return len(said & asked) >= _COVER * len(asked)


def _relocates(f: Facts, d: Span, toks: list[str]) -> bool:
    """A clause that puts another name after the word that precedes a name of the question
    ("... in Tanzania" for "... in Kenya?"), the question's name left out."""
    for name, _, _ in f.name_slots:
        if name in toks or not (prep := f.name_preps.get(name)):
            continue
        for i, t in enumerate(toks[1:], 1):
            if toks[i - 1] == prep and t in d.names and prefix_stem(t) not in f.question_stems:
                return True
    return False


def _substitutes(f: Facts, d: Span, toks: list[str]) -> bool:
    """Another name where the question has one: "recognized as Azerbaijani territory" answers
    "recognized as Armenian territory?" with a no."""
    seq = content_words(toks)
    for name, before, after in f.name_slots:
        if name in seq:
            continue
        for i, t in enumerate(seq):
            if t in d.names and prefix_stem(t) not in f.question_stems and (
                    (before and i and seq[i - 1] == before)
                    or (after and i + 1 < len(seq) and seq[i + 1] == after)):
                return True
    return False


# Openings whose negative word is rhetoric, not an answer: "No doubt it had clearance" says yes.
_RHETORICAL = re.compile(
    r"^\W*(?:no doubt(?: about it)?|no question(?: about it)?|no wonder|not surprisingly|"
    r"unsurprisingly|not only|not once but \w+(?: \w+)?|without (?:a |any )?doubt)\b[\s,:;.-]*")


def grade_yes_no(f: Facts, d: Span) -> Outcome:
    opening = _RHETORICAL.match(d.folded)
    if opening and opening.end() < len(d.folded.rstrip()):
        rest = d.folded[opening.end():]
        verdict, _rule, reason = grade_yes_no(f, Span(rest, rest, tokens(rest)))
        return guess(verdict, "yes_no.rhetorical",
                     f"a rhetorical opening ({opening.group(0).strip(' ,:;.-')!r}); {reason}")
    want = f.gold.strip().lower() if f.gold else ""
    folded, toks = d.folded, d.toks
    clauses = d.clauses
    said = _explicit(clauses)
    if said == {"yes", "no"}:
        return INC, "alternatives", "says both yes and no"
    if said:
        got = said.pop()
        outcome: Outcome = (C, "yes_no.match", f"answers {got} (explicit)") if got == want \
            else (INC, "yes_no.other", f"answers {got} (explicit), gold is {want}")
        if len(clauses) > 2 and not _STANDALONE(d.raw) \
                and (stated := _statement(f, d)) is not None and stated != got:
            # "No, no, don't let Sydney fool you: Canberra is indeed the capital": the word
            # and the statement disagree; which one answers is a reading.
            return guess(*outcome)
        return outcome
    abstains = YES_NO_ABSTAIN.search(folded) if may_decline(toks) else None
    # "It could not be independently confirmed" to "Could it be independently confirmed?"
    # says no: the words that would abstain are the ones the question asks about.
    if abstains is not None and not {prefix_stem(w) for w in tokens(abstains.group(0))
                                     if w not in FILLER} & f.focus_stems:
        return NA, "abstain", "abstains: no answer given"
    if may_decline(toks) and not _DISCLOSURE_STEMS & f.focus_stems \
            and (cue := NONDISCLOSURE.search(folded)) \
            and not f.content(tokens(folded[:cue.start()] + " " + folded[cue.end():]),
                              restating=True):
        # "Not disclosed." to "Did it have clearance?": the writer cannot tell, and says no
        # no. Asked whether something was disclosed, the same words would be the answer.
        return guess(NA, "yes_no.undisclosed", "says the fact was not disclosed: no yes or no")
    stated = _statement(f, d)
    if stated is not None:
        how = "negative sentence" if stated == "no" else "affirmative sentence"
        if stated == want:
            return guess(C, "yes_no.statement", f"answers {stated} ({how})")
        return guess(INC, "yes_no.statement_other", f"answers {stated} ({how}), gold is {want}")
    denials = [t for t in _asserted(toks) if t in NEGATIONS or t in _DENIALS]
    if denials:
        if len(denials) == 1 and _NOT_TRUE(folded):
            # "It's not true that the USSR stayed away": a claim denied in words other than the
            # question's; which way that answers it is a reading.
            return guess(INC, "yes_no.denied_claim", "denies a claim that is not the question's:"
                         " no yes or no")
        if want == "no":
            return guess(C, "yes_no.implied", "answers no (negative sentence)")
        return guess(INC, "yes_no.implied_other", f"answers no (negative sentence), gold is {want}")
    if not f.content(toks) or all(t in HEDGES or t in FILLER for t in toks):
        return NA, "yes_no.none", "neither yes nor no: no answer"
    if f.content(toks) and _on_topic(f, toks):
        # Facts about what the question names, none bearing on what it asks: context, no
        # answer ("Einstein was a physicist" for "Did Einstein win the Nobel Prize?").
        return guess(NA, "yes_no.context", "speaks of the question's subject without a yes or a no")
    return guess(INC, "yes_no.no_polarity",
                 "neither a yes nor a no: not an answer to a yes/no question")


def _on_topic(f: Facts, toks: list[str]) -> bool:
    """Whether the response shares a content word with the question (not with what it asks:
    such a clause would have been read as a statement)."""
    return any(prefix_stem(t) in f.question_stems for t in toks
               if t not in FILLER and t not in FUNCTION)


def grade_unreported(f: Facts, d: Span) -> Outcome:
    folded, toks = d.folded, d.toks
    cue = (NONDISCLOSURE.search(folded) or ABSTAIN.search(folded)) if may_decline(toks) else None
    if f.type == "yes_no" and not cue and _explicit(d.clauses):
        return INC, "unreported.yes_no", "answers yes or no where the sources never said"
    if not cue and f.echoes(d):
        return NA, "echo", "restates the question: no answer"
    # A number answers no yes/no question: there only "yes" or "no" would assert.
    if f.type in ("number", "date") or (cue and f.type != "yes_no"):
        asserted = f.committed_numbers(d, attribution_hedges=bool(cue), relevant_only=True)
        if asserted:
            # Beside a statement that the fact was not disclosed, the number may answer
            # another fact ("the helicopter's two dead are on record; the 2023 toll was not
            # disclosed"): a reading.
            outcome: Outcome = (INC, "unreported.asserted", f"asserts {fmt(asserted[0])} as fact")
            return guess(*outcome) if cue and not _turns_after(folded, cue) else outcome
        if f.type == "date" and not cue and any(d.date[1] for d in find_dates(folded)):
            return INC, "unreported.asserted", "asserts a date the sources never gave"
    if cue:
        context = f.committed_numbers(d, attribution_hedges=True)
        if context and f.type == "number":
            return (C, "unreported.context",
                    f"says {cue.group(0).strip()!r}; its other numbers answer other facts")
        if f.type == "number" and not _turns_after(folded, cue) and _amount_beside(f, d):
            # "Never disclosed its losses, a silence that covered roughly 3,000 dead": an
            # amount inside the non-disclosure sentence may be asserted all the same.
            if ATTRIBUTION.search(folded):  # "estimates ran to 3,000": attributed
                return guess(C, "unreported.nondisclosure", f"says {cue.group(0).strip()!r}, "
                             "beside an attributed amount")
            return guess(INC, "unreported.asserted", f"says {cue.group(0).strip()!r}, but "
                         "states an amount")
        return C, "unreported.nondisclosure", f"says {cue.group(0).strip()!r}"
    if not f.content(toks, restating=True):
        if f.type != "yes_no" and _explicit(d.clauses):
            # A bare "No." to "Who wrote it?": a refusal, or a claim that there is none?
            return guess(NA, "unreported.polar", "a yes or a no to a question that asks for "
                         "a value")
        return NA, "unreported.none", "no answer and no statement that it is undisclosed"
    outcome = (INC, "unreported.asserted", "asserts an answer the sources never disclosed")
    # Words with no number and no yes or no, but a negation or another language ("Moscow
    # kept quiet about it", "wurde nicht bekanntgegeben"): an assertion, or a way of saying
    # it was not disclosed? A reader must say.
    return guess(*outcome) if _may_deny(d) else outcome


_DENYING = NEGATIONS | frozenset("kept quiet silent secret withheld hid hidden".split())


def _may_deny(d: Span) -> bool:
    return not _DENYING.isdisjoint(d.toks) or not d.raw.isascii() \
        or not FOREIGN_WORDS.isdisjoint(d.toks)


_TURN_AFTER = re.compile(r"\b(?:but|yet|though|although|however)\b")


def _turns_after(folded: str, cue: re.Match[str]) -> bool:
    """ "Unconfirmed, but it was six": a turn after the non-disclosure, which the doubts
    read; without one, a number beside it may answer another fact."""
    return _TURN_AFTER.search(folded, cue.end()) is not None


def _amount_beside(f: Facts, d: Span) -> bool:
    """An amount that could answer the asked count, outside any year or partitive."""
    return any((not m.is_year and not m.partitive and m.qualifier is not None)
               or (not m.is_year and not m.partitive and m.unit is None and m.value >= 3)
               for m in d.mentions)
