"""Atomic file writes and hashing: a killed run never leaves a half-written output."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process's umask, read without changing it (Linux: /proc), else by setting it back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from open(): 0666 less the umask (0644 under umask 022)."""
    return 0o666 & ~current_umask()


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temp file beside ``path``, fsync it, then rename it into place; the
    file gets the mode any new file gets under the umask (mkstemp's own 0600 is for temps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{temp_tag()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), file_mode())
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_move(src: Path, dst: Path) -> Path:
    """Move a finished temp file into place (same filesystem: an atomic rename)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    Path(src).replace(dst)
    return dst


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


_TEMP = re.compile(r"^\.(?:tess-.+?|.+)\.(\d+)[.-]")
_TAGGED = re.compile(r"^\..+?\.(\d+)@(\w+)[.-]")  # .<name>.<pid>@<host>.
HOST_TAG = re.sub(r"\W", "_", socket.gethostname()) or "localhost"


def temp_tag() -> str:
    """``<pid>@<host>`` for temp names: in an output folder shared by several machines (a Dask
    cluster) only the machine that wrote a temp can tell whether its writer still runs."""
    return f"{os.getpid()}@{HOST_TAG}"


def _temp_owner(name: str) -> tuple[int, str] | None:
    """(pid, host tag) of one of our temp names (untagged ones are this host's), else None."""
    if not (name.endswith(".tmp") or name.startswith(".tess-")):
        return None
    if m := _TAGGED.match(name):
        return int(m.group(1)), m.group(2)
    if m := _TEMP.match(name):
        return int(m.group(1)), HOST_TAG
    return None


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files and folders left in ``folder`` by a killed process of this machine (its
    pid is in the name and no longer runs); a live process's temps, and another machine's, are
    left alone."""
    removed = 0
    try:
        entries = list(Path(folder).iterdir())
    except FileNotFoundError:
        return 0
    for entry in entries:
        owner = _temp_owner(entry.name)
        if owner is None or owner[1] != HOST_TAG or pid_alive(owner[0]):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


def pid_alive(pid: int) -> bool:
    """Is a process with this id running (on this machine)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
