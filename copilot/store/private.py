"""Private files: what copilot keeps is for its user only.

The home copilot creates is 0700, and so is every folder it makes under it or for an export;
its database (which holds the webhook signing secret), the token secret, recordings and
exports are 0600 — whatever the process's umask. A database or secret an older version left
readable is tightened when it is opened (only files this user owns).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger("copilot.store")
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path | str) -> Path:
    """`mkdir -p` where each folder it creates is 0700 (existing ones are left alone)."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)  # the umask can only take bits away
    return path


def private_file(path: Path | str) -> None:
    """Make a file of ours 0600 (missing files and other users' files are left alone)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        st = os.stat(path)
        if st.st_uid == os.getuid() and st.st_mode & 0o777 != FILE_MODE:
            os.chmod(path, FILE_MODE)


def create_private(path: Path | str) -> None:
    """Create an empty file as 0600 unless it exists (then tighten it)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        private_file(path)


def private_tree(root: Path | str) -> None:
    """Folders 0700 and files 0600 under `root` (an export copied from the recordings)."""
    for folder, _, files in os.walk(root):
        with contextlib.suppress(PermissionError):
            os.chmod(folder, DIR_MODE)
        for name in files:
            private_file(os.path.join(folder, name))


def warn_if_shared(home: Path) -> None:
    """A home other users can enter exposes every session: say so (it is the user's folder,
    so it is not changed behind their back)."""
    with contextlib.suppress(OSError):
        mode = os.stat(home).st_mode & 0o777
        if mode & 0o077:
            log.warning(
                "%s is readable by other users (mode %o): chmod 700 it to keep recordings and"
                " transcripts private",
                home,
                mode,
            )
