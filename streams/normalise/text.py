"""Folding of free text to a comparable ASCII form, whatever script it was written in."""

import re
import unicodedata

from anyascii import anyascii

# Han and Hangul characters are one syllable each, and anyascii joins their readings
# ("王小明" -> "WangXiaoMing"); spacing them first keeps one token per syllable, as the
# Latin spelling of such names mostly does ("Wang Xiao Ming").
_SYLLABIC = re.compile(
    "(["
    "\u3400-\u4dbf"  # CJK Unified Ideographs Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uac00-\ud7a3"  # Hangul syllables
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0003134f"  # CJK Unified Ideographs Extensions B-G
    "])"
)
# Apostrophes join rather than split: "O'Brien" is spelt "OBrien" as often as "O Brien",
# and anyascii writes the Arabic ayn and hamza as ' or `.
_APOSTROPHES = re.compile("['`]")
_NOT_ALNUM = re.compile("[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits separated by single spaces.

    NFKC first (ligatures, full-width and circled forms), then anyascii transliterates
    any script and drops accents; any other punctuation becomes a word break.
    Idempotent: the output is its own fold.
    """
    spaced = _SYLLABIC.sub(r" \1 ", unicodedata.normalize("NFKC", text))
    ascii_text = _APOSTROPHES.sub("", anyascii(spaced).lower())
    return _NOT_ALNUM.sub(" ", ascii_text).strip()


def has_syllabic_script(text: str) -> bool:
    """True if the text holds Han or Hangul characters (names usually written surname first)."""
    return _SYLLABIC.search(text) is not None
