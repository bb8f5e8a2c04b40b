"""One reading rule for input files, and one way to write a file atomically.

Reading (every loader calls :func:`read_input_file`, then :func:`parse_toml` or :func:`parse_json`):

* only regular files are read (a FIFO would block forever, ``/dev/zero`` never ends), up to a size limit;
* the text must be UTF-8 (a UTF-8 byte-order mark is accepted and dropped); UTF-16, Latin-1 and binary files are
  refused with a line saying what the file looks like and how to fix it;
* nesting deeper than :data:`MAX_NESTING`, integers with more than :data:`MAX_DIGITS` digits, duplicate JSON keys and
  JSON's ``NaN``/``Infinity`` are refused;
* text may not hold control characters (:func:`control_character`): they reach terminals raw and break workbooks.

Every failure is a :class:`~model.scenario.errors.UserError` of one line naming the file, which the CLI prints with
exit 2.

Writing: :func:`write_text_atomically` (caches of the optimisation stage, run folders) so a reader sees the old file or
the whole new one. The escaping rule for outputs is ``model.scenario.escaping``.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.scenario.errors import UserError

if TYPE_CHECKING:
    pass


MAX_SCENARIO_BYTES = 2 * 1024 * 1024  # a scenario is a few kB; 2 MB leaves room for long source notes


MAX_GAME_BYTES = 64 * 1024 * 1024  # a full 20-player coalition table (2**20 entries) is about 30 MB of JSON


MAX_NESTING = 32  # tables and lists inside each other; real scenarios use 4


MAX_DIGITS = 20  # digits of an integer; 64-bit integers have at most 19 (sys default: 4,300)


# C0 controls except tab and line feed, DEL, C1 controls, and the Unicode bidirectional overrides (which can make
# text read differently from what it holds).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def read_input_file(path: str | Path, what: str, max_bytes: int = MAX_SCENARIO_BYTES) -> str:
    """The text of ``path`` (a ``what``, e.g. "scenario file"), refusing anything that is not a regular UTF-8 file of
    at most ``max_bytes``; raises UserError with one line naming the file and the reason."""
    file = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it.
        descriptor = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UserError(f"{file}: no such {what}") from None
    except IsADirectoryError:
        raise UserError(f"{file}: is a folder, not a {what}") from None
    except OSError as error:
        raise UserError(f"{file}: cannot read the {what} ({error.strerror or error})") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"{file}: is a folder, not a {what}")
        raise UserError(f"{file}: is not a regular file (a device, pipe or socket); give a {what} saved on disk")
    if info.st_size > max_bytes:
        os.close(descriptor)
        raise UserError(f"{file}: the {what} is {info.st_size:,} bytes; the limit is {max_bytes:,}")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            raise UserError(f"{file}: cannot read the {what} ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise UserError(f"{file}: the {what} is larger than the limit of {max_bytes:,} bytes")
    return decode_text(data, f"{file}", what)


def decode_text(data: bytes, origin: str, what: str) -> str:
    """UTF-8 text of ``data`` (a UTF-8 byte-order mark is dropped); other encodings and binary data are refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UserError(f"{origin}: the {what} is saved as UTF-16; save it as UTF-8")
    if b"\x00" in data:
        raise UserError(f"{origin}: the {what} is binary, not text (it holds NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserError(
            f"{origin}: the {what} is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}; "
            "saved as Latin-1 or Windows-1252?); save it as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """Parse TOML, refusing syntax errors, nesting deeper than MAX_NESTING and over-long integers in one line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{origin}: not valid TOML ({error})") from None
    except RecursionError:
        raise UserError(f"{origin}: tables or lists are nested too deeply (the limit is {MAX_NESTING})") from None
    except ValueError:  # int() of a number with more digits than Python converts
        raise UserError(f"{origin}: a number is too long (at most {MAX_DIGITS} digits)") from None
    check_structure(data, origin)
    return data


def parse_json(text: str, origin: str) -> Any:
    """Parse JSON, refusing duplicate keys, ``NaN``/``Infinity``, deep nesting and over-long integers in one line."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise _JsonProblem(f"the key {key!r} appears twice in one object")
            result[key] = value
        return result

    def constant(name: str) -> Any:
        raise _JsonProblem(f"{name} is not a number; give a finite number")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as error:
        raise UserError(f"{origin}: not valid JSON: {error.msg} (line {error.lineno})") from None
    except _JsonProblem as error:
        raise UserError(f"{origin}: {error}") from None
    except RecursionError:
        raise UserError(f"{origin}: objects or lists are nested too deeply (the limit is {MAX_NESTING})") from None
    except ValueError:
        raise UserError(f"{origin}: a number is too long (at most {MAX_DIGITS} digits)") from None
    check_structure(data, origin)
    return data


class _JsonProblem(ValueError):
    """Raised inside the JSON parser's hooks; turned into a UserError naming the file."""


def check_structure(data: Any, origin: str) -> None:
    """Refuse parsed data nested deeper than MAX_NESTING or holding integers longer than MAX_DIGITS digits."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    limit = 10**MAX_DIGITS
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise UserError(f"{origin}: tables or lists are nested too deeply (the limit is {MAX_NESTING})")
        if isinstance(node, dict):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= limit:
            raise UserError(f"{origin}: the integer {str(node)[:12]}... is too long (at most {MAX_DIGITS} digits)")


def control_character(text: str) -> str | None:
    """The first control character in ``text`` as ``U+001B`` (tab and line feed are allowed), or None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def control_characters(node: Any, location: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """(location, ``U+XXXX``) of every text value or key in parsed data ``node`` holding a control character; a
    location is a tuple of keys and list indices (a key holding one is shown with the character escaped)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(node, str):
        code = control_character(node)
        if code:
            found.append((location, code))
    elif isinstance(node, dict):
        for key, value in node.items():
            code = control_character(str(key))
            if code:
                found.append(((*location, str(key).encode("unicode_escape").decode()), code))
            found.extend(control_characters(value, (*location, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(control_characters(value, (*location, index)))
    return found


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that a reader sees the old file or the whole new one, never a part:
    a fresh ``mkstemp`` file beside it (so concurrent writers never share a temporary name), then ``os.replace``.
    The temporary file is removed if anything fails. Creates the parent folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
