"""Background: people and things that have nothing to do with any network.

Most appear once, so not everything links. Some share a hub: a help line many migrants
give as their contact number, a shipping agent's phone the crews list, placeholder
names such as "UNKNOWN". Namesakes carry a network member's exact name. Correlation
must not merge any of them. One or two of their alerts are retracted.
"""

import dataclasses

from .kit import account, amount, held, vessel
from .names import PLACEHOLDERS
from .phones import mobile
from .places import CORE, CURRENCIES, PLACES, agency, spanish
from .world import Mention, Person, Phone, Thing, World

HOTLINE_USERS = 6  # unrelated people who all list the help line


def hubs(w: World) -> tuple[Phone, Phone]:
    """(help line, shipping agent's phone): one phone entity each, many unrelated holders."""
    return (
        Phone("phones:hub.hotline", "CO", mobile(w.rng, "CO")),
        Phone("phones:hub.agent", "PA", mobile(w.rng, "PA")),
    )


def build_background(w: World, hotline: Phone, agent: Phone, recruiters: list[Person]) -> None:
    """Unrelated travellers (more with more networks), namesakes of the first two
    recruiters, placeholder names, other ships' crews, ordinary remittances."""
    rng = w.rng
    people = [
        w.person(
            w.serial("bg.traveller"),
            rng.choice((*CORE, "VE", "VE", "BR", "DO", "CN", "RU")),
            age=(18, 70),
        )
        for _ in range(10 + 2 * len(recruiters))
    ]
    # Namesakes: a compatriot of a recruiter with the same name, born on another date.
    people += [
        dataclasses.replace(
            w.person(w.serial("bg.namesake"), recruiter.nationality or "CO"), name=recruiter.name
        )
        for recruiter in recruiters[:2]
    ]
    crossings = []
    for i, person in enumerate(people):
        country = rng.choice(CORE)
        posts = [
            k
            for k, p in PLACES.items()
            if p.country == country and p.kind in ("BORDER_POST", "AIRPORT")
        ]
        document = (
            w.national_id(w.serial("bg.id"), person)
            if person.nationality == country
            else w.passport(w.serial("bg.passport"), person)
        )
        mentions = [Mention(person), held(document, person)]
        if i < HOTLINE_USERS:
            mentions.append(held(hotline, person))
        elif rng.random() < 0.6:
            mentions.append(held(w.phone(w.serial("bg.phone"), country), person))
        crossings.append(
            w.draft(
                agency(country, "IMMIGRATION"),
                "BORDER_CROSSING",
                rng.uniform(0, 45),
                mentions,
                location=w.place(rng.choice(posts)),
                direction=rng.choice(("ENTRY", "EXIT")),
            )
        )
    _placeholders(w)
    _unrelated_vessels(w, agent)
    _unrelated_money(w)
    for draft in rng.sample(crossings[HOTLINE_USERS:], 2 if len(recruiters) >= 3 else 1):
        w.retract(
            draft,
            "Registro duplicado; se retira la alerta."
            if spanish(draft.country)
            else "Entered in error; alert withdrawn.",
        )


def _placeholders(w: World) -> None:
    """Unnamed people: the same "UNKNOWN" in two alerts is still two different people."""
    rng = w.rng
    for text in ("UNKNOWN", "UNKNOWN", *rng.sample(PLACEHOLDERS[1:], 3)):
        country = rng.choice(CORE)
        person = Person(f"persons:{w.serial('bg.unknown')}", None, placeholder=text)
        mentions = [Mention(person, rng.choice(("SUSPECT", "WITNESS", "UNKNOWN")))]
        if rng.random() < 0.5:
            mentions.append(held(w.phone(w.serial("bg.phone"), country), person))
        w.draft(
            agency(country, "POLICE"),
            rng.choice(("ARREST", "SIGHTING")),
            rng.uniform(0, 45),
            mentions,
            partners=[rng.choice(CORE)],
            summary="Persona sin identificar; no porta documentos."
            if spanish(country)
            else "Person not identified; carried no documents.",
        )


def _unrelated_vessels(w: World, agent: Phone) -> None:
    """Crews of ordinary ships who give the same shipping agent's number."""
    rng = w.rng
    for _ in range(2):
        country, flag = rng.choice(CORE), rng.choice(("PA", "TT", "GY", "CO"))
        ship = vessel(w, w.serial("bg.vessel"), flag)
        crew = w.person(w.serial("bg.crew"), rng.choice(("GY", "TT", "JM", "PA")), sex="MALE")
        port = rng.choice(
            [k for k, p in PLACES.items() if p.country == country and p.kind == "PORT"]
        )
        w.draft(
            agency(country, "CUSTOMS"),
            "SIGHTING",
            rng.uniform(0, 45),
            [Mention(ship), Mention(crew), held(agent, crew)],
            location=w.place(port),
        )


def _unrelated_money(w: World) -> None:
    """Ordinary remittances an FIU reports on thresholds alone."""
    rng = w.rng
    # Costa Rica, a remittance destination, has IBANs: every scenario carries one.
    for abroad in ("CR", rng.choice(CORE)):
        country = rng.choice(CORE)
        sender = w.person(w.serial("bg.customer"), country)
        receiver = w.person(w.serial("bg.customer"), abroad)
        source = account(w, w.serial("bg.account"), country)
        target = account(w, w.serial("bg.account"), abroad)
        currency = rng.choice(CURRENCIES[country])
        transfer = Thing(
            f"transactions:{w.serial('bg.t')}",
            {
                "amount": amount(rng, currency),
                "currency": currency,
                "occurred_at": w.at(rng.uniform(0, 38)),
                "report_type": "CTR",
            },
        )
        w.draft(
            agency(country, "FINANCIAL_INTELLIGENCE"),
            "SUSPICIOUS_TRANSACTION",
            rng.uniform(40, 44),
            [
                Mention(sender),
                Mention(receiver),
                held(source, sender),
                held(target, receiver),
                Mention(
                    transfer, refs=(("from_account_ref", source.id), ("to_account_ref", target.id))
                ),
            ],
        )
