"""Prompt building per mode and confidence parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.corpus import Corpus
from bench.dataset import QuestionSet
from bench.errors import DataError
from bench.prompts import (
    DEFAULT_TEMPLATE,
    build_messages,
    load_template,
    split_confidence,
    with_system,
)
from tests.conftest import RunBench


@pytest.mark.parametrize(
    ("reply", "answer", "confidence"),
    [
        ("Two.\nConfidence: 0.8", "Two.", 0.8),
        ("Two.\nConfidence: 80%", "Two.", 0.8),
        ("Shusha\n**Confidence:** 0.35", "Shusha\n**", 0.35),
        ("Two.", "Two.", None),
        ("Two. Confidence: 7", "Two.", 0.07),
        ("Two. Confidence: 250", "Two.", None),
        ("Two.\nConfidence: 1.5", "Two.", None),
        ("I have high confidence: 2", "I have high confidence: 2", None),
        ("The answer is 2 (confidence: 0.9 was not asked)", "The answer is 2 (confidence: 0.9 "
         "was not asked)", None),
        ("Shusha.\n\n- Confidence = 0.9", "Shusha.", 0.9),
    ],
)
def test_split_confidence(reply: str, answer: str, confidence: float | None) -> None:
    got_answer, got = split_confidence(reply)
    assert got == (pytest.approx(confidence) if confidence is not None else None)
    assert got_answer.rstrip("*\n ") == answer.rstrip("*\n ")


@pytest.mark.parametrize(("mode", "articles"), [("closed-book", 0), ("open-book", 1),
                                                ("corpus", 5)])
def test_modes_show_the_right_articles(question_set: QuestionSet, corpus: Corpus, mode: str,
                                       articles: int) -> None:
    q = next(q for q in question_set.questions if len({c.doc for c in q.citations}) == 1)
    messages = build_messages(q, mode, corpus, confidence=True)
    system, user = messages[0]["content"], messages[-1]["content"]
    assert system.count("<article") == articles
    assert user.startswith("Question: " + q.question)  # articles first: the shared prefix
    assert "Confidence" in user
    assert "not disclosed" in system


TEMPLATE = '''
version = "terse-1"
system = "Answer in at most five words."
question = "Q: {question}\\nA:"
stop = ["\\n"]

[[examples]]
question = "What is the capital of France?"
answer = "Paris"
'''


def test_a_template_file_shapes_the_messages(tmp_path: Path, question_set: QuestionSet,
                                             corpus: Corpus) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TEMPLATE)
    t = load_template(path)
    q = question_set.questions[0]
    messages = build_messages(q, "closed-book", corpus, template=t)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"] == "Answer in at most five words."
    assert messages[1]["content"] == "Q: What is the capital of France?\nA:"
    assert messages[-1]["content"] == f"Q: {q.question}\nA:"
    assert t.stop == ("\n",) and t.sha256 != DEFAULT_TEMPLATE.sha256
    assert with_system(t, "Be brief.").sha256 != t.sha256


@pytest.mark.parametrize(("text", "message"), [
    ('version = "x"\nquestion = "no placeholder"', "question must contain {question}"),
    ('version = "x"\nsytem = "typo"', "sytem: Extra inputs are not permitted"),
    ("system = 'no version'", "version: Field required"),
    ("version = ", "not valid TOML"),
])
def test_a_bad_template_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        load_template(path)
    assert all(line.startswith(f"{path}: ") for line in info.value.problems)
    assert message in "\n".join(info.value.problems)


def test_run_records_the_template_it_used(tmp_path: Path, run_bench: RunBench,
                                          workdir: Path) -> None:
    (workdir / "t.toml").write_text(TEMPLATE)
    proc = run_bench("run", "--backend", "oracle", "--no-progress", "--limit", "2",
                     "--prompt-template", "t.toml", "--run-id", "tpl")
    assert proc.returncode == 0, proc.stderr
    run = json.loads((workdir / "results" / "tpl.json").read_text())["run"]
    assert run["prompt_version"] == "terse-1"
    assert run["prompt_sha256"] == load_template(workdir / "t.toml").sha256
    proc = run_bench("run", "--backend", "oracle", "--no-progress", "--limit", "2",
                     "--system-prompt", "Be brief.", "--run-id", "sys")
    run = json.loads((workdir / "results" / "sys.json").read_text())["run"]
    assert run["prompt_version"] == "prompt-v1+system"


def test_brief_is_a_built_in_template_unless_a_file_has_that_name(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    from bench.prompts import BRIEF_TEMPLATE, load_template

    monkeypatch.chdir(tmp_path)
    brief = load_template("brief")
    assert brief == BRIEF_TEMPLATE and len(brief.examples) == 3
    assert load_template("brief", "Be terse.").system == "Be terse."
    (tmp_path / "brief").write_text('version = "mine"\n')
    assert load_template("brief").version == "mine"
