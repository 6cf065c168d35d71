"""What happens to a network, as the alerts agencies along its route publish.

Police spot the recruitment ad; immigration records the groups at each border; customs
inspect the vessel at both ends of its leg; each FIU reports the transfers through its
banks; the police arrest the escort and raid the place of exploitation (or a labour
inspector finds it); a prosecutor opens a case; shelters refer survivors. Days count
from the network's own start.
"""

import itertools

from .kit import amount, held
from .network import Network
from .places import AIRPORTS, CITIES, CORE, CURRENCIES, PLACES, WORKSITES, agency, crossing
from .world import Mention, Person, Thing


def police(country: str) -> str:
    """Trinidad and Tobago's police hand trafficking cases to their Counter-Trafficking Unit."""
    return "tt.ctu" if country == "TT" else agency(country, "POLICE")


def tell(net: Network) -> None:
    for chapter in (recruitment, crossings, shipping, money, enforcement, referrals):
        chapter(net)


def recruitment(net: Network) -> None:
    rng, route, recruiter = net.rng, net.route, net.recruiter
    net.post(
        police(route[0]),
        "RECRUITMENT_AD",
        rng.uniform(0, 2),
        [
            Mention(recruiter, "RECRUITER"),
            held(net.ad, recruiter),
            held(net.handle, recruiter),
            held(net.ops, recruiter),
        ],
    )
    # The same ad seen from the next country on the route, with no name on it this time.
    net.post(
        police(route[1]),
        "RECRUITMENT_AD",
        rng.uniform(1, 5),
        [
            Mention(net.ad),
            Mention(net.handle),
            Mention(net.ops),
            Mention(net.email),
        ],
    )


def crossings(net: Network) -> None:
    rng, route = net.rng, net.route
    # Two groups on different days, so the borrowed passport crosses twice.
    for g, group in enumerate((net.victims[0::2], net.victims[1::2])):
        escort = net.transporters[g % len(net.transporters)]
        day = 4 + 6 * g + rng.uniform(0, 2)
        arrivals: dict[str, list[Person]] = {}  # from outside the route, by entry post
        for v in group:
            if v.nationality not in route:
                _, post = crossing(v.nationality or "", route[0])
                arrivals.setdefault(post or AIRPORTS[route[0]], []).append(v)
        for post, people in arrivals.items():
            _cross(net, route[0], post, "ENTRY", day, people, None)
        for i, (a, b) in enumerate(itertools.pairwise(route)):
            exit_post, entry_post = crossing(a, b)
            leg_day = day + 2 + 3 * i + rng.uniform(0, 1)
            if exit_post:
                _cross(net, a, exit_post, "EXIT", leg_day, group, escort)
            if entry_post:
                # The last border on the route looks closer at the second group's papers.
                _cross(
                    net,
                    b,
                    entry_post,
                    "ENTRY",
                    leg_day + rng.uniform(0.02, 0.2),
                    group,
                    escort,
                    notices_forgery=i == len(route) - 2 and g == 1,
                )


def _cross(
    net: Network,
    country: str,
    post: str,
    direction: str,
    day: float,
    people: list[Person],
    escort: Person | None,
    notices_forgery: bool = False,
) -> None:
    mentions: list[Mention] = []
    for person in [*people, *([escort] if escort else [])]:
        mentions.append(Mention(person))  # immigration does not know who is who
        doc = net.travel_document(person)
        borrowed = doc is not net.docs[person.id]
        mentions.append(held(doc, person, suspected=borrowed and notices_forgery))
        contact = net.contact(person)
        if contact is not None:
            mentions.append(held(contact, person))
    if escort and PLACES[post].kind == "BORDER_POST":
        mentions.append(held(net.van, escort))
    net.post(
        agency(country, "IMMIGRATION"),
        "BORDER_CROSSING",
        day,
        mentions,
        location=net.w.place(post),
        direction=direction,
    )


def shipping(net: Network) -> None:
    rng, w = net.rng, net.w
    day = rng.uniform(10, 18)
    for country, port in zip(net.shipping_leg, net.ports, strict=True):
        # A different crew member each time, giving the shipping agent's phone.
        crew = w.person(
            w.serial("bg.crew"),
            rng.choice(("GY", "TT", "PA", "CO", "JM", "VE")),
            sex="MALE",
            age=(20, 55),
        )
        boxes = [Mention(box, refs=(("vessel_ref", net.vessel.id),)) for box in net.boxes]
        mentions = [
            Mention(net.vessel),
            *boxes,
            Mention(net.captain),
            held(net.seaman_book, net.captain),
            Mention(crew),
            held(net.agent, crew),
        ]
        net.post(agency(country, "CUSTOMS"), "SIGHTING", day, mentions, location=w.place(port))
        day += rng.uniform(2, 5)


def money(net: Network) -> None:
    """Recruitment fees to the mule, the mule on to the leader; each FIU on the route
    reports the transfers that touch its own banks, so cross-border ones twice."""
    rng = net.rng
    members = (net.recruiter, net.facilitator, net.leader)
    roles = dict(zip((m.id for m in members), ("RECRUITER", "FACILITATOR", "SUSPECT"), strict=True))
    recruiter, mule, leader = (net.accounts[m.id] for m in members)
    holders = {net.accounts[m.id].id: m for m in members}
    flows = [(recruiter, mule)] * rng.randint(2, 3) + [(mule, leader)] * rng.randint(1, 2)
    transfers: list[tuple[Thing, Thing, Thing]] = []
    for j, (source, target) in enumerate(flows):
        currency = rng.choice(CURRENCIES[source.fields["country"]])
        transfers.append(
            (
                source,
                target,
                Thing(
                    f"transactions:{net.scope}.t{j + 1}",
                    {
                        "amount": amount(rng, currency),
                        "currency": currency,
                        "occurred_at": net.w.at(net.day0 + rng.uniform(6, 22)),
                        "report_type": rng.choice(("STR", "WIRE", "REMITTANCE")),
                    },
                ),
            )
        )
    for country in sorted({a.fields["country"] for a in net.accounts.values()} & set(CORE)):
        own = [t for t in transfers if country in (t[0].fields["country"], t[1].fields["country"])]
        accounts = list({a.id: a for source, target, _ in own for a in (source, target)}.values())
        mentions = [Mention(holders[a.id], roles[holders[a.id].id]) for a in accounts]
        mentions += [held(a, holders[a.id]) for a in accounts]
        mentions += [
            Mention(t, refs=(("from_account_ref", s.id), ("to_account_ref", r.id)))
            for s, r, t in own
        ]
        net.post(
            agency(country, "FINANCIAL_INTELLIGENCE"),
            "SUSPICIOUS_TRANSACTION",
            rng.uniform(23, 30),
            mentions,
        )


def enforcement(net: Network) -> None:
    rng, w, dest = net.rng, net.w, net.route[-1]
    escort, leader, recruiter, mule = (
        net.transporters[0],
        net.leader,
        net.recruiter,
        net.facilitator,
    )
    rescued = rng.sample(net.victims, 2)
    mentions = [
        Mention(escort, "TRANSPORTER"),
        held(net.docs[escort.id], escort),
        held(net.ops, escort),
        held(net.escort_phone, escort),
        held(net.van, escort),
    ]
    for v in rescued:
        doc = net.travel_document(v)
        mentions += [Mention(v, "VICTIM"), held(doc, v, suspected=doc is not net.docs[v.id])]
    net.post(
        police(dest),
        "ARREST",
        rng.uniform(22, 30),
        mentions,
        location=w.place(CITIES[dest]),
    )
    # The place of exploitation: a bar the police raid, a mine or farm an inspector visits.
    site = [
        Mention(leader, "SUSPECT"),
        held(net.leader_phone, leader),
        *(Mention(v, "VICTIM") for v in net.victims if v not in rescued),
    ]
    raid = {
        "labour": (agency(dest, "LABOUR_INSPECTION"), "CASE_OPENED"),
        "sexual": (police(dest), "ARREST"),
    }.get(net.template.crime)
    if raid:
        net.post(*raid, rng.uniform(18, 26), site, location=w.place(WORKSITES[dest]))
    net.post(
        agency(rng.choice(net.route), "PROSECUTOR"),
        "CASE_OPENED",
        rng.uniform(30, 38),
        [
            Mention(leader, "SUSPECT"),
            held(net.docs[leader.id], leader),
            held(net.leader_phone, leader),
            Mention(recruiter, "RECRUITER"),
            held(net.ops, recruiter),
            held(net.handle, recruiter),
            Mention(mule, "FACILITATOR"),
            held(net.accounts[leader.id], leader),
            held(net.accounts[mule.id], mule),
        ],
    )
    if rng.random() < 0.5:
        net.post(
            police(net.route[0]),
            "ARREST",
            rng.uniform(26, 34),
            [
                Mention(recruiter, "RECRUITER"),
                held(net.docs[recruiter.id], recruiter),
                held(net.ops, recruiter),
                held(net.handle, recruiter),
                held(net.email, recruiter),
            ],
        )


def referrals(net: Network) -> None:
    """Two survivors at a shelter in the destination, naming the recruiter and the number."""
    rng, recruiter = net.rng, net.recruiter
    for v in rng.sample(net.victims, 2):
        phone = net.victim_phones.get(v.id)
        mentions = [
            Mention(v, "VICTIM"),
            *([held(phone, v)] if phone else []),
            Mention(recruiter, "RECRUITER"),
            held(net.ops, recruiter),
        ]
        net.post(agency(net.route[-1], "NGO"), "VICTIM_REFERRAL", rng.uniform(24, 36), mentions)
