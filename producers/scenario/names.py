"""Name pools by naming tradition, nicknames, street aliases and placeholder names.

Hispanic names carry two given names and two surnames (paternal, maternal); Guyanese and
Trinidadian names are English or Indo-Caribbean with one surname; Brazilian names put
the mother's surname before the father's. Migrants from further away have a name in
their own script plus its usual Latin spelling and the other spellings agencies use.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Native:
    """The name as written in its own script (ISO 15924 code)."""

    script: str
    given: str
    surnames: str
    surname_first: bool  # Chinese names are written surname first


@dataclass(frozen=True)
class Name:
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    native: Native | None = None
    # Latin token -> other transliterations of it seen in other agencies' records.
    spellings: tuple[tuple[str, tuple[str, ...]], ...] = ()


# fmt: off
HISPANIC_GIVEN = {
    "MALE": ("José", "Juan", "Carlos", "Luis", "Jorge", "Andrés", "Miguel", "Pedro", "Diego",
             "Javier", "Fernando", "Ramón", "Jesús", "Francisco", "Antonio", "Manuel",
             "Eduardo", "Rafael", "Guillermo", "Ignacio", "Enrique", "Alejandro", "Sebastián",
             "Óscar", "Julián", "Camilo", "Héctor", "Wilmer", "Édgar", "Iván"),
    "FEMALE": ("María", "Ana", "Luz", "Carmen", "Rosa", "Daniela", "Valentina", "Paola",
               "Andrea", "Claudia", "Sofía", "Camila", "Gabriela", "Guadalupe", "Dolores",
               "Teresa", "Rosario", "Milagros", "Yesenia", "Lorena", "Marisol", "Natalia",
               "Ximena", "Mónica", "Patricia", "Inés", "Lucía"),
}
VENEZUELAN_GIVEN = {
    "MALE": ("Yeferson", "Deivis", "Yorman", "Wuilmer", "Maikel", "Jhonny", "Leomar",
             "Yonathan", "Kelvin", "Anderson"),
    "FEMALE": ("Yorbelis", "Yulimar", "Yusmary", "Dayana", "Mariángel", "Oriana", "Yelitza",
               "Roxana", "Génesis", "Yoselin"),
}
HISPANIC_SURNAMES = (
    "García", "Rodríguez", "Martínez", "López", "González", "Pérez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Vargas", "Castro", "Morales", "Ortiz",
    "Gutiérrez", "Rojas", "Herrera", "Medina", "Aguilar", "Jiménez", "Mendoza", "Chávez",
    "Salazar", "Suárez", "Muñoz", "Peña", "Ríos", "Ibáñez", "Núñez", "Cruz", "Ortega",
)
# Surnames common in one country only, so a country's people look like its own.
LOCAL_SURNAMES = {
    "PE": ("Quispe", "Mamani", "Huamán", "Condori", "Ccahuana"),
    "EC": ("Zambrano", "Cedeño", "Moreira", "Vera", "Intriago"),
    "CR": ("Villalobos", "Solís", "Arias", "Alvarado", "Chaves"),
    "PA": ("Barrios", "Batista", "Caballero", "Quintero", "Pinzón"),
    "CO": ("Restrepo", "Ospina", "Cárdenas", "Londoño", "Giraldo"),
    "VE": ("Rondón", "Carrasquel", "Briceño", "Colmenares", "Escalona"),
}
CARIBBEAN_GIVEN = {
    "MALE": ("Andre", "Kevin", "Marlon", "Ryan", "Shawn", "Devon", "Richard", "Michael",
             "Anthony", "Troy", "Kerwin", "Jason", "Dwayne", "William", "Robert", "Thomas"),
    "FEMALE": ("Alicia", "Keisha", "Shanice", "Natasha", "Candice", "Kimberly", "Jennifer",
               "Elizabeth", "Patricia", "Margaret", "Donna"),
}
INDO_CARIBBEAN_GIVEN = {
    "MALE": ("Ravi", "Vishnu", "Anil", "Rajesh", "Sunil", "Deodat", "Ramesh", "Krishna",
             "Rohan", "Nazim"),
    "FEMALE": ("Savitri", "Shanti", "Anjali", "Priya", "Reshma", "Indra", "Kamla", "Sharda",
               "Nadira"),
}
CARIBBEAN_SURNAMES = ("Williams", "Thomas", "Joseph", "Charles", "Phillip", "Baptiste",
                      "Alexander", "George", "Edwards", "Greene", "Fraser", "DeFreitas",
                      "McLean", "Grant", "Campbell")
INDO_CARIBBEAN_SURNAMES = ("Ramdial", "Persaud", "Singh", "Ramnarine", "Mohammed", "Ali",
                           "Khan", "Maharaj", "Rampersad", "Baksh", "Seepersad", "Boodram",
                           "Hosein", "Sookdeo", "Jagdeo")
BRAZILIAN_GIVEN = {
    "MALE": ("João", "José", "Francisco", "Antônio", "Eduardo", "Sebastião", "Luiz", "Paulo",
             "Marcos", "Thiago"),
    "FEMALE": ("Ana", "Maria", "Beatriz", "Juliana", "Fernanda", "Camila", "Larissa",
               "Aline"),
}
BRAZILIAN_SURNAMES = ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Ferreira",
                      "Almeida", "Carvalho", "Gonçalves", "Araújo", "Ribeiro")

# (native, usual Latin spelling, other spellings); surnames with a female form give both.
_Spelt = tuple[str, str, tuple[str, ...]]
FOREIGN: dict[str, dict[str, tuple[_Spelt, ...]]] = {
    "RU": {
        "MALE": (("Сергей", "Sergei", ("Sergey", "Serguei")),
                 ("Дмитрий", "Dmitri", ("Dmitriy", "Dmitry")),
                 ("Алексей", "Alexei", ("Aleksei", "Alexey"))),
        "FEMALE": (("Ольга", "Olga", ("Olha",)),
                   ("Наталья", "Natalia", ("Natalya", "Nataliya")),
                   ("Екатерина", "Ekaterina", ("Yekaterina", "Jekaterina"))),
        "SURNAME_MALE": (("Иванов", "Ivanov", ("Ivanoff",)),
                         ("Кузнецов", "Kuznetsov", ("Kouznetsov", "Kuznecov")),
                         ("Смирнов", "Smirnov", ("Smirnoff",))),
        "SURNAME_FEMALE": (("Иванова", "Ivanova", ("Ivanowa",)),
                           ("Кузнецова", "Kuznetsova", ("Kouznetsova", "Kuznecova")),
                           ("Смирнова", "Smirnova", ("Smirnowa",))),
    },
    "SY": {
        "MALE": (("أحمد", "Ahmed", ("Ahmad", "Achmed")),
                 ("محمد", "Mohammed", ("Muhammad", "Mohamed")),
                 ("خالد", "Khaled", ("Khalid",))),
        "FEMALE": (("فاطمة", "Fatima", ("Fatma", "Fatemah")),
                   ("مريم", "Mariam", ("Maryam", "Meryem")),
                   ("ليلى", "Layla", ("Leila", "Laila"))),
        "SURNAME_MALE": (("حسن", "Hassan", ("Hasan",)),
                         ("خليل", "Khalil", ("Khaleel", "Halil")),
                         ("الحلبي", "Alhalabi", ("Al Halabi", "Elhalaby"))),
    },
    "CN": {
        "MALE": (("伟", "Wei", ("Wai",)),
                 ("建国", "Jianguo", ("Jian Guo", "Chien Kuo")),
                 ("小明", "Xiaoming", ("Xiao Ming", "Hsiao Ming"))),
        "FEMALE": (("娜", "Na", ("Nah",)),
                   ("秀英", "Xiuying", ("Xiu Ying", "Hsiu Ying")),
                   ("静", "Jing", ("Ching",))),
        "SURNAME_MALE": (("王", "Wang", ("Wong",)),
                         ("李", "Li", ("Lee",)),
                         ("张", "Zhang", ("Chang", "Cheung"))),
    },
}
SCRIPTS = {"RU": "Cyrl", "SY": "Arab", "CN": "Hans"}

CARIBBEAN = frozenset({"GY", "TT", "JM"})

# Given name -> the nicknames it goes by (all known to streams.normalise.nicknames).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "José": ("Pepe", "Chepe"), "Francisco": ("Paco", "Pancho"), "Guadalupe": ("Lupe",),
    "Jesús": ("Chucho", "Chuy"), "Ignacio": ("Nacho",), "Eduardo": ("Lalo",),
    "Guillermo": ("Memo",), "Antonio": ("Toño",), "Enrique": ("Quique",),
    "Manuel": ("Manolo",), "Fernando": ("Nando",), "Rafael": ("Rafa",),
    "Rosario": ("Charo", "Chayo"), "Dolores": ("Lola",), "Teresa": ("Tere",),
    "Patricia": ("Paty", "Patty"), "Ramón": ("Moncho",), "William": ("Bill", "Will"),
    "Robert": ("Bob", "Bobby"), "Richard": ("Rick",), "Michael": ("Mike",),
    "Anthony": ("Tony",), "Thomas": ("Tom", "Tommy"), "Elizabeth": ("Liz", "Beth"),
    "Jennifer": ("Jenny",), "Margaret": ("Maggie", "Peggy"),
    "Antônio": ("Tonho",), "Sebastião": ("Tião",), "Beatriz": ("Bia",),
}
# Street names victims and informants know recruiters and transporters by.
ALIASES = ("El Flaco", "La Tía", "El Mono", "El Paisa", "El Gocho", "La Madrina", "Shorty",
           "Boss Man", "Uncle", "El Capi", "La Güera", "Cuchillo")
# What agencies write when they have no name: each is a different, unidentified person.
PLACEHOLDERS = ("UNKNOWN", "N/A", "NN", "DESCONOCIDO", "SIN NOMBRE", "UNK")
# fmt: on


def _pick(rng: random.Random, pool: tuple[str, ...], count: int) -> tuple[str, ...]:
    """`count` different names; repeats in the pool weigh a name up."""
    chosen: list[str] = []
    while len(chosen) < count:
        name = rng.choice(pool)
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def _hispanic(rng: random.Random, sex: str, country: str) -> Name:
    pool = HISPANIC_GIVEN[sex]
    if country == "VE":
        pool = pool + VENEZUELAN_GIVEN[sex] * 2  # Venezuelan names are the distinctive ones
    surnames = HISPANIC_SURNAMES + LOCAL_SURNAMES.get(country, ()) * 3
    return Name(_pick(rng, pool, 2 if rng.random() < 0.7 else 1), _pick(rng, surnames, 2))


def _caribbean(rng: random.Random, sex: str) -> Name:
    indo = rng.random() < 0.5
    pool = (INDO_CARIBBEAN_GIVEN if indo else CARIBBEAN_GIVEN)[sex]
    surnames = INDO_CARIBBEAN_SURNAMES if indo else CARIBBEAN_SURNAMES
    return Name(_pick(rng, pool, 2 if rng.random() < 0.4 else 1), _pick(rng, surnames, 1))


def _brazilian(rng: random.Random, sex: str) -> Name:
    given = _pick(rng, BRAZILIAN_GIVEN[sex], 2 if rng.random() < 0.4 else 1)
    return Name(given, _pick(rng, BRAZILIAN_SURNAMES, 2))


def _foreign(rng: random.Random, sex: str, country: str) -> Name:
    pools = FOREIGN[country]
    index = rng.randrange(3)
    given = rng.choice(pools[sex])
    surname = pools.get(f"SURNAME_{sex}", pools["SURNAME_MALE"])[index]
    surname_first = country == "CN"
    native_surname, native_given = surname[0], given[0]
    native = Native(SCRIPTS[country], native_given, native_surname, surname_first)
    spellings = tuple((latin, others) for _, latin, others in (given, surname) if others)
    return Name((given[1],), (surname[1],), native, spellings)


def name_for(rng: random.Random, nationality: str, sex: str) -> Name:
    """A name in the tradition of the nationality; sex is "MALE" or "FEMALE"."""
    if nationality in FOREIGN:
        return _foreign(rng, sex, nationality)
    if nationality in CARIBBEAN:
        return _caribbean(rng, sex)
    if nationality == "BR":
        return _brazilian(rng, sex)
    return _hispanic(rng, sex, nationality)
