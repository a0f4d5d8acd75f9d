"""The base of the demo's scenes: each area of the story (memberships and groups,
meetings and money, accountability, financials) is a scene object composed over one
shared `World`, rather than a mixin of one large simulation class."""

from peernet.demo.world import World


class Scene:
    """A part of the story: it acts through the world's `do` and reads its replica."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.replica = world.replica
