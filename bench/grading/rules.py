"""The rule grader: deterministic verdicts with the rule that decided each one.

A response is first cut to its committed final answer (`extract`); that span is matched by
the question's answer type (`numeric`, `phrase`, `polar`). Every verdict
says whether it is *decided* (a rule matched cleanly) or *undecided* (the rules' best guess: a
yes/no without a polarity word, a loose match, reasoning with no conclusion); `--grader hybrid`
sends only the undecided to the LLM judge."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from bench.dataset import Question
from bench.grading.common import (
    FUNCTION,
    GUESSES,
    INC,
    NA,
    C,
    Outcome,
    Span,
    decides,
    guess,
    may_decline,
)
from bench.grading.doubt import doubt
from bench.grading.extract import Extraction, extract, residue
from bench.grading.facts import Facts
from bench.grading.lists import match_list
from bench.grading.numeric import grade_date, grade_number
from bench.grading.phrase import match_keywords, match_loose, match_phrase, no_match
from bench.grading.polar import grade_unreported, grade_yes_no
from bench.grading.rivals import rivals
from bench.text.normalize import fold, tokens
from bench.verdicts import Grade, Verdict

RULES_SPEC = "rules-v3"

# The plainest answers skip the reading: a lead-in that adds nothing ("The answer is",
# "According to the article,") before a gold variant or its plain negation ("Not Shusha."),
# or a stock abstention. Their verdict is
# the one the full reading gives (tests/test_grading_shortcuts.py holds the two equal).
_LEAD_IN = re.compile(
    r"(?:(?:(?:the |my )?(?:final |short )?answer(?: is|:)|it(?:'s| is| was)|i (?:think|believe)"
    r"(?: (?:it(?:'s| is| was)|that))?|probably|most likely|likely|(?:according to|based on) "
    r"the (?:article|articles|source|sources|text|passage|context),)\s+)?", re.I)
_PLAIN = str.maketrans("", "", "*_`\"“”")
_STOCK_ABSTENTIONS = frozenset((
    "i don't know", "i do not know", "i don’t know", "unknown", "not known", "no idea",
    "i'm not sure", "i am not sure", "not sure", "n/a", "the article does not say",
    "the articles do not say", "the article doesn't say", "the sources do not say",
    "not stated", "not mentioned", "not reported", "not specified", "not disclosed",
    "cannot be determined", "it cannot be determined", "insufficient information",
))


_DANGLING = FUNCTION | frozenset(
    "the a an and or but roughly approximately about around nearly almost some become became "
    "becomes include includes called named".split())
"""Words no finished sentence ends on: a reply that ends on one broke off."""


def _last_stop(text: str) -> int:
    """Where the last finished sentence of `text` ends (-1 if none has)."""
    return max(text.rfind(". "), text.rfind("! "), text.rfind("? "), text.rfind("\n"))


def _last_sentence(text: str) -> str:
    return text[_last_stop(text) + 1:]


def _broken_off(last: str, end: str) -> bool:
    """Whether a reply ending without punctuation on `last` broke off mid-sentence: on a
    function word, a possessive ("was Armenia's"), a verb's "-ing"/"-ed" form ("carried out
    using", "Aliyev urged"), or a description before its name ("was the Soviet cosmonaut")."""
    return last in _DANGLING or end.endswith(("'s", "’s")) or (
        len(last) > 4 and last.endswith(("ing", "ed"))) or _DESCRIBED.search(end) is not None


# "... was the Soviet cosmonaut": a phrase with its article and no capital at its end, the
# name that would follow cut off.
_DESCRIBED = re.compile(r"\b(?:was|is|were|are|by|as)\s+(?:the|a|an)\s+(?:[A-Z][\w-]*\s+)?"
                        r"[a-z][\w-]*$")


_ECHO: Outcome = (NA, "echo", "restates the question: no answer")
_ASKS_BACK: Outcome = (NA, "hedge.question", "answers with a question: no commitment")
_SOMETHING = re.compile(r"[^\W_]|[^\w\s.,;:!?'\"()\[\]{}<>/\\|*_~`-]").search
"""A letter, a digit or a symbol (an emoji): more than punctuation and space."""
# An abstention about the asked fact itself ("I'm not certain who won", "I'd need to check
# the exact day"), unlike a bare hedge beside an answer ("..., but I'm not sure").
_ASKED_FACT = re.compile(r"\b(?:who|whom|whose|which|what|when|where|how|whether|exact"
                         r"|exactly|precise|precisely|check|look (?:it |that )?up)\b").search


class Assessment(NamedTuple):
    """A rule grader's verdict with its rule, reason, sureness and the span it graded."""

    verdict: Verdict
    rule: str
    reason: str
    decided: bool
    extracted: str
    """The final-answer span that was matched (see `bench.grading.extract`)."""

    @property
    def outcome(self) -> Outcome:
        return self.verdict, self.rule, self.reason


def _empty(response: str, span: str) -> Assessment:
    """No words to grade: an empty reply is not attempted; symbols or markers alone ("🚁",
    "[2]", "[citation needed]") are no abstention either, and are incorrect."""
    if _SOMETHING(residue(response)):
        return Assessment(INC, "nonsense", "symbols or markers only: not an answer", True, span)
    return Assessment(NA, "empty", "empty response", True, span)


class Matcher:
    """Everything about one question that does not depend on the response, computed once."""

    def __init__(self, question: Question):
        self.question = question
        self.facts = Facts.of(question)
        grade: dict[str, Callable[[Span], Outcome]] = {
            "number": self._number, "date": self._date, "entity": self._entity,
            "text": self._text, "yes_no": self._yes_no,
        }
        self._grade = self._unreported if question.answer is None else grade[question.answer_type]
        self._pieces: dict[str, Outcome] = {}
        self._exact = frozenset(v.strip().rstrip(".!").strip().lower()
                                for v in self.facts.variants if v.strip())
        self._plain: dict[str, Assessment] = {}
        """Full readings of stock texts: gold variants and stock abstentions (a closed set)."""

    def grade(self, response: str) -> Outcome:
        return self.assess(response).outcome

    def assess(self, response: str) -> Assessment:
        # A copy of the gold or an alias is correct by definition: no reading needed.
        stripped = response.strip()
        plain = stripped.rstrip(".!").strip().lower()
        if plain in self._exact:
            return Assessment(C, "exact", "gives the gold exactly", True, stripped)
        if len(plain) < 80:
            if plain in _STOCK_ABSTENTIONS:
                return self._stock(plain)._replace(extracted=stripped)
            lead = _LEAD_IN.match(stripped)
            if lead is not None:
                rest = stripped[lead.end():].strip()
                variant = rest.translate(_PLAIN).strip().rstrip(".!").strip().lower()
                if variant in self._exact or variant in _STOCK_ABSTENTIONS:
                    return self._stock(variant)._replace(extracted=rest)
                if variant.startswith("not ") and variant[4:].strip() in self._exact:
                    return self._stock("not " + variant[4:].strip())._replace(extracted=rest)
        return self._read(response)

    def _stock(self, text: str) -> Assessment:
        """The full reading of a stock text (a stock abstention, a gold variant), done once per
        question: the same reading as `_read` gives it after a lead-in that adds nothing."""
        known = self._plain.get(text)
        if known is None:
            known = self._plain[text] = self._read(text)
        return known

    def _read(self, response: str) -> Assessment:
        """The full reading: extraction, the answer type's matcher and the doubts."""
        whole = fold(response)
        words = tokens(whole)
        ext: Extraction = extract(response, whole, words)
        span = ext.span
        if not span:
            if ext.how in ("no_conclusion", "think_open"):
                return Assessment(NA, "extract.no_conclusion",
                                  "reasoning that reaches no answer", True, "")
            if ext.how == "json":
                return Assessment(NA, "json.null", "the answer field is empty or null", True, "")
            return _empty(response, "")
        # Folding commutes with trimming: an unchanged span reuses the whole response's fold.
        if ext.how == "whole" and not ext.corrected and len(span) == len(response.strip()):
            folded, toks = whole.strip(), words
        else:
            folded = fold(span)
            toks = tokens(folded)
        if not toks:
            return _empty(response, span)
        d = Span(span, folded, toks, ext.how == "fields")
        outcome = self._grade(d)
        verdict, rule, reason = outcome
        decided = decides(outcome)
        # A right answer is withheld only by asking the question back: most are not looked at.
        if verdict == Verdict.INCORRECT or (verdict == Verdict.CORRECT and "?" in span):
            withheld = self._withheld(d, verdict, ext.how, rule)
            if withheld is not None:
                return Assessment(*withheld, decides(withheld), span)
        if ext.corrected and verdict == Verdict.INCORRECT:
            before = extract(response.replace(span, "")).span if span in response else ""
            folded_before = fold(before)
            if before and self._grade(Span(before, folded_before, tokens(folded_before)))[0] \
                    == Verdict.CORRECT:
                rule, reason = "contradiction", "gives the gold, then corrects it"
        if decided:
            doubted = doubt(self.facts, d, (verdict, rule, reason), response, self._regrade)
            if doubted is not None:
                return Assessment(*doubted, decides(doubted), span)
        return Assessment(verdict, rule, reason, decided, span)

    def _regrade(self, text: str) -> Outcome:
        """A piece of the response graded on its own (the same piece is often asked about
        by several checks: each is graded once)."""
        done = self._pieces.get(text)
        if done is not None:
            return done
        folded = fold(text)
        toks = tokens(folded)
        outcome = self._grade(Span(text, folded, toks)) if toks else (NA, "empty",
                                                                      "empty response")
        if len(self._pieces) > 4096:
            self._pieces.clear()
        self._pieces[text] = outcome
        return outcome

    def _withheld(self, d: Span, verdict: Verdict, how: str, rule: str) -> Outcome | None:
        """A response that commits to nothing although the rules found something to grade:
        it only restates the question, trails off before answering, or ends saying the
        speaker cannot tell the asked fact. What it did say is then context, not an answer;
        a response that gives the gold keeps its grade (a hedged right answer is right)."""
        end = d.raw.rstrip(" \t\n*_)\"'”")
        asks = end.endswith("?")
        if verdict == Verdict.CORRECT:
            return _ECHO if asks and self.facts.echoes(d) else None
        # Wrong-looking: the cheap tests first, the echo (which reads every word) last.
        yes_no = self.question.answer_type == "yes_no"
        if asks and not yes_no:
            # "Perhaps an American carmaker?": a guess put as a question commits to nothing.
            if self.facts.echoes(d):
                return _ECHO
            # "Maybe sometime in 1990?": a guess put as a question; a commitment or not?
            return guess(*_ASKS_BACK) if not GUESSES.isdisjoint(d.toks) else _ASKS_BACK
        if how != "marker" and end.endswith(("...", "…")):
            return NA, "extract.unfinished", "trails off before giving an answer"
        if end[-1:].isalpha() and len(d.toks) >= 4 and rule != "alternatives" \
                and d.toks[-1] not in self.facts.key_word_set \
                and _broken_off(d.toks[-1], end) and not self._committed_before(end) \
                and (_DESCRIBED.search(end) is not None  # "the Soviet cosmonaut": adjectives
                     or not rivals(self.facts, _last_sentence(end))):  # "fled to Iran along"
            # "... that comes to roughly": cut off before its answer, or an answer with a
            # trailing word? A reader must say.
            return guess(NA, "extract.unfinished", "breaks off mid-sentence")
        if _ASKED_FACT(d.folded) and may_decline(d.toks):
            last = d.sentences[-1] if d.sentences else None
            if last is not None and last.speaker_abstains and _ASKED_FACT(last.text):
                return (NA, "abstain.final",
                        "ends saying it cannot tell the asked fact; the rest is context")
        # A yes/no question restated as a statement affirms it: only its question form
        # echoes there. An echo has three words or more: most wrong answers are shorter.
        if (asks or (not yes_no and len(d.toks) > 2)) and self.facts.echoes(d):
            return _ECHO
        return None

    def _committed_before(self, text: str) -> bool:
        """Whether the sentences finished before a break-off already commit to a value of
        the asked kind ("Three were killed. Moscow said ... and offered")."""
        cut = _last_stop(text)
        if cut <= 0:
            return False
        graded = self._regrade(text[:cut + 1])
        return decides(graded) and graded[0] in (Verdict.CORRECT, Verdict.INCORRECT) \
            and not graded[1].endswith(("offtype", "vague"))

    # ------------------------------------------------------------ per answer type

    def _number(self, d: Span) -> Outcome:
        return grade_number(self.facts, d)

    def _date(self, d: Span) -> Outcome:
        return grade_date(self.facts, d)

    def _entity(self, d: Span) -> Outcome:
        f = self.facts
        return ((f.list_gold and match_list(f, d)) or match_phrase(f, d) or match_loose(f, d)
                or no_match(f, d))

    def _text(self, d: Span) -> Outcome:
        f = self.facts
        return ((f.list_gold and match_list(f, d)) or match_phrase(f, d)
                or match_keywords(f, d) or match_loose(f, d)
                or no_match(f, d))

    def _yes_no(self, d: Span) -> Outcome:
        return grade_yes_no(self.facts, d)

    def _unreported(self, d: Span) -> Outcome:
        return grade_unreported(self.facts, d)


class RuleGrader:
    """Grades responses to a question set; matchers are compiled on first use of a question."""

    spec = RULES_SPEC

    def __init__(self, questions: list[Question] | tuple[Question, ...] = ()):
        self._matchers: dict[str, Matcher] = {q.id: Matcher(q) for q in questions}
        self._grades: dict[tuple[object, ...], Grade] = {}

    def matcher(self, question: Question) -> Matcher:
        m = self._matchers.get(question.id)
        if m is None or m.question is not question:
            m = self._matchers[question.id] = Matcher(question)
        return m

    def assess(self, question: Question, response: str) -> Assessment:
        """The verdict with its sureness and the extracted span (for records)."""
        return self.matcher(question).assess(response)

    def grade(self, question: Question, response: str) -> Grade:
        a = self.assess(question, response)
        key = a[:4]
        grade = self._grades.get(key)
        if grade is None:  # grades are immutable and repeat a lot: each is built once
            if len(self._grades) > 100_000:
                self._grades.clear()
            grade = self._grades[key] = Grade(verdict=a.verdict, rule=a.rule, reason=a.reason,
                                              decided=a.decided)
        return grade

    def graded(self, question: Question, response: str) -> Grade:
        """The grade with the span the rules read, as a record keeps it."""
        a = self.assess(question, response)
        return Grade(verdict=a.verdict, rule=a.rule, reason=a.reason, decided=a.decided,
                     extracted=a.extracted)
