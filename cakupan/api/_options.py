"""Options the public functions share: settings, input paths, audience and language.

Settings may be a :class:`~cakupan.config.Config`, the path of a TOML file or None (the
defaults); audience and language are checked against the ones the outputs know.
"""

from __future__ import annotations

from os import PathLike

from cakupan import config as config_module
from cakupan._flow import Inputs
from cakupan.config import Config

AUDIENCES = ("supervisor", "planner")
LANGS = ("id", "en")

PathType = str | PathLike
ConfigLike = Config | PathType | None


def settings(config: ConfigLike) -> Config:
    """Return ``config`` as a :class:`Config`: read from TOML when a path, defaults for None."""
    if isinstance(config, Config):
        return config
    return config_module.load_config(config)


def choose(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` when it is one of ``allowed``; raise ValueError naming them if not."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def outputs(audience: str, lang: str) -> None:
    """Check the audience and language of the outputs asked for."""
    choose("audience", audience, AUDIENCES)
    choose("lang", lang, LANGS)


def inputs(boundaries, interviews, units=None, prelist=None, population=None,
           buildings=None, assignments=None, decisions=()) -> Inputs:
    """Return the input paths given as text or path-likes (None: not given)."""
    if isinstance(decisions, (str, PathLike)):
        decisions = [decisions]
    return Inputs.of(boundaries, interviews, units, prelist, population, buildings,
                     assignments, decisions)
