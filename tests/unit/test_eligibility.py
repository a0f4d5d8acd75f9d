"""Special-interest groups with eligibility: a company's profile states its business
model, size band, ownership, vertical, partner level and certifications; a group's
eligibility admits only companies that meet it, and refuses others naming the rule."""

from datetime import timedelta
from typing import Any

from peernet.domain.charters import Eligibility, GroupKind
from peernet.domain.common import Event
from peernet.domain.groups import EligibilitySet, FormGroup, GroupFormed, SetEligibility
from peernet.domain.memberships import ApplyForMembership, TransferMember
from peernet.domain.network_errors import NotEligible, NotNetworkStaff
from peernet.testing import (
    T0,
    formed,
    group_with,
    history,
    membership_of,
    refused,
    registered,
    some_id,
    when,
)
from peernet.testing.bodies import STAFF, chartered

SIG = some_id("msp special interest")
MSP = some_id("an msp")
LATER = T0 + timedelta(days=1)
MSPS = Eligibility(business_models={"Managed Services"})


def sig(**rules: Any) -> list[Event]:
    return [
        formed(SIG, kind=GroupKind.SPECIAL_INTEREST),
        EligibilitySet(group_id=SIG, eligibility=Eligibility(**rules), at=T0),
    ]


def apply() -> ApplyForMembership:
    return ApplyForMembership(company_id=MSP, group_id=SIG, actor="o", at=LATER)


def test_an_eligible_company_is_seated() -> None:
    """A managed-services company applies to the managed-services group and is offered a seat."""
    situation = history(
        *sig(business_models={"managed services"}),
        registered(MSP, business_model="managed services"),
    )

    assert 2 == len(when(situation, apply()))


def test_an_ineligible_company_is_refused_with_the_criterion_named() -> None:
    """A project house applying to the managed-services group is refused, nothing recorded."""
    situation = history(
        *sig(business_models={"managed services"}), registered(MSP, business_model="project")
    )

    error = refused(situation, apply())

    assert ("group_eligibility", "business_model", "managed services", "project") == (
        error.rule,
        error.details["criterion"],
        error.details["allowed"],
        error.details["value"],
    )


def test_a_profile_that_does_not_say_is_not_eligible() -> None:
    """A company whose profile names no vertical cannot join a healthcare group."""
    situation = history(*sig(verticals={"healthcare"}), registered(MSP))

    assert "not known" == refused(situation, apply()).details["value"]


def test_every_certification_the_group_asks_for_must_be_held() -> None:
    """A Small Business Specialist group refuses a company without the certification."""
    situation = history(
        *sig(certifications={"small business specialist"}),
        registered(MSP, certifications={"microsoft certified partner"}),
    )

    assert ("certifications", NotEligible) == (
        refused(situation, apply()).details["criterion"],
        type(refused(situation, apply())),
    )


def test_a_certified_company_joins_the_certified_group() -> None:
    """The certification held, the seat is offered."""
    situation = history(
        *sig(certifications={"Small Business Specialist"}),
        registered(MSP, certifications={"small business specialist", "gold"}),
    )

    assert 2 == len(when(situation, apply()))


def test_a_transfer_into_a_group_meets_its_eligibility() -> None:
    """A member moving into a special-interest group it does not fit is refused."""
    core = some_id("core group")
    situation = history(
        *group_with(core, MSP),
        *sig(size_bands={"51-200"}),
        registered(some_id("unused")),
    )
    command = TransferMember(
        membership_id=membership_of(core, MSP), to_group_id=SIG, actor="o", at=LATER
    )

    assert "size_band" == refused(situation, command).details["criterion"]


def test_forming_a_group_with_eligibility_records_it_with_the_group() -> None:
    """FormGroup with an eligibility writes GroupFormed and EligibilitySet together."""
    command = FormGroup(name="MSP SIG", eligibility=MSPS, group_id=SIG, actor=STAFF, at=T0)

    events = when(history(), command)

    assert [GroupFormed, EligibilitySet] == [type(e) for e in events]


def test_setting_eligibility_is_the_staffs_once_chartered() -> None:
    """A member cannot change who may join a group."""
    situation = history(chartered(), formed(SIG))
    command = SetEligibility(group_id=SIG, eligibility=MSPS, actor="a member", at=LATER)

    assert NotNetworkStaff is type(refused(situation, command))
