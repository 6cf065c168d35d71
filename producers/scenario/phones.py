"""Mobile numbers of each numbering plan and the ways agencies write them down.

A format is a pattern over the national significant number (NSN): '#' writes the next
digit, '_' skips one (Trinidad's 7-digit local form drops the 868 area code), anything
else is written as is. Prefixes are mobile ranges libphonenumber accepts as valid, so
downstream normalisation reads every generated number.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    code: str  # country calling code
    length: int  # NSN digits
    prefixes: tuple[str, ...]  # mobile ranges
    local: tuple[str, ...]  # national formats, the usual one first
    international: tuple[str, ...]  # formats with the country code, the usual one first


# fmt: off
PLANS: dict[str, Plan] = {
    "CO": Plan(
        "57", 10, tuple(str(n) for n in (*range(300, 306), *range(310, 324), 350, 351)),
        ("### ### ####", "##########", "###-###-####"),
        ("+57 ### #######", "(+57) ### ### ####"),
    ),
    "CR": Plan(
        "506", 8, tuple(str(n) for n in (*range(60, 65), 70, 71, 72, *range(83, 90))),
        ("####-####", "########", "#### ####"),
        ("+506 #### ####", "(506) ####-####"),
    ),
    "EC": Plan(
        "593", 9, ("98", "99"),
        ("0## ### ####", "0#########", "## ### ####"),
        ("+593 ## ### ####", "593-##-###-####"),
    ),
    "GY": Plan(
        "592", 7, tuple(f"6{n}" for n in range(10)),
        ("###-####", "### ####"),
        ("+592 ### ####", "592-###-####"),
    ),
    "PA": Plan(
        "507", 8, tuple(f"6{n}" for n in range(10)),
        ("####-####", "########"),
        ("+507 ####-####", "(507) ####-####"),
    ),
    "PE": Plan(
        "51", 9, ("9",),
        ("### ### ###", "#########"),
        ("+51 ### ### ###", "51 #########"),
    ),
    "TT": Plan(
        "1", 10, tuple(f"868{n}" for n in (29, *range(30, 40), 46, 47, 48, 49, 68, *range(72, 80))),
        ("(###) ###-####", "1-###-###-####", "___###-####", "###-###-####"),
        ("+1 ### ### ####", "+1 (###) ###-####"),
    ),
    "VE": Plan(
        "58", 10, ("412", "414", "416", "424", "426"),
        ("0###-### ####", "0###-#######", "0##########"),
        ("+58 ### #######", "+58-###-###-####"),
    ),
    "BR": Plan(
        "55", 11, ("119", "219", "929", "959"),
        ("(##) #####-####", "## #####-####"),
        ("+55 ## #####-####", "+55 (##) #####-####"),
    ),
}
# fmt: on


def mobile(rng: random.Random, country: str) -> str:
    """A fresh mobile NSN of the country's plan."""
    plan = PLANS[country]
    prefix = rng.choice(plan.prefixes)
    return prefix + "".join(rng.choice("0123456789") for _ in range(plan.length - len(prefix)))


def fill(pattern: str, nsn: str) -> str:
    digits = iter(nsn)
    out = []
    for char in pattern:
        if char == "#":
            out.append(next(digits))
        elif char == "_":
            next(digits)
        else:
            out.append(char)
    return "".join(out)


def e164(country: str, nsn: str) -> str:
    return f"+{PLANS[country].code}{nsn}"
