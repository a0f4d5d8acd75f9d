"""What the network leader's report holds, read once from the store: the figures of the
report period for the network and each group (the terminal's `peernet report`), the
same figures year by year, the roster timeline of one group, and its P2P activity.

Every figure is read the way `peernet report` reads it: the read models kept in the
store (`GroupHistories`, `GoalEntries`, `MeetingRolls`), folded by the functions of
`peernet.projections.figures` over the period; the network's P2P figures come from
`Network.p2p_figures` and a group's from `Network.group_p2p`, so that what a group keeps
to itself reaches only the readers the access rules let in (docs/confidentiality.md).
Nothing is written: a report runs on a store opened to read.
"""

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

import attrs

from peernet import AccessDenied, InvalidInput, Network, Reader
from peernet.adapters.readmodels import ReadModels
from peernet.partnerviews import GroupP2P, NetworkP2P
from peernet.projections import (
    GoalEntries,
    GoalEntry,
    GroupHistories,
    GroupHistory,
    MeetingRoll,
    MeetingRolls,
    figures,
)


@attrs.frozen(kw_only=True)
class GroupLine:
    """One group's figures over the report period: the terminal report's row, and its
    P2P activity when the reader may see it (None otherwise)."""

    history: GroupHistory
    turnover: figures.Turnover
    retention: figures.Retention
    fill: figures.Fill
    goals: figures.GoalCompletion
    attendance: figures.AttendanceRate
    p2p: GroupP2P | None


@attrs.frozen(kw_only=True)
class NetworkFigures:
    """The network's figures over one period."""

    period: figures.Period
    turnover: figures.Turnover
    retention: figures.Retention
    fill: figures.Fill
    goals: figures.GoalCompletion
    attendance: figures.AttendanceRate
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
    growth: figures.Growth
    groups: tuple[GroupLine, ...]
    years: tuple[NetworkFigures, ...]
    #: each group of the report, year by year
    group_years: tuple[GroupYear, ...]
    timeline: Timeline | None

    @property
    def p2p_shown(self) -> bool:
        """Whether the reader sees at least one group's P2P activity."""
        return any(line.p2p is not None for line in self.groups)


@attrs.frozen
class _Views:
    histories: dict[str, GroupHistory]
    goals: dict[str, GoalEntry]
    rolls: dict[str, MeetingRoll]

    def goals_of(self) -> dict[str, list[GoalEntry]]:
        found: dict[str, list[GoalEntry]] = {}
        for goal in self.goals.values():
            found.setdefault(goal.group_id, []).append(goal)
        return found

    def rolls_of(self) -> dict[str, list[MeetingRoll]]:
        found: dict[str, list[MeetingRoll]] = {}
        for roll in self.rolls.values():
            found.setdefault(roll.group_id, []).append(roll)
        return found


def _read_views(network: Network) -> _Views:
    models = ReadModels(network)
    return _Views(
        histories=models.views(GroupHistories.name),
        goals=models.views(GoalEntries.name),
        rolls=models.views(MeetingRolls.name),
    )


def _network_figures(network: Network, views: _Views, period: figures.Period) -> NetworkFigures:
    histories = views.histories.values()
    return NetworkFigures(
        period=period,
        turnover=figures.turnover(histories, period),
        retention=figures.retention(histories, period),
        fill=figures.fill(histories, period),
        goals=figures.goal_completion(views.goals.values(), period),
        attendance=figures.attendance(views.rolls.values(), period),
        p2p=network.p2p_figures(period),
    )


def _group_p2p(
    network: Network, history: GroupHistory, period: figures.Period, reader: Reader
) -> GroupP2P | None:
    try:
        return network.group_p2p(UUID(history.group_id), period, reader=reader)
    except AccessDenied:
        return None


def in_period(history: GroupHistory, period: figures.Period) -> bool:
    """Whether the group was open at some time in the period (formed by its end, not
    closed before its start): the groups the report has a line for."""
    return history.formed_at < period.ends and (
        history.closed_at is None or history.closed_at >= period.begins
    )


def _group_lines(
    network: Network, views: _Views, period: figures.Period, reader: Reader
) -> tuple[GroupLine, ...]:
    goals_of, rolls_of = views.goals_of(), views.rolls_of()
    lines = []
    for h in sorted(views.histories.values(), key=lambda h: h.formed_at):
        if not in_period(h, period):
            continue
        lines.append(
            GroupLine(
                history=h,
                turnover=figures.turnover([h], period, h.group_id),
                retention=figures.retention([h], period, h.group_id),
                fill=figures.fill([h], period, h.group_id),
                goals=figures.goal_completion(goals_of.get(h.group_id, []), period, h.group_id),
                attendance=figures.attendance(rolls_of.get(h.group_id, []), period, h.group_id),
                p2p=_group_p2p(network, h, period, reader),
            )
        )
    return tuple(lines)


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
            group=line.history.name,
            year=str(year.start.year),
            fill=figures.fill([line.history], year, line.history.group_id)
            if in_period(line.history, year)
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
    views = _read_views(network)
    histories = views.histories.values()
    first = min((h.formed_at.date() for h in histories), default=period.start)
    if first_year is not None:
        first = date(first_year, 1, 1)
    years = _years(min(first, period.end), period.end)
    chosen = _chosen(histories, timeline_of)
    groups = _group_lines(network, views, period, reader)
    return ReportContent(
        store=network.url,
        reader=reader,
        period=period,
        target=target or figures.Target(),
        network=_network_figures(network, views, period),
        growth=figures.growth(histories, period, target or figures.Target()),
        groups=groups,
        years=tuple(_network_figures(network, views, year) for year in years),
        group_years=_group_years(groups, years),
        timeline=None if chosen is None else _timeline(network, chosen, period.end, reader),
    )
