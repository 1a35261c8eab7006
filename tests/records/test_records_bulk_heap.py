"""Creating many records pauses the cyclic garbage collector with the heap frozen
(``records.bulk.heap_frozen``) and puts both back after, even when the block fails.

The suite freezes the heap at start-up, where the block leaves it alone: these tests
unfreeze it first, so the block does the pausing, and freeze it again after them."""

from __future__ import annotations

import gc

import pytest

from formflow.records.bulk import heap_frozen


@pytest.fixture
def unfrozen_heap():
    """An unfrozen heap with the collector running; the heap frozen again and the
    collector as it was after the test."""
    frozen, enabled = gc.get_freeze_count() > 0, gc.isenabled()
    gc.unfreeze()
    gc.enable()
    yield
    if frozen:
        gc.freeze()
    if not enabled:
        gc.disable()


def test_the_collector_is_paused_and_the_heap_frozen_inside_the_block(unfrozen_heap):
    with heap_frozen():
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_failing_block_still_restarts_the_collector_and_unfreezes_the_heap(unfrozen_heap):
    with pytest.raises(RuntimeError, match="the save failed"), heap_frozen():
        assert not gc.isenabled()
        raise RuntimeError("the save failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_nested_block_leaves_the_pause_to_the_outer_one(unfrozen_heap):
    with heap_frozen():
        with heap_frozen():
            assert not gc.isenabled()
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_stopped_before_the_block_stays_stopped(unfrozen_heap):
    gc.disable()
    with heap_frozen():
        assert gc.get_freeze_count() > 0
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
