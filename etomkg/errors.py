"""Exit codes and the errors the CLI turns into them (documented in the README)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed: validation did not conform, a diff found changes when asked to fail
EXIT_INPUT = 2  # the input could not be read: bad query, bad file, bad option
EXIT_REMOTE = 3  # a remote SPARQL store (--backend, push --to) could not be reached, timed out or failed


class EtomkgError(Exception):
    """An error the user can fix; its message says what, where and how."""

    exit_code = EXIT_INPUT


class QuerySyntaxError(EtomkgError):
    """A malformed SPARQL query, with the position the parser reported (1-based line and column)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line, self.column, self.detail = line, column, message
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"malformed query{where}: {message}")


def query_syntax_error(exc: Exception) -> QuerySyntaxError:
    """Turn pyoxigraph's ``SyntaxError("error at 3:2: expected …")`` into a positioned error.

    >>> str(query_syntax_error(SyntaxError("error at 3:2: expected OPTIONAL")))
    'malformed query at line 3, column 2: expected OPTIONAL'
    """
    import re

    text = str(exc)
    match = re.match(r"error at (\d+):(\d+):\s*(.*)", text, re.S)
    if match:
        return QuerySyntaxError(match.group(3).strip(), int(match.group(1)), int(match.group(2)))
    return QuerySyntaxError(text)
