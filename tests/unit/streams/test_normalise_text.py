"""fold: any script to comparable lowercase ASCII words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import fold
from streams.normalise.text import has_syllabic_script


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("José PÉREZ", "jose perez"),
        ("  Ñuñez\t\nO’Brien ", "nunez obrien"),
        ("Pérez-Gómez", "perez gomez"),
        ("Straße Łódź Ørsted", "strasse lodz orsted"),
        ("ﬁ Ⅳ ①", "fi iv 1"),  # NFKC: ligature, Roman numeral, circled digit
        ("Сергей Иванов", "sergey ivanov"),  # Cyrillic
        ("Ђорђе", "djordje"),  # Serbian Cyrillic
        ("محمد حسن", "mhmd hsn"),  # Arabic: a consonant skeleton
        ("Αλέξανδρος", "alexandros"),  # Greek
        ("देवनागरी", "devnagri"),  # Devanagari
        ("王小明", "wang xiao ming"),  # Han: one token per syllable
        ("김민수", "gim min su"),  # Hangul
        ("J.R. «el Flaco»", "j r el flaco"),
        ("", ""),
        ("!!! ...", ""),
    ],
)
def test_fold_examples(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_accented_and_plain_spellings_fold_alike() -> None:
    assert fold("MARÍA JOSÉ") == fold("maria jose") == fold("Maria  José")


def test_has_syllabic_script() -> None:
    assert has_syllabic_script("王小明")
    assert has_syllabic_script("김민수")
    assert not has_syllabic_script("Wang Xiaoming")


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_fold_output_is_lowercase_ascii_words(text: str) -> None:
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert all(
        char.isascii() and (char.islower() or char.isdigit() or char == " ") for char in folded
    )
