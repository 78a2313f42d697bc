"""`ss-tui db check`: does a database hold every table, column, key, constraint and index
ss-tui relies on? Works on any database, including an existing Jovie PostgreSQL, and only
ever reads (SQLite is opened read-only, PostgreSQL sessions are read-only).

Matching is by shape, not by name (a Jovie database may name its indexes differently):
a unique requirement is met by any unique index or constraint on the same columns, with
a WHERE clause if ours is partial; a foreign key by one on the same columns to the same
table with the same ON DELETE rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection
from sqlalchemy.engine.interfaces import ReflectedIndex
from sqlalchemy.ext.asyncio import create_async_engine

from ss_tui.db.engine import normalize_url
from ss_tui.db.enums import ENUM_TYPES
from ss_tui.db.migrate import VERSION_TABLE, head
from ss_tui.db.schema import metadata

SESSION_STUDIO_PROVIDER = "session-studio"


@dataclass
class TableReport:
    name: str
    present: bool = True
    missing: list[str] = field(default_factory=list)  # what breaks ss-tui
    warnings: list[str] = field(default_factory=list)  # slower, not broken

    @property
    def ok(self) -> bool:
        return self.present and not self.missing


@dataclass
class CheckReport:
    tables: list[TableReport]
    revision: str | None
    head: str
    problems: list[str] = field(default_factory=list)  # database-wide (enum values)

    @property
    def ok(self) -> bool:
        return not self.problems and all(t.ok for t in self.tables)


class DatabaseNotFound(Exception):
    pass


def _reflected_where(ix: ReflectedIndex) -> bool:
    opts = ix.get("dialect_options") or {}
    return any(k.endswith("_where") and v is not None for k, v in opts.items())


def _model_where(ix: sa.Index) -> bool:
    return any(ix.dialect_options[d].get("where") is not None for d in ("postgresql", "sqlite"))


def _check_table(conn: Connection, insp: sa.Inspector, table: sa.Table) -> TableReport:
    report = TableReport(table.name)
    if not insp.has_table(table.name):
        report.present = False
        return report

    columns = {c["name"]: c for c in insp.get_columns(table.name)}
    for col in table.columns:
        if col.name not in columns:
            report.missing.append(f"column {table.name}.{col.name}")

    pk = insp.get_pk_constraint(table.name).get("constrained_columns") or []
    want_pk = [c.name for c in table.primary_key.columns]
    if sorted(pk) != sorted(want_pk):
        report.missing.append(f"primary key ({', '.join(want_pk)})")

    indexes = insp.get_indexes(table.name)
    uniques: list[tuple[frozenset[str], bool]] = [
        (frozenset(c for c in ix["column_names"] if c), _reflected_where(ix))
        for ix in indexes
        if ix.get("unique")
    ]
    uniques += [
        (frozenset(u["column_names"]), False) for u in insp.get_unique_constraints(table.name)
    ]
    any_index = [tuple(c for c in ix["column_names"] if c) for ix in indexes]

    for ix in sorted(table.indexes, key=lambda i: i.name or ""):
        cols = [c.name for c in ix.columns]
        label = f"{'unique ' if ix.unique else ''}index {ix.name} ({', '.join(cols)})"
        if ix.unique:
            partial = _model_where(ix)
            if (frozenset(cols), partial) not in uniques:
                report.missing.append(label + (" WHERE …" if partial else ""))
        elif not any(have[: len(cols)] == tuple(cols) for have in any_index):
            report.warnings.append(label)

    for cons in table.constraints:
        if isinstance(cons, sa.UniqueConstraint):
            cols = [c.name for c in cons.columns]
            if (frozenset(cols), False) not in uniques:
                report.missing.append(f"unique ({', '.join(cols)})")

    fks = insp.get_foreign_keys(table.name)
    for fk in table.foreign_key_constraints:
        cols = [c.name for c in fk.columns]
        target = fk.referred_table.name
        rule = (fk.ondelete or "NO ACTION").upper()
        match = [
            f for f in fks if f["constrained_columns"] == cols and f["referred_table"] == target
        ]
        label = f"foreign key ({', '.join(cols)}) -> {target} ON DELETE {rule}"
        if not match:
            report.missing.append(label)
        elif not any(
            ((f.get("options") or {}).get("ondelete") or "NO ACTION").upper() == rule for f in match
        ):
            report.missing.append(label + " (present with another ON DELETE rule)")

    # A column ss-tui does not know (Jovie added it later) that is NOT NULL without a default
    # would make every insert of ss-tui's fail.
    for name, reflected in columns.items():
        if name in table.c or reflected.get("nullable", True):
            continue
        if (
            reflected.get("default") is None
            and not reflected.get("autoincrement")
            and not reflected.get("computed")
        ):
            report.missing.append(
                f"column {table.name}.{name} is NOT NULL without a default and ss-tui does not"
                " fill it"
            )

    checks = insp.get_check_constraints(table.name)
    for ck in table.constraints:
        # Enum CHECKs exist only on SQLite; enum values are checked separately on PostgreSQL.
        if not isinstance(ck, sa.CheckConstraint) or getattr(ck, "_type_bound", False):
            continue
        if not any(c.get("name") == ck.name for c in checks):
            report.missing.append(f"check constraint {ck.name}")
    return report


def _check_enums(conn: Connection) -> list[str]:
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.execute(
        sa.text(
            "SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
        )
    ).all()
    have: dict[str, set[str]] = {}
    for typ, label in rows:
        have.setdefault(typ, set()).add(label)
    problems = []
    for name, values in ENUM_TYPES.items():
        if name not in have:
            problems.append(f"enum type {name} is missing")
            continue
        lacking = [v for v in values if v not in have[name]]
        if lacking:
            problems.append(f"enum type {name} lacks values ss-tui writes: {', '.join(lacking)}")
    return problems


def _check_providers(conn: Connection, insp: sa.Inspector) -> list[str]:
    """The provider row ss-tui's links point at (added by ``db upgrade``)."""
    if not insp.has_table("providers"):
        return []
    found = conn.execute(
        sa.text("SELECT count(*) FROM providers WHERE id = :id"), {"id": SESSION_STUDIO_PROVIDER}
    ).scalar()
    return [] if found else [f"provider row '{SESSION_STUDIO_PROVIDER}' is missing"]


def inspect_schema(conn: Connection) -> CheckReport:
    insp = sa.inspect(conn)
    tables = [_check_table(conn, insp, t) for t in metadata.sorted_tables]
    tables.sort(key=lambda t: t.name)
    revision = None
    if insp.has_table(VERSION_TABLE):
        revision = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    problems = _check_enums(conn) + _check_providers(conn, insp)
    return CheckReport(tables=tables, revision=revision, head=head(), problems=problems)


def _read_only(url: str | URL) -> tuple[URL, dict[str, Any]]:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if not db or db == ":memory:":
            raise DatabaseNotFound("an in-memory SQLite database has nothing to check")
        if db.startswith("file:"):  # already a URI (e.g. ?mode=ro): its path, then ours
            db = db[len("file:"):].split("?", 1)[0]
        path = Path(db).expanduser()
        if not path.exists():
            raise DatabaseNotFound(f"SQLite database file not found: {path}")
        return parsed.set(database=f"file:{path}?mode=ro", query={"uri": "true"}), {}
    return parsed, {"connect_args": {"server_settings": {"default_transaction_read_only": "on"}}}


async def check_database(url: str | URL) -> CheckReport:
    ro_url, kwargs = _read_only(url)
    engine = create_async_engine(ro_url, **kwargs)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(inspect_schema)
    finally:
        await engine.dispose()


def format_report(report: CheckReport) -> list[tuple[str, bool]]:
    """Lines for the terminal, each with whether it is a problem."""
    lines: list[tuple[str, bool]] = []
    width = max(len(t.name) for t in report.tables) + 2
    for t in report.tables:
        if not t.present:
            lines.append((f"{t.name:<{width}} MISSING TABLE", True))
            continue
        lines.append((f"{t.name:<{width}} {'ok' if t.ok else 'INCOMPLETE'}", not t.ok))
        lines += [(f"  missing {m}", True) for m in t.missing]
        lines += [(f"  missing (slower, not broken) {w}", False) for w in t.warnings]
    lines += [(p, True) for p in report.problems]
    rev = report.revision or "none"
    behind = "" if report.revision == report.head else f" (head is {report.head})"
    lines.append((f"migration revision: {rev}{behind}", False))
    if report.ok:
        lines.append(("all tables, columns, keys, constraints and indexes present", False))
    else:
        lines.append(
            (
                "some required objects are missing: run `ss-tui db upgrade`"
                " or migrate the Jovie database",
                True,
            )
        )
    return lines
