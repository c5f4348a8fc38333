"""Large interview tables read in Arrow record batches, only the columns wanted.

:func:`cakupan.read.read_table` reads a whole file and turns every value into a pandas
string; at province size (millions of rows) that is most of a run's memory. The functions
here read Parquet and CSV with Arrow a batch of rows at a time, keep only the columns asked
for, and give them as ``read_table`` does (text, cast in Arrow where that gives the same
text), so a caller can normalise, place or partition one batch at a time. Columns asked for
as ``numbers`` keep a Parquet file's numbers and times, so they need not be printed and
parsed back. ``source_row`` is numbered as ``read_table`` numbers it (Parquet: record number
from 1; CSV: editor line, header = 1).

A CSV is read this way only where ``read_table``'s own fast path would read it: one record
per line, every row as wide as the header (:class:`WholeFileNeeded` says otherwise, found
while reading); rows that are blank everywhere are dropped, as ``read_table`` drops them.

Only this package's readers touch the disk.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cakupan.errors import InputError, InputFileError
from cakupan.read.tables import PROBLEM, blank_in, csv_layout, one_record_per_line, table_kind

#: Rows per batch: about 50 MB of interview text at a time (read when the batches start, so
#: tests can make it small).
BATCH_ROWS = 1 << 19

#: Bytes of CSV text Arrow parses at a time; batches are cut from these blocks.
CSV_BLOCK_BYTES = 1 << 26


class WholeFileNeeded(Exception):
    """Batches would not give what :func:`cakupan.read.read_table` gives: read the file whole.

    Raised for a CSV whose records are not one per line or whose rows are ragged, once it is
    read that far, and for Parquet times wanted as text (pandas prints all the times of a
    column alike, so one batch alone cannot be printed as the whole file is).
    """


def columns_of(path) -> list[str]:
    """Return the column names of a Parquet or CSV file, as ``read_table`` names them."""
    path = Path(path)
    if _is_parquet(path):
        return [name for name in pq.read_schema(path).names if name != "geometry"]
    return csv_layout(path)[0]


def batch_columns(path) -> list[str] | None:
    """Return the file's column names when :func:`iter_batches` reads it as ``read_table`` does.

    That is Parquet that is not a point layer (GeoParquet), has rows, and stores no pandas
    index; and CSV in UTF-8 (any delimiter, no title rows above the header), which may still
    turn out irregular while read (:class:`WholeFileNeeded`). Return None for every other
    file, and for a file ``read_table`` cannot read either: ``read_table`` then reads it, or
    says what is wrong.
    """
    path = Path(path)
    try:
        kind = table_kind(path)
        if kind == "csv":
            layout = csv_layout(path)
            return layout.names if layout.encoding == "utf-8-sig" and not layout.title_rows \
                else None
        if kind == "parquet" and _plain_parquet(path):
            return columns_of(path)
    except InputError:
        pass
    return None


def iter_batches(path, columns: Collection[str] | None = None, batch_rows: int | None = None,
                 as_text: bool = True, numbers: Collection[str] = (),
                 row_group: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield the rows of a Parquet or CSV file, a batch at a time.

    Parameters
    ----------
    path : str or Path
    columns : collection of str, optional
        Columns to read (others are never decoded); all when None.
    batch_rows : int, optional
        Rows per batch at most; :data:`BATCH_ROWS` when None.
    as_text : bool
        Values as ``read_table`` gives them (pandas strings); else the file's own types
        (numbers stay numbers, Parquet only).
    numbers : collection of str
        With ``as_text``, columns whose Parquet numbers and times keep their type, as
        ``pandas.read_parquet`` gives them; text columns stay text.
    row_group : int, optional
        Parquet only: the rows of this row group alone (:func:`row_groups`), numbered as
        in the whole file.

    Yields
    ------
    DataFrame
        ``source_row`` and the columns, in file order, with a ``RangeIndex`` continuing
        across batches (so batches concatenate to one frame).

    Raises
    ------
    WholeFileNeeded
        When ``read_table`` must read the file (see the class).
    """
    path = Path(path)
    if _is_parquet(path):
        frames = _parquet_frames(path, columns, batch_rows, as_text, numbers, row_group)
    else:
        frames = _csv_frames(path, columns, batch_rows)
    for frame in frames:
        # Arrow's allocator keeps what the last batch freed (its values, the caller's
        # temporaries) for reuse; handing it back keeps a large file's peak near its results
        pa.default_memory_pool().release_unused()
        yield frame


def count_rows(path) -> int:
    """Return about how many rows a table file holds, without reading it.

    Parquet: the count in its footer. Other files: their lines (a quoted line break counts
    as a row; Excel and other binary files count their bytes / 100). For choosing how to
    read a file, not for accounting.
    """
    path = Path(path)
    if not path.is_file():
        return 0  # the reader says what is wrong
    if _is_parquet(path):
        try:
            return pq.read_metadata(path).num_rows
        except Exception:  # a damaged footer: the reader says what is wrong
            return 0
    lines = 0
    with open(path, "rb") as handle:
        head = handle.read(8)
        if head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):  # xlsx, xls
            return path.stat().st_size // 100
        handle.seek(0)
        for block in iter(lambda: handle.read(1 << 24), b""):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


def read_columns(path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Return the named numeric columns of a Parquet file as numpy arrays (the I/O floor)."""
    table = pq.read_table(path, columns=list(columns))
    return {name: table[name].to_numpy() for name in columns}


def row_groups(path) -> int:
    """Return how many row groups a Parquet file has, each readable on its own; 0 if not Parquet."""
    path = Path(path)
    if not _is_parquet(path):
        return 0
    return pq.ParquetFile(path).metadata.num_row_groups


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PAR1"


def _plain_parquet(path: Path) -> bool:
    """Return True for Parquet that ``read_table`` reads as a table with a ``RangeIndex``."""
    try:
        schema = pq.read_schema(path)
        rows = pq.read_metadata(path).num_rows
    except Exception:  # pyarrow raises many kinds for a damaged file: read_table says which
        return False
    if b"geo" in (schema.metadata or {}) or rows == 0 or len(set(schema.names)) < len(
            schema.names):
        return False
    pandas = schema.pandas_metadata or {}
    # an index pandas stored as a column comes back as the frame's index; names that are
    # not the columns' own (numbers, tuples) come back as they were
    return all(isinstance(index, dict) for index in pandas.get("index_columns", ())) and all(
        column["name"] == column["field_name"] for column in pandas.get("columns", ()))


def _numbered(frame: pd.DataFrame, start: int, first_row: int) -> pd.DataFrame:
    frame.index = pd.RangeIndex(start, start + len(frame))
    frame.insert(0, "source_row", np.arange(start + first_row, start + first_row + len(frame),
                                            dtype=np.int64))
    return frame


def _parquet_frames(path, columns, batch_rows, as_text, numbers, row_group=None
                    ) -> Iterator[pd.DataFrame]:
    try:
        names = [name for name in columns_of(path) if columns is None or name in columns]
        # pages are read as they are decoded, not a whole row group at a time
        handle = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
        floats = _floats_in_pandas(handle, names, numbers) if as_text else set()
        groups = None if row_group is None else [row_group]
        start = sum(handle.metadata.row_group(g).num_rows for g in range(row_group or 0))
        for batch in handle.iter_batches(batch_size=batch_rows or BATCH_ROWS, columns=names,
                                         row_groups=groups):
            frame = _to_pandas(batch, numbers, floats) if as_text else batch.to_pandas()
            yield _numbered(frame, start, 1)
            start += len(frame)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(f"is not a readable Parquet file ({error})", path=path) from None


def _floats_in_pandas(handle: pq.ParquetFile, names, numbers) -> set[str]:
    """Return the whole-number columns that pandas reads as floats (so prints ``4.0``).

    pandas reads a column of whole numbers with a gap anywhere in the file as floats
    (unless the file's pandas metadata makes it a nullable integer), so ``read_table``
    prints ``4.0`` even in rows far from the gap; the batches must print it so too. Times
    that pandas would print are raised as :class:`WholeFileNeeded`.
    """
    schema = handle.schema_arrow
    floats = set()
    for name in set(names) - set(numbers):
        field = schema.field(name)
        if pa.types.is_timestamp(field.type) or pa.types.is_duration(field.type):
            raise WholeFileNeeded(f"times in column {name!r}, read as text")
        if not pa.types.is_integer(field.type):
            continue
        gap = pa.RecordBatch.from_arrays([pa.nulls(1, field.type)],
                                         schema=pa.schema([field], metadata=schema.metadata))
        if (gap.to_pandas()[name].dtype == np.float64
                and handle.read(columns=[name]).column(0).null_count):
            floats.add(name)
    return floats


def _csv_frames(path, columns, batch_rows) -> Iterator[pd.DataFrame]:
    """Yield the CSV's batches as ``read_table``'s fast path reads them (see the module)."""
    names, delimiter, encoding, _ = csv_layout(path)
    wanted = [name for name in names if columns is None or name in columns]
    looked_at = [name for name in names if name not in ("source_row", PROBLEM)]
    rows = batch_rows or BATCH_ROWS
    start = kept = 0
    # every column is parsed, so that rows blank everywhere are found as read_table finds them
    options = (pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES,
                                 encoding="utf8" if encoding == "utf-8-sig" else encoding),
               pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
               pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                    strings_can_be_null=False))
    try:
        with pacsv.open_csv(path, *options) as reader:
            for block in reader:
                for offset in range(0, block.num_rows, rows):
                    if "source_row" in names:  # the number would replace a column of the file
                        raise ValueError("cannot insert source_row, already exists")
                    batch = block.slice(offset, rows)
                    keep = np.flatnonzero(~blank_in((batch[name] for name in looked_at),
                                                    batch.num_rows))
                    source_row = start + 2 + keep
                    start += batch.num_rows
                    if len(keep):
                        batch = batch.select(wanted)
                        frame = _to_pandas(batch if len(keep) == batch.num_rows
                                           else batch.take(keep))
                        frame.index = pd.RangeIndex(kept, kept + len(frame))
                        frame.insert(0, "source_row", source_row)
                        kept += len(frame)
                        yield frame
    except pa.ArrowInvalid as error:  # ragged rows, or bytes that are not UTF-8
        raise WholeFileNeeded(str(error)) from None
    except OSError as error:
        raise InputFileError(f"cannot be read in batches ({error})", path=path) from None
    if not one_record_per_line(path, start + 1):
        raise WholeFileNeeded("blank lines, values over several lines or stray carriage "
                              "returns")
    if kept == 0:
        raise InputError("has a header but no rows", path=path)


def _is_string(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _to_pandas(batch: pa.RecordBatch, numbers: Collection[str] = (),
               floats: Collection[str] = ()) -> pd.DataFrame:
    """Return the batch's columns as ``read_table`` gives them, but ``numbers`` as numbers.

    Strings, and whole numbers not in ``floats``, become text in Arrow (the digits pandas
    would write); ``floats`` are printed as floats; other values go through pandas as
    ``pandas.read_parquet`` gives them (the file's pandas metadata applied), then become text
    as ``read_table`` makes them (``1.0``, ``True``), unless their column is in ``numbers``.
    """
    names = batch.schema.names
    text, printed, other = {}, {}, []
    for name, array in zip(names, batch.columns, strict=True):
        if _is_string(array.type):
            text[name] = array
        elif name in floats:
            printed[name] = array.cast(pa.float64(), safe=False).to_pandas().astype("string")
        elif name not in numbers and pa.types.is_integer(array.type):
            text[name] = array.cast(pa.string())
        else:
            other.append(name)
    frame = pa.RecordBatch.from_pydict(text).to_pandas(
        types_mapper=lambda kind: pd.StringDtype() if _is_string(kind) else None
    ) if text else pd.DataFrame(index=pd.RangeIndex(batch.num_rows))
    for name, values in printed.items():
        frame[name] = values
    if other:
        typed = batch.select(other).to_pandas()
        for name in other:
            frame[name] = typed[name] if name in numbers else typed[name].astype("string")
    return frame[names]
