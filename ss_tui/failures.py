"""What went wrong, in words a person can act on: the one error boundary of the CLI, the
dashboard and workers (README "When something goes wrong").

:func:`classify` turns an exception into a :class:`Failure`: one short sentence naming the
cause, the next step, and the exit code the README documents. Infrastructure failures (the
database, Session Studio's network, the file system) are recognised from the driver's own
error codes, never from SQL text, and the SQL a driver error carries never reaches the
message. Anything else is a bug: ``internal``, its traceback kept for the log file only.

A foundation module: it imports nothing of ss-tui, so every layer can use it. Session
Studio's errors are recognised by shape (their ``kind`` and ``http_status``).
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Exit codes of every `ss-tui` command (the README's table lists the same).
EXIT_OK = 0
EXIT_PARTIAL = 1  # some projects failed or went stale, errors recorded, a listing cut short
EXIT_USAGE = 2  # bad option or argument, unknown id, invalid setting
EXIT_FAILED = 3  # the run failed: no project could be imported
EXIT_AUTH = 4  # not connected, reconnect needed, login declined, no token store
EXIT_CANCELLED = 5  # Ctrl-C: stopped at a project boundary, resumes when run again
EXIT_DATABASE = 6  # the database cannot be used (see Failure.cause "db_*")
EXIT_API = 7  # Session Studio cannot be reached or keeps failing
EXIT_FILE = 8  # a file ss-tui was asked to write cannot be written
EXIT_INTERNAL = 9  # a bug: the traceback is in the log file

UPGRADE = "run `ss-tui db upgrade`"
RERUN = "then run the command again (an interrupted import resumes where it stopped)"
# The same advice where there is no command to run again (the dashboard).
RETRY_HERE = "then try again (an interrupted import resumes where it stopped)"


@dataclass(frozen=True, slots=True)
class Failure:
    cause: str  # db_not_a_database | db_not_migrated | api_unreachable | file_unwritable | …
    message: str  # what is wrong, one sentence
    next_step: str  # what to do about it
    exit_code: int
    transient: bool = False  # the same action may succeed later without any change

    @property
    def internal(self) -> bool:
        return self.cause == "internal"

    @property
    def database(self) -> bool:
        return self.cause.startswith("db_")

    def __str__(self) -> str:
        return f"{self.message} {self.next_step}".strip()

    @property
    def next_step_here(self) -> str:
        """The next step as the dashboard says it: no command to run again there."""
        return self.next_step.replace(RERUN, RETRY_HERE)

    def in_dashboard(self) -> str:
        return f"{self.message} {self.next_step_here}".strip()


def classify(
    exc: BaseException,
    *,
    database_url: str | None = None,
    api_base_url: str | None = None,
) -> Failure:
    """The failure behind ``exc``; ``database_url`` / ``api_base_url`` name the places.
    The outermost exception that says something wins: a database error raised while handling
    a network one is a database failure."""
    db = _Place.database(database_url)
    for e in _chain(exc):
        failure = _one(e, db, api_base_url)
        if failure is not None:
            return failure
    name = type(exc).__name__
    return Failure(
        "internal",
        f"ss-tui stopped on an unexpected error ({name}).",
        "This is a bug: please report it with the log file (run with -v to keep the full "
        "details there).",
        EXIT_INTERNAL,
    )


def _one(e: BaseException, db: _Place, api: str | None) -> Failure | None:
    if _is_session_studio(e):  # Session Studio's typed errors wrap the network's
        return _session_studio(e, list(_chain(e)), api)
    if _is_http(e):
        return _network(list(_chain(e)), api)
    failure = _driver(e, db)
    if failure is not None:
        return failure
    if isinstance(e, OSError):
        return _os_error(e, db)
    if type(e).__name__ == "ValidationError" and "pydantic" in _module(e):
        # Only the settings model is the user's configuration; any other model failing to
        # validate (a payload, a saved plan) is data the code should have handled: a bug.
        if getattr(e, "title", None) == "Settings":
            return _settings(e)
    if _module(e).startswith("alembic") and type(e).__name__ == "CommandError":
        first = str(e).splitlines()[0] if str(e) else "bad revision"
        return Failure(  # e.g. an unknown revision: alembic's own words, no SQL
            "db_revision",
            f"The migration cannot run: {first}",
            "Check the revision name (`ss-tui db current` shows the applied one).",
            EXIT_USAGE,
        )
    return None


# --------------------------------------------------------------------------- the chain


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the driver error it wraps, its causes and contexts, group members."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for nxt in (getattr(e, "orig", None), e.__cause__, e.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)


def _module(e: BaseException) -> str:
    return type(e).__module__ or ""


def _is_session_studio(e: BaseException) -> bool:
    return _module(e).startswith("ss_tui.sessionstudio") and hasattr(e, "kind")


def _is_http(e: BaseException) -> bool:
    return _module(e).startswith(("httpx", "httpcore"))


# --------------------------------------------------------------------------- places


@dataclass(frozen=True, slots=True)
class _Place:
    kind: str  # sqlite | postgresql | unknown
    label: str  # shown to people: a file path or host:port/db, never a password
    path: Path | None = None

    @classmethod
    def database(cls, url: str | None) -> _Place:
        if not url:
            return cls("unknown", "the database")
        try:
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
        except Exception:
            return cls("unknown", "the database")
        if parsed.get_backend_name() == "sqlite":
            name = parsed.database or ""
            if name.startswith("file:"):
                name = name[5:].split("?", 1)[0]
            if not name or name == ":memory:":
                return cls("sqlite", "the in-memory database")
            return cls("sqlite", name, Path(name).expanduser())
        host = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        return cls("postgresql", f"PostgreSQL at {host}/{parsed.database or ''}")


def _api_label(url: str | None) -> str:
    return url.rstrip("/") if url else "Session Studio"


def _host(url: str | None) -> str:
    if not url:
        return "the Session Studio host"
    match = re.match(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", url, re.I)
    return match.group(1) if match else url


# --------------------------------------------------------------------------- Session Studio


def _session_studio(e: Any, chain: list[BaseException], api: str | None) -> Failure:
    kind = getattr(e, "kind", "internal")
    if kind == "auth":
        action = getattr(e, "suggested_action", None) or "Run `ss-tui connect`."
        message = getattr(e, "message", None) or str(e)
        return Failure("auth", message, action, EXIT_AUTH)
    if any(_is_http(c) or isinstance(c, OSError) for c in chain):  # TimeoutError too
        return _network(chain, api)
    status = getattr(e, "http_status", None)
    if type(e).__name__ == "CircuitOpenError":
        return Failure(
            "api_failing",
            f"Session Studio at {_api_label(api)} kept failing, so ss-tui paused its calls.",
            f"Wait a minute, {RERUN}.",
            EXIT_API,
            transient=True,
        )
    if kind in ("transient", "rate_limited"):
        what = f"answered HTTP {status}" if status else "sent answers ss-tui could not use"
        if kind == "rate_limited":
            what = "kept answering 429 (rate limit)"
        return Failure(
            "api_failing",
            f"Session Studio at {_api_label(api)} {what}, even after retries.",
            f"Try again in a few minutes, {RERUN}.",
            EXIT_API,
            transient=True,
        )
    message = getattr(e, "message", None) or str(e)
    action = getattr(e, "suggested_action", None) or ""
    return Failure(f"api_{kind}", message, action, EXIT_FAILED)


def _network(chain: list[BaseException], api: str | None) -> Failure:
    label, host = _api_label(api), _host(api)
    for c in chain:
        if isinstance(c, ssl.SSLError | ssl.CertificateError):
            return Failure(
                "api_tls",
                f"The secure (TLS) connection to {host} failed.",
                "Check that SESSION_STUDIO_API_BASE_URL is right (https:// or http://) and that "
                "this machine trusts the server's certificate.",
                EXIT_API,
            )
        if isinstance(c, socket.gaierror):
            return Failure(
                "api_dns",
                f"The name {host} could not be resolved.",
                f"Check SESSION_STUDIO_API_BASE_URL and the network, {RERUN}.",
                EXIT_API,
                transient=True,
            )
    names = {type(c).__name__ for c in chain}
    text = " ".join(str(c) for c in chain if _is_http(c)).lower()
    if names & {"ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutError"}:
        message = f"Session Studio at {label} did not answer in time, even after retries."
    elif "certificate" in text or "ssl" in text or "tls" in text:
        return _network([ssl.SSLError(text)], api)
    elif "name or service not known" in text or "nodename nor servname" in text:
        return _network([socket.gaierror(text)], api)
    elif any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text:
        message = f"Nothing answered at {label} (connection refused)."
    else:
        message = f"The connection to Session Studio at {label} failed."
    return Failure(
        "api_unreachable",
        message,
        "Check SESSION_STUDIO_API_BASE_URL, that Session Studio (or `ss-tui simulator serve`) "
        f"is running and the network, {RERUN}.",
        EXIT_API,
        transient=True,
    )


# --------------------------------------------------------------------------- databases

# PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_NOT_MIGRATED = {"42P01", "42703", "42704", "42883"}  # undefined table/column/object/function
_PG_GONE = {"57P01", "57P02", "57P03", "57P04", "08000", "08003", "08006", "08001", "08004"}
_PG_LOGIN = {"28000", "28P01"}
_PG_LOCKED = {"55P03", "40P01", "40001"}  # lock not available, deadlock, serialization
_PG_FULL = {"53100", "53200"}  # disk full, out of memory
_PG_TOO_MANY = {"53300"}

_SQLITE_MESSAGES = (  # the sqlite3 module's own words, for Pythons without sqlite_errorname
    ("file is not a database", "SQLITE_NOTADB"),
    ("database disk image is malformed", "SQLITE_CORRUPT"),
    ("attempt to write a readonly database", "SQLITE_READONLY"),
    ("database is locked", "SQLITE_BUSY"),
    ("database table is locked", "SQLITE_LOCKED"),
    ("database or disk is full", "SQLITE_FULL"),
    ("unable to open database file", "SQLITE_CANTOPEN"),
    ("disk i/o error", "SQLITE_IOERR"),
    ("no such table", "no such table"),
    ("no such column", "no such column"),
)


def _driver(e: BaseException, db: _Place) -> Failure | None:
    if _module(e) == "sqlite3" or hasattr(e, "sqlite_errorname"):
        return _sqlite(e, db)
    state = getattr(e, "sqlstate", None)
    if isinstance(state, str) or _module(e).startswith("asyncpg"):
        return _postgres(e, state, db)
    return None


def _sqlite(e: BaseException, db: _Place) -> Failure | None:
    text = str(e.args[0] if e.args else e).lower()
    name = getattr(e, "sqlite_errorname", "") or ""
    for words, code in _SQLITE_MESSAGES:
        if words in text:
            name = code if name in ("", "SQLITE_ERROR") else name
            break
    where = db.label
    if name == "SQLITE_NOTADB":
        return Failure(
            "db_not_a_database",
            f"{where} is not an SQLite database (another kind of file, or damaged).",
            "Point SS_TUI_DATABASE_URL (or --database-url) at an ss-tui database, or move "
            f"this file away and {UPGRADE} to create a new one.",
            EXIT_DATABASE,
        )
    if name.startswith("SQLITE_CORRUPT"):
        return Failure(
            "db_damaged",
            f"The database {where} is damaged.",
            f"Restore it from a backup, or move it away and {UPGRADE}.",
            EXIT_DATABASE,
        )
    if name.startswith("SQLITE_READONLY"):
        fix = (
            f"Make the file and its folder writable (e.g. `chmod u+w {db.path}`)"
            if db.path
            else "Make the database writable"
        )
        return Failure(
            "db_read_only",
            f"The database {where} is read-only: reading works, changing it does not.",
            f"{fix}, or point SS_TUI_DATABASE_URL at a writable copy.",
            EXIT_DATABASE,
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return _locked(where)
    if name.startswith("SQLITE_FULL"):
        return _disk_full(where)
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM", "SQLITE_AUTH")):
        return Failure(
            "db_cannot_open",
            f"The database file {where} cannot be opened or written.",
            "Check that its folder exists and that you may read and write there, or set "
            "SS_TUI_DATABASE_URL to another path.",
            EXIT_DATABASE,
        )
    if name in ("no such table", "no such column"):
        return _not_migrated(where, text)
    return None


def _postgres(e: BaseException, state: str | None, db: _Place) -> Failure | None:
    where = db.label if db.kind != "unknown" else "PostgreSQL"
    name = type(e).__name__
    text = str(e).lower()
    if state in _PG_NOT_MIGRATED:
        return _not_migrated(where, text)
    if state == "25006":
        return Failure(
            "db_read_only",
            f"The database {where} only accepts reads (a read-only server or session).",
            "Point SS_TUI_DATABASE_URL at the primary server, or ask for write access.",
            EXIT_DATABASE,
        )
    if state in _PG_LOGIN:
        return Failure(
            "db_login",
            f"{where} refused the login.",
            "Check the user and password in SS_TUI_DATABASE_URL.",
            EXIT_DATABASE,
        )
    if state == "3D000":
        return Failure(
            "db_missing",
            f"The database named in SS_TUI_DATABASE_URL does not exist on {where}.",
            f"Create it (e.g. `createdb NAME`), then {UPGRADE}.",
            EXIT_DATABASE,
        )
    if state in _PG_LOCKED:
        return _locked(where)
    if state in _PG_FULL:
        return _disk_full(where)
    if state in _PG_TOO_MANY:
        return Failure(
            "db_busy",
            f"{where} has no free connection slots.",
            f"Stop some workers or raise max_connections, {RERUN}.",
            EXIT_DATABASE,
            transient=True,
        )
    if (
        state in _PG_GONE
        # asyncpg's own words when the server vanished under a running statement.
        or name
        in (
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "CannotConnectNowError",
            "InternalClientError",
        )
        or "connection is closed" in text
        or "connection was closed" in text
    ):
        return _server_down(where, going_away=state != "57P03" and "starting up" not in text)
    return None


def _not_migrated(where: str, text: str) -> Failure:
    missing = re.search(r'(?:no such table: |relation ")([\w.]+)', text)
    what = f" (table {missing.group(1)} is missing)" if missing else ""
    return Failure(
        "db_not_migrated",
        f"The database {where} does not have ss-tui's tables yet, or has an older "
        f"version of them{what}.",
        f"{UPGRADE.capitalize()} (with the same --database-url, if you gave one).",
        EXIT_DATABASE,
    )


def _locked(where: str) -> Failure:
    return Failure(
        "db_locked",
        f"The database {where} stayed locked by another process (an import or a worker).",
        f"Wait for it to finish, {RERUN}.",
        EXIT_DATABASE,
        transient=True,
    )


def _disk_full(where: str) -> Failure:
    return Failure(
        "db_disk_full",
        f"The disk holding {where} is full.",
        f"Free some space, {RERUN}.",
        EXIT_DATABASE,
        transient=True,
    )


def _server_down(where: str, *, going_away: bool) -> Failure:
    message = (
        f"The connection to {where} was lost (the server stopped or restarted)."
        if going_away
        else f"{where} is not accepting connections (shutting down or starting up)."
    )
    return Failure(
        "db_unreachable",
        message,
        f"Start the database server (or check host and port in SS_TUI_DATABASE_URL), {RERUN}.",
        EXIT_DATABASE,
        transient=True,
    )


# --------------------------------------------------------------------------- files, settings


def _os_error(e: OSError, db: _Place) -> Failure:
    if db.kind == "postgresql" and (
        isinstance(e, ConnectionError | TimeoutError | socket.gaierror)
        or e.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
    ):
        reason = (
            "refused the connection"
            if isinstance(e, ConnectionRefusedError)
            else (
                "could not be found" if isinstance(e, socket.gaierror) else "could not be reached"
            )
        )
        return Failure(
            "db_unreachable",
            f"{db.label} {reason}.",
            f"Start the database server (or check host and port in SS_TUI_DATABASE_URL), {RERUN}.",
            EXIT_DATABASE,
            transient=True,
        )
    target = str(e.filename) if e.filename else None
    reason = {
        errno.ENOENT: "that folder does not exist",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.EISDIR: "it is a folder",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
    }.get(e.errno or 0, (e.strerror or type(e).__name__).lower())
    about_db = (
        db.path is not None
        and target is not None
        and (Path(target) == db.path or db.path.is_relative_to(Path(target)))
    )
    if about_db:
        return Failure(
            "db_cannot_open",
            f"The database file {db.label} cannot be created or opened: {reason}.",
            "Check that its folder exists and that you may write there, or set "
            "SS_TUI_DATABASE_URL to another path.",
            EXIT_DATABASE,
        )
    if e.errno in (errno.ENOSPC, errno.EDQUOT) and target is None:
        return _disk_full("the database")
    return Failure(
        "file_unwritable",
        f"Cannot write {target or 'the file'}: {reason}.",
        "Choose a path in an existing folder you may write to.",
        EXIT_FILE,
    )


def _settings(e: BaseException) -> Failure:
    errors = getattr(e, "errors", None)
    first = errors()[0] if callable(errors) and errors() else {}
    field = ".".join(str(p) for p in first.get("loc", ())) or "value"
    name = field if field.isupper() else f"SS_TUI_{field.upper()}"
    return Failure(
        "config",
        f"The setting {name} is invalid: {first.get('msg', 'bad value')}.",
        "Fix it in the environment (README, Configuration).",
        EXIT_USAGE,
    )


# --------------------------------------------------------------------------- logging


def record(
    exc: BaseException,
    *,
    database_url: str | None = None,
    api_base_url: str | None = None,
    doing: str = "",
    logger: logging.Logger | None = None,
) -> Failure:
    """Classify ``exc`` and log it: the message always; the traceback at DEBUG, or at ERROR
    when it is a bug (README "When something goes wrong"). Handlers decide where it shows:
    terminals never print tracebacks (``ss_tui.logs``)."""
    failure = classify(exc, database_url=database_url, api_base_url=api_base_url)
    log = logger or logging.getLogger("ss_tui.failures")
    prefix = f"{doing}: " if doing else ""
    if failure.internal:
        log.error("%s%s", prefix, failure.message, exc_info=exc)
    else:
        log.warning("%s%s", prefix, failure)
        log.debug("Details of the failure above (%s)", failure.cause, exc_info=exc)
    return failure
