"""A few seconds of the fuzzing harness in the normal suite (``scripts/fuzz.py --minutes N`` for more),
and every seed of the corpus as it is."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.corpus import CASES
from tests.fuzz.harness import check_filter, check_load, hostile_filters, hostile_inputs

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_seed_loads_without_a_traceback(name: str) -> None:
    check_load(CASES[name])


@QUICK
@given(hostile_inputs())
def test_mutated_inputs_never_crash_the_loader(data: bytes) -> None:
    check_load(data)


@QUICK
@given(hostile_filters())
def test_hostile_filters_compile_or_fail_cleanly(text: str) -> None:
    check_filter(text)
