"""Open generated pages in Debian's Chromium with every network request blocked.

Shared by the tests of every page cakupan writes. Nothing is downloaded: Playwright drives
``/usr/bin/chromium``. Console errors and page errors are collected so a test can fail on
them; failed background tiles (the only thing allowed to need the internet) are listed apart.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TILE_HOSTS = ("tile.openstreetmap.org",)


@dataclass
class Watch:
    """What a page said while it was open."""

    errors: list[str] = field(default_factory=list)
    tile_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def available() -> bool:
    """Return whether Playwright and Chromium are there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists()


@contextlib.contextmanager
def browser():
    """Yield a launched Chromium browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def offline_page(chromium, path: Path, viewport=(1200, 800)):
    """Yield (page, watch) for ``path`` opened with every non-file:// request aborted."""
    context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    watch = Watch()

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file://", "data:", "about:")):
            request_route.continue_()
        else:
            watch.blocked.append(url)
            request_route.abort()

    def console(message):
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if any(host in where for host in TILE_HOSTS):
            watch.tile_errors.append(where)
        else:
            watch.errors.append(f"{message.text} ({where})")

    def dialog(box):
        watch.dialogs.append(box.message)
        box.dismiss()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", console)
    page.on("pageerror", lambda error: watch.errors.append(f"pageerror: {error}"))
    page.on("dialog", dialog)
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        yield page, watch
    finally:
        context.close()


def map_at_rest(page) -> None:
    """Wait until the map of ``page`` has stopped panning and zooming.

    Opening a popup pans the map with an animation; a point computed from the map while it
    moves lands somewhere else once it stops.
    """
    page.wait_for_function(
        "(() => { const m = window.cakupan.map;"
        " return !(m._panAnim && m._panAnim._inProgress) && !m._animatingZoom; })()")
    page.wait_for_timeout(50)
