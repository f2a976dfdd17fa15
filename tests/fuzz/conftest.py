"""The fuzz suite runs under the derandomized `fuzz` hypothesis profile (tests/fuzz/support.py)."""

from hypothesis import settings

import tests.fuzz.support  # noqa: F401  (registers the profile)

settings.load_profile("fuzz")
