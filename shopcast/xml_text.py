"""Which characters XML 1.0 documents (feeds) and text interchange may carry.

XML 1.0 allows only tab, line feed, carriage return and U+0020 upwards, without surrogates and without
U+FFFE and U+FFFF; a document holding anything else does not parse, so one stored title could break a
whole feed. Unicode's noncharacters (U+FDD0..U+FDEF and the last two code points of every plane) are
for a program's internal use and never belong in interchanged text either. Input checks refuse both
(`is_interchangeable`); writers of XML drop them from older rows (`xml_safe`).
"""

from __future__ import annotations

import unicodedata

__all__ = ["is_interchangeable", "is_noncharacter", "is_xml_char", "single_line", "xml_safe"]


def is_xml_char(char: str) -> bool:
    """Whether XML 1.0's `Char` production admits this character."""
    point = ord(char)
    return (
        point in (0x9, 0xA, 0xD)
        or 0x20 <= point <= 0xD7FF
        or 0xE000 <= point <= 0xFFFD
        or 0x10000 <= point <= 0x10FFFF
    )


def is_noncharacter(char: str) -> bool:
    """U+FDD0..U+FDEF, or U+xxFFFE / U+xxFFFF of any plane."""
    point = ord(char)
    return 0xFDD0 <= point <= 0xFDEF or (point & 0xFFFE) == 0xFFFE


def is_interchangeable(text: str) -> bool:
    """Whether every character may appear in an XML document and is not a noncharacter."""
    return all(is_xml_char(char) and not is_noncharacter(char) for char in text)


def xml_safe(text: str) -> str:
    """The text without the characters `is_interchangeable` refuses."""
    if is_interchangeable(text):
        return text
    return "".join(char for char in text if is_xml_char(char) and not is_noncharacter(char))


def single_line(field: str, value: str | None, problems: list[str]) -> str:
    """Input text with its runs of whitespace (line breaks too) made single spaces. Empty text,
    control and private-use characters, and what `is_interchangeable` refuses are each a problem
    appended to `problems`, naming `field`; the caller reports them all at once."""
    text = " ".join((value or "").split())
    if not text:
        problems.append(f"{field}: must not be empty")
    elif any(unicodedata.category(char) in ("Cc", "Cs", "Co") for char in text) or not is_interchangeable(
        text
    ):
        problems.append(f"{field}: must be printable text")
    return text
