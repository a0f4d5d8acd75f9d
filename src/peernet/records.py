"""The record of one stored event: the event and who, when and under which command."""

from datetime import datetime
from uuid import UUID

import attrs

from peernet.domain.common import Event

#: every stored event's topic is this prefix and its class's name: stable when a module moves
TOPIC_PREFIX = "peernet."


def topic_of(event_type: type[Event]) -> str:
    """The stable topic events of `event_type` are stored under."""
    return TOPIC_PREFIX + event_type.__name__


@attrs.frozen(kw_only=True)
class Recorded:
    """One event as the store keeps it.

    `event.at` is when it happened in the business; `recorded_at` when peernet wrote it.
    `actor` is who did it; `acting_for` the member company it acted for (None: a person
    of the network office, or a rule), whose key seals the actor at rest.
    `position` is its place in the whole network's log (None until it is read back from
    or written to a store that numbers events). `chain` is the hash that seals it to the
    events before it in its stream (None until it is encoded; see docs/auditing.md).
    """

    event: Event
    stream_id: UUID
    version: int
    actor: str
    recorded_at: datetime
    command_id: UUID
    correlation_id: UUID
    acting_for: UUID | None = None
    position: int | None = attrs.field(default=None, eq=False)
    chain: str | None = attrs.field(default=None, eq=False)

    @property
    def occurred_at(self) -> datetime:
        return self.event.at

    @property
    def topic(self) -> str:
        return topic_of(type(self.event))
