"""The network itself: its charter, who acts for it, its leadership committee, the
elections that seat the committee and the resolutions it passes.

One stream (`network_id`, always `NETWORK_ID`) holds it all. The founder's staff, named
by the network charter, act for the network until the committee's first members are
seated; from then on the decisions the charter reserves (forming a group, setting dues,
admitting, renewing or ending a vendor partner, amending the network charter, opening a
competition) pass only as resolutions of the committee, each one write with what it
changes. The decisions live in `peernet.domain.decisions.governance`.
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import Command, Event, months_after, non_empty
from peernet.domain.errors import InvalidValue
from peernet.domain.network_charter import (
    NETWORK_ID,
    CommitteeRole,
    NetworkCharter,
    ResolutionKind,
)
from peernet.domain.network_errors import (
    NetworkNotChartered,
    NotNetworkStaff,
    ReservedToCommittee,
)

# --- values -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Nominee:
    """A person of a member company standing for a committee seat, in a role."""

    person_id: UUID
    company_id: UUID
    role: CommitteeRole = CommitteeRole.MEMBER


def _ids(value: object) -> tuple[UUID, ...]:
    if isinstance(value, str | UUID) or not isinstance(value, tuple | list | frozenset | set):
        raise InvalidValue("votes are a collection of person ids")
    return tuple(value)


# --- commands ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CharterNetwork(Command):
    """Give the network its charter: from now on its rules hold, and its staff act for it."""

    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class AmendNetworkCharter(Command):
    """A new version of the network charter, in force for commands dated from `at` on."""

    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class AppointCommitteeMember(Command):
    """Those who act for the network appoint a member's person to the committee (when the
    charter has its members appointed)."""

    nominee: Nominee


@attrs.frozen(kw_only=True)
class CallElection(Command):
    """Put a slate of nominees to the member companies: a network-wide motion."""

    nominees: tuple[Nominee, ...]
    deadline: datetime
    election_id: UUID = attrs.field(factory=uuid4)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not self.nominees:
            raise InvalidValue("an election puts at least one nominee", field="nominees")


@attrs.frozen(kw_only=True)
class CastElectionBallot(Command):
    """A member company's one ballot for or against the slate."""

    election_id: UUID
    company_id: UUID
    in_favour: bool


@attrs.frozen(kw_only=True)
class CountElection(Command):
    """At or after the deadline: the slate is seated when quorum and threshold are met."""

    election_id: UUID


@attrs.frozen(kw_only=True)
class LeaveCommittee(Command):
    """A committee member steps down before the end of the term."""

    person_id: UUID
    reason: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class SetNetworkDues(Command):
    """Monthly dues of every group, by format, from a month on; none before it."""

    in_person: Decimal
    virtual: Decimal
    from_month: date
    currency: str = "USD"

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for name in ("in_person", "virtual"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InvalidValue(f"{name} must be an amount of 0 or more", field=name)


@attrs.frozen(kw_only=True)
class ReferenceFigure:
    """An outside provider's industry figure for one metric: its quartiles."""

    metric: str = attrs.field(validator=non_empty)
    lower_quartile: Decimal
    median: Decimal
    upper_quartile: Decimal

    def __attrs_post_init__(self) -> None:
        if not self.lower_quartile <= self.median <= self.upper_quartile:
            raise InvalidValue(
                f"{self.metric}: quartiles run lower <= median <= upper", field="median"
            )


@attrs.frozen(kw_only=True)
class ImportReferenceFigures(Command):
    """Industry reference figures of a quarter from an outside source (read from a CSV
    file at the edge: `peernet.adapters.reference`)."""

    source: str = attrs.field(validator=non_empty)
    quarter: str = attrs.field(validator=non_empty)
    figures: tuple[ReferenceFigure, ...]


@attrs.frozen(kw_only=True)
class PassResolution(Command):
    """The committee votes on an act for the network (`act`: `FormGroup`, `SetNetworkDues`,
    `AdmitVendor`, `RenewVendor`, `EndVendor`, `AmendNetworkCharter` or
    `OpenCompetition`). Carried under the charter's quorum and threshold, the act is
    recorded with the resolution in one write; else the resolution is recorded as failed."""

    proposed_by: UUID
    in_favour: tuple[UUID, ...] = attrs.field(converter=_ids)
    against: tuple[UUID, ...] = attrs.field(default=(), converter=_ids)
    #: the command the committee resolves to execute (any of those above)
    act: Any = attrs.field(validator=attrs.validators.instance_of(Command))
    resolution_id: UUID = attrs.field(factory=uuid4)


# --- events -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class NetworkEvent(Event):
    """An event of the network's one stream."""

    home = "network_id"
    network_id: UUID = NETWORK_ID


@attrs.frozen(kw_only=True)
class NetworkChartered(NetworkEvent):
    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class NetworkCharterAmended(NetworkEvent):
    version: int
    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class CommitteeMemberSeated(NetworkEvent):
    person_id: UUID
    company_id: UUID
    role: CommitteeRole
    #: the last day of the term
    term_ends: date
    #: the election that seated the member (None: appointed)
    election_id: UUID | None = None


@attrs.frozen(kw_only=True)
class CommitteeMemberLeft(NetworkEvent):
    person_id: UUID
    reason: str


@attrs.frozen(kw_only=True)
class ElectionCalled(NetworkEvent):
    election_id: UUID
    nominees: tuple[Nominee, ...]
    deadline: datetime
    #: the member companies active in an open core group when it was called
    electorate: tuple[UUID, ...]
    quorum: Fraction
    threshold: Fraction


@attrs.frozen(kw_only=True)
class ElectionBallotCast(NetworkEvent):
    election_id: UUID
    company_id: UUID
    in_favour: bool


@attrs.frozen(kw_only=True)
class ElectionCounted(NetworkEvent):
    election_id: UUID
    in_favour: int
    against: int
    electorate: int
    #: why the slate was not seated (None: carried, and `CommitteeMemberSeated` follow)
    failed_because: str | None = None


@attrs.frozen(kw_only=True)
class NetworkDuesSet(NetworkEvent):
    in_person: Decimal
    virtual: Decimal
    from_month: date
    currency: str


@attrs.frozen(kw_only=True)
class ReferenceFiguresImported(NetworkEvent):
    source: str
    quarter: str
    figures: tuple[ReferenceFigure, ...]


@attrs.frozen(kw_only=True)
class ResolutionPut(NetworkEvent):
    """The committee voted on a resolution; what it decided follows in the same write
    when it carried."""

    resolution_id: UUID
    kind: ResolutionKind
    #: the group, vendor or competition it acts on (None: the network itself)
    subject_id: UUID | None
    summary: str
    proposed_by: UUID
    in_favour: tuple[UUID, ...]
    against: tuple[UUID, ...]
    #: committee members seated when it was put
    seated: int


@attrs.frozen(kw_only=True)
class ResolutionPassed(ResolutionPut):
    """Carried: the act is recorded with it."""


@attrs.frozen(kw_only=True)
class ResolutionFailed(ResolutionPut):
    reason: str


# --- state ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CharterVersion:
    version: int
    effective_at: datetime
    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class Seat:
    person_id: UUID
    company_id: UUID
    role: CommitteeRole
    seated_at: datetime
    term_ends: date
    left_at: datetime | None = None
    election_id: UUID | None = None

    def held_on(self, at: datetime) -> bool:
        """Whether the seat is held at `at`: seated, within the term, not left."""
        if self.seated_at > at or at.date() > self.term_ends:
            return False
        return self.left_at is None or self.left_at > at


@attrs.frozen(kw_only=True)
class Election:
    called: ElectionCalled
    ballots: Mapping[UUID, bool] = MappingProxyType({})
    counted: ElectionCounted | None = None

    @property
    def in_favour(self) -> int:
        return sum(1 for v in self.ballots.values() if v)


@attrs.frozen(kw_only=True)
class NetworkState:
    id: UUID
    charters: tuple[CharterVersion, ...]
    last_at: datetime
    #: every seat ever held, in order of seating
    seats: tuple[Seat, ...] = ()
    #: when the committee's first members were seated: it acts for the network from then
    committee_since: datetime | None = None
    elections: Mapping[UUID, Election] = MappingProxyType({})
    resolutions: tuple[ResolutionPut, ...] = ()
    dues: tuple[NetworkDuesSet, ...] = ()
    #: reference figures by (source, quarter), the latest import of each
    references: Mapping[tuple[str, str], ReferenceFiguresImported] = MappingProxyType({})

    @property
    def charter(self) -> NetworkCharter:
        return self.charters[-1].charter

    def charter_at(self, at: datetime) -> NetworkCharter:
        """The network charter in force at a business time: the defaults before the
        network was chartered (a decision keeps the rules it was taken under)."""
        in_force = NetworkCharter()
        for version in self.charters:
            if version.effective_at <= at:
                in_force = version.charter
        return in_force

    def chartered_by(self, at: datetime) -> bool:
        return self.charters[0].effective_at <= at

    def seated(self, at: datetime) -> list[Seat]:
        return [s for s in self.seats if s.held_on(at)]

    def seat_of(self, person_id: UUID, at: datetime) -> Seat | None:
        return next((s for s in self.seated(at) if s.person_id == person_id), None)

    def committee_sits(self, at: datetime) -> bool:
        return self.committee_since is not None and self.committee_since <= at

    def dues_for(self, month: date) -> NetworkDuesSet | None:
        """The network's dues in force for a month (None: the groups' charters decide)."""
        found = None
        for set_ in self.dues:
            if set_.from_month <= month:
                found = set_
        return found

    @property
    def dues_start(self) -> date | None:
        """The first month the network charges dues, once it set them."""
        return min((d.from_month for d in self.dues), default=None)


def charter_at(state: NetworkState | None, at: datetime) -> NetworkCharter:
    """The network charter in force at `at`: the defaults while it was never chartered."""
    return NetworkCharter() if state is None else state.charter_at(at)


def require(state: NetworkState | None) -> NetworkState:
    if state is None:
        raise NetworkNotChartered()
    return state


def act_for_network(
    state: NetworkState | None, actor: str, at: datetime, kind: ResolutionKind | None = None
) -> None:
    """Refuse a network-level command from someone who does not act for the network: a
    decision the charter reserves to the committee once it sits, or any from someone not
    on the staff. A network not chartered by then refuses nothing."""
    if state is None or not state.chartered_by(at):
        return
    charter = state.charter_at(at)
    if kind is not None and kind in charter.reserved and state.committee_sits(at):
        raise ReservedToCommittee(kind=kind, since=state.committee_since)
    if actor.strip() not in charter.staff:
        raise NotNetworkStaff(actor=actor)


def term_end(charter: NetworkCharter, at: datetime) -> date:
    """The last day of a term that begins at `at`."""
    return months_after(at, charter.term_months).date()


def evolve(state: NetworkState | None, event: NetworkEvent) -> NetworkState:
    if isinstance(event, NetworkChartered):
        version = CharterVersion(version=1, effective_at=event.at, charter=event.charter)
        return NetworkState(id=event.network_id, charters=(version,), last_at=event.at)
    assert state is not None, f"{type(event).__name__} before NetworkChartered"
    state = attrs.evolve(state, last_at=event.at)
    match event:
        case NetworkCharterAmended():
            version = CharterVersion(
                version=event.version, effective_at=event.at, charter=event.charter
            )
            return attrs.evolve(state, charters=(*state.charters, version))
        case CommitteeMemberSeated():
            seat = Seat(
                person_id=event.person_id,
                company_id=event.company_id,
                role=event.role,
                seated_at=event.at,
                term_ends=event.term_ends,
                election_id=event.election_id,
            )
            since = state.committee_since or event.at
            return attrs.evolve(state, seats=(*state.seats, seat), committee_since=since)
        case CommitteeMemberLeft():
            seats = tuple(
                attrs.evolve(s, left_at=event.at)
                if s.person_id == event.person_id and s.held_on(event.at)
                else s
                for s in state.seats
            )
            return attrs.evolve(state, seats=seats)
        case ElectionCalled():
            elections = {**state.elections, event.election_id: Election(called=event)}
            return attrs.evolve(state, elections=MappingProxyType(elections))
        case ElectionBallotCast() | ElectionCounted():
            return attrs.evolve(state, elections=_with_election(state.elections, event))
        case ResolutionPut():
            return attrs.evolve(state, resolutions=(*state.resolutions, event))
        case NetworkDuesSet():
            return attrs.evolve(state, dues=(*state.dues, event))
        case ReferenceFiguresImported():
            found = {**state.references, (event.source, event.quarter): event}
            return attrs.evolve(state, references=MappingProxyType(found))
    raise AssertionError(f"not a network event: {event!r}")


def _with_election(
    elections: Mapping[UUID, Election], event: ElectionBallotCast | ElectionCounted
) -> Mapping[UUID, Election]:
    held = elections[event.election_id]
    if isinstance(event, ElectionBallotCast):
        held = attrs.evolve(
            held, ballots=MappingProxyType({**held.ballots, event.company_id: event.in_favour})
        )
    else:
        held = attrs.evolve(held, counted=event)
    return MappingProxyType({**elections, event.election_id: held})
