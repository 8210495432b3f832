"""Grader v3's doubts, on answers of the same shapes as the labelled tables' but in other
words: a careful reader could disagree with the first reading, so the verdict is a best guess
(undecided), and the guess reads the answer the way its writer committed."""

from __future__ import annotations

import pytest

from bench.dataset import QuestionSet
from bench.grading.rules import RuleGrader

CASES = [
    # (question id, response, verdict, decided)
    # the gold carried by arithmetic
    ("heli-crew-killed", "2 + 2 = 5 servicemen died.", "incorrect", True),
    ("heli-crew-killed", "1 + 1 = 2 soldiers", "correct", True),
    # ... a sum after the answer may compute something else: a reading
    ("heli-crew-killed", "Two died; 2 + 1 = 3 were aboard.", "incorrect", False),
    ("heli-crew-killed", "2 servicemen + 1 pilot = 3 dead.", "incorrect", False),
    ("heli-crew-killed", "2 + 2 = 5 servicemen died, I think.", "incorrect", True),
    # candidates put as questions
    ("war2020-shusha", "Lachin? Shusha? I'd go with Lachin.", "incorrect", True),
    ("war2020-shusha", "Stepanakert? No, it was Shusha.", "correct", True),
    ("war2020-shusha", "Shusha? Maybe.", "not_attempted", False),
    # a turn from the gold to a rival
    ("heli-crew-killed", "Moscow first said two, but it later revised the toll to four.",
     "incorrect", True),
    ("heli-date", "It is often dated 9 November 2020, but it actually happened on "
     "12 November 2020.", "incorrect", True),
    # ... a contrast alone may move on to another fact: a reading
    ("heli-date", "Talks began on 9 November 2020, but the strike came on 12 November 2020.",
     "incorrect", False),
    ("heli-crew-killed", "Two died; in fact three more were hurt as well.", "correct", False),
    # the gold beside a rival, and only the sentence settles which answers
    ("heli-crew-killed", "Two crewmen were hurt and five were killed.", "incorrect", False),
    # an ordinal that makes a count ("added a sixth"), beside the gold
    ("heli-crew-killed", "Two servicemen were killed, and a third was hurt.", "correct",
     False),
    # the gold named only inside a question the response asks
    ("heli-crew-killed", "Was it two, or was it never confirmed? Hard to say.",
     "not_attempted", False),
    # a value asserted after saying it was never disclosed: read with certainty
    ("pk-2023-death-toll", "The ministry never gave a figure, but it was plainly six.",
     "incorrect", True),
    # "the sources mention X but not Y"
    ("heli-village", "The reports place it in southern Armenia but do not name the village.",
     "not_attempted", True),
    ("heli-village", "It fell near Meghri. The sources mention the border but not the "
     "village.", "not_attempted", False),
    # a list of different facts: the row whose label the question asks
    ("heli-wounded", "**Killed:** 2\n**Wounded:** 1", "correct", True),
    ("heli-wounded", "- Killed: 1\n- Wounded: 2", "incorrect", True),
    # names offered with "or" are candidates; side by side they may be a place and its country
    ("heli-responsible", "Either Azerbaijan or Turkey.", "incorrect", True),
    # a value asserted with certainty after saying it was never disclosed
    ("heli-convoy-purpose", "Moscow never said, but it was obviously carrying fuel.",
     "incorrect", True),
    ("heli-convoy-purpose", "Moscow never said, but it may have carried fuel.", "incorrect",
     False),
    # "the final toll" after a contrast settles it; a plain contrast does not
    ("heli-crew-killed", "Early reports said two, but the final toll was three.", "incorrect",
     True),
    # a denial of a claim in other words than the question's: no yes or no to read
    ("war2020-mass-protests", "It is not true that Armenians stayed quiet.", "incorrect", False),
    # a reply that breaks off mid-sentence after its reasoning
    ("heli-crew-killed", "Moscow gave a figure at first and then a second figure later, and it "
     "comes to roughly", "not_attempted", False),
    # a name as another language spells it: a best guess
    ("heli-responsible", "Aserbaidschan hat die Verantwortung übernommen.", "correct", False),
    # reasoning, then a conclusion that reads plainly: the conclusion answers
    ("heli-date", "Early reports gave 10 November 2020. Moscow later corrected itself. So it "
     "was shot down on 9 November 2020.", "correct", True),
    ("heli-crew-killed", "Two servicemen were killed at once. So far, three were hurt.",
     "correct", True),
    ("heli-crew-killed", "Three crewmen were aboard. So two of them died.", "correct", True),
    # the gold for another occasion than the one asked, and a rival for the asked one
    ("war2020-shusha", "Shusha fell in 1992; in 2020 it was Hadrut that fell first.",
     "incorrect", True),
    # a name in another script within one letter of the gold
    ("war2020-capital", "სტეფანაკერტი", "correct", True),
    # a loop alternating the gold with another name
    ("war2020-shusha", "Answer: the city of Shusha Lachin Shusha Lachin Shusha", "incorrect",
     True),
    # nonsense carrying the gold; a sum with no result; a writer who will not choose
    ("heli-date", "Potato 9 November 2020 potato equals 9 November 2020 potato.", "incorrect",
     False),
    ("heli-crew-killed", "2 x 2 servicemen.", "incorrect", False),
    ("heli-date", "9 November 2020, unless it was the 10th; I cannot decide.", "incorrect",
     False),
    # a rival name in a sentence that speaks more of what is asked than the gold's
    ("war2020-shusha", "Shusha was where the offensive began; the city they took was Lachin.",
     "incorrect", False),
    # footnotes closing a reply are sources, not names in the answer
    ("war2020-shusha", "Azerbaijani forces took Shusha [1].\n\n[1] Reuters, 8 November 2020",
     "correct", True),
    # the gold only owning the one who answers
    ("pk-2023-kovgan", "Kovgan's driver, Captain Oleg Smirnov, was the one identified.",
     "incorrect", False),
    # a heading over fields titles them; the asked field says it is unknown
    ("heli-village", "## Crash site\n- **Village:** *not specified in my notes*",
     "not_attempted", True),
    # a yes/no question about confirmation answered by the words that would abstain
    ("pk-2023-rybar-claim-confirmed", "Rybar's claim could not be independently verified.",
     "correct", False),
    ("pk-2023-rybar-claim-confirmed", "I could not verify that myself.", "not_attempted", True),
    # the question's own verb taking another name, the gold said of something else
    ("truce2021-country-blamed", "The ministry blamed Armenia, citing Azerbaijani "
     "radar data.", "incorrect", False),
    # a cut-off echo that puts a name of its own where the answer goes is an answer
    ("war2020-residents-fled-to", "Residents fleeing into the country of Iran along the "
     "main road the main road the", "incorrect", True),
    # unsure, but a guess all the same: a committed wrong answer
    ("heli-responsible", "I'm not sure, but possibly Turkey.", "incorrect", False),
    # abstentions and non-disclosure in other languages
    ("war2020-shusha", "我不确定是哪座城市。", "not_attempted", True),
    ("war2020-shusha", "لا أعرف.", "not_attempted", True),
    ("pk-2023-death-toll", "Die Zahl der Toten wurde nicht bekanntgegeben.", "correct", True),
    # the gold, then a rival in another sentence about the same: the last value said
    ("war2020-death-toll", "6,500 was the figure for soldiers alone; counting civilians, "
     "the report gave 8,000 killed.", "incorrect", False),
    # a power of the gold with its result
    ("heli-crew-killed", "2 squared = 4 servicemen.", "incorrect", False),
    # a duration beside a question asking for a count is no answer to it
    ("war2020-death-toll", "According to the 2021 report, the six-week war left", "incorrect",
     False),
    # reasoning announced in other words, then a plain conclusion
    ("war2020-mass-protests", "Let's think it through: the defeat was total. Therefore yes, "
     "it sparked mass protests.", "correct", True),
    # a guess put as a question: a commitment or not?
    ("heli-date", "Hard to say. Maybe 12 November 2020?", "not_attempted", False),
    # a denied value, then the gold
    ("heli-date", "It wasn't on 10 November, as some claim, but on 9 November 2020.", "correct",
     True),
    # a day of another date, its year left to the context
    ("heli-date", "9 November 2020 was when the convoy set out; the helicopter fell a day "
     "later, on 10 November.", "incorrect", False),
    # a true conversion with its result rounded as written
    ("heli-distance-from-karabakh", "45 miles x 1.609 = 72.4 km.", "correct", False),
    ("heli-distance-from-karabakh", "About 72.4 km.", "correct", True),
    # the gold in another language beside that language's negation
    ("war2020-shusha", "Не Шуша, а Лачин.", "incorrect", False),
    ("war2020-shusha", "Не Лачин, а Шуша.", "correct", False),
    # digits inside Chinese or Japanese text, and their units
    ("heli-distance-from-karabakh", "约45公里", "incorrect", False),
    ("heli-crew-killed", "有2名军人死亡。", "correct", True),
    # two negations make a yes
    ("war2020-mass-protests", "It isn't unlikely that the defeat sparked mass protests; it "
     "did.", "correct", False),
    # number words of other languages: a bare hundred, units joined to tens
    ("heli-crew-killed", "Murieron ciento noventa y cinco soldados.", "incorrect", True),
    # cut off on a description, before the name it introduces
    ("pk-2023-kovgan", "The officer identified among the dead was the Russian deputy",
     "not_attempted", False),
    # the gold running into a longer name of another body
    ("pk-2023-kovgan-fleet", "He served with the Command of Northern Fleet Aviation.",
     "incorrect", False),
    # a last clause that concludes
    ("heli-crew-killed", "Three were aboard and one survived, so two servicemen died.",
     "correct", True),
    ("heli-crew-killed", "Two were killed, so far as we know.", "correct", True),
    # a negation across an aside that says the gold is what others claim
    ("war2020-shusha", "It was not, contrary to what many reports say, Shusha; it was Lachin.",
     "incorrect", True),
    ("war2020-shusha", "It was not, I think, Lachin but Shusha.", "correct", True),
    # a reply written as JSON
    ("heli-crew-killed", '{"answer": "2", "confidence": 0.9}', "correct", True),
    ("heli-crew-killed", '{"answer": null, "why": "not in the sources"}', "not_attempted", True),
    # yes and no in other scripts
    ("war2020-mass-protests", "Այո", "correct", True),
    # a rhetorical negative opening is no "no"
    ("war2020-mass-protests", "No wonder the defeat sparked mass protests across Armenia.",
     "correct", False),
    ("nk-recognized-as-armenian", "Without a doubt, it is internationally recognized as "
     "Armenian territory.",
     "incorrect", False),
    # plain answers stay decided
    ("heli-crew-killed", "Two servicemen were killed.", "correct", True),
    ("heli-crew-killed", "Three.", "incorrect", True),
    # the first value given is a rival; the gold comes after it, perhaps as context
    ("heli-date", "The convoy had set out on 5 November 2020. It was shot down on 9 November "
     "2020, near the border, an incident Baku later called an accident.", "correct", False),
    ("heli-date", "The helicopter was shot down on 9 November 2020. The convoy had set out on "
     "5 November 2020.", "correct", True),
    # a date more precise than the gold and agreeing with it is no rival: decided
    ("war2020-restart-month", "It restarted on 27 September 2020.", "correct", True),
    ("war1990s-truce-year", "The truce was signed on 12 May 1994.", "correct", True),
    # the gold acting on another name: which one the question asks for is a reading
    ("truce2021-country-blamed", "Azerbaijan accused Armenia of the breach.", "correct", False),
    ("truce2021-country-blamed", "Azerbaijan, which Moscow accused of violating the truce.",
     "correct", True),
    # the gold only in an aside about another name that opens the sentence
    ("pk-2023-danilov", "Zelensky, an ally of Danilov, gave the interview.", "incorrect", False),
    ("pk-2023-danilov", "Olexi Danilov, secretary of the council, told Ukrainska Pravda.",
     "correct", True),
    # symbols or abbreviations that may stand for the gold
    ("truce2021-open-caucasus-media", "OC-M", "incorrect", False),
    # a sum in words commits to its result; a count that grew commits to where it grew to
    ("heli-crew-killed", "Two servicemen plus a pilot make three dead.", "incorrect", False),
    ("heli-crew-killed", "Two crewmen died; officials later added a third to the toll.",
     "incorrect", False),
    # a count for a part of the time beside one for the whole: the question asks the whole
    ("pk-2023-residents-helped", "They helped 3,000 at first and 5,000 in total.", "correct",
     False),
    ("pk-2023-residents-helped", "About 5,000 were helped by then, and 7,500 altogether.",
     "incorrect", False),
    # the part the question does not say, then another name word in place of the rest
    ("pk-2023-kovgan-fleet", "The Northern Army.", "incorrect", False),
    ("pk-2023-kovgan-fleet", "The Northern Flet.", "correct", False),
    # a bare "no" to a question that asks for a value the sources never gave
    ("heli-convoy-purpose", "No.", "not_attempted", False),
]


@pytest.mark.parametrize(("qid", "response", "verdict", "decided"), CASES)
def test_doubts(question_set: QuestionSet, qid: str, response: str, verdict: str,
                decided: bool) -> None:
    q = question_set.by_id()[qid]
    a = RuleGrader([q]).assess(q, response)
    assert (a.verdict, a.decided) == (verdict, decided), (a.rule, a.reason)


@pytest.mark.parametrize(("response", "verdict", "decided"), [
    ("Hamdan bin Mohammed Al Maktoum", "correct", False),  # the gold's name as a patronymic
    ("Sheikh Rashid bin Saeed Al Maktoum", "correct", False),  # the father
    ("Sheikh Mohammed bin Rashid Al Maktoum", "correct", True),
    ("It was Mohammed bin Rashid, Dubai's ruler since 2006.", "correct", True),
])
def test_a_full_name_with_the_gold_family_name_is_not_the_gold(
        response: str, verdict: str, decided: bool) -> None:
    from pathlib import Path

    from bench.dataset import load_questions

    qs = load_questions(Path(__file__).parent / "data" / "general_questions_2.jsonl", None)
    q = qs.by_id()["hg-ruler-of-dubai-2006"]
    a = RuleGrader([q]).assess(q, response)
    assert (a.verdict, a.decided) == (verdict, decided), (a.rule, a.reason)


def test_one_item_of_a_list_and_the_rest_declined_outright_is_not_attempted() -> None:
    from pathlib import Path

    from bench.dataset import load_questions

    qs = load_questions(Path(__file__).parent / "data" / "general_questions_3.jsonl", None)
    q = next(q for q in qs.questions if q.answer == "Orville Wright and Wilbur Wright")
    grader = RuleGrader([q])
    decided = grader.assess(q, "Orville Wright was one; I'm not sure of the other.")
    assert (decided.verdict, decided.decided) == ("not_attempted", True)
    hedged = grader.assess(q, "Orville Wright, and the other may have been a cousin.")
    assert not (hedged.verdict == "not_attempted" and hedged.decided)
