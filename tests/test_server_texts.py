"""The web layer's one text table: every key a template asks for exists, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from etomkg_server.texts import UI

TEMPLATES = Path(__file__).resolve().parents[1] / "server" / "templates"


def test_every_literal_key_of_the_templates_is_in_the_table_in_both_languages():
    used = {key for path in TEMPLATES.rglob("*.html") for key in re.findall(r"\bt\('(\w+)'\)", path.read_text())}
    assert len(used) > 40
    assert sorted(used - set(UI)) == []
    assert [key for key, texts in UI.items() if set(texts) != {"en", "zh"} or not all(texts.values())] == []


def test_no_module_patches_the_table_and_pages_read_it(client):
    server = TEMPLATES.parent
    patching = [
        p.name
        for p in server.glob("*.py")
        if re.search(r"\bUI\.(update|setdefault)\(|\bUI\[[^]]+\]\s*=", p.read_text())
    ]
    assert patching == []
    assert UI["map_title"]["zh"] in client.get("/map?lang=zh").get_data(as_text=True)
    assert UI["map_title"]["en"] in client.get("/map?lang=en").get_data(as_text=True)
