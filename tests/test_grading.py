"""The rule grader: the hand-written case table, the oracle on the real set, reasons, citations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import load_corpus
from bench.dataset import Question, QuestionSet, load_questions
from bench.grading.rules import Matcher, RuleGrader
from bench.pipeline.result import citation_ok

ROOT = Path(__file__).resolve().parent.parent
CASES = [json.loads(t) for t in (ROOT / "tests/data/grading_cases.jsonl").read_text(
    encoding="utf-8").splitlines() if t.strip()]
REAL = load_questions(ROOT / "questions.jsonl", load_corpus(ROOT / "seeds")).questions
GOLD = [q for q in REAL if q.answer is not None]
UNREPORTED = [q for q in REAL if q.answer is None]
NEEDS_JUDGE = {"yn-inside-nk-sentence", "yn-border-guards-cold"}


def question(answer: str | None, answer_type: str = "entity", text: str = "Which town?",
             aliases: tuple[str, ...] = (), **extra: Any) -> Question:
    return Question(id="q", question=text, answer=answer, aliases=aliases,
                    answer_type=answer_type,  # type: ignore[arg-type]
                    citations=({"doc": "d", "quote": "q"},), **extra)  # type: ignore[arg-type]


def case_param(case: dict[str, Any]) -> Any:
    marks = ([pytest.mark.xfail(strict=True, reason="implied negative needs the LLM judge")]
             if case["case"] in NEEDS_JUDGE else [])
    return pytest.param(case, id=case["case"], marks=marks)


def test_case_table_is_whole() -> None:
    assert len(CASES) == 253
    assert len({c["case"] for c in CASES}) == len(CASES)
    assert NEEDS_JUDGE.issubset(c["case"] for c in CASES)


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_grading_case(case: dict[str, Any]) -> None:
    q = question(case["answer"], case["answer_type"], case["question"], tuple(case["aliases"]))
    verdict, rule, reason = Matcher(q).grade(case["response"])
    assert reason.strip() and re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", rule)
    assert verdict == case["verdict"], f"{case['rule']}: {reason}"


# ------------------------------------------------------------------ oracle on the real set


@pytest.mark.parametrize("q", GOLD, ids=[q.id for q in GOLD])
def test_gold_and_aliases_are_correct(q: Question) -> None:
    m = Matcher(q)
    for variant in (q.answer, *q.aliases):
        assert variant is not None
        assert m.grade(variant)[0] == "correct", (variant, m.grade(variant))


@pytest.mark.parametrize("q", GOLD, ids=[q.id for q in GOLD])
def test_i_do_not_know_is_not_attempted(q: Question) -> None:
    assert Matcher(q).grade("I don't know.")[0] == "not_attempted"


@pytest.mark.parametrize("q", UNREPORTED, ids=[q.id for q in UNREPORTED])
def test_not_disclosed_is_correct_when_unreported(q: Question) -> None:
    assert Matcher(q).grade("This was not disclosed.")[0] == "correct"


def test_real_set_has_both_kinds() -> None:
    assert GOLD and UNREPORTED


# ------------------------------------------------------------------ reasons name the rule

SHUSHA = question("Shusha", aliases=("Shushi",))
TWO = question("2", "number", "How many were killed?")
MORE = question("more than 1,200", "number", "How many troops were killed?")
MILES = question("about 45 miles", "number", "How far?")
DATE = question("2020-11-09", "date", "On what date?")
NO = question("No", "yes_no", "Did Russia retaliate?")
TEXT = question("offered compensation", "text", "What did Azerbaijan do?")
SECRET = question(None, "number", "How many peacekeepers were killed?")


@pytest.mark.parametrize(
    ("q", "response", "verdict", "reason"),
    [
        (SHUSHA, "It was Shushi.", "correct", "gives 'shushi' (rule: phrase match)"),
        (SHUSHA, "Not Shusha.", "incorrect", "negates the gold (rule: negation)"),
        (SHUSHA, "Shusha or Stepanakert", "incorrect",
         "offers several candidates (rule: alternatives)"),
        (SHUSHA, "Shusha. Actually, Stepanakert.", "incorrect",
         "gives the gold, then corrects it (rule: contradiction)"),
        (SHUSHA, "Stepanakert", "incorrect", "does not give the answer 'Shusha'"),
        (SHUSHA, "The article does not say.", "not_attempted", "abstains: no answer given"),
        (TWO, "Two servicemen.", "correct", "gives 2 by value (rule: number)"),
        (TWO, "Three.", "incorrect", "gives 3, gold is 2"),
        (TWO, "two or three", "incorrect", "offers several numbers (2, 3) (rule: alternatives)"),
        (TWO, "I have no idea.", "not_attempted", "gives no number: no answer"),
        (MORE, "Over 1,200.", "correct", "gives 1,200 by value (rule: number)"),
        (MORE, "Fewer than 1,200.", "incorrect",
         "opposite qualifier to 'more than' (rule: qualifier)"),
        (MORE, "1,200", "incorrect", "drops the qualifier 'more than' (rule: qualifier)"),
        (TWO, "More than 2.", "incorrect", "adds the qualifier 'more than' (rule: qualifier)"),
        (MILES, "About 45 km.", "incorrect", "unit km where the gold has mile (rule: unit)"),
        (DATE, "9 November 2020", "correct", "gives 2020-11-09 (rule: date)"),
        (DATE, "November 2020", "incorrect", "less precise than the gold 2020-11-09 (rule: date)"),
        (DATE, "2020-11-10", "incorrect", "gives 2020-11-10, gold is 2020-11-09"),
        (NO, "No, it did not.", "correct", "answers no (explicit) (rule: yes/no)"),
        (NO, "Yes.", "incorrect", "answers yes (explicit), gold is no (rule: yes/no)"),
        (NO, "Russia never retaliated.", "correct",
         "answers no (negative sentence) (rule: yes/no)"),
        (TEXT, "Compensation was offered by Baku.", "correct",
         "has every key word of the gold (rule: text key words)"),
        (SECRET, "Russia did not disclose the number.", "correct",
         "says 'did not disclose' (rule: unreported)"),
        (SECRET, "Two were killed.", "incorrect", "asserts 2 as fact (rule: unreported)"),
        (SHUSHA, "", "not_attempted", "empty response"),
        (SHUSHA, " ... ", "not_attempted", "empty response"),
    ],
)
def test_reason_names_the_rule(q: Question, response: str, verdict: str, reason: str) -> None:
    got_verdict, rule, got_reason = Matcher(q).grade(response)
    expected_rule = re.search(r" \(rule: ([^)]*)\)$", reason)
    assert (got_verdict, got_reason) == (verdict, reason[: expected_rule.start()]
                                         if expected_rule else reason)
    if expected_rule:  # the rule family the reason named is the rule id's prefix or suffix
        family = expected_rule.group(1).split()[0].replace("/", "_")
        assert family in rule, (rule, family)


def test_rule_grader_compiles_each_question() -> None:
    grader = RuleGrader([SHUSHA])
    graded = grader.grade(SHUSHA, "Shushi").model_dump(
        include={"verdict", "rule", "reason"})
    assert tuple(graded.values()) == Matcher(SHUSHA).grade("Shushi")
    assert grader.grade(TWO, "two").verdict == "correct"  # a question it was not built with
    changed = question("Stepanakert")  # same id, another gold: not the cached matcher
    assert grader.grade(changed, "Shusha").verdict == "incorrect"
    assert grader.grade(changed, "Stepanakert").verdict == "correct"


# ------------------------------------------------------------------ citations


@pytest.mark.parametrize(
    ("cited", "ok"),
    [
        (None, None),
        ((), False),
        ([], False),
        (("a",), True),
        (["c"], False),
        (("c", "b"), True),
        (("A",), False),
    ],
)
def test_citation_ok(cited: tuple[str, ...] | list[str] | None, ok: bool | None) -> None:
    q = Question(id="q", question="Q?", answer="x", answer_type="entity",
                 citations=({"doc": "a", "quote": "x"}, {"doc": "b", "quote": "y"}))  # type: ignore[arg-type]
    assert citation_ok(q, cited) is ok


# Regressions found by auditing the rule grader on real SmolLM2 answers.
@pytest.mark.parametrize(
    ("qid", "response", "verdict"),
    [
        # a model designation is no count: "Mi-24" does not assert 24 deaths
        ("pk-2023-death-toll",
         "The toll was not disclosed; the Mi-24 downed in 2020 is a different incident.",
         "correct"),
        ("pk-2023-death-toll", "Two soldiers died, as in the Mi-24 downing.", "incorrect"),
        ("heli-model", "A Mi 24 gunship.", "correct"),
        ("heli-model", "It was an Mi-24.", "correct"),
        # an explicit yes or no asserts a value the sources never gave
        ("pk-2023-more-than-heli-2020", "No, the Russian servicemen died in 2020.", "incorrect"),
        ("pk-2023-more-than-heli-2020", "Unknown: the 2023 toll was not disclosed.", "correct"),
        # the adjective names the country as well
        ("truce2021-country-blamed",
         "The Russian military blamed the Azerbaijani government for breaching the truce.",
         "correct"),
    ],
)
def test_audit_regressions(question_set: QuestionSet, qid: str, response: str,
                           verdict: str) -> None:
    q = question_set.by_id()[qid]
    assert RuleGrader().grade(q, response).verdict == verdict


# ------------------------------------------------------------------ nonsense never scores

NONSENSE = ["potato", "asdf qwer zxcv", "The weather is nice today.", "7", "42", "Perhaps",
            "Unconfirmed", "lorem ipsum dolor sit amet", "banana banana banana", "blue",
            "Пять", "🙂", "Both.", "All of the above.", "Ask someone else.",
            "The answer is purple.", "Yes and no.", "Maybe yes, maybe no.", "N/A purple"]
OFF_TYPE = {
    "number": ["2020", "dozens", "Monday", "Shusha", "several", "In 1994."],
    "date": ["Monday", "Shusha", "five", "dozens", "Two soldiers."],
    "entity": ["7", "2020-11-09", "yes", "Several."],
    "text": ["7", "yes", "2020"],
    "yes_no": ["Shusha", "7", "2020", "Stepanakert and Baku"],
}


def _others(q: Question, pool: list[Question], k: int) -> list[str]:
    """Golds of other questions of the same type that are no variant of this gold."""
    m = Matcher(q)
    out: list[str] = []
    for o in pool:
        if o.answer is None or o.answer_type != q.answer_type or o.answer in out:
            continue
        if m.grade(o.answer)[0] == "correct" or Matcher(o).grade(q.answer or "")[0] == "correct":
            continue
        out.append(o.answer)
        if len(out) == k:
            break
    return out


def bad_answers(q: Question) -> list[str]:
    """Nonsense, candidate lists and off-type answers for one question of the set."""
    # "Unconfirmed" says the fact was never confirmed: the answer to an unreported question,
    # and a "no" where the question asks whether it was confirmed.
    answers = [t for t in NONSENSE if t != "Unconfirmed" or (
        q.answer is not None and "confirmed?" not in q.question)]
    answers += OFF_TYPE[q.answer_type]
    if q.answer is None:
        return answers
    if q.answer_type == "yes_no":
        return [*answers, "yes or no", "Yes. No.", "No and yes.", "Yes, no, yes, no."]
    x, y = _others(q, list(REAL), 2)
    g = q.answer
    return [*answers, f"{g}, {x}, {y}", f"{x}, {g} and {y}", f"{g} or {x}", f"{x} and {g}",
            f"Either {x} or {g}.", f"The answer is {g}. The answer is {x}. The answer is {y}.",
            f"{x}\n{g}\n{y}", f"- {g}\n- {x}"]


@pytest.mark.parametrize("q", REAL, ids=[q.id for q in REAL])
def test_no_nonsense_candidate_list_or_off_type_answer_is_correct(q: Question) -> None:
    grader = RuleGrader()
    scored = {a: grader.grade(q, a) for a in bad_answers(q)}
    assert {a: (g.rule, g.reason) for a, g in scored.items() if g.verdict == "correct"} == {}


# ------------------------------------------------------------------ the issue's patterns


@pytest.mark.parametrize(
    ("qid", "response", "verdict"),
    [
        # reasoning is not the answer
        ("heli-crew-killed", "Let's think step by step. Two were killed, or was it the "
         "wounded? Therefore, the answer is three.", "incorrect"),
        ("heli-crew-killed", "<think>Maybe two.</think>I don't know.", "not_attempted"),
        ("war2020-shusha", "Let's think step by step. Shusha or Stepanakert, hard to tell.",
         "not_attempted"),
        # abstentions in natural wording
        ("heli-model", "The sources only ever call it a military helicopter and never give "
         "the type.", "not_attempted"),
        ("heli-model", "**Model:** Unclear.", "not_attempted"),
        ("heli-model", "I'm afraid I have no information on this.", "not_attempted"),
        ("heli-crew-killed", "There's no way to work that out.", "not_attempted"),
        # yes/no needs a polarity
        ("heli-apology-compensation", "potato", "incorrect"),
        ("heli-apology-compensation", "Perhaps", "not_attempted"),
        ("heli-shot-down-not-accident", "It was no accident; a missile brought it down.",
         "correct"),
        ("heli-apology-compensation", "I'm unable to verify that.", "not_attempted"),
        ("pk-2023-rybar-claim-confirmed", "Unconfirmed.", "not_attempted"),  # no statement
        ("pk-2023-rybar-claim-confirmed", "The claim remained unconfirmed.", "correct"),
        # citation markers are no numbers
        ("heli-crew-killed", "Two Russian servicemen were killed [2].", "correct"),
        ("heli-crew-killed", "Two were killed (3).", "correct"),
        # "rather than", "instead of" reject what follows
        ("war2020-shusha", "Shusha rather than Stepanakert.", "correct"),
        ("war2020-shusha", "Stepanakert instead of Shusha.", "incorrect"),
        # context numbers on unreported questions
        ("pk-2023-death-toll", "The 2023 toll was not disclosed; in the 2020 helicopter "
         "downing two died.", "correct"),
        ("pk-2023-death-toll", "Not disclosed.\n\n| Year | Killed |\n|---|---|\n| 2020 | 2 |\n"
         "| 2023 | not disclosed |", "correct"),
        ("pk-2023-death-toll", "Not disclosed. The helicopter was downed about 45 miles "
         "away.", "correct"),
        ("pk-2023-death-toll", "The Defense Ministry did not say, but two were killed.",
         "incorrect"),
        # non-disclosure of non-number facts
        ("pk-2023-investigation-findings", "Nothing about the results has come out.",
         "correct"),
        ("heli-convoy-purpose", "Nobody said what it was for.", "correct"),
        # candidates
        ("heli-responsible", "Azerbaijan, Georgia, Iran", "incorrect"),
        ("heli-responsible", "Azerbaijan and Armenia", "incorrect"),
        ("war2020-shusha", "The city is Shusha. The city is Lachin. The city is Goris.",
         "incorrect"),
        # off-type and other scripts
        ("heli-crew-killed", "2020", "incorrect"),
        ("heli-crew-killed", "dozens", "incorrect"),
        ("heli-date", "Monday", "incorrect"),
        ("war2020-shusha", "Шуша", "correct"),
        ("pk-2023-death-toll", "Пять", "incorrect"),
        # international forms and conversions
        ("heli-date", "9.11.2020", "correct"),
        ("heli-date", "09/11/2020", "correct"),
        ("war2020-death-toll", "6 500", "correct"),
        ("war2020-duration", "Six weeks, from late September to 10 November.", "correct"),
        ("heli-distance-from-karabakh", "about 45 miles (72 km)", "correct"),
        ("heli-distance-from-karabakh", "about 72 km", "correct"),
        ("heli-distance-from-karabakh", "about 45 km", "incorrect"),
        ("war2020-duration", "44 days", "correct"),
        # names
        ("heli-model", "Type: Mi-24", "correct"),
        ("war2020-karabakh-spokesman", "Vahram Pogosian", "correct"),
        ("pk-2023-danilov", "Alexey Danilov", "correct"),
        ("aliyev-2020-and-2023", "Heydar Aliyev", "incorrect"),
        ("truce2021-strike-weapon", "attack-type drones (quadcopters)", "correct"),
        ("war2020-armenian-pm", "Pashinyan, Nikol", "correct"),
        ("war2020-capital", "Stepanakret", "correct"),
        # self-corrections, one way
        ("heli-crew-killed", "Three, no wait, two", "correct"),
        ("war2020-shusha", "Stepanakert. Sorry, I mean Shusha.", "correct"),
        ("war2020-shusha", "Shusha. Sorry, I mean Stepanakert.", "incorrect"),
        # units implied by the question
        ("war1990s-death-toll", "30k", "correct"),
    ],
)
def test_issue_patterns(question_set: QuestionSet, qid: str, response: str,
                        verdict: str) -> None:
    a = RuleGrader().assess(question_set.by_id()[qid], response)
    assert a.verdict == verdict, (a.rule, a.reason, a.extracted)
