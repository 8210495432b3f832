"""leaderboard.html in a real headless Chromium: tables, plots, sorting, the per-question view."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import bench.results.report_html as report_html
from bench.cli import main
from bench.corpus import load_corpus
from bench.dataset import load_questions
from bench.records import EvidenceCheck, ResultFile
from bench.results.leaderboard import build
from bench.results.metrics import compute

sys.path.insert(0, str(Path(__file__).parent))
from test_leaderboard import SHA_B, make_result, write_results

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
N = 30
ARTICLE = ("A convoy came under fire\n\nThe ministry said {n} soldiers were killed near the "
           "village. Officials gave no other figure.\n\nThe border stayed closed.\n")
RUNS = {
    "best": "c" * 24 + "i" * 3 + "n" * 3,
    "careful": "c" * 18 + "n" * 12,
    "bold": "c" * 16 + "i" * 14,
    "weak": "c" * 6 + "i" * 14 + "n" * 9 + "e",
}


def sync_playwright():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        pytest.skip("playwright is not installed (pip install 'bench[browser]')")
    return start()


def make_site(root: Path) -> Path:
    """Results of two question sets, a question file and the articles it cites."""
    seeds = root / "seeds"
    seeds.mkdir()
    for d in range(3):
        (seeds / f"d{d}.txt").write_text(ARTICLE.format(n=d + 2))
    (seeds / "index.json").write_text(json.dumps(
        [{"id": f"d{d}", "headline": f"Convoy report {d}", "date_note": "none"} for d in range(3)]
    ))
    lines = [json.dumps({
        "id": f"q{k:03d}", "question": f"How many soldiers were killed in report {k % 3}?",
        "answer": None if k == 0 else f"gold {k}", "answer_type": "text",
        "citations": [{"doc": f"d{k % 3}", "quote": f"{k % 3 + 2} soldiers were killed"}],
        "tags": ["even" if k % 2 == 0 else "odd", "conflict"],
    }) for k in range(N)]
    (root / "questions.jsonl").write_text("\n".join(lines) + "\n")
    sha = load_questions(root / "questions.jsonl", load_corpus(seeds)).sha256
    return write_results(
        root / "results",
        *(make_result(name, v, sha=sha, confidence=0.6, tags=("even", "odd"))
          for name, v in RUNS.items()),
        make_result("other-set", "c" * 10 + "i" * 5, sha=SHA_B),
    )


def test_leaderboard_page_in_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    play = sync_playwright()
    results = make_site(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["leaderboard", "--results", str(results), "--out", "site"]) == 0
    page_path = tmp_path / "site" / "leaderboard.html"
    # The same page with its data packed, as large leaderboards are.
    monkeypatch.setattr(report_html, "PLAIN_LIMIT", 0)
    packed_path = tmp_path / "site" / "packed.html"
    packed_path.write_text(report_html.render(
        build(results)[0], load_questions("questions.jsonl", None), load_corpus("seeds")))
    assert 'data-encoding="deflate-base64"' in packed_path.read_text()
    # Page weight: plotly.js (4.8 MB) travels deflated, so a handful of runs stays near 2 MB.
    assert page_path.stat().st_size < 2_200_000

    with play as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: problems.append(f"request {r.url}")
                if not r.url.startswith(("file:", "data:", "blob:")) else None)
        page.goto(page_path.as_uri())
        page.wait_for_selector("#pq-list .q")
        # plotly.js travels packed: the figures are drawn once it is unpacked.
        page.wait_for_selector("#plot-risk svg.main-svg")

        boards = page.locator("table.board")
        assert boards.count() == 2
        first = boards.nth(0).locator("tbody tr")
        assert first.count() == 4 and boards.nth(1).locator("tbody tr").count() == 1

        def column(i: int) -> list[str]:
            return [first.nth(r).locator("td").nth(i).inner_text() for r in range(4)]

        assert column(1) == ["best", "careful", "bold", "weak"]
        page.locator("table.board").nth(0).locator("th", has_text=re.compile(r"^Run$")).click()
        assert column(1) == ["best", "bold", "careful", "weak"]
        page.locator("table.board").nth(0).locator("th", has_text=re.compile(r"^Run$")).click()
        assert column(1) == ["weak", "careful", "bold", "best"]
        page.locator("table.board").nth(0).locator("th", has_text=re.compile(r"^Rank$")).click()
        assert column(1) == ["best", "careful", "bold", "weak"]

        # At 1400 px the headline columns fit without scrolling; the rest behind the switch.
        scroll = page.locator("div.scroll").nth(0)
        assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth")
        heads = boards.nth(0).locator("th")
        shown = [heads.nth(i).inner_text() for i in range(heads.count())
                 if heads.nth(i).is_visible()]
        assert shown == ["Rank", "Run", "Model", "Mode", "Correct %", "Incorrect %",
                         "Not att. %", "F", "F 95% CI", "Halluc. %"]
        page.locator("button.cols").nth(0).click()
        assert boards.nth(0).locator("th", has_text="Coverage %").is_visible()
        page.locator("button.cols").nth(0).click()
        assert not boards.nth(0).locator("th", has_text="Coverage %").is_visible()
        assert "A rank - marks an incomplete run" in page.inner_text("body")
        # Group titles read apart.
        titles = page.locator("h3").all_inner_texts()
        assert len(titles) == len(set(titles)) == 2

        plots = page.locator(".js-plotly-plot")
        # the trade-off, a heat map per question set, and the risk-coverage curves
        assert plots.count() == 4
        assert page.locator("#plot-risk .scatterlayer .trace").count() == 4  # with confidences
        assert "No model was run at two or more confidence targets" in page.inner_text("body")
        for i in range(4):
            assert plots.nth(i).locator("svg.main-svg").count() > 0
        assert page.locator("#plot-tradeoff .scatterlayer .point").count() == 5
        assert page.locator("#plot-tags-0 .hm").count() == 1
        # No run name of the heat map is cut at the left, and no two scatter labels overlap.
        left = page.locator("#plot-tags-0").bounding_box()
        assert left is not None
        for box in (page.locator("#plot-tags-0 .ytick text").nth(i).bounding_box()
                    for i in range(page.locator("#plot-tags-0 .ytick text").count())):
            assert box is not None and box["x"] >= left["x"]
        labels = [b for i in range(page.locator("#plot-tradeoff .textpoint text").count())
                  if (b := page.locator("#plot-tradeoff .textpoint text").nth(i).bounding_box())
                  and b["width"] > 0]
        assert labels
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                assert (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                        or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])

        cards = page.locator("#pq-list .q")
        assert cards.count() == 25
        assert "page 1 of 2" in page.inner_text("#pq-info")
        card = cards.nth(1)
        assert card.locator("table.ans tr").count() == 4
        # textContent, not innerText: cards off screen are not laid out (content-visibility).
        assert card.locator(".article mark").text_content() == "3 soldiers were killed"
        assert "The ministry said 3 soldiers were killed" in \
            card.locator(".article").text_content()
        assert "gold 1" in card.text_content() and "How many soldiers" in card.text_content()
        assert "(not reported in the sources)" in cards.nth(0).text_content()
        # Cards off screen are not painted (content-visibility): show the whole page at once.
        for _ in range(3):
            page.evaluate("new Promise(r => requestAnimationFrame(() => "
                          "requestAnimationFrame(r)))")  # let the resized page lay out
            height = page.evaluate("Math.ceil(document.body.getBoundingClientRect().bottom"
                                   " + window.scrollY) + 40")
            page.set_viewport_size({"width": 1400, "height": height})
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "leaderboard.png"))

        page.click("#pq-next")
        assert cards.count() == N - 25
        page.fill("#pq-runs", "weak")
        assert cards.count() == 25 and cards.nth(0).locator("table.ans tr").count() == 1
        page.select_option("#pq-verdict", "e")
        assert cards.count() == 1 and "error" in cards.nth(0).text_content()

        packed = browser.new_page()
        packed.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        packed.on("pageerror", lambda e: problems.append(str(e)))
        packed.goto(packed_path.as_uri())
        packed.wait_for_selector("#pq-list .q")
        packed.wait_for_selector("#plot-tradeoff svg.main-svg")
        assert packed.locator("#pq-list .q").count() == 25
        browser.close()
    assert problems == []


def targeted(name: str, verdicts: str, t: float, sha: str) -> ResultFile:
    """A run of one model ("m") at confidence target t."""
    r = make_result(name, verdicts, sha=sha)
    run = r.run.model_copy(update={"confidence_target": t, "model": "m",
                                   "template_sha256": "tpl"})
    return r.model_copy(update={"run": run, "metrics": compute(r.records, target=t)})


def cited(sha: str) -> ResultFile:
    """A run whose answers quote: the gold passage, another passage, a fabricated sentence."""
    r = make_result("cited", "c" * N, sha=sha)
    quotes = [
        EvidenceCheck(doc="d1", quote="3 soldiers were killed near the village", found=True,
                      exact=True, span=(44, 83), doc_in_gold=True, overlaps_gold=True),
        EvidenceCheck(doc="d1", quote="The border stayed closed.", found=True, exact=True,
                      span=(118, 143), doc_in_gold=True, overlaps_gold=False),
        EvidenceCheck(doc="d1", quote="Nine tanks were seen.", found=False, exact=False,
                      span=None, doc_in_gold=True, overlaps_gold=False),
    ]
    records = [rec.model_copy(update={"evidence": quotes if rec.id == "q001" else []})
               for rec in r.records]
    return r.model_copy(update={"records": records, "metrics": compute(records)})


def test_targets_and_evidence_in_chromium(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    play = sync_playwright()
    results = make_site(tmp_path)
    sha = load_questions(tmp_path / "questions.jsonl", None).sha256
    text = ARTICLE.format(n=3)
    assert text[44:83] == "3 soldiers were killed near the village"
    assert text[118:143] == "The border stayed closed."
    write_results(results, targeted("m-t0.5", "c" * 20 + "i" * 5 + "n" * 5, 0.5, sha),
                  targeted("m-t0.9", "c" * 16 + "i" * 1 + "n" * 13, 0.9, sha), cited(sha))
    monkeypatch.chdir(tmp_path)
    assert main(["leaderboard", "--results", str(results), "--out", "site"]) == 0
    with play as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto((tmp_path / "site" / "leaderboard.html").as_uri())
        page.wait_for_selector("#pq-list .q")
        page.wait_for_selector("#plot-targets svg.main-svg")
        titles = page.locator("h3").all_inner_texts()
        assert any("confidence target 0.9" in t for t in titles)
        targeted_board = page.locator("table.board").nth(
            next(i for i, t in enumerate(titles) if "confidence target 0.5" in t))
        heads = targeted_board.locator("th")
        shown = [heads.nth(i).inner_text() for i in range(heads.count())
                 if heads.nth(i).is_visible()]
        assert "Score at t" in shown and "Score 95% CI" in shown
        assert page.locator("#plot-targets .scatterlayer .trace").count() == 1
        assert page.locator("#plot-targets .scatterlayer .point").count() == 2
        card = page.locator("#pq-list .q").nth(1)
        assert card.locator("mark.evq").first.text_content() == \
            "3 soldiers were killed near the village"
        evidence = card.locator(".ev").all_text_contents()
        assert any(e.startswith("on the gold passage") for e in evidence)
        assert any(e.startswith("another passage") for e in evidence)
        assert any(e.startswith("fabricated not in d1: Nine tanks were seen.") for e in evidence)
        assert "no evidence given" in page.locator("#pq-list .q").nth(2).text_content()
        browser.close()
    assert problems == []
