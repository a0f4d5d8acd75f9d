"""The law that lets a decision read only what its `needs` name: for every command of
every history the state machine draws, deciding on what the facade loaded gives the same
events, or the same refusal, as deciding on a full replay of the log."""

from typing import Any

from hypothesis import settings

from peernet import Command, PeerNetError, Recorded
from peernet.domain import network as pure
from peernet.testing import NetworkMachine
from peernet.testing.machine import BodiesMachine, MachineBase

Outcome = tuple[str, Any]


class CheckingNeeds(MachineBase):
    """A machine checking the law on every command it sends."""

    def on_a_full_replay(self, command: Command) -> Outcome:
        """What the pure core decides for `command` on every event recorded so far."""
        everything = pure.replay(*(r.event for r in self.network.recorded()))
        try:
            return "recorded", pure.decide(everything, command)
        except PeerNetError as refusal:
            return "refused", (type(refusal), refusal.message)

    def send(self, command: Command) -> tuple[Recorded, ...]:
        # a command id executed before returns what it recorded then: nothing is decided
        if any(command.command_id == done.command_id for done, _ in self.accepted):
            return super().send(command)
        expected = self.on_a_full_replay(command)
        outcome: Outcome | None = None
        try:
            records = super().send(command)
            outcome = "recorded", [r.event for r in records]
            return records
        except PeerNetError as refusal:
            outcome = "refused", (type(refusal), refusal.message)
            raise
        finally:
            assert outcome is None or expected == outcome, command


class NeedsLaw(CheckingNeeds, NetworkMachine):
    """The network machine, checking the law on every command it sends."""


class BodiesNeedsLaw(CheckingNeeds, BodiesMachine):
    """The network's bodies (charter, committee, resolutions, vendors), checking the law."""


TestNeedsLaw = NeedsLaw.TestCase
TestNeedsLaw.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestBodiesNeedsLaw = BodiesNeedsLaw.TestCase
TestBodiesNeedsLaw.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
