"""The plots of leaderboard.html: the abstention trade-off, accuracy per tag, the score against
the confidence target per model, and the risk-coverage curve of stated confidences per run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bench.results.leaderboard import group_name
from bench.results.metrics import risk_coverage

if TYPE_CHECKING:
    from bench.results.leaderboard import Leaderboard

SECTIONS = ("trade", "heat", "targets", "risk")
"""The page's plot sections, in page order."""


def figures_html(board: Leaderboard) -> dict[str, list[str]]:
    """The plots as HTML fragments by section, drawn once the page has unpacked plotly.js
    (`packed_plotlyjs`).

    Figures are plain dicts rendered without validation: building plotly's figure objects
    costs more than everything else on the page.
    """
    import plotly.io as pio

    config = {"displaylogo": False, "responsive": True}
    axis = {"gridcolor": "#eee", "zeroline": False}
    traces: list[dict[str, Any]] = []
    for group in board.groups:
        runs = [r.row.model_dump() for r in group.runs if r.row.correct_rate is not None]
        traces.append({
            # Labels for ranked runs only (the rest on hover), above or below their point by
            # turns, so that neighbours do not print over each other.
            "type": "scatter", "mode": "markers+text",
            "textposition": [_label_side(runs, i) for i in range(len(runs))],
            "text": [r["run_id"] if r["rank"] is not None else "" for r in runs],
            "textfont": {"size": 10}, "cliponaxis": False,
            "x": [r["incorrect_rate"] for r in runs], "y": [r["correct_rate"] for r in runs],
            "name": group_name(group),
            "customdata": [[r["run_id"], r["model"] or "-", r["backend"] or "-",
                            r["mode"] or "-", r["not_attempted_rate"], r["rank_label"]]
                           for r in runs],
            "hovertemplate": "<b>%{customdata[0]}</b> (rank %{customdata[5]})<br>"
            "%{customdata[1]} · %{customdata[2]} · %{customdata[3]}<br>correct %{y:.1%}, "
            "incorrect %{x:.1%}, not attempted %{customdata[4]:.1%}<extra></extra>",
            "marker": {"size": 9, "opacity": 0.8},
        })
    traces.append({"type": "scatter", "mode": "lines", "x": [0, 1], "y": [1, 0],
                   "name": "never abstains", "hoverinfo": "skip",
                   "line": {"dash": "dot", "color": "#999"}})
    figs: list[tuple[str, dict[str, Any]]] = [("plot-tradeoff", {"data": traces, "layout": {
        "height": 480, "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "xaxis": {**axis, "title": {"text": "incorrect rate"}, "tickformat": ".0%",
                  "range": [-0.05, 1.05]},
        "yaxis": {**axis, "title": {"text": "correct rate"}, "tickformat": ".0%",
                  "range": [-0.05, 1.08]},
        "legend": {"orientation": "h", "y": -0.15}, "hovermode": "closest",
    }})]
    for gi, group in enumerate(board.groups):
        totals: dict[str, int] = {}
        for run in group.runs:
            for tag, figures in run.result.metrics.by_tag.items():
                totals[tag] = max(totals.get(tag, 0), figures.n)
        if not totals:
            continue
        tags = sorted(totals, key=lambda t: (-totals[t], t))
        heat = {
            "type": "heatmap", "x": tags, "y": [r.row.run_id for r in group.runs],
            "z": [[_tag_rate(run.result.metrics.by_tag, t) for t in tags]
                  for run in group.runs],
            "zmin": 0, "zmax": 1, "colorscale": "Viridis",
            "colorbar": {"title": {"text": "correct"}, "tickformat": ".0%"},
            "hovertemplate": "%{y}<br>%{x}: %{z:.1%} correct<extra></extra>",
        }
        figs.append((f"plot-tags-{gi}", {"data": [heat], "layout": {
            "height": min(1800, max(320, 22 * len(group.runs) + 160)),
            "margin": {"l": 20, "r": 20, "t": 30, "b": 100},
            "title": {"text": group_name(group), "font": {"size": 13}},
            # automargin: the left margin grows to the longest run id, never cutting it.
            "yaxis": {"autorange": "reversed", "type": "category", "automargin": True},
            "xaxis": {"type": "category", "automargin": True},
        }}))
    sections = {"trade": figs[:1], "heat": figs[1:], "targets": _target_figures(board, axis),
                "risk": _risk_figures(board, axis)}
    out: dict[str, list[str]] = {}
    for name in SECTIONS:
        # Each figure's script waits (an inert type) until the page has unpacked plotly.js.
        out[name] = [pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id,
                                 config=config, validate=False)
                     .replace("<script>", '<script type="text/x-bench-plot">')
                     for div_id, fig in sections[name]]
    return out


def packed_plotlyjs() -> str:
    """plotly.js, deflated and base64-encoded: 2.0 MB in the page instead of 4.8 MB. The page
    unpacks it with DecompressionStream, as it does its data, then draws the figures."""
    import base64
    import zlib

    from plotly.offline import get_plotlyjs

    return base64.b64encode(zlib.compress(get_plotlyjs().encode("utf-8"), 9)).decode("ascii")


def _target_figures(board: Leaderboard, axis: dict[str, Any]) -> list[tuple[str, Any]]:
    """Score against confidence target, a line per model run at several targets."""
    if not board.target_curves:
        return []
    traces = []
    for curve in board.target_curves:
        points = [p for p in curve.points if p.score is not None]
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": curve.name,
            "x": [p.t for p in points], "y": [p.score for p in points],
            "error_y": {"type": "data", "symmetric": False,
                        "array": [(p.score_ci95[1] - (p.score or 0)) if p.score_ci95 else 0
                                  for p in points],
                        "arrayminus": [((p.score or 0) - p.score_ci95[0]) if p.score_ci95
                                       else 0 for p in points]},
            "customdata": [[p.run_id, p.abstention_rate, "" if p.complete else " (incomplete)"]
                           for p in points],
            "hovertemplate": "<b>%{customdata[0]}</b>%{customdata[2]}<br>t %{x}: score "
            "%{y:+.3f}, abstained %{customdata[1]:.1%}<extra>" + curve.name + "</extra>",
        })
    return [("plot-targets", {"data": traces, "layout": {
        "height": 420, "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "xaxis": {**axis, "title": {"text": "confidence target t (a wrong answer costs "
                                            "t/(1-t))"}, "range": [-0.03, 1]},
        "yaxis": {**axis, "title": {"text": "score at t"}, "zeroline": True},
        "legend": {"orientation": "h", "y": -0.2}, "hovermode": "closest"}})]


def _risk_figures(board: Leaderboard, axis: dict[str, Any]) -> list[tuple[str, Any]]:
    """The risk-coverage curve of every run that stated confidences."""
    traces = []
    for group in board.groups:
        for run in group.runs:
            if run.result.metrics.selective is None:
                continue
            curve = risk_coverage(run.result.records)
            if not curve:
                continue
            traces.append({
                "type": "scatter", "mode": "lines", "line": {"shape": "hv"},
                "name": run.row.run_id, "x": [c for c, _ in curve], "y": [r for _, r in curve],
                "hovertemplate": "coverage %{x:.0%}: %{y:.1%} wrong<extra>" + run.row.run_id
                + "</extra>"})
    if not traces:
        return []
    return [("plot-risk", {"data": traces, "layout": {
        "height": 420, "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "xaxis": {**axis, "title": {"text": "coverage (answers kept, most confident first)"},
                  "tickformat": ".0%", "range": [0, 1.02]},
        "yaxis": {**axis, "title": {"text": "risk (share of those wrong)"},
                  "tickformat": ".0%", "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.2}, "hovermode": "closest"}})]


def _label_side(runs: list[dict[str, Any]], i: int) -> str:
    """Above its point, or below when a point close by (within 8 points of the axes) already
    has its label above; at the top of the plot, below."""
    r = runs[i]
    if r["correct_rate"] > 0.92:
        return "bottom center"
    above = 0
    for other in runs[:i]:
        near = (abs(other["correct_rate"] - r["correct_rate"]) < 0.08
                and abs(other["incorrect_rate"] - r["incorrect_rate"]) < 0.25)
        above += near
    return "top center" if above % 2 == 0 else "bottom center"


def _tag_rate(by_tag: dict[str, Any], tag: str) -> float | None:
    figures = by_tag.get(tag)
    return None if figures is None else figures.correct_rate
