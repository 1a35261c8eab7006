"""Background imports stream their file: the worker copies it out of the database a
piece at a time and reads its rows chunk by chunk, so neither the file nor its rows are
ever held whole."""

from __future__ import annotations

import io

import pytest

from formflow.io import import_worker
from formflow.io.reading import ReadLimits, stream_sheet
from support.io_support import DEPOT, ITEM, csv_bytes, xlsx_bytes

LIMITS = ReadLimits(rows=100_000, cells=1_000_000)


@pytest.fixture
def app(make_app):
    return make_app([DEPOT], IMPORT_BACKGROUND_ROWS=5)


def item_rows(count: int) -> list[list]:
    return [["name", "sku", "qty"], *([f"Item {n}", f"S{n}", n] for n in range(1, count + 1))]


def test_a_csv_file_is_read_a_chunk_at_a_time(tmp_path):
    path = tmp_path / "items.csv"
    path.write_bytes(csv_bytes(item_rows(20_000)))
    size = path.stat().st_size
    with path.open("rb") as handle:
        header, header_row, chunks = stream_sheet(handle, LIMITS, 100)
        first = next(chunks)
        read_so_far = handle.tell()
        rest = sum(len(chunk) for chunk in chunks)
    assert (header, header_row) == (["name", "sku", "qty"], 1)
    assert [number for number, _ in first] == list(range(2, 102))
    assert read_so_far < size / 10  # the first chunk did not read the file
    assert rest == 20_000 - 100


def test_a_csv_in_gb18030_is_streamed_too():
    data = "名称,编号\n螺丝,S1\n".encode("gb18030")
    header, _, chunks = stream_sheet(io.BytesIO(data), LIMITS, 10)
    assert (header, list(chunks)) == (["名称", "编号"], [[(2, ["螺丝", "S1"])]])


def test_an_xlsx_file_is_read_in_chunks_from_an_open_file():
    data = xlsx_bytes(item_rows(250))
    _, _, chunks = stream_sheet(io.BytesIO(data), LIMITS, 100)
    assert [len(chunk) for chunk in chunks] == [100, 100, 50]


def test_the_worker_streams_the_jobs_file_from_the_database(runtime, admin, monkeypatch):
    monkeypatch.setattr(import_worker, "PIECE", 4096)  # the file comes out in 4 kB pieces
    runtime.import_worker.chunk = 50
    seen = []

    def watched(source, limits, chunk):
        size = source.seek(0, io.SEEK_END)
        header, header_row, chunks = stream_sheet(source, limits, chunk)

        def watching():
            for rows in chunks:
                seen.append((len(rows), source.tell(), size))
                yield rows

        return header, header_row, watching()

    monkeypatch.setattr(import_worker, "stream_sheet", watched)
    data = csv_bytes(item_rows(1_000))
    runtime.import_jobs.submit(admin, ITEM, data, mode="chunks")
    assert runtime.import_worker.run_due() == 1
    assert runtime.records.list(admin, ITEM, {}).total == 1_000
    assert [rows for rows, _, _ in seen] == [50] * 20
    assert all(size == len(data) for _, _, size in seen)  # the whole file, spooled
    positions = [position for _, position, _ in seen]
    assert positions[0] < len(data) / 2 and positions == sorted(positions)
