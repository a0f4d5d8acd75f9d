"""The network's own rules: who acts for it, how its leadership committee is seated and
decides, its vendor programme's target, the people a company may name, the rhythm its
groups keep, outside benchmarking, and the partner economy (deals, referrals, the figures
shown network-wide, management scorecards and the best-practices competition). Every rule
a parameter with its default.

A group's `Charter` rules its seats, goals and votes; the network charter rules what the
network and its members do across groups.

A network begins to enforce who acts for it when it is chartered (`CharterNetwork`); a
store whose network was never chartered leaves every command open to every actor and
keeps the partner economy to the defaults below.
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

GREEN = "green"
AMBER = "amber"
RED = "red"

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


def _fraction(instance: object, attribute: "attrs.Attribute[Fraction]", value: Fraction) -> None:
    if not isinstance(value, Fraction) or value < 0:
        raise InvalidValue(
            f"{attribute.name} must be a Fraction of 0 or more, got {value!r}",
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
class Band:
    """A scorecard line's thresholds: green at or above `green`, amber at or above
    `amber`, else red; with `lower_is_better` (flags raised), green at or below `green`,
    amber at or below `amber`, else red."""

    green: Fraction = attrs.field(validator=_fraction)
    amber: Fraction = attrs.field(validator=_fraction)
    lower_is_better: bool = False

    def __attrs_post_init__(self) -> None:
        wrong = self.green > self.amber if self.lower_is_better else self.green < self.amber
        if wrong:
            raise InvalidValue(f"a band's green threshold lies beyond its amber one: {self}")

    def colour(self, value: Fraction | int | None) -> str | None:
        """green, amber or red for `value` (None when there is nothing to judge)."""
        if value is None:
            return None
        if self.lower_is_better:
            return GREEN if value <= self.green else AMBER if value <= self.amber else RED
        return GREEN if value >= self.green else AMBER if value >= self.amber else RED


@attrs.frozen(kw_only=True)
class NetworkCharter:
    """The rules of the whole network. Every default is the one docs/governance.md (the
    network's bodies) or docs/partners.md (the partner economy) explains."""

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

    # --- the partner economy (docs/partners.md) ---------------------------------------------

    #: a partner is never invited for a line in which it competes with another party
    deal_non_compete: bool = True
    #: a partner is invited (and an opportunity referred) only for a line it sells
    partners_sell_their_line: bool = True
    #: a member refers only opportunities outside its own lines
    referrals_outside_own_lines: bool = True
    #: a referral neither converted nor declined lapses this many days after it was made
    referral_days: int = attrs.field(default=90, validator=at_least(1))
    #: network-wide figures are withheld below this many contributing companies...
    min_companies: int = attrs.field(default=5, validator=at_least(1))
    #: ...or when one company holds more than this share of the sum behind them
    max_share: Fraction = attrs.field(default=Fraction(1, 4), validator=_share)
    #: the P2P share of income figures are set beside (seed 000: IDC's 47 percent)
    p2p_benchmark: Fraction = attrs.field(default=Fraction(47, 100), validator=_share)
    #: the best-practices competition: jurors at least, and how many entries win an award
    competition_jury_min: int = attrs.field(default=3, validator=at_least(1))
    awards_per_competition: int = attrs.field(default=3, validator=at_least(1))
    #: an entry carries when this share of its eligible jurors voted, and this share of
    #: their ballots are in favour (counted as a group's motions are)
    award_quorum: Fraction = attrs.field(default=Fraction(2, 3), validator=_share)
    award_threshold: Fraction = attrs.field(default=Fraction(1, 2), validator=_share)
    #: management scorecards: the green and amber thresholds of each line
    scorecard_goals: Band = Band(green=Fraction(3, 4), amber=Fraction(1, 2))
    scorecard_attendance: Band = Band(green=Fraction(9, 10), amber=Fraction(3, 4))
    scorecard_prep: Band = Band(green=Fraction(9, 10), amber=Fraction(1, 2))
    scorecard_quartile: Band = Band(green=Fraction(3), amber=Fraction(2))
    scorecard_p2p: Band = Band(green=Fraction(1, 4), amber=Fraction(1, 10))
    scorecard_flags: Band = Band(green=Fraction(0), amber=Fraction(1), lower_is_better=True)
