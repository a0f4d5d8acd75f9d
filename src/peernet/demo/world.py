"""The world the demo's scenes share: the network they act on through its one
`execute`, the seeded generators, the clock of the story, the replica they read, the
chronicle that counts what was recorded, and the few facts of the plot more than one
scene needs (the groups by name, the founders, the member that misses its goals).

Everything is deterministic: randomness comes only from generators seeded by the seed,
ids are uuid5 of the seed and a label, and every command carries a uuid5 `command_id`.
"""

import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from peernet import Command, CommandIdReused, Network, Recorded, RuleViolation
from peernet.adapters.codec import CommandHandled
from peernet.demo.replica import Replica
from peernet.demo.tally import Chronicle
from peernet.records import topic_of

log = logging.getLogger(__name__)

#: bump when the simulation changes, so an old demo store is never mistaken for this one
DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://peernet.invalid/demo/v2")
DEFAULT_SEED = 2001
FIRST_YEAR = 2001
LAST_YEAR = 2009
OFFICE = "network office"
#: the first year groups review goals at their quarterly meetings
ACCOUNTABILITY_FROM = 2008

Action = Callable[[], None]
_LEDGER_TOPIC = topic_of(CommandHandled)


class World:
    """What every scene of the demo acts through and reads."""

    def __init__(self, network: Network, seed: int, last_year: int) -> None:
        self.network = network
        self.seed = seed
        self.last_year = last_year
        self.rng = random.Random(seed)  # noqa: S311 (a story, not a secret)
        # accountability, meetings and money, and financials each draw from a generator
        # of their own, so the membership story before and around them is the one the
        # seed has always told
        self.goal_rng = random.Random(f"{seed} accountability")  # noqa: S311 (a story)
        self.meeting_rng = random.Random(f"{seed} meetings")  # noqa: S311 (a story)
        self.financials_rng = random.Random(f"{seed} financials")  # noqa: S311 (a story)
        self.ns = uuid5(DEMO_NAMESPACE, f"seed {seed}")
        self.labels: Counter[str] = Counter()
        self.replica = Replica()
        self.chronicle = Chronicle(FIRST_YEAR)
        #: events the store held before this run, those this run produced, the commands
        #: it issued and those the rules refused
        self.already = self.stored_events()
        self.produced = 0
        self.commands = 0
        self.refused = 0
        #: the story's clock: the month, the day of the current scene, the last command
        self.now = datetime(FIRST_YEAR, 7, 1, tzinfo=UTC)
        self.month_start = self.now
        self.day = 1
        #: actions planned for a later month: (year, month) -> [(day, action)]
        self.agenda: dict[tuple[int, int], list[tuple[int, Action]]] = {}
        self.group_ids: dict[str, UUID] = {}
        self.founders: set[UUID] = set()
        #: the member that misses every goal, its group and its company, once cast
        self.laggard: UUID | None = None
        self.laggard_group: UUID | None = None
        self.laggard_company: UUID | None = None
        #: acts taken at each gathering once its meetings are scheduled, before they close
        #: (the best-practices winners present there)
        self.at_gathering: list[Callable[[UUID], None]] = []

    def stored_events(self) -> int:
        """Events the store holds, its command ledger aside, counted without decoding."""
        count, after, page = 0, 0, 5000
        while True:
            batch = self.network.recorder.select_notifications(
                start=after, limit=page, inclusive_of_start=False
            )
            count += sum(1 for n in batch if n.topic != _LEDGER_TOPIC)
            if len(batch) < page:
                return count
            after = batch[-1].id

    def new_id(self, label: str) -> UUID:
        """The next id of `label`: the same on every run of the same seed."""
        self.labels[label] += 1
        return uuid5(self.ns, f"{label} {self.labels[label]}")

    def time(self) -> datetime:
        """The business time of the next command: strictly after the previous one, on or
        after the day of the month the current scene happens."""
        scene = self.month_start + timedelta(days=self.day - 1, hours=9)
        self.now = max(self.now + timedelta(minutes=7), scene)
        return self.now

    def peek(self) -> datetime:
        """The time of the next command, without moving the clock."""
        return max(self.now, self.month_start + timedelta(days=self.day - 1, hours=9))

    def scene_day(self) -> datetime:
        return self.month_start + timedelta(days=self.day - 1)

    def do(self, command_type: type[Command], /, **fields: Any) -> tuple[Recorded, ...] | None:
        """Execute one command through the facade and return what it recorded; a rule's
        refusal is counted and gives None. The network office acts unless `actor` says who.

        Where the store already holds history past this point (a second build), the
        command is first decided on the replica: what was refused the first time is
        refused again here without asking the store, whose state has moved on since, and
        what recorded nothing (the store keeps no ledger entry for it) records nothing.
        """
        fields.setdefault("actor", OFFICE)
        command = command_type(at=self.time(), command_id=self.new_id("command"), **fields)
        self.commands += 1
        try:
            if self.produced < self.already and self.replica.decides_nothing(command):
                return ()  # decided nothing the first time either (a review with no goals due)
            records = self.network.execute(command)
        except CommandIdReused:
            raise  # the store holds another story under this seed: not a refusal
        except RuleViolation as refusal:
            self.refused += 1
            self.chronicle.tally.refusals[type(refusal).__name__] += 1
            log.debug("refused %s: %s", type(command).__name__, refusal)
            return None
        for record in records:
            self.chronicle.fold(record.event, self.replica)
            self.replica.apply(record.event)
        self.produced += len(records)
        return records

    def later(self, day: datetime, action: Action) -> None:
        """Plan `action` for a day of a later month."""
        assert (day.year, day.month) > (self.month_start.year, self.month_start.month)
        self.plan(day, action)

    def plan(self, day: datetime, action: Action) -> None:
        """Plan `action` for `day`. The month loop takes a month's plan when the month
        begins: an action planned for the current month is never run."""
        self.agenda.setdefault((day.year, day.month), []).append((day.day, action))
