"""Open exported BPMN files in bpmn.io's viewer (bpmn-js) in Debian's headless Chromium.

    .venv/bin/python tools/bpmn_docs.py [--out docs/bpmn]        (or: make bpmn-docs)

Exports a few end-to-end flows and a neighbourhood of the newest release, imports each
into bpmn-js exactly as bpmn.io does, and writes a PNG per file. The tests use
``open_in_bpmn_js`` from here to check that every export imports without a warning.
bpmn-js comes from the npm registry through ``make node-deps`` (tools/node/); nothing
is loaded from the network by the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chromium import CHROMIUM_ARGS  # tools/chromium.py: run as a script, tools/ is on the path

ROOT = Path(__file__).resolve().parents[1]
BPMN_JS = ROOT / "tools" / "node" / "node_modules" / "bpmn-js" / "dist"

PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><style>html,body,#canvas{margin:0;width:100%;height:100%;"
    "background:#fff}</style></head><body><div id='canvas'></div></body></html>"
)
IMPORT_JS = """async (xml) => {
  if (window.viewer) { window.viewer.destroy(); }
  window.viewer = new BpmnJS({container: '#canvas'});
  const result = await window.viewer.importXML(xml);
  window.viewer.get('canvas').zoom('fit-viewport');
  const counts = {};
  window.viewer.get('elementRegistry').getAll().forEach(e => { counts[e.type] = (counts[e.type] || 0) + 1; });
  return {warnings: result.warnings.map(w => w.message), counts};
}"""
EXAMPLES = [
    ("order-to-payment-en", ["--flow", "order-to-payment"]),
    ("trouble-to-resolve-reactive-zh", ["--flow", "trouble-to-resolve-reactive", "--lang", "zh"]),
    ("usage-to-payment-layers-en", ["--flow", "usage-to-payment", "--lanes", "layer"]),
    ("process-1.4.5-en", ["--process", "1.4.5"]),
]


def viewer_page(browser, width: int = 1600, height: int = 900):
    """A blank page with bpmn-js loaded from tools/node (fails clearly when `make node-deps` has not run)."""
    if not (BPMN_JS / "bpmn-viewer.production.min.js").exists():
        raise FileNotFoundError(f"{BPMN_JS} is missing: run `make node-deps` (npm ci in tools/node)")
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_content(PAGE)
    page.add_style_tag(path=str(BPMN_JS / "assets" / "diagram-js.css"))
    page.add_style_tag(path=str(BPMN_JS / "assets" / "bpmn-js.css"))
    page.add_script_tag(path=str(BPMN_JS / "bpmn-viewer.production.min.js"))
    return page


def open_in_bpmn_js(page, xml: str) -> dict:
    """Import ``xml`` as bpmn.io does: ``{"warnings": [...], "counts": {element type: number}}``."""
    return page.evaluate(IMPORT_JS, xml)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "bpmn"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    from click.testing import CliRunner
    from playwright.sync_api import sync_playwright

    from etomkg.cli import main as cli

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = viewer_page(browser)
        for name, options in EXAMPLES:
            target = out / f"{name}.bpmn"
            result = CliRunner().invoke(cli, ["export", "--format", "bpmn", *options, "-o", str(target)])
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                return 1
            report = open_in_bpmn_js(page, target.read_text(encoding="utf-8"))
            if report["warnings"]:
                print(f"{target}: {report['warnings']}", file=sys.stderr)
                return 1
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote {target} and {name}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
