"""Free text given as "-": all of stdin, read the same way by every command that takes it
(`git log | crm log acme note -`, a mail filter piping into `crm case reply 12 -`)."""

from __future__ import annotations

from typing import overload


def read_text(value: str | None, what: str = "note") -> str | None:
    """VALUE as given, or all of stdin for "-"; `what` names the text in messages."""
    if value != "-":
        return value
    text, legacy = _read_stdin(what)
    if legacy:
        _warn_legacy(what)
    return text


@overload
def read_required_text(value: str, what: str) -> str: ...
@overload
def read_required_text(value: str | None, what: str) -> str | None: ...
def read_required_text(value: str | None, what: str) -> str | None:
    """As read_text, but stdin that brings no text is refused, and the text is trimmed as
    `crm log` trims a note. Where the text is the whole point (a reply, a case note), an
    empty pipe means the message was lost upstream: recording nothing in its place would
    hide that, and a reply would even stop the first-response clock. Stdin of nothing but
    control characters (a stray ESC or Ctrl-Z from a broken filter) is as empty."""
    if value != "-":
        return value
    text, legacy = _read_stdin(what)
    text = text.strip()
    if not has_visible_text(text):
        from crmcli.errors import Invalid

        raise Invalid(f"The {what} on stdin is empty; pipe its text in, or give it in place of -.")
    if legacy:  # only once the text is taken: a refusal stays one sentence
        _warn_legacy(what)
    return text


def _read_stdin(what: str) -> tuple[str, bool]:
    """All of stdin, and whether it was read as a legacy encoding (decode_text)."""
    import sys

    if sys.stdin.isatty():
        sys.stderr.write(f"Type the {what}; end it with Ctrl-D on a line of its own.\n")
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:
        text = sys.stdin.read()
        if "\x00" in text:
            raise binary_stdin(what, byte_order_mark=False)
        return text, False
    return decode_text(raw.read(), what)


def _warn_legacy(what: str) -> None:
    import sys

    sys.stderr.write(f"The {what} was not UTF-8; it was read as Windows-1252 (Latin-1).\n")


def decode_text(data: bytes, what: str = "note") -> tuple[str, bool]:
    """Text piped in, and whether it was read as a legacy encoding.

    Mail filters pipe whatever a message holds, so bytes that are not UTF-8 must neither
    stop the command nor turn into replacement characters: they are read as Windows-1252,
    the encoding of most such mail (Latin-1 for the five bytes it leaves undefined), which
    keeps "Brønnøysund" and "café" whole. A byte-order mark is not part of the text.

    Bytes that open with a UTF-16 byte-order mark but break off or hold a lone surrogate
    are refused: read as Windows-1252 they would be a text of NULs and mojibake, and which
    half of them is damaged cannot be told, so nothing is guessed and nothing is written.
    So are bytes that hold NULs (binary_stdin says why)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            from crmcli.errors import Invalid

            raise Invalid(
                f"The {what} on stdin starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                f"(from byte {error.start + 1} of {len(data)}); save it as UTF-8 and pipe it again."
            ) from None
        if "\x00" in text:
            raise binary_stdin(what, byte_order_mark=True)
        return text, False
    if b"\x00" in data:
        raise binary_stdin(what, byte_order_mark=False)
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), True
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


def binary_stdin(what: str, *, byte_order_mark: bool) -> Exception:
    """The refusal of stdin that holds NULs. No message or note does, but a file that is
    not text does, and so does UTF-16 without a byte-order mark ("abc" is a, NUL, b, NUL,
    c, NUL), which every fallback would take for ASCII with NULs between: stored, it would
    read as garbage, and as a reply it would stop the first-response clock."""
    from crmcli.errors import Invalid

    if byte_order_mark:  # UTF-16 as its mark says, yet NULs: UTF-32, or not text at all
        return Invalid(
            f"The {what} on stdin holds NUL characters after its UTF-16 byte-order mark: it is "
            "binary, or UTF-32; convert it to UTF-8 first (iconv -f UTF-32 -t UTF-8)."
        )
    return Invalid(
        f"The {what} on stdin holds NUL bytes: it is binary, or UTF-16 without a byte-order "
        "mark; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)."
    )


def has_visible_text(text: str) -> bool:
    """Whether the text holds a character that is neither whitespace nor a control or
    format character (Unicode Cc, Cf: ESC, BEL, Ctrl-Z, a zero-width space or a stray
    byte-order mark), none of which shows when the text is read."""
    import unicodedata

    return any(not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf") for char in text)
