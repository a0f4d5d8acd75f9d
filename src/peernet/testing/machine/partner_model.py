"""The state machine's own record of the partner economy: deals, referrals and
competitions, folded from the records it saw, independent of peernet's state."""

from datetime import datetime
from fractions import Fraction
from uuid import UUID

import attrs

INVITED = "invited"
ACCEPTED = "accepted"
DECLINED = "declined"
LAPSED = "lapsed"
#: invitations still on the deal
LIVE = (INVITED, ACCEPTED)


@attrs.define
class ModelInvitation:
    membership_id: UUID
    company_id: UUID
    line: str
    status: str = INVITED


@attrs.define
class ModelDeal:
    id: UUID
    #: the proposing membership and company, and the line it leads
    membership_id: UUID
    company_id: UUID
    line: str
    status: str = "open"
    invitations: list[ModelInvitation] = attrs.Factory(list)

    @property
    def open(self) -> bool:
        return self.status == "open"

    def invited(self, membership_id: UUID) -> ModelInvitation | None:
        """The membership's invitation still waiting for an answer, if any."""
        for invitation in self.invitations:
            if invitation.membership_id == membership_id and invitation.status == INVITED:
                return invitation
        return None

    def live(self) -> list[tuple[UUID, str]]:
        """(company, line) of every party on the deal now: the proposer and every partner
        invited and not declined."""
        partners = [(i.company_id, i.line) for i in self.invitations if i.status in LIVE]
        return [(self.company_id, self.line), *partners]

    def parties(self) -> list[UUID]:
        """Who shares the revenue: the proposer, then each partner who accepted."""
        accepted = [i.company_id for i in self.invitations if i.status == ACCEPTED]
        return [self.company_id, *accepted]


@attrs.define
class ModelReferral:
    id: UUID
    membership_id: UUID
    company_id: UUID
    to_membership_id: UUID
    to_company_id: UUID
    line: str
    lapses_at: datetime
    status: str = "made"

    @property
    def open(self) -> bool:
        return self.status in ("made", "accepted")


@attrs.define
class ModelCompetition:
    id: UUID
    jury: tuple[UUID, ...]
    entries_close: datetime
    judging_closes: datetime
    quorum: Fraction
    threshold: Fraction
    awards: int
    #: entry -> the companies involved (the entrant first)
    entries: dict[UUID, tuple[UUID, ...]] = attrs.Factory(dict)
    #: (entry, juror) -> in favour
    ballots: dict[tuple[UUID, UUID], bool] = attrs.Factory(dict)
    #: the entries whose count carried
    carried: set[UUID] = attrs.Factory(set)
    judged: bool = False
