"""Config files already read and found valid, kept parsed so the next command skips the work.

Reading the config is most of what a quick command such as `crm show` costs beyond Python
and click: importing tomllib, parsing, and the validators (which import the features they
check) come to about 10 ms a command. Once a file has been parsed and found valid, its data
is kept in a marshal file under `$XDG_CACHE_HOME/crm/`. It is used again only when the
text read now is exactly the text that was checked, by the same version of crm. The whole
text is compared, not a timestamp: two edits in the same clock tick cannot slip past.

The cache is an optimisation and nothing more. A file that cannot be read, written or
decoded is ignored, and the config is then read and checked as if there were no cache.
"""

from __future__ import annotations

import marshal
import os
from typing import Any

from crmcli import __version__

_FORMAT = 1


def cache_file(config_path: str) -> str:
    from crmcli.paths import default_cache_folder

    return os.path.join(default_cache_folder(), f"config-{_fnv1a(config_path)}.marshal")


def cached_data(config_path: str, text: str) -> dict[str, Any] | None:
    """The data of `text`, if this very text at this path was checked by this version of crm."""
    try:
        with open(cache_file(config_path), "rb") as handle:
            entry = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(entry, tuple) or len(entry) != 5:
        return None
    version_format, version, path, checked_text, data = entry
    if (version_format, version, path, checked_text) != (_FORMAT, __version__, config_path, text):
        return None
    return data if isinstance(data, dict) else None


def remember(config_path: str, text: str, data: dict[str, Any]) -> None:
    """Keep the data of a text that has just been checked. Failing to do so is no error."""
    try:
        payload = marshal.dumps((_FORMAT, __version__, config_path, text, data))
    except ValueError:  # TOML dates and times: marshal cannot keep them, so they are not cached
        return
    target = cache_file(config_path)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, target)  # a reader sees the old entry or the new one, never half of one
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _fnv1a(text: str) -> str:
    """A stable short name for a path (hash() changes with every process; hashlib costs an
    import of OpenSSL)."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogateescape"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"
