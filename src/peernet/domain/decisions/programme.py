"""What is on a meeting's or a gathering's programme beside its members' topics: talks
and sessions under themes, by speakers who need not be members (a vendor partner's, in
the programme that day; Microsoft's; the founder's; a guest's)."""

from collections.abc import Iterator
from typing import Any

from peernet.domain import meetings
from peernet.domain.common import Command, Event, carry, check_forward
from peernet.domain.decisions import Decider
from peernet.domain.errors import InvalidValue
from peernet.domain.governance import act_for_network
from peernet.domain.groups import EligibilitySet, SetEligibility
from peernet.domain.meetings import AddSession, SessionAdded, SpeakerKind
from peernet.domain.network_errors import UnknownVendor, VendorNotInProgramme
from peernet.domain.situation import Ref, Situation


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


DECIDERS: dict[type[Command], Decider[Any]] = {
    AddSession: Decider(_session_needs, _session),
    SetEligibility: Decider(_eligibility_needs, _eligibility),
}
