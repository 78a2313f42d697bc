"""The one table ``python -m bench`` prints (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{value:,}"


def _value(metric: dict[str, Any]) -> str:
    """The median, then the runs' min-max when there was more than one run."""
    value, unit = metric["value"], metric["unit"]
    if value is None:
        return "—"
    text = _number(value)
    runs = [v for v in metric.get("samples") or [] if v is not None]
    if len(runs) > 1:
        text += f" ({_number(metric['min'])}-{_number(metric['max'])})"
    return f"{text} {unit}".strip()


def _verdict(ok: bool | None) -> Text:
    if ok is None:
        return Text("")
    return Text("met", style="green") if ok else Text("MISSED", style="bold red")


def print_table(report: dict[str, Any], console: Console | None = None) -> None:
    # Wide enough for the notes even when piped (CI logs, make bench | tee).
    console = console or Console(width=None if Console().is_terminal else 150)
    title = f"ss-tui benchmarks ({report['duration_s']} s, {report.get('runs', 1)} runs a figure)"
    table = Table(title=title, show_lines=False)
    for name, kw in (
        ("#", {"justify": "right"}),
        ("figure", {"no_wrap": True}),
        ("measure", {}),
        ("median (min-max)", {"justify": "right"}),
        ("target", {"justify": "right"}),
        ("", {}),
        ("note", {"overflow": "fold"}),
    ):
        table.add_column(name, **kw)
    for fig in report["figures"]:
        first = True
        label = (str(fig["number"]), fig["title"])
        if fig.get("error") or fig.get("skipped"):
            why = (fig.get("error") or fig.get("skipped") or "").splitlines()[0][:200]
            style = "bold red" if fig.get("error") else "yellow"
            table.add_row(*label, Text("not measured", style=style), "", "", "", Text(why))
            continue
        for m in fig["metrics"]:
            table.add_row(
                *(label if first else ("", "")),
                m["name"],
                _value(m),
                m["target"] or "",
                _verdict(m["ok"]),
                Text(m["note"] or ""),  # literal: notes may carry exception text
            )
            first = False
        table.add_section()
    console.print(table)


def markdown_table(report: dict[str, Any]) -> str:
    """The same figures as a Markdown table (for bench/README.md and closing notes)."""
    load = (report.get("machine") or {}).get("load_average_at_start")
    lines = [
        f"{report.get('runs', 1)} runs a figure, {report['duration_s']} s"
        + (f", load average at start {load[0]:.2f}" if load else "")
        + (", one core busy (figure 6)" if report.get("busy") else ""),
        "",
        "| # | measure | median (min-max) | target | |",
        "|---|---|---|---|---|",
    ]
    for fig in report["figures"]:
        if fig.get("error") or fig.get("skipped"):
            lines.append(f"| {fig['number']} | {fig['title']} | not measured | | |")
            continue
        for m in fig["metrics"]:
            if m["value"] is None:
                continue
            verdict = "" if m["ok"] is None else ("met" if m["ok"] else "**MISSED**")
            lines.append(
                f"| {fig['number']} | {m['name']} | {_value(m)} | {m['target'] or ''} | {verdict} |"
            )
    return "\n".join(lines) + "\n"
