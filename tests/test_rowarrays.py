"""``row_array``: the rows a view holds, as Arrow, equal whatever they came as."""

from __future__ import annotations

from array import array

import pytest

from trailtui.engine.rowarrays import row_array


@pytest.mark.parametrize("rows", [
    array("I", [5, 1, 1, 4_000_000_000]), range(3, 40, 3), range(40, 3, -7), range(100_000), [7, 0, 2],
    array("I"), range(0),
])
def test_row_array_holds_the_rows_in_their_order(rows) -> None:
    got = row_array(rows)
    assert str(got.type) == "uint32" and got.to_pylist() == list(rows)


def test_an_array_is_wrapped_not_copied() -> None:
    rows = array("I", range(10))
    got = row_array(rows)
    rows[3] = 99  # the Arrow array reads the same buffer
    assert got.to_pylist()[3] == 99
