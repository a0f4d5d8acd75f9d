"""`GoalBooks`: every accountability goal of each member, with its due date and outcome.

One view per membership, not per group: a group's goals grow by a dozen every quarter,
and a view is rewritten whole whenever one of its goals changes. A goal is due on its
target's due date (the latest revision's); it is open until the group reviews it (met or
missed) or it is withdrawn. Goal completion for a period is read from these views
(`peernet.projections.figures.goal_completion`).
"""

from datetime import date, datetime
from typing import ClassVar

import attrs

from peernet.projections.core import Fact

OPEN = "open"
MET = "met"
MISSED = "missed"
WITHDRAWN = "withdrawn"

_OUTCOMES = {"GoalMet": MET, "GoalMissed": MISSED, "GoalWithdrawn": WITHDRAWN}


@attrs.frozen(kw_only=True)
class GoalEntry:
    goal_id: str
    membership_id: str
    company_id: str
    category: str
    due: date
    set_position: int
    status: str = OPEN
    decided_at: datetime | None = None
    decided_position: int | None = None


@attrs.frozen(kw_only=True)
class GoalBook:
    group_id: str
    membership_id: str
    #: every goal the member set, by id, in the order they were set
    goals: dict[str, GoalEntry] = attrs.Factory(dict)


class GoalBooks:
    """The `GoalBook` of every member that set goals, keyed by membership id."""

    name: ClassVar[str] = "goal_books"
    version: ClassVar[int] = 1
    topics: ClassVar[frozenset[str]] = frozenset({"GoalSet", "GoalRevised", *_OUTCOMES})
    view_type: ClassVar[type[GoalBook]] = GoalBook

    def key(self, fact: Fact) -> str | None:
        key: str = fact.data["membership_id"]
        return key

    def project(self, view: GoalBook | None, fact: Fact) -> GoalBook | None:
        data = fact.data
        book = view or GoalBook(group_id=data["group_id"], membership_id=data["membership_id"])
        goal_id = data["goal_id"]
        if fact.topic == "GoalSet":
            entry = GoalEntry(
                goal_id=goal_id,
                membership_id=data["membership_id"],
                company_id=data["company_id"],
                category=data["target"]["category"],
                due=date.fromisoformat(data["target"]["due"]),
                set_position=fact.position,
            )
        elif (entry_before := book.goals.get(goal_id)) is None:
            return view
        elif fact.topic == "GoalRevised":
            entry = attrs.evolve(
                entry_before,
                due=date.fromisoformat(data["target"]["due"]),
                category=data["target"]["category"],
            )
        else:  # built whole rather than evolved: the hot path of a rebuild
            entry = GoalEntry(
                goal_id=goal_id,
                membership_id=entry_before.membership_id,
                company_id=entry_before.company_id,
                category=entry_before.category,
                due=entry_before.due,
                set_position=entry_before.set_position,
                status=_OUTCOMES[fact.topic],
                decided_at=datetime.fromisoformat(data["at"]),
                decided_position=fact.position,
            )
        return GoalBook(
            group_id=book.group_id,
            membership_id=book.membership_id,
            goals={**book.goals, goal_id: entry},
        )
