"""The CLI's one error boundary: every failure becomes one line ``etomkg: error: …`` and a README exit code.

A traceback reaching a user is a bug, so nothing escapes :func:`run`: library
errors carry their exit code; Click's usage errors are 2; files that cannot be
read or written (missing, a folder, no permission, disk full, read-only file
system) are 2 with the path and the reason; text that is not UTF-8 is 2; a
remote store is 3; anything unforeseen is 1 with its type, so that it can be
reported. ``ETOMKG_DEBUG=1`` shows the traceback as well.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable

import click

from ..errors import EXIT_FAILED, EXIT_INPUT, EXIT_OK, EtomkgError

_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is exhausted; free some space and run the command again",
    errno.EFBIG: "the file is larger than this system allows (a file size limit); raise it or free space",
    errno.EROFS: "the file system is read-only; give a writable location",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENOENT: "no such file or folder",
}

_OS_WORDS = {
    errno.ENOSPC: "No space left on device",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EROFS: "Read-only file system",
    errno.EACCES: "Permission denied",
}


def message_for(exc: BaseException) -> tuple[str, int]:
    """(the one-line message, the exit code) for any failure of a command."""
    if isinstance(exc, EtomkgError):
        return str(exc), getattr(exc, "exit_code", EXIT_INPUT)
    if isinstance(exc, click.ClickException):
        text = exc.format_message()
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            text = text.rstrip(".") + f"; see '{exc.ctx.command_path} --help'"
        return text, exc.exit_code
    if isinstance(exc, UnicodeError):
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        return f"the input is not valid UTF-8 text{where} ({exc.reason}); save it as UTF-8", EXIT_INPUT
    if isinstance(exc, OSError):  # Python's own (with errno and file name) or RocksDB's (words only)
        text = str(exc)
        code = exc.errno or next((number for number, words in _OS_WORDS.items() if words in text), 0)
        hint = _OS_HINTS.get(code)
        if exc.filename is not None:
            return f"{exc.filename}: {hint or exc.strerror or text}", EXIT_INPUT
        return (f"{hint} ({text})" if hint else text), EXIT_INPUT
    if isinstance(exc, MemoryError):
        return "out of memory; the input is too large for this machine", EXIT_INPUT
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to be processed", EXIT_INPUT
    if isinstance(exc, SyntaxError):  # pyoxigraph's parse errors that no command caught itself
        return f"the input does not parse: {exc}", EXIT_INPUT
    return f"internal error ({type(exc).__name__}: {exc}); please report it", EXIT_FAILED


def run(call: Callable[[], object]) -> int:
    """Run ``call`` (the Click group in non-standalone mode) and return the process's exit code."""
    try:
        result = call()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_INPUT)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("etomkg: error: interrupted", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        click.echo("\netomkg: error: interrupted", err=True)
        return 130
    except BrokenPipeError:
        _silence_stdout()  # `etomkg … | head`: the reader went away; not an error
        return EXIT_OK
    except BaseException as exc:  # noqa: BLE001 - the boundary: nothing may escape as a traceback
        text, code = message_for(exc)
        if os.environ.get("ETOMKG_DEBUG"):
            traceback.print_exc()
        try:
            click.echo(f"etomkg: error: {text}", err=True)
        except OSError:
            pass
        return code
    return result if isinstance(result, int) and not isinstance(result, bool) else EXIT_OK


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
