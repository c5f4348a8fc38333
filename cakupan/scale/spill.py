"""Rows of a run by parts, waiting on disk between the steps that work on them.

Frames are spilled to Arrow stream files (:func:`spill`) and taken back, each file once
(:func:`take`). A checked part keeps only its rows of ``interviews.csv`` (:func:`spill_rows`),
in input order; :class:`Spilled` gathers the parts and gives them back in input order, a
slice at a time, as :class:`cakupan._flow.result.Rows`. Files only: nothing is computed here.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cakupan.render.write import INTERVIEW_COLUMNS

#: Rows per slice that :meth:`Spilled.select` gives back: each slice's CSV text is built
#: whole, about 0.5 GB a million rows.
SLICE_ROWS = 1 << 18


class Spilled:
    """The rows of ``interviews.csv`` of a run by parts, on disk until they are written.

    Each checked part's rows go to a file of their own, in input order; :meth:`select`
    merges the parts back into input order a slice at a time. The files live in a
    temporary folder, removed when this object is.
    """

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cakupan-rows-"))
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.files: list[Path] = []
        self.rows = 0

    @property
    def columns(self) -> list[str]:
        """The ``interviews.csv`` columns spilled."""
        if not self.files:
            return []
        with pa.OSFile(str(self.files[0])) as file:
            return [name for name in pa.ipc.open_stream(file).schema.names if name != "_row"]

    def next_path(self, number: int) -> Path:
        """Return the file the part ``number`` is spilled to."""
        return self.folder / f"rows-{number}"

    def keep(self, parts: list[tuple]) -> list:
        """Take the parts ``(tally, path, rows)`` spilled; return their tallies."""
        for _, path, rows in parts:
            self.files.append(path)
            self.rows += rows
        return [part[0] for part in parts]

    def select(self, columns: Sequence[str], rows: int | None = None
               ) -> Iterator[pd.DataFrame]:
        """Yield the spilled rows' ``columns`` in input order, a slice at a time.

        ``rows`` per slice, :data:`SLICE_ROWS` by default.
        """
        rows = rows or SLICE_ROWS
        readers = [_InOrder(path) for path in self.files]
        try:
            done = 0
            while done < self.rows:
                pieces = [reader.before(done + rows) for reader in readers]
                table = pa.concat_tables([p for p in pieces if p is not None])
                order = np.argsort(table["_row"].to_numpy(), kind="stable")
                done += len(order)
                yield table.select(list(columns)).take(pa.array(order)).to_pandas(
                    types_mapper=_text_as_string)
        finally:
            for reader in readers:
                reader.close()

    def frame(self) -> pd.DataFrame:
        """Return every spilled row, in one frame indexed by input row."""
        columns = self.columns
        slices = list(self.select(columns))
        if not slices:
            return pd.DataFrame(columns=columns)
        return pd.concat(slices, ignore_index=True)


def spill_rows(checked: pd.DataFrame, path: Path) -> int:
    """Write the ``interviews.csv`` columns of checked rows to ``path``; return how many.

    Categoricals are written as text, rows in input order (a part's rows come in runs of
    input order, one per part of the counting), which :meth:`Spilled.select` relies on.
    """
    frame = checked[[c for c in INTERVIEW_COLUMNS if c in checked]].sort_index()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("_row", pa.array(frame.index.to_numpy(), pa.int64()))
    table = pa.table({name: (pc.cast(column, column.type.value_type)
                             if pa.types.is_dictionary(column.type) else column)
                      for name, column in zip(table.column_names, table.columns, strict=True)})
    with pa.ipc.new_stream(path, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 16)
    return len(frame)


def _text_as_string(type_):
    return pd.StringDtype("pyarrow") if pa.types.is_string(type_) else None


class _InOrder:
    """Reads a spilled part (rows in input order) up to a given input row at a time."""

    def __init__(self, path: Path):
        self._file = pa.OSFile(str(path))
        self._batches = iter(pa.ipc.open_stream(self._file))
        self._held = []

    def close(self) -> None:
        self._file.close()

    def before(self, end: int) -> pa.Table | None:
        """Return the part's next rows whose input row is below ``end`` (None for none)."""
        taken = []
        while True:
            if not self._held:
                batch = next(self._batches, None)
                if batch is None:
                    break
                self._held = [batch]
            batch = self._held[0]
            rows = batch.column("_row").to_numpy()
            cut = int(np.searchsorted(rows, end))
            taken.append(batch.slice(0, cut))
            if cut < len(rows):
                self._held = [batch.slice(cut)]
                break
            self._held = []
        taken = [b for b in taken if b.num_rows]
        return pa.Table.from_batches(taken) if taken else None


def spill(frame: pd.DataFrame, path: Path) -> pa.Table:
    """Write ``frame`` (with its index) to an Arrow stream file at ``path``; return it."""
    frame = frame.copy(deep=False)
    frame.attrs = {}  # per-run notes (the crosswalk), not rows
    table = pa.Table.from_pandas(frame, preserve_index=True)
    with pa.ipc.new_stream(path, table.schema) as writer:
        writer.write_table(table)
    return table


def take(paths: list[Path]) -> pd.DataFrame:
    """Return the rows spilled to ``paths``, one after another, and delete the files."""
    return take_table(paths).to_pandas()


def take_table(paths: list[Path]) -> pa.Table:
    """:func:`take`, as an Arrow table."""
    tables = []
    for path in paths:
        # read, not memory-mapped: mapped pages would count against the run's memory until
        # the file is closed
        with pa.OSFile(str(path)) as file:
            tables.append(pa.ipc.open_stream(file).read_all())
        path.unlink()
    schema = tables[0].schema  # a column all empty in one file has another type
    return pa.concat_tables([t if t.schema.equals(schema) else t.cast(schema) for t in tables])
