"""The progress bar: on a terminal, after a second, on stderr; never in a pipe or a CI log."""

from __future__ import annotations

import io

from etomkg.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_only_on_a_terminal_and_only_after_the_delay():
    terminal = _Terminal()
    progress = Progress(terminal, delay=0.0)
    progress.step("reading the workbook", 50, 200)
    progress.step("reading the workbook", 200, 200)
    progress.done()
    text = terminal.getvalue()
    assert "reading the workbook [#######......................." in text and "50/200" in text
    assert "200/200" in text and text.endswith("\r\x1b[2K")  # the line is cleared for the summary

    quick = _Terminal()
    progress = Progress(quick, delay=60.0)  # work that ends within the delay draws nothing
    progress.step("checking", 1, 2)
    progress.done()
    assert quick.getvalue() == ""

    pipe = io.StringIO()
    progress = Progress(pipe, delay=0.0)
    progress.step("writing", 1, 2)
    progress.done()
    assert pipe.getvalue() == ""


def test_cli_output_in_a_pipe_has_no_bar(tmp_path, cli):
    path = tmp_path / "ops.csv"
    path.write_text("id,name,name_zh\n1.4.5.2.91,Validate,校验\n", encoding="utf-8")
    result = cli.run("import", "extension", str(path), "--release", "25.5", "--check")
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert result.stdout.startswith("checked extension ops.csv against release 25.5: valid, nothing stored")
