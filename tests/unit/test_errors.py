"""The catalogue of refusals: every error declares its rule and a message template that
its raisers fill; the message reads times, enums and lists in words."""

import inspect
import pickle
import string
from datetime import UTC, date, datetime

import pytest

from peernet.domain import errors, network_errors
from peernet.domain.errors import (
    AlreadyApplied,
    DateOutOfOrder,
    MeetingsStillOpen,
    NoSeatOffered,
    PeerNetError,
)
from peernet.domain.memberships import MembershipStatus
from peernet.testing import some_id

CATALOGUE = [
    cls
    for module in (errors, network_errors)
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if issubclass(cls, PeerNetError) and cls.__module__ == module.__name__
]
#: the refusals themselves: the families they belong to (PeerNetError...) left out
REFUSALS = [cls for cls in CATALOGUE if not cls.__subclasses__()]


def test_the_catalogue_is_read_whole() -> None:
    """The checks below see the catalogue's refusals (they cannot pass on an empty list)."""
    assert {"UnknownGoal", "CompetitorInGroup", "StoreUnavailable"} <= {
        cls.__name__ for cls in REFUSALS
    }


@pytest.mark.parametrize("error", REFUSALS, ids=lambda e: e.__name__)
def test_every_error_names_a_rule_and_says_something_of_its_own(
    error: type[PeerNetError],
) -> None:
    """A refusal has its own rule and a message template of its own."""
    assert (True, True) == (error.rule != "peernet", error.says != "{message}")


@pytest.mark.parametrize("error", CATALOGUE, ids=lambda e: e.__name__)
def test_every_template_is_filled_by_its_own_fields(error: type[PeerNetError]) -> None:
    """Raised with a value for each field its template names, an error says one line."""
    fields = {name for _, name, _, _ in string.Formatter().parse(error.says) if name}
    raised = error(**{name: f"<{name}>" for name in fields})

    assert 1 == len(str(raised).splitlines())
    assert [] == [name for name in fields if f"<{name}>" not in str(raised)]


def test_a_message_reads_times_enums_and_lists_in_words() -> None:
    """ISO times, enum values, comma-separated ids: no reprs in what a user reads."""
    stream, a, b = some_id("group"), some_id("a"), some_id("b")
    late = DateOutOfOrder(
        stream="group",
        stream_id=stream,
        at=datetime(2001, 1, 1, tzinfo=UTC),
        last=datetime(2001, 2, 1, tzinfo=UTC),
    )

    assert f"group {stream} was last changed at 2001-02-01T00:00:00+00:00" in str(late)
    assert "(it is wait-listed)" in str(
        NoSeatOffered(membership_id=a, status=MembershipStatus.WAITLISTED)
    )
    assert f"open meetings: {a}, {b}" in str(MeetingsStillOpen(gathering_id=a, open_ids=(a, b)))
    assert "2009-12-31" in str(errors.DueDatePassed(goal_id=a, due=date(2009, 12, 31)))


def test_ids_are_what_names_the_refused_and_details_keep_everything() -> None:
    """`ids` keeps the `..._id` values (and field, url...), `details` every value."""
    membership = some_id("m")
    error = NoSeatOffered(membership_id=membership, status=MembershipStatus.ACTIVE)

    assert {"membership_id": membership} == error.ids
    assert {"membership_id": membership, "status": MembershipStatus.ACTIVE} == error.details


def test_an_error_crosses_a_process_boundary_whole() -> None:
    """Pickled and back, an error keeps its type, message, ids and details."""
    error = AlreadyApplied(
        company_id=some_id("c"), group_id=some_id("g"), membership_id=some_id("m")
    )

    back = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, just made

    assert (type(error), str(error), error.ids, error.details) == (
        type(back),
        str(back),
        back.ids,
        back.details,
    )
