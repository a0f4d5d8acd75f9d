"""Every refusal peernet names, in one catalogue: the rule each enforces and what it says.

A refusal is declared in two lines: the rule it enforces (snake_case, in the domain's
words) and what it says, a message template filled from the details it is raised with::

    class UnknownGoal(InvalidInput):
        rule = "known_goal"
        says = "no goal {goal_id} was set"

    raise UnknownGoal(goal_id=goal_id)

`RuleViolation`: a rule said no (the command line exits 1); `InvalidInput`: a bad value,
an unknown id or an unusable store (exit 2). Nothing is recorded either way. The store's
errors are declared here too, beside the domain's, so this page lists every one of them.

Pure: the standard library only.
"""

import enum
import string
from datetime import date, datetime
from typing import Any, ClassVar


class _Words(string.Formatter):
    """Fills an error's message: times and dates as ISO text, enum members as their
    values, collections as comma-separated lists; a format spec, when given, wins."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec:
            match value:
                case datetime() | date():
                    return value.isoformat()
                case enum.Enum():
                    return str(value.value)
                case tuple() | list() | frozenset() | set():
                    return ", ".join(self.format_field(item, "") for item in value)
        return str(super().format_field(value, format_spec))


_WORDS = _Words()


class PeerNetError(Exception):
    """Every error peernet raises on purpose derives from this one.

    A refusal is declared in two lines: the rule it enforces and what it says, a message
    template filled from the ids it is raised with::

        class UnknownGoal(InvalidInput):
            rule = "known_goal"
            says = "no goal {goal_id} was set"

        raise UnknownGoal(goal_id=goal_id)

    `details` keeps every value the error was raised with, by name; `ids` those that
    name what was refused (`..._id`, and the `field`, `url`, `projection` or `capacity` at fault).
    An error may also be raised with a message of its own
    (`InvalidValue("...", field="name")`).
    """

    #: the rule or check that refused, in the domain's words (snake_case)
    rule: ClassVar[str] = "peernet"
    #: the message, as a template over the details (see `_Words` for how values read)
    says: ClassVar[str] = "{message}"

    def __init__(self, message: str | None = None, /, **details: object) -> None:
        text = message if message is not None else _WORDS.format(self.says, **details)
        super().__init__(text)
        self.message = text
        self.details: dict[str, object] = details
        self.ids: dict[str, object] = {
            name: value
            for name, value in details.items()
            if name.endswith("_id") or name in _NAMING
        }

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process pools: rebuild from message and details.
        return (_rebuild, (type(self), self.message, self.details))


#: details that name what was refused, beside every `..._id`
_NAMING = frozenset({"field", "url", "projection", "capacity"})


def _rebuild(cls: type[PeerNetError], message: str, details: dict[str, object]) -> PeerNetError:
    error = cls.__new__(cls)
    PeerNetError.__init__(error, message, **details)
    return error


class RuleViolation(PeerNetError):
    """A command broke a rule of the network or of a group's charter; nothing was recorded."""


class InvalidInput(PeerNetError):
    """A command or query was malformed or named something that does not exist."""


class InvalidValue(InvalidInput):
    """A field of a command holds a value no charter could accept (empty name, capacity 0...)."""

    rule = "valid_value"


class DateOutOfOrder(InvalidInput):
    """A command's business time lies before the last recorded event of what it touches."""

    rule = "business_time_moves_forward"
    says = (
        "{stream} {stream_id} was last changed at {last}; a command at {at} cannot come before it"
    )


# --- companies ------------------------------------------------------------------------


class UnknownCompany(InvalidInput):
    rule = "known_company"
    says = "no company {company_id} is registered"


class CompanyAlreadyRegistered(RuleViolation):
    rule = "unique_company_id"
    says = "company {company_id} is already registered"


class CompanyWasAcquired(RuleViolation):
    rule = "acquired_company_is_gone"
    says = "company {company_id} was acquired and can take no further part"


class CompanyWasForgotten(RuleViolation):
    rule = "forgotten_company_is_gone"
    says = "company {company_id} was forgotten and can take no further part"


class CompanyStillMember(RuleViolation):
    rule = "forget_only_after_leaving"
    says = (
        "company {company_id} still holds a membership of group {group_id}; "
        "it must leave every group before it can be forgotten"
    )


# --- groups ---------------------------------------------------------------------------


class UnknownGroup(InvalidInput):
    rule = "known_group"
    says = "no group {group_id} was formed"


class GroupAlreadyFormed(RuleViolation):
    rule = "unique_group_id"
    says = "group {group_id} was already formed"


class GroupIsClosed(RuleViolation):
    rule = "closed_group_is_final"
    says = "group {group_id} is closed"


class GroupHasActiveMembers(RuleViolation):
    rule = "close_empty_groups_only"
    says = (
        "group {group_id} still has {active} active members; "
        "they resign, transfer or graduate before it closes"
    )


# --- memberships and seats ------------------------------------------------------------


class UnknownMembership(InvalidInput):
    rule = "known_membership"
    says = "no membership {membership_id} exists"


class AlreadyApplied(RuleViolation):
    rule = "one_open_membership_per_group"
    says = "company {company_id} already holds membership {membership_id} in group {group_id}"


class AlreadyInCoreGroup(RuleViolation):
    rule = "one_core_group"
    says = (
        "company {company_id} already holds a seat in core group {core_group_id}; "
        "charter rule one_core_group refuses core group {group_id}"
    )


class CompetitorInGroup(RuleViolation):
    rule = "non_compete"
    says = "company {company_id} competes with member {competitor_id} of group {group_id}"


class GroupAtCapacity(RuleViolation):
    rule = "capacity"
    says = "group {group_id} has no free seat (capacity {capacity})"


class NoSeatOffered(RuleViolation):
    rule = "seat_offered_first"
    says = "membership {membership_id} has no seat offered (it is {status})"


class AgreementNotSigned(RuleViolation):
    rule = "agreement_required"
    says = (
        "membership {membership_id} cannot become active before the membership agreement is signed"
    )


class AgreementAlreadySigned(RuleViolation):
    rule = "agreement_signed_once"
    says = "membership {membership_id} already signed the agreement"


class NotAnActiveMember(RuleViolation):
    rule = "active_members_only"
    says = "membership {membership_id} is {status}, not an active member"


class NotPending(RuleViolation):
    rule = "pending_applications_only"
    says = "membership {membership_id} is {status}, not a pending application"


class AdmissionNotVoted(RuleViolation):
    rule = "admission_vote"
    says = (
        "group {group_id}'s charter admits a member by vote; no admission motion for "
        "membership {membership_id} was carried"
    )


class ProgrammeNotComplete(RuleViolation):
    rule = "programme_months"
    says = "membership {membership_id} completes its {months}-month programme on {completes}"


# --- goals ----------------------------------------------------------------------------


class UnknownGoal(InvalidInput):
    rule = "known_goal"
    says = "no goal {goal_id} was set"


class GoalAlreadySet(RuleViolation):
    rule = "unique_goal_id"
    says = "goal {goal_id} was already set"


class GoalClosed(RuleViolation):
    rule = "open_goals_only"
    says = "goal {goal_id} is {status}, no longer open"


class UnknownGoalCategory(RuleViolation):
    rule = "goal_categories"
    says = "category {category!r} is not in group {group_id}'s charter (goal_categories: {allowed})"


class DueDatePassed(RuleViolation):
    rule = "revise_before_due"
    says = "goal {goal_id} was due on {due}; it can no longer be revised"


class OwnGoal(RuleViolation):
    rule = "peers_challenge"
    says = "membership {membership_id} owns goal {goal_id}; only its peers challenge it"


# --- motions and ballots --------------------------------------------------------------


class UnknownMotion(InvalidInput):
    rule = "known_motion"
    says = "no motion {motion_id} was raised"


class MotionClosed(RuleViolation):
    rule = "open_motions_only"
    says = "motion {motion_id} is closed"


class BallotRefused(RuleViolation):
    """A ballot the motion's rules do not take."""


class SubjectCannotVote(BallotRefused):
    rule = "subject_does_not_vote"
    says = "membership {voter_id} is the subject of, and cannot vote on, motion {motion_id}"


class NotAnEligibleVoter(BallotRefused):
    rule = "electorate_fixed_when_raised"
    says = (
        "membership {voter_id} was not an active member of the group when it raised "
        "motion {motion_id}"
    )


class AlreadyVoted(BallotRefused):
    rule = "one_ballot_per_voter"
    says = "membership {voter_id} already voted on motion {motion_id}"


class MotionNotDue(RuleViolation):
    rule = "count_at_deadline"
    says = "motion {motion_id} is open for ballots until {deadline}"


# --- meetings and gatherings ----------------------------------------------------------


class UnknownMeeting(InvalidInput):
    rule = "known_meeting"
    says = "no meeting {meeting_id} was scheduled"


class UnknownGathering(InvalidInput):
    rule = "known_gathering"
    says = "no gathering {gathering_id} was scheduled"


class MeetingNotOpen(RuleViolation):
    """The meeting was closed or cancelled: nothing more is recorded against it."""

    rule = "open_meetings_only"
    says = "meeting {meeting_id} is {status}"


class GatheringClosed(RuleViolation):
    rule = "open_gatherings_only"
    says = "gathering {gathering_id} is closed and its costs shared"


class MeetingNotOver(RuleViolation):
    rule = "close_after_the_meeting"
    says = "meeting {meeting_id} runs until {ends}; close it after that"


class NotExpected(RuleViolation):
    """Only the members a meeting expects submit prep or are on its roll."""

    rule = "expected_members_only"
    says = "membership {membership_id} is not expected at meeting {meeting_id}"


class TooManyTopics(RuleViolation):
    rule = "agenda_topics"
    says = "an agenda of {topics} topics; the charter allows {allowed}"


class MeetingsStillOpen(RuleViolation):
    rule = "gathering_closes_after_its_meetings"
    says = "gathering {gathering_id} still has open meetings: {open_ids}"


class NotAtGathering(RuleViolation):
    rule = "gathering_dates_and_groups"
    says = "not at gathering {gathering_id}: {why}"


# --- financials -----------------------------------------------------------------------


class MalformedQuarter(InvalidValue):
    rule = "quarter_is_yyyyqn"
    says = "a quarter is written like 2009Q4, got {value!r}"


class NegativeHeadCount(InvalidValue):
    rule = "head_count_not_negative"
    says = "head count cannot be negative, got {head_count}"


class QuarterNotOver(RuleViolation):
    rule = "quarter_over_first"
    says = "quarter {quarter} is not over on {on}; its figures come from {opens} on"


class FiguresInconsistent(RuleViolation):
    rule = "consistent_figures"
    says = "the figures do not hold together: {why}"


# --- money ----------------------------------------------------------------------------


class MixedCurrencies(RuleViolation):
    rule = "one_currency"
    says = "an amount in {got} where {expected} is kept"


class AmountNotPositive(RuleViolation):
    rule = "positive_amounts"
    says = "{what} must be above zero, got {amount}"


# --- confidentiality ------------------------------------------------------------------


class AccessDenied(RuleViolation):
    rule = "confidential_to_the_group"
    says = "{role} {reader} may not read {what} of group {group_id}"


# --- the store: events that cannot be read back ---------------------------------------


class UnreadableEvent(InvalidInput):
    """A stored event that peernet cannot read back: unknown topic, bad bytes, wrong key."""

    rule = "readable_store"
    says = "cannot read event {version} of stream {stream_id} ({topic}): {why}"


# --- the store: encryption keys -------------------------------------------------------


class EncryptionKeyError(InvalidInput):
    """A problem with the encryption keys of a store."""

    rule = "encryption_keys"


class InvalidKey(EncryptionKeyError):
    rule = "valid_key"
    says = (
        "the key in {source} is not usable: {why}; "
        "a key is 32 random bytes in base64 (`peernet key new` makes one)"
    )


class WrongKey(EncryptionKeyError):
    rule = "matching_key"
    says = "the key given does not open store {store}: it was encrypted with another"


class KeyRequired(EncryptionKeyError):
    rule = "key_for_encrypted_store"
    says = (
        "store {store} holds encrypted fields: set PEERNET_KEY or name a key file "
        "with ?key_file=PATH in the store URL"
    )


class SealBroken(EncryptionKeyError):
    rule = "sealed_values_intact"
    says = "a sealed value of company {company_id} does not open: it was changed or moved"


class EncryptionOff(EncryptionKeyError):
    rule = "forgetting_needs_encryption"
    says = (
        "cannot forget company {company_id}: this store is not encrypted, so its fields "
        "are stored in the clear and no key can make them unreadable; set PEERNET_KEY "
        "before companies are registered (see docs/confidentiality.md)"
    )


class EncryptionUnavailable(EncryptionKeyError):
    rule = "encryption_installed"
    says = "a key is set but encryption is not installed: pip install 'peernet[encryption]'"


# --- the store: where it is and whether it opens --------------------------------------


class InvalidStoreURL(InvalidInput):
    rule = "store_url"
    says = "bad store URL {url!r}: {why}"


class StoreUnavailable(InvalidInput):
    rule = "store_reachable"
    says = "cannot open store {url}: {why}"


# --- read models ----------------------------------------------------------------------


class UnknownProjection(InvalidInput):
    rule = "known_projection"
    says = "no projection {projection!r} (known: {known})"


# --- the command side -----------------------------------------------------------------


class ConcurrencyConflict(RuleViolation):
    """Other writers kept changing what the command reads; it was decided `attempts` times."""

    rule = "bounded_retries"
    says = (
        "{command} lost {attempts} races with concurrent writers; nothing was recorded, try again"
    )


class CommandIdReused(RuleViolation):
    rule = "command_id_names_one_command"
    says = (
        "command id {command_id} was already used for another command ({first}); "
        "a retry must repeat the same {second}"
    )


# --- the partner economy ------------------------------------------------------------------
# Deals, referrals and the best-practices competition refuse with the errors catalogued in
# `peernet.domain.partner_errors`, declared the same way (this file would pass 600 lines).
