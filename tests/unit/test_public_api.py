"""The public API: what `peernet` exports is pinned, importable and consistent."""

import importlib

import pytest

import peernet

#: the public API as released; a change here is a change for every embedding app
EXPECTED = [
    "AccessDenied",
    "AccountEntry",
    "AccountView",
    "AdmissionNotVoted",
    "AgendaSet",
    "AgreementAlreadySigned",
    "AgreementNotSigned",
    "AgreementSigned",
    "AlreadyApplied",
    "AlreadyInCoreGroup",
    "AlreadyVoted",
    "AmendCharter",
    "AmountNotPositive",
    "ApplicantAdmitted",
    "ApplicantWaitlisted",
    "ApplicationWithdrawn",
    "ApplyForMembership",
    "AssignFacilitator",
    "Attendance",
    "AttendanceRecorded",
    "AuditEntry",
    "BallotCast",
    "CancelMeeting",
    "CastBallot",
    "ChallengeGoal",
    "ChangeCompanyProfile",
    "ChargeDues",
    "Charter",
    "CharterAmended",
    "CloseGathering",
    "CloseGroup",
    "CloseMeeting",
    "CloseMotion",
    "CloseQuarter",
    "Command",
    "CommandIdReused",
    "CompanyAcquired",
    "CompanyAlreadyRegistered",
    "CompanyForgotten",
    "CompanyHistory",
    "CompanyKind",
    "CompanyProfileChanged",
    "CompanyRegistered",
    "CompanyStillMember",
    "CompanyView",
    "CompanyWasAcquired",
    "CompanyWasForgotten",
    "CompetitorInGroup",
    "ConcurrencyConflict",
    "CostSheet",
    "CostsShared",
    "DateOutOfOrder",
    "DeclineSeat",
    "Direction",
    "DueDatePassed",
    "DuesCharged",
    "EncryptionKeyError",
    "EncryptionOff",
    "EncryptionUnavailable",
    "Event",
    "ExpenseKind",
    "ExpenseRecorded",
    "FacilitatorAssigned",
    "Fault",
    "FiguresInconsistent",
    "FinancialsSubmitted",
    "ForgetCompany",
    "Forgotten",
    "FormGroup",
    "GatheringClosed",
    "GatheringScheduled",
    "GatheringView",
    "GoalAlreadySet",
    "GoalChallenged",
    "GoalClosed",
    "GoalMet",
    "GoalMissed",
    "GoalRecord",
    "GoalRevised",
    "GoalSet",
    "GoalStatus",
    "GoalView",
    "GoalWithdrawn",
    "GraduateCohort",
    "GraduateMember",
    "GroupAlreadyFormed",
    "GroupAtCapacity",
    "GroupClosed",
    "GroupFormat",
    "GroupFormed",
    "GroupHasActiveMembers",
    "GroupIsClosed",
    "GroupKind",
    "GroupSummary",
    "InvalidInput",
    "InvalidKey",
    "InvalidStoreURL",
    "InvalidValue",
    "KeyRequired",
    "MalformedQuarter",
    "MeetingAddedToGathering",
    "MeetingCancelled",
    "MeetingClosed",
    "MeetingNotOpen",
    "MeetingNotOver",
    "MeetingScheduled",
    "MeetingStatus",
    "MeetingView",
    "MeetingsStillOpen",
    "MemberFlagged",
    "MemberGraduated",
    "MemberJoined",
    "MemberRemoved",
    "MemberResigned",
    "MemberTransferred",
    "MemberVotedOff",
    "MembershipApplied",
    "MembershipStatus",
    "MembershipView",
    "MixedCurrencies",
    "Money",
    "MotionCarried",
    "MotionCause",
    "MotionClosed",
    "MotionCounted",
    "MotionFailed",
    "MotionKind",
    "MotionNotDue",
    "MotionRaised",
    "MotionView",
    "NegativeHeadCount",
    "Network",
    "NoSeatOffered",
    "NotAnActiveMember",
    "NotAnEligibleVoter",
    "NotAtGathering",
    "NotExpected",
    "NotPending",
    "OwnGoal",
    "PaymentReceived",
    "PeerNetError",
    "PrepSubmitted",
    "PrepView",
    "Profile",
    "ProgrammeNotComplete",
    "ProgressReported",
    "QuarterClosed",
    "QuarterNotOver",
    "RaiseMotion",
    "Reader",
    "RecordAcquisition",
    "RecordExpense",
    "RecordPayment",
    "RecordSponsorship",
    "Recorded",
    "RegisterCompany",
    "RemovalCause",
    "RemoveMember",
    "ReportProgress",
    "Resign",
    "ReviewGoals",
    "ReviseGoal",
    "Role",
    "Roster",
    "RuleViolation",
    "ScheduleGathering",
    "ScheduleMeeting",
    "SealBroken",
    "Seat",
    "SeatDeclined",
    "SeatOffered",
    "SetAgenda",
    "SetGoal",
    "Share",
    "SignAgreement",
    "SponsorshipRecorded",
    "StoreUnavailable",
    "SubjectCannotVote",
    "SubmitFinancials",
    "SubmitPrep",
    "TakeRoll",
    "TakeSeat",
    "Tally",
    "Tampering",
    "Target",
    "Tenure",
    "Territory",
    "TooManyTopics",
    "Topic",
    "TransferMember",
    "UnknownCompany",
    "UnknownGathering",
    "UnknownGoal",
    "UnknownGoalCategory",
    "UnknownGroup",
    "UnknownMeeting",
    "UnknownMembership",
    "UnknownMotion",
    "Verification",
    "WithdrawApplication",
    "WithdrawGoal",
    "WrongKey",
    "is_forgotten",
    "parse",
]

#: the partner economy (`peernet.partner_api`): deals, referrals, the network charter, the
#: best-practices competition, their read models and the management scorecard
PARTNER_ECONOMY = [
    "AcceptInvitation",
    "AcceptReferral",
    "AlreadyEntered",
    "AlreadyJudged",
    "AlreadyOnDeal",
    "AmendNetworkCharter",
    "AwardAlreadyPresented",
    "AwardGranted",
    "AwardPresented",
    "AwardView",
    "Band",
    "CastJuryBallot",
    "CloseDeal",
    "CompanyP2P",
    "CompetitionAlreadyJudged",
    "CompetitionAlreadyOpened",
    "CompetitionEntered",
    "CompetitionJudged",
    "CompetitionOpened",
    "CompetitionView",
    "CompetitorOnDeal",
    "DealAlreadyProposed",
    "DealClosed",
    "DealLost",
    "DealNotOpen",
    "DealNotWon",
    "DealProposed",
    "DealShare",
    "DealStatus",
    "DealView",
    "DealWon",
    "DeclineInvitation",
    "DeclineReferral",
    "EnterCompetition",
    "EntriesClosed",
    "EntryCounted",
    "EntryView",
    "GroupP2P",
    "InvitationAccepted",
    "InvitationDeclined",
    "InvitationLapsed",
    "InvitationStatus",
    "InviteToDeal",
    "JudgeCompetition",
    "JudgingNotOpen",
    "JudgingNotOver",
    "JurorInvolved",
    "JuryBallotCast",
    "JuryTooSmall",
    "LapseReferral",
    "LineNotSold",
    "LoseDeal",
    "MakeReferral",
    "NetworkCharter",
    "NetworkCharterAmended",
    "NetworkP2P",
    "NoOpenInvitation",
    "NoPartnerOnDeal",
    "NotAJuror",
    "NotAtAGathering",
    "NotAwarded",
    "NotYourReferral",
    "OpenCompetition",
    "PartnerInvited",
    "PartnerView",
    "PresentAward",
    "ProposeDeal",
    "ReferralAccepted",
    "ReferralAlreadyMade",
    "ReferralConverted",
    "ReferralDeclined",
    "ReferralExpired",
    "ReferralInOwnLine",
    "ReferralLapsed",
    "ReferralMade",
    "ReferralNotDue",
    "ReferralNotOpen",
    "ReferralStatus",
    "ReferralToCompetitor",
    "ReferralToSelf",
    "ReferralView",
    "Scorecard",
    "ShareView",
    "SharesOffParties",
    "UnknownCompetition",
    "UnknownDeal",
    "UnknownEntry",
    "UnknownReferral",
    "WinDeal",
]
EXPECTED = sorted(EXPECTED + PARTNER_ECONOMY)


def test_the_public_api_is_pinned() -> None:
    """`peernet.__all__` holds exactly the pinned names (sorted, no duplicates)."""
    assert EXPECTED == sorted(peernet.__all__)
    assert len(peernet.__all__) == len(set(peernet.__all__))


def test_the_public_api_is_listed_in_sorted_order() -> None:
    """`__all__` is kept sorted, so additions show up in review at their place."""
    assert sorted(peernet.__all__) == peernet.__all__


@pytest.mark.parametrize("name", EXPECTED)
def test_every_exported_name_is_importable(name: str) -> None:
    """`from peernet import NAME` works for every name in `__all__`."""
    assert getattr(importlib.import_module("peernet"), name, None) is not None


def test_star_import_gives_exactly_the_public_api() -> None:
    """`from peernet import *` binds every exported name and nothing else."""
    namespace: dict[str, object] = {}
    exec("from peernet import *", namespace)  # noqa: S102 - a fixed statement under test

    assert EXPECTED == sorted(name for name in namespace if name != "__builtins__")


def errors_exported() -> list[str]:
    return [
        name
        for name in EXPECTED
        if isinstance(getattr(peernet, name, None), type)
        and issubclass(getattr(peernet, name), BaseException)
    ]


@pytest.mark.parametrize("name", errors_exported())
def test_every_exported_error_derives_from_peernet_error(name: str) -> None:
    """One family: an embedding app catches every peernet refusal with PeerNetError."""
    assert issubclass(getattr(peernet, name), peernet.PeerNetError)


def test_every_exported_rule_error_names_its_rule() -> None:
    """Each concrete error states the rule it enforces in `rule`, other than the base's."""
    bases = {peernet.PeerNetError, peernet.RuleViolation, peernet.InvalidInput}
    errors = [
        error
        for error in (getattr(peernet, name) for name in EXPECTED)
        if isinstance(error, type)
        and issubclass(error, peernet.PeerNetError)
        and error not in bases
    ]

    assert [] == [error.__name__ for error in errors if error.rule == "peernet"]


def test_the_public_api_exports_errors() -> None:
    """The error test above has errors to check (it cannot pass vacuously)."""
    assert {"CompetitorInGroup", "InvalidStoreURL", "PeerNetError"} <= set(errors_exported())
