"""A virtual group's cohort graduates through the facade, on every backend."""

from collections.abc import Callable
from datetime import timedelta

from peernet import (
    ApplyForMembership,
    FormGroup,
    GraduateCohort,
    GroupFormat,
    MemberGraduated,
    Network,
    RegisterCompany,
    SignAgreement,
    TakeSeat,
)
from peernet.testing import T0, profile, some_id

OpenNetwork = Callable[..., Network]

GROUP = some_id("online group")
COMPANIES = [some_id("acme"), some_id("globex")]


def test_a_cohort_graduates_through_the_facade(store_url: str, open_network: OpenNetwork) -> None:
    """GraduateCohort reads every active member's seat and goals through its needs, and
    graduates each member whose programme is complete, in one write."""
    network = open_network(store_url)
    network.execute(
        FormGroup(name="Online", format=GroupFormat.VIRTUAL, group_id=GROUP, actor="o", at=T0)
    )
    for n, company in enumerate(COMPANIES):
        network.execute(
            RegisterCompany(
                profile=profile(f"Co {n}", region=f"r{n}"), company_id=company, actor="o", at=T0
            )
        )
        membership = network.execute(
            ApplyForMembership(company_id=company, group_id=GROUP, actor="o", at=T0)
        )[0].event.membership_id  # type: ignore[attr-defined]
        network.execute(SignAgreement(membership_id=membership, actor="o", at=T0))
        network.execute(TakeSeat(membership_id=membership, actor="o", at=T0))

    recorded = network.execute(
        GraduateCohort(group_id=GROUP, actor="o", at=T0 + timedelta(days=400))
    )

    graduated = [r.event.company_id for r in recorded if isinstance(r.event, MemberGraduated)]
    assert sorted(COMPANIES) == sorted(graduated)
    assert () == network.roster(GROUP).members
