"""The command palette (ctrl+p): navigation, the main actions by name, this screen's keys.

The main actions are findable by the word a user would type ("import", "retry", "export",
"connect"…) from any screen: on their own screen they run, elsewhere they open that screen
(an action on marked rows must not run on rows the user cannot see). Widget keys (cursor
moves, "Bottom"…) are left out: they are the same everywhere and only crowd the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

# (mode, action, title, help): title first words are what a user types.
MAIN_ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("browser", "preview", "Import the selected projects (preview first)",
     "Plan the import of the selection; nothing is written before you confirm"),
    ("browser", "refresh_remote", "Refresh projects from Session Studio",
     "Fetch what changed upstream (incremental)"),
    ("browser", "select_all", "Select all matching projects",
     "Every project matching the search and filters, loaded or not"),
    ("browser", "discover", "Discover links on other services",
     "Apple Music, Deezer, MusicBrainz links of the selected imported releases"),
    ("connect", "device_login", "Connect an account with a device code",
     "OAuth device flow: open the URL on any device and type the code"),
    ("connect", "loopback_login", "Connect an account in the browser",
     "OAuth authorization code + PKCE on a loopback redirect"),
    ("connect", "paste_token", "Connect with a personal access token",
     "Paste a token; it goes to the keyring, never to a file"),
    ("connect", "disconnect", "Disconnect the highlighted account",
     "Deletes its token; imported data stays"),
    ("errors", "retry", "Retry the marked sync errors",
     "Re-run just those items as a run of their own"),
    ("errors", "resolve", "Resolve the marked sync errors", "Mark them resolved, with a note"),
    ("errors", "ignore", "Ignore the marked sync errors", "Mark them ignored, with a note"),
    ("errors", "export_csv", "Export sync errors as CSV", "The filtered list, to a CSV file"),
    ("progress", "pause_resume", "Pause or resume the import",
     "The engine pauses between projects"),
    ("progress", "cancel_run", "Cancel the import",
     "At the next project boundary; running it again resumes"),
    ("jobs", "retry_job", "Retry the highlighted job", "Queue it again"),
)
_MAIN = {(mode, action) for mode, action, _t, _h in MAIN_ACTIONS}
_LABELS = {"browser": "Browse", "connect": "Connect", "errors": "Errors",
           "progress": "Progress", "jobs": "Jobs"}


def palette_commands(app: App[Any], screen: Screen[Any],
                     navigation: Iterable[tuple[str, str, str, str]]) -> Iterable[SystemCommand]:
    from ss_tui.tui.screens.base import BaseScreen

    here = app.current_mode if screen is app.get_screen_stack()[0] else None
    for mode, _key, label, desc in navigation:
        yield SystemCommand(f"Go to {label}", desc, partial(app.run_action, f"goto('{mode}')"))
    yield SystemCommand("Help for this screen", "Its keys and what they do (F1)",
                        partial(app.run_action, "help"))
    for mode, action, title, help_text in MAIN_ACTIONS:
        if mode == here:
            yield SystemCommand(title, help_text, partial(screen.run_action, action))
        else:
            yield SystemCommand(title, f"Opens {_LABELS[mode]}: {help_text}",
                                partial(app.run_action, f"goto('{mode}')"))
    # The rest of this screen's own keys (not the widgets' generic ones).
    seen: set[str] = set()
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        if (not enabled or not binding.description or binding.action in seen
                or not isinstance(node, BaseScreen | type(screen))
                or (here, binding.action) in _MAIN):
            continue
        seen.add(binding.action)
        key = app.get_key_display(binding)
        help_text = binding.tooltip if binding.tooltip and binding.tooltip != binding.description \
            else ""
        yield SystemCommand(binding.description, f"{help_text} ({key})".strip(),
                            partial(node.run_action, binding.action))
