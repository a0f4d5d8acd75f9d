"""Who acts for the network, and how: its charter, the staff until the leadership
committee sits, the committee's seats (appointed, or elected by a network-wide motion
counted as a group's motions are), and the resolutions it passes, each one write with
what it changes. Vendor partners are admitted, renewed and ended here too: by the staff
before the committee sits, by resolution after.

`ACTS` names what a resolution can do; each row is the act's needs and its decision
without the staff check (the committee's vote is its authority). A further act (a
competition's opening, once its aggregate exists) is one more row.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from peernet.domain import governance, groups, vendors
from peernet.domain.charters import GroupKind
from peernet.domain.common import Command, Event, carry, check_forward, months_after
from peernet.domain.competitions import OpenCompetition
from peernet.domain.decisions import Decider
from peernet.domain.decisions.awards import open_competition, open_needs
from peernet.domain.decisions.people import require_person
from peernet.domain.errors import InvalidValue
from peernet.domain.governance import (
    AmendNetworkCharter,
    AppointCommitteeMember,
    CallElection,
    CastElectionBallot,
    CharterNetwork,
    CommitteeMemberLeft,
    CommitteeMemberSeated,
    CountElection,
    ElectionBallotCast,
    ElectionCalled,
    ElectionCounted,
    LeaveCommittee,
    NetworkCharterAmended,
    NetworkChartered,
    NetworkDuesSet,
    NetworkState,
    Nominee,
    PassResolution,
    ResolutionFailed,
    ResolutionPassed,
    SetNetworkDues,
    act_for_network,
    term_end,
)
from peernet.domain.groups import FormGroup
from peernet.domain.motions import verdict
from peernet.domain.network_charter import CommitteeRole, ResolutionKind, Selection
from peernet.domain.network_errors import (
    AlreadyOnCommittee,
    AlreadyVotedInElection,
    ChairTaken,
    CommitteeFull,
    ElectionAlreadyCalled,
    ElectionClosed,
    ElectionNotDue,
    NetworkAlreadyChartered,
    NotAnAct,
    NotInElectorate,
    NotOnCommittee,
    ResolutionAlreadyPassed,
    SelectedOtherwise,
    UnknownElection,
    VendorAlreadyAdmitted,
    VotedTwice,
)
from peernet.domain.situation import Ref, Situation, every_group
from peernet.domain.vendors import AdmitVendor, EndVendor, RenewVendor


def _network(command: Command, _: Situation) -> Iterator[Ref]:
    yield Ref.network()


def _open(situation: Situation, command: Command) -> NetworkState:
    """The chartered network, its business time moving forward."""
    network = governance.require(situation.network())
    check_forward(network, command.at)
    return network


# --- the charter -----------------------------------------------------------------------


def _charter(situation: Situation, command: CharterNetwork) -> list[Event]:
    found = situation.network()
    if found is not None:
        raise NetworkAlreadyChartered(at=found.charters[0].effective_at)
    return [carry(NetworkChartered, command)]


def _amend(situation: Situation, command: AmendNetworkCharter) -> list[Event]:
    network = _open(situation, command)
    if command.charter == network.charter:
        return []
    return [carry(NetworkCharterAmended, command, version=len(network.charters) + 1)]


# --- committee seats -------------------------------------------------------------------


def _nominees_needs(nominees: Iterable[Nominee]) -> Iterator[Ref]:
    yield Ref.network()
    for nominee in nominees:
        yield Ref.company(nominee.company_id)


def _check_slate(
    situation: Situation, network: NetworkState, nominees: Sequence[Nominee], at: datetime
) -> None:
    """The nominees fit: named people of companies in the network, none seated or named
    twice, at most one chair, and no more of them than the seats left free."""
    charter = network.charter_at(at)
    seated = network.seated(at)
    if len(seated) + len(nominees) > charter.committee_seats:
        raise CommitteeFull(seats=charter.committee_seats, at=at)
    chair = next((s.person_id for s in seated if s.role is CommitteeRole.CHAIR), None)
    seen: set[UUID] = set()
    for nominee in nominees:
        require_person(situation, nominee.company_id, nominee.person_id)
        if network.seat_of(nominee.person_id, at) is not None or nominee.person_id in seen:
            raise AlreadyOnCommittee(person_id=nominee.person_id)
        seen.add(nominee.person_id)
        if nominee.role is CommitteeRole.CHAIR:
            if chair is not None:
                raise ChairTaken(chair_id=chair)
            chair = nominee.person_id


def _seat(
    network: NetworkState, nominees: Sequence[Nominee], at: datetime, election_id: UUID | None
) -> list[Event]:
    ends = term_end(network.charter_at(at), at)
    return [
        CommitteeMemberSeated(
            person_id=n.person_id,
            company_id=n.company_id,
            role=n.role,
            term_ends=ends,
            election_id=election_id,
            at=at,
        )
        for n in nominees
    ]


def _selected(network: NetworkState, at: datetime, how: Selection) -> None:
    selection = network.charter_at(at).selection
    if selection is not how:
        raise SelectedOtherwise(selection=selection)


def _appoint_needs(command: AppointCommitteeMember, _: Situation) -> Iterator[Ref]:
    return _nominees_needs([command.nominee])


def _appoint(situation: Situation, command: AppointCommitteeMember) -> list[Event]:
    network = _open(situation, command)
    _selected(network, command.at, Selection.APPOINTED)
    act_for_network(network, command.actor, command.at)
    _check_slate(situation, network, [command.nominee], command.at)
    return _seat(network, [command.nominee], command.at, None)


def _leave(situation: Situation, command: LeaveCommittee) -> list[Event]:
    network = _open(situation, command)
    if network.seat_of(command.person_id, command.at) is None:
        raise NotOnCommittee(person_id=command.person_id, at=command.at)
    return [carry(CommitteeMemberLeft, command)]


# --- elections: a network-wide motion ----------------------------------------------------


def _call_needs(command: CallElection, situation: Situation) -> Iterator[Ref]:
    yield from _nominees_needs(command.nominees)
    yield from every_group(situation)


def electorate(situation: Situation) -> tuple[UUID, ...]:
    """The member companies of the network: active in an open core group, once each."""
    found: dict[UUID, None] = {}
    for group_id in situation.links.every_group():
        group = situation.find(situation.groups, group_id, "group")
        if group is None or group.closed_at is not None or group.kind is not GroupKind.CORE:
            continue
        for m in group.active:
            found[m.company_id] = None
    return tuple(sorted(found, key=str))


def _call(situation: Situation, command: CallElection) -> list[Event]:
    network = _open(situation, command)
    _selected(network, command.at, Selection.ELECTED)
    act_for_network(network, command.actor, command.at)
    if command.election_id in network.elections:
        raise ElectionAlreadyCalled(election_id=command.election_id)
    if command.deadline <= command.at:
        raise InvalidValue("an election's deadline comes after it is called", field="deadline")
    _check_slate(situation, network, command.nominees, command.at)
    charter = network.charter_at(command.at)
    return [
        carry(
            ElectionCalled,
            command,
            electorate=electorate(situation),
            quorum=charter.election_quorum,
            threshold=charter.election_threshold,
        )
    ]


def _election(network: NetworkState, election_id: UUID) -> governance.Election:
    election = network.elections.get(election_id)
    if election is None:
        raise UnknownElection(election_id=election_id)
    if election.counted is not None:
        raise ElectionClosed(election_id=election_id)
    return election


def _ballot(situation: Situation, command: CastElectionBallot) -> list[Event]:
    network = _open(situation, command)
    election = _election(network, command.election_id)
    if command.company_id not in election.called.electorate:
        raise NotInElectorate(company_id=command.company_id, election_id=command.election_id)
    if command.company_id in election.ballots:
        raise AlreadyVotedInElection(company_id=command.company_id, election_id=command.election_id)
    return [carry(ElectionBallotCast, command)]


def _count_needs(command: CountElection, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    network = situation.networks.get(Ref.network().id)
    election = network.elections.get(command.election_id) if network else None
    if election is not None:
        yield from _nominees_needs(election.called.nominees)


def _count(situation: Situation, command: CountElection) -> list[Event]:
    network = _open(situation, command)
    election = _election(network, command.election_id)
    called = election.called
    if command.at < called.deadline and len(election.ballots) < len(called.electorate):
        raise ElectionNotDue(election_id=called.election_id, deadline=called.deadline)
    yes = election.in_favour
    no = len(election.ballots) - yes
    size = len(called.electorate)
    why = verdict(yes, no, size, called.quorum, called.threshold)
    counted = carry(
        ElectionCounted, command, in_favour=yes, against=no, electorate=size, failed_because=why
    )
    if why is not None:
        return [counted]
    _check_slate(situation, network, called.nominees, command.at)
    return [counted, *_seat(network, called.nominees, command.at, called.election_id)]


# --- the acts a resolution can pass, and their direct form for the staff -------------------


def _form_group(situation: Situation, command: FormGroup) -> list[Event]:
    state = situation.find(situation.groups, command.group_id, "group")
    return list(groups.decide(state, command))


def _dues(situation: Situation, command: SetNetworkDues) -> list[Event]:
    _open(situation, command)
    return [carry(NetworkDuesSet, command, from_month=command.from_month.replace(day=1))]


def _tier(situation: Situation, command: Command, tier: str) -> str:
    tiers = situation.network_charter(command.at).vendor_tiers
    if tier not in tiers:
        raise InvalidValue(f"tier {tier!r} is not one of the programme's: {', '.join(tiers)}")
    return tier


def _term_end(situation: Situation, command: Command, start: datetime, months: int | None) -> Any:
    term = months or situation.network_charter(command.at).vendor_term_months
    if term < 1:
        raise InvalidValue("a vendor's term is at least one month", field="term_months")
    return (months_after(start, term) - timedelta(days=1)).date()


def _admit(situation: Situation, command: AdmitVendor) -> list[Event]:
    if situation.vendor(command.vendor_id) is not None:
        raise VendorAlreadyAdmitted(vendor_id=command.vendor_id)
    tier = _tier(situation, command, command.tier)
    ends = _term_end(situation, command, command.at, command.term_months)
    return [carry(vendors.VendorAdmitted, command, tier=tier, starts=command.at.date(), ends=ends)]


def _renew(situation: Situation, command: RenewVendor) -> list[Event]:
    vendor = vendors.require(situation.vendor(command.vendor_id), command.vendor_id)
    check_forward(vendor, command.at)
    tier = _tier(situation, command, command.tier or vendor.tier)
    start = command.at.replace(
        year=vendor.ends.year, month=vendor.ends.month, day=vendor.ends.day
    ) + timedelta(days=1)
    ends = _term_end(situation, command, start, command.term_months)
    return [carry(vendors.VendorRenewed, command, tier=tier, ends=ends)]


def _end(situation: Situation, command: EndVendor) -> list[Event]:
    vendor = vendors.require(situation.vendor(command.vendor_id), command.vendor_id)
    check_forward(vendor, command.at)
    return [carry(vendors.VendorEnded, command)]


def _vendor(command: AdmitVendor | RenewVendor | EndVendor, _: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.vendor(command.vendor_id)


def _new_group(command: FormGroup, _: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.group(command.group_id)


@attrs.frozen
class Act:
    """What a resolution can do: its kind, what it reads, what it records (with no staff
    check), the id of what it acts on, and how it reads in a list of resolutions."""

    kind: ResolutionKind
    needs: Callable[[Any, Situation], Iterable[Ref]]
    decide: Callable[[Situation, Any], list[Event]]
    subject: Callable[[Any], UUID | None]
    summary: Callable[[Any], str]


ACTS: dict[type[Command], Act] = {
    FormGroup: Act(
        ResolutionKind.FORM_GROUP,
        _new_group,
        _form_group,
        lambda c: c.group_id,
        lambda c: f"form {c.name} ({c.format.value}, {c.kind.value})",
    ),
    SetNetworkDues: Act(
        ResolutionKind.SET_DUES,
        _network,
        _dues,
        lambda c: None,
        lambda c: (
            f"dues {c.in_person} in person, {c.virtual} virtual {c.currency} a month "
            f"from {c.from_month:%B %Y}"
        ),
    ),
    AdmitVendor: Act(
        ResolutionKind.ADMIT_VENDOR,
        _vendor,
        _admit,
        lambda c: c.vendor_id,
        lambda c: f"admit {c.name} ({c.tier})",
    ),
    RenewVendor: Act(
        ResolutionKind.RENEW_VENDOR, _vendor, _renew, lambda c: c.vendor_id, lambda c: "renew"
    ),
    EndVendor: Act(
        ResolutionKind.END_VENDOR,
        _vendor,
        _end,
        lambda c: c.vendor_id,
        lambda c: f"end: {c.reason}",
    ),
    AmendNetworkCharter: Act(
        ResolutionKind.AMEND_CHARTER, _network, _amend, lambda c: None, lambda c: "amend"
    ),
    OpenCompetition: Act(
        ResolutionKind.OPEN_COMPETITION,
        open_needs,
        open_competition,
        lambda c: c.competition_id,
        lambda c: f"open a competition: {c.theme}",
    ),
}


def _by_staff(act: Act) -> Decider[Any]:
    """The act's direct form: taken by the staff, and only while the committee does not
    sit (when the charter reserves it)."""

    def needs(command: Command, situation: Situation) -> Iterator[Ref]:
        yield Ref.network()
        yield from act.needs(command, situation)

    def decide(situation: Situation, command: Command) -> list[Event]:
        act_for_network(situation.network(), command.actor, command.at, act.kind)
        return act.decide(situation, command)

    return Decider(needs, decide)


# --- resolutions ---------------------------------------------------------------------------


def _act_of(command: PassResolution) -> Act:
    found = ACTS.get(type(command.act))
    if found is None:
        raise NotAnAct(command=type(command.act).__name__)
    return found


def _inner(command: PassResolution) -> Command:
    """The act, as the committee's: at the resolution's time, by its actor."""
    act: Command = attrs.evolve(command.act, at=command.at, actor=command.actor)
    return act


def _resolution_needs(command: PassResolution, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield from _act_of(command).needs(_inner(command), situation)


def _resolve(situation: Situation, command: PassResolution) -> list[Event]:
    network = _open(situation, command)
    act = _act_of(command)
    if any(r.resolution_id == command.resolution_id for r in network.resolutions):
        raise ResolutionAlreadyPassed(resolution_id=command.resolution_id)
    seated = {s.person_id for s in network.seated(command.at)}
    for person_id in (command.proposed_by, *command.in_favour, *command.against):
        if person_id not in seated:
            raise NotOnCommittee(person_id=person_id, at=command.at)
    twice = [p for p, n in Counter((*command.in_favour, *command.against)).items() if n > 1]
    if twice:
        raise VotedTwice(person_id=twice[0], resolution_id=command.resolution_id)
    charter = network.charter_at(command.at)
    why = verdict(
        len(command.in_favour),
        len(command.against),
        len(seated),
        charter.resolution_quorum,
        charter.resolution_threshold,
    )
    inner = _inner(command)
    put: dict[str, Any] = {
        "resolution_id": command.resolution_id,
        "kind": act.kind,
        "subject_id": act.subject(inner),
        "summary": act.summary(inner),
        "proposed_by": command.proposed_by,
        "in_favour": command.in_favour,
        "against": command.against,
        "seated": len(seated),
        "at": command.at,
    }
    if why is not None:
        return [ResolutionFailed(reason=why, **put)]
    return [ResolutionPassed(**put), *act.decide(situation, inner)]


DECIDERS: dict[type[Command], Decider[Any]] = {
    CharterNetwork: Decider(_network, _charter),
    AppointCommitteeMember: Decider(_appoint_needs, _appoint),
    LeaveCommittee: Decider(_network, _leave),
    CallElection: Decider(_call_needs, _call),
    CastElectionBallot: Decider(_network, _ballot),
    CountElection: Decider(_count_needs, _count),
    PassResolution: Decider(_resolution_needs, _resolve),
    # the staff's own form of every act but forming a group (registry's FormGroup checks
    # who acts itself)
    **{command: _by_staff(act) for command, act in ACTS.items() if command is not FormGroup},
}
