"""Where log records go (README "When something goes wrong").

The log file keeps everything at the configured level, tracebacks included: at DEBUG
(``ss-tui -v`` or ``SS_TUI_LOG_LEVEL=DEBUG``) the traceback of every failure, at any level
the traceback of a bug. A terminal never shows a traceback: the stderr handler of long-running
services (workers, the webhook receiver) prints messages only.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Any

_MARK = "_ss_tui_handler"  # our handlers, replaced when logging is configured again
_NOISY = (
    "httpx", "httpcore", "aiosqlite", "asyncio", "hpack", "urllib3", "alembic.runtime.plugins",
)
_log_file: Path | None = None


class MessageOnly(logging.Formatter):
    """Formats the message and drops any traceback: for terminals."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def configure_logging(
    settings: Any,
    *,
    verbose: bool = False,
    stderr_level: str | None = None,
    terminal_fallback: bool = True,
) -> Path | None:
    """Log to ``settings.log_file`` at ``settings.log_level`` (DEBUG when ``verbose``);
    ``stderr_level``: also print messages (never tracebacks) to stderr. When the file cannot
    be opened, warnings go to stderr instead (``terminal_fallback``; not under a full-screen
    app). Returns the log file in use."""
    global _log_file
    level = logging.DEBUG if verbose else _level(getattr(settings, "log_level", "INFO"))
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = []
    _log_file = _open_file(getattr(settings, "log_file", None))
    if _log_file is not None:
        file_handler = logging.handlers.RotatingFileHandler(
            _log_file, maxBytes=5_000_000, backupCount=3, encoding="utf-8", delay=True
        )
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s")
        )
        file_handler.setLevel(level)
        handlers.append(file_handler)
    if stderr_level or (_log_file is None and terminal_fallback):
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setFormatter(MessageOnly("%(message)s"))
        terminal.addFilter(_not_shown_already)
        terminal.setLevel(_level(stderr_level) if stderr_level else logging.WARNING)
        handlers.append(terminal)
    if not handlers:
        handlers.append(logging.NullHandler())  # not Python's last resort: it prints to stderr
    for handler in handlers:
        setattr(handler, _MARK, True)
        handler.addFilter(_quiet_libraries)
        root.addHandler(handler)
    root.setLevel(level)
    return _log_file


SHOWN = "ss_tui.shown"  # records of failures the front end already put on the screen


def _not_shown_already(record: logging.LogRecord) -> bool:
    return record.name != SHOWN


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """One line per HTTP request or SQL call would drown what matters: libraries' records
    below WARNING stay out (a filter, so their loggers keep their own levels)."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_NOISY)


def _level(name: Any) -> int:
    level = logging.getLevelName(str(name).upper())
    return level if isinstance(level, int) else logging.INFO


def current_log_file() -> Path | None:
    """The log file the last :func:`configure_logging` opened (None: none)."""
    return _log_file


def _open_file(value: Any) -> Path | None:
    if not value:
        return None
    path = Path(str(value)).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError:
        return None
    return path
