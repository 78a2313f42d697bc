"""Property tests over generated catalogues (hypothesis), on real databases:

- apply(plan) then plan again → only ``unchanged``;
- applying the same plan twice writes nothing the second time;
- the counts in the plan equal the rows written;
- after upstream edits, the new plan's updates apply and the next plan is unchanged again.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ss_tui.db.engine import create_engine
from ss_tui.engine.plan_types import Action
from ss_tui.sessionstudio.models import Project
from tests.fixtures.engine import BASE_TIME, apply_plan, isrc_for, plan_projects, upc_for

TITLES = st.sampled_from(
    ["Intro", "Outro", "Zoë", "Night Drive", "[bold red]x[/]", "Night  Drive!", "日本", "A" * 60]
)
PEOPLE = [(f"art_{i}", f"Person {i}") for i in range(6)] + [("art_dup", "Person 1")]
ROLES = st.sampled_from(["main_artist", "featured_artist", "producer", "composer", "performer"])


@st.composite
def catalogues(draw: Any) -> list[Project]:
    n_projects = draw(st.integers(1, 5))
    shared_isrcs = [isrc_for(9000 + i) for i in range(3)]
    projects = []
    for p in range(n_projects):
        artist_id, artist_name = draw(st.sampled_from(PEOPLE))
        tracks = []
        for t in range(1, draw(st.integers(0, 4)) + 1):
            collabs = draw(st.lists(st.tuples(st.sampled_from(PEOPLE), ROLES), max_size=3))
            isrc = draw(
                st.one_of(
                    st.none(),
                    st.sampled_from(shared_isrcs),
                    st.just(isrc_for(p * 10 + t)),
                    st.just("BAD-ISRC"),
                )
            )
            tracks.append(
                {
                    "id": f"trk_{p}_{t}",
                    "title": draw(TITLES),
                    "trackNumber": t,
                    "durationMs": draw(st.one_of(st.none(), st.integers(-5, 400_000))),
                    "isrc": isrc,
                    "isExplicit": draw(st.booleans()),
                    "bpm": draw(
                        st.one_of(st.none(), st.floats(40, 200).map(lambda x: round(x, 1)))
                    ),
                    "genre": draw(st.one_of(st.none(), st.sampled_from(["Pop", "Jazz"]))),
                    "updatedAt": BASE_TIME.isoformat(),
                    "collaborators": [
                        {"id": pid, "name": name, "role": role} for (pid, name), role in collabs
                    ],
                }
            )
        projects.append(
            Project.model_validate(
                {
                    "id": f"prj_{p}",
                    "title": draw(TITLES),
                    "type": draw(st.sampled_from(["single", "ep", "album", "compilation"])),
                    "status": "released",
                    "artistId": artist_id,
                    "artistName": artist_name,
                    "upc": draw(st.one_of(st.none(), st.just(upc_for(p)), st.just(upc_for(77)))),
                    "updatedAt": (BASE_TIME + timedelta(minutes=p)).isoformat(),
                    "tracks": tracks,
                }
            )
        )
    return projects


def _edit(projects: list[Project], data: Any) -> list[Project]:
    out = []
    for p in projects:
        p = p.model_copy(deep=True)
        if data.draw(st.booleans()):
            p.title = data.draw(TITLES)
        for t in p.tracks or []:
            if data.draw(st.booleans()):
                t.title = data.draw(TITLES)
                t.bpm = data.draw(st.one_of(st.none(), st.just(99.0)))
                t.is_explicit = not t.is_explicit
        out.append(p)
    return out


async def _roundtrip(url: str, projects: list[Project], edited: list[Project]) -> None:
    engine = create_engine(url)
    try:
        plan = await plan_projects(engine, projects)
        totals = plan.totals()
        results = await apply_plan(engine, plan)
        written = sum(r.rows_written for r in results)
        assert written == totals["create"] + totals["update"] + totals["delete"]
        assert all(r.status != "stale" for r in results)

        # The same plan again writes nothing.
        again = await apply_plan(engine, plan)
        assert sum(r.rows_written for r in again) == 0

        replan = await plan_projects(engine, projects)
        actions = {e.action for p in replan.projects for e in p.entities if e.included}
        assert actions <= {Action.unchanged, Action.conflict}, [
            (e.key, e.action, e.fields)
            for p in replan.projects
            for e in p.entities
            if e.action not in (Action.unchanged,)
        ]

        # Upstream edits: the updates apply, and then everything is unchanged again.
        plan2 = await plan_projects(engine, edited)
        t2 = plan2.totals()
        results2 = await apply_plan(engine, plan2)
        assert sum(r.rows_written for r in results2) == t2["create"] + t2["update"] + t2["delete"]
        final = await plan_projects(engine, edited)
        actions = {e.action for p in final.projects for e in p.entities if e.included}
        assert actions <= {Action.unchanged, Action.conflict}, final.totals()
    finally:
        await engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(projects=catalogues(), data=st.data())
def test_apply_then_plan_is_unchanged_sqlite(fresh_database, projects, data):
    edited = _edit(projects, data)
    asyncio.run(_roundtrip(fresh_database("sqlite"), projects, edited))


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(projects=catalogues(), data=st.data())
def test_apply_then_plan_is_unchanged_postgresql(pg_server, fresh_database, projects, data):
    edited = _edit(projects, data)
    asyncio.run(_roundtrip(fresh_database("postgresql"), projects, edited))


test_apply_then_plan_is_unchanged_postgresql = __import__("pytest").mark.pg(
    test_apply_then_plan_is_unchanged_postgresql
)
