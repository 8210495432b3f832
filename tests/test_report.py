"""bench show / bench compare through the real CLI, and the HTML page's data without a browser."""

from __future__ import annotations

import base64
import json
import os
import random
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import bench.results.report_html as report_html
from bench.cli import main
from bench.corpus import Corpus, Document
from bench.dataset import Citation, Question, QuestionSet
from bench.results.leaderboard import build

sys.path.insert(0, str(Path(__file__).parent))
from test_leaderboard import make_result, write_results


def bench(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess."""
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, text=True,
                          capture_output=True, env={**os.environ, "COLUMNS": "100"})


def bench_here(cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
               *args: str) -> tuple[int, str, str]:
    """The same CLI in this process: the many table cases run without a start-up each."""
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("COLUMNS", "100")
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    long = "a very long answer " * 20
    write_results(
        root / "results",
        make_result("m1", "ccinec", responses={1: long}),
        # b = 10 questions only A gets right, c = 2 only B does, one i/n swap, five agree.
        make_result("pa", "c" * 10 + "ii" + "i" + "c" * 5, sha="b" * 64),
        make_result("pb", "n" * 10 + "cc" + "n" + "c" * 5, sha="b" * 64),
        make_result("big-a", "c" * 25 + "i" * 10 + "c" * 40),
        make_result("big-b", "i" * 25 + "c" * 10 + "c" * 40),
    )
    (root / "results" / "broken.json").write_text('{"schema_version": 1, "run"')
    return root


def check_show(out: str, ids: list[str], footer: str) -> None:
    lines = out.splitlines()
    assert lines[0].startswith("run m1: model model-m1, backend oracle")
    assert [line.split()[0] for line in lines if line.startswith("q0")] == ids
    assert footer in lines[-1]
    assert max(len(line) for line in lines) <= 100
    if "q001" in ids:  # long answers are cut to the column
        assert "a very long answer a very" in out and "…" in out
    if "q000" in ids:
        assert "(unreported)" in out


def test_show_in_a_subprocess(results: Path) -> None:
    proc = bench(results, "show", "m1", "--verdict", "correct")
    assert proc.returncode == 0, proc.stderr
    check_show(proc.stdout, ["q000", "q001", "q005"], "3 of 6 records shown (verdict=correct)")


@pytest.mark.parametrize(("args", "ids", "footer"), [
    (["m1"], ["q000", "q001", "q002", "q003", "q004", "q005"], "6 of 6 records shown"),
    (["m1", "--verdict", "not-attempted"], ["q003"], "1 of 6 records shown"),
    (["results/m1.json", "--tag", "even"], ["q000", "q002", "q004"], "(tag=even)"),
    (["m1", "--tag", "odd", "--verdict", "error"], [], "0 of 6 records shown"),
])
def test_show(results: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str], args: list[str], ids: list[str],
              footer: str) -> None:
    code, out, err = bench_here(results, monkeypatch, capsys, "show", *args)
    assert code == 0, err
    check_show(out, ids, footer)


def test_unknown_run_in_a_subprocess(results: Path) -> None:
    proc = bench(results, "compare", "pa", "zz")
    assert proc.returncode == 2
    assert proc.stderr == "bench: error: results/zz.json: no such result file; runs in " \
        "results/: big-a, big-b, broken, m1, pa, pb\n"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["show", "nope"], 2, "bench: error: results/nope.json: no such result file; runs in "
     "results/: big-a, big-b, broken, m1, pa, pb"),
    (["show", "elsewhere/x.json"], 2, "elsewhere/x.json: no such result file"),
    (["show", "m1", "--results", "void"], 2, "void/m1.json: no such result file; "
     "no result files in void/"),
    (["show", "m1", "--verdict", "maybe"], 2, "--verdict maybe: unknown verdict"),
    (["show", "m1", "--tag", "nosuch"], 2, "tags: even, odd"),
    (["show", "broken"], 1, "results/broken.json: not valid JSON"),
    (["compare", "zz", "pa"], 2, "results/zz.json: no such result file"),
])
def test_user_errors_are_one_clean_line(results: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], args: list[str],
                                        code: int, message: str) -> None:
    got, _, err = bench_here(results, monkeypatch, capsys, *args)
    assert got == code
    assert message in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(("a", "b", "differ", "test_line"), [
    ("pa", "pb", 13, "McNemar (exact binomial, two-sided; 12 discordant): p = 0.03857"),
    ("big-a", "big-b", 35, "McNemar (chi-square, continuity-corrected, chi2 = 5.600; "
     "35 discordant): p = 0.01796"),
])
def test_compare(results: Path, a: str, b: str, differ: int, test_line: str) -> None:
    proc = bench(results, "compare", a, b)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[-1] == test_line
    assert f"{differ} of " in out[-3]
    rows = [line for line in out if re.match(r"q\d{3} ", line)]
    assert len(rows) == differ
    assert max(len(line) for line in out) <= 100
    if a == "pa":
        assert re.match(r"q012\s+incorrect\s+not_attempted", rows[-1])


# --- the page's data (report_html), without a browser --------------------------------------

ARTICLE = "Headline of the day\n\nFirst paragraph.\n\nThe army said 2 soldiers died. More.\n\nEnd."


def question_set() -> tuple[QuestionSet, Corpus]:
    questions = tuple(
        Question(id=f"q{k:03d}", question=f"Question {k}?", answer=None if k == 0 else f"gold {k}",
                 answer_type="text",
                 citations=(Citation(doc="d1", quote="2 soldiers died" if k else "Nope"),))
        for k in range(4)
    )
    corpus = Corpus(folder=Path("."), texts={"d1": ARTICLE},
                    documents={"d1": Document(id="d1", headline="Headline of the day",
                                              date_note="none")})
    return QuestionSet(path="q.jsonl", questions=questions), corpus


def test_page_data_locates_quotes_in_their_paragraph(tmp_path: Path) -> None:
    qs, corpus = question_set()
    write_results(tmp_path, make_result("m1", "ccin", sha=qs.sha256))
    data = report_html.page_data(build(tmp_path)[0], qs, corpus)
    group = data["groups"][0]
    assert group["texts"] and group["q"]["text"][1] == "Question 1?"
    cit = group["q"]["cit"][1][0]
    text = data["docs"][cit["d"]]["text"]
    assert text[cit["p"][0]:cit["p"][1]] == "The army said 2 soldiers died. More."
    assert text[cit["q"][0]:cit["q"][1]] == "2 soldiers died"
    assert group["q"]["cit"][0][0] == {"id": "d1", "t": "Nope", "miss": True}
    assert group["runs"][0]["v"] == "ccin"
    assert [data["labels"][i] if i >= 0 else None for i in group["q"]["gold"]] == \
        [None, "gold 1", "gold 2", "gold 3"]


def test_question_texts_only_for_the_matching_question_set(tmp_path: Path) -> None:
    qs, corpus = question_set()
    write_results(tmp_path, make_result("m1", "ccin", sha="f" * 64))
    group = report_html.page_data(build(tmp_path)[0], qs, corpus)["groups"][0]
    assert not group["texts"] and group["q"]["text"] == [None] * 4 and group["q"]["cit"][1] == []


def test_no_answer_can_close_the_script_element(tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script>"
    write_results(tmp_path, make_result("m1", "cc", responses={0: evil}))
    page = report_html.render(build(tmp_path)[0])
    assert "alert(1)</script>" not in page
    blob = re.search(r'id="bench-data" data-encoding="json">(.*?)</script>', page, re.S)
    assert blob and evil in json.loads(blob.group(1))["strings"]


def test_page_without_plotly_keeps_tables_and_says_how_to_get_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "plotly.io", None)  # import plotly.io -> ImportError
    write_results(tmp_path, make_result("m1", "ccin"))
    page = report_html.render(build(tmp_path)[0])
    assert "pip install 'bench[report]'" in page
    assert "Plotly.newPlot" not in page and "<td>m1</td>" in page


@pytest.mark.parametrize(("plain_limit", "budget", "encoding", "cut"), [
    (10**6, 10**6, "json", report_html.RESPONSE_CHARS),
    (0, 10**6, "deflate-base64", report_html.RESPONSE_CHARS),
    (0, 20_000, "deflate-base64", None),  # over budget: answers are cut until it fits
])
def test_large_data_is_packed_then_cut_to_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plain_limit: int, budget: int,
    encoding: str, cut: int | None,
) -> None:
    monkeypatch.setattr(report_html, "PLAIN_LIMIT", plain_limit)
    monkeypatch.setattr(report_html, "DATA_BUDGET", budget)
    rng = random.Random(0)
    answers = {k: "".join(rng.choice("abcdefghij ") for _ in range(400)) for k in range(150)}
    write_results(tmp_path, make_result("m1", "c" * 150, responses=answers))
    got, text = report_html.embedded_data(report_html.page_data(build(tmp_path)[0], None, None))
    assert got == encoding
    data = json.loads(text if got == "json" else zlib.decompress(base64.b64decode(text)))
    if cut is not None:
        assert data["cut"] == cut
    else:
        assert len(text) <= budget and data["cut"] < report_html.RESPONSE_CHARS
        assert max(len(s) for s in data["strings"]) <= data["cut"]
