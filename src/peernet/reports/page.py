"""The network leader's report as one self-contained web page.

The charts are drawn by Plotly (plotly.js, MIT): its Python package ships plotly.js
itself, so the page carries the library inline and opens with no network access, in any
browser, from a file or an e-mail attachment; the charts are SVG, can be zoomed, and
hovering a bar or a point names its figure. Every figure is the one the terminal's
`peernet report` prints, formatted the same way, and the page holds the same tables.
"""

import html
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from peernet.adapters.storage import redact
from peernet.projections.p2p import NetworkValue
from peernet.reports.content import GroupLine, NetworkFigures, ReportContent, Timeline
from peernet.reports.lines import (
    GROUP_HEADERS,
    attendance_rate,
    goal_rate,
    group_rows,
    pct,
    summary_lines,
)

#: what each chart is, by the id of its element on the page (tests look for each one)
CHARTS = {
    "membership": "Members, seats and the wait-list at each year's end",
    "turnover": "Turnover and retention, year by year",
    "attendance": "Attendance and goal completion, year by year",
    "p2p": "P2P activity across the network, year by year",
    "groups-fill": "Seats of each group at the end of the period",
    "groups-years": "Members of each group at each year's end",
    "groups-rates": "Turnover, retention, attendance and goal completion of each group",
    "groups-p2p": "P2P deals each group's members closed in the period",
    "timeline": "Roster timeline",
}
#: the colours of the page, one per series wherever it appears
_COLOURS = {
    "members": "#2c6e9b",
    "seats": "#b9cfe0",
    "waiting": "#e08a2c",
    "turnover": "#c0392b",
    "retention": "#27ae60",
    "attendance": "#2c6e9b",
    "goals": "#8e44ad",
    "deals": "#16a085",
    "referrals": "#f1c40f",
    "revenue": "#34495e",
}
#: the colour of a stay in the roster timeline, by how it ended
_STAY_COLOURS = {
    "active": "#2c6e9b",
    "waiting": "#f0c27b",
    "resigned": "#e08a2c",
    "voted off": "#c0392b",
    "removed": "#922b21",
    "acquired": "#7f8c8d",
    "transferred": "#16a085",
    "graduated": "#27ae60",
}
_LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 30, "t": 30, "b": 40},
    "legend": {"orientation": "h", "y": -0.15},
    "hovermode": "x unified",
}
#: the height of a chart that sets none of its own, in pixels
_HEIGHT = 380
_CONFIG = {"displaylogo": False, "responsive": True}


def _share(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value) * 100, 2)


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], table_id: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _chart(chart_id: str, figure: go.Figure, title: str | None = None) -> str:
    height = figure.layout.height or _HEIGHT
    figure.update_layout(**_LAYOUT, height=height)
    drawn = pio.to_html(
        figure,
        include_plotlyjs=False,
        full_html=False,
        div_id=f"chart-{chart_id}",
        config=_CONFIG,
        default_height=f"{height}px",
    )
    caption = f"<figcaption>{_e(title or CHARTS[chart_id])}</figcaption>"
    return f'<figure class="chart" data-chart="{chart_id}">{caption}{drawn}</figure>'


# --- year by year ----------------------------------------------------------------------


def _year_label(found: NetworkFigures) -> str:
    period = found.report.period
    if (period.end.month, period.end.day) == (12, 31):
        return str(period.start.year)
    return f"{period.start.year} (to {period.end:%d %b})"


def _membership_chart(years: Sequence[NetworkFigures]) -> str:
    labels = [_year_label(y) for y in years]
    figure = go.Figure()
    figure.add_bar(
        x=labels,
        y=[y.report.fill.capacity for y in years],
        name="seats",
        marker_color=_COLOURS["seats"],
    )
    figure.add_bar(
        x=labels,
        y=[y.report.fill.active for y in years],
        name="members",
        marker_color=_COLOURS["members"],
    )
    figure.add_scatter(
        x=labels,
        y=[len(y.report.fill.waiting) for y in years],
        name="wait-listed",
        mode="lines+markers",
        line={"color": _COLOURS["waiting"]},
    )
    figure.update_layout(barmode="overlay", yaxis_title="memberships")
    return _chart("membership", figure)


def _rates_chart(
    chart_id: str, years: Sequence[NetworkFigures], series: dict[str, list[Fraction | None]]
) -> str:
    labels = [_year_label(y) for y in years]
    figure = go.Figure()
    for name, values in series.items():
        figure.add_scatter(
            x=labels,
            y=[_share(v) for v in values],
            name=name,
            mode="lines+markers",
            line={"color": _COLOURS[name.split()[0]]},
            hovertemplate="%{y:.1f}%",
        )
    figure.update_layout(yaxis={"title": "%", "rangemode": "tozero"})
    if all(v is None for values in series.values() for v in values):
        figure.add_annotation(
            text="no rate yet: nothing was due or closed in these years",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
        )
    return _chart(chart_id, figure)


def _withheld(value: NetworkValue) -> float | None:
    return None if value.value is None else round(float(value.value), 2)


def _p2p_chart(years: Sequence[NetworkFigures]) -> str:
    labels = [_year_label(y) for y in years]
    figure = go.Figure()
    figure.add_bar(
        x=labels, y=[y.p2p.deals for y in years], name="deals", marker_color=_COLOURS["deals"]
    )
    figure.add_bar(
        x=labels,
        y=[y.p2p.referrals for y in years],
        name="referrals",
        marker_color=_COLOURS["referrals"],
    )
    currency = next((y.p2p.revenue.currency for y in years if y.p2p.revenue.currency), "")
    figure.add_scatter(
        x=labels,
        y=[_withheld(y.p2p.revenue) for y in years],
        name=f"revenue ({currency})" if currency else "revenue",
        mode="lines+markers",
        yaxis="y2",
        line={"color": _COLOURS["revenue"]},
    )
    figure.update_layout(
        yaxis_title="deals closed, referrals made",
        yaxis2={"title": "P2P revenue", "overlaying": "y", "side": "right", "showgrid": False},
    )
    return _chart("p2p", figure)


# --- group by group --------------------------------------------------------------------


def _groups_height(count: int) -> int:
    return max(300, 120 + 26 * count)


def _groups_fill_chart(lines: Sequence[GroupLine]) -> str:
    names = [line.figures.history.name for line in lines]
    figure = go.Figure()
    figure.add_bar(
        y=names,
        x=[line.figures.fill.active for line in lines],
        name="members",
        orientation="h",
        marker_color=_COLOURS["members"],
    )
    figure.add_bar(
        y=names,
        x=[max(line.figures.fill.capacity - line.figures.fill.active, 0) for line in lines],
        name="empty seats",
        orientation="h",
        marker_color=_COLOURS["seats"],
    )
    figure.add_bar(
        y=names,
        x=[len(line.figures.fill.waiting) for line in lines],
        name="wait-listed",
        orientation="h",
        marker_color=_COLOURS["waiting"],
    )
    figure.update_layout(
        barmode="stack",
        height=_groups_height(len(lines)),
        yaxis={"autorange": "reversed"},
        xaxis_title="memberships",
        hovermode="y unified",
    )
    return _chart("groups-fill", figure)


def _groups_rates_chart(lines: Sequence[GroupLine]) -> str:
    names = [line.figures.history.name for line in lines]
    figure = go.Figure()
    series = {
        "turnover": [line.figures.turnover.rate for line in lines],
        "retention": [line.figures.retention.rate for line in lines],
        "attendance": [attendance_rate(line.figures.attendance) for line in lines],
        "goals met": [goal_rate(line.figures.goals) for line in lines],
    }
    for name, values in series.items():
        figure.add_bar(
            y=names,
            x=[_share(v) for v in values],
            name=name,
            orientation="h",
            marker_color=_COLOURS[name.split()[0]],
            hovertemplate="%{x:.1f}%",
        )
    figure.update_layout(
        barmode="group",
        height=120 + 40 * len(lines),
        yaxis={"autorange": "reversed"},
        xaxis_title="%",
        hovermode="y unified",
    )
    return _chart("groups-rates", figure)


def _groups_years_chart(content: ReportContent) -> str:
    """A cell per group and year: its members at the year's end, coloured by how full
    it was (hover: members of seats, and the wait-list)."""
    names = [line.figures.history.name for line in content.groups]
    years = sorted({cell.year for cell in content.group_years})
    cells = {(cell.group, cell.year): cell.fill for cell in content.group_years}
    fills = [[cells.get((name, year)) for year in years] for name in names]
    figure = go.Figure(
        go.Heatmap(
            x=years,
            y=names,
            z=[[_share(f.rate) if f else None for f in row] for row in fills],
            text=[[str(f.active) if f else "" for f in row] for row in fills],
            customdata=[
                [
                    f"{f.active} of {f.capacity} seats, {len(f.waiting)} waiting" if f else ""
                    for f in row
                ]
                for row in fills
            ],
            texttemplate="%{text}",
            textfont={"size": 11},
            hovertemplate="%{y}, %{x}: %{customdata}<extra></extra>",
            colorscale="Blues",
            zmin=0,
            zmax=100,
            colorbar={"title": {"text": "% of seats"}},
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(
        height=_groups_height(len(names)),
        yaxis={"autorange": "reversed"},
        xaxis={"type": "category"},
        hovermode="closest",
    )
    return _chart("groups-years", figure)


def _groups_p2p_chart(lines: Sequence[GroupLine]) -> str:
    shown = [line for line in lines if line.p2p is not None]
    names = [line.figures.history.name for line in shown]
    figure = go.Figure()
    figure.add_bar(
        y=names,
        x=[line.p2p.revenue.deals for line in shown if line.p2p is not None],
        name="deals closed",
        orientation="h",
        marker_color=_COLOURS["deals"],
    )
    figure.add_bar(
        y=names,
        x=[len(line.p2p.referrals.given) for line in shown if line.p2p is not None],
        name="referrals given",
        orientation="h",
        marker_color=_COLOURS["referrals"],
    )
    figure.update_layout(
        barmode="group",
        height=_groups_height(len(shown)),
        yaxis={"autorange": "reversed"},
        hovermode="y unified",
    )
    return _chart("groups-p2p", figure)


# --- the roster timeline -----------------------------------------------------------------


def _ms(start: datetime, end: datetime) -> float:
    return (end - start) / timedelta(milliseconds=1)


def _timeline_chart(timeline: Timeline) -> str:
    until = datetime.combine(timeline.until + timedelta(days=1), datetime.min.time()).replace(
        tzinfo=timeline.formed.tzinfo
    )
    end_of_group = timeline.closed or until
    bars: dict[str, dict[str, list[Any]]] = {}

    def add(kind: str, company: str, start: datetime, end: datetime, hover: str) -> None:
        series = bars.setdefault(kind, {"y": [], "base": [], "x": [], "text": []})
        series["y"].append(company)
        series["base"].append(start.isoformat())
        series["x"].append(_ms(start, max(end, start)))
        series["text"].append(hover)

    rows: list[str] = []
    for stay in timeline.stays:
        label = stay.company if stay.company not in rows else f"{stay.company} ({stay.applied:%Y})"
        rows.append(label)
        waited_from = stay.waitlisted or stay.applied
        if stay.joined is not None and stay.waitlisted is not None:
            add("waiting", label, waited_from, stay.joined, f"wait-listed {waited_from:%Y-%m-%d}")
        if stay.joined is None:
            add(
                "waiting",
                label,
                waited_from,
                stay.left or end_of_group,
                f"applied {stay.applied:%Y-%m-%d}, never seated",
            )
            continue
        ended = stay.departure or "active"
        how = "by transfer" if stay.transferred_in else ""
        add(
            ended if ended in _STAY_COLOURS else "removed",
            label,
            stay.joined,
            stay.left or end_of_group,
            f"joined {stay.joined:%Y-%m-%d} {how}; "
            + (f"{ended} {stay.left:%Y-%m-%d}" if stay.left else "a member"),
        )
    figure = go.Figure()
    for kind, series in bars.items():
        figure.add_bar(
            y=series["y"],
            x=series["x"],
            base=series["base"],
            text=series["text"],
            name=kind,
            orientation="h",
            marker_color=_STAY_COLOURS.get(kind, "#95a5a6"),
            hovertemplate="%{y}: %{text}<extra></extra>",
            textposition="none",
        )
    figure.update_layout(
        barmode="overlay",
        height=max(320, 120 + 22 * len(rows)),
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": rows},
        hovermode="closest",
    )
    return _chart("timeline", figure, f"{CHARTS['timeline']} of {timeline.name}")


# --- the tables --------------------------------------------------------------------------


def _value(value: NetworkValue) -> str:
    if value.value is None:
        return "withheld"
    if value.currency:
        return f"{value.value:,.2f} {value.currency}"
    return pct(Fraction(value.value))


def _year_rows(years: Sequence[NetworkFigures]) -> list[tuple[str, ...]]:
    return [
        (
            _year_label(y),
            f"{y.report.fill.active}/{y.report.fill.capacity}",
            str(len(y.report.fill.waiting)),
            pct(y.report.turnover.rate),
            pct(y.report.retention.rate),
            pct(y.report.attendance.rate),
            f"{y.report.goals.met}/{len(y.report.goals.due)}",
            str(y.p2p.deals),
            _value(y.p2p.revenue),
        )
        for y in years
    ]


def _p2p_rows(lines: Sequence[GroupLine]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for line in lines:
        if line.p2p is None:
            continue
        totals = line.p2p.revenue.totals
        rows.append(
            (
                line.figures.history.name,
                str(line.p2p.revenue.deals),
                "; ".join(f"{a:,.2f} {c}" for c, a in totals.items()) or "0",
                str(len(line.p2p.referrals.given)),
                str(len(line.p2p.referrals.received)),
                pct(line.p2p.density.rate),
            )
        )
    return rows


# --- the page ------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1180px; padding: 1.5rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem;
  border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
.meta { color: #666; margin-top: 0; } nav.contents { margin: .6rem 0; }
nav.contents a { color: #2c6e9b; text-decoration: none; } .note { color: #666; font-style: italic; }
ul.summary { line-height: 1.6; } figure.chart { margin: 1rem 0; }
figcaption { font-weight: 600; margin-bottom: .2rem; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #e3e3e3; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f4f6f8; }
"""


def _contents(content: ReportContent) -> str:
    """Links to the sections of the page."""
    sections = [
        ("years-by-year", "year by year"),
        ("by-group", "groups"),
        ("p2p-by-group", "P2P of each group"),
    ]
    if content.timeline is not None:
        sections.append(("roster", f"the roster of {content.timeline.name}"))
    sections.append(("growth-by-quarter", "growth per quarter"))
    links = " · ".join(f'<a href="#{anchor}">{_e(label)}</a>' for anchor, label in sections)
    return f'<nav class="contents">{links}</nav>'


def render(content: ReportContent, generated: date | None = None) -> str:
    """The report as one HTML page, plotly.js inline: it needs no network to open."""
    period, reader = content.period, content.reader
    who = f"{reader.role.value} {reader.name}"
    parts = [
        f"<h1>The network, {period.start} to {period.end}</h1>",
        f'<p class="meta">{_e(redact(content.store))}; read as {_e(who)}'
        + (f"; written {generated}" if generated else "")
        + "</p>",
        _contents(content),
        '<ul class="summary">'
        + "".join(f"<li>{_e(line)}</li>" for line in summary_lines(content.network.report))
        + "</ul>",
        '<h2 id="years-by-year">Year by year</h2>',
        '<div class="pair">',
        _membership_chart(content.years),
        _rates_chart(
            "turnover",
            content.years,
            {
                "turnover": [y.report.turnover.rate for y in content.years],
                "retention": [y.report.retention.rate for y in content.years],
            },
        ),
        _rates_chart(
            "attendance",
            content.years,
            {
                "attendance": [y.report.attendance.rate for y in content.years],
                "goals met": [y.report.goals.rate for y in content.years],
            },
        ),
        _p2p_chart(content.years),
        "</div>",
        _table(
            (
                "year",
                "members/seats",
                "waiting",
                "turnover",
                "retention",
                "attendance",
                "goals met",
                "P2P deals",
                "P2P revenue",
            ),
            _year_rows(content.years),
            "years",
        ),
        '<p class="note">P2P revenue is withheld in a year with too few companies behind it, '
        "or one company above the network charter's share of it.</p>",
        f'<h2 id="by-group">{len(content.groups)} groups, {period.start} to {period.end}</h2>',
        _table(GROUP_HEADERS, group_rows([line.figures for line in content.groups]), "groups"),
    ]
    if content.groups:
        parts += [
            _groups_fill_chart(content.groups),
            _groups_years_chart(content),
            _groups_rates_chart(content.groups),
        ]
    parts.append('<h2 id="p2p-by-group">P2P activity of each group</h2>')
    if content.p2p_shown:
        parts += [
            _groups_p2p_chart(content.groups),
            _table(
                (
                    "group",
                    "deals closed",
                    "members' P2P revenue",
                    "referrals given",
                    "received",
                    "density",
                ),
                _p2p_rows(content.groups),
                "groups-p2p",
            ),
        ]
    else:
        parts.append(
            f'<p class="note" id="p2p-confidential">Confidential to each group: its active '
            f"members, its facilitator and the network's auditors read it, not {_e(who)}.</p>"
        )
    if content.timeline is not None:
        parts += [
            f'<h2 id="roster">The roster of {_e(content.timeline.name)}</h2>',
            _timeline_chart(content.timeline),
        ]
    parts += [
        '<h2 id="growth-by-quarter">Growth per quarter</h2>',
        _table(
            ("quarter", "groups", "companies"),
            [
                (q.label, str(q.groups), str(q.companies))
                for q in content.network.report.growth.quarters
            ],
            "growth",
        ),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>peernet report, {period.start} to {period.end}</title>"
        f"<style>{_STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body>" + "\n".join(parts) + "</body></html>\n"
    )
