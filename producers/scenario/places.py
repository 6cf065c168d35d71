"""Agencies, places, crossings, banks and currencies of the countries in the scenarios."""

from dataclasses import dataclass

CORE = ("CO", "CR", "EC", "GY", "PA", "PE", "TT")

# Agency id -> AgencyKind. The country prefix is the agency's country.
# fmt: off
AGENCIES: dict[str, str] = {
    "co.migracion": "IMMIGRATION", "co.policia": "POLICE", "co.uiaf": "FINANCIAL_INTELLIGENCE",
    "co.fiscalia": "PROSECUTOR", "co.dian": "CUSTOMS", "co.ngo-refugio": "NGO",
    "co.mintrabajo": "LABOUR_INSPECTION",
    "cr.migracion": "IMMIGRATION", "cr.oij": "POLICE", "cr.uif": "FINANCIAL_INTELLIGENCE",
    "cr.fiscalia": "PROSECUTOR", "cr.aduanas": "CUSTOMS", "cr.ngo-refugio": "NGO",
    "cr.mtss": "LABOUR_INSPECTION",
    "ec.migracion": "IMMIGRATION", "ec.policia": "POLICE", "ec.uafe": "FINANCIAL_INTELLIGENCE",
    "ec.fiscalia": "PROSECUTOR", "ec.senae": "CUSTOMS", "ec.ngo-refugio": "NGO",
    "ec.mdt": "LABOUR_INSPECTION",
    "gy.immigration": "IMMIGRATION", "gy.police": "POLICE", "gy.fiu": "FINANCIAL_INTELLIGENCE",
    "gy.dpp": "PROSECUTOR", "gy.gra": "CUSTOMS", "gy.ngo-shelter": "NGO",
    "gy.labour": "LABOUR_INSPECTION",
    "pa.migracion": "IMMIGRATION", "pa.policia": "POLICE", "pa.uaf": "FINANCIAL_INTELLIGENCE",
    "pa.mp": "PROSECUTOR", "pa.aduanas": "CUSTOMS", "pa.ngo-albergue": "NGO",
    "pa.mitradel": "LABOUR_INSPECTION",
    "pe.migraciones": "IMMIGRATION", "pe.policia": "POLICE", "pe.uif": "FINANCIAL_INTELLIGENCE",
    "pe.fiscalia": "PROSECUTOR", "pe.sunat": "CUSTOMS", "pe.ngo-refugio": "NGO",
    "pe.sunafil": "LABOUR_INSPECTION",
    "tt.immigration": "IMMIGRATION", "tt.police": "POLICE", "tt.ctu": "POLICE",
    "tt.fiu": "FINANCIAL_INTELLIGENCE", "tt.dpp": "PROSECUTOR", "tt.customs": "CUSTOMS",
    "tt.ngo-shelter": "NGO", "tt.labour": "LABOUR_INSPECTION",
}
# fmt: on


def agency(country: str, kind: str) -> str:
    """The (first listed) agency of that kind in that country."""
    return next(a for a, k in AGENCIES.items() if k == kind and a[:2] == country.lower())


def spanish(country: str) -> bool:
    return country not in ("GY", "TT")


@dataclass(frozen=True)
class Place:
    key: str
    kind: str  # LocationKind
    name: str
    country: str
    lat: float
    lon: float
    unlocode: str | None = None


# fmt: off
PLACES: dict[str, Place] = {p.key: p for p in (
    Place("paso-canoas-cr", "BORDER_POST", "Paso Canoas", "CR", 8.5336, -82.8386, "CRPCN"),
    Place("paso-canoas-pa", "BORDER_POST", "Paso Canoas", "PA", 8.5320, -82.8370, "PAPCN"),
    Place("rumichaca-co", "BORDER_POST", "Puente de Rumichaca (Ipiales)", "CO", 0.8136, -77.6611),
    Place("rumichaca-ec", "BORDER_POST", "Rumichaca (Tulcán)", "EC", 0.8121, -77.6617),
    Place("huaquillas-ec", "BORDER_POST", "CEBAF Huaquillas", "EC", -3.4786, -80.2433),
    Place("aguas-verdes-pe", "BORDER_POST", "CEBAF Aguas Verdes", "PE", -3.4811, -80.2456),
    Place("lajas-blancas-pa", "BORDER_POST", "ERM Lajas Blancas, Darién", "PA", 8.2653, -77.7425),
    Place("cucuta-co", "BORDER_POST", "Puente Simón Bolívar, Cúcuta", "CO", 7.8190, -72.4522),
    Place("lethem-gy", "BORDER_POST", "Lethem (Takutu Bridge)", "GY", 3.3803, -59.7986, "GYLTM"),
    Place("port-of-spain-tt", "PORT", "Port of Spain", "TT", 10.6520, -61.5160, "TTPOS"),
    Place("cedros-tt", "PORT", "Cedros", "TT", 10.1167, -61.8167),
    Place("tocumen-pa", "AIRPORT", "Aeropuerto de Tocumen", "PA", 9.0714, -79.3835, "PAPTY"),
    Place("eldorado-co", "AIRPORT", "Aeropuerto El Dorado", "CO", 4.7016, -74.1469, "COBOG"),
    Place("quito-ec", "AIRPORT", "Aeropuerto de Quito", "EC", -0.1292, -78.3575, "ECUIO"),
    Place("lima-pe", "AIRPORT", "Aeropuerto Jorge Chávez", "PE", -12.0219, -77.1143, "PELIM"),
    Place("sjo-cr", "AIRPORT", "Aeropuerto Juan Santamaría", "CR", 9.9939, -84.2088, "CRSJO"),
    Place("cjia-gy", "AIRPORT", "Cheddi Jagan International Airport", "GY", 6.4985, -58.2541),
    Place("piarco-tt", "AIRPORT", "Piarco International Airport", "TT", 10.5954, -61.3372),
    Place("buenaventura-co", "PORT", "Buenaventura", "CO", 3.8801, -77.0312, "COBUN"),
    Place("cartagena-co", "PORT", "Cartagena", "CO", 10.3910, -75.4794, "COCTG"),
    Place("manzanillo-pa", "PORT", "Manzanillo, Colón", "PA", 9.3547, -79.8818, "PAMIT"),
    Place("balboa-pa", "PORT", "Balboa", "PA", 8.9536, -79.5664, "PABLB"),
    Place("georgetown-gy", "PORT", "Georgetown", "GY", 6.8046, -58.1553, "GYGEO"),
    Place("point-lisas-tt", "PORT", "Point Lisas", "TT", 10.4100, -61.4700, "TTPTS"),
    Place("callao-pe", "PORT", "Callao", "PE", -12.0500, -77.1500, "PECLL"),
    Place("guayaquil-ec", "PORT", "Guayaquil", "EC", -2.2833, -79.9000, "ECGYE"),
    Place("moin-cr", "PORT", "Moín, Limón", "CR", 10.0000, -83.0300, "CRMOB"),
    Place("bogota-co", "CITY", "Bogotá", "CO", 4.7110, -74.0721, "COBOG"),
    Place("quito-city-ec", "CITY", "Quito", "EC", -0.1807, -78.4678, "ECUIO"),
    Place("lima-city-pe", "CITY", "Lima", "PE", -12.0464, -77.0428, "PELIM"),
    Place("panama-city-pa", "CITY", "Ciudad de Panamá", "PA", 8.9824, -79.5199, "PAPTY"),
    Place("san-jose-cr", "CITY", "San José", "CR", 9.9281, -84.0907, "CRSJO"),
    Place("georgetown-city-gy", "CITY", "Georgetown", "GY", 6.8013, -58.1551, "GYGEO"),
    Place("chaguanas-tt", "CITY", "Chaguanas", "TT", 10.5167, -61.4111),
    Place("la-pampa-pe", "WORKSITE", "Mining camp, La Pampa", "PE", -12.9500, -69.9800),
    Place("bartica-gy", "WORKSITE", "Bartica (gold mining landing)", "GY", 6.4067, -58.6250),
    Place("los-rios-ec", "WORKSITE", "Banana farm, Los Ríos", "EC", -1.4500, -79.4600),
    Place("san-fernando-tt", "WORKSITE", "Bar, San Fernando", "TT", 10.2797, -61.4589),
    Place("colon-pa", "WORKSITE", "Bar, Colón", "PA", 9.3547, -79.9000),
    Place("limon-cr", "WORKSITE", "Pineapple farm, Limón", "CR", 10.1000, -83.5000),
)}
# fmt: on

AIRPORTS = {
    "CO": "eldorado-co",
    "EC": "quito-ec",
    "PE": "lima-pe",
    "PA": "tocumen-pa",
    "CR": "sjo-cr",
    "GY": "cjia-gy",
    "TT": "piarco-tt",
}
PORTS = {
    "CO": ("buenaventura-co", "cartagena-co"),
    "PA": ("manzanillo-pa", "balboa-pa"),
    "GY": ("georgetown-gy",),
    "TT": ("port-of-spain-tt", "point-lisas-tt"),
    "PE": ("callao-pe",),
    "EC": ("guayaquil-ec",),
    "CR": ("moin-cr",),
}
CITIES = {
    "CO": "bogota-co",
    "EC": "quito-city-ec",
    "PE": "lima-city-pe",
    "PA": "panama-city-pa",
    "CR": "san-jose-cr",
    "GY": "georgetown-city-gy",
    "TT": "chaguanas-tt",
}
WORKSITES = {
    "PE": "la-pampa-pe",
    "GY": "bartica-gy",
    "EC": "los-rios-ec",
    "TT": "san-fernando-tt",
    "PA": "colon-pa",
    "CR": "limon-cr",
    "CO": "bogota-co",
}

# (from, to) -> (exit post or None, entry post or None): land and sea crossings with a post
# on one side or both. Irregular routes (Darién, the Gulf of Paria) have no exit record.
# Pairs not listed fly, airport to airport.
CROSSINGS: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("EC", "CO"): ("rumichaca-ec", "rumichaca-co"),
    ("CO", "EC"): ("rumichaca-co", "rumichaca-ec"),
    ("EC", "PE"): ("huaquillas-ec", "aguas-verdes-pe"),
    ("PE", "EC"): ("aguas-verdes-pe", "huaquillas-ec"),
    ("PA", "CR"): ("paso-canoas-pa", "paso-canoas-cr"),
    ("CR", "PA"): ("paso-canoas-cr", "paso-canoas-pa"),
    ("CO", "PA"): (None, "lajas-blancas-pa"),
    ("VE", "CO"): (None, "cucuta-co"),
    ("VE", "TT"): (None, "port-of-spain-tt"),
    ("BR", "GY"): (None, "lethem-gy"),
}


def crossing(origin: str, destination: str) -> tuple[str | None, str | None]:
    if (origin, destination) in CROSSINGS:
        return CROSSINGS[(origin, destination)]
    return AIRPORTS.get(origin), AIRPORTS.get(destination)


# Banks: (name, BIC, Costa Rican bank code for the IBAN).
# fmt: off
BANKS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "CO": (("Bancolombia", "COLOCOBM", None), ("Banco de Bogotá", "BBOGCOBB", None),
           ("Davivienda", "CAFECOBB", None)),
    "CR": (("Banco Nacional de Costa Rica", "BNCRCRSJ", "151"),
           ("Banco de Costa Rica", "BCRICRSJ", "152"), ("BAC San José", "BSNJCRSJ", "102")),
    "EC": (("Banco Pichincha", "PICHECEQ", None), ("Banco Guayaquil", "GUAYECEG", None)),
    "GY": (("Republic Bank (Guyana)", "RBGLGYGG", None), ("GBTI", "GBTIGYGG", None)),
    "PA": (("Banco General", "BAGEPAPA", None), ("Banistmo", "MIDLPAPA", None)),
    "PE": (("BCP", "BCPLPEPL", None), ("Interbank", "BINPPEPL", None)),
    "TT": (("Republic Bank", "RBNKTTPX", None), ("First Citizens", "FCTTTTPS", None)),
    "VE": (("Banco de Venezuela", "BVENVECA", None),),
}
# fmt: on
# Currencies an account in that country moves, and a typical amount range in each.
CURRENCIES: dict[str, tuple[str, ...]] = {
    "CO": ("COP",),
    "CR": ("CRC", "USD"),
    "EC": ("USD",),
    "GY": ("GYD",),
    "PA": ("USD", "PAB"),
    "PE": ("PEN",),
    "TT": ("TTD",),
    "VE": ("USD",),
}
AMOUNTS: dict[str, tuple[int, int]] = {
    "COP": (800_000, 38_000_000),
    "CRC": (150_000, 5_000_000),
    "USD": (300, 9_500),
    "PAB": (300, 9_500),
    "GYD": (60_000, 2_000_000),
    "PEN": (900, 35_000),
    "TTD": (2_000, 65_000),
}
