"""The wire format: every event round-trips, topics are stable, old bytes stay readable."""

import gc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar
from uuid import UUID

import attrs
import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent

from peernet import (
    AgreementSigned,
    ApplicantWaitlisted,
    ApplicationWithdrawn,
    Charter,
    CharterAmended,
    CompanyAcquired,
    CompanyForgotten,
    CompanyProfileChanged,
    CompanyRegistered,
    Event,
    FacilitatorAssigned,
    GroupClosed,
    GroupFormat,
    GroupFormed,
    GroupKind,
    InvalidInput,
    MemberFlagged,
    MemberGraduated,
    MemberJoined,
    MemberRemoved,
    MemberResigned,
    MembershipApplied,
    MemberTransferred,
    Recorded,
    RemovalCause,
    SeatDeclined,
    SeatOffered,
    Territory,
)
from peernet.adapters import codec
from peernet.adapters.codec import CommandHandled, PeerNetMapper, StreamRef, event_types, upcaster
from peernet.adapters.errors import UnreadableEvent
from peernet.domain.charters import Eligibility
from peernet.domain.companies import (
    BenchmarkingOptedIn,
    DuesCharged,
    PaymentReceived,
    PersonRole,
    RepresentativeNamed,
    RepresentativeWithdrawn,
)
from peernet.domain.competitions import (
    AwardGranted,
    AwardPresented,
    CompetitionEntered,
    CompetitionJudged,
    CompetitionOpened,
    EntryCounted,
    JuryBallotCast,
)
from peernet.domain.deals import (
    DealClosed,
    DealLost,
    DealProposed,
    DealShare,
    DealWon,
    InvitationAccepted,
    InvitationDeclined,
    InvitationLapsed,
    PartnerInvited,
)
from peernet.domain.financials import FinancialsSubmitted, financials_id_of
from peernet.domain.goals import (
    Direction,
    GoalChallenged,
    GoalMet,
    GoalMissed,
    GoalRevised,
    GoalSet,
    GoalWithdrawn,
    ProgressReported,
    Target,
)
from peernet.domain.governance import (
    CommitteeMemberLeft,
    CommitteeMemberSeated,
    ElectionBallotCast,
    ElectionCalled,
    ElectionCounted,
    NetworkCharterAmended,
    NetworkChartered,
    NetworkDuesSet,
    Nominee,
    ReferenceFigure,
    ReferenceFiguresImported,
    ResolutionFailed,
    ResolutionPassed,
)
from peernet.domain.groups import (
    EligibilitySet,
    GraduateSteppedUp,
    GraduationHeld,
    QuarterClosed,
)
from peernet.domain.meetings import (
    AgendaSet,
    Attendance,
    AttendanceRecorded,
    AttendeesRecorded,
    CostsShared,
    ExpenseKind,
    ExpenseRecorded,
    GatheringScheduled,
    MeetingAddedToGathering,
    MeetingCancelled,
    MeetingClosed,
    MeetingScheduled,
    PrepSubmitted,
    SessionAdded,
    Share,
    Speaker,
    SpeakerKind,
    SponsorshipRecorded,
    Topic,
)
from peernet.domain.memberships import ApplicantAdmitted, MemberVotedOff, SeatHolderNamed
from peernet.domain.money import Money
from peernet.domain.motions import (
    BallotCast,
    MotionCarried,
    MotionCause,
    MotionFailed,
    MotionKind,
    MotionRaised,
)
from peernet.domain.network_charter import Band, CommitteeRole, NetworkCharter, ResolutionKind
from peernet.domain.referrals import (
    ReferralAccepted,
    ReferralConverted,
    ReferralDeclined,
    ReferralLapsed,
    ReferralMade,
)
from peernet.domain.vendors import VendorAdmitted, VendorEnded, VendorRenewed
from peernet.testing import profile, some_id

AT = datetime(2008, 6, 30, 17, 30, tzinfo=UTC)
RECORDED_AT = datetime(2008, 7, 1, 9, 0, 0, 123456, tzinfo=UTC)
GROUP = UUID("00000000-0000-4000-8000-000000000001")
COMPANY = UUID("00000000-0000-4000-8000-000000000002")
MEMBERSHIP = UUID("00000000-0000-4000-8000-000000000003")
OTHER = UUID("00000000-0000-4000-8000-000000000004")
GOAL = UUID("00000000-0000-4000-8000-000000000005")
MOTION = UUID("00000000-0000-4000-8000-000000000006")
COMMAND = UUID("00000000-0000-4000-8000-0000000000c1")
CORRELATION = UUID("00000000-0000-4000-8000-0000000000c2")

IDS: dict[str, Any] = {
    "membership_id": MEMBERSHIP,
    "group_id": GROUP,
    "company_id": COMPANY,
    "at": AT,
}
RICH_PROFILE = profile(
    "Acme IT", region="Texas", lines=("voip", "managed services", "backup"), head_count=40
)
RICH_CHARTER = Charter(
    capacity=10,
    non_compete=False,
    dues_in_person=Decimal("125.50"),
    vote_quorum=Fraction(3, 4),
    goal_categories=("cash flow", "sales"),
)

GOAL_IDS: dict[str, Any] = {
    "goal_id": GOAL,
    "membership_id": MEMBERSHIP,
    "group_id": GROUP,
    "at": AT,
}
MOTION_IDS: dict[str, Any] = {"motion_id": MOTION, "group_id": GROUP, "at": AT}
TARGET = Target(
    statement="Cut days sales outstanding to 45",
    category="cash flow",
    value=Decimal("45.5"),
    unit="days",
    due=date(2008, 9, 30),
    direction=Direction.AT_MOST,
)

#: one example of every event class peernet stores, by topic
GATHERING = UUID("00000000-0000-4000-8000-0000000000a1")
MEETING = UUID("00000000-0000-4000-8000-0000000000a2")
MEETING_IDS: dict[str, Any] = {"meeting_id": MEETING, "group_id": GROUP, "at": AT}

EXAMPLES: dict[str, Callable[[], Event]] = {
    "peernet.CompanyRegistered": lambda: CompanyRegistered(
        company_id=COMPANY, profile=RICH_PROFILE, at=AT
    ),
    "peernet.CompanyProfileChanged": lambda: CompanyProfileChanged(
        company_id=COMPANY,
        profile=attrs.evolve(RICH_PROFILE, representatives=("Ann Lee", "Bo Diaz")),
        at=AT,
    ),
    "peernet.CompanyAcquired": lambda: CompanyAcquired(
        company_id=COMPANY, acquirer="MegaCorp", at=AT
    ),
    "peernet.CompanyForgotten": lambda: CompanyForgotten(company_id=COMPANY, at=AT),
    "peernet.MembershipApplied": lambda: MembershipApplied(
        core=True, transferred_from=OTHER, **IDS
    ),
    "peernet.GroupFormed": lambda: GroupFormed(
        group_id=GROUP,
        name="Dallas One",
        format=GroupFormat.VIRTUAL,
        kind=GroupKind.SPECIAL_INTEREST,
        territory=Territory("US", "texas"),
        charter=RICH_CHARTER,
        at=AT,
    ),
    "peernet.CharterAmended": lambda: CharterAmended(
        group_id=GROUP, version=2, charter=RICH_CHARTER, at=AT
    ),
    "peernet.FacilitatorAssigned": lambda: FacilitatorAssigned(
        group_id=GROUP, facilitator="Dana", at=AT
    ),
    "peernet.GroupClosed": lambda: GroupClosed(group_id=GROUP, reason="merged", at=AT),
    "peernet.QuarterClosed": lambda: QuarterClosed(
        group_id=GROUP, quarter="2009Q4", missing=(MEMBERSHIP,), at=AT
    ),
    "peernet.FinancialsSubmitted": lambda: FinancialsSubmitted(
        financials_id=financials_id_of(COMPANY),
        company_id=COMPANY,
        group_id=GROUP,
        membership_id=MEMBERSHIP,
        quarter="2009Q4",
        revision=2,
        revenue=Money(Decimal("1250000.00"), "USD"),
        gross_profit=Money(Decimal("500000.50"), "USD"),
        ebitda=Money(Decimal("-12000.00"), "USD"),
        recurring_revenue=Money(Decimal("400000.00"), "USD"),
        service_wages=Money(Decimal("300000.00"), "USD"),
        head_count=22,
        at=AT,
    ),
    "peernet.ApplicantWaitlisted": lambda: ApplicantWaitlisted(
        reason="competes with member Bolt", competitor_id=OTHER, **IDS
    ),
    "peernet.SeatOffered": lambda: SeatOffered(**IDS),
    "peernet.SeatDeclined": lambda: SeatDeclined(**IDS),
    "peernet.ApplicationWithdrawn": lambda: ApplicationWithdrawn(reason="acquisition", **IDS),
    "peernet.AgreementSigned": lambda: AgreementSigned(**IDS),
    "peernet.MemberJoined": lambda: MemberJoined(transferred_from=OTHER, **IDS),
    "peernet.MemberResigned": lambda: MemberResigned(reason="sold the business", **IDS),
    "peernet.MemberRemoved": lambda: MemberRemoved(
        cause=RemovalCause.NON_PAYMENT, note="3 months unpaid", **IDS
    ),
    "peernet.MemberTransferred": lambda: MemberTransferred(
        to_group_id=OTHER, to_membership_id=some_id("new"), **IDS
    ),
    "peernet.MemberGraduated": lambda: MemberGraduated(**IDS),
    "peernet.MemberFlagged": lambda: MemberFlagged(reason="missed 2 of the last 4", **IDS),
    "peernet.MemberVotedOff": lambda: MemberVotedOff(
        motion_id=MOTION, cause=MotionCause.MISSED_GOALS.value, **IDS
    ),
    "peernet.ApplicantAdmitted": lambda: ApplicantAdmitted(motion_id=MOTION, **IDS),
    "peernet.GoalSet": lambda: GoalSet(company_id=COMPANY, target=TARGET, **GOAL_IDS),
    "peernet.GoalChallenged": lambda: GoalChallenged(
        challenger_id=OTHER, reason="not a stretch", **GOAL_IDS
    ),
    "peernet.GoalRevised": lambda: GoalRevised(
        revision=1, target=attrs.evolve(TARGET, value=Decimal("40")), **GOAL_IDS
    ),
    "peernet.ProgressReported": lambda: ProgressReported(
        value=Decimal("52.25"), note="two big invoices late", **GOAL_IDS
    ),
    "peernet.GoalMet": lambda: GoalMet(value=Decimal("44"), **GOAL_IDS),
    "peernet.GoalMissed": lambda: GoalMissed(value=None, **GOAL_IDS),
    "peernet.GoalWithdrawn": lambda: GoalWithdrawn(reason="voted off", **GOAL_IDS),
    "peernet.MotionRaised": lambda: MotionRaised(
        raised_by=OTHER,
        kind=MotionKind.REMOVAL,
        deadline=datetime(2008, 7, 14, 17, 0, tzinfo=UTC),
        electorate=(OTHER, COMPANY),
        quorum=Fraction(3, 4),
        threshold=Fraction(2, 3),
        subject_id=MEMBERSHIP,
        cause=MotionCause.MISSED_GOALS,
        charter=RICH_CHARTER,
        reason="missed 2 goals in a row",
        **MOTION_IDS,
    ),
    "peernet.BallotCast": lambda: BallotCast(voter_id=OTHER, in_favour=True, **MOTION_IDS),
    "peernet.MotionCarried": lambda: MotionCarried(
        in_favour=3, against=1, electorate=4, **MOTION_IDS
    ),
    "peernet.MotionFailed": lambda: MotionFailed(
        in_favour=1, against=0, electorate=4, reason="quorum not reached", **MOTION_IDS
    ),
    "peernet.DuesCharged": lambda: DuesCharged(
        company_id=COMPANY,
        group_id=GROUP,
        membership_id=MEMBERSHIP,
        month=date(2008, 3, 1),
        amount=Money(Decimal("100.00"), "USD"),
        at=AT,
    ),
    "peernet.PaymentReceived": lambda: PaymentReceived(
        company_id=COMPANY, amount=Money(Decimal("1234.56"), "EUR"), reference="INV-7", at=AT
    ),
    "peernet.GatheringScheduled": lambda: GatheringScheduled(
        gathering_id=GATHERING,
        name="Summit 2008",
        venue="Orlando",
        starts=date(2008, 6, 2),
        ends=date(2008, 6, 6),
        currency="USD",
        at=AT,
    ),
    "peernet.MeetingAddedToGathering": lambda: MeetingAddedToGathering(
        gathering_id=GATHERING, meeting_id=MEETING, group_id=GROUP, at=AT
    ),
    "peernet.MeetingScheduled": lambda: MeetingScheduled(
        starts=date(2008, 6, 3),
        ends=date(2008, 6, 4),
        venue="Orlando",
        host_id=MEMBERSHIP,
        gathering_id=GATHERING,
        expected=(MEMBERSHIP, OTHER),
        **MEETING_IDS,
    ),
    "peernet.AgendaSet": lambda: AgendaSet(
        topics=(Topic("Cash flow", owner_id=MEMBERSHIP), Topic("Hiring")), **MEETING_IDS
    ),
    "peernet.PrepSubmitted": lambda: PrepSubmitted(
        membership_id=MEMBERSHIP, summary="Q2 numbers", late=True, **MEETING_IDS
    ),
    "peernet.AttendanceRecorded": lambda: AttendanceRecorded(
        membership_id=MEMBERSHIP, attendance=Attendance.LEFT_EARLY, **MEETING_IDS
    ),
    "peernet.ExpenseRecorded": lambda: ExpenseRecorded(
        gathering_id=GATHERING,
        kind=ExpenseKind.SPEAKER_TRAVEL,
        amount=Money(Decimal("850.10"), "USD"),
        description="keynote flights",
        at=AT,
    ),
    "peernet.SponsorshipRecorded": lambda: SponsorshipRecorded(
        meeting_id=MEETING, sponsor="Vendor Partner", amount=Money("500", "USD"), at=AT
    ),
    "peernet.MeetingClosed": lambda: MeetingClosed(expected=(MEMBERSHIP,), **MEETING_IDS),
    "peernet.CostsShared": lambda: CostsShared(
        meeting_id=MEETING,
        expenses=Money("100.01", "USD"),
        sponsorship=Money("0.00", "USD"),
        net=Money("100.01", "USD"),
        shares=(
            Share(
                membership_id=MEMBERSHIP,
                company_id=COMPANY,
                group_id=GROUP,
                amount=Money("100.01", "USD"),
            ),
        ),
        at=AT,
    ),
    "peernet.MeetingCancelled": lambda: MeetingCancelled(reason="snow", **MEETING_IDS),
    "peernet.CommandHandled": lambda: CommandHandled(
        ledger_id=OTHER,
        command_id=COMMAND,
        command="ApplyForMembership",
        digest="0" * 64,
        events=(StreamRef(stream_id=COMPANY, version=3), StreamRef(stream_id=GROUP, version=7)),
        at=AT,
    ),
}

# --- the network's own bodies (docs/governance.md, docs/people.md) --------------------------

PERSON = UUID("00000000-0000-4000-8000-0000000000b1")
VENDOR = UUID("00000000-0000-4000-8000-0000000000b2")
ELECTION = UUID("00000000-0000-4000-8000-0000000000b3")
RESOLUTION = UUID("00000000-0000-4000-8000-0000000000b4")
RICH_NETWORK_CHARTER = NetworkCharter(
    staff={"arlin", "office"},
    committee_seats=15,
    resolution_quorum=Fraction(3, 5),
    reserved=frozenset({ResolutionKind.FORM_GROUP, ResolutionKind.SET_DUES}),
    benchmarking_mandatory_from=date(2010, 1, 1),
    referral_days=60,
    max_share=Fraction(1, 3),
    scorecard_flags=Band(green=Fraction(0), amber=Fraction(2), lower_is_better=True),
)
RESOLVED: dict[str, Any] = {
    "resolution_id": RESOLUTION,
    "kind": ResolutionKind.ADMIT_VENDOR,
    "subject_id": VENDOR,
    "summary": "admit Contoso (gold)",
    "proposed_by": PERSON,
    "in_favour": (PERSON,),
    "against": (),
    "seated": 15,
    "at": AT,
}
EXAMPLES.update(
    {
        "peernet.NetworkChartered": lambda: NetworkChartered(charter=RICH_NETWORK_CHARTER, at=AT),
        "peernet.NetworkCharterAmended": lambda: NetworkCharterAmended(
            version=2, charter=NetworkCharter(committee_seats=9), at=AT
        ),
        "peernet.CommitteeMemberSeated": lambda: CommitteeMemberSeated(
            person_id=PERSON,
            company_id=COMPANY,
            role=CommitteeRole.CHAIR,
            term_ends=date(2010, 6, 30),
            election_id=ELECTION,
            at=AT,
        ),
        "peernet.CommitteeMemberLeft": lambda: CommitteeMemberLeft(
            person_id=PERSON, reason="sold the company", at=AT
        ),
        "peernet.ElectionCalled": lambda: ElectionCalled(
            election_id=ELECTION,
            nominees=(Nominee(person_id=PERSON, company_id=COMPANY, role=CommitteeRole.CHAIR),),
            deadline=AT,
            electorate=(COMPANY, OTHER),
            quorum=Fraction(1, 2),
            threshold=Fraction(1, 2),
            at=AT,
        ),
        "peernet.ElectionBallotCast": lambda: ElectionBallotCast(
            election_id=ELECTION, company_id=COMPANY, in_favour=True, at=AT
        ),
        "peernet.ElectionCounted": lambda: ElectionCounted(
            election_id=ELECTION,
            in_favour=1,
            against=0,
            electorate=2,
            failed_because="quorum not reached",
            at=AT,
        ),
        "peernet.NetworkDuesSet": lambda: NetworkDuesSet(
            in_person=Decimal("100.00"),
            virtual=Decimal("50.00"),
            from_month=date(2009, 1, 1),
            currency="USD",
            at=AT,
        ),
        "peernet.ResolutionPassed": lambda: ResolutionPassed(**RESOLVED),
        "peernet.ResolutionFailed": lambda: ResolutionFailed(
            reason="threshold not reached", **RESOLVED
        ),
        "peernet.VendorAdmitted": lambda: VendorAdmitted(
            vendor_id=VENDOR,
            name="Contoso",
            tier="gold",
            starts=date(2008, 7, 1),
            ends=date(2009, 6, 30),
            at=AT,
        ),
        "peernet.VendorRenewed": lambda: VendorRenewed(
            vendor_id=VENDOR, tier="platinum", ends=date(2010, 6, 30), at=AT
        ),
        "peernet.VendorEnded": lambda: VendorEnded(vendor_id=VENDOR, reason="merged", at=AT),
        "peernet.SessionAdded": lambda: SessionAdded(
            gathering_id=GATHERING,
            title="P2P success stories",
            theme="the economy",
            speaker=Speaker(name="Pat", kind=SpeakerKind.VENDOR, vendor_id=VENDOR),
            at=AT,
        ),
        "peernet.RepresentativeNamed": lambda: RepresentativeNamed(
            company_id=COMPANY,
            person_id=PERSON,
            name="Jo Executive",
            role=PersonRole.MARKETING_MANAGER,
            at=AT,
        ),
        "peernet.EligibilitySet": lambda: EligibilitySet(
            group_id=GROUP,
            eligibility=Eligibility(
                business_models={"managed services"}, certifications={"small business specialist"}
            ),
            at=AT,
        ),
        "peernet.SeatHolderNamed": lambda: SeatHolderNamed(person_id=PERSON, **IDS),
        "peernet.BenchmarkingOptedIn": lambda: BenchmarkingOptedIn(
            company_id=COMPANY, provider="Service Leadership", at=AT
        ),
        "peernet.ReferenceFiguresImported": lambda: ReferenceFiguresImported(
            source="Service Leadership",
            quarter="2009Q1",
            figures=(
                ReferenceFigure(
                    metric="ebitda_pct",
                    lower_quartile=Decimal("0.04"),
                    median=Decimal("0.09"),
                    upper_quartile=Decimal("0.15"),
                ),
            ),
            at=AT,
        ),
        "peernet.AttendeesRecorded": lambda: AttendeesRecorded(
            membership_id=MEMBERSHIP, person_ids=(PERSON, OTHER), **MEETING_IDS
        ),
        "peernet.GraduationHeld": lambda: GraduationHeld(
            group_id=GROUP, gathering_id=GATHERING, graduates=(MEMBERSHIP,), at=AT
        ),
        "peernet.GraduateSteppedUp": lambda: GraduateSteppedUp(
            group_id=GROUP,
            membership_id=MEMBERSHIP,
            company_id=COMPANY,
            from_membership_id=OTHER,
            from_group_id=OTHER,
            priority=True,
            at=AT,
        ),
        "peernet.RepresentativeWithdrawn": lambda: RepresentativeWithdrawn(
            company_id=COMPANY, person_id=PERSON, reason="left the company", at=AT
        ),
    }
)
EXAMPLES["peernet.SponsorshipRecorded"] = lambda: SponsorshipRecorded(
    meeting_id=MEETING, sponsor="Contoso", vendor_id=VENDOR, amount=Money("500", "USD"), at=AT
)


# --- the partner economy's events ---------------------------------------------------------
DEAL = UUID("00000000-0000-4000-8000-0000000000d1")
REFERRAL = UUID("00000000-0000-4000-8000-0000000000d2")
CONTEST = UUID("00000000-0000-4000-8000-0000000000d3")
ENTRY = UUID("00000000-0000-4000-8000-0000000000d4")
DEAL_IDS: dict[str, Any] = {"deal_id": DEAL, "company_id": COMPANY, "at": AT}
PARTNER_IDS: dict[str, Any] = {
    **DEAL_IDS,
    "partner_id": OTHER,
    "membership_id": MEMBERSHIP,
    "group_id": GROUP,
}
REFERRAL_IDS: dict[str, Any] = {"referral_id": REFERRAL, "company_id": COMPANY, "at": AT}
CONTEST_IDS: dict[str, Any] = {"competition_id": CONTEST, "at": AT}
EXAMPLES.update(
    {
        "peernet.DealProposed": lambda: DealProposed(
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            line="voip",
            customer="First Bank of Harlan",
            summary="phones for 12 branches",
            referral_id=REFERRAL,
            **DEAL_IDS,
        ),
        "peernet.PartnerInvited": lambda: PartnerInvited(line="backup", **PARTNER_IDS),
        "peernet.InvitationAccepted": lambda: InvitationAccepted(**PARTNER_IDS),
        "peernet.InvitationDeclined": lambda: InvitationDeclined(reason="busy", **PARTNER_IDS),
        "peernet.InvitationLapsed": lambda: InvitationLapsed(reason="deal won", **PARTNER_IDS),
        "peernet.DealWon": lambda: DealWon(**DEAL_IDS),
        "peernet.DealLost": lambda: DealLost(reason="price", **DEAL_IDS),
        "peernet.DealClosed": lambda: DealClosed(
            value=Money("1000.01", "USD"),
            shares=(
                DealShare(
                    company_id=COMPANY,
                    membership_id=MEMBERSHIP,
                    group_id=GROUP,
                    amount=Money("500.01", "USD"),
                ),
                DealShare(
                    company_id=OTHER,
                    membership_id=MEMBERSHIP,
                    group_id=GROUP,
                    amount=Money("500.00", "USD"),
                ),
            ),
            **DEAL_IDS,
        ),
        "peernet.ReferralMade": lambda: ReferralMade(
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            to_company_id=OTHER,
            to_membership_id=MEMBERSHIP,
            to_group_id=GROUP,
            line="storage",
            customer="Harlan Clinic",
            summary="a SAN",
            lapses_at=AT + timedelta(days=90),
            **REFERRAL_IDS,
        ),
        "peernet.ReferralAccepted": lambda: ReferralAccepted(**REFERRAL_IDS),
        "peernet.ReferralDeclined": lambda: ReferralDeclined(reason="full", **REFERRAL_IDS),
        "peernet.ReferralConverted": lambda: ReferralConverted(deal_id=DEAL, **REFERRAL_IDS),
        "peernet.ReferralLapsed": lambda: ReferralLapsed(reason="90 days", **REFERRAL_IDS),
        "peernet.CompetitionOpened": lambda: CompetitionOpened(
            theme="recurring revenue",
            entries_close=AT + timedelta(days=30),
            judging_closes=AT + timedelta(days=60),
            jury=(MEMBERSHIP, OTHER),
            quorum=Fraction(2, 3),
            threshold=Fraction(1, 2),
            awards=3,
            **CONTEST_IDS,
        ),
        "peernet.CompetitionEntered": lambda: CompetitionEntered(
            entry_id=ENTRY,
            company_id=COMPANY,
            membership_id=MEMBERSHIP,
            group_id=GROUP,
            title="Backup for clinics",
            summary="what we did",
            results="+20% recurring",
            partners=(OTHER,),
            **CONTEST_IDS,
        ),
        "peernet.JuryBallotCast": lambda: JuryBallotCast(
            entry_id=ENTRY, juror_id=MEMBERSHIP, in_favour=True, **CONTEST_IDS
        ),
        "peernet.EntryCounted": lambda: EntryCounted(
            entry_id=ENTRY,
            in_favour=3,
            against=1,
            electorate=5,
            carried=True,
            **CONTEST_IDS,
        ),
        "peernet.AwardGranted": lambda: AwardGranted(
            entry_id=ENTRY, company_id=COMPANY, rank=1, **CONTEST_IDS
        ),
        "peernet.CompetitionJudged": lambda: CompetitionJudged(entries=4, awards=1, **CONTEST_IDS),
        "peernet.AwardPresented": lambda: AwardPresented(
            entry_id=ENTRY,
            company_id=COMPANY,
            membership_id=MEMBERSHIP,
            gathering_id=GATHERING,
            meeting_id=MEETING,
            **CONTEST_IDS,
        ),
    }
)


def peernet_topics() -> list[str]:
    """The topics of peernet's own event classes (test-only classes left out)."""
    return sorted(
        topic for topic, cls in event_types().items() if cls.__module__.startswith("peernet.")
    )


def record(event: Event, *, version: int = 3) -> Recorded:
    return Recorded(
        event=event,
        stream_id=event.stream()[1],
        version=version,
        actor="clerk",
        recorded_at=RECORDED_AT,
        command_id=COMMAND,
        correlation_id=CORRELATION,
    )


def mapper() -> PeerNetMapper:
    return PeerNetMapper(transcoder=JSONTranscoder())


def stored(topic: str, state: bytes, stream_id: UUID = GROUP) -> StoredEvent:
    return StoredEvent(originator_id=stream_id, originator_version=4, topic=topic, state=state)


# --- topics and round trips ---------------------------------------------------------------


def test_every_stored_event_class_has_an_example_here() -> None:
    """A new event class needs an example below, so its wire format is tested."""
    assert sorted(EXAMPLES) == peernet_topics()


def test_a_topic_is_peernet_dot_the_class_name() -> None:
    """Topics do not move when a module does: peernet.<ClassName>."""
    assert [] == [
        topic for topic, cls in event_types().items() if topic != f"peernet.{cls.__name__}"
    ]


def test_base_classes_shared_by_events_have_no_topic() -> None:
    """MembershipEvent and Event only share fields; they are never stored."""
    assert {"peernet.Event", "peernet.MembershipEvent"}.isdisjoint(event_types())


@pytest.mark.parametrize("topic", sorted(EXAMPLES))
def test_an_event_round_trips_through_the_mapper(topic: str) -> None:
    """decode(encode(recorded)) equals the recorded event, under its stable topic."""
    recorded = record(EXAMPLES[topic]())
    codec_ = mapper()

    stored_event = codec_.encode(recorded)
    decoded = codec_.decode(stored_event, position=42)

    assert (topic, recorded.stream_id, 3, recorded, 42) == (
        stored_event.topic,
        stored_event.originator_id,
        stored_event.originator_version,
        decoded,
        decoded.position,
    )


def test_the_same_event_always_encodes_to_the_same_bytes() -> None:
    """Sets are written sorted: equal events give equal bytes, whatever the set order."""
    one = profile("A", lines=("voip", "backup", "managed services"))
    other = profile("A", lines=("managed services", "voip", "backup"))

    encoded = [
        mapper().encode(record(CompanyRegistered(company_id=COMPANY, profile=p, at=AT))).state
        for p in (one, other)
    ]

    assert encoded[0] == encoded[1]


PINNED_SEAT_OFFERED = (
    b'{"event":{"at":"2008-06-30T17:30:00+00:00",'
    b'"membership_id":"00000000-0000-4000-8000-000000000003",'
    b'"group_id":"00000000-0000-4000-8000-000000000001",'
    b'"company_id":"00000000-0000-4000-8000-000000000002"},'
    b'"actor":"clerk","recorded_at":"2008-07-01T09:00:00.123456+00:00",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1",'
    b'"correlation_id":"00000000-0000-4000-8000-0000000000c2",'
    b'"chain":"3766731c860fa2446cb05af192849e12b14a035bac0f1925a3680f8078d4ba1e"}'
)

PINNED_COMPANY_REGISTERED = (
    b'{"event":{"at":"2008-06-30T17:30:00+00:00",'
    b'"company_id":"00000000-0000-4000-8000-000000000002",'
    b'"profile":{"name":"Acme IT","kind":"msp",'
    b'"territory":{"country":"US","region":"texas"},'
    b'"business_lines":["backup","managed services","voip"],'
    b'"head_count":40,"revenue_band":"1-5M","representatives":[],'
    b'"business_model":"","size_band":"","ownership":"","vertical":"",'
    b'"partner_level":"","certifications":[]}},'
    b'"actor":"clerk","recorded_at":"2008-07-01T09:00:00.123456+00:00",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1",'
    b'"correlation_id":"00000000-0000-4000-8000-0000000000c2","schema":2,'
    b'"chain":"cdff8972149673ca566420ab36713a54e7d0e1fb44092c281cf116c711344842"}'
)

#: a company registered under schema 1, before profiles stated business model and the rest
SCHEMA_ONE_COMPANY_REGISTERED = (
    b'{"event":{"at":"2008-06-30T17:30:00+00:00",'
    b'"company_id":"00000000-0000-4000-8000-000000000002",'
    b'"profile":{"name":"Acme IT","kind":"msp",'
    b'"territory":{"country":"US","region":"texas"},'
    b'"business_lines":["backup","managed services","voip"],'
    b'"head_count":40,"revenue_band":"1-5M","representatives":[]}},'
    b'"actor":"clerk","recorded_at":"2008-07-01T09:00:00.123456+00:00",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1",'
    b'"correlation_id":"00000000-0000-4000-8000-0000000000c2",'
    b'"chain":"11b3ad3551bafbfdf49935b0d894ad4dcda96f208765ea1867f10b9c4934ae40"}'
)


@pytest.mark.parametrize("topic", ["peernet.CompanyRegistered", "peernet.CompanyProfileChanged"])
def test_a_schema_one_profile_reads_with_nothing_known_of_its_new_fields(topic: str) -> None:
    """Old bytes decode through the upcaster: business model and the rest not known ("")."""
    decoded = mapper().decode(stored(topic, SCHEMA_ONE_COMPANY_REGISTERED, COMPANY))

    assert (RICH_PROFILE, "", frozenset()) == (
        decoded.event.profile,  # type: ignore[attr-defined]
        decoded.event.profile.vertical,  # type: ignore[attr-defined]
        decoded.event.profile.certifications,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("peernet.SeatOffered", PINNED_SEAT_OFFERED),
        ("peernet.CompanyRegistered", PINNED_COMPANY_REGISTERED),
    ],
)
def test_the_stored_bytes_of_an_event_are_pinned(topic: str, expected: bytes) -> None:
    """The wire format cannot change by accident: these bytes are a contract."""
    assert expected == mapper().encode(record(EXAMPLES[topic]())).state


def test_pinned_bytes_decode_to_the_event() -> None:
    """Bytes written by this version are read back by it."""
    decoded = mapper().decode(stored("peernet.SeatOffered", PINNED_SEAT_OFFERED))

    assert attrs.evolve(record(SeatOffered(**IDS)), stream_id=GROUP, version=4) == decoded


# --- upcasting ----------------------------------------------------------------------------


NOTE_TAKEN = "peernet.NoteTaken"
SchemaTwo = dict[str, Callable[..., Event]]


@pytest.fixture
def schema_two() -> Iterator[SchemaTwo]:
    """A test-only event at schema 2 (field `note` renamed `text`, `pinned` added) with an
    upcaster from schema 1, by topic.

    Made afresh for each test and forgotten afterwards (upcaster, converter caches and the
    class itself), so no other test finds its topic among `event_types()`."""

    @attrs.frozen(kw_only=True)
    class NoteTaken(Event):
        home = "group_id"
        schema: ClassVar[int] = 2
        group_id: UUID
        text: str
        pinned: bool

    @upcaster(NOTE_TAKEN, from_schema=1)
    def note_to_text(data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        data["text"] = data.pop("note")
        data.setdefault("pinned", False)
        return data

    test_events: SchemaTwo = {NOTE_TAKEN: NoteTaken}
    del NoteTaken
    yield test_events

    test_events.clear()  # pytest holds the fixture's value until after this teardown
    del codec._UPCASTERS[(NOTE_TAKEN, 1)]
    codec.converter._structure_func.clear_cache()
    codec.converter._unstructure_func.clear_cache()
    gc.collect()


OLD_NOTE_TAKEN = (
    b'{"event":{"at":"2008-06-30T17:30:00+00:00",'
    b'"group_id":"00000000-0000-4000-8000-000000000001","note":"bring Q2 figures"},'
    b'"actor":"clerk","recorded_at":"2008-07-01T09:00:00.123456+00:00",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1",'
    b'"correlation_id":"00000000-0000-4000-8000-0000000000c2"}'
)


def test_old_bytes_are_upcast_to_the_new_shape(schema_two: SchemaTwo) -> None:
    """Schema-1 bytes (no schema key) pass through the upcaster and decode as schema 2."""
    decoded = mapper().decode(stored(NOTE_TAKEN, OLD_NOTE_TAKEN))

    expected = schema_two[NOTE_TAKEN](
        group_id=GROUP,
        text="bring Q2 figures",
        pinned=False,
        at=AT,
    )
    assert (expected, "clerk", COMMAND) == (decoded.event, decoded.actor, decoded.command_id)


def test_new_bytes_record_their_schema_and_are_not_upcast(schema_two: SchemaTwo) -> None:
    """An event of schema 2 is written with "schema":2 and read back as it was."""
    event = schema_two[NOTE_TAKEN](group_id=GROUP, text="agenda", pinned=True, at=AT)
    codec_ = mapper()

    stored_event = codec_.encode(record(event))

    decoded = codec_.decode(stored_event)

    assert (True, record(event)) == (b'"schema":2' in stored_event.state, decoded)


# --- unreadable events --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "state", "why"),
    [
        pytest.param("peernet.NoSuchEvent", PINNED_SEAT_OFFERED, "unknown topic", id="topic"),
        pytest.param("peernet.SeatOffered", b"\x00\xffnot json", "JSONDecodeError", id="bytes"),
        pytest.param("peernet.SeatOffered", b'{"event":{}}', "", id="missing fields"),
        pytest.param(
            "peernet.SeatOffered",
            PINNED_SEAT_OFFERED.replace(b"+00:00", b""),
            "",
            id="naive time",
        ),
    ],
)
def test_an_unreadable_event_raises_a_one_line_unreadable_event(
    topic: str, state: bytes, why: str
) -> None:
    """UnreadableEvent is invalid input naming the stream, on one line."""
    with pytest.raises(UnreadableEvent) as raised:
        mapper().decode(stored(topic, state))

    error = raised.value
    assert (True, 1, "readable_store", {"stream_id": GROUP}, True) == (
        isinstance(error, InvalidInput),
        len(str(error).splitlines()),
        error.rule,
        error.ids,
        why in str(error),
    )


# --- SponsorshipRecorded: schema 1 named a sponsor alone --------------------------------------

OLD_SPONSORSHIP = (
    b'{"event":{"at":"2008-06-30T17:30:00+00:00",'
    b'"meeting_id":"00000000-0000-4000-8000-0000000000a2","gathering_id":null,'
    b'"sponsor":"Vendor Partner","amount":{"amount":"500","currency":"USD"}},'
    b'"actor":"clerk","recorded_at":"2008-07-01T09:00:00.123456+00:00",'
    b'"command_id":"00000000-0000-4000-8000-0000000000c1",'
    b'"correlation_id":"00000000-0000-4000-8000-0000000000c2"}'
)


def test_a_schema_one_sponsorship_reads_with_its_free_text_sponsor_and_no_vendor() -> None:
    """Bytes written before sponsorships named vendors decode, the sponsor kept, no vendor."""
    decoded = mapper().decode(stored("peernet.SponsorshipRecorded", OLD_SPONSORSHIP, MEETING))

    assert (
        SponsorshipRecorded(
            meeting_id=MEETING, sponsor="Vendor Partner", amount=Money("500", "USD"), at=AT
        )
        == decoded.event
    )
