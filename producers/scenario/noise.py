"""Noise: how another agency's record of an entity differs from the first agency's.

Each function takes the noise RNG and a canonical value and returns a variant that a
real agency could have written for the same thing; `render` decides when to apply one.
"""

import random
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from .identifiers import ALPHA3
from .names import NICKNAMES, Name
from .phones import PLANS, e164, fill

NOISE_KINDS = (
    "typo",  # one character swapped with the next, dropped or doubled
    "accents",  # accents dropped ("Jose Perez"), or one added where there was none
    "name_order",  # surname first, or "SURNAMES, Given"; in split fields, the fields swapped
    "missing_surname",  # the second (maternal) surname left out
    "missing_given",  # the second given name left out
    "initial",  # "J. Carlos Pérez"
    "nickname",  # "Pepe" for José, "Bill" for William
    "transliteration",  # another Latin spelling of a non-Latin name ("Sergey" for Sergei)
    "partial_dob",  # only the year, or year and month
    "swapped_dob",  # day and month swapped
    "phone_format",  # local, trunk prefix, international or E.164; country hint or not
    "document_format",  # spaces, dashes or dots in the number; alpha-2 for alpha-3
    "identifier_format",  # "IMO 9…", IBAN in groups of four, "@" dropped, plate separators
    "missing_field",  # date of birth, sex, nationality, expiry, BIC, IMO... left empty
)
_ACUTE = str.maketrans("aeiou", "áéíóú")
_SEPARATORS = re.compile(r"[\s\-.]")


@dataclass(frozen=True)
class NameForm:
    """A Latin name on its way to a record: tokens and the order they will be written in."""

    given: tuple[str, ...]
    surnames: tuple[str, ...]
    order: str = "given_first"  # "given_first", "surname_first" or "comma"


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _tokens(form: NameForm) -> list[tuple[str, int]]:
    return [("given", i) for i in range(len(form.given))] + [
        ("surnames", i) for i in range(len(form.surnames))
    ]


def _with_token(form: NameForm, part: str, index: int, token: str) -> NameForm:
    tokens = list(getattr(form, part))
    tokens[index] = token
    return replace(form, **{part: tuple(tokens)})


def _typo(rng: random.Random, form: NameForm, name: Name) -> NameForm | None:
    candidates = [(p, i) for p, i in _tokens(form) if len(getattr(form, p)[i]) >= 4]
    if not candidates:
        return None
    part, index = rng.choice(candidates)
    token = getattr(form, part)[index]
    at = rng.randrange(1, len(token) - 1)
    edits = (
        token[:at] + token[at + 1] + token[at] + token[at + 2 :],  # swap
        token[:at] + token[at + 1 :],  # drop
        token[:at] + token[at] + token[at:],  # double
    )
    return _with_token(form, part, index, rng.choice(edits))


def _accents(rng: random.Random, form: NameForm, name: Name) -> NameForm:
    stripped = NameForm(
        tuple(map(strip_accents, form.given)), tuple(map(strip_accents, form.surnames)), form.order
    )
    if stripped != form:
        return stripped
    part, index = rng.choice(_tokens(form))
    token = getattr(form, part)[index]
    vowels = [i for i, c in enumerate(token) if i > 0 and c in "aeiou"]
    if not vowels:
        return form
    at = rng.choice(vowels)
    return _with_token(
        form, part, index, token[:at] + token[at].translate(_ACUTE) + token[at + 1 :]
    )


def _name_order(rng: random.Random, form: NameForm, name: Name) -> NameForm:
    return replace(form, order=rng.choice(("surname_first", "comma")))


def _missing_surname(rng: random.Random, form: NameForm, name: Name) -> NameForm | None:
    return replace(form, surnames=form.surnames[:1]) if len(form.surnames) > 1 else None


def _missing_given(rng: random.Random, form: NameForm, name: Name) -> NameForm | None:
    return replace(form, given=form.given[:1]) if len(form.given) > 1 else None


def _initial(rng: random.Random, form: NameForm, name: Name) -> NameForm | None:
    if not form.given or len(form.given[0]) < 2:
        return None
    return _with_token(form, "given", 0, form.given[0][0] + ".")


def _nickname(rng: random.Random, form: NameForm, name: Name) -> NameForm | None:
    if not form.given or form.given[0] not in NICKNAMES:
        return None
    return _with_token(form, "given", 0, rng.choice(NICKNAMES[form.given[0]]))


def _transliteration(rng: random.Random, form: NameForm, name: Name) -> NameForm | None:
    spellings = dict(name.spellings)
    candidates = [(p, i) for p, i in _tokens(form) if getattr(form, p)[i] in spellings]
    if not candidates:
        return None
    part, index = rng.choice(candidates)
    return _with_token(form, part, index, rng.choice(spellings[getattr(form, part)[index]]))


NAME_NOISE = {
    "typo": _typo,
    "accents": _accents,
    "name_order": _name_order,
    "missing_surname": _missing_surname,
    "missing_given": _missing_given,
    "initial": _initial,
    "nickname": _nickname,
    "transliteration": _transliteration,
}


def vary_name(rng: random.Random, form: NameForm, name: Name) -> NameForm:
    """One name noise, picked at random among those that apply to this name."""
    kinds = sorted(NAME_NOISE)
    rng.shuffle(kinds)
    for kind in kinds:
        varied = NAME_NOISE[kind](rng, form, name)
        if varied is not None and varied != form:
            return varied
    return form


def vary_dob(rng: random.Random, born: date) -> str:
    """Year only, year and month, or day and month swapped (when both could be months)."""
    if born.day <= 12 and born.day != born.month and rng.random() < 0.4:
        return f"{born.year}-{born.day:02d}-{born.month:02d}"
    return str(born.year) if rng.random() < 0.6 else f"{born.year}-{born.month:02d}"


def vary_phone(rng: random.Random, country: str, nsn: str, foreign: bool) -> tuple[str, str | None]:
    """(number, country hint) in one of the ways people write it. A number without its
    country code is only readable abroad with a hint, so those always get one."""
    plan = PLANS[country]
    pattern = rng.choice((*plan.local, *plan.international, "E164"))
    number = e164(country, nsn) if pattern == "E164" else fill(pattern, nsn)
    needs_hint = foreign and not number.startswith("+")
    return number, country if needs_hint or rng.random() < 0.3 else None


def vary_document_number(rng: random.Random, number: str) -> str:
    compact = _SEPARATORS.sub("", number)
    if compact != number and rng.random() < 0.5:
        return compact
    cut = rng.randrange(2, len(compact) - 1)
    return compact[:cut] + rng.choice(" -") + compact[cut:]


def vary_state(state: str) -> str:
    """Alpha-3 for alpha-2 and back, as different forms ask for."""
    if len(state) == 3:
        return next(a2 for a2, a3 in ALPHA3.items() if a3 == state)
    return ALPHA3[state]


def vary_identifier(rng: random.Random, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The same identifiers with the separators, prefixes and case another system uses."""
    varied = dict(fields)
    if kind == "vessels":
        if varied["imo"]:
            varied["imo"] = rng.choice(("IMO ", "IMO")) + varied["imo"]
        varied["name"] = varied["name"].upper()
    elif kind == "shipments":
        box = varied["container_id"]
        sep = rng.choice(" -")
        varied["container_id"] = f"{box[:4]}{sep}{box[4:10]}{sep}{box[10]}"
    elif kind == "accounts":
        if varied["iban"]:
            iban = varied["iban"]
            varied["iban"] = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        if varied["account_number"]:
            varied["account_number"] = _SEPARATORS.sub("", varied["account_number"])
    elif kind == "online":
        value = varied["value"]
        if varied["kind"] == "HANDLE":
            varied["value"] = value.removeprefix("@")
        elif varied["kind"] == "AD_URL":
            varied["value"] = value.replace("https://", rng.choice(("http://", "")))
        else:
            varied["value"] = value.capitalize()
    elif kind == "vehicles":
        varied["plate"] = _SEPARATORS.sub(rng.choice(("", "-", " ")), varied["plate"])
    return varied


# Fields an agency may leave empty, by subject array (never the identifying one).
OPTIONAL = {
    "persons": ("date_of_birth", "sex", "nationalities"),
    "documents": ("expiry", "mrz"),
    "vessels": ("imo", "call_sign"),
    "shipments": ("bill_of_lading", "consignee"),
    "accounts": ("bic", "bank_name"),
    "online": ("platform",),
    "vehicles": ("make_model", "colour"),
}
EMPTY: dict[str, Any] = {"sex": "UNKNOWN", "nationalities": []}


def drop_field(rng: random.Random, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    name = rng.choice(OPTIONAL[kind])
    return {**fields, name: EMPTY.get(name)}
