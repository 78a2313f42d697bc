"""Row ids are derived, not random: a database imported before must get the same ids when
planned again, so the fast way ``child_id`` computes them must keep its definition."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ss_tui.engine.rows import child_id, stable_id

parts = st.lists(st.one_of(st.text(), st.integers(), st.uuids()), max_size=5)


@given(parent=st.uuids(), parts=parts)
def test_child_id_is_the_parent_prefix_and_the_stable_id_suffix(parent, parts):
    expected = uuid.UUID(bytes=parent.bytes[:8] + stable_id(*parts).bytes[8:])
    assert child_id(parent, *parts) == expected
    assert child_id(str(parent), *parts) == expected


def test_a_known_id_does_not_move():
    release = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert child_id(release, "recording", release, "t1") == uuid.UUID(
        bytes=release.bytes[:8] + uuid.uuid5(uuid.UUID("6f1c2f3e-8d6b-4a51-9a0e-5e55105e0001"),
                                             f"recording\x1f{release}\x1ft1").bytes[8:]
    )
