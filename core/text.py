"""What user-typed text may contain: the one home for control and bidi characters.

A CR or LF in a one-line value (a name, a clinic, a title) ends up in an
email header and makes every email about it fail to send; bidi override
characters can make a name or an address read differently from what is
stored. Forms use these through core.forms.CleanTextMixin; the email outbox
uses `one_line` for subjects.
"""

import re
import unicodedata

# Explicit embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
# Line and paragraph separators are not category Cc but break a line all the same.
_LINE_SEPARATORS = "\u2028\u2029"
MULTILINE_KEEP = "\n\r\t"


def strip_bidi(text: str) -> str:
    return _BIDI.sub("", text)


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in _LINE_SEPARATORS


def has_control_characters(text: str) -> bool:
    return any(is_control(char) for char in text)


def clean_multiline(text: str) -> str:
    """Text for a text area: newlines and tabs stay; other control and bidi characters go."""
    return "".join(char for char in strip_bidi(text) if char in MULTILINE_KEEP or not is_control(char))


def one_line(text: str) -> str:
    """`text` made safe for a single line, e.g. an email header: every run of
    whitespace or control characters becomes one space, bidi controls go."""
    text = "".join(" " if is_control(char) else char for char in strip_bidi(text))
    return " ".join(text.split())


def csv_safe(value) -> str:
    """A cell for a CSV export: text a spreadsheet would run as a formula
    (=, +, -, @ first) is prefixed with an apostrophe."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
