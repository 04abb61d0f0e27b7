"""textsafe: log content never reaches the terminal as control or reordering characters."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtui.engine.textsafe import markup_safe, safe_block, safe_multiline, safe_text, terminal_safe_json

# The characters the module promises to escape, stated independently of its regexes: Unicode's control
# category (C0, DEL, C1), the bidi embedding/override/isolate controls, and the line/paragraph separators.
BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}  # + marks
SEPARATORS = {"\u2028", "\u2029"}


def must_escape(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in BIDI or char in SEPARATORS


def expected_escape(char: str) -> str:
    named = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
    if char in named:
        return named[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def test_every_bmp_character_individually() -> None:
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        expected = expected_escape(char) if must_escape(char) else char
        assert safe_text(char) == expected, hex(code)
        if char != "\n":
            assert safe_multiline(char) == expected, hex(code)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),  # a log line trying to set the clipboard
        ("\x9b31m", "\\x9b31m"),  # C1 CSI
        ("user\u202egnp.exe", "user\\u202egnp.exe"),
        ("a\u2066b\u2069c", "a\\u2066b\\u2069c"),
        ("tab\there\r\nnext", "tab\\there\\r\\nnext"),
        ("\x00\x7f", "\\x00\\x7f"),
        ("C:\\path\\x1b", "C:\\path\\x1b"),  # backslashes stay as they are
        ("日本語 é 😀 \u200d", "日本語 é 😀 \u200d"),
        ("", ""),
    ],
)
def test_known_attacks_and_ordinary_text(text: str, shown: str) -> None:
    assert safe_text(text) == shown


def test_multiline_keeps_newlines_only() -> None:
    assert safe_multiline("a\nb\r\n\tc\x1b") == "a\nb\\r\n\\tc\\x1b"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_output_is_always_safe_and_faithful(text: str) -> None:
    out = safe_text(text)
    assert not any(must_escape(c) for c in out)
    assert "".join(expected_escape(c) if must_escape(c) else c for c in text) == out
    assert safe_text(out) == out  # the result is stable
    multi = safe_multiline(text)
    assert multi.split("\n") == [safe_text(part) for part in text.split("\n")]


def test_unchanged_text_is_returned_as_is() -> None:
    text = "arn:aws:iam::123456789012:user/Alice"
    assert safe_text(text) is text
    assert safe_multiline(text) is text


# --- the variants: same characters, same escapes -------------------------------------------------------

UNSAFE_SAMPLE = "\x1b[2J\x07\x08\r\x7f\x9b\u202e\u2066\u2028\u200f\t\n"


def test_variants_escape_the_same_characters_the_same_way() -> None:
    for char in UNSAFE_SAMPLE:
        if not must_escape(char):
            continue
        expected = expected_escape(char)
        assert markup_safe(char) == expected.replace("[", "\\[")
        assert safe_block(char) == (char if char in "\n\t" else expected)
        assert safe_text(safe_text(char)) == safe_text(char)  # escaping twice changes nothing


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("[]/@=\\ab x") + ["[/x]", "[@click=app.quit]", "[b]", "\x1b"]), max_size=20))
def test_markup_safe_renders_as_its_safe_text_in_textual(pieces: list[str]) -> None:
    from textual.markup import to_content

    text = "".join(pieces)
    content = to_content(markup_safe(text))
    assert content.plain == safe_text(text)
    assert not content.spans  # no style, no link, no @click action


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=10))
def test_terminal_safe_json_keeps_the_values_and_drops_every_unsafe_char(value: object) -> None:
    import json

    for text in (json.dumps(value, ensure_ascii=False), json.dumps(value, ensure_ascii=False, indent=1)):
        shown = terminal_safe_json(text)
        assert json.loads(shown) == value
        assert safe_multiline(shown) == shown
