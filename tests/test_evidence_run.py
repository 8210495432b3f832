"""Evidence end to end: quotes in predictions and in replies to `--cite`, checked against the
real articles and gold citations, with hand-computed metrics; bad input; the baselines and
the local model with `--cite`. The real CLI in a subprocess; a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import Corpus
from bench.dataset import Question, QuestionSet
from tests.fakeserver import FakeOpenAIServer
from tests.test_targets import cli

FABRICATED = ("Officials in Yerevan said on Tuesday that an inquiry into the incident had "
              "been opened by the military prosecutor.")


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def other_sentence(text: str, avoid: list[str]) -> str:
    """A sentence of `text` of some length that overlaps none of the `avoid` quotes."""
    spans = [(text.find(q), text.find(q) + len(q)) for q in avoid if q in text]
    for m in re.finditer(r"[A-Z][^.\n]{40,200}\.", text):
        if all(m.end() <= a or b <= m.start() for a, b in spans):
            return m.group()
    raise AssertionError("no other sentence")


def typo(quote: str) -> str:
    """The quote with curly marks around it and one letter changed in its middle."""
    i = len(quote) // 2
    while not quote[i].isalpha():
        i += 1
    return quote[:i] + ("x" if quote[i] != "x" else "y") + quote[i + 1:]


Row = tuple[Question, str, list[dict[str, Any]] | None]


def plan(qs: QuestionSet, corpus: Corpus) -> list[Row]:
    """Nine answers and their evidence, one kind of quote each (see the expected figures)."""
    answerable = [q for q in qs.questions if q.answer is not None and q.answer_type == "number"
                  and len(q.citations[0].quote) >= 60]
    unreported = next(q for q in qs.questions if q.answer is None)
    q1, q2, q3, q4, q5, q6, q8, q9 = answerable[:8]

    def gold(q: Question) -> dict[str, Any]:
        return {"doc": q.citations[0].doc, "quote": q.citations[0].quote}

    elsewhere = next(d for d in corpus.ordered_ids() if d not in {c.doc for c in q5.citations})
    return [
        (q1, q1.answer or "", [gold(q1)]),                                     # exact, supported
        (q2, q2.answer or "", [{"quote": f"“{typo(q2.citations[0].quote)}”"}]),  # near, no id
        (q3, q3.answer or "", [{"doc": q3.citations[0].doc, "quote": FABRICATED}]),
        (q4, q4.answer or "", [{"doc": q4.citations[0].doc, "quote": other_sentence(
            corpus.texts[q4.citations[0].doc], [c.quote for c in q4.citations])}]),
        (q5, "987654", [{"doc": q5.citations[0].doc,  # another article's sentence, wrong id
                         "quote": other_sentence(corpus.texts[elsewhere], [])},
                        {"doc": "999_nosucharticle", "quote": q5.citations[0].quote}]),
        (q6, q6.answer or "", []),                                             # missing
        (unreported, "Not disclosed.", [gold(unreported)]),                    # supported
        (q8, q8.answer or "", None),                                           # none given
        (q9, q9.answer or "", [{"quote": "  "}]),                              # empty: missing
    ]


# 9 answers, 7 quotes (q1 q2 q3 q4 q5 q5 unreported); not found: q3 and both of q5's;
# word for word: q1, q4, unreported; missing: q6, q8, q9; supported: q1, q2, unreported;
# correct without support: q3, q4, q6, q8, q9.
EXPECTED = {"n": 9, "quotes": 7, "missing_rate": 3 / 9, "fabricated_rate": 3 / 7,
            "exact_rate": 3 / 7, "supported_rate": 3 / 9, "correct_unsupported": 5}


def check(metrics: dict[str, Any], records: list[dict[str, Any]],
          rows: list[Row]) -> None:
    assert metrics["evidence"] == pytest.approx(EXPECTED)
    by_id = {r["id"]: r for r in records}
    (q1, _, _), (q2, _, _), (q3, _, _), (q4, _, _), (q5, _, _) = rows[:5]
    first = by_id[q1.id]["evidence"][0]
    text = q1.citations[0].quote
    assert (first["found"], first["exact"], first["overlaps_gold"]) == (True, True, True)
    assert first["doc_in_gold"]
    near = by_id[q2.id]["evidence"][0]
    assert (near["found"], near["exact"], near["overlaps_gold"]) == (True, False, True)
    assert near["doc"] == q2.citations[0].doc  # found in the article shown
    assert by_id[q3.id]["evidence"][0]["found"] is False
    passage = by_id[q4.id]["evidence"][0]
    assert (passage["found"], passage["doc_in_gold"], passage["overlaps_gold"]) == (True, True,
                                                                                   False)
    wrong, unknown = by_id[q5.id]["evidence"]
    assert (wrong["found"], unknown["found"], unknown["doc"]) == (False, False,
                                                                  "999_nosucharticle")
    assert by_id[q1.id]["verdict"] == "correct" and by_id[q5.id]["verdict"] == "incorrect"
    assert text


def test_predictions_with_evidence(workdir: Path, question_set: QuestionSet,
                                   corpus: Corpus) -> None:
    rows = plan(question_set, corpus)
    lines = [json.dumps({"id": q.id, "answer": a, **({} if e is None else {"evidence": e})},
                        ensure_ascii=False) for q, a, e in rows]
    (workdir / "p.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = bench("grade", "--predictions", "p.jsonl", "--ids",
                 ",".join(q.id for q, _, _ in rows), cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((workdir / "results" / "p.json").read_text())
    check(data["metrics"], data["records"], rows)
    assert data["run"]["cite"] is True
    assert "fabricated 42.9% of quotes" in proc.stdout
    shown = bench("show", "p", cwd=workdir)
    assert "evidence: 7 quotes for 9 answers" in shown.stdout, shown.stdout
    board = bench("leaderboard", cwd=workdir)
    row = json.loads((workdir / "results" / "leaderboard.json").read_text())[
        "groups"][0]["rows"][0]
    assert (row["fabricated_quote_rate"], row["supported_rate"]) == pytest.approx((3 / 7, 1 / 3))
    assert "Fabricated quotes" in (workdir / "results" / "leaderboard.md").read_text()
    assert board.returncode == 0


@pytest.mark.parametrize(("evidence", "problem"), [
    ('"the sentence"', "evidence: Input should be a valid list"),
    ('[{"doc": "000_5ee3afeb577c3ab4"}]', "evidence[0].quote: Field required"),
    ('[{"quote": 3}]', "evidence[0].quote: Input should be a valid string"),
    ('["the sentence"]', "evidence[0]: Input should be a valid"),
])
def test_bad_evidence_is_a_file_line_error(
        workdir: Path, question_set: QuestionSet, evidence: str, problem: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    q = question_set.questions[0]
    good = json.dumps({"id": q.id, "answer": "x"})
    bad = f'{{"id": "{question_set.questions[1].id}", "answer": "x", "evidence": {evidence}}}'
    (workdir / "p.jsonl").write_text(good + "\n" + bad + "\n")
    monkeypatch.chdir(workdir)
    code, err = cli(["grade", "--predictions", "p.jsonl"], capsys)
    assert code == 1 and "p.jsonl:2: " in err and problem in err, err
    assert not (workdir / "results" / "p.json").exists()


def reply(answer: str, evidence: list[dict[str, Any]] | None) -> str:
    """How a model might write it: the answer, then Evidence lines in mixed styles."""
    if evidence is None:
        return answer
    if not evidence:
        return f"{answer}\n\nEvidence: none found."
    lines = [answer, ""]
    for e in evidence:
        if e["quote"].strip() == "":
            lines.append('Evidence: ""')
        elif e.get("doc"):
            lines.append(f'Evidence [{e["doc"]}]: "{e["quote"]}"')
        else:
            lines.append(f'- {e["quote"]}' if lines[-1] == "Evidence:" else
                         f"Evidence:\n> {e['quote']}")
    return "\n".join(lines)


def test_a_cite_run_against_a_server(workdir: Path, question_set: QuestionSet,
                                     corpus: Corpus) -> None:
    rows = plan(question_set, corpus)
    srv = FakeOpenAIServer({q.question: reply(a, e) for q, a, e in rows}).start()
    try:
        proc = bench("run", "--backend", "openai", "--base-url", srv.base_url, "--model", "ok",
                     "--mode", "open-book", "--cite", "--no-progress", "--run-id", "cited",
                     "--ids", ",".join(q.id for q, _, _ in rows), cwd=workdir)
        body = srv.bodies[0]
    finally:
        srv.stop()
    assert proc.returncode == 0, proc.stderr
    assert "Evidence [article id]:" in str(body["messages"][-1]["content"])
    assert body.get("stop") in (None, []) and body["max_tokens"] == 320
    data = json.loads((workdir / "results" / "cited.json").read_text())
    check(data["metrics"], data["records"], rows)
    assert data["run"]["cite"] and data["run"]["prompt_sha256"] != data["run"]["template_sha256"]
    by_id = {r["id"]: r for r in data["records"]}
    assert "Evidence" not in by_id[rows[0][0].id]["response"]  # graded without its evidence


def test_the_retrieval_baseline_never_fabricates(workdir: Path) -> None:
    proc = bench("run", "--backend", "retrieval", "--mode", "corpus", "--cite", "--no-progress",
                 "--run-id", "bm25", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    ev = json.loads((workdir / "results" / "bm25.json").read_text())["metrics"]["evidence"]
    assert ev["fabricated_rate"] == 0 and ev["exact_rate"] == 1 and ev["supported_rate"] > 0.5


@pytest.mark.parametrize("args", [["run", "--backend", "oracle", "--cite"],
                                  ["batch", "export", "r.jsonl", "--model", "m", "--cite"]])
def test_cite_closed_book_is_one_usage_line(
        workdir: Path, args: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(workdir)
    code, err = cli(args, capsys)
    assert code == 2
    assert err.strip() == ("bench: error: --cite needs articles to quote: use it with "
                           "--mode open-book or corpus")


def test_batch_export_asks_for_evidence(workdir: Path) -> None:
    proc = bench("batch", "export", "r.jsonl", "--model", "m", "--cite", "--mode", "open-book",
                 "--limit", "2", "--run-id", "bc", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    bodies = [json.loads(x)["body"] for x in (workdir / "r.jsonl").read_text().splitlines()]
    assert all("Evidence [article id]" in b["messages"][-1]["content"] for b in bodies)
    assert all("\n\n" not in (b.get("stop") or []) for b in bodies)


def test_a_reply_cut_inside_its_evidence_keeps_its_whole_answer(
        workdir: Path, question_set: QuestionSet) -> None:
    by_id = question_set.by_id()
    whole, cut = by_id["heli-crew-killed"], by_id["heli-wounded"]
    sentence = "Moscow said two Russian soldiers were killed in the attack and another was wounded."
    replies = {
        # 80 characters: the answer and the start of its quote
        whole.question: f'Two.\nEvidence [000_5ee3afeb577c3ab4]: "{sentence}"',
        # the answer itself runs past the cut
        cut.question: "According to the Russian Defence Ministry, one more serviceman was wounded "
                      "in the attack on the helicopter.",
    }
    srv = FakeOpenAIServer(replies).start()
    try:
        proc = bench("run", "--backend", "openai", "--base-url", srv.base_url, "--model", "cut",
                     "--mode", "open-book", "--cite", "--max-tokens", "20", "--no-progress",
                     "--ids", f"{whole.id},{cut.id}", "--run-id", "cut", cwd=workdir)
    finally:
        srv.stop()
    assert proc.returncode == 4, proc.stderr  # the second reply has no complete answer
    records = {r["id"]: r for r in json.loads(
        (workdir / "results" / "cut.json").read_text())["records"]}
    graded = records[whole.id]
    assert (graded["verdict"], graded["finish_reason"], graded["truncated"]) == (
        "correct", "length", False)
    (quote,) = graded["evidence"]
    assert quote["found"] and quote["exact"] and sentence.startswith(quote["quote"])
    assert records[cut.id]["verdict"] == "truncated"
