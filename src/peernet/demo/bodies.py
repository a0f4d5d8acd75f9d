"""How the network came to run itself, as the seeds tell it: the network chartered by
its founder's office in 2001; in 2008 members name their executives and marketing
managers, the members elect a leadership committee of 15 that takes over in September,
the committee admits eight vendor partners, forms the groups from then on, and sets dues
of $100 a month ($50 online) from January 2009; the January 2009 gathering in Dallas,
where every group meets separately in one venue, with talks on the economy, cloud
computing and P2P success stories; a special-interest group for managed-services
companies; a virtual programme for Small Business Specialists whose cohort graduates at
the 2009 Worldwide Partner Conference, one graduate stepping up to a face-to-face group;
and outside benchmarking with Service Leadership, which half the members take up in 2009.

Every draw here comes from a generator of this scene's own, so the rest of the story
draws what it always drew.
"""

import functools
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

import attrs

from peernet import (
    AddSession,
    AdmitVendor,
    AmendNetworkCharter,
    ApplyForMembership,
    Attendance,
    CallElection,
    CancelMeeting,
    CastElectionBallot,
    ChangeCompanyProfile,
    CharterNetwork,
    CloseGathering,
    CloseMeeting,
    CommitteeMemberSeated,
    CommitteeRole,
    CountElection,
    Eligibility,
    FormGroup,
    GatherAllGroups,
    GroupFormat,
    GroupKind,
    HoldGraduation,
    ImportReferenceFigures,
    MeetingScheduled,
    MeetingStatus,
    MemberGraduated,
    MembershipStatus,
    Money,
    NameRepresentative,
    NameSeatHolder,
    NetworkCharter,
    Nominee,
    OptIntoBenchmarking,
    PersonRole,
    RecordSponsorship,
    RegisterCompany,
    ScheduleGathering,
    ScheduleMeeting,
    SetNetworkDues,
    SignAgreement,
    Speaker,
    SpeakerKind,
    StepUp,
    TakeRoll,
    TakeSeat,
)
from peernet.adapters.reference import read_reference_figures
from peernet.demo.cast import new_profile, person
from peernet.demo.meetings import MeetingScenes
from peernet.demo.scene import Scene
from peernet.demo.world import OFFICE, World

FOUNDER = "Arlin Sorensen"
#: the eight vendor partners of the formal programme, and their tiers
VENDORS = (
    ("Microsoft", "platinum"),
    ("Intel", "platinum"),
    ("Datto", "gold"),
    ("Kaseya", "gold"),
    ("ConnectWise", "gold"),
    ("Autotask", "gold"),
    ("HP", "silver"),
    ("Symantec", "silver"),
)
PROVIDER = "Service Leadership"
SBS = "small business specialist"
#: the industry figures Service Leadership published for the last quarter of 2008
REFERENCE_CSV = """metric,lower_quartile,median,upper_quartile
ebitda_pct,0.02,0.08,0.14
gross_margin_pct,0.30,0.42,0.55
revenue_growth,-0.05,0.06,0.18
recurring_share,0.15,0.30,0.50
"""
#: when the story's acts of the network's bodies happen: (year, month) -> (day, act)
CALENDAR: dict[tuple[int, int], tuple[tuple[int, str], ...]] = {
    (2001, 8): ((1, "charter"),),
    (2008, 1): ((20, "sbs_programme"),),
    (2008, 3): ((25, "name_people"),),
    (2008, 7): ((5, "call_election"), (20, "vote")),
    (2008, 9): ((1, "take_over"), (3, "admit_vendors")),
    (2008, 12): ((10, "set_dues"), (20, "dallas")),
    (2009, 1): ((3, "dallas_talks"), (28, "close_dallas")),
    (2009, 2): ((9, "benchmarking"),),
    (2009, 3): ((12, "special_interest"), (20, "reference_figures")),
    (2009, 5): ((9, "benchmarking"),),
    (2009, 7): ((14, "graduation"),),
    (2009, 10): ((9, "benchmarking"),),
}
#: until the leadership committee's centralised gatherings, each group met at a member's
#: place in its hometown, two days each quarter
HOMETOWN_UNTIL = 2008


class BodyScenes(Scene):
    """The network's charter, committee, vendors, programmes and benchmarking."""

    def __init__(self, world: World, meetings: MeetingScenes) -> None:
        super().__init__(world)
        self.meetings = meetings
        self.rng = random.Random(f"{world.seed} bodies")  # noqa: S311 (a story)
        self.election: UUID | None = None
        self.dallas_id: UUID | None = None
        self.sbs_group: UUID | None = None
        self.names: set[str] = set()

    def plan(self, year: int, month: int, add: Any) -> None:
        """Add this month's acts to the month's plan."""
        for day, act in CALENDAR.get((year, month), ()):
            add(day, getattr(self, act))
        if year < HOMETOWN_UNTIL and month % 3 == 1:
            for n, group in enumerate(self.replica.open_groups(fmt=GroupFormat.IN_PERSON)):
                add(6 + (n * 5) % 19, functools.partial(self.hometown, group.id))

    def hometown(self, group_id: UUID) -> None:
        """A quarter's meeting at a member's office: the roll (most come, a few send
        apologies), closed on its second day."""
        group = self.replica.groups[group_id]
        if group.closed_at is not None or not group.active:
            return
        world = self.world
        members = sorted(group.active, key=lambda m: str(m.id))
        host = self.rng.choice(members)
        meeting_id = self._id(f"hometown {group_id} {world.month_start:%Y-%m}")
        starts = world.scene_day().date()
        scheduled = world.do(
            ScheduleMeeting,
            group_id=group_id,
            starts=starts,
            ends=starts + timedelta(days=1),
            host_id=host.id,
            meeting_id=meeting_id,
        )
        if not scheduled:
            return
        marks = {
            m.id: Attendance.PRESENT if self.rng.random() < 0.93 else Attendance.EXCUSED
            for m in members
        }
        world.do(TakeRoll, meeting_id=meeting_id, attendance=marks)
        world.day += 1
        world.do(CloseMeeting, meeting_id=meeting_id, actor=group.facilitator or OFFICE)
        world.day -= 1

    # --- helpers -------------------------------------------------------------------------

    def _id(self, label: str) -> UUID:
        return uuid5(self.world.ns, f"bodies {label}")

    def _seat(self, company_id: UUID, group_id: UUID) -> UUID | None:
        membership_id = self.world.new_id("membership")
        applied = self.world.do(
            ApplyForMembership,
            company_id=company_id,
            group_id=group_id,
            membership_id=membership_id,
        )
        if not applied or type(applied[-1].event).__name__ != "SeatOffered":
            return None
        self.world.do(SignAgreement, membership_id=membership_id)
        self.world.do(TakeSeat, membership_id=membership_id)
        return membership_id

    # --- 2001: the founder's office acts for the network ---------------------------------

    def charter(self) -> None:
        charter = NetworkCharter(staff={OFFICE, FOUNDER}, vendor_term_months=24)
        self.world.do(CharterNetwork, charter=charter, actor=FOUNDER)

    # --- 2008: people, the election, the committee takes over -----------------------------

    def name_people(self) -> None:
        """Every member company names its executive; companion groups' members their
        marketing managers, who hold the companion seats."""
        for group, m in sorted(
            self.replica.memberships(*_ACTIVE), key=lambda gm: (gm[0].name, str(gm[1].id))
        ):
            company = self.replica.companies[m.company_id]
            if group.kind is GroupKind.CORE and not company.representatives:
                self._name(m.company_id, PersonRole.EXECUTIVE)
            if group.kind is GroupKind.COMPANION:
                person_id = self._name(m.company_id, PersonRole.MARKETING_MANAGER)
                if person_id is not None:
                    self.world.do(NameSeatHolder, membership_id=m.id, person_id=person_id)

    def _name(self, company_id: UUID, role: PersonRole) -> UUID | None:
        person_id = self.world.new_id("person")
        done = self.world.do(
            NameRepresentative,
            company_id=company_id,
            name=person(self.rng),
            role=role,
            person_id=person_id,
        )
        return person_id if done else None

    def call_election(self) -> None:
        """Fifteen executives stand as a slate, a founder's as chair."""
        executives = []
        for group in self.replica.open_groups():
            for m in sorted(group.active, key=lambda m: (m.joined_at, str(m.id))):
                people = self.replica.companies[m.company_id].representatives
                if people and (people[0].id, m.company_id) not in executives:
                    executives.append((people[0].id, m.company_id))
        founders = [e for e in executives if e[1] in self.world.founders]
        others = [e for e in executives if e[1] not in self.world.founders]
        slate = founders[:1] + self.rng.sample(others, k=min(14, len(others)))
        nominees = tuple(
            Nominee(person_id=p, company_id=c, role=_ROLE[n == 0]) for n, (p, c) in enumerate(slate)
        )
        self.election = self._id("election 2008")
        self.world.do(
            CallElection,
            nominees=nominees,
            deadline=datetime(2008, 8, 31, 17, tzinfo=UTC),
            election_id=self.election,
        )

    def vote(self) -> None:
        """Most member companies vote; almost all of them for the slate."""
        network = self.replica.network
        if self.election is None or network is None:
            return
        for company_id in network.elections[self.election].called.electorate:
            if self.rng.random() < 0.8:
                self.world.do(
                    CastElectionBallot,
                    election_id=self.election,
                    company_id=company_id,
                    in_favour=self.rng.random() < 0.93,
                    actor=self.replica.companies[company_id].profile.name,
                )

    def take_over(self) -> None:
        if self.election is None:
            return
        counted = self.world.do(CountElection, election_id=self.election)
        seated = [
            r.event.person_id for r in counted or () if isinstance(r.event, CommitteeMemberSeated)
        ]
        self.world.committee = seated

    def admit_vendors(self) -> None:
        """The committee launches the formal programme with eight vendor partners."""
        if not self.world.committee:
            return
        for name, tier in VENDORS:
            vendor_id = self._id(f"vendor {name}")
            if self.world.for_network(AdmitVendor, name=name, tier=tier, vendor_id=vendor_id):
                self.world.vendors[name] = vendor_id

    def set_dues(self) -> None:
        """Dues from January: $100 a month in person, $50 online."""
        if self.world.committee:
            self.world.for_network(
                SetNetworkDues,
                in_person=Decimal("100.00"),
                virtual=Decimal("50.00"),
                from_month=date(2009, 1, 1),
            )

    # --- January 2009: every group meets in Dallas ------------------------------------------

    def dallas(self) -> None:
        """The January meetings move to one venue in Dallas: the planned hometown meetings
        are cancelled and every in-person group meets there, separately."""
        self.dallas_id = self._id("dallas 2009")
        done = self.world.do(
            ScheduleGathering,
            name="HTG Dallas, January 2009",
            venue="Dallas, Texas",
            starts=date(2009, 1, 5),
            ends=date(2009, 1, 6),
            gathering_id=self.dallas_id,
        )
        if not done:
            return
        planned = self.meetings.next_meeting
        for group_id, meeting_id in sorted(planned.items(), key=lambda gm: str(gm[0])):
            group = self.replica.groups[group_id]
            meeting = self.replica.meetings.get(meeting_id)
            if group.format is not GroupFormat.IN_PERSON or meeting is None:
                continue
            if meeting.status is MeetingStatus.SCHEDULED:
                self.world.do(
                    CancelMeeting, meeting_id=meeting_id, reason="the network meets in Dallas"
                )
        gathered = self.world.do(GatherAllGroups, gathering_id=self.dallas_id)
        for record in gathered or ():
            if isinstance(record.event, MeetingScheduled):
                planned[record.event.group_id] = record.event.meeting_id

    def dallas_talks(self) -> None:
        """The programme: the economy, cloud computing, P2P success stories; a vendor
        partner sponsors the venue."""
        if self.dallas_id is None:
            return
        talks = (
            ("Opportunity in a hard economy", "the economy", FOUNDER, SpeakerKind.FOUNDER, None),
            ("What the cloud means for SMB partners", "cloud computing", "Microsoft speaker",
             SpeakerKind.MICROSOFT, None),
            ("P2P deals that worked", "P2P success stories", "Datto speaker",
             SpeakerKind.VENDOR, self.world.vendors.get("Datto")),
        )  # fmt: skip
        for title, theme, name, kind, vendor_id in talks:
            if kind is SpeakerKind.VENDOR and vendor_id is None:
                continue
            self.world.do(
                AddSession,
                title=title,
                theme=theme,
                speaker=Speaker(name=name, kind=kind, vendor_id=vendor_id),
                gathering_id=self.dallas_id,
            )
        sponsor = self.world.vendors.get("Microsoft")
        if sponsor is not None:
            self.world.do(
                RecordSponsorship,
                vendor_id=sponsor,
                amount=Money(Decimal(15_000), "USD"),
                gathering_id=self.dallas_id,
            )

    def close_dallas(self) -> None:
        if self.dallas_id is not None:
            self.world.do(CloseGathering, gathering_id=self.dallas_id)

    # --- groups with eligibility: the SBS programme and a special-interest group -----------

    def sbs_programme(self) -> None:
        """A virtual programme for Microsoft Small Business Specialists, co-sponsored by
        Microsoft: certified newcomers join it for a year."""
        self.sbs_group = self._id("sbs online")
        self.world.group_ids["HTG SBS Online"] = self.sbs_group
        self.world.ceremony_groups.add(self.sbs_group)
        self.world.do(
            FormGroup,
            name="HTG SBS Online",
            format=GroupFormat.VIRTUAL,
            eligibility=Eligibility(certifications={SBS}),
            group_id=self.sbs_group,
        )
        for _ in range(6):
            profile = new_profile(self.rng, self.names, 2008)
            profile = attrs.evolve(profile, certifications=frozenset({SBS}), head_count=8)
            company_id = self.world.new_id("company")
            self.world.do(RegisterCompany, profile=profile, company_id=company_id)
            self._seat(company_id, self.sbs_group)

    def special_interest(self) -> None:
        """The committee forms a group for managed-services companies; the MSPs among the
        members say so in their profiles, and the first few join."""
        if not self.world.committee:
            return
        group_id = self._id("msp sig")
        formed = self.world.for_network(
            FormGroup,
            name="HTG Managed Services SIG",
            kind=GroupKind.SPECIAL_INTEREST,
            eligibility=Eligibility(business_models={"managed services"}),
            group_id=group_id,
        )
        if not formed:
            return
        self.world.group_ids["HTG Managed Services SIG"] = group_id
        msps = sorted(
            {
                m.company_id
                for g, m in self.replica.memberships(*_ACTIVE)
                if g.kind is GroupKind.CORE
                and self.replica.profile(m.company_id).kind.value == "msp"
            },
            key=str,
        )
        for company_id in self.rng.sample(msps, k=min(6, len(msps))):
            profile = self.replica.profile(company_id)
            changed = attrs.evolve(profile, business_model="managed services")
            self.world.do(ChangeCompanyProfile, company_id=company_id, profile=changed)
            self._seat(company_id, group_id)

    def graduation(self) -> None:
        """The SBS cohort graduates at the Worldwide Partner Conference; one graduate steps
        up to a face-to-face group."""
        if self.sbs_group is None:
            return
        wpc = self._id("wpc 2009")
        self.world.do(
            ScheduleGathering,
            name="Worldwide Partner Conference 2009",
            venue="New Orleans, Louisiana",
            starts=date(2009, 7, 13),
            ends=date(2009, 7, 16),
            gathering_id=wpc,
        )
        held = self.world.do(HoldGraduation, group_id=self.sbs_group, gathering_id=wpc)
        graduates = [r.event for r in held or () if isinstance(r.event, MemberGraduated)]
        for graduate in graduates[:1]:
            face = [
                g
                for g in self.replica.open_groups(fmt=GroupFormat.IN_PERSON)
                if self.replica.fits(g, graduate.company_id)
            ]
            if face:
                membership_id = self.world.new_id("membership")
                stepped = self.world.do(
                    StepUp,
                    membership_id=graduate.membership_id,
                    to_group_id=face[0].id,
                    new_membership_id=membership_id,
                )
                if stepped and type(stepped[-1].event).__name__ == "SeatOffered":
                    self.world.do(SignAgreement, membership_id=membership_id)
                    self.world.do(TakeSeat, membership_id=membership_id)

    # --- benchmarking -------------------------------------------------------------------

    def benchmarking(self) -> None:
        """Free benchmarking with Service Leadership for 2009, mandatory from 2010: the
        committee says so in February, and members opt in through the year."""
        network = self.replica.network
        if network is None or not self.world.committee:
            return
        if network.charter.benchmarking_provider != PROVIDER:
            rules = attrs.evolve(
                network.charter,
                benchmarking_provider=PROVIDER,
                benchmarking_mandatory_from=date(2010, 1, 1),
            )
            self.world.for_network(AmendNetworkCharter, charter=rules)
        members = sorted({m.company_id for _, m in self.replica.memberships(*_ACTIVE)}, key=str)
        waiting = [c for c in members if self.replica.companies[c].benchmarking is None]
        # about half the members by May: half of those still to come in February
        short = len(members) // 2 - (len(members) - len(waiting))
        now = short if self.world.month_start.month >= 5 else short // 2
        for company_id in self.rng.sample(waiting, k=max(0, min(now, len(waiting)))):
            self.world.do(
                OptIntoBenchmarking,
                company_id=company_id,
                provider=PROVIDER,
                actor=self.replica.profile(company_id).name,
            )

    def reference_figures(self) -> None:
        self.world.do(
            ImportReferenceFigures,
            source=PROVIDER,
            quarter="2008Q4",
            figures=read_reference_figures(REFERENCE_CSV),
        )


_ROLE = {True: CommitteeRole.CHAIR, False: CommitteeRole.MEMBER}
_ACTIVE = (MembershipStatus.ACTIVE,)
