"""Evidence quotes read out of replies as models write them: our format and its drift,
markdown, JSON; the answer left as written, a Confidence line kept at its end."""

from __future__ import annotations

import json

import pytest

from bench.evidence import Quote, split_evidence

A, B, C, D = ("000_5ee3afeb577c3ab4", "001_4ac9bfdbbc70454b", "002_c5b2addbe5120c98",
              "003_e56242bd504d94af")
KILLED = "Moscow said two Russian soldiers were killed in the attack and another was wounded."
DOWNED = ("Azerbaijan said it shot down a Russian helicopter over Armenia far from the fighting, "
          "killing two Russian servicemen.")
VILLAGE = ("The Armenian Ministry of Emergencies stated that the accident occurred near the "
           "village of Yarsikh, in the south Armenia Near the border with Azerbaijan.")
LOSSES = "Azerbaijan has not stated its losses."
DEATHS = "The number of deaths has not been disclosed."
SHUSHI = ("“Shushi is completely out of our control,” wrote Fahram Boghossian, a spokesman for "
          "the Nagorno-Karabakh administration.")
ELLIPSIS = "Moscow said two Russian soldiers were killed ... another was wounded."

Q = tuple[str | None, str]

CASES: list[tuple[str, str, list[Q]]] = [
    # Our format, as asked.
    (f'2\nEvidence [{A}]: "{KILLED}"', "2", [(A, KILLED)]),
    (f'2\nEvidence [{A}]: "{KILLED}"\nEvidence [{B}]: "{DOWNED}"', "2",
     [(A, KILLED), (B, DOWNED)]),
    (f"Two.\n\nEvidence [{A}]: “{KILLED}”", "Two.", [(A, KILLED)]),
    (f"Yarsikh\nEvidence [{A}]: ‘{VILLAGE}’", "Yarsikh", [(A, VILLAGE)]),
    (f"2\nEvidence [{A}]: «{KILLED}»", "2", [(A, KILLED)]),
    (f'Answer: 2\nEvidence [{A}]: "{KILLED}"', "Answer: 2", [(A, KILLED)]),
    (f'Fahram Boghossian\nEvidence [{A}]: "{SHUSHI}"', "Fahram Boghossian", [(A, SHUSHI)]),
    (f'2\nEvidence [{A}]: "{ELLIPSIS}"', "2", [(A, ELLIPSIS)]),
    (f'Not disclosed.\nEvidence [{C}]: "{DEATHS}"', "Not disclosed.", [(C, DEATHS)]),
    # The id written otherwise.
    (f'2\nEvidence ({A}): "{KILLED}"', "2", [(A, KILLED)]),
    (f'2\nEvidence from {A}: "{KILLED}"', "2", [(A, KILLED)]),
    (f'2\nEvidence from article {A}: "{KILLED}"', "2", [(A, KILLED)]),
    (f'2\nEvidence: "{KILLED}" [{A}]', "2", [(A, KILLED)]),
    (f'2\nEvidence: "{KILLED}" (article {A})', "2", [(A, KILLED)]),
    (f'2\nEvidence: "{KILLED}" — {A}', "2", [(A, KILLED)]),
    (f'2\nEvidence: "{KILLED}" (source: {A})', "2", [(A, KILLED)]),
    (f'2\nCitation: [{A}] "{KILLED}"', "2", [(A, KILLED)]),
    ('Yes\nEvidence [article 1]: "They apologized."', "Yes", [("1", "They apologized.")]),
    # Several quotes under one heading.
    (f'2\n\nEvidence:\n- "{KILLED}" [{A}]\n- "{DOWNED}" [{B}]', "2",
     [(A, KILLED), (B, DOWNED)]),
    (f'2\nEvidence:\n1. "{KILLED}"\n2. "{DOWNED}"', "2", [(None, KILLED), (None, DOWNED)]),
    (f'2\nEvidence from {A}:\n- "{KILLED}"', "2", [(A, KILLED)]),
    (f'2\nEvidence 1 [{A}]: "{KILLED}"\nEvidence 2 [{B}]: "{DOWNED}"', "2",
     [(A, KILLED), (B, DOWNED)]),
    (f'Two.\n\nSources:\n1. {A}: "{KILLED}"\n2. {B}: "{DOWNED}"', "Two.",
     [(A, KILLED), (B, DOWNED)]),
    (f'2\nEvidence: "{KILLED}" [{A}]; "{DOWNED}" [{B}]', "2", [(A, KILLED), (B, DOWNED)]),
    # No quote marks at all.
    (f"2\nEvidence [{A}]: {KILLED}", "2", [(A, KILLED)]),
    (f"2\nEvidence:\n{KILLED}", "2", [(None, KILLED)]),
    (f'2\nEvidence [{A}]: The article states that "{KILLED}"', "2", [(A, KILLED)]),
    # Other headings.
    (f'Yarsikh\nQuote: "{VILLAGE}"', "Yarsikh", [(None, VILLAGE)]),
    (f'Yarsikh\n\nQuotes:\n> "{VILLAGE}"', "Yarsikh", [(None, VILLAGE)]),
    (f'Not disclosed.\nSupporting sentence(s): "{LOSSES}" ({B})', "Not disclosed.",
     [(B, LOSSES)]),
    (f'Not disclosed.\n\nQuote: "{DEATHS}"\nSource: {C}', "Not disclosed.", [(C, DEATHS)]),
    (f'Not disclosed.\nSources:\n- "{LOSSES}" ({B})', "Not disclosed.", [(B, LOSSES)]),
    (f'2\nSupporting quote:\n"{KILLED}"\nSource: article {A}', "2", [(A, KILLED)]),
    # Markdown.
    (f'**Answer:** 2\n\n**Evidence:**\n- "{KILLED}" [{A}]', "**Answer:** 2", [(A, KILLED)]),
    (f'2\n\n### Evidence\n> "{KILLED}" ({A})', "2", [(A, KILLED)]),
    (f'2\nEvidence [{A}]: *"{KILLED}"*', "2", [(A, KILLED)]),
    (f"2\n**Evidence [{A}]:** _{KILLED}_", "2", [(A, KILLED)]),
    (f'2\n\n---\n\nEvidence [{A}]: "{KILLED}"', "2", [(A, KILLED)]),
    # Confidence lines end the answer, wherever they were.
    (f'2\nEvidence [{A}]: "{KILLED}"\nConfidence: 0.9', "2\nConfidence: 0.9", [(A, KILLED)]),
    (f'2\nEvidence [{A}]: "{KILLED}"\nConfidence: 90%\nEvidence [{B}]: "{DOWNED}"',
     "2\nConfidence: 90%", [(A, KILLED), (B, DOWNED)]),
    (f'2\nConfidence: 0.8\nEvidence [{A}]: "{KILLED}"', "2\nConfidence: 0.8", [(A, KILLED)]),
    (f'2\nEvidence [{A}]: "{KILLED}" Confidence: 0.7', "2\nConfidence: 0.7", [(A, KILLED)]),
    # Placement: on the answer's line, before the answer, with commentary after.
    (f'2. Evidence [{A}]: "{KILLED}"', "2.", [(A, KILLED)]),
    (f'Evidence [{A}]: "{KILLED}"\n\nAnswer: 2', "Answer: 2", [(A, KILLED)]),
    (f'2\nEvidence [{A}]: "{KILLED}"\nThis shows that two soldiers died.', "2",
     [(A, KILLED)]),
    (f'2\n[{A}]: "{KILLED}"', "2", [(A, KILLED)]),
    (f'The answer is 2 (Evidence [{A}]: "{KILLED}").', "The answer is 2", [(A, KILLED)]),
    # A quote broken over lines is one quote; an unclosed one ends at its line.
    (f'2\nEvidence [{A}]: "Moscow said two Russian soldiers\nwere killed in the attack."',
     "2", [(A, "Moscow said two Russian soldiers were killed in the attack.")]),
    (f'2\nEvidence [{A}]: "{KILLED}\nThis shows that two died.', "2", [(A, KILLED)]),
    # Nothing to quote.
    ('I don\'t know.\nEvidence: ""', "I don't know.", []),
    ("I don't know.\nEvidence: none", "I don't know.", []),
    ("2\nEvidence:", "2", []),
    # JSON.
    (json.dumps({"answer": "2", "evidence": [{"doc": A, "quote": KILLED}]}), "2",
     [(A, KILLED)]),
    ("```json\n" + json.dumps({"answer": "Yarsikh", "evidence": [VILLAGE]}) + "\n```",
     "Yarsikh", [(None, VILLAGE)]),
    ("Here it is:\n```json\n" + json.dumps({"answer": "2", "evidence": KILLED}) + "\n```",
     "2", [(None, KILLED)]),
    (json.dumps({"answer": "2", "quotes": [{"article": A, "quote": KILLED}]}), "2",
     [(A, KILLED)]),
    (json.dumps({"answer": "Not disclosed", "citations": [{"id": B, "quote": LOSSES}]}),
     "Not disclosed", [(B, LOSSES)]),
    (json.dumps({"answer": "2", "support": [{"source": A, "quote": KILLED}],
                 "confidence": 0.9}), "2\nConfidence: 0.9", [(A, KILLED)]),
    (json.dumps({"answer": 2, "evidence": [{"doc": A, "quote": ""}, KILLED]}), "2",
     [(None, KILLED)]),
]

UNCHANGED = [
    "2",
    "Two Russian soldiers were killed.\n",
    'He called it "a tragic accident".',
    f'Two soldiers.\n"{KILLED}"',
    "There is no evidence: the articles do not say.",
    "On Monday Azerbaijan released the first evidence that it had captured Shusha.",
    json.dumps({"evidence": [KILLED]}),
    json.dumps({"answer": "2", "confidence": 0.8}),
    '{"answer": "2", "evidence": [',
    "",
]


@pytest.mark.parametrize(("reply", "answer", "quotes"), CASES)
def test_split_evidence(reply: str, answer: str, quotes: list[Q]) -> None:
    assert split_evidence(reply) == (answer, tuple(Quote(doc=d, quote=q) for d, q in quotes))


@pytest.mark.parametrize("reply", UNCHANGED)
def test_a_reply_without_evidence_is_unchanged(reply: str) -> None:
    assert split_evidence(reply) == (reply, ())


@pytest.mark.parametrize("reply", [
    "Evidence", "Evidence [", "Evidence [: \"", "Evidence: «»\n> \n- \n1.", '"""', "```json\n{",
    "```json\n[1, 2]\n```", '{"answer": null, "evidence": [null, 3, {"doc": 4}]}',
    "Source: \nSource: [x]\n\x00\u2028Evidence (: ”“", "Confidence: 0.5\nEvidence:\n> ",
    "\n".join(["Evidence:", *["- " + "x" * n for n in range(50)]]), "[" * 500 + "Evidence:",
])
def test_odd_replies_never_raise(reply: str) -> None:
    answer, quotes = split_evidence(reply)
    assert isinstance(answer, str)
    assert all(q.quote.strip() for q in quotes)
