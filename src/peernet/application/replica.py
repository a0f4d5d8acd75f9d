"""What the facade keeps warm between calls: the state of each stream it loaded, the
directory of which streams exist and belong together, and the chain each stream ends
with; all kept current with the log by `catch_up`, one query when nobody else wrote."""

import logging
from collections.abc import Iterator
from typing import Any, TypeVar
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification

from peernet.adapters import telemetry
from peernet.adapters.codec import GENESIS, CommandHandled
from peernet.adapters.errors import UnreadableEvent
from peernet.adapters.links import link_table
from peernet.application.directory import LINKED_TOPICS, Directory, fill
from peernet.application.store import Store
from peernet.domain.common import Event
from peernet.domain.companies import CompanyForgotten
from peernet.domain.errors import InvalidValue
from peernet.domain.links import FIRSTS
from peernet.domain.network import FOLDS
from peernet.records import Recorded, topic_of

log = logging.getLogger(__name__)

_TAIL_LIMIT = 10_000  # past this many unseen events, reload streams lazily instead
_CHAINS_KEPT = 100_000  # streams whose last chain is cached for the next write
LEDGER_TOPIC = topic_of(CommandHandled)
#: the kind of stream each state class is folded from
_KINDS = {fold.state: kind for kind, fold in FOLDS.items()}
S = TypeVar("S")
#: the topic every stream of a kind begins with
_FIRST_TOPICS = {kind: topic_of(fold.first) for kind, fold in FOLDS.items()}
#: the kinds whose streams begin with an event the directory reads, on every path (the
#: log folded event by event, the links table, or only the log's directory topics after a
#: long absence)
_STARTS_SEEN = frozenset(FIRSTS.values())


@attrs.define
class Assumptions:
    """The streams a hopeful decision may take to be absent unasked (those its `command`
    names), and those it did (`absent`)."""

    command: attrs.AttrsInstance
    absent: set[UUID] = attrs.Factory(set)

    def names(self, stream_id: UUID) -> bool:
        """Whether the command names `stream_id`: asked only of a stream this process
        never saw begin, so a command on known streams never looks at its fields."""
        return stream_id in attrs.astuple(self.command, recurse=False)

    def confirmed_by(self, events: list[Event]) -> bool:
        """Whether the write of `events` confirms every absence assumed: it begins each
        such stream, and the store refuses a stream's first event twice."""
        return self.absent <= {e.stream()[1] for e in events}


class Replica:
    """The warm part of a network: states, directory and chain heads, current up to
    log position `seen`. Used under the store's lock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.codec = store.codec
        #: cached state and version of every stream loaded, by kind (`Event.home`)
        self.states: dict[str, dict[UUID, tuple[Any, int]]] = {kind: {} for kind in FOLDS}
        #: read through to the store's links table; kept whole in memory on the memory
        #: store, or when a reader finds the table behind the log (`_linked`)
        self.directory = Directory(link_table(store.recorder))
        self.seen = 0  # the log position up to which caches and directory are complete
        #: the version and chain each stream seen ends with
        self.chains: dict[UUID, tuple[int, str]] = {}

    def load(
        self, kind: str, stream_id: UUID, assume: Assumptions | None = None
    ) -> tuple[Any, int]:
        """A stream's state and version: from the cache (kept current by `catch_up`),
        else read whole; (None, 0) when there is no such stream.

        Given `assume`, a stream it names that this process has never seen begin is taken
        to be absent without asking the links table, and noted as assumed: the caller
        must confirm that (`Commands`: by writing the stream's first event, which the
        store refuses if the stream exists), or decide again without `assume`."""
        cache = self.states[kind]
        if stream_id in cache:
            return cache[stream_id]
        if kind in _STARTS_SEEN:
            if (
                assume is not None
                and self.directory.started.unknown(stream_id)
                and assume.names(stream_id)
            ):
                assume.absent.add(stream_id)
                return None, 0
            if stream_id not in self.directory.started:
                return None, 0  # the directory saw every such stream begin: there is none
        state, version = None, 0
        fold = FOLDS[kind].evolve
        for stored in self.store.stream(stream_id):
            if version == 0 and stored.topic != _FIRST_TOPICS[kind]:
                what = kind.removesuffix("_id")
                raise InvalidValue(f"{stream_id} is not a {what} id", stream_id=stream_id)
            state = fold(state, self.codec.decode(stored).event)
            version = stored.originator_version
        if state is not None:
            cache[stream_id] = (state, version)
        return state, version

    def get(self, state_type: type[S], stream_id: UUID) -> S | None:
        """The current state of a stream of `state_type` (`Group`, `Company`...), None
        when there is no such stream."""
        found: S | None = self.load(_KINDS[state_type], stream_id)[0]
        return found

    def remember(self, records: list[Recorded]) -> None:
        """Fold events into the cached states they extend and into the directory."""
        if len(self.chains) > _CHAINS_KEPT:
            self.chains.clear()  # a missing stream costs one read when next written
        for r in records:
            self.directory.add(r.event)
            if r.chain is not None:
                self.chains[r.stream_id] = (r.version, r.chain)
            kind, _ = r.event.stream()
            cache = self.states.get(kind)
            if cache is None:
                continue  # not a state kept here
            if r.stream_id not in cache:
                if r.version == 1:  # a new stream: its state is this event, kept warm
                    cache[r.stream_id] = (FOLDS[kind].evolve(None, r.event), 1)
                continue  # else loaded in full when first needed
            state, version = cache[r.stream_id]
            if r.version == version + 1:
                cache[r.stream_id] = (FOLDS[kind].evolve(state, r.event), r.version)
            elif r.version > version + 1:
                del cache[r.stream_id]  # a gap: reload it when next needed
        forgotten = [r.event for r in records if isinstance(r.event, CompanyForgotten)]
        if forgotten:
            self._shred(forgotten)

    def _shred(self, forgotten: list[CompanyForgotten]) -> None:
        """After `CompanyForgotten` is recorded (here or by another process): destroy the
        company's key if it is still kept, and drop every cached state, which may hold
        its fields in the clear; they reload from the store as forgotten."""
        self._shred_keys([event.company_id for event in forgotten])
        self.drop()

    def _shred_keys(self, companies: list[UUID]) -> None:
        for company_id in companies:
            if self.codec.keys is not None:
                self.codec.keys.forget(company_id)

    def drop(self) -> None:
        for cache in self.states.values():
            cache.clear()

    def catch_up(self) -> None:
        """Bring the cached states and the directory up to the end of the log.

        One query tells whether anyone wrote since we last looked; usually nobody did
        (this process wrote last) and the caches are current with no further reads. Else
        the new events are read once, in order, and folded in; after a long absence the
        caches are dropped and streams reload when next needed.

        A store answers alike whatever its size: on both paths an event whose topic
        peernet does not know is refused (`UnreadableEvent`), and so is an event that
        names streams (a directory topic) when the directory is read from the log (the
        memory store, or a reader of a store without a current links table); any other
        unreadable event is refused by the query that loads its stream, and by no other.
        """
        top = self.store.top()
        if top == self.seen:
            return
        telemetry.observe(
            log,
            "catch_up",
            "replica",
            lambda: self._catch_up(top),
            fields=lambda: {"after": self.seen, "top": top},
        )

    def behind(self) -> bool:
        """Whether the log holds events this replica has not seen, caught up if so."""
        if self.store.top() == self.seen:
            return False
        self.catch_up()
        return True

    def _catch_up(self, top: int) -> None:
        if self.directory.table is not None and not self._linked(top):
            self.directory, self.seen = Directory(), 0  # replay the log, as before the table
            self.drop()
        if top - self.seen > _TAIL_LIMIT:
            self._after_absence(top)
        else:
            for n in self.store.log(self.seen, stop=top):
                if n.topic != LEDGER_TOPIC:
                    self._fold(n)
        self.seen = top

    def _after_absence(self, top: int) -> None:
        """Many events were recorded unseen: drop the caches (streams reload when next
        needed) and bring the directory current: from the links table when the store
        keeps one (it holds every link up to `top`), else from the log's directory topics."""
        self.drop()
        if self.codec.keys is not None and self.seen:
            self.codec.keys.drop_cache()  # a company may have been forgotten meanwhile
        if self.directory.table is not None:
            self.directory.drop()
            if self.codec.keys is not None:  # a forgetting whose key another process kept
                self._shred_keys(list(self.directory.forgotten))
            return
        forgotten = []
        for n in self.store.log(self.seen, stop=top, topics=LINKED_TOPICS):
            event = self.codec.decode(n).event
            self.directory.add(event)
            if isinstance(event, CompanyForgotten):
                forgotten.append(event)
        if forgotten:
            self._shred(forgotten)

    def _linked(self, top: int) -> bool:
        """Whether the store's links table holds every link up to `top`; a writer fills
        it from the log first when it does not (a store recorded before the table, or
        written by a peernet without it); a reader cannot, and replays the log instead."""
        table = self.directory.table
        assert table is not None
        position = table.position()
        if position is not None and position >= top:
            return True
        if position is None or not self.store.writable:
            log.info(
                "the links table is %s: the directory is read from the log",
                "missing" if position is None else "behind",
            )
            return False
        fill(table, position, top, self._linking)
        return True

    def _linking(self, after: int, upto: int) -> Iterator[tuple[int, Event]]:
        """The events with links between two positions of the log, and their positions."""
        for n in self.store.log(after, stop=upto, topics=LINKED_TOPICS):
            yield n.id, self.codec.decode(n).event

    def _fold(self, n: Notification) -> None:
        """Fold one event of the log into the caches and the directory; an event that
        cannot be read leaves its stream to be read (and refused) when it is needed."""
        try:
            recorded = self.codec.decode(n)
        except UnreadableEvent:
            names_streams = n.topic in LINKED_TOPICS and self.directory.table is None
            if names_streams or n.topic not in self.codec.types:
                raise  # the links table holds what a readable one named
            stream_id = n.originator_id
            if isinstance(stream_id, UUID):
                for cache in self.states.values():
                    cache.pop(stream_id, None)
                self.chains.pop(stream_id, None)
            return
        self.remember([recorded])

    def wrote(self, positions: list[int]) -> None:
        """This process wrote at `positions`: when nobody else wrote in between, the
        caches stay current without reading back."""
        if positions and positions[0] == self.seen + 1:
            self.seen = positions[-1]

    def chain_before(self, stream_id: UUID, version: int) -> str:
        """The chain a stream ends with at `version`: from the cache `remember` keeps,
        else from the stream's last stored event. Should the store hold another version
        by now, the write conflicts and is decided again, so the value does not matter."""
        if (known := self.chains.get(stream_id)) is not None and known[0] == version:
            return known[1]
        last = self.store.last(stream_id)
        chain = self.codec.chain_of(last) if last else None
        return chain or GENESIS


class Layered:
    """The `Links` a batch's command is decided with: the replica's directory, and the
    streams the commands before it in the batch added (not yet recorded)."""

    def __init__(self, base: Directory, top: Directory) -> None:
        self.base, self.top = base, top

    def group_of(self, membership_id: UUID) -> UUID | None:
        return self.top.group_of(membership_id) or self.base.group_of(membership_id)

    def _both(self, base: list[UUID], top: list[UUID]) -> list[UUID]:
        return list(dict.fromkeys((*base, *top))) if top else base

    def goals_of(self, membership_id: UUID) -> list[UUID]:
        return self._both(self.base.goals_of(membership_id), self.top.goals_of(membership_id))

    def meetings_of(self, group_id: UUID) -> list[UUID]:
        return self._both(self.base.meetings_of(group_id), self.top.meetings_of(group_id))

    def every_group(self) -> list[UUID]:
        return self._both(self.base.every_group(), self.top.every_group())

    def deals_of(self, membership_id: UUID) -> list[UUID]:
        return self._both(self.base.deals_of(membership_id), self.top.deals_of(membership_id))

    def referrals_of(self, membership_id: UUID) -> list[UUID]:
        return self._both(
            self.base.referrals_of(membership_id), self.top.referrals_of(membership_id)
        )


class Overlay:
    """What a batch's commands decided so far, over the replica: each command of a batch
    is decided on the states and links the ones before it left, and nothing of it
    reaches the replica until the batch is recorded (a refused batch leaves it as it was)."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.states: dict[tuple[str, UUID], tuple[Any, int]] = {}
        self.added = Directory()
        self.links = Layered(replica.directory, self.added)

    def load(self, kind: str, stream_id: UUID) -> tuple[Any, int]:
        """A stream's state and version as the batch so far leaves it."""
        found = self.states.get((kind, stream_id))
        return found if found is not None else self.replica.load(kind, stream_id)

    def get(self, state_type: type[S], stream_id: UUID) -> S | None:
        found: S | None = self.load(_KINDS[state_type], stream_id)[0]
        return found

    def fold(self, records: list[Recorded]) -> None:
        """Fold a command's records into the batch's states and links."""
        for r in records:
            self.added.add(r.event)
            kind, _ = r.event.stream()
            fold = FOLDS.get(kind)
            if fold is not None:
                state, _ = self.load(kind, r.stream_id)
                self.states[(kind, r.stream_id)] = (fold.evolve(state, r.event), r.version)
