"""Persistent stores: a folder of immutable generations, swapped atomically.

A store folder ``DIR`` holds::

    etomkg-store.json              which generation is current (replaced atomically with os.replace)
    write.lock                     a writer holds an exclusive lock on it while it builds a generation
    generations/000004/oxigraph/   the pyoxigraph (RocksDB) store of generation 4
    generations/000004/imports/    normalised inputs of imported workbooks, to rebuild lineage later
    generations/000004/lease       readers hold a shared lock on it while they use generation 4

Why generations: RocksDB lets one process write a folder, and readers in other
processes (``etomkg serve`` workers, ``etomkg query``) may only open it read-only
if nobody writes it. So a writer never changes the current generation: it clones
it (a RocksDB checkpoint: hard links, milliseconds), changes the clone, closes it
and publishes it by replacing ``etomkg-store.json``. A reader therefore sees the
old generation or the new one, never half an import, and a failed import leaves
the current generation exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import shutil
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from ..atomic import write_json
from ..errors import EtomkgError

try:  # advisory locks (POSIX); without them a store still works, without the guards
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MANIFEST = "etomkg-store.json"
STORE_FORMAT = "etomkg-store/1"
_WRITE_LOCK_WAIT = float(os.environ.get("ETOMKG_STORE_LOCK_WAIT", "120"))


class StoreError(EtomkgError):
    """A store folder that cannot be used as it is (not a store, locked, damaged)."""


_OWN = ("write.lock", "generations")  # what a writer makes before the first manifest exists


def _is_foreign(path: Path) -> bool:
    """A folder with files in it that are not an etomkg store (nor the leftovers of a failed first import)."""
    if not path.is_dir() or (path / MANIFEST).exists():
        return False
    return any(p.name not in _OWN and not p.name.startswith(MANIFEST) for p in path.iterdir())


def _unwritable(exc: OSError) -> bool:
    return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


class Lease:
    """A shared lock on one generation, held while a reader uses it (so it is not deleted under it)."""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self._handle = None
        lease = generation / "lease"
        if not generation.is_dir():
            raise FileNotFoundError(errno.ENOENT, "collected", str(generation))  # just collected: read again
        try:  # reading needs no write access: a shared flock works on a file opened read-only
            self._handle = lease.open("rb")
        except FileNotFoundError:
            try:
                self._handle = lease.open("ab")  # a generation published without one
            except OSError as exc:
                if not _unwritable(exc):
                    raise
                return  # a read-only store: nobody can collect the generation under us
        if fcntl is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_SH)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the flock
            self._handle = None

    def __del__(self) -> None:
        self.release()


class StoreFolder:
    """One store folder on disk (see the module documentation for its layout)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).resolve()
        self.generations = self.path / "generations"

    # --- reading ---

    def manifest(self) -> dict | None:
        try:
            data = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.path / MANIFEST} cannot be read ({exc}); the store folder is damaged") from None
        if data.get("format") != STORE_FORMAT:
            raise StoreError(
                f"{self.path} holds a store of format {data.get('format')!r}; this etomkg reads {STORE_FORMAT!r}"
            )
        return data

    def stamp(self) -> tuple[int, int] | None:
        """A cheap fingerprint of the manifest (a stat, no read): it changes when a generation is published."""
        try:
            info = (self.path / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return (info.st_mtime_ns, info.st_ino)

    def check_usable(self) -> None:
        """Refuse folders that hold something else, rather than writing into them."""
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"--store {self.path} is a file; give a folder (it is created if missing)")
        if (self.path / "CURRENT").exists() and (self.path / "IDENTITY").exists():
            raise StoreError(
                f"{self.path} is a bare pyoxigraph folder made by an earlier etomkg; move it away and let "
                "etomkg create the store again in an empty folder, then repeat your imports"
            )
        if _is_foreign(self.path):
            raise StoreError(f"--store {self.path} is a folder with other files in it; give an empty or new folder")

    def current(self) -> Path | None:
        manifest = self.manifest()
        return self.generations / manifest["generation"] if manifest else None

    def open_reader(self) -> tuple[ox.Store, Lease, dict]:
        """The current generation, read-only, with a lease that keeps it from being collected."""
        for _ in range(20):
            manifest = self.manifest()
            if manifest is None:
                raise StoreError(f"{self.path} is not an etomkg store yet")
            generation = self.generations / manifest["generation"]
            try:
                lease = Lease(generation)
            except FileNotFoundError:
                time.sleep(0.05)  # collected between reading the manifest and taking the lease: read it again
                continue
            if (generation / "oxigraph").is_dir():
                return ox.Store.read_only(str(generation / "oxigraph")), lease, manifest
            lease.release()
        raise StoreError(f"{self.path}: the current generation keeps changing or is missing; try again")

    def copy_to(self, destination: str | os.PathLike) -> StoreFolder:
        """A new store folder holding this one's current generation (a RocksDB checkpoint: hard links)."""
        target = StoreFolder(destination)
        if target.path.exists() and any(target.path.iterdir()):
            raise StoreError(f"{target.path} is not empty; copy a store into a new folder")
        store, lease, manifest = self.open_reader()
        try:
            generation = target.generations / "000001"
            generation.mkdir(parents=True)
            store.backup(str(generation / "oxigraph"))
            source = self.generations / manifest["generation"]
            if (source / "imports").is_dir():
                shutil.copytree(source / "imports", generation / "imports")
            (generation / "lease").touch()
            write_json(target.path / MANIFEST, {**manifest, "generation": "000001"}, durable=True)
        finally:
            lease.release()
        return target

    # --- writing ---

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = (self.path / "write.lock").open("a")
        except OSError as exc:
            if not _unwritable(exc):
                raise
            raise StoreError(
                f"the store {self.path} cannot be written ({exc.strerror}): it is on a read-only file system or "
                "you lack permission; reading it works, imports need a writable folder (copy the store folder to one)"
            ) from None
        try:
            if fcntl is not None:
                deadline = time.monotonic() + _WRITE_LOCK_WAIT
                while True:
                    try:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise StoreError(
                                f"another import is writing to {self.path} and did not finish within "
                                f"{_WRITE_LOCK_WAIT:.0f} s; wait for it and try again"
                            ) from None
                        time.sleep(0.2)
            yield
        finally:
            handle.close()

    def _next_name(self) -> str:
        existing = [int(p.name) for p in self.generations.glob("[0-9]" * 6)] if self.generations.exists() else []
        return f"{max(existing, default=0) + 1:06d}"

    def initialise(self, fill) -> None:
        """Create the first generation with ``fill(tx)`` (which opens ``tx.store`` in ``tx.path / "oxigraph"``),
        unless another process just did."""
        if self.manifest() is not None:
            return  # no lock needed (and none possible on a read-only store)
        self.check_usable()
        existed = self.path.exists()
        try:
            with self._write_lock():
                if self.manifest() is not None:
                    return
                self._drop_unpublished()
                with self._building(None) as tx:
                    fill(tx)  # sets tx.store
        except BaseException:
            if self.manifest() is None:  # the first generation failed (disk full …): leave no trace
                shutil.rmtree(self.generations, ignore_errors=True)
                with contextlib.suppress(OSError):
                    (self.path / "write.lock").unlink()
                if not existed:
                    with contextlib.suppress(OSError):
                        self.path.rmdir()
            raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Build the next generation from the current one; publish it when the block ends without an error.

        On an error the new generation is deleted and the current one stays, untouched.
        """
        self.check_usable()
        with self._write_lock():
            self._drop_unpublished()
            manifest = self.manifest()
            if manifest is None:
                raise StoreError(f"{self.path} is not an etomkg store yet")
            with self._building(manifest) as tx:
                source = self.generations / manifest["generation"]
                ox.Store.read_only(str(source / "oxigraph")).backup(str(tx.path / "oxigraph"))
                if (source / "imports").is_dir():
                    shutil.copytree(source / "imports", tx.path / "imports")
                tx.store = ox.Store(str(tx.path / "oxigraph"))
                yield tx

    @contextlib.contextmanager
    def _building(self, manifest: dict | None) -> Iterator[Transaction]:
        name = self._next_name()
        target = self.generations / name
        target.mkdir(parents=True)
        tx = Transaction(self, target, manifest)
        try:
            yield tx
            if tx.compact:
                tx.store.optimize()  # bulk writes leave many small files; reads are 2-3x faster compacted
            tx.store.flush()
            tx.close()
            (target / "lease").touch()
            published = {**(manifest or {}), **tx.manifest_updates}
            published.update(format=STORE_FORMAT, generation=name)
            write_json(self.path / MANIFEST, published, durable=True)
        except BaseException as exc:
            traceback.clear_frames(exc.__traceback__)  # frames below still hold the store: let RocksDB close
            tx.close()
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._collect(keep={name, (manifest or {}).get("generation")})

    def _drop_unpublished(self) -> None:
        """Generations newer than the current one are left-overs of a crashed writer (we hold the lock)."""
        current = (self.manifest() or {}).get("generation", "")
        if self.generations.exists():
            for path in self.generations.iterdir():
                if path.name > current:
                    shutil.rmtree(path, ignore_errors=True)

    def _collect(self, keep: set[str | None]) -> None:
        """Delete old generations that no reader holds a lease on (the current and previous one stay)."""
        for path in sorted(self.generations.iterdir()):
            if path.name in keep:
                continue
            lease = path / "lease"
            try:
                handle = lease.open("a")
            except FileNotFoundError:
                shutil.rmtree(path, ignore_errors=True)
                continue
            try:
                if fcntl is not None:
                    try:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a reader still uses it; a later writer collects it
                shutil.rmtree(path / "oxigraph", ignore_errors=True)
                shutil.rmtree(path, ignore_errors=True)
            finally:
                handle.close()


class Transaction:
    """The next generation while it is being built: a writable store only this writer sees."""

    def __init__(self, folder: StoreFolder, path: Path, manifest: dict | None) -> None:
        self.folder = folder
        self.path = path
        self.previous = manifest
        self.store: ox.Store | None = None
        self.manifest_updates: dict = {}
        self.compact = False  # set by a writer that bulk-loaded much: compact before publishing

    @property
    def imports_dir(self) -> Path:
        path = self.path / "imports"
        path.mkdir(exist_ok=True)
        return path

    def close(self) -> None:
        """Drop the writable store so that RocksDB closes the folder before readers may open it."""
        self.store = None
        gc.collect()


__all__ = ["StoreFolder", "StoreError", "Transaction", "Lease", "MANIFEST"]
