"""Shared pieces of the benchmark harness: results, sizes, catalogues and databases."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ss_tui.simulator import SimulatorConfig, create_app
from ss_tui.simulator.core import Simulator

ROOT = Path(__file__).resolve().parent.parent


@dataclass(slots=True)
class Metric:
    """One line of the table: a value (the median of its runs), the runs' spread, and the
    target it is held against (if any)."""

    name: str
    value: float | int | None
    unit: str = ""
    target: str | None = None  # human form, e.g. "≤ 1.15"
    ok: bool | None = None  # None: informative only, no target
    note: str | None = None
    samples: list[float | int] | None = None  # one value per run, in run order
    min: float | int | None = None
    max: float | int | None = None


Value = float | int | None | list[float] | list[int]


def _spread(value: Value) -> tuple[float | int | None, list[Any] | None, Any, Any]:
    """(median, samples, min, max) of one value or of one value per run."""
    if not isinstance(value, list):
        return value, None if value is None else [value], value, value
    runs = [v for v in value if v is not None]
    if not runs:
        return None, [], None, None
    return statistics.median(runs), list(value), min(runs), max(runs)


@dataclass(slots=True)
class Figure:
    number: int
    title: str
    params: dict[str, Any] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    skipped: str | None = None  # why the figure could not be measured here
    error: str | None = None
    duration_s: float | None = None  # how long measuring it took, all runs

    def add(
        self,
        name: str,
        value: Value,
        unit: str = "",
        *,
        at_most: float | None = None,
        at_least: float | None = None,
        every_run: bool = False,
        note: str | None = None,
    ) -> Metric:
        """A line of the table. ``value`` is one number or one per run (the median is shown
        and held to the target, with min-max beside it); ``every_run`` holds the worst run
        to the target instead of the median."""
        median, samples, low, high = _spread(value)
        held = median
        target, ok = None, None
        if at_most is not None:
            held = high if every_run else median
            target, ok = f"≤ {at_most:g}", held is not None and held <= at_most
        elif at_least is not None:
            held = low if every_run else median
            target, ok = f"≥ {at_least:,g}", held is not None and held >= at_least
        if target is not None and every_run:
            target += " every run"
        metric = Metric(name, median, unit, target, ok, note, samples, low, high)
        self.metrics.append(metric)
        return metric

    @property
    def ok(self) -> bool | None:
        checks = [m.ok for m in self.metrics if m.ok is not None]
        return None if not checks else all(checks)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out


@dataclass(frozen=True, slots=True)
class Sizes:
    """Catalogue sizes per figure (the full sizes by default; ``--quick`` shrinks them)."""

    import_projects: int = 200
    import_tracks: int = 2_000
    import_rate: int = 50  # requests per second
    import_latency_ms: int = 30
    apply_projects: int = 1_000
    apply_tracks: int = 10_000
    browser_tracks: int = 100_000
    memory_tracks: int = 20_000
    memory_tracks_large: int = 200_000
    pacing_requests: int = 100
    pacing_rates: tuple[int, ...] = (10, 20, 50)
    pacing_runs: int = 5  # consecutive runs per rate (the 429 target is per run)
    pacing_in_flight: int = 8
    repeat: int = 3  # runs per figure: the median is shown with min-max

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            import_projects=10,
            import_tracks=60,
            apply_projects=20,
            apply_tracks=150,
            browser_tracks=1_500,
            memory_tracks=300,
            memory_tracks_large=600,
            pacing_requests=10,
            pacing_rates=(50,),
            pacing_runs=2,
            repeat=2,
        )


class Timer:
    """``with Timer() as t: …`` then ``t.s`` (perf_counter seconds)."""

    s: float = 0.0

    def __enter__(self) -> Timer:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0


# --------------------------------------------------------------------------- catalogue

# Track counts of a label's catalogue relative to its mean: a few singles and EPs, many albums.
_SHAPE = (0.1, 0.5, 1.2, 1.4, 1.8)


def track_counts(projects: int, tracks: int) -> list[int]:
    """``projects`` project sizes summing exactly to ``tracks`` (each at least 1)."""
    if tracks < projects:
        raise ValueError("need at least one track per project")
    mean = tracks / projects
    sizes = [max(1, round(mean * _SHAPE[i % len(_SHAPE)])) for i in range(projects)]
    diff = tracks - sum(sizes)
    i = 0
    while diff:  # spread the rounding error over the projects, largest first
        j = sorted(range(projects), key=lambda k: -sizes[k])[i % projects]
        step = 1 if diff > 0 else -1
        if sizes[j] + step >= 1:
            sizes[j] += step
            diff -= step
        i += 1
    return sizes


def _kind(n: int) -> str:
    return "single" if n <= 2 else "ep" if n <= 6 else "album"


def build_simulator(
    projects: int, tracks: int, *, seed: int = 7, **config: Any
) -> tuple[Any, Simulator]:
    """A simulator app whose Demo Label catalogue has exactly these sizes, clean data.

    The simulator's own generator draws project sizes at random; the benchmarks need exact
    sizes, so the catalogue is grown project by project with the simulator's own mutation
    API, after widening the roster the way a generated catalogue of this size would have.
    """
    cfg = SimulatorConfig(
        seed=seed, projects=0, other_account_projects=0, bad_data_share=0.0, **config
    )
    app = create_app(cfg)
    sim: Simulator = app.state.simulator
    gen = sim.catalogue.generator
    account = sim.demo_account_id
    kinds = ("writer", "producer", "engineer", "musician", "writer")
    names = {sim.catalogue.artists[a]["name"] for a in sim.catalogue.account_artists[account]}
    for _ in range(max(0, min(300, projects // 8) - len(names))):
        name, kind = gen.artist_name()
        while name in names:
            name = f"{name} {len(names)}"
        names.add(name)
        gen.add_artist(account, name, kind)
    for i in range(max(0, min(1500, projects // 3) - 30)):
        gen.add_person(account, kinds[i % len(kinds)])
    for n in track_counts(projects, tracks):
        sim.add_project(type=_kind(n), status="released", tracks=n)
    sim.webhooks.events.clear()  # growing the catalogue is not news for anyone
    return app, sim


def catalogue_payloads(sim: Simulator) -> list[dict[str, Any]]:
    """The Demo Label's projects as the engine stores them after a fetch (wire form)."""
    from ss_tui.sessionstudio.models import Project

    cat = sim.catalogue
    return [
        Project.model_validate(cat.project_wire(pid, include_tracks=True)).to_wire()
        for pid in cat.project_ids(sim.demo_account_id)
    ]


# --------------------------------------------------------------------------- databases


class Workspace:
    """A temp dir with migrated SQLite files (copies of one template migrated once)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._template: Path | None = None
        self._n = 0

    async def sqlite_url(self, name: str | None = None) -> str:
        from ss_tui.db.migrate import upgrade

        if self._template is None:
            self._template = self.root / "template.db"
            await upgrade(f"sqlite+aiosqlite:///{self._template}")
        self._n += 1
        path = self.root / f"{name or 'db'}-{self._n}.db"
        shutil.copyfile(self._template, path)
        return f"sqlite+aiosqlite:///{path}"

    @staticmethod
    def sqlite_path(url: str) -> Path:
        return Path(url.split(":///", 1)[1])


@contextmanager
def workspace(keep: bool = False) -> Iterator[Workspace]:
    root = Path(tempfile.mkdtemp(prefix="ss-tui-bench-"))
    try:
        yield Workspace(root)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def bench_settings(database_url: str) -> Any:
    from ss_tui.config import load_settings

    return load_settings(database_url=database_url, token_store="memory", operator="bench")


async def seeded_service(
    url: str, payloads: list[dict[str, Any]], account_id: str
) -> tuple[Any, str]:
    """An ImportService on ``url`` and the id of a connection whose snapshots hold
    ``payloads`` (what a fetch leaves behind), ready to plan without the network."""
    from ss_tui.db.engine import create_engine
    from ss_tui.engine.rows import as_uuid
    from ss_tui.engine.service import ImportService
    from ss_tui.engine.snapshots import save_snapshots

    engine = create_engine(url, sqlite_begin="IMMEDIATE")
    svc = ImportService(bench_settings(url), engine)
    info = await svc.ensure_connection(account_id, "Demo Label")
    async with engine.begin() as conn:
        for i in range(0, len(payloads), 500):
            await save_snapshots(conn, as_uuid(info.id), payloads[i : i + 500])
    return svc, info.id


async def run_import_child(args: list[str], token: str | None = None) -> dict[str, Any]:
    """bench/import_child.py with ``args`` in its own process under bench/rss_probe.py:
    its JSON result (``result``) and peak RSS (``maxrss_kib``). The token goes by environment."""
    env = dict(os.environ)
    if token:
        env["BENCH_SS_TOKEN"] = token
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.rss_probe",
        "--",
        sys.executable,
        "-m",
        "bench.import_child",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    out, err = await proc.communicate()  # the event loop keeps serving the simulator
    report = json.loads(out)
    if report["returncode"] != 0:
        raise RuntimeError(f"the import child failed: {err.decode()[-600:]}")
    report["result"] = json.loads(report["stdout"])
    return report


def rss_mb() -> float:
    """This process's resident memory now (Linux /proc; 0 where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def busy_core(enabled: bool = True) -> Iterator[None]:
    """Another process spinning on one core for the duration (a busy machine)."""
    if not enabled:
        yield
        return
    import subprocess

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()
