"""The planner's compact forms read the same as the eager ones they replaced
(bench/README.md, "plan7 round"): a created row's field diffs derived from the row, child ids
and their text composed from the parent's text, the ISRC check past its pattern."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st
from stdnum import isrc
from stdnum.exceptions import ValidationError

from ss_tui.engine import planfile
from ss_tui.engine.plan import _created_fields
from ss_tui.engine.plan_types import Action, CreatedFields, EntityChange, EntityKind, FieldDiff
from ss_tui.engine.rows import ChildIds, child_id, stable_id, uuid_of_int
from ss_tui.identifiers import _ISRC_RE, _strip, clean_isrc

values = st.one_of(
    st.none(), st.text(max_size=5), st.integers(), st.booleans(), st.floats(allow_nan=False),
    st.uuids(), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
rows = st.dictionaries(st.sampled_from(["id", "title", "isrc", "position", "metadata", "x"]),
                       values)


@given(row=rows)
def test_created_fields_read_as_the_eager_list(row):
    eager = _created_fields(row)
    lazy = CreatedFields(row)
    assert list(lazy) == eager
    assert lazy == eager and eager == lazy
    assert len(lazy) == len(eager) and bool(lazy) == bool(eager)
    assert [lazy[i] for i in range(len(lazy))] == eager and lazy[:] == eager
    assert repr(lazy) == repr(eager)


@given(row=rows)
def test_a_plan_file_holds_the_same_diffs_either_way(row):
    row = {**row, "id": uuid.uuid4()}

    def entity(fields: list[FieldDiff] | CreatedFields) -> EntityChange:
        return EntityChange("k", EntityKind.release, Action.create, "label", None,
                            str(row["id"]), fields, row=row)

    assert planfile._entity(entity(CreatedFields(row))) == planfile._entity(
        entity(_created_fields(row))
    )


@given(parent=st.uuids(), parts=st.lists(st.one_of(st.text(), st.uuids()), max_size=4))
def test_child_ids_of_a_parent_and_their_text(parent, parts):
    made, text = ChildIds(parent).make("\x1f".join(map(str, parts)))
    expected = child_id(parent, *parts)
    assert made == expected and text == str(expected)
    # By definition: the parent's first half, stable_id's (uuid5's) second half.
    half = (1 << 64) - 1
    assert made.int == parent.int & ~half | stable_id(*parts).int & half
    assert ChildIds(parent, str(parent)).make("x") == ChildIds(parent).make("x")
    assert made.is_safe == uuid.UUID(int=made.int).is_safe and hash(made) == hash(expected)


@given(value=st.integers(min_value=0, max_value=(1 << 128) - 1))
def test_uuid_of_int_is_uuid_int(value):
    made = uuid_of_int(value)
    assert made == uuid.UUID(int=value) and repr(made) == repr(uuid.UUID(int=value))


def _stdnum_isrc(value: str | None) -> str | None:
    """clean_isrc as it was: python-stdnum's validation of every candidate."""
    if not value:
        return None
    compact = _strip(value)
    if not _ISRC_RE.match(compact):
        return None
    try:
        return isrc.validate(compact)
    except ValidationError:
        return None


@given(
    country=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    rest=st.text(alphabet="ABCZ0123456789 -.٣", min_size=8, max_size=12),
)
def test_clean_isrc_agrees_with_python_stdnum(country, rest):
    assert clean_isrc(country + rest) == _stdnum_isrc(country + rest)
    assert clean_isrc(country + "AB1" + "2400001") == _stdnum_isrc(country + "AB12400001")
