"""What the network leader's report holds, read once from the store: the figures of the
report period for the network and each group (the terminal's `peernet report`), the
same figures year by year, the roster timeline of one group, and its P2P activity.

Every figure is the one `peernet report` prints: `Network.figures` (the projections'
`network_report`) for the network and each group, as the reader may see them;
`Network.p2p_figures` for the network's P2P figures and `Network.group_p2p` for a
group's, so that what a group keeps to itself reaches only the readers the access rules
let in (docs/confidentiality.md). Nothing is written: a report runs on a store opened to read.
"""

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

import attrs

from peernet import AccessDenied, InvalidInput, Network, Reader
from peernet.adapters.readmodels import ReadModels
from peernet.partnerviews import GroupP2P, NetworkP2P
from peernet.projections import GroupHistories, GroupHistory, figures
from peernet.projections.summary import GroupFigures, NetworkReport, in_period


@attrs.frozen(kw_only=True)
class GroupLine:
    """One group's line: its figures over the report period as `Network.figures` gives
    them to the reader (the terminal report's row), and its P2P activity when the reader
    may see it (None otherwise)."""

    figures: GroupFigures
    p2p: GroupP2P | None


@attrs.frozen(kw_only=True)
class NetworkFigures:
    """The network's figures over one period, as `Network.figures` gives them, and its
    P2P figures."""

    report: NetworkReport
    p2p: NetworkP2P


@attrs.frozen(kw_only=True)
class GroupYear:
    """One group's seats at the end of one year (None before it was formed or after it
    closed)."""

    group: str
    year: str
    fill: figures.Fill | None


@attrs.frozen(kw_only=True)
class StayLine:
    """One membership of the timeline's group: who, from when to when, and how it ended
    (`departure` None while it lasts; `seated` False for an applicant never seated)."""

    company: str
    applied: datetime
    waitlisted: datetime | None
    joined: datetime | None
    left: datetime | None
    departure: str | None
    transferred_in: bool

    @property
    def seated(self) -> bool:
        return self.joined is not None


@attrs.frozen(kw_only=True)
class Timeline:
    """The roster of one group over its life, a line per membership."""

    group_id: str
    name: str
    formed: datetime
    closed: datetime | None
    #: the last day the store knows of (where a stay still open is drawn to)
    until: date
    stays: tuple[StayLine, ...]


@attrs.frozen(kw_only=True)
class ReportContent:
    """Everything the report page shows, for one reader."""

    store: str
    reader: Reader
    period: figures.Period
    target: figures.Target
    network: NetworkFigures
    groups: tuple[GroupLine, ...]
    years: tuple[NetworkFigures, ...]
    #: each group of the report, year by year
    group_years: tuple[GroupYear, ...]
    timeline: Timeline | None

    @property
    def p2p_shown(self) -> bool:
        """Whether the reader sees at least one group's P2P activity."""
        return any(line.p2p is not None for line in self.groups)


def _network_figures(
    network: Network, period: figures.Period, reader: Reader, target: figures.Target | None
) -> NetworkFigures:
    report = network.figures(period, target=target, reader=reader)
    return NetworkFigures(report=report, p2p=network.p2p_figures(period))


def _group_p2p(
    network: Network, history: GroupHistory, period: figures.Period, reader: Reader
) -> GroupP2P | None:
    try:
        return network.group_p2p(UUID(history.group_id), period, reader=reader)
    except AccessDenied:
        return None


def _group_lines(network: Network, report: NetworkReport, reader: Reader) -> tuple[GroupLine, ...]:
    return tuple(
        GroupLine(figures=g, p2p=_group_p2p(network, g.history, report.period, reader))
        for g in report.groups
    )


def _years(first: date, last: date) -> list[figures.Period]:
    """A period a year from `first`'s year to `last`'s; the last one ends on `last`."""
    return [
        figures.Period(date(year, 1, 1), min(date(year, 12, 31), last))
        for year in range(first.year, last.year + 1)
    ]


def _group_years(
    lines: Iterable[GroupLine], years: Iterable[figures.Period]
) -> tuple[GroupYear, ...]:
    return tuple(
        GroupYear(
            group=line.figures.history.name,
            year=str(year.start.year),
            fill=figures.fill([line.figures.history], year, line.figures.history.group_id)
            if in_period(line.figures.history, year)
            else None,
        )
        for line in lines
        for year in years
    )


def _timeline(network: Network, history: GroupHistory, until: date, reader: Reader) -> Timeline:
    names = {str(c.company_id): c.name for c in network.companies(reader=reader)}
    stays = sorted(
        history.stays.values(), key=lambda s: (s.joined_at or s.applied_at, s.applied_at)
    )
    return Timeline(
        group_id=history.group_id,
        name=history.name,
        formed=history.formed_at,
        closed=history.closed_at,
        until=until,
        stays=tuple(
            StayLine(
                company=names.get(s.company_id, s.company_id),
                applied=s.applied_at,
                waitlisted=s.waitlisted_at,
                joined=s.joined_at,
                left=s.left_at,
                departure=s.departure,
                transferred_in=s.transferred_in,
            )
            for s in stays
        ),
    )


def _chosen(histories: Iterable[GroupHistory], group_id: UUID | None) -> GroupHistory | None:
    found = list(histories)
    if group_id is not None:
        named = [h for h in found if h.group_id == str(group_id)]
        if not named:
            raise InvalidInput(f"no group {group_id} in the store; `peernet groups` lists them")
        return named[0]
    # by default the group with the longest story: the most memberships, then the oldest
    return min(found, key=lambda h: (-len(h.stays), h.formed_at), default=None)


def gather(  # noqa: PLR0917 - the report's parts, each named at the call
    network: Network,
    period: figures.Period,
    reader: Reader,
    target: figures.Target | None = None,
    timeline_of: UUID | None = None,
    first_year: int | None = None,
) -> ReportContent:
    """Read what the report shows over `period`, as `reader` may see it: the network and
    each group over the period, the network year by year (from `first_year`, by default
    the year the first group was formed, to the period's end) and the roster timeline of
    the group `timeline_of` (by default the group with the most memberships)."""
    histories = ReadModels(network).views(GroupHistories.name).values()
    first = min((h.formed_at.date() for h in histories), default=period.start)
    if first_year is not None:
        first = date(first_year, 1, 1)
    years = _years(min(first, period.end), period.end)
    chosen = _chosen(histories, timeline_of)
    found = _network_figures(network, period, reader, target)
    groups = _group_lines(network, found.report, reader)
    return ReportContent(
        store=network.url,
        reader=reader,
        period=period,
        target=target or figures.Target(),
        network=found,
        groups=groups,
        years=tuple(_network_figures(network, year, reader, target) for year in years),
        group_years=_group_years(groups, years),
        timeline=None if chosen is None else _timeline(network, chosen, period.end, reader),
    )
