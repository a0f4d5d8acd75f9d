"""Queries on the partner economy's records: deals, referrals, the network charter, the
best-practices competitions and their awards.

A deal's customer, free text and figures are read only by its parties (the proposer and
every partner invited and not declined, each through an active membership), the
facilitators of the groups they take part through, and the network's auditors; everyone
else sees who, which line, what status and when. A referral the same, for its two
companies. Competitions and awards are the network's own: anyone reads them.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from peernet.application.reading import ANONYMOUS, Reading, uuid_of
from peernet.domain.access import Reader, Role
from peernet.domain.competitions import Competition
from peernet.domain.deals import Deal
from peernet.domain.errors import AccessDenied
from peernet.domain.groups import Group
from peernet.domain.memberships import MembershipStatus
from peernet.domain.network_charter import NetworkCharter
from peernet.domain.partner_errors import UnknownCompetition, UnknownDeal, UnknownReferral
from peernet.domain.referrals import Referral
from peernet.partnerviews import AwardView, CompetitionView, DealView, ReferralView


class Partners(Reading):
    # --- who may read a deal or a referral ----------------------------------------------

    def _entitled(self, reader: Reader | None, parties: Iterable[tuple[UUID, UUID]]) -> bool:
        """Whether `reader` may read the confidential part of a record whose parties are
        (company, group) pairs: an auditor, a facilitator of one of the groups, or an
        active member of a party company."""
        if reader is None:
            return False
        held = list(parties)
        match reader.role:
            case Role.AUDITOR:
                return True
            case Role.FACILITATOR:
                groups = (self._get(Group, group_id) for _, group_id in held)
                return any(g is not None and g.facilitator == reader.name for g in groups)
            case Role.MEMBER if reader.membership_id is not None:
                group_id = self._replica.directory.group_of(reader.membership_id)
                group = self._get(Group, group_id) if group_id else None
                member = group.memberships.get(reader.membership_id) if group else None
                if member is None or member.status is not MembershipStatus.ACTIVE:
                    return False
                return any(member.company_id == c for c, _ in held)
        return False

    def _sees_deal(self, reader: Reader | None, deal: Deal) -> bool:
        parties = [(p.company_id, p.group_id) for p in deal.live()]
        return self._entitled(reader, parties)

    def _sees_referral(self, reader: Reader | None, referral: Referral) -> bool:
        made = referral.made
        parties = [(made.company_id, made.group_id), (made.to_company_id, made.to_group_id)]
        return self._entitled(reader, parties)

    # --- the network charter -----------------------------------------------------------------

    def network_charter(self, at: datetime | None = None) -> NetworkCharter:
        """The network charter in force at `at` (now by default): its defaults until the
        network is chartered (`CharterNetwork`)."""
        with self._current():
            return self._network_charter(at or self._now())

    # --- deals ---------------------------------------------------------------------------------

    def _deal_view(self, deal: Deal, reader: Reader | None) -> DealView:
        companies = [deal.proposer.company_id, *(i.party.company_id for i in deal.invitations)]
        return DealView.of(deal, self._names(companies), reveal=self._sees_deal(reader, deal))

    def deal(self, deal_id: UUID, *, reader: Reader | None = None) -> DealView:
        """One deal with its customer, summary, value and shares: for its parties, their
        groups' facilitators and auditors; anyone else gets AccessDenied."""
        with self._current():
            deal = self._get(Deal, uuid_of("deal_id", deal_id))
            if deal is None:
                raise UnknownDeal(deal_id=deal_id)
            if not self._sees_deal(reader, deal):
                who = reader or ANONYMOUS
                raise AccessDenied(
                    role=who.role, reader=who.name, what="the deal", group_id=deal.proposer.group_id
                )
            return self._deal_view(deal, reader)

    def deals(
        self,
        *,
        company_id: UUID | None = None,
        group_id: UUID | None = None,
        reader: Reader | None = None,
    ) -> tuple[DealView, ...]:
        """Every deal (of a company, as proposer or partner; or proposed or taken part in
        through a group), in the order proposed; each revealed only to the readers
        entitled to it."""
        with self._current():
            directory = self._replica.directory
            if company_id is not None:
                self._known_company(company_id)
                ids: Iterable[UUID] = directory.company_deals.get(company_id, ())
            else:
                ids = directory.deals
            if group_id is not None:
                self._known_group(uuid_of("group_id", group_id))
            found = [d for d in (self._get(Deal, i) for i in ids) if d is not None]
            if group_id is not None:
                found = [
                    d
                    for d in found
                    if d.proposer.group_id == group_id
                    or any(i.party.group_id == group_id for i in d.invitations)
                ]
            found.sort(key=lambda d: (d.proposed_at, str(d.id)))
            return tuple(self._deal_view(d, reader) for d in found)

    # --- referrals -----------------------------------------------------------------------------

    def referral(self, referral_id: UUID, *, reader: Reader | None = None) -> ReferralView:
        """One referral, its customer and summary revealed to the readers entitled."""
        with self._current():
            referral = self._get(Referral, uuid_of("referral_id", referral_id))
            if referral is None:
                raise UnknownReferral(referral_id=referral_id)
            return self._referral_view(referral, reader)

    def _referral_view(self, referral: Referral, reader: Reader | None) -> ReferralView:
        names = self._names([referral.made.company_id, referral.made.to_company_id])
        return ReferralView.of(referral, names, reveal=self._sees_referral(reader, referral))

    def referrals(
        self,
        *,
        company_id: UUID | None = None,
        group_id: UUID | None = None,
        reader: Reader | None = None,
    ) -> tuple[ReferralView, ...]:
        """Every referral (given or received by a company, or through a group), in the
        order made."""
        with self._current():
            directory = self._replica.directory
            if company_id is not None:
                self._known_company(company_id)
                ids: Iterable[UUID] = directory.company_referrals.get(company_id, ())
            else:
                ids = directory.referrals
            if group_id is not None:
                self._known_group(uuid_of("group_id", group_id))
            found = [r for r in (self._get(Referral, i) for i in ids) if r is not None]
            if group_id is not None:
                found = [r for r in found if group_id in (r.made.group_id, r.made.to_group_id)]
            found.sort(key=lambda r: (r.made.at, str(r.id)))
            return tuple(self._referral_view(r, reader) for r in found)

    # --- the best-practices competition ------------------------------------------------------

    def _competition_view(self, competition: Competition) -> CompetitionView:
        companies = [
            c for _, e in competition.entries for c in (e.entered.company_id, *e.entered.partners)
        ]
        return CompetitionView.of(competition, self._names(companies))

    def competition(self, competition_id: UUID) -> CompetitionView:
        """A competition: its theme, deadlines, jury, entries and their counts and awards."""
        with self._current():
            found = self._get(Competition, uuid_of("competition_id", competition_id))
            if found is None:
                raise UnknownCompetition(competition_id=competition_id)
            return self._competition_view(found)

    def competitions(self) -> tuple[CompetitionView, ...]:
        """Every competition, in the order opened."""
        with self._current():
            found = (self._get(Competition, c) for c in self._replica.directory.competitions)
            return tuple(self._competition_view(c) for c in found if c is not None)

    def awards(self, *, company_id: UUID | None = None) -> tuple[AwardView, ...]:
        """Every award granted (to one company, with `company_id`): its record, by date
        and rank."""
        with self._current():
            if company_id is not None:
                self._known_company(company_id)
            found = []
            for competition_id in self._replica.directory.competitions:
                competition = self._get(Competition, competition_id)
                assert competition is not None
                for _, entry in competition.entries:
                    award, entered = entry.award, entry.entered
                    if award is None or company_id not in (None, entered.company_id):
                        continue
                    found.append(
                        AwardView(
                            competition_id=competition.id,
                            theme=competition.opened.theme,
                            entry_id=entered.entry_id,
                            company_id=entered.company_id,
                            company=self._names([entered.company_id]).get(entered.company_id, ""),
                            title=entered.title,
                            rank=award.rank,
                            granted_at=award.at,
                            presented_at=entry.presented.meeting_id if entry.presented else None,
                            gathering_id=entry.presented.gathering_id if entry.presented else None,
                        )
                    )
            return tuple(sorted(found, key=lambda a: (a.granted_at, a.rank)))
