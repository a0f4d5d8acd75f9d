"""The network leader's report as a web page: `peernet report --html FILE`.

`gather` reads what the report shows (the figures `peernet report` prints, year by year
and group by group, a group's roster timeline and P2P activity) for one reader; `render`
writes it as one self-contained HTML page with its charts (plotly.js inline).

The page's names (`render`, `CHARTS`) are imported when first read: the page draws with
plotly, which takes longer to import than the rest of peernet's command line, and which
the report in the terminal (`peernet.reports.lines`) never needs.
"""

from typing import TYPE_CHECKING

from peernet.reports.content import (
    GroupLine as GroupLine,
    GroupYear as GroupYear,
    NetworkFigures as NetworkFigures,
    ReportContent as ReportContent,
    StayLine as StayLine,
    Timeline as Timeline,
    gather as gather,
)

if TYPE_CHECKING:
    from peernet.reports.page import CHARTS as CHARTS, render as render

_PAGE = frozenset({"CHARTS", "render"})


def __getattr__(name: str) -> object:
    """`render` and `CHARTS`, from the page module, imported on first use."""
    if name not in _PAGE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from peernet.reports import page  # noqa: PLC0415 - plotly only when a page is drawn

    return getattr(page, name)


__all__ = [
    "CHARTS",
    "GroupLine",
    "GroupYear",
    "NetworkFigures",
    "ReportContent",
    "StayLine",
    "Timeline",
    "gather",
    "render",
]
