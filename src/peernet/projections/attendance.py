"""`MeetingRolls`: each meeting's day, who it counted and how each of them attended.

One view per meeting. A meeting counts for attendance once it is closed: its
`MeetingClosed.expected` are the members it counted (those expected who had not left by
its last day), and a member with no mark was marked absent at the close. A cancelled
meeting counts for no one. The view also keeps who sent prep for it, and whether late
(a management scorecard reads it; version 2). The attendance rate of a period is read from
these views
(`peernet.projections.figures.attendance`).
"""

from datetime import date
from typing import ClassVar

import attrs

from peernet.domain.common import Event
from peernet.domain.meetings import (
    AttendanceRecorded,
    MeetingCancelled,
    MeetingClosed,
    MeetingScheduled,
    PrepSubmitted,
)
from peernet.projections.core import Fact, KeyedBy, changed

SCHEDULED = "scheduled"
CLOSED = "closed"
CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class MeetingRoll:
    meeting_id: str
    group_id: str
    starts: date
    status: str = SCHEDULED
    #: the members the meeting counted, once closed
    counted: tuple[str, ...] = ()
    #: each member's attendance mark (`Attendance` values), the latest recorded
    marks: dict[str, str] = attrs.Factory(dict)
    #: the positions of the events the view is made of
    positions: tuple[int, ...] = ()
    #: the prep each member sent for the meeting: whether the latest it sent was late
    prep: dict[str, bool] = attrs.Factory(dict)


class MeetingRolls(KeyedBy):
    """The `MeetingRoll` of every meeting, keyed by meeting id."""

    name: ClassVar[str] = "meeting_rolls"
    key_field: ClassVar[str] = "meeting_id"
    version: ClassVar[int] = 2
    events: ClassVar[frozenset[type[Event]]] = frozenset(
        {MeetingScheduled, AttendanceRecorded, PrepSubmitted, MeetingClosed, MeetingCancelled}
    )
    view_type: ClassVar[type[MeetingRoll]] = MeetingRoll

    def project(self, view: MeetingRoll | None, fact: Fact) -> MeetingRoll | None:
        data = fact.data
        if fact.kind is MeetingScheduled:
            return MeetingRoll(
                **fact.as_stored("meeting_id", "group_id"),
                starts=date.fromisoformat(data["starts"]),
                positions=(fact.position,),
            )
        if view is None:
            return None
        positions = (*view.positions, fact.position)
        if fact.kind is AttendanceRecorded:
            marks = {**view.marks, data["membership_id"]: data["attendance"]}
            return changed(view, marks=marks, positions=positions)
        if fact.kind is PrepSubmitted:
            prep = {**view.prep, data["membership_id"]: data["late"]}
            return changed(view, prep=prep, positions=positions)
        if fact.kind is MeetingClosed:
            counted = tuple(data["expected"])
            return changed(view, status=CLOSED, counted=counted, positions=positions)
        return changed(view, status=CANCELLED, positions=positions)  # MeetingCancelled
