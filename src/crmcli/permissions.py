"""Whether the user means a file or folder to be written, which crm asks before writing it.

Import it inside the functions that need it: it is on the path of every command that opens
the database, and `crm show` and `crm agenda` import nothing they can do without.
"""

from __future__ import annotations

import os


def writable(path: str | os.PathLike[str]) -> bool:
    """Whether crm may write `path`, a file or a folder, as its owner meant.

    os.access alone answers yes to root for everything (CAP_DAC_OVERRIDE): crm would then
    replace a config made read-only with chmod 444, write a 0444 database or fill a 0555
    folder. So, as root, the mode must also have a write bit for someone."""
    if not os.access(path, os.W_OK):
        return False
    if not running_as_root():
        return True
    try:
        return bool(os.stat(path).st_mode & 0o222)
    except OSError:  # gone since access() looked: as access() would say of it now
        return False


def running_as_root() -> bool:
    """Whether crm runs as root, whom access() never refuses a write."""
    geteuid = getattr(os, "geteuid", None)  # none on Windows, where there is no root
    return geteuid is not None and geteuid() == 0
