"""Identifiers the generator writes carry valid check digits and parse where they should."""

import random
import re
from datetime import date

import phonenumbers
import pytest
from schwifty import IBAN

from producers.scenario import generate
from producers.scenario.identifiers import (
    MIDS,
    container_id,
    iban_cr,
    imo,
    imo_check_digit,
    iso6346_check_digit,
    mrz_td3,
)
from producers.scenario.phones import PLANS, e164, fill, mobile
from streams.normalise.documents import parse_mrz

SEPARATORS = re.compile(r"[\s\-]")


def test_check_digits_agree_with_published_examples() -> None:
    assert imo_check_digit("907472") == "9"  # IMO 9074729, the IMO's own worked example
    assert iso6346_check_digit("CSQU305438") == "3"  # CSQU3054383, ISO 6346 Annex A
    assert iso6346_check_digit("MSKU907032") == "3"


@pytest.mark.parametrize("seed", range(20))
def test_generated_identifiers_are_valid(seed: int) -> None:
    rng = random.Random(seed)
    number = imo(rng)
    assert len(number) == 7 and number[-1] == imo_check_digit(number[:6])
    box = container_id(rng, "TGH")
    assert re.fullmatch(r"TGHU\d{7}", box) and box[-1] == iso6346_check_digit(box[:10])
    iban = IBAN(iban_cr(rng, "152"))  # schwifty checks the length, format and checksum
    assert iban.country_code == "CR" and iban.bank_code == "0152"


def test_scenario_vessels_containers_and_accounts_are_valid() -> None:
    s = generate(seed=3, networks=5, noise=0.6)
    vessels = [v for a in s.alerts for v in a["vessels"]]
    assert vessels
    for vessel in vessels:
        if vessel["imo"]:
            digits = vessel["imo"].removeprefix("IMO").strip()
            assert digits[-1] == imo_check_digit(digits[:6])
        assert vessel["mmsi"][:3] in MIDS[vessel["flag"]]
    boxes = [SEPARATORS.sub("", c["container_id"]) for a in s.alerts for c in a["shipments"]]
    assert boxes and all(b[-1] == iso6346_check_digit(b[:10]) for b in boxes)
    accounts = [x for a in s.alerts for x in a["accounts"]]
    ibans = [IBAN(x["iban"]) for x in accounts if x["iban"]]
    assert ibans and all(i.country_code == "CR" for i in ibans)
    assert all(x["iban"] or x["account_number"] for x in accounts)
    assert {x["country"] for x in accounts if x["iban"]} == {"CR"}


@pytest.mark.parametrize("country", sorted(PLANS))
def test_every_format_of_every_plan_is_a_valid_mobile_number(country: str) -> None:
    rng = random.Random(country)
    plan = PLANS[country]
    for _ in range(20):
        nsn = mobile(rng, country)
        expected = e164(country, nsn)
        for pattern in (*plan.local, *plan.international):
            parsed = phonenumbers.parse(fill(pattern, nsn), country)
            assert phonenumbers.is_valid_number(parsed), (pattern, nsn)
            assert (
                phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == expected
            )


def test_an_mrz_reads_back_with_every_check_digit() -> None:
    zone = mrz_td3(
        state="VE",
        number="123456789",
        surnames="Rondón Pérez",
        given="José Luis",
        nationality="VE",
        born=date(1987, 11, 3),
        sex="MALE",
        expiry=date(2029, 6, 30),
    )
    mrz = parse_mrz(zone)
    assert (mrz.surnames, mrz.given_names) == ("RONDON PEREZ", "JOSE LUIS")
    assert mrz.document_number == "123456789"
