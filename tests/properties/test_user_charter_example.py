"""How an app runs peernet's membership machine against its own charter.

Groups of three, competitors welcome, everything else drawn: the machine forms groups
under this charter, drives random applications, offers, departures, transfers,
acquisitions and amendments through a real `Network`, and checks every rule after every
step. Point `store=` at a callable returning a fresh URL to run it on your own backend.
"""

from hypothesis import settings

from peernet.testing import charters, membership_machine

OurNetwork = membership_machine(charters=charters(capacity=3, non_compete=False))

TestOurCharterKeepsEveryMembershipRule = OurNetwork.TestCase
TestOurCharterKeepsEveryMembershipRule.settings = settings(
    max_examples=15, stateful_step_count=25, deadline=None
)
