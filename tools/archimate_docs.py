"""Regenerate the ArchiMate pictures under docs/archimate/ from a fresh export.

    .venv/bin/python tools/archimate_docs.py [--release 26.0] [--png]

Exports the release as an exchange file, then draws its views with
``etomkg.archimate.render`` from the bounds in that file: the eTOM map in
English and Chinese, and every end-to-end flow view the graph has. ``--png``
also converts each SVG with ``rsvg-convert`` (Debian: librsvg2-bin) for a look
in an image viewer.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

from lxml import etree

import etomkg
from etomkg.archimate import export_archimate
from etomkg.archimate.exchange import NS
from etomkg.archimate.render import render_view_svg

DOCS = Path(__file__).resolve().parents[1] / "docs" / "archimate"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="26.0")
    parser.add_argument("--png", action="store_true", help="also write PNG files (needs rsvg-convert)")
    args = parser.parse_args()
    DOCS.mkdir(parents=True, exist_ok=True)
    xml = export_archimate(etomkg.open(), release=args.release)
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    views = list(root.iter(f"{{{NS}}}view"))
    written = []
    for index, view in enumerate(views):
        if index == 0:
            pictures = {f"etom-{args.release}-map.svg": "en", f"etom-{args.release}-map-zh.svg": "zh"}
        else:
            name = view.find(f"{{{NS}}}name").text
            pictures = {f"flow-{args.release}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.svg": "en"}
        for file_name, lang in pictures.items():
            path = DOCS / file_name
            path.write_text(render_view_svg(xml, index, lang=lang), encoding="utf-8")
            written.append(path)
    if args.png:
        converter = shutil.which("rsvg-convert")
        if converter is None:
            raise SystemExit("--png needs rsvg-convert (apt-get install librsvg2-bin)")
        for path in list(written):
            subprocess.run([converter, str(path), "-o", str(path.with_suffix(".png"))], check=True)
            written.append(path.with_suffix(".png"))
    for path in written:
        print(f"wrote {path.relative_to(DOCS.parents[1])}")


if __name__ == "__main__":
    main()
