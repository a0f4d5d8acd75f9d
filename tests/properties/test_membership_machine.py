"""The membership rules hold for any sequence of commands, valid or not, on a real
`Network`: `peernet.testing.NetworkMachine` draws the commands and checks every rule
after every step."""

from hypothesis import settings

from peernet.testing import NetworkMachine

TestMembership = NetworkMachine.TestCase
TestMembership.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
