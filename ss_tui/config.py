"""Settings from the environment (README "Configuration").

Session Studio's own variables keep their original names; ours carry the
``SS_TUI_`` prefix. Nothing here ever holds an access token.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir, user_log_dir
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "ss-tui"
DEFAULT_API_BASE_URL = "https://api.session.studio/v1"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_log_file() -> str:
    return str(Path(user_log_dir(APP_NAME, appauthor=False)) / "ss-tui.log")


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_data_dir() / 'ss-tui.db'}"


class Settings(BaseSettings):
    # populate_by_name: code and tests may pass api_base_url=… as well as the env alias.
    model_config = SettingsConfigDict(env_prefix="SS_TUI_", extra="ignore", populate_by_name=True)

    # Session Studio (names fixed by the original plan, no prefix).
    client_id: str = Field(
        default="ss-tui", validation_alias=AliasChoices("SESSION_STUDIO_CLIENT_ID")
    )
    client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SESSION_STUDIO_CLIENT_SECRET")
    )
    webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SESSION_STUDIO_WEBHOOK_SECRET")
    )
    api_base_url: str = Field(
        default=DEFAULT_API_BASE_URL,
        validation_alias=AliasChoices("SESSION_STUDIO_API_BASE_URL"),
    )

    # Ours (SS_TUI_*).
    database_url: str = Field(default_factory=default_database_url)
    token_store: str = "keyring"  # keyring | database | memory
    token_key: SecretStr | None = None  # Fernet key for the database token store
    operator: str | None = None  # who runs imports; defaults to the OS user
    # Write Jovie's legacy discog_tracks (+ track_artists) in step with release tracks, as
    # Jovie's own import does: its slug pages and track lists still read them.
    write_legacy_tracks: bool = True
    # SessionStudioImportOptions.includeUnreleased when a run does not say: unreleased and
    # draft projects are imported (as Jovie drafts) only when asked.
    include_unreleased: bool = False
    log_level: str = "INFO"  # DEBUG (or `ss-tui -v`) also keeps failures' tracebacks
    # Where log records go (rotated at 5 MB); empty: nowhere. Never the screen: see ss_tui/logs.py.
    log_file: str = Field(default_factory=default_log_file)
    # The dashboard's keys by binding id, "browser.preview=ctrl+p; app.goto.errors=f9"
    # (README "Keymap"; parsed and checked by ss_tui/tui/keymap.py).
    keymap: str = ""

    # Cross-platform link discovery (ss_tui.discovery): lookup services' base URLs.
    musicbrainz_base_url: str = "https://musicbrainz.org/ws/2"
    deezer_base_url: str = "https://api.deezer.com"
    itunes_base_url: str = "https://itunes.apple.com"
    itunes_country: str = "us"
    discovery_contact: str | None = None  # e-mail/URL in the User-Agent MusicBrainz asks for

    def sqlite_path(self) -> Path | None:
        """The SQLite file behind ``database_url``, if it is a file-backed SQLite URL."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix):]
            return Path(rest) if rest and rest != ":memory:" else None
        return None


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates the overrides
