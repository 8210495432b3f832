"""The rule grader: deterministic verdicts with the rule that decided each one."""

from __future__ import annotations

import re
from collections.abc import Callable

from bench.dataset import Question
from bench.normalize import (
    ABSTAIN,
    ARTICLES,
    ATTRIBUTION,
    GT,
    LT,
    NEGATIONS,
    NONDISCLOSURE,
    QUALIFIER_NAMES,
    TURNS,
    Date,
    NumberMention,
    find_dates,
    find_numbers,
    fold,
    format_date,
    month_date_tokens,
    parse_date_answer,
    parse_number_answer,
    phrase_key,
    qualifier_span,
    stem,
    tokens,
)
from bench.verdicts import Grade, Verdict

RULES_SPEC = "rules-v1"
Outcome = tuple[Verdict, str, str]
"""(verdict, rule, reason) as the matchers decide them."""
C, INC, NA = Verdict.CORRECT, Verdict.INCORRECT, Verdict.NOT_ATTEMPTED

# Words that carry no answer: function words, hedges, and talk about the question itself.
_FILLER = frozenset(
    """i me my we our you it its it's is was were be been being am are a an the of in on at to
    for by with from that this these those there which who whom whose what when where why how
    and or but not no nor sure certain think believe maybe perhaps probably possibly likely guess
    answer response question article articles text texts source sources says said say know known
    do does did have has had can could would should will may might so as if than then about just
    only also very exactly precisely unfortunately sorry based given provided information context
    passage passages document documents report reports reported according here one any some
    clear specific specifically mention mentioned mentions state stated states available
    determine determined tell provide find found exact number figure details detail unable
    unknown unclear idea afraid well actually s t""".split()
)
_YES = frozenset({"yes", "yeah", "yep", "correct", "indeed", "affirmative", "true", "right"})
_NO = frozenset({"no", "nope", "false", "negative", "incorrect"})
# Narrower than ABSTAIN: "the ministry did not specify" answers a yes/no question.
_YES_NO_ABSTAIN = re.compile(
    r"\b(?:i|we) (?:do|did) not know\b|\bdon't know\b"
    r"|^\W*(?:i am |i'm )?(?:not sure|unsure|not certain)\W*$|\bnot able to\b"
    r"|\bcan not (?:be )?(?:determine|determined|answer|say|tell)\b|\bunclear\b|\bunknown\b"
    r"|\b(?:article|articles|text|source|sources|document|documents|passage|context)s? "
    r"(?:does|do|did) not (?:say|mention|specify|state|indicate)\b|\bno information\b"
    r"|\bnot (?:enough|sufficient) information\b|\binsufficient information\b"
)
_SENTENCES = re.compile(r"[.;!?](?:\s+|$)|\n+|\b(?:but|however|while|although|though)\b")
_CLAUSES = re.compile(r"[.;!?](?:\s+|$)|,\s|\n+|\b(?:but|however|while|although|though)\b")
_ALTERNATIVE = frozenset({"or", "to", "and/or", "maybe", "perhaps", "possibly", "probably"})
# After the gold, these introduce a second answer that replaces it: "Two. Actually, three."
_CORRECTION = re.compile(r"\b(?:actually|correction|i mean|on second thought|no wait|scratch that"
                         r"|or rather|rather)\b")
_TITLES = frozenset(
    (
        "president prime minister mr mrs ms dr general gen spokesman spokeswoman leader foreign "
        "defence defense azerbaijani armenian russian azerbaijan armenia russia s"
    ).split()
)


def _words(text: str) -> list[str]:
    return [t for t in tokens(fold(text)) if t not in ARTICLES]


def _negated(before: list[str]) -> bool:
    """A negation among the last three tokens, with no turn ("but", "rather") after it."""
    window = before[-3:]
    for k in range(len(window) - 1, -1, -1):
        if window[k] in TURNS:
            return False
        if window[k] in NEGATIONS:
            return True
    return False


class Matcher:
    """Everything about one question that does not depend on the response, computed once."""

    def __init__(self, question: Question):
        self.question = question
        self.gold = question.answer
        self.type = question.answer_type
        self.question_words = frozenset(_words(question.question))
        variants = [question.answer, *question.aliases] if question.answer else []
        self.keys = sorted({phrase_key(v) for v in variants}, key=len, reverse=True)
        self.numbers: list[NumberMention] = [
            n for n in (parse_number_answer(v) for v in variants) if n is not None
        ]
        self.date: Date | None = parse_date_answer(question.answer) if question.answer else None
        self.bags = [frozenset(stem(w) for w in _words(v) if w not in _FILLER) for v in variants]
        self.tolerance = question.tolerance or 0.0
        grade: dict[str, Callable[[str, list[str]], Outcome]] = {
            "number": self._number, "date": self._date, "entity": self._entity,
            "text": self._text, "yes_no": self._yes_no,
        }
        self._grade = self._unreported if question.answer is None else grade[self.type]

    def grade(self, response: str) -> Outcome:
        folded = fold(response)
        toks = tokens(folded)
        if not toks:
            return NA, "empty", "empty response"
        return self._grade(folded, toks)

    # ------------------------------------------------------------ shared pieces

    def _content(self, toks: list[str], *, restating: bool = False) -> bool:
        """Whether tokens say anything beyond filler (and, if `restating`, the question's words)."""
        qw = self.question_words if restating else frozenset()
        return any(t not in _FILLER and t not in qw for t in toks)

    @staticmethod
    def _clauses(folded: str, splitter: re.Pattern[str] = _CLAUSES) -> list[str]:
        return [c for c in splitter.split(folded) if c and c.strip()]

    def _committed_numbers(self, folded: str, *, attribution_hedges: bool) -> list[float]:
        """Numbers stated in sentences that neither abstain nor (optionally) attribute the claim."""
        out: list[float] = []
        for clause in self._clauses(folded, _SENTENCES):
            if ABSTAIN.search(clause) or NONDISCLOSURE.search(clause):
                continue
            if attribution_hedges and ATTRIBUTION.search(clause):
                continue
            toks = tokens(clause)
            for m in find_numbers(toks, month_date_tokens(clause, toks)):
                if not m.is_year and not m.partitive:
                    out.append(m.value)
        return out

    def _no_match(self, folded: str, toks: list[str], what: str) -> Outcome:
        """The gold is not in the response: an abstention, or a different answer."""
        if self.type in ("number", "date"):
            # Candidates were looked for already; words without one answer nothing.
            return NA, f"{self.type}.none", f"gives no {self.type}: no answer"
        for clause in self._clauses(folded):
            if ABSTAIN.search(clause) or NONDISCLOSURE.search(clause):
                continue
            if self._content(tokens(clause)):
                return INC, "other.answer", f"does not give {what}"
        return NA, "abstain", "abstains: no answer given"

    def _phrase(self, toks: list[str]) -> Outcome | None:
        """Find the gold or an alias as a whole phrase; judge negation and alternatives."""
        key = " " + " ".join(t for t in toks if t not in ARTICLES) + " "
        found = negated = alternative = corrected = False
        for gold_key in self.keys:
            start = key.find(gold_key)
            while start != -1:
                found = True
                before = key[:start].split()
                after = key[start + len(gold_key):].split()
                if _negated(before):
                    negated = True
                elif self._other_name(gold_key, before):
                    pass
                elif self._corrected(after):
                    corrected = True
                elif (after[:1] == ["or"] and not self._starts_variant(after[1:])) or (
                    before[-1:] == ["or"] and not self._ends_variant(before[:-1])
                ) or "either" in before[-4:]:
                    alternative = True
                else:
                    return C, "phrase.match", f"gives {gold_key.strip()!r}"
                start = key.find(gold_key, start + 1)
        if alternative:
            return INC, "alternatives", "offers several candidates"
        if corrected:
            return INC, "contradiction", "gives the gold, then corrects it"
        if negated:
            return INC, "negation", "negates the gold"
        return None if not found else (INC, "phrase.rejected", "gold only in a rejected form")

    def _corrected(self, after: list[str]) -> bool:
        text = " ".join(after)
        m = _CORRECTION.search(text)
        if not m:
            return False
        rest = text[m.end():].split()
        return not self._has_variant(rest) and self._content(rest)

    def _has_variant(self, words: list[str]) -> bool:
        text = " " + " ".join(words) + " "
        return any(k in text for k in self.keys)

    def _other_name(self, gold_key: str, before: list[str]) -> bool:
        """A short alias preceded by another given name: "Heydar Aliyev" is not "Ilham Aliyev"."""
        prev = before[-1] if before else ""
        if not prev or prev in _FILLER or prev in _TITLES or prev in NEGATIONS:
            return False
        longer = [k for k in self.keys if len(k) > len(gold_key) and k.endswith(gold_key)]
        return bool(longer) and not any(k.split()[-len(gold_key.split()) - 1] == prev
                                        for k in longer)

    def _starts_variant(self, words: list[str]) -> bool:
        text = " " + " ".join(words) + " "
        return any(text.startswith(k) for k in self.keys)

    def _ends_variant(self, words: list[str]) -> bool:
        text = " " + " ".join(words) + " "
        return any(text.endswith(k) for k in self.keys)

    # ------------------------------------------------------------ per answer type

    def _number(self, folded: str, toks: list[str]) -> Outcome:
        mentions = find_numbers(toks, month_date_tokens(folded, toks))
        gold = self.numbers[0]
        matches = [m for m in mentions if self._same_value(m.value)]
        if not matches:
            committed = [
                v for v in self._committed_numbers(folded, attribution_hedges=False)
                if not self._same_value(v)
            ]
            if committed:
                return INC, "number.other", f"gives {_fmt(committed[0])}, gold is {self.gold}"
            return self._no_match(folded, toks, "a number")
        rule, problem = "", ""
        for m in matches:
            later = [o for o in mentions if o.start > m.end and not o.is_year
                     and not self._same_value(o.value) and not o.partitive]
            if later and _CORRECTION.search(" ".join(toks[m.end: later[0].start])):
                return INC, "contradiction", "gives the gold, then another number"
            rule, problem = self._number_problem(m, mentions, toks)
            if not problem:
                return C, "number.value", f"gives {_fmt(gold.value)} by value"
        return INC, rule, problem

    def _same_value(self, value: float) -> bool:
        return any(
            abs(value - g.value) <= max(self.tolerance * abs(g.value), 1e-9)
            for g in self.numbers
        )

    def _number_problem(self, m: NumberMention, mentions: list[NumberMention],
                        toks: list[str]) -> tuple[str, str]:
        gold = self.numbers[0]
        if _negated(toks[: m.start - qualifier_span(toks, m.start)]):
            return "negation", "negates the gold number"
        for o in mentions:
            if o is m or o.is_year or self._same_value(o.value):
                continue
            lo, hi = (m, o) if m.start < o.start else (o, m)
            between = toks[lo.end + (1 if lo.unit else 0): hi.start]
            if not between or set(between) <= _ALTERNATIVE or (
                between == ["and"] and "between" in toks[max(0, lo.start - 2): lo.start]
            ):
                pair = f"{_fmt(lo.value)}, {_fmt(hi.value)}"
                return "alternatives", f"offers several numbers ({pair})"
        if "either" in toks:
            return "alternatives", "offers several candidates"
        gq, rq = gold.qualifier, m.qualifier
        if gq in (GT, LT):
            if rq != gq:
                opposite = {GT: LT, LT: GT}[gq]
                if rq == opposite:
                    return "number.qualifier", f"opposite qualifier to '{QUALIFIER_NAMES[gq]}'"
                return "number.qualifier", f"drops the qualifier '{QUALIFIER_NAMES[gq]}'"
        elif rq in (GT, LT):
            return "number.qualifier", f"adds the qualifier '{QUALIFIER_NAMES[rq]}'"
        if gold.unit and m.unit and gold.unit[0] == m.unit[0] and gold.unit[1] != m.unit[1]:
            return "number.unit", f"unit {m.unit[1]} where the gold has {gold.unit[1]}"
        return "", ""

    def _date(self, folded: str, toks: list[str]) -> Outcome:
        assert self.date is not None
        gy, gm, gd = self.date
        dates = find_dates(folded)
        vague = False
        hit = None
        for d in dates:
            y, m, dd = d.date
            if y != gy or (gm and m and m != gm) or (gd and dd and dd != gd):
                continue
            if (gm and not m) or (gd and not dd):
                vague = True
                continue
            before = tokens(folded[: d.start])
            if _negated(before):
                return INC, "negation", "negates the gold date"
            hit = d
            break
        if hit is not None:
            for o in dates:
                if o is hit or o.date == hit.date:
                    continue
                lo, hi = (hit, o) if hit.start < o.start else (o, hit)
                between = tokens(folded[lo.end: hi.start])
                if set(between) <= _ALTERNATIVE | {"and", "between"} or "either" in toks:
                    return INC, "alternatives", "offers several dates"
            return C, "date.match", f"gives {format_date(self.date)}"
        others = [
            d for d in dates
            if d.date[0] != gy or (gm and d.date[1] not in (None, gm))
            or (gd and d.date[2] not in (None, gd))
        ]
        if others:
            return INC, "date.other", f"gives {format_date(others[0].date)}, gold is {self.gold}"
        if vague:
            return INC, "date.vague", f"less precise than the gold {self.gold}"
        return self._no_match(folded, toks, "a date")

    def _entity(self, folded: str, toks: list[str]) -> Outcome:
        return self._phrase(toks) or self._no_match(folded, toks, f"the answer {self.gold!r}")

    def _text(self, folded: str, toks: list[str]) -> Outcome:
        verdict = self._phrase(toks)
        if verdict is not None:
            return verdict
        stems = [stem(t) for t in toks]
        have = set(stems)
        for bag in self.bags:
            if bag and bag <= have:
                first = min(stems.index(w) for w in bag)
                if _negated(toks[:first]):
                    return INC, "negation", "negates the gold"
                return C, "text.keywords", "has every key word of the gold"
        return self._no_match(folded, toks, f"the answer {self.gold!r}")

    def _yes_no(self, folded: str, toks: list[str]) -> Outcome:
        want = self.gold.strip().lower() if self.gold else ""
        head = toks[:4]
        said_yes = any(t in _YES for t in head)
        said_no = any(t in _NO for t in head)
        if said_yes and said_no:
            return INC, "alternatives", "says both yes and no"
        if said_yes or said_no:
            got, how = ("yes" if said_yes else "no"), "explicit"
        elif _YES_NO_ABSTAIN.search(folded):
            return NA, "abstain", "abstains: no answer given"
        else:
            got = "no" if any(t in NEGATIONS for t in toks) else "yes"
            how = "negative sentence" if got == "no" else "affirmative sentence"
        if got == want:
            return C, "yes_no.match", f"answers {got} ({how})"
        return INC, "yes_no.other", f"answers {got} ({how}), gold is {want}"

    def _unreported(self, folded: str, toks: list[str]) -> Outcome:
        cue = NONDISCLOSURE.search(folded) or ABSTAIN.search(folded)
        if self.type == "yes_no" and not cue and {*toks[:4]} & (_YES | _NO):
            return INC, "unreported.yes_no", "answers yes or no where the sources never said"
        if self.type in ("number", "date") or cue:
            asserted = self._committed_numbers(folded, attribution_hedges=bool(cue))
            if asserted:
                return INC, "unreported.asserted", f"asserts {_fmt(asserted[0])} as fact"
        if cue:
            return C, "unreported.nondisclosure", f"says {cue.group(0).strip()!r}"
        if not self._content(toks, restating=True):
            return NA, "unreported.none", "no answer and no statement that it is undisclosed"
        return INC, "unreported.asserted", "asserts an answer the sources never disclosed"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


class RuleGrader:
    """Grades responses to a question set; matchers are compiled on first use of a question."""

    spec = RULES_SPEC

    def __init__(self, questions: list[Question] | tuple[Question, ...] = ()):
        self._matchers: dict[str, Matcher] = {q.id: Matcher(q) for q in questions}

    def matcher(self, question: Question) -> Matcher:
        m = self._matchers.get(question.id)
        if m is None or m.question is not question:
            m = self._matchers[question.id] = Matcher(question)
        return m

    def grade(self, question: Question, response: str) -> Grade:
        verdict, rule, reason = self.matcher(question).grade(response)
        return Grade(verdict=verdict, rule=rule, reason=reason)
