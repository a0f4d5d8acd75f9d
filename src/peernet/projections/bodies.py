"""What the network's own bodies look like to a reader: the committee and who acts for
the network, the resolutions, the vendor partners with their figures (in the programme
against the target, sponsorship per vendor per year, talks, cost offset per meeting),
and a company's people. Pure: built from states the facade hands over."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import attrs

from peernet.domain.companies import Company, Person, PersonRole
from peernet.domain.governance import NetworkState, ResolutionFailed, ResolutionPut, Seat
from peernet.domain.groups import Group
from peernet.domain.meetings import Gathering, Meeting, MeetingStatus
from peernet.domain.network_charter import CommitteeRole, NetworkCharter, ResolutionKind
from peernet.domain.vendors import Vendor


@attrs.frozen(kw_only=True)
class PersonView:
    person_id: UUID
    company_id: UUID
    #: `forgotten` once the company is forgotten
    name: str
    role: PersonRole
    named_on: date
    withdrawn_on: date | None

    @classmethod
    def of(cls, person: Person) -> "PersonView":
        return cls(
            person_id=person.id,
            company_id=person.company_id,
            name=str(person.name),
            role=person.role,
            named_on=person.named_at.date(),
            withdrawn_on=person.withdrawn_at.date() if person.withdrawn_at else None,
        )


@attrs.frozen(kw_only=True)
class SeatView:
    person_id: UUID
    company_id: UUID
    name: str
    company: str
    role: CommitteeRole
    seated_on: date
    term_ends: date
    left_on: date | None
    elected: bool


@attrs.frozen(kw_only=True)
class CommitteeView:
    """Who acts for the network (`acting`: "anyone" while it has no charter, "staff"
    until the committee sits, "committee" from then), and the committee's seats."""

    acting: str
    since: date | None
    staff: tuple[str, ...]
    seats: int
    term_months: int
    #: the seats held on the day asked about, chair first
    seated: tuple[SeatView, ...]
    #: every seat ever held, in order of seating
    ever: tuple[SeatView, ...]

    @classmethod
    def of(
        cls, network: NetworkState | None, on: datetime, companies: Mapping[UUID, Company]
    ) -> "CommitteeView":
        if network is None or not network.chartered_by(on):
            rules = NetworkCharter()
            return cls(
                acting="anyone",
                since=None,
                staff=(),
                seats=rules.committee_seats,
                term_months=rules.term_months,
                seated=(),
                ever=(),
            )
        charter = network.charter_at(on)
        views = [_seat(s, companies) for s in network.seats]
        held = [v for v, s in zip(views, network.seats, strict=True) if s.held_on(on)]
        held.sort(key=lambda v: (v.role is not CommitteeRole.CHAIR, v.seated_on))
        sits = network.committee_sits(on)
        since = network.committee_since if sits else network.charters[0].effective_at
        return cls(
            acting="committee" if sits else "staff",
            since=since.date() if since else None,
            staff=tuple(sorted(charter.staff)),
            seats=charter.committee_seats,
            term_months=charter.term_months,
            seated=tuple(held),
            ever=tuple(views),
        )


def _seat(seat: Seat, companies: Mapping[UUID, Company]) -> SeatView:
    company = companies.get(seat.company_id)
    person = company.person(seat.person_id) if company else None
    return SeatView(
        person_id=seat.person_id,
        company_id=seat.company_id,
        name=str(person.name) if person else "",
        company=str(company.profile.name) if company else "",
        role=seat.role,
        seated_on=seat.seated_at.date(),
        term_ends=seat.term_ends,
        left_on=seat.left_at.date() if seat.left_at else None,
        elected=seat.election_id is not None,
    )


@attrs.frozen(kw_only=True)
class ResolutionView:
    resolution_id: UUID
    on: date
    kind: ResolutionKind
    summary: str
    subject_id: UUID | None
    passed: bool
    in_favour: int
    against: int
    seated: int
    reason: str | None

    @classmethod
    def of(cls, put: ResolutionPut) -> "ResolutionView":
        return cls(
            resolution_id=put.resolution_id,
            on=put.at.date(),
            kind=put.kind,
            summary=put.summary,
            subject_id=put.subject_id,
            passed=not isinstance(put, ResolutionFailed),
            in_favour=len(put.in_favour),
            against=len(put.against),
            seated=put.seated,
            reason=put.reason if isinstance(put, ResolutionFailed) else None,
        )


@attrs.frozen(kw_only=True)
class CostOffset:
    """How much of a meeting's (or gathering's) expenses its sponsors covered."""

    stream_id: UUID
    starts: date
    expenses: Decimal
    sponsorship: Decimal

    @property
    def offset(self) -> Fraction | None:
        """Sponsorship ÷ expenses (None when nothing was spent)."""
        if not self.expenses:
            return None
        return Fraction(self.sponsorship) / Fraction(self.expenses)


def offset_of(held: Meeting | Gathering) -> CostOffset:
    starts = held.starts if isinstance(held, Meeting) else held.scheduled.starts
    return CostOffset(
        stream_id=held.id,
        starts=starts,
        expenses=sum((e.amount.amount for e in held.expenses), Decimal(0)),
        sponsorship=sum((s.amount.amount for s in held.sponsorships), Decimal(0)),
    )


@attrs.frozen(kw_only=True)
class VendorView:
    vendor_id: UUID
    name: str
    tier: str
    starts: date
    ends: date
    ended_on: date | None
    renewals: int
    #: in the programme on the day asked about
    in_programme: bool
    sponsorships: int
    sponsored: Decimal
    #: sponsorship given, by year of the meeting or gathering sponsored
    by_year: tuple[tuple[int, Decimal], ...]
    talks: int
    #: the meetings and gatherings it sponsored, with their cost offset
    offsets: tuple[CostOffset, ...]

    @classmethod
    def of(cls, vendor: Vendor, on: date, held: Iterable[Meeting | Gathering]) -> "VendorView":
        years: dict[int, Decimal] = {}
        count, talks, offsets = 0, 0, []
        for stream in held:
            mine = [s for s in stream.sponsorships if s.vendor_id == vendor.id]
            talks += sum(1 for s in stream.sessions if s.speaker.vendor_id == vendor.id)
            if not mine:
                continue
            offset = offset_of(stream)
            offsets.append(offset)
            given = sum((s.amount.amount for s in mine), Decimal(0))
            years[offset.starts.year] = years.get(offset.starts.year, Decimal(0)) + given
            count += len(mine)
        return cls(
            vendor_id=vendor.id,
            name=vendor.name,
            tier=vendor.tier,
            starts=vendor.starts,
            ends=vendor.ends,
            ended_on=vendor.ended_on,
            renewals=vendor.renewals,
            in_programme=vendor.in_programme(on),
            sponsorships=count,
            sponsored=sum(years.values(), Decimal(0)),
            by_year=tuple(sorted(years.items())),
            talks=talks,
            offsets=tuple(sorted(offsets, key=lambda o: (o.starts, str(o.stream_id)))),
        )


@attrs.frozen(kw_only=True)
class VendorsView:
    """The programme on a day: every vendor ever admitted, how many are in it, the target."""

    on: date
    vendors: tuple[VendorView, ...]
    target: int

    @property
    def in_programme(self) -> int:
        return sum(1 for v in self.vendors if v.in_programme)


@attrs.frozen(kw_only=True)
class CohortMember:
    membership_id: UUID
    company_id: UUID
    company: str
    joined_on: date
    #: the day its programme is complete (`programme_months` after joining)
    completes_on: date
    status: str


@attrs.frozen(kw_only=True)
class Ceremony:
    on: date
    gathering_id: UUID
    gathering: str
    graduates: int


@attrs.frozen(kw_only=True)
class Step:
    """A graduate who stepped up: into a second-year virtual group, or face to face."""

    company_id: UUID
    company: str
    on: date
    to_group_id: UUID
    to_group: str
    second_year: bool
    #: the new membership's status (offered, wait-listed, active...)
    status: str


@attrs.frozen(kw_only=True)
class ProgrammeGroup:
    """A virtual group's programme: its cohort, ceremonies and the steps up from it."""

    group_id: UUID
    name: str
    months: int
    certifications: tuple[str, ...]
    cohort: tuple[CohortMember, ...]
    ceremonies: tuple[Ceremony, ...]
    steps: tuple[Step, ...]


# --- the rhythm of the network -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Period:
    """One period of the network charter's cadence (a quarter by default) for a group."""

    starts: date
    #: its last day
    ends: date
    #: meetings held in it (scheduled and not cancelled), and of those at a gathering
    meetings: int
    at_gathering: int
    #: expected members who sent no prep, over its closed meetings
    missing_prep: int


@attrs.frozen(kw_only=True)
class GroupCadence:
    group_id: UUID
    name: str
    every_months: int
    periods: tuple[Period, ...]
    #: the first days of the periods in which the group, with members, did not meet
    missed: tuple[date, ...]
    #: members who missed prep more often than the charter allows, over the group's
    #: last 4 closed meetings
    prep_flagged: tuple[UUID, ...]


def period_start(day: date, months: int) -> date:
    """The first day of the period of `months` months holding `day` (periods start in
    January: quarters are January, April, July, October)."""
    index = (day.year * 12 + day.month - 1) // months * months
    return date(index // 12, index % 12 + 1, 1)


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def cadence_of(
    group: Group, held: Iterable[Meeting], charter: NetworkCharter, until: date
) -> GroupCadence:
    """The group's complete periods up to `until`: meetings held in each, the periods it
    did not meet though it had members, and the members flagged for missing prep."""
    months = charter.meeting_every_months
    meetings = [
        m for m in held if m.group_id == group.id and m.status is not MeetingStatus.CANCELLED
    ]
    last = until if group.closed_at is None else min(until, group.closed_at.date())
    periods: list[Period] = []
    missed: list[date] = []
    start = period_start(group.formed_at.date(), months)
    while (end := _months_later(start, months)) <= last:
        inside = [m for m in meetings if start <= m.starts < end]
        closed = [m for m in inside if m.closed is not None]
        periods.append(
            Period(
                starts=start,
                ends=end - timedelta(days=1),
                meetings=len(inside),
                at_gathering=sum(1 for m in inside if m.scheduled.gathering_id is not None),
                missing_prep=sum(
                    1 for m in closed for e in m.scheduled.expected if e not in m.prep
                ),
            )
        )
        if not inside and _had_members(group, start, end):
            missed.append(start)
        start = end
    recent = sorted(
        (m for m in meetings if m.closed is not None), key=lambda m: (m.starts, str(m.id))
    )[-4:]
    misses: dict[UUID, int] = {}
    for m in recent:
        for e in m.scheduled.expected:
            if e not in m.prep:
                misses[e] = misses.get(e, 0) + 1
    flagged = sorted((e for e, n in misses.items() if n > charter.prep_misses_allowed), key=str)
    return GroupCadence(
        group_id=group.id,
        name=group.name,
        every_months=months,
        periods=tuple(periods),
        missed=tuple(missed),
        prep_flagged=tuple(flagged),
    )


def _had_members(group: Group, start: date, end: date) -> bool:
    for m in group.memberships.values():
        if m.joined_at is None or m.joined_at.date() >= end:
            continue
        if m.left_at is None or m.left_at.date() >= start:
            return True
    return False
