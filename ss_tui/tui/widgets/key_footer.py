"""A footer that shows as many keys as fit the terminal's width, most useful first.

Order of preference: F1 (help lists every key), this screen's own keys in the order the
screen declares them, the screen-switching keys, then the rest. What does not fit stays
reachable: F1 lists every key and the command palette (ctrl+p) every action. A footer cut
mid-word ("f4 Prog") is what this replaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual import events

PALETTE_ROOM = 14  # "▏^p palette " on the right


def _width(key_display: str, description: str) -> int:
    return cell_len(key_display) + cell_len(description) + 3  # " key desc "


class KeyFooter(Footer):
    def __init__(self) -> None:
        super().__init__(show_command_palette=True)
        self._shown: tuple[str, ...] = ()
        self._composed: tuple[object, ...] | None = None  # the signature of the keys composed

    def _ranked(self) -> list[tuple[Binding, bool, str]]:
        seen: set[str] = set()
        help_keys, own, navigation, rest = [], [], [], []
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            entry = (binding, enabled, tooltip)
            if binding.action == "help":
                help_keys.append(entry)
            elif node is not self.app:
                own.append(entry)
            elif binding.action.startswith("goto"):
                if binding.action != f"goto('{self.app.current_mode}')":  # not "go here"
                    navigation.append(entry)
            else:
                rest.append(entry)
        return help_keys + own + navigation + rest

    def _fitting(self) -> list[tuple[Binding, bool, str]]:
        budget = (self.size.width or self.app.size.width) - PALETTE_ROOM
        chosen: list[tuple[Binding, bool, str]] = []
        for entry in self._ranked():
            binding = entry[0]
            need = _width(self.app.get_key_display(binding), binding.description)
            if need > budget:
                break  # keep the order of preference: no lesser key jumps the queue
            chosen.append(entry)
            budget -= need
        return chosen

    def _signature(self, chosen: list[tuple[Binding, bool, str]]) -> tuple[object, ...]:
        """Everything the composed keys show: equal signatures, identical footers."""
        keys = tuple(
            (b.key, self.app.get_key_display(b), b.description, b.action, enabled, tooltip)
            for b, enabled, tooltip in chosen
        )
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return keys, (palette[1].key, palette[2]) if palette is not None else None, self.compact

    async def recompose(self) -> None:
        """Rebuild the keys only when what they show changed. Bindings are announced again
        on every focus change and every refresh of a screen's bindings (a screen opening
        fires a score of them); rebuilding the same keys each time was most of a screen's
        first paint (bench/README.md, figure 4)."""
        if (
            self._composed is not None
            and self.is_attached
            and self._signature(self._fitting()) == self._composed
        ):
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        chosen = self._fitting()
        self._composed = self._signature(chosen)
        self._shown = tuple(b.action for b, _e, _t in chosen)
        self.styles.grid_size_columns = len(chosen)
        for binding, enabled, tooltip in chosen:
            key = FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
                classes="-compact" if self.compact else "",
            )
            # The footer's compact style, given at birth: Footer's data_bind flips each key's
            # class after mounting (two restyles per key: most of a screen's first paint).
            # Nothing here changes ``compact`` later.
            key.set_reactive(FooterKey.compact, self.compact)
            yield key
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, tooltip = found
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

    def on_resize(self, _event: events.Resize) -> None:
        shown = tuple(b.action for b, _e, _t in self._fitting())
        if self._bindings_ready and shown != self._shown:
            self.call_after_refresh(self.recompose)
