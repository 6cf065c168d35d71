"""parse_name, phonetic keys and name_similarity on names as alerts report them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import (
    NormalisationError,
    PersonName,
    canonical_given,
    given_name_key,
    name_key,
    name_similarity,
    parse_name,
    phonetic_keys,
)
from streams.normalise.nicknames import NICKNAMES
from streams.normalise.text import fold


def similarity(a: str, b: str, **options: str) -> float:
    return name_similarity(parse_name(a, **options), parse_name(b))


# --- parse_name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "given", "surnames"),
    [
        ("Gabriel García Márquez", ("gabriel",), ("garcia", "marquez")),
        ("Juan Pérez", ("juan",), ("perez",)),
        # Hispanic paternal + maternal surname, the paternal one compound
        ("María José Pérez de la Cruz Gómez", ("maria", "jose"), ("perez", "cruz", "gomez")),
        ("Pedro José de la Torre Gómez", ("pedro", "jose"), ("torre", "gomez")),
        ("José Ortega y Gasset", ("jose",), ("ortega", "gasset")),
        ("Ludwig van Beethoven", ("ludwig",), ("beethoven",)),
        ("Mohammed bin Salman al-Saud", ("mohammed",), ("salman", "saud")),
        # "Al" first is a given name, not the Arabic article
        ("Al Pacino", ("al",), ("pacino",)),
        # Initials
        ("J. Pérez", ("j",), ("perez",)),
        ("Juan E. Pérez", ("juan", "e"), ("perez",)),
        ("Juan Pérez G.", ("juan",), ("perez", "g")),
        # Surnames in capitals, the convention of police and immigration lists
        ("PÉREZ GÓMEZ Juan Carlos", ("juan", "carlos"), ("perez", "gomez")),
        ("Juan Carlos PÉREZ GÓMEZ", ("juan", "carlos"), ("perez", "gomez")),
        ("Juan de la CRUZ", ("juan",), ("cruz",)),
        # A single name is the primary identifier, as ICAO files mononyms
        ("Madonna", (), ("madonna",)),
        ("Sr. Juan Pérez Jr.", ("juan",), ("perez",)),
    ],
)
def test_parse_full_name_given_first(
    full: str, given: tuple[str, ...], surnames: tuple[str, ...]
) -> None:
    assert parse_name(full) == PersonName(given=given, surnames=surnames)


@pytest.mark.parametrize(
    ("full", "given", "surnames"),
    [
        ("Pérez Gómez, Juan Carlos", ("juan", "carlos"), ("perez", "gomez")),
        ("Pérez de la Cruz Gómez, María José", ("maria", "jose"), ("perez", "cruz", "gomez")),
        ("de la Cruz, María de los Ángeles", ("maria", "angeles"), ("cruz",)),
        ("ERIKSSON, Anna Maria", ("anna", "maria"), ("eriksson",)),
        ("Pérez Jr., Juan", ("juan",), ("perez",)),
    ],
)
def test_parse_comma_order(full: str, given: tuple[str, ...], surnames: tuple[str, ...]) -> None:
    assert parse_name(full) == PersonName(given=given, surnames=surnames)


def test_parse_surname_first() -> None:
    assert parse_name("Pérez Gómez Juan Carlos", order="surname_first") == PersonName(
        given=("juan", "carlos"), surnames=("perez", "gomez")
    )
    assert parse_name("Pérez de la Cruz Gómez María José", order="SURNAME_FIRST") == PersonName(
        given=("maria", "jose"), surnames=("perez", "cruz", "gomez")
    )
    assert parse_name("Wang Xiaoming", order="surname_first") == PersonName(
        given=("xiaoming",), surnames=("wang",)
    )
    # Han script: a one-syllable surname, each syllable its own token
    assert parse_name("王小明", order="surname_first") == PersonName(
        given=("xiao", "ming"), surnames=("wang",)
    )
    assert parse_name("van der Berg Jan", order="surname_first") == PersonName(
        given=("jan",), surnames=("berg",)
    )


def test_parse_split_fields() -> None:
    assert parse_name(given="María de los Ángeles", surnames="de la Cruz López") == PersonName(
        given=("maria", "angeles"), surnames=("cruz", "lopez")
    )
    assert parse_name(surnames="EL-SAYED") == PersonName(given=(), surnames=("sayed",))
    assert parse_name(given="Anna") == PersonName(given=("anna",), surnames=())


def test_parse_transliterates() -> None:
    assert parse_name("Сергей Иванов") == PersonName(given=("sergey",), surnames=("ivanov",))


@pytest.mark.parametrize("bad", ["", "   ", "!!!", "Juan 2 Pérez", "---, ---"])
def test_parse_rejects_names_without_letters_or_with_digits(bad: str) -> None:
    with pytest.raises(NormalisationError):
        parse_name(bad)


def test_parse_rejects_unknown_order_and_mixed_arguments() -> None:
    with pytest.raises(NormalisationError, match="name order"):
        parse_name("Juan Pérez", order="random")
    with pytest.raises(TypeError):
        parse_name("Juan Pérez", given="Juan")


def test_person_name_rejects_unfolded_tokens() -> None:
    with pytest.raises(NormalisationError, match="not folded"):
        PersonName(given=("José",), surnames=())
    with pytest.raises(NormalisationError):
        PersonName(given=(), surnames=())


# --- nicknames ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nickname", "canonical"),
    [
        ("pepe", "jose"),
        ("paco", "francisco"),
        ("lupe", "guadalupe"),
        ("chucho", "jesus"),
        ("bill", "william"),
        ("bob", "robert"),
        ("ze", "jose"),
        ("maria", "maria"),
    ],
)
def test_canonical_given(nickname: str, canonical: str) -> None:
    assert canonical_given(nickname) == canonical


def test_nickname_table_is_folded_and_flat() -> None:
    assert len(NICKNAMES) >= 40
    for nickname, canonical in NICKNAMES.items():
        assert fold(nickname) == nickname and fold(canonical) == canonical
        assert canonical not in NICKNAMES  # one step reaches the canonical name


# --- keys ---------------------------------------------------------------------------------


def test_phonetic_keys() -> None:
    keys = phonetic_keys(parse_name("Pepe Pérez Gómez"))
    assert keys == {
        "given_metaphone": "JS",  # Pepe resolved to José
        "given_nysiis": "JAS",
        "surname_metaphone": "PRS",
        "surname_nysiis": "PAR",
    }
    assert phonetic_keys(parse_name("Madonna")) == {
        "surname_metaphone": "MTN",
        "surname_nysiis": "MADAN",
    }


def test_blocking_keys_meet_across_spellings() -> None:
    assert name_key(parse_name("Juan Pérez")) == name_key(parse_name("JUAN PERES")) == "PRS"
    assert given_name_key(parse_name("Pepe Pérez")) == given_name_key(parse_name("José Pérez"))
    assert name_key(parse_name("محمد حسن")) == name_key(parse_name("Mohamed Hassan"))
    assert name_key(PersonName(given=("ana",), surnames=())) is None
    assert given_name_key(parse_name("Madonna")) is None


# --- similarity ---------------------------------------------------------------------------


def test_accents_and_case_do_not_matter() -> None:
    assert similarity("José PÉREZ Gómez", "jose perez gomez") == 1.0


def test_swapped_order_scores_high() -> None:
    assert similarity("Pérez Gómez Juan", "Juan Pérez Gómez") >= 0.95
    assert similarity("Pérez Gómez Juan", "Juan Pérez Gómez", order="surname_first") == 1.0
    swapped = name_similarity(
        PersonName(given=("perez",), surnames=("juan",)),
        PersonName(given=("juan",), surnames=("perez",)),
    )
    assert swapped == 1.0


def test_one_initial_scores_high() -> None:
    assert similarity("J. Pérez Gómez", "Juan Pérez Gómez") >= 0.9


def test_missing_maternal_surname_scores_high() -> None:
    assert similarity("Juan Pérez", "Juan Pérez Gómez") >= 0.9


def test_nickname_scores_high() -> None:
    assert similarity("Pepe Pérez", "José Pérez") >= 0.95
    assert similarity("Bill Smith", "William Smith") >= 0.95


def test_transliterations_score_high() -> None:
    assert similarity("Сергей Иванов", "Sergei Ivanov") >= 0.9
    assert similarity("محمد حسن", "Mohammed Hassan") >= 0.85
    assert similarity("王小明", "Wang Xiaoming", order="surname_first") >= 0.85


def test_compound_surname_split_differently_scores_high() -> None:
    assert similarity("María José Pérez de la Cruz Gómez", "Maria Jose Perez Gomez") >= 0.9


def test_different_people_score_low() -> None:
    assert similarity("María José Pérez Gómez", "Carlos Alberto Rodríguez Silva") < 0.2
    assert similarity("Jorge Ramírez", "Javier Ramos") < 0.3
    # Same given name, different surname: not the same person on names alone
    assert similarity("Juan Pérez", "Juan Gómez") <= 0.5
    assert similarity("Juan", "Juan Pérez Gómez") <= 0.5


_TOKENS = st.sampled_from(
    ["juan", "jose", "pepe", "maria", "perez", "peres", "gomez", "cruz", "j", "m", "ana", "li"]
)
_NAMES = (
    st.tuples(st.lists(_TOKENS, max_size=4), st.lists(_TOKENS, max_size=4))
    .filter(lambda parts: bool(parts[0] or parts[1]))
    .map(lambda parts: PersonName(given=tuple(parts[0]), surnames=tuple(parts[1])))
)


@given(_NAMES, _NAMES)
def test_similarity_is_a_symmetric_score(a: PersonName, b: PersonName) -> None:
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(name_similarity(b, a))


@given(_NAMES)
def test_a_name_is_fully_similar_to_itself(name: PersonName) -> None:
    assert name_similarity(name, name) == pytest.approx(1.0)


@given(st.text(), st.sampled_from(["given_first", "surname_first", "unknown"]))
def test_parse_name_never_crashes(text: str, order: str) -> None:
    try:
        name = parse_name(text, order=order)
    except NormalisationError:
        return
    assert name.tokens
    assert all(fold(token) == token for token in name.tokens)
