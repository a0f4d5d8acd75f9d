"""A network decides on its warm state, and what another process wrote meanwhile is
never missed: a command that would be refused, or change nothing, on what this process
last saw is decided again on the log as it is."""

from collections.abc import Callable

from peernet import (
    ApplyForMembership,
    AssignFacilitator,
    ChangeCompanyProfile,
    FormGroup,
    Network,
    RegisterCompany,
)
from peernet.testing import T0, membership_of, profile, some_id

OpenNetwork = Callable[..., Network]
GROUP = some_id("the group")
ACME = some_id("acme")


def test_a_command_sees_what_another_process_wrote_since(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """Here warm, there a company registered and a facilitator changed: applying for
    that company is accepted (not refused as unknown), and assigning the facilitator
    this process last saw is recorded (not skipped as a no-op)."""
    here, there = open_network(durable_url), open_network(durable_url)
    here.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    here.execute(AssignFacilitator(group_id=GROUP, facilitator="Ann", actor="s", at=T0))
    there.execute(
        RegisterCompany(profile=profile("Acme", region="x"), company_id=ACME, actor="s", at=T0)
    )
    there.execute(AssignFacilitator(group_id=GROUP, facilitator="Bob", actor="s", at=T0))

    applied = here.execute(
        ApplyForMembership(
            company_id=ACME,
            group_id=GROUP,
            membership_id=membership_of(GROUP, ACME),
            actor="s",
            at=T0,
        )
    )
    reassigned = here.execute(
        AssignFacilitator(group_id=GROUP, facilitator="Ann", actor="s", at=T0)
    )

    assert ("MembershipApplied", 1, "Ann") == (
        type(applied[0].event).__name__,
        len(reassigned),
        there.roster(GROUP).facilitator,
    )


def test_names_are_read_from_the_store_a_renamed_company_by_its_new_name(
    durable_url: str, open_network: OpenNetwork
) -> None:
    """`names()` reads the naming events as the store holds them: a company another
    process registered and renamed since this one last read reads by its new name."""
    here, there = open_network(durable_url), open_network(durable_url)
    here.execute(FormGroup(name="Core", group_id=GROUP, actor="s", at=T0))
    assert {GROUP: "Core"} == here.names()

    there.execute(RegisterCompany(profile=profile("Acme"), company_id=ACME, actor="s", at=T0))
    there.execute(
        ChangeCompanyProfile(company_id=ACME, profile=profile("Acme Two"), actor="s", at=T0)
    )

    assert {GROUP: "Core", ACME: "Acme Two"} == here.names()
