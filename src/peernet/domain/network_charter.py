"""The network charter: the rules the network keeps across its groups, each a parameter
with its default, for the partner economy (deals, referrals, the figures shown
network-wide, management scorecards and the best-practices competition).

A group's `Charter` rules its seats, goals and votes; the network charter rules what
members do across groups. It is versioned in a stream of its own (one per store, at the
fixed id `NETWORK_CHARTER_ID`): `AmendNetworkCharter` records `NetworkCharterAmended`
with the whole new charter, which applies to commands dated from the amendment on. A
network that never amended it runs on the defaults.

Pure: the standard library, attrs and sibling domain modules.
"""

from datetime import datetime
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs

from peernet.domain.common import Command, Event, at_least, check_forward
from peernet.domain.errors import InvalidValue

#: the id of the network charter's stream: one network, one store, one charter
NETWORK_CHARTER_ID = uuid5(NAMESPACE_URL, "https://peernet.invalid/network-charter")

GREEN = "green"
AMBER = "amber"
RED = "red"


def _fraction(instance: Any, attribute: "attrs.Attribute[Fraction]", value: Fraction) -> None:
    if not isinstance(value, Fraction) or value < 0:
        raise InvalidValue(f"{attribute.name} must be a Fraction of 0 or more, got {value!r}")


def _share(instance: Any, attribute: "attrs.Attribute[Fraction]", value: Fraction) -> None:
    if not isinstance(value, Fraction) or not 0 < value <= 1:
        raise InvalidValue(
            f"{attribute.name} must be a fraction above 0 and at most 1, got {value}",
            field=attribute.name,
        )


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
    """The network's rules for the partner economy. Every default is the one
    docs/partners.md explains."""

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


# --- the command and its event -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AmendNetworkCharter(Command):
    """A new version of the network charter; it applies to commands dated from `at` on."""

    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class NetworkCharterAmended(Event):
    home = "network_charter_id"
    network_charter_id: UUID
    version: int
    charter: NetworkCharter


# --- state ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class NetworkCharterVersion:
    version: int
    effective_at: datetime
    charter: NetworkCharter


@attrs.frozen(kw_only=True)
class NetworkRules:
    """Every version of the network charter, the first as amended first."""

    id: UUID
    last_at: datetime
    versions: tuple[NetworkCharterVersion, ...]

    def charter_at(self, at: datetime) -> NetworkCharter:
        """The charter in force at a business time (the defaults before any amendment)."""
        in_force = NetworkCharter()
        for version in self.versions:
            if version.effective_at <= at:
                in_force = version.charter
        return in_force


def charter_at(rules: NetworkRules | None, at: datetime) -> NetworkCharter:
    """The network charter in force at `at`: the defaults when it was never amended."""
    return NetworkCharter() if rules is None else rules.charter_at(at)


def amend(rules: NetworkRules | None, command: AmendNetworkCharter) -> NetworkCharterAmended:
    """The next version of the charter, dated no earlier than the last."""
    if rules is not None:
        check_forward(rules, command.at)
    version = len(rules.versions) + 1 if rules is not None else 1
    return NetworkCharterAmended(
        network_charter_id=NETWORK_CHARTER_ID,
        version=version,
        charter=command.charter,
        at=command.at,
    )


def evolve(state: NetworkRules | None, event: NetworkCharterAmended) -> NetworkRules:
    version = NetworkCharterVersion(
        version=event.version, effective_at=event.at, charter=event.charter
    )
    if state is None:
        return NetworkRules(id=event.network_charter_id, last_at=event.at, versions=(version,))
    return attrs.evolve(state, last_at=event.at, versions=(*state.versions, version))
