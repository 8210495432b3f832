"""leaderboard.html: one self-contained offline page of tables, plots and a per-question view."""

from __future__ import annotations

import base64
import html
import json
import zlib
from bisect import bisect_right
from importlib.resources import files
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from bench.results.format import fmt_ci, pct
from bench.results.leaderboard import RESAMPLES, SEED, group_name, group_title
from bench.results.read import first_samples
from bench.results.report_plots import figures_html, packed_plotlyjs

if TYPE_CHECKING:
    from bench.corpus import Corpus
    from bench.dataset import QuestionSet
    from bench.results.leaderboard import Group, Leaderboard

VERDICT_CODES = {"correct": "c", "incorrect": "i", "not_attempted": "n", "unscored": "u",
                 "truncated": "t", "error": "e"}
RESPONSE_CHARS = 300
"""Answers are cut in the page to keep it small; the result files keep them whole."""
REASON_CHARS = 200
MIN_CUT = 40
PLAIN_LIMIT = 1_000_000
"""Up to this many characters the data is embedded as plain JSON, readable by any browser."""
DATA_BUDGET = 4_500_000
"""Most characters of packed data: with plotly.js (~4.8 MB) the page stays under 10 MB."""
COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (row key, header, format); format: pct, f3, f2, int, text, ci
    ("rank_label", "Rank", "rank"), ("run_id", "Run", "text"), ("model", "Model", "text"),
    ("backend", "Backend", "text"), ("mode", "Mode", "text"), ("n_questions", "n", "int"),
    ("coverage", "Coverage %", "pct"),
    ("correct_rate", "Correct %", "pct"), ("incorrect_rate", "Incorrect %", "pct"),
    ("not_attempted_rate", "Not att. %", "pct"),
    ("accuracy_given_attempted", "Acc. given att. %", "pct"), ("f_score", "F", "f3"),
    ("f_score_ci95", "F 95% CI", "ci"), ("unreported_correct_rate", "Unrep. acc. %", "pct"),
    ("unreported_hallucination_rate", "Halluc. %", "pct"), ("ece", "ECE", "f3"),
    ("brier", "Brier", "f3"), ("errors", "Errors", "int"), ("truncated", "Truncated", "int"),
    ("truncated_graded", "Cut after answer", "int"),
    ("latency_median_s", "Latency s", "f2"), ("prompt_tokens", "Tokens in", "int"),
    ("completion_tokens", "Tokens out", "int"), ("reasoning_tokens", "Reasoning tok.", "int"),
    ("cost", "Cost", "f4"), ("over_abstention_rate", "Over-abst. %", "pct"),
    ("confidence_target", "Target t", "g"), ("target_score", "Score at t", "f3"),
    ("target_score_ci95", "Score 95% CI", "ci"), ("aurc", "AURC", "f3"),
    ("fabricated_quote_rate", "Fabricated quotes %", "pct"),
    ("supported_rate", "Supported %", "pct"),
)
HEADLINE = frozenset({"rank_label", "run_id", "model", "mode", "correct_rate", "incorrect_rate",
                      "not_attempted_rate", "f_score", "f_score_ci95",
                      "unreported_hallucination_rate"})
"""The columns shown at first; the others appear with the table's "all columns" switch."""
TARGET_HEADLINE = HEADLINE | {"target_score", "target_score_ci95"}
"""In a group at a confidence target: its score is what ranks, so it is shown at first."""


def _asset(name: str) -> str:
    return (files("bench") / "assets" / name).read_text(encoding="utf-8")


def _cell(row: dict[str, Any], key: str, fmt: str, headline: frozenset[str]) -> str:
    cell = _value_cell(row, key, fmt)
    return cell if key in headline else cell.replace("<td", '<td data-more="1"', 1)


def _value_cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value = row.get(key)
    if fmt == "rank":
        sort = "" if row.get("rank") is None else f' data-v="{row["_pos"]}"'
        return f"<td{sort}>{html.escape(str(value))}</td>"
    if value is None:
        return '<td class="na">-</td>'
    if fmt == "text":
        return f"<td>{html.escape(str(value))}</td>"
    if fmt == "ci":
        return f'<td data-v="{value[0]}">{fmt_ci(value)}</td>'
    shown = {"pct": lambda v: pct(v), "f3": lambda v: f"{v:.3f}", "f2": lambda v: f"{v:.2f}",
             "f4": lambda v: f"{v:.4f}", "int": lambda v: f"{v:,}",
             "g": lambda v: f"{v:g}"}[fmt](value)
    return f'<td class="num" data-v="{value}">{shown}</td>'


def leaderboard_table(group: Group, index: int) -> str:
    headline = HEADLINE if group.confidence_target is None else TARGET_HEADLINE
    head = "".join(f'<th title="click to sort"{"" if k in headline else " data-more=1"}>'
                   f"{html.escape(h)}</th>" for k, h, _ in COLUMNS)
    body = []
    for pos, run in enumerate(group.runs):
        row = {**run.row.model_dump(), "_pos": pos}
        body.append("<tr>" + "".join(_cell(row, k, f, headline) for k, _, f in COLUMNS)
                    + "</tr>")
    return (f'<table class="board sortable" id="board-{index}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def group_label(group: Group) -> str:
    return group_name(group)


class _Strings:
    """A string table, so that each distinct answer or reason is stored once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str | None, limit: int = RESPONSE_CHARS) -> int:
        if text is None:
            return -1
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        index = self.index
        return index.setdefault(text, len(index))

    def table(self) -> list[str]:
        return list(self.index)


def _citation(cit: Any, corpus: Corpus | None, docs: dict[str, int]) -> dict[str, Any]:
    text = corpus.texts.get(cit.doc) if corpus else None
    start = text.find(cit.quote) if text is not None else -1
    if text is None or start < 0:
        return {"id": cit.doc, "t": cit.quote, "miss": text is not None}
    end = start + len(cit.quote)
    return {"d": docs.setdefault(cit.doc, len(docs)), "p": _paragraph(text, start, end),
            "q": [start, end]}


def _paragraph(text: str, start: int, end: int) -> list[int]:
    """The paragraph around a span: from the line break before it to the one after it."""
    p1 = text.find("\n", end)
    return [text.rfind("\n", 0, start) + 1, len(text) if p1 < 0 else p1]


def _evidence(record: Any, corpus: Corpus | None, docs: dict[str, int], strings: _Strings,
              labels: _Strings) -> list[dict[str, Any]] | None:
    """A record's checked quotes for the page: the quote, its article and paragraph, and
    whether it was found, word for word, and on a gold passage (flags 1, 2, 4)."""
    if record is None or record.evidence is None:
        return None
    out = []
    for e in record.evidence:
        item: dict[str, Any] = {"q": strings(e.quote, 2 * RESPONSE_CHARS),
                                "f": e.found | e.exact << 1 | e.overlaps_gold << 2,
                                "n": labels(e.doc)}
        text = corpus.texts.get(e.doc) if corpus and e.doc else None
        if e.span is not None and text is not None:
            start, end = e.span
            item |= {"d": docs.setdefault(e.doc or "", len(docs)), "s": [start, end],
                     "p": _paragraph(text, start, end)}
        out.append(item)
    return out


def page_data(board: Leaderboard, questions: QuestionSet | None,
              corpus: Corpus | None) -> dict[str, Any]:
    """Compact per-question data: string tables and one verdict string per run.

    `strings` holds answers and reasons (cut to fit, see embedded_data), `labels` golds and
    tags; runs refer to them by index, -1 for none.
    """
    strings = _Strings()
    labels = _Strings()
    docs: dict[str, int] = {}
    by_id = questions.by_id() if questions is not None else {}
    groups = []
    for group in board.groups:
        texts = by_id if questions is not None and \
            questions.sha256 == group.questions_sha256 else {}
        ids = group.question_ids
        firsts = [first_samples(run.result) for run in group.runs]
        gold: list[int] = []
        tags: list[list[int]] = []
        cits: list[list[dict[str, Any]]] = []
        for qid in ids:
            q = texts.get(qid)
            rec = next((f[qid] for f in firsts if qid in f), None)
            answer = q.answer if q is not None else (rec.gold if rec else None)
            gold.append(labels(answer, 10_000))
            tags.append([labels(t) for t in (q.tags if q is not None else
                                             rec.tags if rec else ())])
            cits.append([_citation(c, corpus, docs) for c in q.citations] if q else [])
        runs = []
        for run, first in zip(group.runs, firsts, strict=True):
            recs = [first.get(qid) for qid in ids]
            runs.append({
                "id": run.row.run_id, "rank": run.row.rank_label,
                "label": " · ".join(x for x in (run.row.model, run.row.backend,
                                                run.row.mode) if x),
                "v": "".join(VERDICT_CODES.get(r.verdict, "?") if r else "." for r in recs),
                "a": [strings(r.response) if r else -1 for r in recs],
                "r": [strings(r.reason, REASON_CHARS) if r else -1 for r in recs],
                **({"e": [_evidence(r, corpus, docs, strings, labels) for r in recs]}
                   if any(r is not None and r.evidence is not None for r in recs) else {}),
            })
        groups.append({
            "title": group_label(group),
            "texts": bool(texts),
            "q": {"ids": ids, "text": [texts[q].question if q in texts else None for q in ids],
                  "gold": gold, "tags": tags, "cit": cits},
            "runs": runs,
        })
    doc_list: list[dict[str, str]] = [{}] * len(docs)
    for doc_id, n in docs.items():
        meta = corpus.documents.get(doc_id) if corpus else None
        doc_list[n] = {"id": doc_id, "h": meta.headline if meta else doc_id,
                       "text": corpus.texts[doc_id] if corpus else ""}
    return {"groups": groups, "strings": strings.table(), "labels": labels.table(),
            "docs": doc_list, "cut": RESPONSE_CHARS}


def _script_json(data: Any) -> str:
    # `<` escaped so that no string in the data can close the script element.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _pack(text: str, level: int) -> str:
    return base64.b64encode(zlib.compress(text.encode("utf-8"), level)).decode("ascii")


def _cut_for(lengths: list[int], drop: float, below: int) -> int:
    """The largest cut under `below` that removes at least `drop` characters from the strings."""
    ordered = sorted(lengths)
    suffix = [*accumulate(reversed(ordered))][::-1]
    suffix.append(0)
    lo, hi = MIN_CUT, below - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        k = bisect_right(ordered, mid)
        removed = suffix[k] - mid * (len(ordered) - k)
        if removed >= drop:
            lo = mid
        else:
            hi = mid - 1
    return lo


def embedded_data(data: dict[str, Any]) -> tuple[str, str]:
    """(encoding, text) of the per-question data for the page.

    Small data is plain JSON. Large data is zlib-compressed and base64-encoded (the browser
    unpacks it with DecompressionStream); if even that exceeds DATA_BUDGET, answers and
    reasons are cut shorter until it fits, so that 200 runs x 1,000 questions stay well
    under 10 MB. The cut is recorded in the data and shown on the page.
    """
    text = _script_json(data)
    if len(text) <= PLAIN_LIMIT:
        return "json", text
    full = data["strings"]
    cut = data["cut"]
    level = 1  # fast first try; once answers must be cut, a better ratio cuts less
    while True:
        packed = _pack(text, level)
        if len(packed) <= DATA_BUDGET or cut <= MIN_CUT:
            return "deflate-base64", packed
        # Aim at the budget assuming the compression ratio stays about the same.
        level = 3
        drop = (len(packed) - 0.95 * DATA_BUDGET) * len(text) / len(packed)
        cut = _cut_for([len(s) for s in full], drop, cut)
        strings = [s if len(s) <= cut else s[: cut - 1] + "…" for s in full]
        text = _script_json({**data, "strings": strings, "cut": cut})


def render(board: Leaderboard, questions: QuestionSet | None = None,
           corpus: Corpus | None = None) -> str:
    """The whole page as one string: inline CSS, JS, data and (when installed) plotly.js."""
    plotly = ""
    try:
        figures = figures_html(board) if board.groups else {}
        plotly = packed_plotlyjs() if figures else ""
        plots_note = "" if board.groups else "<p class=note>No runs to plot.</p>"
    except ImportError:
        figures = {}
        plots_note = ("<p class=note>Plots need plotly: <code>pip install 'bench[report]'"
                      "</code>, then run <code>bench leaderboard</code> again.</p>")
    tables = []
    for n, group in enumerate(board.groups):
        tables.append(f"<h3>{html.escape(group_title(group))}</h3>"
                      f'<button type=button class=cols data-board="board-{n}">all columns'
                      f"</button><div class=scroll>{leaderboard_table(group, n)}</div>")
    skipped = ""
    if board.skipped:
        items = "".join(f"<li><code>{html.escape(s['file'])}</code>: {html.escape(s['error'])}"
                        "</li>" for s in board.skipped)
        skipped = f"<h2>Skipped files</h2><ul>{items}</ul>"
    encoding, data = embedded_data(page_data(board, questions, corpus))
    targets = "".join(figures.get("targets", ())) or (
        "<p class=note>No model was run at two or more confidence targets (a sweep of "
        "targets with <code>bench run</code>; see the README).</p>")
    risk = "".join(figures.get("risk", ())) or (
        "<p class=note>No run stated confidences (asked for by <code>bench run</code>, or "
        "given as <code>confidence</code> in predictions).</p>")
    return _asset("report.html").format(
        generated=html.escape(board.generated_at), resamples=RESAMPLES, seed=SEED,
        tables="".join(tables) or "<p class=note>No result file could be read.</p>",
        trade="".join(figures.get("trade", ())) or plots_note,
        heat="".join(figures.get("heat", ())) or plots_note,
        targets=targets if figures or not plots_note else plots_note,
        risk=risk if figures or not plots_note else plots_note,
        skipped=skipped, encoding=encoding, data=data, plotly=plotly,
        css=_asset("report.css"), js=_asset("report.js"),
    )
