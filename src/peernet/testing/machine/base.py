"""What every rule set of the state machine shares: the network under test, the model,
the clock, the drawing of ids, times and actors, and the one door commands go through.

Each area (`seats`, `departures`, `accountability`, `sessions`) subclasses `MachineBase`
with the rules that draw its commands and a `_fold` for the events it expects; the
`NetworkMachine` inherits them all, and Hypothesis collects the rules, invariants and
preconditions of every class along the MRO.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from peernet.application import CommandIdReused, Network
from peernet.domain.charters import Charter
from peernet.domain.common import Command, Event
from peernet.domain.companies import Profile
from peernet.domain.errors import PeerNetError
from peernet.domain.groups import CloseGroup
from peernet.domain.memberships import MemberFlagged, MembershipStatus, Resign
from peernet.records import Recorded
from peernet.testing.builders import T0, some_id
from peernet.testing.history import nothing_recorded, then_recorded
from peernet.testing.machine.model import Expect, Model, ModelMembership
from peernet.testing.strategies import TIMEZONES, actors, charters, profiles


class MachineBase(RuleBasedStateMachine):
    """The state and helpers every rule set of `NetworkMachine` uses.

    The class attributes are the knobs: `store` (a URL, or a callable returning a fresh
    URL for each run), `charter_strategy` (the charters groups are formed with),
    `profile_strategy` (the companies' profiles) and `max_days` (the clock's step).
    """

    store: ClassVar["str | Callable[[], str]"] = "memory://"
    charter_strategy: ClassVar[st.SearchStrategy[Charter]] = charters()
    profile_strategy: ClassVar[st.SearchStrategy[Profile]] = profiles()
    #: the largest step the clock takes between two commands, in days
    max_days: ClassVar[int] = 45

    def __init__(self) -> None:
        super().__init__()
        store = type(self).store
        self.network = Network(store() if callable(store) else store)
        self.model = Model()
        self.now = T0
        self.serial = 0
        self.accepted: list[tuple[Command, tuple[Recorded, ...]]] = []
        self.seen_status: dict[UUID, MembershipStatus] = {}
        #: MemberFlagged events of the last command, for the rule that checks them
        self.flagged: list[MemberFlagged] = []

    def teardown(self) -> None:
        self.network.close()

    # --- drawing ------------------------------------------------------------------

    def _new_id(self, kind: str) -> UUID:
        self.serial += 1
        return some_id(f"{kind} {self.serial}")

    def _at(self, data: st.DataObject, max_days: int | None = None) -> datetime:
        """The next command's time: the clock moves forward by a drawn number of days;
        now and then a command is dated back, before what it touches."""
        most = self.max_days if max_days is None else max_days
        days = data.draw(st.integers(0, most), label="days later")
        if data.draw(st.integers(0, 15), label="backdated") == 15:
            return self.now - timedelta(days=days + 1)
        zone = data.draw(st.sampled_from(TIMEZONES), label="time zone")
        return (self.now + timedelta(days=days, hours=1)).astimezone(zone)

    def _pick(self, data: st.DataObject, known: Sequence[UUID], label: str) -> UUID:
        """One of `known`, or (rarely, or when none is known) an id nobody recorded."""
        if not known or data.draw(st.integers(0, 20), label=f"unknown {label}") == 20:
            return some_id(f"unknown {label}")
        return data.draw(st.sampled_from(known), label=label)

    def _actor(self, data: st.DataObject) -> str:
        return data.draw(actors(), label="actor")

    def _stamp(self, data: st.DataObject, max_days: int | None = None) -> dict[str, Any]:
        """Who gives the next command, when, and under which command id."""
        return {
            "actor": self._actor(data),
            "at": self._at(data, max_days),
            "command_id": self._new_id("command"),
        }

    def _then(self, data: st.DataObject, days: int) -> dict[str, Any]:
        """A stamp `days` after the clock, never backdated (for the steps of one story)."""
        return {
            "actor": self._actor(data),
            "at": self.now + timedelta(days=days, hours=1),
            "command_id": self._new_id("command"),
        }

    def _company(self, membership_id: UUID) -> UUID | None:
        """The company holding a membership (None for one the model never saw)."""
        m = self.model.memberships.get(membership_id)
        return m.company_id if m else None

    def _late(self, at: datetime, *stream_ids: UUID) -> bool:
        """Whether `at` comes before the last event of one of the streams."""
        return any(
            at < self.model.stream_times[s] for s in stream_ids if s in self.model.stream_times
        )

    def _any(self, statuses: tuple[MembershipStatus, ...]) -> bool:
        return any(m.status in statuses for m in self.model.memberships.values())

    def _memberships(self, *statuses: MembershipStatus) -> list[UUID]:
        """Memberships to name: mostly those in `statuses`, but any may be drawn."""
        return [i for i, m in self.model.memberships.items() if m.status in statuses] or list(
            self.model.memberships
        )

    def _membership(self, data: st.DataObject, *statuses: MembershipStatus) -> UUID:
        if data.draw(st.integers(0, 3), label="any membership") == 3:
            return self._pick(data, list(self.model.memberships), "membership")
        return self._pick(data, self._memberships(*statuses), "membership")

    def _membership_command_expect(
        self, membership_id: UUID, at: datetime, allowed: tuple[MembershipStatus, ...]
    ) -> tuple[Expect, ModelMembership | None]:
        m = self.model.memberships.get(membership_id)
        # a departure withdraws the member's open goals and lapses its open invitations and
        # referrals, so it cannot predate their changes
        touched = (m.group_id, *self.model.departure_streams(m.id)) if m else ()
        if m is None or m.status not in allowed or self._late(at, *touched):
            return Expect.REFUSED, m
        return Expect.ACCEPTED, m

    # --- executing ----------------------------------------------------------------

    def send(self, command: Command) -> tuple[Recorded, ...]:
        """Every command the machine sends reaches the network here, and only here (the
        rules call `execute`, which calls this): a law that must hold of every command,
        accepted, refused or repeated, is checked in this one place."""
        return self.network.execute(command)

    def execute(
        self, command: Command, expect: Expect, *, may_record_nothing: bool = False
    ) -> tuple[Recorded, ...] | None:
        """Execute `command` through the facade and check what it recorded (or not)."""
        before = self.network.recorder.max_notification_id() or 0
        refusal: str | None = None
        try:
            records = self.send(command)
        except PeerNetError as error:
            refusal = repr(error)
        if refusal is not None:
            after = self.network.recorder.max_notification_id() or 0
            assert before == after, f"refused {command!r} ({refusal}) yet the log moved"
            assert expect is not Expect.ACCEPTED, f"{command!r} was refused: {refusal}"
            return None
        after = self.network.recorder.max_notification_id() or 0
        events = then_recorded(records)
        assert expect is not Expect.REFUSED, f"{command!r} was accepted, recording {events}"
        assert records or may_record_nothing, f"{command!r} was accepted and recorded nothing"
        ledger = 1 if command.command_id is not None else 0
        assert before + len(records) + ledger == after, "the log grew by more than the records"
        self._observe(records)
        self.accepted.append((command, records))
        self.now = max(self.now, command.at)
        return records

    @precondition(lambda self: self.accepted)
    @rule(data=st.data())
    def execute_again(self, data: st.DataObject) -> None:
        """A command executed again under its command id records nothing and returns
        what it recorded the first time; under another command's kind it is refused."""
        command, first = data.draw(st.sampled_from(self.accepted), label="earlier command")
        assert command.command_id is not None
        with nothing_recorded(self.network):
            if data.draw(st.booleans(), label="same command"):
                assert first == self.send(command)
                return
            other: Command = (
                CloseGroup(group_id=self._new_id("group"), actor="staff", at=self.now)
                if not isinstance(command, CloseGroup)
                else Resign(membership_id=self._new_id("membership"), actor="staff", at=self.now)
            )
            other = attrs.evolve(other, command_id=command.command_id)
            try:
                self.send(other)
            except CommandIdReused:
                return
            raise AssertionError(f"{other!r} reused the id of {command!r} and was not refused")

    # --- the model, folded event by event, checking each rule as it goes -------------

    def _observe(self, records: Sequence[Recorded]) -> None:
        for r in records:
            last = self.model.stream_times.get(r.stream_id)
            assert last is None or last <= r.event.at, (
                f"{type(r.event).__name__} at {r.event.at} lands after {last} in {r.stream_id}"
            )
            self.model.stream_times[r.stream_id] = r.event.at
            self._fold(r.event)
        for m in self.model.memberships.values():
            assert m.status is not None, f"membership {m.id} was applied and never answered"
        for goal in self.model.goals.values():
            assert not goal.open or self.model.is_active(goal.membership_id), (
                f"goal {goal.id} is still open after its member {goal.membership_id} left"
            )

    def _fold(self, event: Event) -> None:
        """Fold one event into the model, checking the rules it must keep. Each area
        handles the events it knows and hands the others on with `super()._fold(event)`;
        an event no area knows ends here."""
        raise AssertionError(f"the machine does not expect {event!r}")
