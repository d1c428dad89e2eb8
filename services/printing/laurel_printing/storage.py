"""Atomic writes of job outputs under the shared storage root."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

STORAGE_ENV = "LAUREL_STORAGE_PATH"
TEMP_PREFIX = ".partial-"


class StorageError(RuntimeError):
    """The storage root is not configured or an output key escapes it."""


@dataclass(frozen=True)
class StoredFile:
    """An output written under the storage root."""

    kind: str
    key: str
    size: int
    pages: int
    sha256: str

    def as_result(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "size": self.size,
            "pages": self.pages,
            "sha256": self.sha256,
        }


def storage_root(explicit: str | os.PathLike | None = None) -> Path:
    """Return the storage root: explicit, else the LAUREL_STORAGE_PATH variable."""
    value = explicit if explicit is not None else os.environ.get(STORAGE_ENV)
    if not value:
        raise StorageError(
            f"no storage root: set {STORAGE_ENV} to the folder shared with the "
            "web nodes, or pass storage_root"
        )
    return Path(value).resolve()


def output_folder(root: Path, output_key: str) -> Path:
    """Create and return the folder for output_key, which must stay inside root."""
    folder = (root / output_key).resolve()
    if not folder.is_relative_to(root):
        raise StorageError(f"output key {output_key!r} points outside the storage root")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_partial_files(folder: Path) -> int:
    """Delete temporary files left in folder by a run that was killed mid-write."""
    removed = 0
    for path in folder.glob(f"{TEMP_PREFIX}*"):
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        logger.info("removed %d partial files from %s", removed, folder)
    return removed


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file next to path; on success fsync it and move it in place.

    Readers see either the previous file or the complete new one, never a
    partial file, and a re-run replaces the file under the same name.
    """
    handle = tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.", delete=False
    )
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file at path."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(root: Path, path: Path, kind: str, pages: int) -> StoredFile:
    """Return the result entry for a written file, with its key relative to root."""
    return StoredFile(
        kind=kind,
        key=path.relative_to(root).as_posix(),
        size=path.stat().st_size,
        pages=pages,
        sha256=file_sha256(path),
    )


def write_bytes(path: Path, data: bytes) -> None:
    """Write data to path atomically."""
    with atomic_writer(path) as handle:
        handle.write(data)
