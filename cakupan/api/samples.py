"""The sample world: a simulated registration of Kota Tangerang with known faults.

:func:`make_world` builds it in memory (no download), :func:`write_world` writes its input
files and ground truth; the examples and notebooks run on it.
"""

from __future__ import annotations

from pathlib import Path

from cakupan.api._options import PathType
from cakupan.sample import world as sample_world


def make_world(size: str = "city", seed: int = 2022) -> sample_world.World:
    """Simulate a registration of Kota Tangerang with known faults (the sample world).

    Built on the real kelurahan boundaries shipped with cakupan; no download.

    Parameters
    ----------
    size : {"city", "small", "tiny"}
        How many kelurahan to simulate: all 104, 12 or 3 (the first ones by code).
    seed : int
        The same size and seed give the same world.

    Returns
    -------
    cakupan.sample.World
        Input frames (``kelurahan``, ``units``, ``prelist``, ``interviews``, ``population``,
        ``buildings``) and the ground truth (``truth_rt``, ``truth_interviews``,
        ``households``).

    Examples
    --------
    The smallest world, three kelurahan:

    >>> import cakupan
    >>> world = cakupan.make_world("tiny")
    >>> len(world.kelurahan)
    3
    >>> sorted(set(world.truth_rt["fault"]) - {""})  # faults injected in RTs
    ['few_missed', 'new_block', 'partly_skipped', 'skipped']
    """
    return sample_world.make_world(size, seed)


def write_world(world: sample_world.World, folder: PathType, shape: str = "canonical"
                ) -> dict[str, Path]:
    """Write a sample world's input files and ground truth under ``folder``.

    Parameters
    ----------
    world : cakupan.sample.World
        From :func:`make_world`.
    folder : str or path-like
        Created if missing; ``input/`` gets what a BPS office would have, ``truth/`` what
        only the generator knows.
    shape : {"canonical", "bps"}
        ``"bps"``: the units, prelist and interviews are (also) written as BPS keeps them,
        under ``input/bps/`` (an SLS layer with ``kdprov`` .. ``kdsls``, ``idsls`` and
        ``nmsls``; a SIPW master export; interviews with ``idsubsls`` only), and their
        paths are returned.

    Returns
    -------
    dict of str to pathlib.Path
        Paths by name: ``boundaries``, ``interviews``, ``units``, ``prelist``,
        ``population``, ``buildings`` (the keyword arguments of :func:`read_inputs`) and
        ``truth_rt``, ``truth_interviews``, ``truth_households``.

    Examples
    --------
    Its files, written under a temporary folder:

    >>> import tempfile
    >>> import cakupan
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = cakupan.write_world(cakupan.make_world("tiny"), tmp.name)
    >>> paths["interviews"].relative_to(tmp.name).as_posix()
    'input/interviews.csv'
    >>> all(path.is_file() for path in paths.values())
    True
    >>> tmp.cleanup()
    """
    return sample_world.write_world(world, folder, shape)
