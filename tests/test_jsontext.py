"""JSON columns written through orjson: text the standard library (and so earlier versions
of ss-tui) reads back to the same value, and the same refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ss_tui import jsontext

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(_json)
def test_writes_what_the_standard_library_reads_back(value):
    assert json.loads(jsontext.dumps(value)) == value


def test_refuses_to_write_what_the_standard_library_refused():
    with pytest.raises(TypeError):
        jsontext.dumps({"at": datetime(2024, 1, 2, tzinfo=UTC)})
    assert json.loads(jsontext.dumps({"big": -(2**70)})) == {"big": -(2**70)}
    assert json.loads(jsontext.dumps({1: "int key"})) == {"1": "int key"}
