"""The planner finds Session Studio ids in Jovie's ``metadata`` columns, which no index
covers: on PostgreSQL each lookup must be planned for its own list of ids. A prepared
statement run more than five times may switch to a generic plan, which compares every row
with every id in turn (a streamed import of 3,000 projects spent 9 of its 44 s there)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ss_tui.db.engine import create_engine
from ss_tui.engine.plan import build_plan
from ss_tui.engine.transform import transform_project
from tests.fixtures.engine import make_project


async def _generic_and_custom_plans(engine: AsyncEngine, rounds: int) -> tuple[int, int, str]:
    specs = [transform_project(make_project(n, tracks=3)) for n in range(1, 4)]
    async with engine.connect() as conn:
        for _ in range(rounds):  # the same statements, again and again
            await build_plan(conn, specs)
        generic, custom = (
            await conn.exec_driver_sql(
                "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
                "FROM pg_prepared_statements WHERE cardinality(parameter_types) > 0"
            )
        ).one()
    async with engine.connect() as conn:  # another transaction: the setting is gone
        mode = (await conn.exec_driver_sql("SHOW plan_cache_mode")).scalar_one()
    return int(generic), int(custom), str(mode)


@pytest.mark.pg
async def test_the_planners_lookups_never_run_on_a_generic_plan(fresh_database) -> None:
    engine = create_engine(fresh_database("postgresql"))
    try:
        generic, custom, mode = await _generic_and_custom_plans(engine, rounds=8)
    finally:
        await engine.dispose()
    assert custom > 0  # the lookups were prepared statements, run many times
    assert generic == 0  # (a statement without parameters has only a generic plan)
    assert mode == "auto"  # only the planner's own transaction: writes keep cached plans
