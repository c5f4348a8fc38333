"""Words shown to people, in Bahasa Indonesia (default) and English: one table per language.

Each language's table has a section per place the words show:

- ``page``: the map and the report (the map carries the whole section to its script, so its
  keys and their order are part of ``map.html``);
- ``sheet``, ``column``, ``value``, ``text``: the worklist's sheet names, column headers,
  translated values (statuses, location checks, flag names) and the templates of its reasons
  and evidence;
- ``cli``: the command line's summary of a run.

Numbers and dates inside these words are formatted by :mod:`cakupan.formats`.

Where the worklist and the map or report name the same thing in other words (``terdata`` on
the map and in the report, ``tercacah`` in the worklist, for one), the table keeps both,
marked ``# disagrees:`` beside the worklist's; the words are unchanged so that outputs stay
byte-identical. Nothing here computes or reads anything.
"""

from __future__ import annotations

from cakupan._labels_en import WORDS as ENGLISH
from cakupan._labels_id import WORDS as INDONESIAN

#: The table of each language, in ``cakupan/_labels_id.py`` and ``cakupan/_labels_en.py``.
LABELS = {"id": INDONESIAN, "en": ENGLISH}

STATUS_COLOURS = {
    "complete": "#1a9850",
    "over": "#4575b4",
    "under": "#fc8d59",
    "not_started": "#b2182b",
    "doubtful": "#762a83",
    "no_expected": "#9e9e9e",
    # during fieldwork (cakupan.measure.schedule)
    "behind": "#d73027",
    "stalled": "#8c510a",
    "not_reached": "#d9d9d9",
}


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Return the table of ``lang`` (``id`` or ``en``): its sections of words.

    Examples
    --------
    >>> labels("en")["page"]["counted_households"], labels("en")["sheet"]["revisit"]
    ('Households counted', 'RTs to revisit')
    """
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LABELS)}, not {lang!r}")
    return LABELS[lang]
