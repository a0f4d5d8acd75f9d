"""The network leader's report as a web page: `peernet report --html FILE`.

`gather` reads what the report shows (the figures `peernet report` prints, year by year
and group by group, a group's roster timeline and P2P activity) for one reader; `render`
writes it as one self-contained HTML page with its charts (plotly.js inline).
"""

from peernet.reports.content import (
    GroupLine as GroupLine,
    GroupYear as GroupYear,
    NetworkFigures as NetworkFigures,
    ReportContent as ReportContent,
    StayLine as StayLine,
    Timeline as Timeline,
    gather as gather,
)
from peernet.reports.page import CHARTS as CHARTS, render as render

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
