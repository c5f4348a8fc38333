"""Size of the sample city's map.html and the time Chromium takes to paint it, offline.

Usage: python benchmarks/map_size.py [--size city] [--out DIR] [--audience supervisor]

Builds the sample world (or reuses DIR/map.html with --reuse), then opens map.html in Debian's
Chromium with every network request blocked and measures from navigation start to the end of
the first animation frame after the page's ``load`` event (all layers are drawn in ``load``).
Targets: at most 3 MB and 1.5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import browser, offline_page  # noqa: E402

SIZE_TARGET = 3_000_000
PAINT_TARGET_S = 1.5
PAINT = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>
    done({paint: performance.now(), load: performance.timing.loadEventEnd
          - performance.timing.navigationStart,
          polygons: document.querySelectorAll('[class*=cakupan] path').length}))))"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="city", choices=["tiny", "small", "city"])
    parser.add_argument("--out", type=Path, default=Path("outputs/bench-map"))
    parser.add_argument("--audience", default="supervisor", choices=["supervisor", "planner"])
    parser.add_argument("--reuse", action="store_true", help="Measure an existing OUT/map.html.")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    page_path = args.out / "map.html"
    if not args.reuse:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cakupan", "demo", "--size", args.size, "--out",
                        str(args.out), "--audience", args.audience, "--quiet"], check=True)
        print(f"demo --size {args.size} ran in {time.perf_counter() - start:.1f} s")
    size = page_path.stat().st_size
    paints = []
    with browser() as chromium:
        for _ in range(args.runs):
            with offline_page(chromium, page_path) as (page, watch):
                figures = page.evaluate(PAINT)
                paints.append(figures["paint"] / 1000)
                if watch.errors:
                    print("console errors:", watch.errors[:5])
    paint = sorted(paints)[len(paints) // 2]
    print(f"map.html ({args.size}, {args.audience}): {size / 1e6:.2f} MB "
          f"(target <= {SIZE_TARGET / 1e6:.0f} MB) {'OK' if size <= SIZE_TARGET else 'OVER'}")
    print(f"paint, navigation start to first frame after load: median {paint:.2f} s of "
          f"{args.runs} runs {[f'{p:.2f}' for p in paints]} (target <= {PAINT_TARGET_S} s) "
          f"{'OK' if paint <= PAINT_TARGET_S else 'OVER'}; polygons drawn: {figures['polygons']}")


if __name__ == "__main__":
    main()
