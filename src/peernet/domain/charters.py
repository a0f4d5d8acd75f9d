"""A group's charter: every rule a group enforces, each a parameter with its default.

A charter is versioned inside its group: `CharterAmended` records a new version, which
applies to commands dated from the amendment on; decisions taken before keep the rules
they were taken under.
"""

import enum
from decimal import Decimal
from fractions import Fraction

import attrs

from peernet.domain.common import at_least
from peernet.domain.errors import InvalidValue


class GroupFormat(enum.Enum):
    IN_PERSON = "in-person"
    VIRTUAL = "virtual"


class GroupKind(enum.Enum):
    """Core: a company's one main group. Companion and special-interest groups are extra."""

    CORE = "core"
    COMPANION = "companion"
    SPECIAL_INTEREST = "special-interest"


def _share(instance: object, attribute: "attrs.Attribute[Fraction]", value: Fraction) -> None:
    if not isinstance(value, Fraction) or not 0 < value <= 1:
        raise InvalidValue(
            f"{attribute.name} must be a fraction above 0 and at most 1, got {value}",
            field=attribute.name,
        )


def _money(instance: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidValue(f"{attribute.name} must be an amount of 0 or more", field=attribute.name)


#: a parameter added after charters were first stored: written out only when it is not
#: its default, so charters stored before it (and charters that leave it alone) keep
#: their bytes, and read back as the default
_LATER = {"omit_if_default": True}

DEFAULT_GOAL_CATEGORIES = (
    "cash flow",
    "sales",
    "marketing",
    "leadership",
    "strategic relationships",
    "other",
)


@attrs.frozen(kw_only=True)
class Charter:
    """The rules of one group. Every default is the one docs/rules.md explains."""

    #: active members at most (seats offered and not yet taken count against it)
    capacity: int = attrs.field(default=12, validator=at_least(1))
    #: refuse a seat to a company that competes with a member (territory overlaps, line shared)
    non_compete: bool = True
    #: a company holds at most one core group at a time
    one_core_group: bool = True
    #: a company must sign the membership agreement before it becomes active
    agreement_required: bool = True
    #: an applicant offered a seat takes it only after the group carries an admission motion
    admission_vote: bool = False
    #: representatives a member company may send
    max_representatives: int = attrs.field(default=4, validator=at_least(1))
    #: attendance rule: flagged when more than `misses_allowed` of the last `attendance_window`
    attendance_window: int = attrs.field(default=4, validator=at_least(1))
    misses_allowed: int = attrs.field(default=1, validator=at_least(0))
    #: monthly dues, in the network's currency
    dues_in_person: Decimal = attrs.field(default=Decimal("100.00"), validator=_money)
    dues_virtual: Decimal = attrs.field(default=Decimal("50.00"), validator=_money)
    currency: str = "USD"
    #: goals
    goal_categories: tuple[str, ...] = DEFAULT_GOAL_CATEGORIES
    goal_misses_in_a_row: int = attrs.field(default=2, validator=at_least(1))
    #: removal vote: share of the other active members who must vote, and of ballots in favour
    vote_quorum: Fraction = attrs.field(default=Fraction(2, 3), validator=_share)
    vote_threshold: Fraction = attrs.field(default=Fraction(2, 3), validator=_share)
    #: virtual groups: programme length, after which members graduate
    programme_months: int = attrs.field(default=12, validator=at_least(1))
    #: meetings: topics on an agenda
    agenda_topics: int = attrs.field(default=6, validator=at_least(1))
    #: prep work is due this many days before a meeting starts; later prep is marked late
    prep_days_before: int = attrs.field(default=7, validator=at_least(0))
    #: how much of a miss arriving late or leaving early counts as
    partial_miss: Fraction = attrs.field(default=Fraction(1, 2), validator=_share)
    #: absentees pay their share of a meeting's net cost; off, only those present share it
    absentees_pay: bool = True
    #: financials: every active member submits each quarter's figures; at `CloseQuarter`
    #: those who did not are flagged (from the charter version in force at the quarter's end)
    financials_mandatory: bool = False
    #: a member flagged this many times is put to a removal vote by the charter itself
    #: (None: never; a member moves it). Stored only when set, like every later parameter.
    removal_after_flags: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(at_least(1)), metadata=_LATER
    )
    #: days a removal motion the charter raised stays open for ballots
    removal_vote_days: int = attrs.field(default=14, validator=at_least(1), metadata=_LATER)
    #: financials: whether members file their quarterly figures with this group and read
    #: each other's (quartiles, reviews). None (the default) lets the group's kind decide:
    #: a core group does; a companion or special-interest group does not
    opens_books: bool | None = attrs.field(default=None, metadata=_LATER)

    def books_open(self, kind: GroupKind) -> bool:
        """Whether a group of `kind` under this charter keeps its members' figures."""
        return kind is GroupKind.CORE if self.opens_books is None else self.opens_books

    def dues_for(self, group_format: GroupFormat) -> Decimal:
        return self.dues_in_person if group_format is GroupFormat.IN_PERSON else self.dues_virtual


# --- eligibility: who may join a group (special-interest and programme groups) --------------


def _set(values: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidValue("an eligibility rule is a collection of values, not one string")
    return frozenset(v.strip().casefold() for v in values if v and v.strip())


@attrs.frozen(kw_only=True)
class Eligibility:
    """Who may apply to a group, criterion by criterion, against the company's profile:
    a criterion left empty admits any value; `certifications` must all be held. Part of
    a group's rules, recorded with `EligibilitySet` (see docs/people.md)."""

    business_models: frozenset[str] = attrs.field(default=frozenset(), converter=_set)
    size_bands: frozenset[str] = attrs.field(default=frozenset(), converter=_set)
    ownerships: frozenset[str] = attrs.field(default=frozenset(), converter=_set)
    verticals: frozenset[str] = attrs.field(default=frozenset(), converter=_set)
    partner_levels: frozenset[str] = attrs.field(default=frozenset(), converter=_set)
    certifications: frozenset[str] = attrs.field(default=frozenset(), converter=_set)

    def refusal(self, profile: object) -> tuple[str, str, str] | None:
        """The first criterion `profile` fails, what it allows and what the profile
        says; None when it is eligible."""
        for criterion, field in (
            ("business_models", "business_model"),
            ("size_bands", "size_band"),
            ("ownerships", "ownership"),
            ("verticals", "vertical"),
            ("partner_levels", "partner_level"),
        ):
            allowed: frozenset[str] = getattr(self, criterion)
            value = getattr(profile, field)
            if allowed and value not in allowed:
                return field, " or ".join(sorted(allowed)), value or "not known"
        held: frozenset[str] = getattr(profile, "certifications")  # noqa: B009 - a Profile
        missing = self.certifications - held
        if missing:
            return (
                "certifications",
                " and ".join(sorted(self.certifications)),
                (", ".join(sorted(held)) or "none"),
            )
        return None
