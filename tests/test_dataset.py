"""The question loader: every problem as one `FILE:LINE: field: what is wrong` line; the hash."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet, load_questions, questions_sha256, summary
from bench.errors import DataError, UsageError

QUESTIONS = Path(__file__).resolve().parent.parent / "questions.jsonl"
DOC = "000_5ee3afeb577c3ab4"
QUOTE = "date 2020-11-09"
DROP = object()


def record(**fields: Any) -> dict[str, Any]:
    """A valid date question; keyword arguments override fields, `DROP` removes one."""
    rec: dict[str, Any] = {
        "id": "q1",
        "question": "On what date was the Mi-24 shot down?",
        "answer": "2020-11-09",
        "answer_type": "date",
        "citations": [{"doc": DOC, "quote": QUOTE}],
    }
    rec.update(fields)
    return {k: v for k, v in rec.items() if v is not DROP}


def line(**fields: Any) -> str:
    return json.dumps(record(**fields))


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    return path


def problems_of(path: Path, corpus: Corpus | None) -> list[str]:
    with pytest.raises(DataError) as exc:
        load_questions(path, corpus)
    return exc.value.problems


def real_records() -> list[dict[str, Any]]:
    return [json.loads(text) for text in QUESTIONS.read_text(encoding="utf-8").splitlines()
            if text.strip()]


# ------------------------------------------------------------------ one broken record

NUMBER = {"answer_type": "number", "answer": "2"}

BROKEN: list[tuple[str, str, list[str]]] = [
    ("malformed-json", '{"id": "q1",, "question": "Q?"}',
     ["invalid JSON (Expecting property name enclosed in double quotes, column 13)"]),
    # The column must be within the line, as `bench grade` reports it for predictions.
    ("truncated-json", '{"id": "q1", "question": "Q?"',
     ["invalid JSON (Expecting ',' delimiter, column 30)"]),
    ("not-an-object", "[1, 2]", ["expected a JSON object, got list"]),
    ("missing-answer-type", line(answer_type=DROP), ["answer_type: Field required"]),
    ("missing-answer", line(answer=DROP), ["answer: Field required"]),
    ("missing-citations", line(citations=DROP), ["citations: Field required"]),
    # One missing key inside a citation is one problem, not two.
    ("missing-quote", line(citations=[{"doc": DOC}]), ["citations[0].quote: Field required"]),
    ("no-citations", line(citations=[]),
     ["citations: Tuple should have at least 1 item after validation, not 0"]),
    ("answer-not-string", line(answer=2), ["answer: Input should be a valid string"]),
    ("tags-not-list", line(tags="date"), ["tags: Input should be a valid tuple"]),
    ("unknown-field", line(extra=1), ["extra: Extra inputs are not permitted"]),
    ("unknown-answer-type", line(answer_type="place"),
     ["answer_type: Input should be 'number', 'date', 'entity', 'text' or 'yes_no'"]),
    ("id-uppercase", line(id="Q1"), ["id: String should match pattern '^[a-z0-9][a-z0-9-]*$'"]),
    ("id-underscore", line(id="q_1"), ["id: String should match pattern '^[a-z0-9][a-z0-9-]*$'"]),
    ("negative-tolerance", line(**NUMBER, tolerance=-0.1),
     ["tolerance: Input should be greater than or equal to 0"]),
    ("blank-answer", line(answer="  "),
     ["answer: empty answer; use null for an unreported question"]),
    ("unknown-document", line(citations=[{"doc": "nope", "quote": QUOTE}]),
     ["citations[0].doc: unknown document 'nope'"]),
    ("quote-not-found", line(citations=[{"doc": DOC, "quote": "no such sentence"}]),
     [f"citations[0].quote: not found in {DOC}"]),
    ("second-quote-not-found",
     line(citations=[{"doc": DOC, "quote": QUOTE}, {"doc": DOC, "quote": "Date 2020-11-09"}]),
     [f"citations[1].quote: not found in {DOC}"]),
    ("number-not-parsed", line(answer_type="number", answer="two or three"),
     ["answer: 'two or three' is not a single number (answer_type number)"]),
    ("number-words", line(answer_type="number", answer="many"),
     ["answer: 'many' is not a single number (answer_type number)"]),
    ("date-not-parsed", line(answer="soon"), ["answer: 'soon' is not a date such as 2020-11-09"]),
    ("yes-no-not-parsed", line(answer_type="yes_no", answer="maybe"),
     ["answer: 'maybe' must be yes or no (answer_type yes_no)"]),
    ("answer-no-words", line(answer_type="entity", answer="..."),
     ["answer: '...' has no words or numbers to match"]),
    ("unreported-with-alias", line(answer_type="entity", answer=None, aliases=["x"]),
     ["aliases: an unreported question (answer null) takes no aliases"]),
    ("tolerance-not-number", line(tolerance=0.1),
     ["tolerance: only number questions take a tolerance"]),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in BROKEN],
                         ids=[case for case, _, _ in BROKEN])
def test_broken_record_is_reported_with_file_and_line(
    tmp_path: Path, corpus: Corpus, text: str, expected: list[str]
) -> None:
    path = write(tmp_path / "q.jsonl", [line(id="q0"), "", text])
    assert problems_of(path, corpus) == [f"{path}:3: {p}" for p in expected]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"answer_type": "number", "answer": "more than 1,200", "tolerance": 0.05},
        {"answer_type": "number", "answer": "about 45 miles"},
        {"answer": "9 November 2020"},
        {"answer": "2023-09"},
        {"answer_type": "yes_no", "answer": "No"},
        {"answer_type": "entity", "answer": "Shusha", "aliases": ["Shushi"], "tags": ["place"]},
        {"answer_type": "number", "answer": None},
    ],
    ids=["date", "number-qualifier", "number-unit", "date-words", "month", "yes-no", "entity",
         "unreported"],
)
def test_valid_record_loads(tmp_path: Path, corpus: Corpus, fields: dict[str, Any]) -> None:
    path = write(tmp_path / "q.jsonl", [line(**fields)])
    qs = load_questions(path, corpus)
    assert qs.path == str(path)
    assert qs.questions == (Question.model_validate(record(**fields)),)


@pytest.mark.parametrize(
    ("aliases", "warning"),
    [(["the SHUSHA!"], "aliases[0]: 'the SHUSHA!' repeats the answer"),
     (["Shushi", "shushi"], "aliases[1]: 'shushi' repeats another alias")],
    ids=["repeats-answer", "repeats-alias"],
)
def test_redundant_alias_is_a_warning_never_a_refusal(
    tmp_path: Path, corpus: Corpus, aliases: list[str], warning: str
) -> None:
    path = write(tmp_path / "q.jsonl", [line(id="q0"), line(answer_type="entity",
                                                            answer="Shusha", aliases=aliases)])
    qs = load_questions(path, corpus)
    assert len(qs.questions) == 2
    assert qs.warnings == (f"{path}:2: warning: {warning}",)


def test_group_is_optional_and_kept_out_of_the_hash_when_absent() -> None:
    plain = Question.model_validate(record())
    assert "group" not in plain.canonical()
    grouped = Question.model_validate(record(group="toll"))
    assert grouped.canonical()["group"] == "toll"
    assert questions_sha256([plain]) != questions_sha256([grouped])


def test_real_set_groups_and_yes_no_balance(question_set: QuestionSet) -> None:
    groups = Counter(q.group for q in question_set.questions if q.group)
    assert groups and all(n >= 2 for n in groups.values())  # a group of one is no group
    yes_no = [q.answer for q in question_set.questions if q.answer_type == "yes_no" and q.answer]
    assert yes_no.count("yes") <= len(yes_no) / 2  # always-"yes" gets at most half
    assert question_set.warnings == ()


def test_without_a_corpus_citations_are_not_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "q.jsonl", [line(citations=[{"doc": "nope", "quote": "x"}])])
    assert len(load_questions(path, None).questions) == 1


# ------------------------------------------------------------------ file-level problems


def test_duplicate_id_points_at_the_first(tmp_path: Path, corpus: Corpus) -> None:
    path = write(tmp_path / "q.jsonl", [line(), line(id="q2"), line()])
    assert problems_of(path, corpus) == [f"{path}:3: id: duplicate id 'q1' (first at {path}:1)"]


def test_non_utf8_line(tmp_path: Path, corpus: Corpus) -> None:
    path = tmp_path / "q.jsonl"
    bad = line(question="Cafe?").encode().replace(b"Cafe?", b"Caf\xe9?")
    path.write_bytes(line(id="q0").encode() + b"\n" + bad + b"\n")
    at = bad.index(b"\xe9")
    assert problems_of(path, corpus) == [
        f"{path}:2: not UTF-8 (byte {at}: 0xe9); save the file as UTF-8"
    ]


@pytest.mark.parametrize("content", [b"", b"\n  \n\n"], ids=["empty", "blank-lines"])
def test_empty_file(tmp_path: Path, corpus: Corpus, content: bytes) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(content)
    assert problems_of(path, corpus) == [
        f"{path}: no questions (the file is empty); add one JSON object a line"
    ]


def test_missing_file_is_a_usage_error(tmp_path: Path, corpus: Corpus) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(UsageError) as exc:
        load_questions(path, corpus)
    assert str(exc.value) == f"{path}: no such file; check questions"
    assert exc.value.exit_code == 2
    assert DataError([]).exit_code == 1


def test_every_problem_is_reported_in_file_order(tmp_path: Path, corpus: Corpus) -> None:
    path = write(tmp_path / "q.jsonl", [
        line(id="a1"),
        "{not json",
        line(id="a3", answer=2),
        line(id="a1"),
        line(id="a5", answer_type="entity", answer="Shusha", aliases=["shusha"],
             citations=[{"doc": DOC, "quote": "nowhere"}]),
    ])
    assert problems_of(path, corpus) == [
        f"{path}:2: invalid JSON (Expecting property name enclosed in double quotes, column 2)",
        f"{path}:3: answer: Input should be a valid string",
        f"{path}:4: id: duplicate id 'a1' (first at {path}:1)",
        f"{path}:5: citations[0].quote: not found in {DOC}",
    ]


def test_json_list_file(tmp_path: Path, corpus: Corpus, question_set: QuestionSet) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps(real_records(), indent=2), encoding="utf-8")
    assert load_questions(path, corpus).questions == question_set.questions

    path.write_text(json.dumps([record(), record(id="q2", answer="soon"), 3]), encoding="utf-8")
    assert problems_of(path, corpus) == [
        f"{path}:row 2: answer: 'soon' is not a date such as 2020-11-09",
        f"{path}:row 3: expected a JSON object, got int",
    ]

    path.write_text("[1, 2\n", encoding="utf-8")
    assert problems_of(path, corpus) == [
        f"{path}: not a valid JSON list (Expecting ',' delimiter: line 2 column 1 (char 6))"
    ]


# ------------------------------------------------------------------ the real set


def test_real_set_loads(question_set: QuestionSet) -> None:
    raw = real_records()
    assert [q.id for q in question_set.questions] == [r["id"] for r in raw]
    assert len({q.id for q in question_set.questions}) == len(raw)


def test_summary_counts_the_real_set(question_set: QuestionSet) -> None:
    raw = real_records()
    info = summary(question_set)
    assert info["questions"] == len(raw)
    assert info["unreported"] == sum(r["answer"] is None for r in raw)
    assert info["by_type"] == dict(sorted(Counter(r["answer_type"] for r in raw).items()))
    tags = Counter(t for r in raw for t in r.get("tags", []))
    assert list(info["by_tag"].items()) == sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))
    assert info["sha256"] == question_set.sha256


# ------------------------------------------------------------------ the content hash


def _sha_of(path: Path, records: list[dict[str, Any]], corpus: Corpus, **dump: Any) -> str:
    write(path, [json.dumps(r, **dump) for r in records])
    return load_questions(path, corpus).sha256


def test_hash_ignores_order_and_formatting(
    tmp_path: Path, corpus: Corpus, question_set: QuestionSet
) -> None:
    raw = real_records()
    base = question_set.sha256
    assert len(base) == 64
    assert _sha_of(tmp_path / "a.jsonl", raw[::-1], corpus) == base
    reformatted = [dict(reversed(list(r.items()))) for r in raw]
    assert _sha_of(tmp_path / "b.jsonl", reformatted, corpus, ensure_ascii=True,
                   separators=(" ,  ", " :  ")) == base
    defaults = [{"aliases": [], "tags": [], "tolerance": None, **r} for r in raw]
    assert _sha_of(tmp_path / "c.jsonl", defaults, corpus) == base
    assert questions_sha256(list(reversed(question_set.questions))) == base


@pytest.mark.parametrize(
    "change",
    [
        {"answer": "2020-11-10"},
        {"aliases": ["9 November 2020"]},
        {"question": "On what date was the Mi-24 downed?"},
        {"tags": ["date"]},
    ],
    ids=["gold", "alias", "question", "tags"],
)
def test_hash_changes_with_content(change: dict[str, Any]) -> None:
    before = Question.model_validate(record())
    after = Question.model_validate(record(**change))
    other = Question.model_validate(record(id="q2"))
    assert questions_sha256([before, other]) != questions_sha256([after, other])


def test_hash_changes_when_a_real_gold_changes(
    tmp_path: Path, corpus: Corpus, question_set: QuestionSet
) -> None:
    raw = real_records()
    n = next(i for i, r in enumerate(raw) if r["answer_type"] == "entity" and r["answer"])
    raw[n]["answer"] = raw[n]["answer"] + " Jr"
    assert _sha_of(tmp_path / "q.jsonl", raw, corpus) != question_set.sha256
