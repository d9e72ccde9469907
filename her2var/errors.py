"""One exception family; the command line maps it to exit codes in one place."""

from __future__ import annotations


class Her2varError(Exception):
    """Base class of every error her2var reports to a person (no traceback)."""

    exit_code = 1


class InputError(Her2varError):
    """A file or value given to her2var is not what was expected (exit code 1)."""


class RulesError(InputError):
    """A rules or plan YAML file breaks its schema."""


class UsageError(Her2varError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


# Characters a terminal acts on rather than shows: C0 controls other than tab and line end
# (ESC starts colour, cursor and title sequences), DEL, C1 controls, and the bidirectional
# overrides and isolates that reorder what is shown.
_TERMINAL_UNSAFE = frozenset(
    [chr(c) for c in range(0x20) if c not in (0x09, 0x0A)] + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))])


def unsafe_for_terminal(text: str) -> bool:
    """Whether ``text`` holds a character a terminal would act on (see terminal_text)."""
    return not _TERMINAL_UNSAFE.isdisjoint(text)


def terminal_text(text: str) -> str:
    """``text`` safe to print: every character a terminal acts on written as an escape (``\\x1b``,
    ``\\u202e``). Applied once where messages are printed, whatever built them."""
    if _TERMINAL_UNSAFE.isdisjoint(text):
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii") if ch in _TERMINAL_UNSAFE else ch for ch in text)


def where(path: object, line: int | None = None, record: str | None = None) -> str:
    """Format the place an error refers to: ``file:line`` or ``file (record)``."""
    place = str(path)
    if line is not None:
        place += f":{line}"
    if record:
        place += f" ({record})"
    return place


def shown(value: object, limit: int = 60, *, bare: bool = False) -> str:
    """A user's value as a message may echo it: like ``repr`` (quoted, with newlines, escape
    sequences and other control characters escaped, never raw) and at most ``limit`` characters;
    a longer value is cut, marked and measured: ``'AAAA…' (100,000 characters)``.

    Bytes are decoded as UTF-8 (bad bytes become U+FFFD) and exceptions shown by their text, both
    as strings; numbers, None and the like appear as ``repr`` writes them (``3.5``, ``True``).
    ``bare=True`` is for where a message has always written the value without quotes: a key or
    name inside a label or key path (``genes.ERBB2.strand``, ``INFO/DP``, ``of sample T1``), a
    caller's word in a note. A short printable string is then written as it is, anything else as
    above. Every message that echoes a value read from a user's file or command line goes through
    here, so this is the one place the rule is kept.
    """
    if isinstance(value, BaseException):
        value = str(value)
    elif isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str):
        try:
            text = repr(value)
        except ValueError:  # an int too long to write out
            text = f"<{type(value).__name__} too long to show>"
        if not text.isprintable():
            return shown(text, limit)
        return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
    if bare and len(value) <= limit and value.isprintable():
        return value
    n = min(len(value), limit)
    out = repr(value[:n])
    while len(out) > limit + 2:  # an escape (\n, \x1b) takes several characters
        n -= 1
        out = repr(value[:n])
    if n == len(value):
        return out
    return f"{out[:-1]}…{out[-1]} ({len(value):,} characters)"


def plain_int(text: str, max_digits: int = 12) -> int | None:
    """``text`` as a non-negative integer when it is plain ASCII digits of sane length, else None.

    ``str.isdigit`` accepts other scripts' digits ('²', '٣') that ``int`` then refuses or reads, and
    ``int`` refuses thousands of digits with a ValueError of its own: neither may reach the user.
    """
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
