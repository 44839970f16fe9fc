"""Write files all or nothing: the one atomic writer of the library, the CLI and the server.

Every file is written to a temporary name beside its target, then renamed over it, so a reader sees
the old file or the new one and never half of one. Missing parent folders are created; on any failure
no temporary file is left behind.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_file(folder / "new" / "a.txt", b"one")
>>> write_files({folder / "b.txt": b"two", folder / "new" / "a.txt": b"three"})
>>> sorted(p.name for p in folder.rglob("*") if p.is_file()), (folder / "new" / "a.txt").read_bytes()
(['a.txt', 'b.txt'], b'three')
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import EtomkgError

__all__ = ["write_file", "write_files", "write_json"]


def write_file(path: str | os.PathLike, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; ``durable`` also syncs it to disk before and after the rename."""
    write_files({path: data}, durable=durable)


def write_files(files: Mapping[str | os.PathLike, bytes], *, durable: bool = False) -> None:
    """Write several files all or nothing: each goes to a temporary name first, then all are renamed."""
    for target in files:
        if os.path.isdir(target):
            raise EtomkgError(f"{target} is a folder; give a file name, e.g. {os.path.join(target, 'out')}")
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in files.items():
            path = Path(target).absolute()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
            except OSError as exc:
                raise EtomkgError(f"cannot write {target}: {exc.strerror} ({path.parent}); check the path") from exc
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; these are ordinary files
        for tmp, path in staged:
            os.replace(tmp, path)
        if durable:
            for folder in {path.parent for _, path in staged}:
                _fsync_dir(folder)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def write_json(path: str | os.PathLike, data: dict, *, durable: bool = False) -> None:
    """Write ``data`` as indented, key-sorted JSON atomically."""
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    write_file(path, text.encode("utf-8"), durable=durable)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
