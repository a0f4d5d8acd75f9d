"""The network's own rules: who acts for it, how its leadership committee is seated and
decides, its vendor programme's target, the people a company may name, the rhythm its
groups keep, and outside benchmarking. Every rule a parameter with its default.

A network begins to enforce these rules when it is chartered (`CharterNetwork`); a store
whose network was never chartered behaves as before, every command open to every actor.
The charter is versioned in the network's stream: `NetworkCharterAmended` records a new
version, in force for commands dated from then on.
"""

import enum
from datetime import date
from fractions import Fraction
from uuid import NAMESPACE_URL, uuid5

import attrs

from peernet.domain.common import at_least
from peernet.domain.errors import InvalidValue

#: the id of the one network stream a store holds
NETWORK_ID = uuid5(NAMESPACE_URL, "https://peernet.invalid/network")


class Selection(enum.Enum):
    """How committee members come to their seats."""

    ELECTED = "elected"
    APPOINTED = "appointed"


class CommitteeRole(enum.Enum):
    CHAIR = "chair"
    MEMBER = "member"


class ResolutionKind(enum.Enum):
    """What a resolution of the committee decides for the network."""

    FORM_GROUP = "form a group"
    SET_DUES = "set dues"
    ADMIT_VENDOR = "admit a vendor partner"
    RENEW_VENDOR = "renew a vendor partner"
    END_VENDOR = "end a vendor partner"
    AMEND_CHARTER = "amend the network charter"
    OPEN_COMPETITION = "open a competition"


def _share(instance: object, attribute: "attrs.Attribute[Fraction]", value: Fraction) -> None:
    if not isinstance(value, Fraction) or not 0 < value <= 1:
        raise InvalidValue(
            f"{attribute.name} must be a fraction above 0 and at most 1, got {value}",
            field=attribute.name,
        )


def _names(values: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidValue("staff must be a collection of names, not one string", field="staff")
    return frozenset(v.strip() for v in values if v and v.strip())


def _kinds(values: object) -> tuple[ResolutionKind, ...]:
    """A set of resolution kinds, kept in the order the kinds are declared."""
    if not isinstance(values, tuple | list | frozenset | set):
        raise InvalidValue("reserved is a collection of resolution kinds", field="reserved")
    chosen = set(values)
    return tuple(kind for kind in ResolutionKind if kind in chosen)


@attrs.frozen(kw_only=True)
class NetworkCharter:
    """The rules of the whole network. Every default is the one docs/governance.md explains."""

    #: who acts for the network (the founder's staff): network-level commands from anyone
    #: else are refused; once the committee sits, the reserved decisions are its alone
    staff: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    #: seats on the leadership committee
    committee_seats: int = attrs.field(default=15, validator=at_least(1))
    #: a committee member's term, in months from being seated
    term_months: int = attrs.field(default=24, validator=at_least(1))
    #: elected by the members (a network-wide motion) or appointed by those who act
    selection: Selection = Selection.ELECTED
    #: an election: share of the member companies who must vote, and of ballots in favour
    election_quorum: Fraction = attrs.field(default=Fraction(1, 2), validator=_share)
    election_threshold: Fraction = attrs.field(default=Fraction(1, 2), validator=_share)
    #: a resolution: share of the seated committee who must vote, and of votes in favour
    resolution_quorum: Fraction = attrs.field(default=Fraction(2, 3), validator=_share)
    resolution_threshold: Fraction = attrs.field(default=Fraction(1, 2), validator=_share)
    #: the decisions only the committee takes, by resolution, once it sits
    reserved: tuple[ResolutionKind, ...] = attrs.field(
        default=tuple(ResolutionKind), converter=_kinds
    )
    #: vendor partners the programme aims at
    vendor_target: int = attrs.field(default=20, validator=at_least(0))
    #: the tiers of the vendor programme, highest first
    vendor_tiers: tuple[str, ...] = ("platinum", "gold", "silver")
    #: a vendor partner's term, in months, unless its admission says otherwise
    vendor_term_months: int = attrs.field(default=12, validator=at_least(1))
    #: people (representatives) a member company may name
    representatives_per_company: int = attrs.field(default=4, validator=at_least(1))
    #: how often every group meets, in months (a group with no meeting in a period is flagged)
    meeting_every_months: int = attrs.field(default=3, validator=at_least(1))
    #: a member missing prep for more than this many of its group's last 4 meetings is flagged
    prep_misses_allowed: int = attrs.field(default=1, validator=at_least(0))
    #: a graduate of a virtual programme stepping up goes ahead of the in-person wait-list
    graduate_priority: bool = True
    #: the outside benchmarking provider members opt into ("" : none)
    benchmarking_provider: str = ""
    #: from this day every active member must have opted in (None: opting in stays free)
    benchmarking_mandatory_from: date | None = None
