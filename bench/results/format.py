"""How numbers and tables look, in the terminal and in markdown: one place for every renderer.

Rates are shown in percent with one decimal; the F-score is a fraction with three decimals,
everywhere, and its interval the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def pct(value: float | None, digits: int = 1) -> str:
    """A rate in [0, 1] as a percentage without the sign; `-` when unknown."""
    return "-" if value is None else f"{100 * value:.{digits}f}"


def num(value: float | None, fmt: str = ".3f") -> str:
    """A number, or `-` when unknown."""
    return "-" if value is None else format(value, fmt)


def fmt_f(value: float | None) -> str:
    """An F-score: a fraction with three decimals."""
    return num(value)


def fmt_ci(ci: Sequence[float] | None) -> str:
    """An interval of fractions, e.g. `0.52–0.61`; `-` when there is none."""
    return "-" if not ci else f"{ci[0]:.2f}–{ci[1]:.2f}"


def clip(text: str | None, width: int) -> str:
    """One line of at most `width` characters; newlines folded, a cut marked with `…`."""
    if text is None:
        return "-"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + "…"


def elide(text: str, width: int) -> str:
    """At most `width` characters, cutting the middle so that both ends stay readable.

    Run ids differ at their ends (`openai-gpt-4o-...-closed-book` vs `...-open-book`)."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    if width < 5:
        return clip(flat, width)
    head = (width - 1) // 2
    tail = width - 1 - head
    return flat[:head] + "…" + flat[-tail:]


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
           max_width: int = 60, widths: Sequence[int] | None = None) -> str:
    """Left-aligned text columns with a rule under the header.

    Columns are as wide as their widest cell (at most `max_width`), or exactly `widths`;
    a longer cell is clipped with an ellipsis."""
    if widths is None:
        cells = [[clip(str(c), max_width) for c in row] for row in rows]
        widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    else:
        cells = [[clip(str(c), w) for c, w in zip(row, widths, strict=True)] for row in rows]
    head = [clip(h, w) for h, w in zip(headers, widths, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in (head, *cells)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_cell(value: Any) -> str:
    """A markdown table cell: pipes escaped, one line."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A GitHub-flavoured markdown table, as lines."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 error", "2 errors"; `many` for a plural that is not the word and an s."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
