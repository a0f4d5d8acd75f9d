"""`GoalEntries`: every accountability goal, with its group, member, due date and outcome.

One view per goal: a view never grows, so a fold never copies more than one goal, and a
rebuild holds only the goals its recent events touched. A goal is due on its target's due
date (the latest revision's); it is open until the group reviews it (met or missed) or it
is withdrawn. Goal completion for a period is read from these views
(`peernet.projections.figures.goal_completion`).
"""

from datetime import date, datetime
from typing import ClassVar

import attrs

from peernet.domain.common import Event
from peernet.domain.goals import GoalMet, GoalMissed, GoalRevised, GoalSet, GoalWithdrawn
from peernet.projections.core import Fact, KeyedBy, changed

OPEN = "open"
MET = "met"
MISSED = "missed"
WITHDRAWN = "withdrawn"

_OUTCOMES: dict[type[Event], str] = {GoalMet: MET, GoalMissed: MISSED, GoalWithdrawn: WITHDRAWN}


@attrs.frozen(kw_only=True)
class GoalEntry:
    goal_id: str
    group_id: str
    membership_id: str
    company_id: str
    category: str
    due: date
    set_position: int
    status: str = OPEN
    decided_at: datetime | None = None
    decided_position: int | None = None


class GoalEntries(KeyedBy):
    """The `GoalEntry` of every goal, keyed by goal id."""

    name: ClassVar[str] = "goal_entries"
    key_field: ClassVar[str] = "goal_id"
    version: ClassVar[int] = 1
    events: ClassVar[frozenset[type[Event]]] = frozenset({GoalSet, GoalRevised, *_OUTCOMES})
    view_type: ClassVar[type[GoalEntry]] = GoalEntry

    def project(self, view: GoalEntry | None, fact: Fact) -> GoalEntry | None:
        data = fact.data
        if fact.kind is GoalSet:
            return GoalEntry(
                **fact.as_stored("goal_id", "group_id", "membership_id", "company_id"),
                category=data["target"]["category"],
                due=date.fromisoformat(data["target"]["due"]),
                set_position=fact.position,
            )
        if view is None:
            return None
        if fact.kind is GoalRevised:
            return changed(
                view,
                due=date.fromisoformat(data["target"]["due"]),
                category=data["target"]["category"],
            )
        return changed(
            view,
            status=_OUTCOMES[fact.kind],
            decided_at=datetime.fromisoformat(data["at"]),
            decided_position=fact.position,
        )
