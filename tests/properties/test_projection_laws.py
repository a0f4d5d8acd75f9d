"""Laws of the projections over random command histories (`peernet.testing`'s machine).

- turnover read from the projected views equals turnover recomputed by a plain reference
  function from the decoded events;
- views kept by catch-ups interleaved at random with the commands equal views rebuilt
  from the first event, and the pure fold of the whole log.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

from hypothesis import settings
from hypothesis.stateful import rule

from peernet import (
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    MemberTransferred,
    MemberVotedOff,
    Recorded,
)
from peernet.adapters.readmodels import ReadModels, fact_of
from peernet.projections import PROJECTIONS, GroupHistories, Period, fold, turnover
from peernet.testing import T0, NetworkMachine

MACHINE_SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None)
PERIODS = [
    Period(T0.date(), T0.date() + timedelta(days=89)),
    Period(T0.date() + timedelta(days=30), T0.date() + timedelta(days=394)),
    Period(T0.date(), T0.date() + timedelta(days=3000)),
]
_COUNTED = (MemberResigned, MemberVotedOff, MemberRemoved)


def reference_turnover(records: Iterable[Recorded], period: Period) -> Fraction | None:
    """Departures in the period ÷ member-seconds in it ÷ the period's seconds, straight
    from the typed events, with no view in between."""
    joined: dict[object, datetime] = {}
    left: dict[object, datetime] = {}
    departures = 0
    for r in records:
        e = r.event
        if isinstance(e, MemberJoined):
            joined[e.membership_id] = e.at
        elif isinstance(e, (*_COUNTED, MemberTransferred, MemberGraduated)):
            left[e.membership_id] = e.at
            if isinstance(e, _COUNTED) and period.begins <= e.at < period.ends:
                departures += 1
    seconds = 0
    for membership, joined_at in joined.items():
        end = min(left.get(membership, period.ends), period.ends)
        start = max(joined_at, period.begins)
        if end > start:
            seconds += int((end - start).total_seconds())
    if not seconds:
        return None
    return Fraction(departures) / (Fraction(seconds) / (period.days * 86_400))


class ProjectionMachine(NetworkMachine):
    """Catches the read models up at random points; checks the laws at the end."""

    def __init__(self) -> None:
        super().__init__()
        self.models = ReadModels(self.network)

    @rule()
    def catch_up(self) -> None:
        self.models.catch_up()

    def teardown(self) -> None:
        try:
            records = list(self.network.recorded())
            facts = [fact_of(r) for r in records]
            kept = {name: self.models.views(name) for name in PROJECTIONS}
            assert {name: fold(p, facts) for name, p in PROJECTIONS.items()} == kept
            self.models.rebuild()
            assert kept == {name: self.models.views(name) for name in PROJECTIONS}
            histories = kept[GroupHistories.name].values()
            for period in PERIODS:
                assert reference_turnover(records, period) == turnover(histories, period).rate
        finally:
            super().teardown()


TestProjectionLaws = ProjectionMachine.TestCase
TestProjectionLaws.settings = MACHINE_SETTINGS
