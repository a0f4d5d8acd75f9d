"""What the facade keeps warm between calls: the state of each stream it loaded, the
directory of which streams exist and belong together, and the chain each stream ends
with; all kept current with the log by `catch_up`, one query when nobody else wrote."""

import logging
from typing import Any, TypeVar
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification

from peernet.adapters import telemetry
from peernet.adapters.codec import GENESIS, CommandHandled
from peernet.adapters.errors import UnreadableEvent
from peernet.application.store import Store
from peernet.domain.common import Event
from peernet.domain.companies import CompanyForgotten, CompanyRegistered, MembershipApplied
from peernet.domain.competitions import CompetitionOpened
from peernet.domain.deals import DealProposed, PartnerInvited
from peernet.domain.errors import InvalidValue
from peernet.domain.goals import GoalSet
from peernet.domain.groups import GroupFormed
from peernet.domain.meetings import (
    CostsShared,
    GatheringScheduled,
    MeetingScheduled,
    SessionAdded,
    SponsorshipRecorded,
)
from peernet.domain.motions import MotionRaised
from peernet.domain.network import FOLDS
from peernet.domain.referrals import ReferralMade
from peernet.domain.vendors import VendorAdmitted
from peernet.records import Recorded, topic_of

log = logging.getLogger(__name__)

_TAIL_LIMIT = 10_000  # past this many unseen events, reload streams lazily instead
_CHAINS_KEPT = 100_000  # streams whose last chain is cached for the next write
LEDGER_TOPIC = topic_of(CommandHandled)
_DIRECTORY_TOPICS = tuple(
    topic_of(cls)
    for cls in (
        GroupFormed,
        CompanyRegistered,
        MembershipApplied,
        GoalSet,
        MotionRaised,
        MeetingScheduled,
        GatheringScheduled,
        CostsShared,
        CompanyForgotten,
        VendorAdmitted,
        SponsorshipRecorded,
        SessionAdded,
        # the partner economy
        DealProposed,
        PartnerInvited,
        ReferralMade,
        CompetitionOpened,
    )
)
#: the kind of stream each state class is folded from
_KINDS = {fold.state: kind for kind, fold in FOLDS.items()}
S = TypeVar("S")
#: the topic every stream of a kind begins with
_FIRST_TOPICS = {kind: topic_of(fold.first) for kind, fold in FOLDS.items()}
#: the kinds whose streams begin with an event the directory reads, on every path (the
#: log folded event by event, or only its directory topics after a long absence)
_STARTS_SEEN = frozenset(k for k, topic in _FIRST_TOPICS.items() if topic in _DIRECTORY_TOPICS)
_FIRSTS = {FOLDS[kind].first: kind for kind in _STARTS_SEEN}


@attrs.define
class Directory:
    """Which groups, companies and gatherings exist (in order of registration), and
    which streams belong together: the `Links` a decision's needs follow, and the lists
    queries read. Adding the same event twice changes nothing."""

    groups: dict[UUID, None] = attrs.Factory(dict)
    companies: dict[UUID, None] = attrs.Factory(dict)
    gatherings: dict[UUID, None] = attrs.Factory(dict)
    membership_groups: dict[UUID, UUID] = attrs.Factory(dict)
    member_goals: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    group_motions: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    group_meetings: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    #: the meetings and gatherings whose costs were shared with each company
    company_costs: dict[UUID, dict[tuple[str, UUID], None]] = attrs.Factory(dict)
    #: vendor partners, in order of admission, and the meetings and gatherings each
    #: sponsored or spoke at
    vendors: dict[UUID, None] = attrs.Factory(dict)
    vendor_streams: dict[UUID, dict[tuple[str, UUID], None]] = attrs.Factory(dict)
    # the partner economy: every deal, referral and competition in order, the deals and
    # referrals each company is part of, and those each membership was invited to
    deals: dict[UUID, None] = attrs.Factory(dict)
    referrals: dict[UUID, None] = attrs.Factory(dict)
    competitions: dict[UUID, None] = attrs.Factory(dict)
    company_deals: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    company_referrals: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    member_deals: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)
    member_referrals: dict[UUID, dict[UUID, None]] = attrs.Factory(dict)

    #: every stream whose first event the directory saw, and its kind
    started: dict[UUID, str] = attrs.Factory(dict)

    def group_of(self, membership_id: UUID) -> UUID | None:
        return self.membership_groups.get(membership_id)

    def goals_of(self, membership_id: UUID) -> list[UUID]:
        return list(self.member_goals.get(membership_id, ()))

    def meetings_of(self, group_id: UUID) -> list[UUID]:
        return list(self.group_meetings.get(group_id, ()))

    def every_group(self) -> list[UUID]:
        return list(self.groups)

    def deals_of(self, membership_id: UUID) -> list[UUID]:
        return list(self.member_deals.get(membership_id, ()))

    def referrals_of(self, membership_id: UUID) -> list[UUID]:
        return list(self.member_referrals.get(membership_id, ()))

    def add(self, event: Event) -> None:
        self._add_start(event)
        self._add_partnering(event)
        match event:
            case MeetingScheduled():
                self.group_meetings.setdefault(event.group_id, {})[event.meeting_id] = None
            case GatheringScheduled():
                self.gatherings[event.gathering_id] = None
            case CostsShared():
                for share in event.shares:
                    self.company_costs.setdefault(share.company_id, {})[event.stream()] = None
            case GoalSet():
                self.member_goals.setdefault(event.membership_id, {})[event.goal_id] = None
            case MotionRaised():
                self.group_motions.setdefault(event.group_id, {})[event.motion_id] = None
            case GroupFormed():
                self.groups[event.group_id] = None
            case CompanyRegistered():
                self.companies[event.company_id] = None
            case MembershipApplied():
                self.membership_groups[event.membership_id] = event.group_id
            case VendorAdmitted():
                self.vendors[event.vendor_id] = None
            case SponsorshipRecorded() if event.vendor_id is not None:
                self.vendor_streams.setdefault(event.vendor_id, {})[event.stream()] = None
            case SessionAdded() if event.speaker.vendor_id is not None:
                self.vendor_streams.setdefault(event.speaker.vendor_id, {})[event.stream()] = None

    def _add_start(self, event: Event) -> None:
        if (kind := _FIRSTS.get(type(event))) is not None:
            self.started.setdefault(event.stream()[1], kind)

    def _add_partnering(self, event: Event) -> None:
        match event:
            case DealProposed():
                self.deals[event.deal_id] = None
                self.company_deals.setdefault(event.company_id, {})[event.deal_id] = None
            case PartnerInvited():
                self.member_deals.setdefault(event.membership_id, {})[event.deal_id] = None
                self.company_deals.setdefault(event.partner_id, {})[event.deal_id] = None
            case ReferralMade():
                self.referrals[event.referral_id] = None
                self.member_referrals.setdefault(event.to_membership_id, {})[event.referral_id] = (
                    None
                )
                for company_id in (event.company_id, event.to_company_id):
                    self.company_referrals.setdefault(company_id, {})[event.referral_id] = None
            case CompetitionOpened():
                self.competitions[event.competition_id] = None


class Replica:
    """The warm part of a network: states, directory and chain heads, current up to
    log position `seen`. Used under the store's lock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.codec = store.codec
        #: cached state and version of every stream loaded, by kind (`Event.home`)
        self.states: dict[str, dict[UUID, tuple[Any, int]]] = {kind: {} for kind in FOLDS}
        self.directory = Directory()
        self.seen = 0  # the log position up to which caches and directory are complete
        #: the version and chain each stream seen ends with
        self.chains: dict[UUID, tuple[int, str]] = {}

    def load(self, kind: str, stream_id: UUID) -> tuple[Any, int]:
        """A stream's state and version: from the cache (kept current by `catch_up`),
        else read whole; (None, 0) when there is no such stream."""
        cache = self.states[kind]
        if stream_id in cache:
            return cache[stream_id]
        if kind in _STARTS_SEEN and stream_id not in self.directory.started:
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
        for event in forgotten:
            if self.codec.keys is not None:
                self.codec.keys.forget(event.company_id)
        self.drop()

    def drop(self) -> None:
        for cache in self.states.values():
            cache.clear()

    def catch_up(self) -> None:
        """Bring the cached states and the directory up to the end of the log.

        One query tells whether anyone wrote since we last looked; usually nobody did
        (this process wrote last) and the caches are current with no further reads. Else
        the new events are read once, in order, and folded in; after a long absence the
        caches are dropped and streams reload when next needed.

        A store answers alike whatever its size: on both paths an event that names
        streams (a directory topic) or whose topic peernet does not know is refused
        (`UnreadableEvent`) if it cannot be read; any other unreadable event is refused
        by the query that loads its stream, and by no other.
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
        if top - self.seen > _TAIL_LIMIT:
            self.drop()
            if self.codec.keys is not None:
                self.codec.keys.drop_cache()  # a company may have been forgotten meanwhile
            forgotten = []
            for n in self.store.log(self.seen, stop=top, topics=_DIRECTORY_TOPICS):
                event = self.codec.decode(n).event
                self.directory.add(event)
                if isinstance(event, CompanyForgotten):
                    forgotten.append(event)
            if forgotten:
                self._shred(forgotten)  # a forgetting whose key another process kept
        else:
            for n in self.store.log(self.seen, stop=top):
                if n.topic != LEDGER_TOPIC:
                    self._fold(n)
        self.seen = top

    def _fold(self, n: Notification) -> None:
        """Fold one event of the log into the caches and the directory; an event that
        cannot be read leaves its stream to be read (and refused) when it is needed."""
        try:
            recorded = self.codec.decode(n)
        except UnreadableEvent:
            if n.topic in _DIRECTORY_TOPICS or n.topic not in self.codec.types:
                raise
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
