"""Large interview tables read in Arrow record batches, only the columns wanted.

:func:`cakupan.read.read_table` reads a whole file and turns every value into a pandas
string; at province size (millions of rows) that is most of a run's memory. The functions
here read Parquet row group by row group and CSV block by block with Arrow, keep only the
columns asked for, and cast to text in Arrow (C++), so a caller can normalise, place or
partition one batch at a time. ``source_row`` is numbered as :func:`~cakupan.read.read_table`
numbers it (Parquet: record number from 1; CSV: editor line, header = 1, valid for files
whose records are one line each, as the fast CSV path of ``read_table`` requires).

Only this package's readers touch the disk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import InputFileError

#: Rows per batch: about 100 MB of interview text at a time.
BATCH_ROWS = 1 << 20


def columns_of(path) -> list[str]:
    """Return the column names of a Parquet or CSV file without reading its rows."""
    path = Path(path)
    if _is_parquet(path):
        return [name for name in pq.read_schema(path).names if name != "geometry"]
    with pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)) as reader:
        return list(reader.schema.names)


def iter_batches(path, columns: Sequence[str] | None = None, batch_rows: int = BATCH_ROWS,
                 as_text: bool = True) -> Iterator[pd.DataFrame]:
    """Yield the rows of a Parquet or comma-separated CSV file, a batch at a time.

    Parameters
    ----------
    path : str or Path
    columns : sequence of str, optional
        Columns to read (others are never decoded); all when None.
    batch_rows : int
        Rows per batch (Parquet: at most; CSV batches follow Arrow's blocks).
    as_text : bool
        Every value as a pandas string (Arrow-backed), as ``read_table`` gives them; else
        the file's own types (numbers stay numbers).

    Yields
    ------
    DataFrame
        ``source_row`` and the columns, in file order, with a ``RangeIndex`` continuing
        across batches (so batches concatenate to one frame).
    """
    path = Path(path)
    start = 0
    first_row = 1 if _is_parquet(path) else 2
    for batch in _arrow_batches(path, columns, batch_rows):
        frame = _to_pandas(batch, as_text)
        frame.index = pd.RangeIndex(start, start + len(frame))
        frame.insert(0, "source_row", np.arange(start + first_row, start + first_row
                                                + len(frame), dtype=np.int64))
        start += len(frame)
        yield frame


def read_columns(path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Return the named numeric columns of a Parquet file as numpy arrays (the I/O floor)."""
    table = pq.read_table(path, columns=list(columns))
    return {name: table[name].to_numpy() for name in columns}


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PAR1"


def _arrow_batches(path: Path, columns, batch_rows) -> Iterator[pa.RecordBatch]:
    try:
        if _is_parquet(path):
            handle = pq.ParquetFile(path)
            yield from handle.iter_batches(batch_size=batch_rows,
                                           columns=None if columns is None else list(columns))
            return
        names = columns_of(path)
        wanted = names if columns is None else [n for n in names if n in set(columns)]
        with pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 26, encoding="utf8"),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, column_types={n: pa.string() for n in wanted},
                strings_can_be_null=False),
        ) as reader:
            yield from reader
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(f"cannot be read in batches ({error})", path=path) from None


def _to_pandas(batch: pa.RecordBatch, as_text: bool) -> pd.DataFrame:
    if as_text:
        arrays = [a if pa.types.is_string(a.type) or pa.types.is_large_string(a.type)
                  else a.cast(pa.string()) for a in batch.columns]
        batch = pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
        return batch.to_pandas(types_mapper=lambda t: pd.StringDtype()
                               if pa.types.is_string(t) or pa.types.is_large_string(t)
                               else None)
    return batch.to_pandas()
