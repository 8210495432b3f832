"""`bench validate` and `bench export` run as a user runs them: a subprocess in a folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import Corpus
from bench.dataset import QuestionSet, load_questions

RunBench = Callable[..., subprocess.CompletedProcess[str]]
QUESTIONS = Path(__file__).resolve().parent.parent / "questions.jsonl"
DOC = "000_5ee3afeb577c3ab4"


def real_lines() -> list[str]:
    return [t for t in QUESTIONS.read_text(encoding="utf-8").splitlines() if t.strip()]


def q(**fields: Any) -> str:
    rec: dict[str, Any] = {
        "id": "q1", "question": "On what date?", "answer": "2020-11-09", "answer_type": "date",
        "citations": [{"doc": DOC, "quote": "date 2020-11-09"}],
    }
    rec.update(fields)
    return json.dumps(rec)


def test_validate_real_set(run_bench: RunBench, question_set: QuestionSet) -> None:
    raw = [json.loads(t) for t in real_lines()]
    proc = run_bench("validate")
    assert (proc.returncode, proc.stderr) == (0, "")
    types = sorted(Counter(r["answer_type"] for r in raw).items())
    unreported = sum(r["answer"] is None for r in raw)
    lines = proc.stdout.splitlines()
    assert lines[0] == f"questions.jsonl: {len(raw)} questions, all valid ({unreported} unreported)"
    assert lines[1] == "by type:  " + ", ".join(f"{k} {v}" for k, v in types)
    tags = sorted(Counter(t for r in raw for t in r.get("tags", [])).items(),
                  key=lambda kv: (-kv[1], kv[0]))
    assert lines[2] == "by tag:   " + ", ".join(f"{k} {v}" for k, v in tags)
    assert lines[3] == f"sha256:   {question_set.sha256}"
    assert len(lines) == 4


def test_validate_json(run_bench: RunBench, question_set: QuestionSet) -> None:
    proc = run_bench("validate", "--json")
    assert proc.returncode == 0
    info = json.loads(proc.stdout)
    assert info["questions"] == len(question_set.questions)
    assert info["sha256"] == question_set.sha256
    assert sum(info["by_type"].values()) == info["questions"]


def test_quote_not_found_in_the_real_set(run_bench: RunBench, workdir: Path) -> None:
    lines = real_lines()
    n = 4
    rec = json.loads(lines[n])
    rec["citations"][0]["quote"] += " (not in the article)"
    lines[n] = json.dumps(rec, ensure_ascii=False)
    (workdir / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_bench("validate")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"questions.jsonl:{n + 1}: citations[0].quote: not found in {rec['citations'][0]['doc']}"
    ]


def test_several_problems_one_a_line(run_bench: RunBench, workdir: Path) -> None:
    (workdir / "bad.jsonl").write_text("\n".join([
        q(id="a1"),
        '{"id": "a2", "question": "Q?",, }',
        q(id="a3", citations=[{"doc": "nope", "quote": "x"}]),
        q(id="a1"),
        q(id="A4"),
        q(id="a5", answer=5),
        q(id="a6", answer_type="number", answer="a few"),
        q(id="a7", answer_type="entity", answer="Shusha", aliases=["Shusha."]),
        q(id="a8", answer=None, citations=[{"doc": DOC, "quote": "not there"}]),
        q(id="a9", answer_type=None),
        json.dumps({"id": "a10", "question": "Q?", "answer": "x", "answer_type": "entity"}),
    ]) + "\n", encoding="utf-8")
    proc = run_bench("validate", "--questions", "bad.jsonl")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "bad.jsonl:2: invalid JSON (Expecting property name enclosed in double quotes, "
        "column 31)",
        "bad.jsonl:3: citations[0].doc: unknown document 'nope'",
        "bad.jsonl:4: id: duplicate id 'a1' (first at bad.jsonl:1)",
        "bad.jsonl:5: id: String should match pattern '^[a-z0-9][a-z0-9-]*$'",
        "bad.jsonl:6: answer: Input should be a valid string",
        "bad.jsonl:7: answer: 'a few' is not a single number (answer_type number)",
        f"bad.jsonl:9: citations[0].quote: not found in {DOC}",
        "bad.jsonl:10: answer_type: Input should be 'number', 'date', 'entity', 'text' or 'yes_no'",
        "bad.jsonl:11: citations: Field required",
    ]


def test_redundant_alias_is_a_warning_and_the_set_is_valid(run_bench: RunBench,
                                                             workdir: Path) -> None:
    (workdir / "q.jsonl").write_text("\n".join([
        q(id="a1"), q(id="a2", answer_type="entity", answer="Shusha", aliases=["Shusha."]),
    ]) + "\n", encoding="utf-8")
    proc = run_bench("validate", "--questions", "q.jsonl")
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "q.jsonl:2: warning: aliases[0]: 'Shusha.' repeats the answer"]
    assert proc.stdout.startswith("q.jsonl: 2 questions, all valid")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (q(question="Cafe?").encode().replace(b"Cafe", b"Caf\xe9") + b"\n",
         "bad.jsonl:1: not UTF-8 (byte 29: 0xe9); save the file as UTF-8"),
        (b"", "bad.jsonl: no questions (the file is empty); add one JSON object a line"),
    ],
    ids=["non-utf8", "empty"],
)
def test_unreadable_file(run_bench: RunBench, workdir: Path, content: bytes,
                         expected: str) -> None:
    (workdir / "bad.jsonl").write_bytes(content)
    proc = run_bench("validate", "--questions", "bad.jsonl")
    assert (proc.returncode, proc.stdout, proc.stderr.splitlines()) == (1, "", [expected])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--questions", "nope.jsonl"],
         "bench: error: nope.jsonl: no such file; check --questions"),
        (["--seeds", "nowhere"],
         "bench: error: nowhere: no such folder of articles; check --seeds"),
    ],
    ids=["missing-questions", "missing-seeds"],
)
def test_missing_input_is_a_usage_error(run_bench: RunBench, args: list[str],
                                        expected: str) -> None:
    proc = run_bench("validate", *args)
    assert (proc.returncode, proc.stdout, proc.stderr.splitlines()) == (2, "", [expected])


# ------------------------------------------------------------------ export

FORMATS = {"parquet": "set.parquet", "hf": "set-hf"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """Both exports of the real set, run at once (each pays for importing `datasets`)."""
    out = tmp_path_factory.mktemp("export")
    env = {**os.environ, "HF_DATASETS_CACHE": str(out / "hf-cache"), "HF_DATASETS_OFFLINE": "1",
           "HF_HUB_OFFLINE": "1"}
    procs = {
        fmt: subprocess.Popen(
            [sys.executable, "-m", "bench", "export", "--questions", str(QUESTIONS),
             "--seeds", str(QUESTIONS.parent / "seeds"), "--format", fmt, f"data/{name}"],
            cwd=out, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for fmt, name in FORMATS.items()
    }
    outputs = {}
    for fmt, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert (proc.returncode, "Traceback" in stderr) == (0, False), stderr
        outputs[fmt] = stdout
    yield out / "data", outputs


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_loads_back_identically(
    exported: tuple[Path, dict[str, str]], fmt: str, corpus: Corpus, question_set: QuestionSet,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datasets

    # Reading parquet goes through the datasets cache: keep it out of the home folder.
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    folder, outputs = exported
    path = folder / FORMATS[fmt]
    n = len(question_set.questions)
    assert outputs[fmt] == f"wrote {n} questions to data/{FORMATS[fmt]} ({fmt})\n"
    back = load_questions(path, corpus)
    assert back.questions == question_set.questions
    assert back.sha256 == question_set.sha256
    assert sorted(os.listdir(folder)) == sorted(FORMATS.values())  # no temporary left behind


@pytest.mark.parametrize(("args", "hint"), [
    (["run", "--backnd", "oracle"], "(--backnd: did you mean --backend?)"),
    (["run", "--max-token", "5"], "(--max-token: did you mean --max-tokens?)"),
    (["grade", "--predictions", "p.jsonl", "--run-idd", "x"], "did you mean --run-id?)"),
])
def test_a_misspelt_or_shortened_flag_is_refused_with_a_suggestion(
        run_bench: RunBench, args: list[str], hint: str) -> None:
    proc = run_bench(*args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].endswith(hint)
    assert len(proc.stderr.splitlines()) == 2 and "--help" in proc.stderr.splitlines()[1]


def test_a_folder_given_as_the_question_set_is_one_usage_line(run_bench: RunBench,
                                                             workdir: Path) -> None:
    (workdir / "somewhere").mkdir()
    proc = run_bench("validate", "--questions", "somewhere")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "bench: error: somewhere: a folder, not a question set; give a JSONL, JSON or parquet "
        "file or a folder saved by datasets, as --questions"]


def test_the_leaderboard_names_its_out_flag_when_it_cannot_write(run_bench: RunBench,
                                                                 workdir: Path) -> None:
    assert run_bench("run", "--backend", "oracle", "--limit", "2").returncode == 0
    (workdir / "blocked").write_text("a file where the folder should be")
    proc = run_bench("leaderboard", "--out", "blocked/board")
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith("bench: error: blocked/board: cannot make the output folder")
    assert line.endswith("check --out")
