"""What networks and the background use: bank accounts and amounts, front companies,
vans, vessels, containers and online identifiers, in the formats agencies see them in."""

import random
from collections.abc import Container
from decimal import Decimal

from . import identifiers
from .places import AMOUNTS, BANKS, PLACES, spanish
from .world import Document, Mention, Person, Phone, Thing, World

AD_WORDS = {
    "smuggling": ("viajes-seguros", "asesoria-migratoria", "ruta-norte"),
    "sexual": ("meseras", "modelos", "anfitrionas", "hostess-jobs"),
    "labour": ("trabajo-mina", "cosecha", "obreros", "fishing-crew"),
}
DESTINATIONS = {
    "CO": "colombia",
    "CR": "costa-rica",
    "EC": "ecuador",
    "GY": "guyana",
    "PA": "panama",
    "PE": "peru",
    "TT": "trinidad",
}
VESSEL_NAMES = (
    "Stella Maris",
    "Caribbean Star",
    "Doña Rosa II",
    "Ocean Trader",
    "Esperanza del Mar",
    "Miss Cedros",
    "Essequibo Queen",
    "Pacific Dawn",
    "Santa Bárbara",
    "Gulf Runner",
)
CARRIERS = ("MSC", "MAE", "CMA", "HLB", "SUD", "TGH", "ZIM", "OOL", "EGH", "SEG")
BILL_PREFIXES = ("MEDU", "MAEU", "CMDU", "HLCU")
VANS = ("Toyota Hiace", "Nissan Urvan", "Hyundai H-1", "Toyota Coaster")
COLOURS = {True: ("blanco", "gris", "azul"), False: ("white", "silver", "blue")}


def held(entity: Thing | Phone | Document, holder: Person, suspected: bool = False) -> Mention:
    """A record of something the person holds, uses or carries."""
    return Mention(entity, refs=(("holder_ref", holder.id),), suspected=suspected)


def home(person: Person, fallback: str, known: Container[str]) -> str:
    """The person's country if it is known (to phone plans, banks...), else fallback."""
    nationality = person.nationality
    return nationality if nationality is not None and nationality in known else fallback


def company(rng: random.Random, country: str, surname: str) -> str:
    """A front company named after a member's family, as such firms often are."""
    if not spanish(country):
        return f"{surname} {rng.choice(('Trading Ltd', 'Enterprises Inc.', 'Shipping Services'))}"
    kind = rng.choice(("Inversiones", "Comercializadora", "Agroexportadora", "Distribuidora"))
    return f"{kind} {surname} {({'CO': 'S.A.S.', 'PE': 'S.A.C.'}).get(country, 'S.A.')}"


def amount(rng: random.Random, currency: str) -> Decimal:
    low, high = AMOUNTS[currency]
    # Scale 4, as Avro's decimal(18, 4) reads it back, so a round trip compares equal.
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(Decimal("0.0001"))


def account(w: World, aid: str, country: str) -> Thing:
    """An account at a bank of the country: an IBAN in Costa Rica, a local number elsewhere."""
    bank, bic, cr_code = w.rng.choice(BANKS[country])
    iban = identifiers.iban_cr(w.rng, cr_code) if cr_code else None
    number = None if iban else identifiers.account_number(w.rng, country)
    fields = {
        "iban": iban,
        "account_number": number,
        "bic": bic,
        "bank_name": bank,
        "country": country,
    }
    return Thing(f"accounts:{aid}", fields)


def vessel(w: World, vid: str, flag: str) -> Thing:
    rng = w.rng
    fields = {
        "imo": identifiers.imo(rng),
        "mmsi": identifiers.mmsi(rng, flag),
        "name": rng.choice(VESSEL_NAMES),
        "flag": flag,
        "call_sign": identifiers.call_sign(rng, flag),
    }
    return Thing(f"vessels:{vid}", fields)


def van(w: World, vid: str, country: str) -> Thing:
    rng = w.rng
    fields = {
        "plate": identifiers.plate(rng, country),
        "plate_country": country,
        "make_model": rng.choice(VANS),
        "colour": rng.choice(COLOURS[spanish(country)]),
    }
    return Thing(f"vehicles:{vid}", fields)


def seaman_book(w: World, did: str, holder: Person, fallback: str) -> Document:
    expiry = w.at(w.rng.uniform(400, 2000)).date()
    number = f"S{w.rng.randint(1_000_000, 9_999_999)}"
    return Document(
        f"documents:{did}", "SEAMAN_BOOK", number, holder.nationality or fallback, expiry
    )


def online(w: World, scope: str, crime: str, destination: str) -> tuple[Thing, Thing, Thing]:
    """(ad URL, platform handle, e-mail) of a recruitment campaign for jobs in destination."""
    rng = w.rng
    slug = f"{rng.choice(AD_WORDS[crime])}-{DESTINATIONS[destination]}"
    handle = f"{slug.replace('-', '_')}{rng.randint(1, 99)}"
    platform = rng.choice(("Facebook", "TikTok", "Instagram", "Telegram"))
    url = {
        "Facebook": f"https://www.facebook.com/groups/{slug}/posts/{rng.randint(10**14, 10**15)}",
        "TikTok": f"https://www.tiktok.com/@{handle}/video/{rng.randint(10**18, 10**19)}",
        "Instagram": f"https://www.instagram.com/p/{rng.randint(10**10, 10**11):x}/",
        "Telegram": f"https://t.me/{handle}/{rng.randint(100, 9999)}",
    }[platform]
    domain = rng.choice(("gmail.com", "hotmail.com", "outlook.com"))
    mail = f"{slug.replace('-', '.')}{rng.randint(1, 999)}@{domain}"
    return (
        Thing(f"online:{scope}.ad", {"kind": "AD_URL", "value": url, "platform": platform}),
        Thing(
            f"online:{scope}.handle",
            {"kind": "HANDLE", "value": f"@{handle}", "platform": platform},
        ),
        Thing(f"online:{scope}.email", {"kind": "EMAIL", "value": mail, "platform": None}),
    )


def containers(
    w: World, scope: str, ports: tuple[str, str], shipper: str, consignee: str
) -> list[Thing]:
    """One to three containers on one bill of lading each, between two ports."""
    rng = w.rng
    return [
        Thing(
            f"shipments:{scope}.box{j + 1}",
            {
                "container_id": identifiers.container_id(rng, rng.choice(CARRIERS)),
                "bill_of_lading": f"{rng.choice(BILL_PREFIXES)}{rng.randint(10**6, 10**7 - 1)}",
                "port_of_loading": PLACES[ports[0]].unlocode,
                "port_of_discharge": PLACES[ports[1]].unlocode,
                "consignee": consignee,
                "shipper": shipper,
            },
        )
        for j in range(rng.randint(1, 3))
    ]
