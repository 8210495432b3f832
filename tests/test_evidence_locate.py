"""Evidence quotes checked against the real articles: found exactly after folding, nearly with
a typo, not at all when made up or given the wrong article; hits on the gold citations."""

from __future__ import annotations

import time
from typing import NamedTuple

import pytest

from bench.corpus import Corpus
from bench.dataset import Citation, Question, QuestionSet
from bench.evidence import EvidenceCheck, Quote, check_quotes

A, B, C, D = ("000_5ee3afeb577c3ab4", "001_4ac9bfdbbc70454b", "002_c5b2addbe5120c98",
              "003_e56242bd504d94af")
KILLED = "Moscow said two Russian soldiers were killed in the attack and another was wounded."
DOWNED = ("Azerbaijan said it shot down a Russian helicopter over Armenia far from the fighting, "
          "killing two Russian servicemen.")
SHUSHI = "“Shushi is completely out of our control,” wrote Fahram Boghossian"
SEIZURE = "The seizure of Shushi — which Azerbaijani President Ilham Aliyev had claimed"
CONVOY = "Russia’s Defence Ministry said the helicopter was accompanying a military convoy"
INVESTIGATING = "The Russian Defense Ministry said it was investigating who was behind the attack."


class Case(NamedTuple):
    question: str
    """Id of the real question checked against."""
    quote: Quote
    shown: tuple[str, ...]
    found: bool
    exact: bool
    doc: str | None
    doc_in_gold: bool
    overlaps_gold: bool
    span_of: str | None
    """The article text the match should cover exactly (None: no exact span to assert)."""


CASES = {
    "verbatim gold": Case("heli-crew-killed", Quote(doc=A, quote=KILLED), (A, B), True, True, A,
                          True, True, KILLED),
    "curly quotes, case, spaces": Case(
        "war2020-karabakh-spokesman",
        Quote(doc=A, quote='"SHUSHI is completely out of our control,"  wrote\nFahram Boghossian'),
        (A, B), True, True, A, True, True, SHUSHI),
    "dashes": Case(
        "war2020-aliyev-shusha-claim-date",
        Quote(doc=B, quote="The seizure of Shushi - which Azerbaijani President Ilham Aliyev had "
                           "claimed"), (A, B), True, True, B, True, True, SEIZURE),
    "straight apostrophe": Case(
        "heli-convoy-purpose", Quote(doc=B, quote=CONVOY.replace("’", "'")), (B,), True, True, B,
        True, True, CONVOY),
    "one typo": Case(
        "heli-crew-killed",
        Quote(doc=A, quote=KILLED.replace("killed", "kiled")), (A,), True, False, A, True, True,
        None),
    "made up in the articles' style": Case(
        "heli-crew-killed",
        Quote(doc=A, quote="Moscow said three Russian pilots were captured near the village of "
                           "Yarsikh by Armenian forces."), (A,), False, False, A, True, False,
        None),
    "right article, other passage": Case(
        "heli-crew-killed", Quote(doc=A, quote=INVESTIGATING), (A,), True, True, A, True, False,
        INVESTIGATING),
    "another article's sentence under a gold id": Case(
        "heli-crew-killed", Quote(doc=A, quote=DOWNED), (A, B), False, False, A, True, False,
        None),
    "another article's sentence under a wrong id": Case(
        "heli-crew-killed", Quote(doc=C, quote=KILLED), (A, C), False, False, C, False, False,
        None),
    "unknown id": Case(
        "heli-crew-killed", Quote(doc="999_0000000000000000", quote=KILLED), (A,), False, False,
        "999_0000000000000000", False, False, None),
    "no id: found in the article shown": Case(
        "heli-crew-killed", Quote(quote=DOWNED), (A, B), True, True, B, True, True, DOWNED),
    "no id, not in the articles shown": Case(
        "heli-crew-killed", Quote(quote=DOWNED), (A, C), False, False, None, False, False, None),
    "ellipsis": Case(
        "heli-crew-killed",
        Quote(doc=A, quote="Moscow said two Russian soldiers were killed ... another was wounded."),
        (A,), True, True, A, True, True, KILLED),
    "ellipsis character in brackets": Case(
        "heli-crew-killed",
        Quote(doc=A, quote="Moscow said two Russian soldiers […] were killed in the attack"),
        (A,), True, True, A, True, True, "Moscow said two Russian soldiers were killed in the "
                                         "attack"),
    "ellipsis with a typo": Case(
        "heli-crew-killed",
        Quote(doc=A, quote="Moscow said two Rusian soldiers were killed … another was wounded."),
        (A,), True, False, A, True, True, None),
    "ellipsis of scraps": Case(
        "heli-crew-killed", Quote(doc=A, quote="x ... y ... z"), (A,), False, False, A, True,
        False, None),
    "short typo'd fragment": Case(
        "heli-model", Quote(doc=A, quote="Mi-42 helicoptr"), (A,), False, False, A, True, False,
        None),
    "short exact fragment": Case(
        "heli-model", Quote(doc=A, quote="Mi-24 military"), (A,), True, True, A, True, True,
        "Mi-24 military"),
    "unreported: the sentence saying so": Case(
        "war2020-azerbaijan-losses", Quote(doc=B, quote="Azerbaijan has not stated its losses."),
        (B,), True, True, B, True, True, "Azerbaijan has not stated its losses."),
}


@pytest.fixture(scope="module")
def questions(question_set: QuestionSet) -> dict[str, Question]:
    return question_set.by_id()


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_check_quotes(case: Case, questions: dict[str, Question], corpus: Corpus) -> None:
    (got,) = check_quotes([case.quote], questions[case.question], corpus.texts, case.shown)
    assert (got.found, got.exact, got.doc, got.doc_in_gold, got.overlaps_gold) == (
        case.found, case.exact, case.doc, case.doc_in_gold, case.overlaps_gold)
    assert got.quote == case.quote.quote
    assert (got.span is None) == (not case.found)
    if case.span_of is not None:
        assert got.doc is not None
        start = corpus.texts[got.doc].find(case.span_of)
        assert got.span == (start, start + len(case.span_of))


def test_a_near_match_covers_the_sentence_it_retypes(questions: dict[str, Question],
                                                     corpus: Corpus) -> None:
    (got,) = check_quotes([Quote(doc=A, quote=KILLED.replace("killed", "kiled"))],
                          questions["heli-crew-killed"], corpus.texts, (A,))
    start = corpus.texts[A].find(KILLED)
    assert got.span is not None
    assert abs(got.span[0] - start) <= 3 and abs(got.span[1] - (start + len(KILLED))) <= 3


def test_a_whole_article_is_found_but_hits_no_gold(questions: dict[str, Question],
                                                   corpus: Corpus) -> None:
    text = corpus.texts[A]
    (got,) = check_quotes([Quote(doc=A, quote=text)], questions["heli-crew-killed"],
                          corpus.texts, (A,))
    assert (got.found, got.exact, got.overlaps_gold) == (True, True, False)
    assert got.span == (len(text) - len(text.lstrip()), len(text.rstrip()))


def test_every_occurrence_of_a_gold_quote_counts() -> None:
    question = Question(id="q", question="What happened?", answer="rain", answer_type="text",
                        citations=(Citation(doc="x", quote="It rained."),))
    texts = {"x": "It rained. It snowed. It rained. Then it stopped."}
    later = check_quotes([Quote(doc="x", quote="snowed. It rained. Then")], question, texts, ())
    apart = check_quotes([Quote(doc="x", quote="It snowed.")], question, texts, ())
    assert [c.overlaps_gold for c in (*later, *apart)] == [True, False]


def test_an_exact_match_beats_a_near_one_in_an_earlier_article() -> None:
    question = Question(id="q", question="What happened?", answer="rain", answer_type="text",
                        citations=(Citation(doc="y", quote="it rained all day long"),))
    texts = {"x": "Yesterday it rainet all day long in town.",
             "y": "Yesterday it rained all day long in town."}
    (got,) = check_quotes([Quote(quote="it rained all day long in town")], question, texts,
                          ("x", "y"))
    assert (got.doc, got.exact, got.overlaps_gold) == ("y", True, True)


def test_hundreds_of_quotes_check_well_under_a_second(question_set: QuestionSet,
                                                      corpus: Corpus) -> None:
    shown = tuple(sorted(corpus.texts))
    # Verbatim, retyped with a slip, padded: most need the fuzzy search in every article.
    quotes = [Quote(quote=text) for q in question_set.questions for c in q.citations
              for text in (c.quote, c.quote.replace("e", "a", 1), c.quote + " and so on")][:300]
    check_quotes(quotes[:1], question_set.questions[0], corpus.texts, shown)  # fold once
    began = time.perf_counter()
    checks: tuple[EvidenceCheck, ...] = ()
    for n in range(0, len(quotes), 3):
        checks += check_quotes(quotes[n:n + 3], question_set.questions[0], corpus.texts, shown)
    assert len(checks) == len(quotes)
    assert time.perf_counter() - began < 1.0
