"""Charts of a client report, drawn on the server with matplotlib (no script in the page:
the CSP forbids it): SVG for the portal, PNG for e-mail and the PDF. Each chart's numbers are
also shown as a table beside it by whoever shows the chart.

matplotlib's object API (a Figure per chart, the Agg canvas, no pyplot state) is safe to use
from the threads of a web process; it is imported on first use, so processes that never draw
do not pay for it."""
from __future__ import annotations

import io
from functools import lru_cache

from portal.selectors.reports.figures import ClientReport, Row

BAR = "#2f6f9f"
BAR_LIGHT = "#a9c6dc"
PREVIOUS = "#b9b9b9"
INK = "#333333"


@lru_cache(maxsize=1)
def _matplotlib():
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return matplotlib, Figure


def _render(figure, fmt: str) -> bytes:
    matplotlib, _ = _matplotlib()
    out = io.BytesIO()
    # svg.hashsalt: the same chart gives the same bytes (ids inside the SVG); text kept as text.
    with matplotlib.rc_context({"svg.hashsalt": "form-bridge", "svg.fonttype": "none"}):
        figure.savefig(out, format=fmt, dpi=144 if fmt == "png" else 72, bbox_inches="tight",
                       metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


def _style(axes, *, counts_on: str = "y") -> None:
    from matplotlib.ticker import MaxNLocator

    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=INK, labelsize=8)
    (axes.yaxis if counts_on == "y" else axes.xaxis).set_major_locator(MaxNLocator(integer=True))


def days_chart(report: ClientReport, *, fmt: str = "svg") -> bytes:
    """Submissions per day of the report's month (spam stacked above, lighter)."""
    _, Figure = _matplotlib()
    figure = Figure(figsize=(7.2, 2.4))
    axes = figure.subplots()
    days = report.current.days
    x = [day.day for day, _, _ in days]
    submissions = [n for _, n, _ in days]
    spam = [s for _, _, s in days]
    axes.bar(x, submissions, color=BAR, width=0.75, label="Submissions")
    if any(spam):
        axes.bar(x, spam, bottom=submissions, color=BAR_LIGHT, width=0.75, label="Spam caught")
        axes.legend(frameon=False, fontsize=8, loc="upper left")
    axes.set_xlim(0.3, len(days) + 0.7)
    axes.set_xticks([d for d in x if d == 1 or d % 5 == 0])
    axes.set_xlabel(report.month.strftime("%B %Y"), fontsize=8, color=INK)
    axes.set_ylim(bottom=0, top=max([a + b for a, b in zip(submissions, spam)] + [1]) * 1.15)
    _style(axes)
    return _render(figure, fmt)


def compare_chart(rows: list[Row], *, month_label: str, previous_label: str, fmt: str = "svg") -> bytes:
    """This month beside the previous one, one pair of horizontal bars per row (forms, pages)."""
    _, Figure = _matplotlib()
    rows = rows[:10]
    figure = Figure(figsize=(7.2, 0.45 * max(len(rows), 1) + 0.8))
    axes = figure.subplots()
    labels = [_short(row.label) for row in rows]
    positions = list(range(len(rows)))
    axes.barh([p + 0.2 for p in positions], [row.previous or 0 for row in rows], height=0.4, color=PREVIOUS,
              label=previous_label)
    axes.barh([p - 0.2 for p in positions], [row.current or 0 for row in rows], height=0.4, color=BAR,
              label=month_label)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.legend(frameon=False, fontsize=8, loc="lower right")
    _style(axes, counts_on="x")
    return _render(figure, fmt)


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
