"""Company: a member business, its profile, and the memberships it applied for.

A company's stream holds its own acts: registering, changing its profile, applying to a
group (`MembershipApplied`, which claims the company's one core seat), being acquired,
being forgotten (`CompanyForgotten`: its confidential fields can no longer be read).
"""

import enum
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID, uuid4

import attrs

from peernet.domain.common import (
    CONFIDENTIAL,
    Command,
    Event,
    Territory,
    at_least,
    carry,
    check_forward,
    check_types,
    forget,
    non_empty,
)
from peernet.domain.errors import (
    CompanyAlreadyRegistered,
    CompanyWasAcquired,
    CompanyWasForgotten,
    InvalidValue,
    UnknownCompany,
)
from peernet.domain.money import Money


class CompanyKind(enum.Enum):
    RESELLER = "reseller"
    MSP = "msp"
    ISV = "isv"
    CONSULTANT = "consultant"
    OTHER = "other"


def _lines(values: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidValue("business_lines must be a collection of lines, not one string")
    lines = frozenset(v.strip().casefold() for v in values if v and v.strip())
    if not lines:
        raise InvalidValue("a company needs at least one business line", field="business_lines")
    return lines


def _word(value: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, got {value!r}")
    return value.strip().casefold()


def _words(values: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidValue("certifications must be a collection, not one string")
    return frozenset(v.strip().casefold() for v in values if v and v.strip())


@attrs.frozen(kw_only=True)
class Profile:
    """What the network knows of a company; two profiles compete when their territories
    overlap and they share a business line. Its name and representatives are personal
    data: confidential, encrypted at rest with the company's key when a key is set."""

    name: str = attrs.field(validator=non_empty, metadata={CONFIDENTIAL: True})
    kind: CompanyKind
    territory: Territory
    business_lines: frozenset[str] = attrs.field(converter=_lines)
    head_count: int = attrs.field(validator=at_least(0))
    revenue_band: str = attrs.field(validator=non_empty)
    representatives: tuple[str, ...] = attrs.field(default=(), metadata={CONFIDENTIAL: True})
    #: what special-interest groups are drawn by (schema 2 of the company's events):
    #: how it makes its money ("managed services", "project"...), its size band
    #: ("1-10", "11-50"...), who owns it ("founder", "private equity"...), its vertical
    #: ("healthcare"...), its partner level ("gold"...) and certifications it holds
    #: ("small business specialist"...); lowercased, "" when not known
    business_model: str = attrs.field(default="", converter=_word)
    size_band: str = attrs.field(default="", converter=_word)
    ownership: str = attrs.field(default="", converter=_word)
    vertical: str = attrs.field(default="", converter=_word)
    partner_level: str = attrs.field(default="", converter=_word)
    certifications: frozenset[str] = attrs.field(default=frozenset(), converter=_words)

    def __attrs_post_init__(self) -> None:
        check_types(self)

    def competes_with(self, other: "Profile") -> bool:
        return self.territory.overlaps(other.territory) and bool(
            self.business_lines & other.business_lines
        )


# --- commands -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RegisterCompany(Command):
    profile: Profile
    company_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class ChangeCompanyProfile(Command):
    company_id: UUID
    profile: Profile


@attrs.frozen(kw_only=True)
class RecordAcquisition(Command):
    """The company was bought; it leaves every group it is in, in the same write. The
    buyer is `acquirer` (free text, sealed with the bought company's key), or, when it is
    a member company of the network, `acquirer_id`: a member is named by id, never by
    name in another company's record, so forgetting it forgets it there too."""

    company_id: UUID
    acquirer: str = attrs.field(default="", metadata={CONFIDENTIAL: True})
    acquirer_id: UUID | None = None

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not self.acquirer.strip() and self.acquirer_id is None:
            raise InvalidValue("an acquisition names its acquirer or its acquirer_id")


@attrs.frozen(kw_only=True)
class ForgetCompany(Command):
    """The company asked to be forgotten: its key is destroyed, so its confidential fields
    read as `FORGOTTEN` from then on; every count, rate and tally stays as it was."""

    company_id: UUID


def _first_of_month(value: object) -> date:
    if not isinstance(value, date):
        raise InvalidValue(f"month must be a date, got {value!r}", field="month")
    return date(value.year, value.month, 1)


@attrs.frozen(kw_only=True)
class ChargeDues(Command):
    """Charge a month's dues to every member of the group active in that month. The same
    month charged again charges nobody twice: it is safe to run on a schedule."""

    group_id: UUID
    month: date = attrs.field(converter=_first_of_month)


@attrs.frozen(kw_only=True)
class RecordPayment(Command):
    company_id: UUID
    amount: Money
    reference: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


CompanyCommand = RegisterCompany | ChangeCompanyProfile


# --- people: a company's representatives -------------------------------------------------


class PersonRole(enum.Enum):
    """What a representative does in the company, which decides the groups it sits in."""

    EXECUTIVE = "executive"
    MARKETING_MANAGER = "marketing manager"
    APP_DEVELOPMENT_MANAGER = "app-development manager"
    SALES_MANAGER = "sales manager"
    TECHNICAL_MANAGER = "technical manager"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class NameRepresentative(Command):
    """A person of the company who attends for it, up to the network charter's number
    (`representatives_per_company`). The name is personal data: sealed under the
    company's key, forgotten with the company."""

    company_id: UUID
    name: str = attrs.field(validator=non_empty)
    role: PersonRole
    person_id: UUID = attrs.field(factory=uuid4)


@attrs.frozen(kw_only=True)
class OptIntoBenchmarking(Command):
    """The company opts into the network's outside benchmarking provider."""

    company_id: UUID
    provider: str = attrs.field(validator=non_empty)


@attrs.frozen(kw_only=True)
class WithdrawRepresentative(Command):
    """The person no longer attends for the company (left it, or handed over)."""

    company_id: UUID
    person_id: UUID
    reason: str = ""


# --- events ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CompanyEvent(Event):
    """An event of a company's stream: its own acts, its applications and its account."""

    home = "company_id"
    company_id: UUID


@attrs.frozen(kw_only=True)
class CompanyRegistered(CompanyEvent):
    #: schema 2: the profile states business model, size band, ownership, vertical,
    #: partner level and certifications
    schema: ClassVar[int] = 2
    profile: Profile


@attrs.frozen(kw_only=True)
class CompanyProfileChanged(CompanyEvent):
    schema: ClassVar[int] = 2
    profile: Profile


@attrs.frozen(kw_only=True)
class CompanyAcquired(CompanyEvent):
    """Schema 2: the buyer is `acquirer` (sealed) or the member company `acquirer_id`."""

    schema: ClassVar[int] = 2
    acquirer: str = attrs.field(metadata={CONFIDENTIAL: True})
    acquirer_id: UUID | None = None


@attrs.frozen(kw_only=True)
class CompanyForgotten(CompanyEvent):
    """The company's key was destroyed: its confidential fields, in every event, are gone."""


@attrs.frozen(kw_only=True)
class MembershipApplied(CompanyEvent):
    """The company applied to a group. Recorded in the company's stream (it is the
    company's act, and it claims the company's core seat); the group's answer,
    `SeatOffered` or `ApplicantWaitlisted`, is recorded in the group's stream in the
    same write."""

    membership_id: UUID
    group_id: UUID
    core: bool
    transferred_from: UUID | None = None


@attrs.frozen(kw_only=True)
class DuesCharged(CompanyEvent):
    """A month's dues for one membership, on the company's account."""

    group_id: UUID
    membership_id: UUID
    #: the first day of the month charged
    month: date
    amount: Money


@attrs.frozen(kw_only=True)
class PaymentReceived(CompanyEvent):
    amount: Money
    reference: str = attrs.field(default="", metadata={CONFIDENTIAL: True})


@attrs.frozen(kw_only=True)
class RepresentativeNamed(CompanyEvent):
    person_id: UUID
    name: str = attrs.field(metadata={CONFIDENTIAL: True})
    role: PersonRole


@attrs.frozen(kw_only=True)
class RepresentativeWithdrawn(CompanyEvent):
    person_id: UUID
    reason: str = ""


@attrs.frozen(kw_only=True)
class BenchmarkingOptedIn(CompanyEvent):
    provider: str


# --- state ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Person:
    """A representative of a company: its name reads `FORGOTTEN` once the company is."""

    id: UUID
    company_id: UUID
    name: str = attrs.field(metadata={CONFIDENTIAL: True})
    role: PersonRole
    named_at: datetime
    withdrawn_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.withdrawn_at is None


@attrs.frozen(kw_only=True)
class Application:
    membership_id: UUID
    group_id: UUID
    core: bool


@attrs.frozen(kw_only=True)
class Company:
    id: UUID
    profile: Profile
    registered_at: datetime
    last_at: datetime
    acquirer: str | None = None
    #: the member company that bought it, when the buyer is one
    acquirer_id: UUID | None = None
    applications: tuple[Application, ...] = ()
    dues: tuple[DuesCharged, ...] = ()
    payments: tuple[PaymentReceived, ...] = ()
    forgotten: bool = False
    #: every person the company ever named, in order
    people: tuple[Person, ...] = ()
    #: the outside benchmarking provider it opted into, and when
    benchmarking: BenchmarkingOptedIn | None = None

    @property
    def representatives(self) -> list[Person]:
        """The people who attend for the company now."""
        return [p for p in self.people if p.current]

    def person(self, person_id: UUID) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def charged(self, membership_id: UUID, month: date) -> bool:
        return any(d.membership_id == membership_id and d.month == month for d in self.dues)

    @property
    def acquired(self) -> bool:
        return self.acquirer is not None


def require(state: Company | None, company_id: UUID) -> Company:
    """The company, registered, not acquired nor forgotten, or the error that says why not."""
    if state is None:
        raise UnknownCompany(company_id=company_id)
    if state.forgotten:
        raise CompanyWasForgotten(company_id=company_id)
    if state.acquired:
        raise CompanyWasAcquired(company_id=company_id)
    return state


def decide(state: Company | None, command: CompanyCommand) -> list[CompanyEvent]:
    match command:
        case RegisterCompany():
            if state is not None:
                raise CompanyAlreadyRegistered(company_id=command.company_id)
            return [carry(CompanyRegistered, command)]
        case ChangeCompanyProfile():
            company = require(state, command.company_id)
            check_forward(company, command.at)
            if command.profile == company.profile:
                return []
            return [carry(CompanyProfileChanged, command)]


def evolve(state: Company | None, event: CompanyEvent) -> Company:
    match event:
        case CompanyRegistered():
            return Company(
                id=event.company_id,
                profile=event.profile,
                registered_at=event.at,
                last_at=event.at,
            )
    assert state is not None, f"{type(event).__name__} before CompanyRegistered"
    match event:
        case CompanyProfileChanged():
            return attrs.evolve(state, profile=event.profile, last_at=event.at)
        case CompanyAcquired():
            return attrs.evolve(
                state, acquirer=event.acquirer, acquirer_id=event.acquirer_id, last_at=event.at
            )
        case CompanyForgotten():
            return attrs.evolve(
                state,
                profile=forget(state.profile),
                people=tuple(forget(p) for p in state.people),
                forgotten=True,
                last_at=event.at,
            )
        case RepresentativeNamed():
            person = Person(
                id=event.person_id,
                company_id=event.company_id,
                name=event.name,
                role=event.role,
                named_at=event.at,
            )
            return attrs.evolve(state, people=(*state.people, person), last_at=event.at)
        case BenchmarkingOptedIn():
            return attrs.evolve(state, benchmarking=event, last_at=event.at)
        case RepresentativeWithdrawn():
            people = tuple(
                attrs.evolve(p, withdrawn_at=event.at) if p.id == event.person_id else p
                for p in state.people
            )
            return attrs.evolve(state, people=people, last_at=event.at)
        case MembershipApplied():
            application = Application(
                membership_id=event.membership_id, group_id=event.group_id, core=event.core
            )
            return attrs.evolve(
                state, applications=(*state.applications, application), last_at=event.at
            )
        case DuesCharged():
            return attrs.evolve(state, dues=(*state.dues, event), last_at=event.at)
        case PaymentReceived():
            return attrs.evolve(state, payments=(*state.payments, event), last_at=event.at)
    raise AssertionError(f"not a company event: {event!r}")
