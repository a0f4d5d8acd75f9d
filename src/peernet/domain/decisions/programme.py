"""What is on a meeting's or a gathering's programme beside its members' topics: talks
and sessions under themes, by speakers who need not be members (a vendor partner's, in
the programme that day; Microsoft's; the founder's; a guest's)."""

from collections.abc import Iterator
from typing import Any

from peernet.domain import meetings
from peernet.domain.charters import GroupFormat
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.decisions import Decider
from peernet.domain.errors import InvalidValue
from peernet.domain.governance import act_for_network
from peernet.domain.groups import EligibilitySet, SetEligibility
from peernet.domain.meetings import (
    AddSession,
    GatherAllGroups,
    SessionAdded,
    SpeakerKind,
    gathered_meeting_id,
)
from peernet.domain.network_errors import UnknownVendor, VendorNotInProgramme
from peernet.domain.situation import Ref, Situation, every_group


def _session_needs(command: AddSession, _: Situation) -> Iterator[Ref]:
    if command.meeting_id is not None:
        yield Ref.meeting(command.meeting_id)
    if command.gathering_id is not None:
        yield Ref.gathering(command.gathering_id)
    if command.speaker.vendor_id is not None:
        yield Ref.vendor(command.speaker.vendor_id)


def _session(situation: Situation, command: AddSession) -> list[Event]:
    if (command.meeting_id is None) == (command.gathering_id is None):
        raise InvalidValue("a session is on one meeting's or one gathering's programme")
    if command.meeting_id is not None:
        meetings.require_open(situation.meeting(command.meeting_id), command.meeting_id, command.at)
    else:
        assert command.gathering_id is not None
        meetings.require_gathering(
            situation.gathering(command.gathering_id), command.gathering_id, command.at
        )
    speaker = command.speaker
    if (speaker.kind is SpeakerKind.VENDOR) != (speaker.vendor_id is not None):
        raise InvalidValue("a vendor partner's speaker names the vendor, and only such a speaker")
    if speaker.vendor_id is not None:
        vendor = situation.vendor(speaker.vendor_id)
        if vendor is None:
            raise UnknownVendor(vendor_id=speaker.vendor_id)
        if not vendor.in_programme(command.at.date()):
            raise VendorNotInProgramme(vendor_id=vendor.id, on=command.at.date())
    return [carry(SessionAdded, command, title=command.title.strip(), theme=command.theme.strip())]


def _eligibility_needs(command: SetEligibility, _: Situation) -> Iterator[Ref]:
    yield Ref.group(command.group_id)
    yield Ref.network()


def _eligibility(situation: Situation, command: SetEligibility) -> list[Event]:
    """A group's eligibility is the network's rule: its staff set it once chartered."""
    act_for_network(situation.network(), command.actor, command.at)
    group = situation.group(command.group_id)
    check_forward(group, command.at)
    if group.eligibility == command.eligibility:
        return []
    return [carry(EligibilitySet, command)]


def _gather_needs(command: GatherAllGroups, situation: Situation) -> Iterator[Ref]:
    yield Ref.network()
    yield Ref.gathering(command.gathering_id)
    gathering = situation.gatherings.get(command.gathering_id)
    for meeting_id in gathering.meetings if gathering else ():
        yield Ref.meeting(meeting_id)
    for ref in every_group(situation):
        yield ref
        yield Ref.meeting(gathered_meeting_id(command.gathering_id, ref.id))


def _gather(situation: Situation, command: GatherAllGroups) -> list[Event]:
    """Each open in-person group with active members, not meeting there already, meets
    at the gathering over its days."""
    act_for_network(situation.network(), command.actor, command.at)
    gathering = meetings.require_gathering(
        situation.gathering(command.gathering_id), command.gathering_id, command.at
    )
    days = gathering.scheduled
    there = {m.group_id for m in map(situation.meeting, gathering.meetings) if m is not None}
    events: list[Event] = []
    for group_id in situation.links.every_group():
        group = situation.find(situation.groups, group_id, "group")
        if (
            group is None
            or group.closed_at is not None
            or group.format is not GroupFormat.IN_PERSON
        ):
            continue
        if group.id in there or not group.active:
            continue
        meeting_id = gathered_meeting_id(gathering.id, group.id)
        if situation.meeting(meeting_id) is not None:
            continue
        check_forward(group, command.at)
        ids: dict[str, Any] = {"meeting_id": meeting_id, "group_id": group.id, "at": command.at}
        events += [
            meetings.MeetingScheduled(
                starts=days.starts,
                ends=days.ends,
                venue=days.venue,
                host_id=None,
                gathering_id=gathering.id,
                expected=tuple(sorted((m.id for m in group.active), key=str)),
                **ids,
            ),
            meetings.MeetingAddedToGathering(gathering_id=gathering.id, **ids),
        ]
    return events


DECIDERS: dict[type[Command], Decider[Any]] = {
    GatherAllGroups: Decider(_gather_needs, _gather),
    AddSession: Decider(_session_needs, _session),
    SetEligibility: Decider(_eligibility_needs, _eligibility),
}
