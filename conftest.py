"""Doctest set-up: the sample world the API's examples build, made once per test session.

Many examples in ``cakupan/api/`` begin with
``paths = cakupan.write_world(cakupan.make_world("tiny"), folder)`` so that each reads as a
whole program a user can copy. Building and writing that world takes about a second, once per
example. While the doctests under ``cakupan/`` run, :func:`cakupan.make_world` hands out a copy
of one world per size and seed, and :func:`cakupan.write_world` copies the files written for it
the first time. The examples run unchanged; the package itself caches nothing, and the tests
under ``tests/`` always get the real functions.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

import cakupan

PACKAGE = Path(__file__).resolve().parent / "cakupan"


class SampleWorlds:
    """The worlds made and the folders written so far, for this test session."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.make = cakupan.make_world
        self.write = cakupan.write_world
        self.worlds = {}  # (size, seed) -> the world as first made
        self.handed_out = {}  # id of a copy handed out -> (copy, its key)
        self.written = {}  # (size, seed) -> (folder, paths) of its first writing

    def make_world(self, size="city", seed=2022):
        """Return a copy of the world of this size and seed, made once."""
        key = (size, seed)
        if key not in self.worlds:
            self.worlds[key] = self.make(size, seed)
        world = copy.deepcopy(self.worlds[key])  # an example may change what it is given
        self.handed_out[id(world)] = (world, key)
        return world

    def write_world(self, world, folder):
        """Write ``world`` under ``folder``: a copy of the first writing for a handed-out world."""
        key = self.handed_out.get(id(world), (None, None))[1]
        if key is None:
            return self.write(world, folder)
        if key not in self.written:
            first = self.folder / "_".join(map(str, key))
            self.written[key] = first, self.write(world, first)
        first, paths = self.written[key]
        shutil.copytree(first, folder, dirs_exist_ok=True)
        return {name: Path(folder) / path.relative_to(first) for name, path in paths.items()}


@pytest.fixture(scope="session")
def _sample_worlds(tmp_path_factory):
    return SampleWorlds(tmp_path_factory.mktemp("doctest_worlds"))


@pytest.fixture(autouse=True)
def _shared_sample_world(request):
    """In the package's doctests, make and write each sample world once."""
    if not request.node.path.is_relative_to(PACKAGE):
        yield
        return
    worlds = request.getfixturevalue("_sample_worlds")
    names = {"make_world": worlds.make_world, "write_world": worlds.write_world}
    # set as module globals, so cakupan's lazy __getattr__ is not asked; removed after
    vars(cakupan).update(names)
    try:
        yield
    finally:
        for name in names:
            vars(cakupan).pop(name, None)
