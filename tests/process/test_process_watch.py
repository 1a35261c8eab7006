"""What an action remembers of its own saves: the record it reports is read again unless
its last save is known to have left the row at that version."""

from __future__ import annotations

from types import SimpleNamespace

from formflow.process import watch


def test_a_save_told_out_of_order_or_a_delete_leaves_the_version_to_be_read_again():
    conn = SimpleNamespace(info={})
    record = {"id": 7, "_version": 2}
    with watch.watching(conn) as seen:
        watch.saved(conn, "desk.ticket", 7, 3)  # a save in the hooks of the save to 2
        watch.saved(conn, "desk.ticket", 7, 2)
        assert not seen.holds("desk.ticket", record)
        assert seen.holds("desk.ticket", {"id": 7, "_version": 3})
        watch.saved(conn, "desk.ticket", 8, 1)
        watch.saved(conn, "desk.ticket", 8, None)  # deleted
        watch.saved(conn, "desk.ticket", 8, 2)
        assert not seen.holds("desk.ticket", {"id": 8, "_version": 2})
        assert not seen.holds("desk.other", record)
    assert conn.info == {}
    watch.saved(conn, "desk.ticket", 7, 4)  # outside an action: nothing kept
    assert conn.info == {}
