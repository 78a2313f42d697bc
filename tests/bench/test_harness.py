"""Smoke test of the benchmark harness: at tiny sizes it must still produce every figure
and valid JSON, so it cannot rot while nobody runs the real sizes. Never asserts timings."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from bench.__main__ import ALL_FIGURES, main
from bench.common import track_counts


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    capture = pytest.MonkeyPatch()
    buffer = io.StringIO()
    capture.setattr(sys, "stdout", buffer)
    try:
        code = main(["--quick", "--json", str(out)])
    finally:
        capture.undo()
    return code, json.loads(Path(out).read_text()), buffer.getvalue()


def test_every_figure_is_measured_and_written_as_json(quick_run: tuple[int, dict, str]) -> None:
    code, report, _ = quick_run
    assert code == 0
    figures = {f["number"]: f for f in report["figures"]}
    assert sorted(figures) == list(ALL_FIGURES)
    for fig in figures.values():
        assert fig["error"] is None, fig["error"]
        values = [m["value"] for m in fig["metrics"] if m["value"] is not None]
        assert values and all(isinstance(v, int | float) for v in values), fig
        for m in fig["metrics"]:  # a target always comes with its verdict
            assert (m["target"] is None) == (m["ok"] is None), m
            if m["value"] is not None:  # and every value with its runs' spread
                assert m["samples"] and m["min"] <= m["value"] <= m["max"], m


def test_each_figure_ran_several_times(quick_run: tuple[int, dict, str]) -> None:
    """Every timed figure is the median of several runs, so noise shows as a spread."""
    _, report, printed = quick_run
    assert report["runs"] >= 2
    for number in (1, 2, 3, 4, 5, 7):
        fig = next(f for f in report["figures"] if f["number"] == number)
        assert any(len(m["samples"] or []) == report["runs"] for m in fig["metrics"]), fig
    pacing = next(f for f in report["figures"] if f["number"] == 6)
    runs = pacing["params"]["runs"]
    assert all(len(m["samples"]) == runs for m in pacing["metrics"])
    assert "median (min-max)" in printed


def test_the_table_names_every_figure(quick_run: tuple[int, dict, str]) -> None:
    _, report, printed = quick_run
    for fig in report["figures"]:
        assert fig["title"] in printed


def test_figures_check_what_they_measured(quick_run: tuple[int, dict, str]) -> None:
    """The harness's own consistency checks (counts, not times) hold at any size: the raw
    writer wrote the same rows as apply, and re-applying an unchanged plan writes nothing."""
    _, report, _ = quick_run
    metrics = {
        (f["number"], m["name"]): m["value"] for f in report["figures"] for m in f["metrics"]
    }
    assert metrics[(2, "SQLite same rows in both databases")] == 1
    assert metrics[(3, "rows written by applying it")] == 0
    assert metrics[(3, "entities planned as changing")] == 0
    assert metrics[(1, "requests ÷ minimal")] >= 1
    assert metrics[(4, "SQLite first paint ÷ (query + bare paint)")] > 0
    assert metrics[(7, "SQLite local work ÷ raw")] > 0
    peaks = [v for (n, name), v in metrics.items() if n == 5 and name.startswith("peak RSS")]
    assert len(peaks) == 2 and all(p > 0 for p in peaks)


@pytest.mark.parametrize(("projects", "tracks"), [(1, 1), (7, 50), (200, 2000), (3, 1000)])
def test_catalogue_sizes_are_exact(projects: int, tracks: int) -> None:
    sizes = track_counts(projects, tracks)
    assert len(sizes) == projects and sum(sizes) == tracks and min(sizes) >= 1
