"""Repeat groups of a survey export joined to its submissions, one row per submission kept.

ODK Central and KoboToolbox write a form's repeat groups (household members, visits) as
tables of their own, each row linked to its submission (ODK: ``PARENT_KEY`` to ``KEY``;
Kobo: ``_parent_index`` to ``_index``). Takes the submissions table and the repeat tables as
the readers read them and returns the submissions with, per repeat group, one column
``<repeat> (rows per submission)``: how many rows of that group each submission has (empty
where it has none). A repeat row is never an interview and never adds a row: four visits to a
household stay one submission. The count of a household roster (``anggota``, ``art``,
``members``, see :func:`is_roster_count`) is the household size where the submissions table
has no size column. :func:`joined` also says what was joined, every repeat row accounted for
(the manifest and ``validate`` show it). Nothing here touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cakupan.columns import simplify

#: Ends the name of a column of rows per submission; :mod:`cakupan.normalise.headers` reads it.
COUNT_SUFFIX = " (rows per submission)"

#: Words in a repeat group's name that make it a household roster (one row per member).
ROSTER_WORDS = frozenset({"anggota", "art", "member", "members", "individu", "penduduk",
                          "roster", "person", "persons", "jiwa"})


@dataclass(frozen=True, eq=False)
class Repeat:
    """One repeat group's table: its name, its rows, and the column naming each row's parent."""

    name: str
    frame: pd.DataFrame
    parent: str


@dataclass(frozen=True)
class Joined:
    """What joining the repeat groups did: rows used and rows with no submission, per group."""

    frame: pd.DataFrame
    used: dict[str, int]
    orphans: dict[str, int]


def join_repeats(main: pd.DataFrame, key: str, repeats: list[Repeat]) -> Joined:
    """Return ``main`` with one row count column per repeat group, linked by ``key``.

    Rows of a repeat group whose parent is no submission are counted in ``orphans`` and
    otherwise unused. A group already named like a column of ``main`` is skipped.
    """
    frame = main.copy()
    keys = frame[key].astype("string").str.strip()
    used, orphans = {}, {}
    for repeat in repeats:
        column = f"{repeat.name}{COUNT_SUFFIX}"
        if column in frame.columns:
            continue
        parents = repeat.frame[repeat.parent].astype("string").str.strip()
        counts = parents.value_counts()
        linked = parents.isin(keys.dropna())
        frame[column] = keys.map(counts).astype("Int64").astype("string")
        used[repeat.name] = int(linked.sum())
        orphans[repeat.name] = int((~linked).sum())
    return Joined(frame, used, orphans)


def is_roster_count(column) -> bool:
    """Return True for the row count of a repeat group that lists household members.

    Examples
    --------
    >>> is_roster_count("anggota_ruta (rows per submission)")
    True
    >>> is_roster_count("kunjungan (rows per submission)")
    False
    """
    name = str(column)
    if not name.endswith(COUNT_SUFFIX):
        return False
    words = set(simplify(name[: -len(COUNT_SUFFIX)]).split("_"))
    return bool(words & ROSTER_WORDS)


def repeat_name(stem: str, form: str) -> str:
    """Return a repeat group's name from its table's name, without the form's.

    ODK Central numbers groups that share a name (``~1``, ``~2``); the number is kept, so
    each group keeps a name of its own.

    Examples
    --------
    >>> repeat_name("rumah_tangga-anggota~2", "rumah_tangga")
    'anggota~2'
    """
    return stem[len(form) + 1:] if stem.startswith(form + "-") else stem


def joined(frame: pd.DataFrame, key: str, repeats: list[Repeat], table: str,
           nested: list[Repeat]) -> tuple[pd.DataFrame, dict]:
    """Return the submissions with their repeat groups' row counts, and what was joined.

    The second value is ``{"table": table, "repeat_groups": {name: {"rows", "joined",
    "without_submission"}}}``: every row of every group accounted for. Groups inside a repeat
    group (``nested``) are accounted for (``inside_a_repeat_group``), not joined.
    """
    done = join_repeats(frame, key, repeats)
    groups = {r.name: {"rows": len(r.frame), "joined": done.used[r.name],
                       "without_submission": done.orphans[r.name]}
              for r in repeats if r.name in done.used}
    for r in nested:
        groups[r.name] = {"rows": len(r.frame), "joined": 0, "without_submission": 0,
                          "inside_a_repeat_group": len(r.frame)}
    return done.frame, {"table": table, "repeat_groups": groups}
