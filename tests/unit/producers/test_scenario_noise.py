"""Each kind of noise changes a record the way another agency would, and no more."""

import random
from datetime import date

import pytest
from rapidfuzz.distance import OSA

from producers.scenario.names import NICKNAMES, Name
from producers.scenario.noise import (
    NAME_NOISE,
    NOISE_KINDS,
    NameForm,
    vary_dob,
    vary_document_number,
    vary_identifier,
    vary_name,
    vary_phone,
    vary_state,
)
from streams.normalise.documents import document_key
from streams.normalise.nicknames import canonical_given
from streams.normalise.phones import to_e164
from streams.normalise.text import fold

JOSE = Name(("José", "Carlos"), ("Pérez", "Gómez"))
SERGEI = Name(
    ("Sergei",), ("Ivanov",), spellings=(("Sergei", ("Sergey",)), ("Ivanov", ("Ivanoff",)))
)


def form(name: Name) -> NameForm:
    return NameForm(name.given, name.surnames)


def apply(kind: str, name: Name, seed: int = 0) -> NameForm:
    varied = NAME_NOISE[kind](random.Random(seed), form(name), name)
    assert varied is not None, f"{kind} does not apply to {name}"
    return varied


def test_every_name_noise_is_a_documented_kind() -> None:
    assert set(NAME_NOISE) <= set(NOISE_KINDS)


def test_every_nickname_resolves_to_its_name_downstream() -> None:
    for given, nicknames in NICKNAMES.items():
        assert all(canonical_given(fold(n)) == fold(given) for n in nicknames), given


def test_a_typo_is_one_swap_drop_or_double_in_one_token() -> None:
    for seed in range(50):
        varied = apply("typo", JOSE, seed)
        pairs = zip(varied.given + varied.surnames, JOSE.given + JOSE.surnames, strict=True)
        changed = [(new, old) for new, old in pairs if new != old]
        assert len(changed) == 1
        assert OSA.distance(*changed[0]) == 1


def test_the_other_name_noises() -> None:
    assert apply("accents", JOSE) == NameForm(("Jose", "Carlos"), ("Perez", "Gomez"))
    assert apply("missing_surname", JOSE).surnames == ("Pérez",)
    assert apply("missing_given", JOSE).given == ("José",)
    assert apply("initial", JOSE).given == ("J.", "Carlos")
    assert apply("nickname", JOSE).given[0] in ("Pepe", "Chepe")
    assert apply("name_order", JOSE).order in ("surname_first", "comma")
    varied = apply("transliteration", SERGEI)
    assert varied.given + varied.surnames in (("Sergey", "Ivanov"), ("Sergei", "Ivanoff"))
    assert NAME_NOISE["transliteration"](random.Random(0), form(JOSE), JOSE) is None
    assert NAME_NOISE["nickname"](random.Random(0), form(SERGEI), SERGEI) is None


def test_accents_are_added_where_there_were_none() -> None:
    plain = Name(("Maria",), ("Lopez",))
    varied = NAME_NOISE["accents"](random.Random(3), form(plain), plain)
    assert varied != form(plain)
    assert {"á", "é", "í", "ó", "ú"} & set("".join(varied.given + varied.surnames))


def test_vary_name_always_changes_something() -> None:
    rng = random.Random(4)
    for name in (JOSE, SERGEI, Name(("Li",), ("Na",))):
        assert all(vary_name(rng, form(name), name) != form(name) for _ in range(30))


def test_dates_of_birth_become_partial_or_swapped() -> None:
    rng = random.Random(5)
    seen = {vary_dob(rng, date(1990, 5, 12)) for _ in range(100)}
    assert seen == {"1990", "1990-05", "1990-12-05"}
    assert "1990-25-05" not in {vary_dob(rng, date(1990, 5, 25)) for _ in range(50)}


@pytest.mark.parametrize(
    ("country", "nsn", "abroad"),
    [("TT", "8686201234", "GY"), ("CO", "3001234567", "PA"), ("EC", "991234567", "PE")],
)
def test_a_varied_phone_stays_readable_at_home_and_abroad(
    country: str, nsn: str, abroad: str
) -> None:
    rng = random.Random(6)
    expected = to_e164(nsn, country)
    for _ in range(40):
        number, hint = vary_phone(rng, country, nsn, foreign=True)
        assert to_e164(number, hint or abroad) == expected
        number, hint = vary_phone(rng, country, nsn, foreign=False)
        assert to_e164(number, hint or country) == expected


def test_document_numbers_and_states_keep_their_key() -> None:
    rng = random.Random(7)
    for number in ("V-12.345.678", "AB1234567", "8-123-4567"):
        key = document_key("VE", number)
        assert all(document_key("VE", vary_document_number(rng, number)) == key for _ in range(20))
    assert vary_state("VEN") == "VE" and vary_state("VE") == "VEN"


def test_identifiers_change_format_only() -> None:
    rng = random.Random(8)
    iban = vary_identifier(
        rng, "accounts", {"iban": "CR05015202001026284066", "account_number": None}
    )
    assert iban["iban"] == "CR05 0152 0200 1026 2840 66"
    handle = vary_identifier(rng, "online", {"kind": "HANDLE", "value": "@meseras_trinidad7"})
    assert handle["value"] == "meseras_trinidad7"
    vessel = vary_identifier(rng, "vessels", {"imo": "9074729", "name": "Stella Maris"})
    assert vessel["imo"] in ("IMO 9074729", "IMO9074729") and vessel["name"] == "STELLA MARIS"
