"""Survivor protection at the source: keyed tokens in place of a survivor's identity.

A person an agency flags as a victim/survivor keeps every identifying field at that agency.
Before it publishes, the agency turns the person into `PersonTokens`, which is all that
crosses the border:

- each identifier the person holds (phone, document, account, plate, online identifier),
  keyed exactly as `streams.identifiers` keys it ("phone:+50761234567"), then
  HMAC-SHA256 under the network key: two agencies holding the same phone, written in any
  format, publish the same token;
- the date of birth, at the precision known, as HMAC tokens of the year, year-month, full
  date and the full date with day and month unordered (meets a day/month swap);
- the name as cryptographic long-term keys (CLKs, Schnell, Bachteler & Reiher 2009 and
  2011): the padded bigrams of the folded name words hashed into a 1024-bit Bloom filter
  with keyed hash functions, so two spellings of a name keep a high Dice coefficient
  while neither spelling can be read back without the key. One CLK of all name words
  (given names and surnames together: split, order and particles do not matter) and one
  of the surnames only (blocking).

The network key is a secret shared by the participating agencies only, never by the
worker that matches tokens (see docs/survivor-protection.md): without it nobody can
build the token of a guessed phone, date or name to test it. Every token is under an
epoch (the key's id): tokens of different epochs never match, so a key rotates by
re-tokenising under a new epoch. The key is never in the code: pass it, or set
BORDERLINK_PRIVACY_KEY ("base64:..." or "hex:...") and BORDERLINK_PRIVACY_KEY_EPOCH.

The normalisation is the stream's own (`streams.resolve.from_alert_person` for names and
dates, `streams.identifiers` for identifiers), so tokens agree wherever plaintext keys do.
"""

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import definition
from streams.identifiers import identifier_sightings
from streams.normalise import PartialDate, canonical_given, iso
from streams.resolve import PersonRecord, from_alert_person

# RFC 2104 §3: a key shorter than the hash output weakens HMAC; 32 bytes for SHA-256.
MIN_KEY_BYTES = 32
# Tokens are HMAC-SHA256 truncated to 128 bits (NIST SP 800-107r1 §5.3.4 allows
# truncation): collision-free at any number of records, half the bytes on the wire.
TOKEN_BYTES = 16
# m = 1024 bits: CLK lengths in the literature are 1000 (Schnell et al. 2011) or 1024
# (anonlink/clkhash); a power of two lets 16-bit digest slices index it without bias.
BLOOM_BITS = 1024
# k so that a typical filter is about half full, where Dice separates best (Bloom's
# optimum k = (m/n) ln 2; clkhash research note "On the length of a CLK", 2018): a name
# of the training scenario has a median n of about 36 distinct elements (bigrams and
# consonant-skeleton bigrams, see `name_elements`): k = 20; two surnames about 22: k = 30
# (Bloom's 32, capped at what Schnell et al. 2009 used for one field in l = 1000). A sweep
# of k = 10..30 on the training seed moved name-only F1 by at most 0.015.
NAME_HASHES = 20
SURNAME_HASHES = 30
PAD = "_"  # Schnell et al. 2009 pad each word with a blank: first and last letters count
PROTECTED_ROLES = frozenset({"VICTIM"})
_EPOCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_VOWELS = str.maketrans("", "", "aeiouy")
_HOLDER_FIELDS = ("phones", "documents", "accounts", "vehicles", "online")
# Person fields that identify someone: a protected person keeps only record_id and role.
_KEPT = ("record_id", "role")
# The other fields of a stub, at their defaults (what an Avro reader fills in).
_STUB_DEFAULTS = {
    f["name"]: f.get("default") for f in definition("Person")["fields"] if f["name"] not in _KEPT
}


class MissingKeyError(ValueError):
    """No usable network key: tokens cannot be made (and must never be made without one)."""


@dataclass(frozen=True)
class NetworkKey:
    """The secret shared by the participating agencies, and its epoch (key id)."""

    epoch: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _EPOCH.fullmatch(self.epoch):
            raise MissingKeyError(f"key epoch {self.epoch!r}: 1-64 of A-Z a-z 0-9 . _ -")
        if len(self.secret) < MIN_KEY_BYTES:
            raise MissingKeyError(
                f"the network key has {len(self.secret)} bytes; at least {MIN_KEY_BYTES} "
                "random bytes are needed (e.g. `openssl rand -base64 32`)"
            )

    @classmethod
    def parse(cls, text: str, epoch: str) -> "NetworkKey":
        """From "base64:<key>" or "hex:<key>": the prefix removes the ambiguity of a key
        whose base64 happens to be all hex digits."""
        kind, _, value = text.strip().partition(":")
        if kind not in ("base64", "hex"):
            raise MissingKeyError('the network key must be written "base64:..." or "hex:..."')
        try:
            if kind == "hex":
                secret = bytes.fromhex(value)
            else:
                padded = value + "=" * (-len(value) % 4)
                secret = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (ValueError, binascii.Error) as error:
            raise MissingKeyError(f"the network key is not valid {kind}") from error
        return cls(epoch, secret)

    def derive(self, purpose: str) -> bytes:
        """A subkey per use (HKDF, RFC 5869, one output block): a leaked identifier subkey
        says nothing about the name filters' keys, and the epoch is in every subkey."""
        prk = hmac.digest(f"borderlink/pprl/{self.epoch}".encode(), self.secret, "sha256")
        return hmac.digest(prk, purpose.encode() + b"\x01", "sha256")

    def fingerprint(self) -> str:
        """A public id of the key, for agencies to check they hold the same one."""
        return self.derive("fingerprint").hex()[:16]


# Public, so it protects nothing: for the local demo and the benchmarks only, never for data.
DEMO_KEY = NetworkKey("demo", hashlib.sha256(b"borderlink local demo, not a secret").digest())


class PrivacySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERLINK_PRIVACY_", extra="ignore")

    # The network key, "base64:..." or "hex:...": from a secret store, never committed.
    key: SecretStr | None = None
    # Its id; every agency of the network uses the same key under the same epoch.
    key_epoch: str = "1"

    def network_key(self) -> NetworkKey:
        if self.key is None or not self.key.get_secret_value().strip():
            raise MissingKeyError(
                "survivor records need the network key: set BORDERLINK_PRIVACY_KEY "
                '("base64:..." or "hex:...") and BORDERLINK_PRIVACY_KEY_EPOCH'
            )
        return NetworkKey.parse(self.key.get_secret_value(), self.key_epoch)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_b64(text: str) -> bytes:
    """The bytes of a token or CLK as `PersonTokens` writes them (URL-safe, unpadded)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class DobTokens:
    """Tokens of a date of birth at each precision known; absent precisions are None."""

    year: str
    month: str | None = None
    day: str | None = None
    day_month: str | None = None  # the full date, day and month unordered


@dataclass(frozen=True)
class PersonTokens:
    """What an agency publishes about a protected person: tokens only, under one epoch."""

    epoch: str
    identifiers: tuple[str, ...] = ()  # sorted
    dob: DobTokens | None = None
    name: str | None = None  # CLK of all name words
    surname: str | None = None  # CLK of the surnames

    def to_json(self) -> dict[str, Any]:
        """As the Avro record PersonTokens (schemas/avro/PersonTokens.avsc)."""
        return {
            "epoch": self.epoch,
            "identifiers": list(self.identifiers),
            "dob": None if self.dob is None else vars(self.dob).copy(),
            "name_clk": self.name,
            "surname_clk": self.surname,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PersonTokens":
        dob = data.get("dob")
        return cls(
            data["epoch"],
            tuple(data.get("identifiers") or ()),
            None if dob is None else DobTokens(**dob),
            data.get("name_clk"),
            data.get("surname_clk"),
        )


@dataclass(frozen=True)
class ProtectedRecord:
    """A protected person as the network sees it: where it is held, and its tokens."""

    ref: str  # "alert_id/record_id" at the originating agency, as the resolver writes it
    agency: str
    tokens: PersonTokens

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "agency": self.agency, "tokens": self.tokens.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ProtectedRecord":
        return cls(data["ref"], data["agency"], PersonTokens.from_json(data["tokens"]))


def _skeleton(word: str) -> str:
    """The consonants, doubled letters once: "mohammed" -> "mhmd", as Arabic script writes
    it (abjads leave short vowels out: folded "محمد" is "mhmd")."""
    consonants = word.translate(_VOWELS)
    return "".join(c for i, c in enumerate(consonants) if i == 0 or c != consonants[i - 1])


def _bigrams(word: str) -> list[str]:
    padded = f"{PAD}{word}{PAD}"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def name_elements(given: Iterable[str], surnames: Iterable[str]) -> set[str]:
    """What goes into a name CLK: padded bigrams of each folded word (nicknames as their
    canonical given name) and, namespaced, bigrams of its consonant skeleton, which
    carry a transliteration from an abjad or a vowel typo."""
    words = [canonical_given(word) for word in given] + list(surnames)
    elements = {f"b{gram}" for word in words for gram in _bigrams(word)}
    skeletons = (_skeleton(word) for word in words)
    elements.update(f"s{gram}" for word in skeletons if len(word) > 1 for gram in _bigrams(word))
    return elements


def bloom_filter(elements: Iterable[str], key: bytes, hashes: int, bits: int = BLOOM_BITS) -> bytes:
    """A Bloom filter of `elements`, `hashes` keyed positions each.

    Positions are independent slices of one HMAC-SHA512 per element ("random hashing",
    as clkhash's blakeHash) rather than the double hashing g_i = h1 + i*h2 of Schnell et
    al. 2009: double hashing allows only m^2 position patterns per bigram, a structure
    that Niedermeyer et al. (2014) and Kroll & Steinmetzer (2015) exploit to decode
    filters without the key.
    """
    if bits & (bits - 1) or not 8 <= bits <= 1 << 16:
        raise ValueError("the filter length must be a power of two, 8 to 65536 bits")
    if not 1 <= hashes <= 32:
        raise ValueError("1 to 32 hash functions: one SHA-512 digest gives 32 positions")
    digests = b"".join(hmac.digest(key, element.encode(), "sha512") for element in elements)
    positions = np.frombuffer(digests, dtype=">u2").reshape(-1, 32)[:, :hashes] & (bits - 1)
    filter_bits = np.zeros(bits, dtype=np.uint8)
    filter_bits[positions.ravel()] = 1
    return np.packbits(filter_bits).tobytes()


class Tokeniser:
    """Makes `PersonTokens` under one network key; cheap to reuse for many records."""

    def __init__(self, key: NetworkKey) -> None:
        if not isinstance(key, NetworkKey):
            raise MissingKeyError("a NetworkKey is required (see PrivacySettings.network_key)")
        self.epoch = key.epoch
        self._identifier_key = key.derive("identifier")
        self._dob_key = key.derive("dob")
        # One key per filter: with a shared key the surname CLK's bits would be a subset
        # of the name CLK's, and subtracting them would expose a given-names-only filter.
        self._name_key = key.derive("clk-name")
        self._surname_key = key.derive("clk-surname")

    def _token(self, key: bytes, value: str) -> str:
        return _b64(hmac.digest(key, value.encode(), "sha256")[:TOKEN_BYTES])

    def identifiers(self, keys: Iterable[str]) -> tuple[str, ...]:
        """Tokens of identifier keys as `streams.identifiers` writes them ("phone:+507...")."""
        return tuple(sorted({self._token(self._identifier_key, key) for key in keys}))

    def dob(self, dob: PartialDate) -> DobTokens:
        def token(kind: str, value: str) -> str:
            return self._token(self._dob_key, f"{kind}:{value}")

        if dob.month is None:
            return DobTokens(token("year", f"{dob.year:04d}"))
        month = token("month", f"{dob.year:04d}-{dob.month:02d}")
        if dob.day is None:
            return DobTokens(token("year", f"{dob.year:04d}"), month)
        low, high = sorted((dob.month, dob.day))
        return DobTokens(
            token("year", f"{dob.year:04d}"),
            month,
            token("day", iso(dob)),
            token("day-month", f"{dob.year:04d}:{low:02d}:{high:02d}"),
        )

    def name_clk(self, given: Iterable[str], surnames: Iterable[str]) -> str:
        elements = name_elements(given, surnames)
        return _b64(bloom_filter(elements, self._name_key, NAME_HASHES))

    def surname_clk(self, surnames: Iterable[str]) -> str:
        elements = name_elements((), surnames)
        return _b64(bloom_filter(elements, self._surname_key, SURNAME_HASHES))

    def record(self, record: PersonRecord, identifier_keys: Iterable[str] = ()) -> PersonTokens:
        """Tokens of a normalised person record and the identifier keys it holds."""
        has_name = bool(record.given or record.surnames)
        return PersonTokens(
            self.epoch,
            self.identifiers(identifier_keys),
            None if record.dob is None else self.dob(record.dob),
            self.name_clk(record.given, record.surnames) if has_name else None,
            self.surname_clk(record.surnames) if record.surnames else None,
        )

    def person(
        self,
        alert: Mapping[str, Any],
        person: Mapping[str, Any],
        held: Mapping[str, tuple[str, ...]] | None = None,
    ) -> PersonTokens:
        """Tokens of a Person of an (Avro-ready) alert and of the identifiers it holds;
        `held` is `identifiers_by_holder(alert)`, when the caller has it already."""
        held = identifiers_by_holder(alert) if held is None else held
        record = from_alert_person(alert, person)
        return self.record(record, held.get(person["record_id"], ()))

    def alert(
        self, alert: Mapping[str, Any], *, protected_only: bool = True
    ) -> list[ProtectedRecord]:
        """The protected persons of the alert (all of them if not `protected_only`) as
        tokens, to publish along with `minimise_alert(alert)`."""
        held = identifiers_by_holder(alert)
        return [
            ProtectedRecord(
                f"{alert['alert_id']}/{person['record_id']}",
                alert["agency"],
                self.person(alert, person, held),
            )
            for person in alert.get("persons") or ()
            if is_protected(person) or not protected_only
        ]


def identifiers_by_holder(alert: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """record_id of each person -> keys (`streams.identifiers`) of the identifiers whose
    holder_ref is that person; one that does not normalise is left out, as in the stream."""
    holders = {
        item["record_id"]: item.get("holder_ref")
        for kind in _HOLDER_FIELDS
        for item in alert.get(kind) or ()
    }
    keys: dict[str, set[str]] = {}
    for sighting in identifier_sightings(dict(alert)):
        if (holder := holders.get(sighting.record_id)) is not None:
            keys.setdefault(holder, set()).add(sighting.key)
    return {holder: tuple(sorted(found)) for holder, found in keys.items()}


def is_protected(person: Mapping[str, Any]) -> bool:
    """Flagged victim/survivor (PersonRole VICTIM, HTCDS vic_ context)."""
    return person.get("role") in PROTECTED_ROLES


def require_key(alerts: Iterable[Mapping[str, Any]]) -> None:
    """MissingKeyError if an alert names a protected person and no network key is set:
    a bulk import checks this before it sends anything."""
    if any(is_protected(p) for alert in alerts for p in alert.get("persons") or ()):
        PrivacySettings().network_key()


def protect_alert(alert: Mapping[str, Any], tokeniser: Tokeniser) -> dict[str, Any]:
    """What the SDK publishes: `minimise_alert(alert)` with the tokens of its protected
    persons in `protected_persons` (Avro ProtectedRecord), in the same record, so they
    travel on the agency's own topic, in order with the alert."""
    held = identifiers_by_holder(alert)
    minimised = minimise_alert(alert)
    minimised["protected_persons"] = [
        {"person_ref": p["record_id"], "tokens": tokeniser.person(alert, p, held).to_json()}
        for p in alert.get("persons") or ()
        if is_protected(p)
    ]
    return minimised


def protected_records(alert: Mapping[str, Any]) -> list[ProtectedRecord]:
    """The `protected_persons` of a published alert, as the matcher takes them."""
    return [
        ProtectedRecord(
            f"{alert['alert_id']}/{item['person_ref']}",
            alert["agency"],
            PersonTokens.from_json(item["tokens"]),
        )
        for item in alert.get("protected_persons") or ()
    ]


def exposure(alert: Mapping[str, Any]) -> list[str]:
    """What a published alert says about its protected persons beyond what may leave the
    agency (`minimise_alert`), and tokens that name no protected person or are malformed.
    The stream worker refuses such an alert without copying it (a producer that bypassed
    the SDK): empty for what `protect_alert` writes."""
    protected = {p["record_id"] for p in alert.get("persons") or () if is_protected(p)}
    found = []
    for person in alert.get("persons") or ():
        if person["record_id"] in protected:
            extra = [n for n, d in _STUB_DEFAULTS.items() if person.get(n, d) not in (d, None)]
            if extra:
                found.append(f"persons {person['record_id']}: a protected person with {extra}")
    for kind in _HOLDER_FIELDS:
        for item in alert.get(kind) or ():
            if item.get("holder_ref") in protected:
                found.append(f"{kind} {item['record_id']}: held by protected {item['holder_ref']}")
    if protected and alert.get("notes"):
        found.append("notes: free text on an alert with a protected person")
    for item in alert.get("protected_persons") or ():
        if item["person_ref"] not in protected:
            found.append(f"protected_persons {item['person_ref']}: names no protected person")
        try:
            tokens = PersonTokens.from_json(item["tokens"])
            for clk in (tokens.name, tokens.surname):
                if clk is not None and len(decode_b64(clk)) * 8 != BLOOM_BITS:
                    raise ValueError(f"a CLK has {BLOOM_BITS} bits")
            if not _EPOCH.fullmatch(tokens.epoch):
                raise ValueError(f"epoch {tokens.epoch!r}")
        except (ValueError, binascii.Error) as error:
            found.append(f"protected_persons {item['person_ref']}: malformed tokens ({error})")
    return found


def minimise_alert(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The alert as it may leave the agency: protected persons reduced to record_id and
    role, the identifiers they hold removed (a document's MRZ spells the name), refs to
    removed records cleared, and the notes dropped (free text may name the survivor).
    Other subjects are untouched; a valid alert stays valid."""
    protected = {p["record_id"] for p in alert.get("persons") or () if is_protected(p)}
    if not protected:
        return dict(alert)
    minimised = dict(alert, involves_survivor=True, notes=None)
    minimised["persons"] = [
        {name: person[name] for name in _KEPT} if person["record_id"] in protected else person
        for person in alert.get("persons") or ()
    ]
    removed: set[str] = set()
    for kind in _HOLDER_FIELDS:
        kept = []
        for item in alert.get(kind) or ():
            if item.get("holder_ref") in protected:
                removed.add(item["record_id"])
            else:
                kept.append(item)
        minimised[kind] = kept
    minimised["transactions"] = [
        {
            name: None if name.endswith("_ref") and value in removed else value
            for name, value in item.items()
        }
        for item in alert.get("transactions") or ()
    ]
    return minimised
