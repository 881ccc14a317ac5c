"""Screenshots of the map page for the README: docs/page_phone.png (390 x 844,
the size of a current phone) and docs/page_desktop.png (1280 wide).

The app is served by waitress on 127.0.0.1 with a fixed clock (default
2026-10-16T18:00Z, a week after the newest shipped element set, so the
element-age banner and some unreliable pass rows show), and Debian's
Chromium is driven by Playwright, as in tests/test_browser.py. Offline.

    .venv/bin/python scripts/screenshots.py [--time 2026-10-16T18:00:00Z] [--city Paris] [--out docs]
"""
from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SIZES = {"page_phone.png": (390, 844), "page_desktop.png": (1280, 900)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", default="2026-10-16T18:00:00Z", help="the page's clock (UTC)")
    ap.add_argument("--city", default="Paris")
    ap.add_argument("--out", default=str(ROOT / "docs"))
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from helpers import served
    from tracker.api import create_app

    when = dt.datetime.fromisoformat(args.time.replace("Z", "+00:00"))
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with served(create_app({"CLOCK": lambda: when})) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height}, timezone_id="UTC")
            page.goto(url + "/")
            page.wait_for_function("() => window.issMap.state.updates >= 1 && "
                                   "document.getElementById('land').getAttribute('d').length > 1000")
            page.fill("#city", args.city)
            page.press("#city", "Enter")
            page.wait_for_selector("#passes tbody tr", timeout=30000)
            page.wait_for_function("() => { const s = document.getElementById('transit-status')"
                                   ".textContent; return s && !s.startsWith('Looking'); }",
                                   timeout=60000)
            page.wait_for_timeout(300)
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            page.screenshot(path=str(out / name), full_page=True)
            print(f"{out / name}: {width}x{height}, horizontal overflow {wide} px")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
