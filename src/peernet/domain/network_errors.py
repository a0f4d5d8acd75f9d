"""The refusals of the network's own bodies: its charter and who acts for it, the
leadership committee, its elections and resolutions, vendor partners, people, eligibility
and the virtual programme. Declared as in `peernet.domain.errors` (a rule and what it
says), kept in a catalogue of their own beside it so each stays a page one reads whole.

Pure: the standard library and `peernet.domain.errors`.
"""

from peernet.domain.errors import InvalidInput, RuleViolation

# --- the network and who acts for it ------------------------------------------------------


class NetworkAlreadyChartered(RuleViolation):
    rule = "network_chartered_once"
    says = "the network was chartered on {at}; amend its charter instead"


class NetworkNotChartered(InvalidInput):
    rule = "network_chartered"
    says = "the network has no charter yet: charter it first (CharterNetwork)"


class NotNetworkStaff(RuleViolation):
    rule = "staff_act_for_the_network"
    says = "{actor} is not on the network's staff; only its staff act for the network"


class ReservedToCommittee(RuleViolation):
    rule = "committee_decides"
    says = "the leadership committee decides to {kind} since {since}: pass a resolution"


# --- the committee ----------------------------------------------------------------------


class SelectedOtherwise(RuleViolation):
    rule = "committee_selection"
    says = "the network charter has its committee members {selection}"


class CommitteeFull(RuleViolation):
    rule = "committee_seats"
    says = "all {seats} seats of the committee are held on {at}"


class AlreadyOnCommittee(RuleViolation):
    rule = "one_seat_per_person"
    says = "person {person_id} already holds a committee seat"


class NotOnCommittee(RuleViolation):
    rule = "committee_members_only"
    says = "person {person_id} holds no committee seat on {at}"


class ChairTaken(RuleViolation):
    rule = "one_chair"
    says = "person {chair_id} already chairs the committee"


class UnknownElection(InvalidInput):
    rule = "known_election"
    says = "no election {election_id} was called"


class ElectionAlreadyCalled(RuleViolation):
    rule = "unique_election_id"
    says = "election {election_id} was already called"


class ElectionClosed(RuleViolation):
    rule = "open_elections_only"
    says = "election {election_id} was already counted"


class NotInElectorate(RuleViolation):
    rule = "electorate_fixed_when_called"
    says = "company {company_id} was not an active member when election {election_id} was called"


class AlreadyVotedInElection(RuleViolation):
    rule = "one_ballot_per_company"
    says = "company {company_id} already voted in election {election_id}"


class ElectionNotDue(RuleViolation):
    rule = "count_at_deadline"
    says = "election {election_id} is counted at its deadline, {deadline}"


class ResolutionAlreadyPassed(RuleViolation):
    rule = "unique_resolution_id"
    says = "resolution {resolution_id} was already put to the committee"


class VotedTwice(RuleViolation):
    rule = "one_vote_per_member"
    says = "person {person_id} is counted more than once in resolution {resolution_id}"


class NotAnAct(InvalidInput):
    rule = "resolution_acts"
    says = (
        "a resolution cannot {command}; it forms groups, sets dues, admits, renews or ends "
        "vendors, amends the network charter or opens competitions"
    )


# --- people ------------------------------------------------------------------------------


class UnknownPerson(InvalidInput):
    rule = "known_person"
    says = "company {company_id} names no person {person_id}"


class PersonAlreadyNamed(RuleViolation):
    rule = "unique_person_id"
    says = "person {person_id} is already named by company {company_id}"


class TooManyRepresentatives(RuleViolation):
    rule = "representatives_per_company"
    says = "company {company_id} would name {count} people; the network charter allows {allowed}"


class TooManyAttendees(RuleViolation):
    rule = "max_representatives"
    says = (
        "membership {membership_id} sends {count} people; "
        "group {group_id}'s charter allows {allowed}"
    )


# --- vendor partners ---------------------------------------------------------------------


class UnknownVendor(InvalidInput):
    rule = "known_vendor"
    says = "no vendor partner {vendor_id} was admitted"


class VendorAlreadyAdmitted(RuleViolation):
    rule = "unique_vendor_id"
    says = "vendor partner {vendor_id} was already admitted"


class VendorNotInProgramme(RuleViolation):
    rule = "vendor_in_programme"
    says = "vendor partner {vendor_id} is not in the programme on {on}"


class VendorHasEnded(RuleViolation):
    rule = "ended_vendor_is_gone"
    says = "vendor partner {vendor_id} left the programme on {on}"


# --- eligibility and the virtual programme -----------------------------------------------


class NotEligible(RuleViolation):
    rule = "group_eligibility"
    says = (
        "company {company_id} is not eligible for group {group_id}: "
        "{criterion} must be {allowed}, is {value}"
    )


class NotAGraduate(RuleViolation):
    rule = "graduates_step_up"
    says = "membership {membership_id} did not graduate from a virtual programme"


class GraduationNotHeld(RuleViolation):
    rule = "graduation_at_a_gathering"
    says = "gathering {gathering_id} is not held on {at}: a ceremony is held during its days"
