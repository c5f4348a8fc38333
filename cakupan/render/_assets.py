"""Vendored browser libraries, inlined so that ``map.html`` needs no network.

The files live in ``cakupan/static/`` (copied from the npm release tarballs listed in its
``README.md``, licences beside them). :func:`inline_css` and :func:`inline_js` return them as
``<style>`` and ``<script>`` elements: images referenced by the CSS become ``data:`` URIs and
source-map comments are dropped, so the page asks for nothing.
"""

from __future__ import annotations

import base64
import re
from functools import cache, partial
from importlib import resources

#: Library versions inlined into the page, as vendored in ``cakupan/static``.
VERSIONS = {
    "leaflet": "1.9.4",
    "leaflet.markercluster": "1.5.3",
    "leaflet.fullscreen": "3.0.2",
    "topojson-client": "3.1.0",
}
JS = ("leaflet/leaflet.js", "leaflet.markercluster/leaflet.markercluster.js",
      "leaflet.fullscreen/Control.FullScreen.js", "topojson-client/topojson-client.min.js")
CSS = ("leaflet/leaflet.css", "leaflet.markercluster/MarkerCluster.css",
       "leaflet.markercluster/MarkerCluster.Default.css",
       "leaflet.fullscreen/Control.FullScreen.css")
_MIME = {"png": "image/png", "svg": "image/svg+xml"}


def _read(name: str) -> bytes:
    return resources.files("cakupan").joinpath("static", *name.split("/")).read_bytes()


def _data_uri(folder: str, match: re.Match) -> str:
    target = match.group(2)
    if target.startswith(("#", "data:")):
        return match.group(0)
    kind = _MIME[target.rsplit(".", 1)[-1]]
    data = base64.b64encode(_read(f"{folder}/{target}")).decode("ascii")
    return f"url(data:{kind};base64,{data})"


def _clean(text: str) -> str:
    text = re.sub(r"^[/][/*]# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    # a literal "</script" or "</style" would end the element early
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


@cache
def inline_css() -> str:
    """Return every vendored stylesheet as one ``<style>`` element, images inlined.

    Examples
    --------
    >>> css = inline_css()
    >>> css.startswith("<style>") and "url(images/" not in css and "data:image/png" in css
    True
    """
    parts = []
    for name in CSS:
        folder = name.rsplit("/", 1)[0]
        text = _read(name).decode("utf-8")
        text = re.sub(r"""url\((['"]?)([^'")]+)\1\)""", partial(_data_uri, folder), text)
        parts.append(f"/* {name} */\n{_clean(text)}")
    return "<style>\n" + "\n".join(parts) + "\n</style>"


@cache
def inline_js() -> str:
    """Return every vendored script as ``<script>`` elements, in load order.

    Examples
    --------
    >>> js = inline_js()
    >>> js.count("<script>") == len(JS) and "sourceMappingURL" not in js
    True
    """
    return "\n".join(f"<script>/* {name} */\n{_clean(_read(name).decode('utf-8'))}\n</script>"
                     for name in JS)
