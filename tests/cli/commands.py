"""Every ``ss-tui`` command a person or a script runs headless, with arguments that make it
do real work in the environments of ``broken.py`` (``{error}``, ``{run}``, ``{job}``,
``{export}`` are filled in from the environment). Long-running servers (``simulator serve``,
``webhooks serve``) and the full-screen ``tui``/``demo`` are tested elsewhere."""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, ...]] = {
    "db upgrade": ("db", "upgrade"),
    "db downgrade": ("db", "downgrade", "0002_ss_tui"),
    "db current": ("db", "current"),
    "db check": ("db", "check"),
    "connect": ("connect", "--token-stdin"),
    "disconnect": ("disconnect", "--no-revoke"),
    "accounts": ("accounts",),
    "token-key": ("token-key",),
    "import dry run": ("import", "--all", "--dry-run"),
    "import dry run json": ("import", "--all", "--dry-run", "--json"),
    "import all": ("import", "--all", "--yes"),
    "import project": ("import", "--project", "prj_missing", "--yes"),
    "import incremental": ("import", "--incremental", "--yes"),
    "errors list": ("errors", "list"),
    "errors list json": ("errors", "list", "--json"),
    "errors show": ("errors", "show", "{error}"),
    "errors retry": ("errors", "retry", "--all-open"),
    "errors resolve": ("errors", "resolve", "{error}", "--note", "fixed"),
    "errors ignore": ("errors", "ignore", "{error}", "--note", "not ours"),
    "errors export": ("errors", "export", "--status", "all", "-o", "{export}"),
    "runs list": ("runs", "list"),
    "runs show": ("runs", "show", "{run}"),
    "worker": ("worker", "--drain"),
    "schedule": ("schedule",),
    "jobs list": ("jobs", "list"),
    "jobs enqueue": ("jobs", "enqueue", "ss_import_account", "--payload", "{{}}"),
    "jobs reset": ("jobs", "reset", "{job}"),
    "jobs cancel": ("jobs", "cancel", "{job}"),
    "stats": ("stats",),
    "discover": ("discover", "--all"),
}
