"""Root conftest: shared fixtures live in tests/fixtures/, one module per area."""

import os

# The suite's simulator catalogues mix released, unreleased and draft projects, and most tests
# are about other things (resume, faults, workers): they import every project. The default
# (unreleased projects only when asked) is tested in tests/engine/test_jovie_conventions.py.
os.environ["SS_TUI_INCLUDE_UNRELEASED"] = "true"

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.simulator",
    "tests.fixtures.client",
    "tests.fixtures.engine",
    "tests.fixtures.jovie",
]
