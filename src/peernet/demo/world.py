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

import orjson
from eventsourcing.persistence import Notification

from peernet import (
    Command,
    CommandIdReused,
    CompanyForgotten,
    Network,
    NotTheDemoStore,
    PassResolution,
    Recorded,
    RuleViolation,
)
from peernet.adapters.codec import CommandHandled
from peernet.adapters.storage import redact
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
COMMITTEE = "leadership committee"
#: the first year groups review goals at their quarterly meetings
ACCOUNTABILITY_FROM = 2008

Action = Callable[[], None]
_LEDGER_TOPIC = topic_of(CommandHandled)
_FORGOTTEN_TOPIC = topic_of(CompanyForgotten)


#: how many commands in a row the story may issue that record nothing (refused, or
#: deciding nothing), for a store's next event to still be the story's
_QUIET_COMMANDS = 20_000


class _Story:
    """The ids of the story's commands, in the order it issues them: a store holds the
    story alone when its events were recorded by these commands, in this order."""

    def __init__(self, ns: UUID) -> None:
        self.ns = ns
        self.issued = 0
        self.last = 0
        self.ids: dict[str, int] = {}

    def recorded(self, command_id: str | None) -> bool:
        """Whether an event recorded under `command_id` is the story's, following the
        events before it."""
        if command_id is None:
            return False
        while command_id not in self.ids and self.issued < self.last + _QUIET_COMMANDS:
            self.issued += 1
            self.ids[str(uuid5(self.ns, f"command {self.issued}"))] = self.issued
        number = self.ids.get(command_id)
        if number is None or number < self.last:
            return False
        self.last = number
        return True


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
        #: the store's command-ledger entries, at the last count of its events
        self.ledger_entries = 0
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
        #: the network's own bodies (peernet.demo.bodies): the committee's seated people,
        #: chair first, once it sits; the vendor partners by name; the virtual groups
        #: whose cohorts graduate at a ceremony rather than month by month
        self.committee: list[UUID] = []
        self.vendors: dict[str, UUID] = {}
        self.ceremony_groups: set[UUID] = set()
        #: acts taken at each gathering once its meetings are scheduled, before they close
        #: (the best-practices winners present there)
        self.at_gathering: list[Callable[[UUID], None]] = []

    def stored_events(self) -> int:
        """Events the store holds, its command ledger aside (counted in
        `ledger_entries`), counted without decoding them. The store must hold this story
        and nothing else: every event recorded by one of the story's commands (ids
        `uuid5` of the seed, in the order the story issues them, an operator's forgetting
        of one of its companies aside), and none changed since (`verify`), else
        `NotTheDemoStore`, before anything is recorded."""
        count = ledger = 0
        story = _Story(self.ns)
        forgetting: set[str | None] = set()  # an operator may forget a story's company
        for n in self.network.notifications():
            command = self._command_of(n)
            ledger += n.topic == _LEDGER_TOPIC
            if n.topic == _FORGOTTEN_TOPIC:
                forgetting.add(command)
            elif command in forgetting:
                continue  # the forgetting's ledger entry
            elif not story.recorded(command):
                raise self._not_the_story(n.id, n.topic)
            count += n.topic != _LEDGER_TOPIC
        if count and (changed := self.network.verify().problem) is not None:
            # Changed since the demo wrote it: the story would not replay as it was told.
            raise self._not_the_story(changed.position or 0, changed.topic or "unknown")
        self.ledger_entries = ledger
        return count

    def _not_the_story(self, position: int, topic: str) -> NotTheDemoStore:
        url = redact(self.network.url)
        return NotTheDemoStore(url=url, seed=self.seed, position=position, topic=topic)

    def _command_of(self, n: Notification) -> str | None:
        """The command id an event was recorded under, None when it cannot be read."""
        try:
            found = orjson.loads(self.network.codec.plain(n)).get("command_id")
        except (orjson.JSONDecodeError, AttributeError, ValueError, TypeError):
            return None
        return found if isinstance(found, str) else None

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

    def for_network(self, act_type: type[Command], /, **fields: Any) -> Any:
        """An act of the network: its office takes it until the leadership committee
        sits; from then the committee passes it as a resolution, proposed by its chair,
        most of the seated members for it."""
        if not self.committee:
            return self.do(act_type, **fields)
        voters = self.committee[: max(11, len(self.committee) * 3 // 4)]
        act = act_type(actor=COMMITTEE, at=self.peek(), **fields)
        return self.do(
            PassResolution,
            proposed_by=self.committee[0],
            in_favour=tuple(voters),
            act=act,
            resolution_id=self.new_id("resolution"),
            actor=COMMITTEE,
        )

    def later(self, day: datetime, action: Action) -> None:
        """Plan `action` for a day of a later month."""
        assert (day.year, day.month) > (self.month_start.year, self.month_start.month)
        self.plan(day, action)

    def plan(self, day: datetime, action: Action) -> None:
        """Plan `action` for `day`. The month loop takes a month's plan when the month
        begins: an action planned for the current month is never run."""
        self.agenda.setdefault((day.year, day.month), []).append((day.day, action))
