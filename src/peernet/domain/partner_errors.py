"""The refusals of the partner economy: deals between members, referrals, and the
network's best-practices competition. Declared as in `peernet.domain.errors` (a rule and
what it says, two lines each), kept in a catalogue of their own so neither file passes
600 lines; every one derives from `RuleViolation` or `InvalidInput`.

Pure: the standard library only.
"""

from peernet.domain.errors import InvalidInput, InvalidValue, RuleViolation

# --- deals -----------------------------------------------------------------------------


class UnknownDeal(InvalidInput):
    rule = "known_deal"
    says = "no deal {deal_id} was proposed"


class DealAlreadyProposed(RuleViolation):
    rule = "unique_deal_id"
    says = "deal {deal_id} was already proposed"


class DealNotOpen(RuleViolation):
    rule = "open_deals_only"
    says = "deal {deal_id} is {status}, no longer open"


class DealNotWon(RuleViolation):
    rule = "close_won_deals"
    says = "deal {deal_id} is {status}; only a won deal is closed with its shares"


class NoPartnerOnDeal(RuleViolation):
    rule = "p2p_needs_a_partner"
    says = "no partner accepted deal {deal_id}; a P2P deal is won with at least one"


class AlreadyOnDeal(RuleViolation):
    rule = "one_place_per_company"
    says = "company {company_id} is already on deal {deal_id}"


class CompetitorOnDeal(RuleViolation):
    rule = "deal_non_compete"
    says = (
        "company {company_id} competes with {competitor_id} on line {line!r} of deal "
        "{deal_id}; the network charter keeps competitors off one deal"
    )


class LineNotSold(RuleViolation):
    rule = "partners_sell_their_line"
    says = "company {company_id} does not sell {line!r} (its lines: {lines})"


class NoOpenInvitation(RuleViolation):
    rule = "answer_open_invitations"
    says = "membership {membership_id} has no open invitation to deal {deal_id}"


class SharesOffParties(InvalidValue):
    rule = "shares_weigh_the_parties"
    says = (
        "the weights of deal {deal_id} must name each of its parties once, with a positive "
        "whole number: {parties}"
    )


# --- referrals -------------------------------------------------------------------------


class UnknownReferral(InvalidInput):
    rule = "known_referral"
    says = "no referral {referral_id} was made"


class ReferralAlreadyMade(RuleViolation):
    rule = "unique_referral_id"
    says = "referral {referral_id} was already made"


class ReferralToSelf(RuleViolation):
    rule = "refer_another_company"
    says = "company {company_id} cannot refer an opportunity to itself"


class ReferralInOwnLine(RuleViolation):
    rule = "referrals_outside_own_lines"
    says = "company {company_id} sells {line!r} itself; a referral passes on a line it does not"


class ReferralToCompetitor(RuleViolation):
    rule = "no_referral_to_a_competitor"
    says = "company {to_company_id} competes with {company_id} for {line!r}"


class ReferralNotOpen(RuleViolation):
    rule = "open_referrals_only"
    says = "referral {referral_id} is {status}"


class ReferralExpired(RuleViolation):
    rule = "referral_days"
    says = "referral {referral_id} lapsed on {lapses}; it can no longer be {what}"


class ReferralNotDue(RuleViolation):
    rule = "lapse_after_referral_days"
    says = "referral {referral_id} is open until {lapses}"


class NotYourReferral(RuleViolation):
    rule = "receiver_converts"
    says = "referral {referral_id} was made to membership {to_membership_id}, not {membership_id}"


# --- the best-practices competition --------------------------------------------------------


class UnknownCompetition(InvalidInput):
    rule = "known_competition"
    says = "no competition {competition_id} was opened"


class CompetitionAlreadyOpened(RuleViolation):
    rule = "unique_competition_id"
    says = "competition {competition_id} was already opened"


class JuryTooSmall(RuleViolation):
    rule = "competition_jury_min"
    says = "a jury of {size}; the network charter asks for at least {least} jurors"


class EntriesClosed(RuleViolation):
    rule = "enter_before_the_deadline"
    says = "competition {competition_id} took entries until {deadline}"


class AlreadyEntered(RuleViolation):
    rule = "one_entry_per_company"
    says = "company {company_id} already entered competition {competition_id} ({entry_id})"


class UnknownEntry(InvalidInput):
    rule = "known_entry"
    says = "competition {competition_id} has no entry {entry_id}"


class JudgingNotOpen(RuleViolation):
    rule = "judge_between_deadlines"
    says = "competition {competition_id} is judged from {opens} until {closes}"


class NotAJuror(RuleViolation):
    rule = "the_jury_judges"
    says = "membership {juror_id} is not on the jury of competition {competition_id}"


class JurorInvolved(RuleViolation):
    rule = "jurors_do_not_judge_their_own"
    says = "juror {juror_id} belongs to company {company_id}, which is part of entry {entry_id}"


class AlreadyJudged(RuleViolation):
    rule = "one_ballot_per_juror_and_entry"
    says = "juror {juror_id} already judged entry {entry_id}"


class JudgingNotOver(RuleViolation):
    rule = "award_after_judging"
    says = "competition {competition_id} is judged until {closes}"


class CompetitionAlreadyJudged(RuleViolation):
    rule = "awards_granted_once"
    says = "competition {competition_id} was judged on {judged}"


class NotAwarded(RuleViolation):
    rule = "winners_present"
    says = "entry {entry_id} of competition {competition_id} won no award"


class AwardAlreadyPresented(RuleViolation):
    rule = "present_an_award_once"
    says = "the award of entry {entry_id} was presented at meeting {meeting_id}"


class NotAtAGathering(RuleViolation):
    rule = "winners_present_at_a_gathering"
    says = "meeting {meeting_id} is not held at a gathering, where winners present"
