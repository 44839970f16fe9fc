"""Every `etomkg` command the README shows runs as shown, from a fresh folder (outputs' folders included).

Commands that need something a checkout does not have — a running store, TM Forum's licensed workbook, a
user's own files or store — are listed in ``ELSEWHERE`` with the test that covers them, and must still be
in the README, so the list cannot rot.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
COMMAND = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:\.venv/bin/)?etomkg\s")

# first words of a command -> where it is tested instead of here
ELSEWHERE = {
    "push": "test_push.py (a live Oxigraph server)",
    "serve": "test_server_live.py",
    "import": "test_import_gb921.py, test_import_extension.py (licensed workbook, user files)",
    "store": "test_store_persist.py (a store the user filled)",
    "build": "test_export.py (the shared full build)",
    "validate": "test_validate.py (the whole graph), test_rulebook.py (user files)",
    "--backend": "test_remote.py (a remote store)",
    "--store": "test_store_persist.py (a store the user filled)",
    "GB921_v25.5.xlsx": "test_diff.py (licensed workbook)",
}
# run here although their command word is listed above: cheap and self-contained
RUN_ANYWAY = {("validate", "--release", "25.5"), ("validate", "--list-rules")}
EXIT_CODES = {"--fail-on-changes": 1}  # a diff that finds changes fails on purpose


def readme_commands() -> list[list[str]]:
    """The `etomkg …` commands of the README's shell blocks, continuation lines and multi-line quotes joined."""
    commands = []
    for block in re.findall(r"```(?:sh|bash|console)\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        pending = ""
        for line in block.split("\n"):
            line = f"{pending}\n{line}" if pending else line
            if line.rstrip().endswith("\\"):
                pending = line.rstrip()[:-1]
                continue
            try:
                words = shlex.split(line, comments=True)
            except ValueError:  # a quote still open: the command goes on
                pending = line
                continue
            pending = ""
            if COMMAND.match(line.strip()):
                while not words[0].endswith("etomkg"):
                    words.pop(0)
                commands.append(words[1:])
    return commands


COMMANDS = readme_commands()


def _elsewhere(args: list[str]) -> str | None:
    if tuple(args) in RUN_ANYWAY:
        return None
    return next((where for word, where in ELSEWHERE.items() if word in args), None)


def test_the_readme_has_its_examples_and_every_exception_is_still_used():
    assert len(COMMANDS) >= 30
    for word in ELSEWHERE:
        assert any(word in args for args in COMMANDS), f"{word!r} is no longer in the README: drop it from ELSEWHERE"
    assert all(any(tuple(args) == run for args in COMMANDS) for run in RUN_ANYWAY)


@pytest.mark.parametrize("args", [a for a in COMMANDS if not _elsewhere(a)], ids=" ".join)
def test_readme_example_runs(cli, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # a fresh folder: outputs such as out/etom-26.0 need their folder made
    expected = next((code for flag, code in EXIT_CODES.items() if flag in args), 0)
    result = cli(*args, expect=expected)
    output = args[args.index("-o") + 1] if "-o" in args else None
    if output is None:
        assert result.stdout.strip(), "printed nothing"
    elif "archi-csv" in args:
        written = sorted(p.name for p in (tmp_path / output).parent.iterdir())
        assert written == [f"{Path(output).name}-{part}.csv" for part in ("elements", "properties", "relations")]
    else:
        assert (tmp_path / output).stat().st_size > 100
