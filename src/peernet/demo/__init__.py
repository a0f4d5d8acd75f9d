"""A seeded simulation of an HTG-like network, 2001-2009, recorded through `Network.execute`.

The network starts in August 2001 with five founders in one in-person group and grows,
month by month, to about nineteen in-person groups, five online groups and a companion
group for marketing managers. Companies (resellers, MSPs, ISVs, consultants across US
states and Canadian provinces) register and apply; full groups and competitors wait-list
them; offered seats are signed for and taken; a few members resign, are removed for
non-payment, are acquired (leaving every group in one write) or transfer; online members
graduate after their programme; charters are amended and facilitators assigned.

From 2008 every group holds its members to account at its quarterly meeting: the
meeting reviews the goals due (`ReviewGoals`), and each active member sets new goals for
the next meeting, in turns across every category of the charter's `goal_categories`.
Between meetings members report progress; peers challenge a goal now and then, owners
revise a goal before it is due or withdraw it. One member of one group misses every goal
quarter after quarter and is flagged; its peers move its removal, vote it off the island,
and the seat goes to the first wait-listed applicant who competes with nobody inside. A
second motion fails for want of a quorum.

Everything is deterministic: randomness comes only from `random.Random(seed)`, ids are
uuid5 of the seed and a label, and every command carries a uuid5 `command_id`. Building
the demo again on the same store records nothing new and tells the same story: commands
the store already handled return what they recorded the first time, and commands the
store refused the first time are refused again by the same pure `decide`, evaluated on a
replica of the state at that moment.

Rule refusals the network runs into (a wait-listed company applying to a second core
group, a competitor already seated...) are expected: they are counted in the story.

The package is built by composition, not inheritance: one `World` (`world`: the network,
the seeded generators, the story's clock, the replica and the chronicle, and the one
`do` every command goes through) is handed to a scene object per area of the story
(`memberships`: companies, groups and seats; `meetings`: meetings, the summit and money;
`goals` and `accountability`: goals, the quarterly meeting and motions; `financials`),
`partners`: deals, referrals and the best-practices competition, from 2006), and
`simulation` runs them month by month. `cast` holds the names, `story` the records
the run returns, `tally` the counting of recorded events, `printing` the story in print,
and `replica` every use of the pure domain's internals, in one place.
"""

from peernet.demo.goals import GOALS_PER_MEETING
from peernet.demo.partners import COMPETITION_YEAR, P2P_FROM
from peernet.demo.simulation import build_demo
from peernet.demo.story import (
    Acquisition,
    DemoSummary,
    GatheringStory,
    MotionStory,
    VoteOff,
    YearStory,
)
from peernet.demo.world import (
    ACCOUNTABILITY_FROM,
    DEFAULT_SEED,
    DEMO_NAMESPACE,
    FIRST_YEAR,
    LAST_YEAR,
    OFFICE,
)

__all__ = [
    "ACCOUNTABILITY_FROM",
    "COMPETITION_YEAR",
    "DEFAULT_SEED",
    "DEMO_NAMESPACE",
    "FIRST_YEAR",
    "GOALS_PER_MEETING",
    "LAST_YEAR",
    "OFFICE",
    "P2P_FROM",
    "Acquisition",
    "DemoSummary",
    "GatheringStory",
    "MotionStory",
    "VoteOff",
    "YearStory",
    "build_demo",
]
