"""Hypocoristics of given names in Spanish, English and Portuguese, to one canonical name.

Witnesses and victims often know a recruiter only as "Pepe" or "Chucho"; mapping those
to the baptismal name lets them meet the name on an identity document. Ambiguous
diminutives (Beto: Alberto/Roberto/Humberto; Alex; Chris; Sam; Pat) are left out on
purpose: a wrong canonical name would join people who are not the same; so is "Don",
more often the Spanish honorific than Donald.
Keys and values are folded (see `text.fold`): lowercase ASCII, no accents.
"""

NICKNAMES: dict[str, str] = {
    # Spanish
    "pepe": "jose",
    "pepito": "jose",
    "chepe": "jose",
    "paco": "francisco",
    "pancho": "francisco",
    "curro": "francisco",
    "lupe": "guadalupe",
    "chucho": "jesus",
    "chuy": "jesus",
    "nacho": "ignacio",
    "lalo": "eduardo",
    "memo": "guillermo",
    "tono": "antonio",  # Toño, folded
    "quique": "enrique",
    "manolo": "manuel",
    "nando": "fernando",
    "rafa": "rafael",
    "santi": "santiago",
    "charo": "rosario",
    "chayo": "rosario",
    "concha": "concepcion",
    "conchita": "concepcion",
    "lola": "dolores",
    "pili": "pilar",
    "meche": "mercedes",
    "chela": "graciela",
    "juancho": "juan",
    "tere": "teresa",
    "paty": "patricia",
    "vicky": "victoria",
    "nico": "nicolas",
    "gabo": "gabriel",
    "checo": "sergio",
    "pato": "patricio",
    "moncho": "ramon",
    "rigo": "rigoberto",
    # English
    "bill": "william",
    "billy": "william",
    "will": "william",
    "bob": "robert",
    "bobby": "robert",
    "rob": "robert",
    "dick": "richard",
    "rick": "richard",
    "jim": "james",
    "jimmy": "james",
    "mike": "michael",
    "tom": "thomas",
    "tommy": "thomas",
    "tony": "anthony",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "peggy": "margaret",
    "maggie": "margaret",
    "kate": "katherine",
    "dave": "david",
    "joe": "joseph",
    "jack": "john",
    "johnny": "john",
    "chuck": "charles",
    "charlie": "charles",
    "ted": "edward",
    "eddie": "edward",
    "steve": "stephen",
    "danny": "daniel",
    "ben": "benjamin",
    "sue": "susan",
    "jenny": "jennifer",
    "patty": "patricia",
    "larry": "lawrence",
    "harry": "henry",
    "hank": "henry",
    "andy": "andrew",
    "nick": "nicholas",
    "matt": "matthew",
    "greg": "gregory",
    "jeff": "jeffrey",
    "ron": "ronald",
    # Portuguese
    "ze": "jose",  # Zé, folded
    "juca": "jose",
    "chico": "francisco",
    "tonho": "antonio",
    "dudu": "eduardo",
    "guto": "augusto",
    "tiao": "sebastiao",  # Tião, folded
    "bia": "beatriz",
    "xande": "alexandre",
}


def canonical_given(token: str) -> str:
    """The canonical given name for a folded token; the token itself when it is not listed."""
    return NICKNAMES.get(token, token)
