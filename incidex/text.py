"""Text that every storage engine and every encoder accepts.

Sources hand us strings that Python holds but others refuse: a lone surrogate (from a JSON
escape such as ``"\\ud800"``) cannot be encoded as UTF-8, so SQLite's driver and any writer
fail on it; PostgreSQL refuses a NUL in text. Both are replaced by U+FFFD, one character for
one, so that evidence offsets computed on the cleaned text still point at the same
characters.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def safe_text(value: str) -> str:
    """``value`` with NULs and lone surrogates replaced, same length; unchanged when clean."""
    if _UNSAFE.search(value) is None:
        return value
    return _UNSAFE.sub(REPLACEMENT, value)


def safe_optional(value: str | None) -> str | None:
    return None if value is None else safe_text(value)
