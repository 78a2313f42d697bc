"""Root conftest: shared fixtures live in tests/fixtures/, one module per area."""

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.simulator",
    "tests.fixtures.client",
    "tests.fixtures.engine",
    "tests.fixtures.jovie",
]
