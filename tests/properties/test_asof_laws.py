"""Laws of as-of views, on random command sequences through a real `Network` (the
`NetworkMachine` of `peernet.testing`):

- a view as of the last event, as known at the last recording, is the current view;
- a roster as known at any recording time is the roster of the log's prefix recorded by
  then, and as of any business time the roster of the events that happened by then.
"""

from datetime import datetime, timedelta

from hypothesis import settings

from peernet.records import Recorded
from peernet.testing import T0, NetworkMachine, history
from peernet.views import Roster

MACHINE_SETTINGS = settings(max_examples=20, stateful_step_count=30, deadline=None)


class TickingClock:
    """A recording clock a second further on at every write, so recording times differ."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def roster_of(records: list[Recorded], group_id: object) -> Roster | None:
    """The roster folding `records` with the pure core gives, or None before the group."""
    situation = history(*(r.event for r in records))
    group = situation.groups.get(group_id)  # type: ignore[call-overload]
    if group is None:
        return None
    names = {c: company.profile.name for c, company in situation.companies.items()}
    meetings = (m for m in situation.meetings.values() if m.group_id == group_id)
    return Roster.of(group, names, meetings)


class AsOfMachine(NetworkMachine):
    def __init__(self) -> None:
        super().__init__()
        self.network.clock = TickingClock()

    def teardown(self) -> None:
        try:
            self._check_the_laws()
        finally:
            super().teardown()

    def _check_the_laws(self) -> None:
        records = list(self.network.recorded())
        if not records:
            return
        last_at = max(r.event.at for r in records)
        last_known = max(r.recorded_at for r in records)
        for group_id in self.model.groups:
            now = self.network.roster(group_id)
            assert now == self.network.roster(group_id, as_of=last_at, known_at=last_known)
            for record in records[:: max(1, len(records) // 5)]:
                known = [r for r in records if r.recorded_at <= record.recorded_at]
                expected = roster_of(known, group_id)
                if expected is not None:
                    actual = self.network.roster(group_id, known_at=record.recorded_at)
                    assert expected == actual, f"as known at {record.recorded_at}"
                happened = [r for r in records if r.event.at <= record.event.at]
                expected = roster_of(happened, group_id)
                if expected is not None:
                    actual = self.network.roster(group_id, as_of=record.event.at)
                    assert expected == actual, f"as of {record.event.at}"
        for company_id in self.model.companies:
            now_history = self.network.history(company_id)
            then = self.network.history(company_id, as_of=last_at, known_at=last_known)
            assert now_history == then, f"history of {company_id}"


TestAsOfViewsAgreeWithTheLog = AsOfMachine.TestCase
TestAsOfViewsAgreeWithTheLog.settings = MACHINE_SETTINGS
