"""The law that lets a decision read only what its `needs` name: for every command of
every history the state machine draws, deciding on what the facade loaded gives the same
events, or the same refusal, as deciding on a full replay of the log."""

from typing import Any

from hypothesis import settings

from peernet import Command, Network, PeerNetError, Recorded
from peernet.domain import network as pure
from peernet.testing import MembershipMachine

Outcome = tuple[str, Any]


def on_a_full_replay(network: Network, command: Command) -> Outcome:
    """What the pure core decides for `command` on every event recorded so far."""
    everything = pure.replay(*(r.event for r in network.recorded()))
    try:
        return "recorded", pure.decide(everything, command)
    except PeerNetError as refusal:
        return "refused", (type(refusal), refusal.message)


class Watched:
    """The machine's network, remembering what its last `execute` decided."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.outcome: Outcome | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.network, name)

    def execute(self, command: Command, **options: Any) -> tuple[Recorded, ...]:
        try:
            records = self.network.execute(command, **options)
        except PeerNetError as refusal:
            self.outcome = "refused", (type(refusal), refusal.message)
            raise
        self.outcome = "recorded", [r.event for r in records]
        return records


class NeedsLaw(MembershipMachine):
    """The machine, checking the law on every command it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.watched = Watched(self.network)
        self.network = self.watched  # type: ignore[assignment]

    def execute(self, command: Command, *args: Any, **kwargs: Any) -> tuple[Recorded, ...] | None:
        # a command id executed before returns what it recorded then: nothing is decided
        repeated = any(command.command_id == done.command_id for done, _ in self.accepted)
        expected = None if repeated else on_a_full_replay(self.watched.network, command)
        self.watched.outcome = None
        try:
            return super().execute(command, *args, **kwargs)
        finally:
            if expected is not None and self.watched.outcome is not None:
                assert expected == self.watched.outcome, command


TestNeedsLaw = NeedsLaw.TestCase
TestNeedsLaw.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
