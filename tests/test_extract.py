"""Answer extraction: the committed final answer, without reasoning, markup or citations."""

from __future__ import annotations

import pytest

from bench.grading.extract import extract


@pytest.mark.parametrize(
    ("response", "span", "how"),
    [
        ("Shusha.", "Shusha.", "whole"),
        ("  Two servicemen were killed.\n", "Two servicemen were killed.", "whole"),
        # final-answer markers: the span after the last one decides
        ("Let me see. The answer is three.", "three.", "marker"),
        ("Final answer: 2", "2", "marker"),
        ("**Answer:** Two\n\n**Explanation:** the ministry said three crew.", "Two", "marker"),
        ("Step 1: two died.\nStep 2: one was wounded.\nFinal answer:\n\nTwo", "Two", "marker"),
        ("In summary, the toll was not disclosed.", "the toll was not disclosed.", "marker"),
        ("I don't know what the answer is.", "I don't know what the answer is.", "whole"),
        # reasoning: read up to its conclusion; none means no answer
        ("Let's think step by step. Moscow said two died. So two were killed.",
         "two were killed.", "conclusion"),
        ("Let's think step by step. The article mentions Shusha and Stepanakert.", "",
         "no_conclusion"),
        ("<think>Shusha or Stepanakert?</think>\nStepanakert", "Stepanakert", "whole"),
        ("The crew said two</think>Three.", "Three.", "whole"),
        ("<think>The article says two", "", "think_open"),
        # markdown and citation markers
        ("# Answer\n- **Mi-24** [1]", "Mi-24", "marker"),
        ("Two were killed [2][3].", "Two were killed.", "whole"),
        ("Two were killed (3).", "Two were killed.", "whole"),
        ("Two were killed (Source: 000_5ee3afeb577c3ab4).", "Two were killed.", "whole"),
        ("About 45 miles (72 km) [doc 1].", "About 45 miles (72 km).", "whole"),
        ("Two were killed.\n\nSources:\n[1] The Moscow Times", "Two were killed.", "whole"),
        ("| Year | Killed |\n|---|---|\n| 2020 | 2 |", "Killed.\n2020: 2.", "fields"),
        ("| Model | Mi-24 |\n| Crew | 3 |", "Mi-24.\n3.", "fields"),
        ("- **Returning from:** an observation post\n- **Fire:** small arms",
         "an observation post.\nsmall arms.", "fields"),
        ("Mi-24 (NATO name: Hind).", "Mi-24 (NATO name: Hind).", "whole"),
        ("<|endoftext|>", "", "whole"),
        ("**Model:** Unclear.", "Unclear.", "fields"),
        ("The crew was three.\n\n**Two**", "Two", "bold"),
        # self-corrections at a clause start leave what follows
        ("Three, no wait, two", "two", "whole"),
        ("Stepanakert. Sorry, I mean Shusha.", "Shusha.", "whole"),
        ("Moscow actually stood by.", "Moscow actually stood by.", "whole"),
        ("Sorry.", "Sorry.", "whole"),
    ],
)
def test_extract(response: str, span: str, how: str) -> None:
    got = extract(response)
    assert (got.span, got.how) == (span, how)


def test_correction_is_flagged() -> None:
    assert extract("Two. Actually, three.").corrected
    assert not extract("Two.").corrected
