"""Reading stored events back: built without re-running their commands' checks, yet
never built from what peernet would not have written (docs/performance.md)."""

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from uuid import UUID

import attrs
import orjson
import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent

from peernet import CompanyRegistered, Recorded
from peernet.adapters.codec import PeerNetMapper
from peernet.adapters.convert import reading
from peernet.adapters.errors import UnreadableEvent
from peernet.adapters.logrows import left_out
from peernet.adapters.trusted import reader
from peernet.domain.motions import MotionKind, MotionRaised
from peernet.projections.core import changed
from peernet.projections.goals import GoalEntry
from peernet.testing import profile

COMPANY = UUID("00000000-0000-4000-8000-000000000002")
AT = datetime(2008, 6, 30, 17, 30, tzinfo=UTC)


def stored_company(**replace: bytes) -> StoredEvent:
    """A registration as the store holds it, with the bytes in `replace` changed."""
    recorded = Recorded(
        event=CompanyRegistered(company_id=COMPANY, profile=profile("Acme IT"), at=AT),
        stream_id=COMPANY,
        version=1,
        actor="clerk",
        recorded_at=AT,
        command_id=COMPANY,
        correlation_id=COMPANY,
    )
    stored = PeerNetMapper(transcoder=JSONTranscoder()).encode(recorded)
    state = stored.state
    for old, new in replace.items():
        assert old.encode() in state
        state = state.replace(old.encode(), new)
    return StoredEvent(originator_id=COMPANY, originator_version=1, topic=stored.topic, state=state)


def decoded(stored: StoredEvent) -> CompanyRegistered:
    event = PeerNetMapper(transcoder=JSONTranscoder()).decode(stored).event
    assert isinstance(event, CompanyRegistered)
    return event


def test_a_stored_event_is_built_as_the_converter_builds_it() -> None:
    """The generated reader and cattrs give equal events from the same stored fields."""
    data = {"at": "2008-06-30T17:30:00+00:00", "company_id": str(COMPANY)}
    data["profile"] = reading.unstructure(profile("Acme IT"))

    assert reading.structure(data, CompanyRegistered) == reader(CompanyRegistered)(data)


def test_a_time_stored_in_another_timezone_is_read_in_utc() -> None:
    """An offset other than UTC reads as the same instant in UTC, as `aware` makes it."""
    event = decoded(stored_company(**{"17:30:00+00:00": b"19:30:00+02:00"}))

    assert (AT, UTC) == (event.at, event.at.tzinfo)


def test_a_time_other_than_the_business_time_keeps_the_offset_it_was_stored_with() -> None:
    """Only `at` is made UTC (its converter says so); a deadline reads as it was given."""
    chicago = timezone(timedelta(hours=-5))
    raised = MotionRaised(
        motion_id=COMPANY, group_id=COMPANY, raised_by=None, kind=MotionKind.REMOVAL,
        deadline=datetime(2001, 8, 17, 8, tzinfo=chicago), electorate=(), quorum=Fraction(1, 2),
        threshold=Fraction(2, 3), at=AT,
    )  # fmt: skip
    data = orjson.loads(orjson.dumps(reading.unstructure(raised)))  # as the store holds it

    read = reader(MotionRaised)(data)

    assert (raised, chicago) == (read, read.deadline.tzinfo)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("17:30:00+00:00", b"17:30:00", id="a time without its timezone"),
        pytest.param(str(COMPANY), b"not-a-uuid", id="an id that is no UUID"),
        pytest.param('"company_id":', b'"company":', id="a field missing"),
        pytest.param('"name":"Acme IT"', b'"name":"  "', id="a nested value its class refuses"),
        pytest.param('"head_count":', b'"head_count":-1,"x":', id="a nested count below zero"),
    ],
)
def test_a_stored_event_peernet_would_not_have_written_is_unreadable(old: str, new: bytes) -> None:
    """Bytes changed in the store are refused as unreadable, never built into an event."""
    with pytest.raises(UnreadableEvent):
        decoded(stored_company(**{old: new}))


def test_a_changed_view_equals_the_view_attrs_evolve_makes() -> None:
    """`changed` copies every field but those it is given, as `attrs.evolve` does."""
    view = GoalEntry(
        goal_id="g", group_id="p", membership_id="m", company_id="c", category="sales",
        due=AT.date(), set_position=1,
    )  # fmt: skip

    assert attrs.evolve(view, category="cash", set_position=9) == changed(
        view, category="cash", set_position=9
    )


def test_changing_a_field_a_view_does_not_have_is_refused() -> None:
    """A misspelt field is a TypeError, as with `attrs.evolve`, not a silent copy."""
    view = GoalEntry(
        goal_id="g", group_id="p", membership_id="m", company_id="c", category="sales",
        due=AT.date(), set_position=1,
    )  # fmt: skip

    with pytest.raises(TypeError):
        changed(view, categry="cash")


def test_a_view_class_that_checks_its_fields_is_not_changed_around_its_checks() -> None:
    """A class with a validator must be built through its ``__init__``: refused here."""

    @attrs.frozen
    class Checked:
        count: int = attrs.field(validator=attrs.validators.ge(0))

    with pytest.raises(TypeError):
        changed(Checked(1), count=-1)


def test_a_read_of_some_topics_passes_over_only_the_known_topics_left_out() -> None:
    """Rows of the topics asked for, and of topics peernet does not know, are read."""
    known = ["peernet.A", "peernet.B", "peernet.C"]

    assert (["peernet.B", "peernet.C"], []) == (
        left_out(["peernet.A", "peernet.Unknown"], known),
        left_out(None, known),
    )
