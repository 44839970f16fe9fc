"""Input limits for imports: a file too large is refused before any work, with a clear error.

Each limit has a default sized for real inputs with a wide margin (TM Forum's
workbook is about 2 MB; an operator's extension of 100,000 rows is about 20 MB)
and can be raised with an environment variable, which the error names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import EtomkgError

MB = 1024 * 1024


class InputTooLargeError(EtomkgError):
    """An input over one of the import limits."""


@dataclass(frozen=True)
class Limit:
    env: str
    default_mb: int
    what: str

    @property
    def bytes(self) -> int:
        raw = os.environ.get(self.env)
        try:
            return int(float(raw) * MB) if raw else self.default_mb * MB
        except ValueError:
            raise EtomkgError(f"{self.env}={raw!r} is not a number of megabytes") from None

    def check(self, size: int, where: str) -> None:
        if size > self.bytes:
            raise InputTooLargeError(
                f"{where}: {self.what} is {size / MB:.1f} MB, over the limit of {self.bytes / MB:.0f} MB; "
                f"if the input is genuine, raise the limit with {self.env}=<megabytes>"
            )


WORKBOOK_FILE = Limit("ETOMKG_MAX_WORKBOOK_MB", 50, "the workbook file")
WORKBOOK_UNPACKED = Limit("ETOMKG_MAX_WORKBOOK_UNPACKED_MB", 400, "the workbook's unpacked content")
EXTENSION_FILE = Limit("ETOMKG_MAX_EXTENSION_MB", 200, "the extension file")
MAX_WORKBOOK_ROWS = 200_000  # 70 times the published workbook
MAX_ZIP_MEMBERS = 10_000
# Cells of one worksheet, counted in its XML before parsing (openpyxl holds a row's cells as objects:
# 19.6 M empty cells in one row took 12 GB). The published workbook: ~6,000 rows, ~25 columns.
MAX_ROW_CELLS = 1_000
MAX_SHEET_CELLS = 3_000_000
MAX_SHEET_ROWS = 2 * MAX_WORKBOOK_ROWS


def check_regular_file(path: str | os.PathLike, limit: Limit) -> Path:
    """The path as a readable regular file within ``limit``, or a clear error."""
    path = Path(path)
    if not path.exists():
        raise EtomkgError(f"{path}: no such file")
    if not path.is_file():
        raise EtomkgError(f"{path}: not a regular file")
    limit.check(path.stat().st_size, str(path))
    return path
