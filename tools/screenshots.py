"""Regenerate the screenshots in docs/screenshots/ from the live pages, in Debian's headless Chromium.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]     (or: make screenshots)

Serves the bundled graph on a loopback port in this process, opens each page at
1280×800 (one on a phone), and writes PNG files. Needs ``tools/system-deps.sh``
(chromium) and the test extras (playwright); never downloads a browser.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from chromium import CHROMIUM_ARGS  # tools/chromium.py: run as a script, tools/ is on the path

ROOT = Path(__file__).resolve().parents[1]

# name, path, viewport, full page
SHOTS = [
    ("map-domains-en", "/map?release=26.0&view=current&lang=en", (1280, 800), False),
    ("map-classic-zh", "/map?release=26.0&view=classic&lang=zh", (1280, 800), False),
    ("map-classic-framework", "/map?release=classic&view=classic&lang=en", (1280, 800), True),
    ("process-1.3.3-flows", "/release/26.0/process/1.3.3", (1280, 800), True),
    ("flow-order-to-payment", "/flows/26.0/order-to-payment", (1280, 800), False),
    ("search-zh", "/search?q=%E5%AE%A2%E6%88%B7%E5%85%B3%E7%B3%BB&lang=zh", (1280, 800), False),
    ("compare-25.0-25.5", "/compare?old=25.0&new=25.5", (1280, 800), False),
    ("phone-map-zh", "/map?lang=zh", (390, 844), False),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        print(f"{args.chromium} is missing: run `bash tools/system-deps.sh`", file=sys.stderr)
        return 2
    from etomkg_server import create_app
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for name, path, (width, height), full_page in SHOTS:
                phone = width < 600
                context = browser.new_context(
                    viewport={"width": width, "height": height}, device_scale_factor=2 if phone else 1, is_mobile=phone
                )
                page = context.new_page()
                response = page.goto(base + path)
                if response is None or response.status != 200:
                    print(f"skipped {name}: {path} answered {response.status if response else 'nothing'}")
                    context.close()
                    continue
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target), full_page=full_page)
                print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
