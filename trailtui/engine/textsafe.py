"""Keep log content from writing to the terminal.

CloudTrail fields are attacker-controlled (a user agent, a bucket key, an error message). A field holding
``\\x1b[2J`` must show as text, not clear the screen. Every cell and line trailtui draws or prints to a
terminal goes through :func:`safe_text` (one-line cells) or :func:`safe_multiline` (the detail view).

What is escaped: C0 controls (U+0000–U+001F), DEL, C1 controls (U+0080–U+009F, e.g. U+009B, the one-byte
CSI), the bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) and marks (U+200E,
U+200F, U+061C) that can reorder what a reader sees, and the line/paragraph separators U+2028/U+2029. Each
becomes a visible escape (``\\t``, ``\\n``, ``\\r``, ``\\x1b``, ``\\u202e``). Backslashes are left alone,
so an escape is visibly an escape but not reversible (and escaping twice changes nothing); the original
text is always available through copy-raw, files and pipes.

The same characters, escaped the same way, everywhere:

* :func:`safe_text` — one-line cells, status lines, messages; :func:`safe_multiline` keeps ``\\n``.
* :func:`markup_safe` — for any Textual API that parses markup (``Static``, ``notify``, labels): also
  escapes ``[`` so log content can never open a tag or an ``@click`` action.
* :func:`terminal_safe_json` — JSON text for a terminal: the same characters as JSON ``\\uXXXX``
  escapes, so the output stays valid JSON with the same meaning.
"""

from __future__ import annotations

import re

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

_UNSAFE_CHARS = (
    "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\u200e\u200f\u061c"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
_UNSAFE_KEEP_NEWLINE = re.compile(f"[{_UNSAFE_CHARS.replace(chr(0) + '-' + chr(0x1F), chr(0) + '-' + chr(9) + chr(11) + '-' + chr(0x1F))}]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str) -> str:
    """Return ``text`` with every control or reordering character replaced by a visible escape."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def safe_multiline(text: str) -> str:
    """Like :func:`safe_text` but keeps ``\\n`` line breaks (for multi-line views)."""
    if _UNSAFE_KEEP_NEWLINE.search(text) is None:
        return text
    return _UNSAFE_KEEP_NEWLINE.sub(_escape, text)


_UNSAFE_KEEP_LAYOUT = re.compile(
    f"[{_UNSAFE_CHARS.replace(chr(0) + '-' + chr(0x1F), chr(0) + '-' + chr(8) + chr(11) + '-' + chr(0x1F))}]"
)


def safe_block(text: str) -> str:
    """Like :func:`safe_text` but keeps ``\\n`` and ``\\t`` (multi-line output, TSV, the clipboard)."""
    if _UNSAFE_KEEP_LAYOUT.search(text) is None:
        return text
    return _UNSAFE_KEEP_LAYOUT.sub(_escape, text)


def markup_safe(text: str) -> str:
    """:func:`safe_text`, then every ``[`` escaped for Textual markup (``\\[``): the result renders as
    exactly ``safe_text(text)``, with no tag, style or ``@click`` action taking effect."""
    return safe_text(text).replace("[", "\\[")


_JSON_UNSAFE = re.compile(f"[{_UNSAFE_CHARS.replace(chr(0) + '-' + chr(0x1F), chr(0) + '-' + chr(9) + chr(11) + '-' + chr(0x1F))}]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe_json(text: str) -> str:
    """JSON text (one document, or JSON Lines) made safe for a terminal: every character :func:`safe_text`
    escapes, except the newlines between values, becomes a JSON ``\\uXXXX`` escape. Such characters can
    only occur inside JSON strings, where the escape means the same character: the output parses to
    exactly the same values."""
    if _JSON_UNSAFE.search(text) is None:
        return text
    return _JSON_UNSAFE.sub(_json_escape, text)


def _one_glyph(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␇ for BEL …
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def visible_glyphs(text: str) -> str:
    """``text`` with each unsafe character replaced by ONE visible character (``␛`` for ESC, ``�`` for C1 and
    bidi controls), so positions in the text stay positions on screen: for an editable field, where
    ``safe_text``'s multi-character escapes would move the cursor."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_one_glyph, text)
