"""The demo's figures, read from the projections as `peernet report` reads them: each
year's groups, seats, wait-list, departures, turnover, goals and attendance come from
`peernet.projections.network_report` over that year, so the demo and the report never
disagree (the tally keeps only counts of events no figure reads: registrations, offers,
goals set and withdrawn, motions, money).
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from peernet import Network
from peernet.adapters.readmodels import ReadModels
from peernet.demo.replica import DEFAULT_GOAL_CATEGORIES
from peernet.demo.story import YearStory
from peernet.projections import (
    GoalEntries,
    GroupHistories,
    MeetingRolls,
    NetworkReport,
    Period,
    network_report,
)

#: `GroupFormat` values as the demo's year table names them
IN_PERSON, VIRTUAL = "in-person", "virtual"


def year_report(models: ReadModels, year: int) -> NetworkReport:
    """The network's figures over one calendar year, read from the read models."""
    return network_report(
        models.views(GroupHistories.name),
        models.views(GoalEntries.name).values(),
        models.views(MeetingRolls.name).values(),
        Period.year(year),
    )


def with_figures(network: Network, stories: Iterable[YearStory]) -> tuple[YearStory, ...]:
    """The year stories with every figure replaced by the projections' reading."""
    models = ReadModels(network)
    return tuple(_figured(story, year_report(models, story.year)) for story in stories)


def _figured(story: YearStory, found: NetworkReport) -> YearStory:
    last = found.growth.quarters[-1]
    seen = found.attendance
    due = Counter(g.category for g in found.goals.due)
    met = Counter(g.category for g in found.goals.due if g.status == "met")
    changes: dict[str, Any] = {
        "in_person_groups": found.formats.get(IN_PERSON, 0),
        "virtual_groups": found.formats.get(VIRTUAL, 0),
        "companion_groups": sum(
            1
            for g in found.groups
            if g.history.kind != "core" and g.history.open_before(found.period.ends)
        ),
        "joined": len(found.fill.seated),
        "waitlisted": len(found.fill.listed),
        "departures": _departures(found),
        "turnover": None if found.turnover.rate is None else float(found.turnover.rate),
        "active_members": found.fill.active,
        "active_companies": last.companies,
        "waiting": len(found.fill.waiting),
        "goals_due": _by_category(due),
        "goals_met": _by_category(met),
        "goals_missed": _by_category(due - met),
        "meetings": seen.meetings,
        "attendance": dict(sorted(Counter(p.mark for p in seen.expected).items())),
        "attendance_rate": None if seen.rate is None else float(seen.rate),
    }
    return attrs.evolve(story, **changes)


def _departures(found: NetworkReport) -> dict[str, int]:
    """Departures by reason, a removal by its cause ("non-payment", "other")."""
    return dict(sorted(Counter(d.why for d in found.turnover.departures).items()))


def _by_category(counts: Counter[str]) -> dict[str, int]:
    """Counts in the order of the default charter's categories, then any other."""
    order = {c: i for i, c in enumerate(DEFAULT_GOAL_CATEGORIES)}
    return dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
