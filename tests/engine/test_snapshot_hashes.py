"""The snapshot hash stays the hash of the standard library's canonical text: databases hold
these hashes, and a changed one makes every stored project look changed upstream. (orjson
writes that text 6 times faster but differs for non-ASCII, small floats, NaN; proving its text
equal cost more than it saved: bench/README.md, "decode7 round".)"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import uuid
from datetime import date
from enum import Enum

from hypothesis import given, settings
from hypothesis import strategies as st

from ss_tui.engine.transform import payload_hash, project_hashes


def reference_hash(payload: object) -> str:
    """The hash as every earlier version stored it."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# Everything the standard library can write: non-ASCII and control characters, NaN and
# infinities, floats of every size, ints beyond 64 bits, tuples.
_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text()
    | st.text(alphabet=st.characters(max_codepoint=0x7F))
)
_json = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=500)
@given(_json)
def test_payload_hash_is_the_standard_librarys(payload):
    assert payload_hash(payload) == reference_hash(payload)


@settings(max_examples=300)
@given(
    st.dictionaries(st.text(max_size=8), _json, max_size=5),
    st.lists(_json | st.dictionaries(st.text(max_size=8), _json, max_size=5), max_size=4),
)
def test_project_hashes_are_the_standard_librarys(shell, tracks):
    payload = {**shell, "tracks": tracks}
    project, per_track = project_hashes(payload)
    assert project == reference_hash(payload)
    assert per_track == [reference_hash(t) if isinstance(t, dict) else None for t in tracks]


def test_floats_of_every_magnitude_hash_as_before():
    """Float text (``1e-05``, not ``0.00001``): a deterministic sweep over every exponent
    and random bit patterns."""
    rng = random.Random(7)
    values = [rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30) for _ in range(20_000)]
    for _ in range(20_000):
        values.append(struct.unpack("d", rng.getrandbits(64).to_bytes(8, "little"))[0])
        values.append(round(rng.uniform(-1, 1) * 10 ** rng.randint(-8, 3), rng.randint(0, 9)))
    for i in range(0, len(values), 50):
        chunk = values[i : i + 50]
        assert payload_hash({"v": chunk}) == reference_hash({"v": chunk}), chunk
        for v in chunk[:5]:
            assert payload_hash(v) == reference_hash(v), v


class Colour(Enum):
    red = 1


def test_values_that_are_no_json_hash_as_before():
    """``default=str`` decided how these were written: they still are."""
    payload = {"id": uuid.UUID(int=5), "colour": Colour.red, "when": date(2024, 1, 2)}
    assert payload_hash(payload) == reference_hash(payload)
    assert payload_hash({"t": (1, "a")}) == reference_hash({"t": (1, "a")})


def test_stored_hashes_of_known_payloads():
    """Hashes written by the earlier code for two payloads, pinned."""
    accented = {
        "id": "prj_1",
        "title": "Café — Live",
        "bpm": 121.5,
        "share": 1e-05,
        "tiny": 2.5e-09,
        "n": None,
        "ok": True,
        "tracks": [
            {
                "id": "t1",
                "isrc": "USAB12400001",
                "durationMs": 215000,
                "splits": [{"collaboratorId": "c", "share": 0.5}],
            }
        ],
    }
    plain = {"id": "prj_2", "title": "Plain", "bpm": 120.0, "tracks": [{"id": "t2", "title": "A"}]}
    assert project_hashes(accented) == (
        "d0f38d8b990728605fde1c93ce38b96db8ed95079d08fdb540abebdffe63e8f8",
        ["7ad792bc9398cf8e33bab1fb40b6017752a4173a494e3d819408b34696ae6e66"],
    )
    assert project_hashes(plain) == (
        "f51bc93f6971f33a0b37bc8e3601ebac815c8fc21b08da61a787822daee34403",
        ["37e86ddbdedfa2804510068a8a950dc2b6fdbecc8a6db35ae09a72d5756a94b1"],
    )
