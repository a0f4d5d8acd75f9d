"""Hypothesis settings for the property tests: the "ci" profile, loaded by default.

No deadline (two noisy cores make timings meaningless), no randomness pinned, and the
too_slow health check off for the stateful machines, whose examples run many commands.
Choose another profile with HYPOTHESIS_PROFILE ("dev" for fewer examples, "hostile" for
the fuzzer's long run).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", parent=settings.get_profile("ci"), max_examples=10)
# the hostile-input fuzzer's long run (tests/properties/test_hostile_fuzz.py)
settings.register_profile("hostile", parent=settings.get_profile("ci"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
