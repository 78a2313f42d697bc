"""Token stores: keyring (default), encrypted database, memory; and the settings switch."""

from __future__ import annotations

from datetime import UTC, datetime

import keyring
import pytest
from cryptography.fernet import Fernet
from keyring.backends import fail, null
from sqlalchemy import text

from ss_tui.config import Settings
from ss_tui.sessionstudio.errors import NoKeyringBackend
from ss_tui.sessionstudio.tokens import (
    DatabaseTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    TokenKeyError,
    TokenSet,
    token_store_from_settings,
)

TOKENS = TokenSet(
    access_token="at-store-0123456789",
    refresh_token="rt-store-0123456789",
    expires_at=datetime(2031, 5, 1, 12, 0, tzinfo=UTC),
    scope="projects:read tracks:read",
)


async def roundtrip(store) -> None:
    assert await store.get("acct") is None
    await store.set("acct", TOKENS)
    assert await store.get("acct") == TOKENS
    rotated = TokenSet(access_token="at-store-new-0123456", refresh_token="rt-store-new-012345")
    await store.set("acct", rotated)
    assert await store.get("acct") == rotated
    await store.delete("acct")
    assert await store.get("acct") is None
    await store.delete("acct")  # deleting twice is fine


async def test_memory_store_roundtrip():
    await roundtrip(MemoryTokenStore())


async def test_keyring_store_uses_the_registered_keyring(memory_keyring):
    store = KeyringTokenStore()
    await roundtrip(store)
    await store.set("acct", TOKENS)
    # one keyring entry per account, holding the token set as JSON
    assert list(memory_keyring.passwords) == [("ss-tui", "acct")]


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
async def test_missing_keyring_backend_names_both_fixes(backend):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(NoKeyringBackend) as err:
            await KeyringTokenStore().set("acct", TOKENS)
        with pytest.raises(NoKeyringBackend):
            token_store_from_settings(Settings(token_store="keyring"))
    finally:
        keyring.set_keyring(previous)
    message = str(err.value)
    assert "keyring backend" in message
    assert "SS_TUI_TOKEN_STORE=database" in message and "SS_TUI_TOKEN_KEY" in message


async def test_database_store_encrypts_tokens(db_engine):
    key = Fernet.generate_key().decode()
    store = DatabaseTokenStore(db_engine, key)
    await roundtrip(store)
    await store.set("acct", TOKENS)
    async with db_engine.connect() as conn:
        rows = (await conn.execute(text("SELECT account_key, ciphertext FROM ss_tokens"))).all()
    assert [r[0] for r in rows] == ["acct"]
    assert "at-store" not in rows[0][1] and "rt-store" not in rows[0][1]
    # another worker with the same key reads it; a wrong key gets a clear error
    assert await DatabaseTokenStore(db_engine, key).get("acct") == TOKENS
    with pytest.raises(TokenKeyError, match="cannot be decrypted"):
        await DatabaseTokenStore(db_engine, Fernet.generate_key()).get("acct")


async def test_settings_pick_the_store(db_engine, monkeypatch):
    assert isinstance(token_store_from_settings(Settings(token_store="memory")), MemoryTokenStore)
    with pytest.raises(TokenKeyError, match="SS_TUI_TOKEN_KEY"):
        token_store_from_settings(Settings(token_store="database"), db_engine)
    monkeypatch.setenv("SS_TUI_TOKEN_STORE", "database")
    monkeypatch.setenv("SS_TUI_TOKEN_KEY", Fernet.generate_key().decode())
    store = token_store_from_settings(Settings(), db_engine)
    assert isinstance(store, DatabaseTokenStore)
    await store.set("acct", TOKENS)
    assert await store.get("acct") == TOKENS
    with pytest.raises(TokenKeyError, match="not a valid Fernet key"):
        DatabaseTokenStore(db_engine, "not-a-key")


def test_token_set_json_roundtrip_and_expiry():
    assert TokenSet.from_json(TOKENS.to_json()) == TOKENS
    assert TOKENS.expires_within(60, now=datetime(2031, 5, 1, 11, 59, 30, tzinfo=UTC))
    assert not TOKENS.expires_within(60, now=datetime(2031, 5, 1, 11, 58, tzinfo=UTC))
    assert not TokenSet(access_token="personal-0123456789").expires_within(10**9)
