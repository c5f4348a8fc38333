"""Errors cakupan raises on purpose.

Every error a user can cause derives from :class:`CakupanError`. Input errors carry the file,
row and column as fields, so the command line prints one line without parsing message text.
"""

from __future__ import annotations


class CakupanError(Exception):
    """Base class of every error cakupan raises on purpose."""


class InputError(CakupanError, ValueError):
    """An input file cannot be used as it is.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, what to do about it.
    path : str, optional
        The file.
    row : int, optional
        1-based data row (the header is row 0), when one row is at fault.
    column : str, optional
        The column at fault.

    Examples
    --------
    >>> str(InputError("no coordinate columns", path="a.csv", column="lat"))
    'a.csv, column lat: no coordinate columns'
    """

    def __init__(self, message, path=None, row=None, column=None):
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column

    def __reduce__(self):  # raised in a worker process, it crosses back whole
        return type(self), (self.message, self.path, self.row, self.column)

    def __str__(self):
        where = [self.path] if self.path else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputFileError(InputError, OSError):
    """An input file is missing or unreadable."""


class ConfigError(InputError):
    """The TOML settings file is wrong."""


class CRSMismatchError(CakupanError, ValueError):
    """Two frames meet in different coordinate reference systems."""


class MissingDependencyError(CakupanError, ImportError):
    """An optional package is needed for this step."""
