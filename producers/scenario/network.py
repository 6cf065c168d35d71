"""Trafficking and smuggling networks: their route, members and what they use.

A network spans two to four member countries along one of a few real corridors:
recruiters, transporters, a facilitator (document forger, money mule) and a leader,
its victims or smuggled clients, one operations phone the recruiter and the escort
share, a borrowed passport, a van, a vessel with containers and bank accounts.
`story` writes the alerts agencies publish about it.
"""

from dataclasses import dataclass
from typing import Any

from . import kit
from .identifiers import MIDS
from .names import ALIASES
from .phones import PLANS
from .places import AGENCIES, BANKS, CORE, PORTS, agency, spanish
from .world import Document, Draft, Mention, Person, Phone, World

ID_CARDS = frozenset({"CO", "CR", "EC", "GY", "PA", "PE", "TT", "VE"})  # card formats known


@dataclass(frozen=True)
class Template:
    name: str
    crime: str  # "smuggling", "sexual" or "labour" exploitation
    route: tuple[str, ...]  # member countries in travel order
    origins: tuple[str, ...]  # nationalities of victims or clients, repeated to weight them


TEMPLATES = (
    # Migrants fly visa-free into Ecuador and go north through the Darién gap.
    Template("darien", "smuggling", ("EC", "CO", "PA", "CR"), ("CN", "RU", "SY", "VE", "VE")),
    # Venezuelan women across the Gulf of Paria to bars in Trinidad, then to Guyana.
    Template("paria", "sexual", ("TT", "GY"), ("VE",)),
    # Farm and mine workers recruited on Facebook, down the Andes to Peru.
    Template("andes", "labour", ("CO", "EC", "PE"), ("VE", "VE", "CO")),
    Template("isthmus", "sexual", ("CO", "PA", "CR"), ("CO", "VE", "VE", "DO", "BR")),
    # Fishing crews and gold-mine labour around the southern Caribbean.
    Template("fishing", "labour", ("GY", "TT", "PA"), ("GY", "GY", "JM", "DO", "BR")),
)
SUMMARIES = {  # (Spanish, English) by event kind
    "RECRUITMENT_AD": (
        "Oferta de empleo en el exterior con pago en dólares; posible captación.",
        "Job offer abroad paid in US dollars; possible recruitment.",
    ),
    "BORDER_CROSSING": (
        "Grupo viaja con el mismo acompañante; pasajes pagados por un tercero.",
        "Group travelling with one escort; tickets paid by a third party.",
    ),
    "SIGHTING": (
        "Inspección de buque y contenedores; tripulación y consignatario verificados.",
        "Vessel and containers inspected; crew and consignee checked.",
    ),
    "SUSPICIOUS_TRANSACTION": (
        "Transferencias fraccionadas bajo el umbral de reporte.",
        "Structured transfers kept under the reporting threshold.",
    ),
    "ARREST": (
        "Aprehensión en flagrancia; se rescatan presuntas víctimas.",
        "Arrest in the act; presumed victims rescued.",
    ),
    "CASE_OPENED": (
        "Se abre investigación por trata de personas y tráfico de migrantes.",
        "Investigation opened into trafficking in persons and smuggling.",
    ),
    "VICTIM_REFERRAL": (
        "Sobreviviente referida a albergue; identifica a su captador.",
        "Survivor referred to the shelter; names the recruiter.",
    ),
}
FEMALE_SHARE = {"sexual": 0.85, "labour": 0.2, "smuggling": 0.45}


class Network:
    """One ring: route, members and kit, and `post` for the alerts about it."""

    def __init__(self, w: World, k: int, template: Template, hotline: Phone, agent: Phone):
        self.w, self.rng, self.scope = w, w.rng, f"n{k}"
        self.template, self.hotline, self.agent = template, hotline, agent
        length = self.rng.randint(2, min(4, len(template.route)))
        first = self.rng.randint(0, len(template.route) - length)
        self.route = template.route[first : first + length]
        self.day0 = self.rng.uniform(0, 8)
        self.case_refs: dict[str, str] = {}
        self._members()
        self._kit()

    def post(
        self, agency_id: str, kind: str, day: float, mentions: list[Mention], **draft: Any
    ) -> Draft:
        """A draft `day` days into the network's timeline, releasable along its route."""
        counterparts = [agency(c, AGENCIES[agency_id]) for c in self.route]
        if agency_id not in self.case_refs:  # one case file per agency, kept in follow-ups
            code = agency_id.split(".")[1].upper()
            serial = self.rng.randint(100, 99999)
            self.case_refs[agency_id] = f"{code}-{self.w.start.year}-{serial:05d}"
        es, en = SUMMARIES[kind]
        return self.w.draft(
            agency_id,
            kind,
            self.day0 + day,
            mentions,
            partners=[*self.route, *counterparts],
            case_ref=self.case_refs[agency_id],
            summary=es if spanish(agency_id[:2].upper()) else en,
            **draft,
        )

    def travel_document(self, person: Person) -> Document:
        """What a person travels on: the second victim borrows the first one's passport."""
        if person is self.victims[1]:
            return self.docs[self.victims[0].id]
        return self.docs[person.id]

    def contact(self, person: Person) -> Phone | None:
        """The number a person gives at a border."""
        if person is self.victims[-1]:
            return self.hotline  # the help line from a flyer, given as a contact number
        if person in self.transporters:
            return self.ops
        return self.victim_phones.get(person.id)

    def _members(self) -> None:
        rng, w, n, route = self.rng, self.w, self.scope, self.route
        female = FEMALE_SHARE[self.template.crime]
        self.victims = [
            w.person(
                f"{n}.victim{i + 1}",
                rng.choice(self.template.origins),
                age=(16, 35),
                sex="FEMALE" if rng.random() < female else "MALE",
            )
            for i in range(rng.randint(3, 6))
        ]
        aliases = rng.sample(ALIASES, 3)
        # The recruiter is a compatriot of the first victim; the boss lives where money ends up.
        self.recruiter = w.person(
            f"{n}.recruiter",
            self.victims[0].nationality or route[0],
            age=(25, 50),
            alias=aliases[0],
        )
        self.leader = w.person(
            f"{n}.leader",
            route[-1],
            age=(35, 60),
            alias=aliases[1],
            sex="MALE" if rng.random() < 0.7 else "FEMALE",
        )
        self.transporters = [
            w.person(
                f"{n}.transporter{i + 1}",
                route[min(i, len(route) - 1)],
                sex="MALE",
                age=(25, 55),
                alias=aliases[2] if i == 0 else None,
            )
            for i in range(rng.randint(1, 2))
        ]
        self.captain = self.transporters[-1]
        self.facilitator = w.person(f"{n}.facilitator", route[len(route) // 2], age=(25, 55))

    def _kit(self) -> None:
        rng, w, n, route = self.rng, self.w, self.scope, self.route
        escort = self.transporters[0]
        # One "operations" phone passes between the recruiter and the escort.
        self.ops = w.phone(f"{n}.ops", kit.home(self.recruiter, route[0], PLANS))
        self.leader_phone = w.phone(f"{n}.leader", kit.home(self.leader, route[-1], PLANS))
        self.escort_phone = w.phone(f"{n}.transporter", kit.home(escort, route[0], PLANS))
        self.victim_phones = {
            v.id: w.phone(
                f"{n}.victim{i + 1}", rng.choice((kit.home(v, route[-1], PLANS), route[-1]))
            )
            for i, v in enumerate(self.victims[:-1])
            if rng.random() < 0.5
        }
        self.docs: dict[str, Document] = {}
        for i, v in enumerate(self.victims):
            # The first victim's passport is the one lent on; others may carry an ID card.
            card = v.nationality in ID_CARDS and i > 0 and rng.random() < 0.3
            self.docs[v.id] = (w.national_id if card else w.passport)(f"{n}.victim{i + 1}", v)
        for i, member in enumerate((self.leader, *self.transporters, self.facilitator)):
            self.docs[member.id] = w.national_id(f"{n}.id{i + 1}", member)
        self.docs[self.recruiter.id] = w.passport(f"{n}.recruiter", self.recruiter)
        self.seaman_book = kit.seaman_book(w, f"{n}.seaman", self.captain, route[0])
        self.ad, self.handle, self.email = kit.online(w, n, self.template.crime, route[-1])
        self.van = kit.van(w, f"{n}.van", kit.home(escort, route[0], CORE))
        self.vessel = kit.vessel(
            w, f"{n}.vessel", rng.choice(("PA", "PA", *(c for c in route if c in MIDS)))
        )
        leg = rng.randrange(len(route) - 1)
        self.shipping_leg = route[leg], route[leg + 1]
        self.ports = rng.choice(PORTS[route[leg]]), rng.choice(PORTS[route[leg + 1]])
        self.boxes = kit.containers(
            w,
            n,
            self.ports,
            kit.company(rng, route[leg], _surname(self.leader)),
            kit.company(rng, route[leg + 1], _surname(self.facilitator)),
        )
        self.accounts = {
            p.id: kit.account(w, f"{n}.{label}", kit.home(p, fallback, BANKS))
            for p, label, fallback in (
                (self.recruiter, "recruiter", route[0]),
                (self.facilitator, "mule", route[0]),
                (self.leader, "leader", route[-1]),
            )
        }


def _surname(person: Person) -> str:
    return person.name.surnames[0] if person.name else "Caribe"
