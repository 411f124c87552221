"""Free text given as "-": all of stdin, read the same way by every command that takes it
(`git log | crm log acme note -`, a mail filter piping into `crm case reply 12 -`)."""

from __future__ import annotations

from typing import overload


def read_text(value: str | None, what: str = "note") -> str | None:
    """VALUE as given, or all of stdin for "-"; `what` names the text in messages."""
    if value != "-":
        return value
    import sys

    if sys.stdin.isatty():
        sys.stderr.write(f"Type the {what}; end it with Ctrl-D on a line of its own.\n")
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:
        return sys.stdin.read()
    text, legacy = decode_text(raw.read(), what)
    if legacy:
        sys.stderr.write(f"The {what} was not UTF-8; it was read as Windows-1252 (Latin-1).\n")
    return text


@overload
def read_required_text(value: str, what: str) -> str: ...
@overload
def read_required_text(value: str | None, what: str) -> str | None: ...
def read_required_text(value: str | None, what: str) -> str | None:
    """As read_text, but stdin that brings no text is refused, and the text is trimmed as
    `crm log` trims a note. Where the text is the whole point (a reply, a case note), an
    empty pipe means the message was lost upstream: recording nothing in its place would
    hide that, and a reply would even stop the first-response clock."""
    if value != "-":
        return value
    text = (read_text(value, what) or "").strip()
    if not text:
        from crmcli.errors import Invalid

        raise Invalid(f"The {what} on stdin is empty; pipe its text in, or give it in place of -.")
    return text


def decode_text(data: bytes, what: str = "note") -> tuple[str, bool]:
    """Text piped in, and whether it was read as a legacy encoding.

    Mail filters pipe whatever a message holds, so bytes that are not UTF-8 must neither
    stop the command nor turn into replacement characters: they are read as Windows-1252,
    the encoding of most such mail (Latin-1 for the five bytes it leaves undefined), which
    keeps "Brønnøysund" and "café" whole. A byte-order mark is not part of the text.

    Bytes that open with a UTF-16 byte-order mark but break off or hold a lone surrogate
    are refused: read as Windows-1252 they would be a text of NULs and mojibake, and which
    half of them is damaged cannot be told, so nothing is guessed and nothing is written."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), False
        except UnicodeDecodeError as error:
            from crmcli.errors import Invalid

            raise Invalid(
                f"The {what} on stdin starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                f"(from byte {error.start + 1} of {len(data)}); save it as UTF-8 and pipe it again."
            ) from None
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), True
    except UnicodeDecodeError:
        return data.decode("latin-1"), True
