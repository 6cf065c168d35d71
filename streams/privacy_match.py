"""Hit/no-hit matching of protected persons on tokens only (`producers.privacy`).

The matcher never holds the network key and never sees a name, a date or an identifier:
it compares `PersonTokens` as published. Identifier and date tokens match by equality;
name CLKs by their Dice coefficient, 2|A ∧ B| / (|A| + |B|), on packed 64-bit words with
numpy's popcount. Each comparison puts a pair into a level, each level has a weight
log2(m/u) fitted on a training scenario with ground truth (as the plaintext model is), and
the summed weight decides.

What may be published — `HitNotice`, to each of the two agencies — is only: "a match
exists at agency X for your record R", a hit id, and a strength band (STRONG or
MODERATE). Never the score, the levels, which fields agreed, the other agency's record
ref or anything from its tokens: each would tell the recipient something about a
survivor held elsewhere. Disclosure of anything more goes through `DisclosureRequest`
and the holder's `DisclosureDecision`, agency to agency.

Candidate pairs come from blocking on the tokens: each identifier token, the full date
and the unordered day-month date tokens, and Hamming LSH bands of the name and surname
CLKs (Durham 2012; Karapiperis & Verykios 2015): a band is a fixed sample of bit
positions, and filters that agree on all of them share the band's key. A key held by more
than `hub_size` records is a hub and stops producing candidates, as in
`streams.resolve.blocking`.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from producers.privacy import BLOOM_BITS, PersonTokens, ProtectedRecord, decode_b64
from streams.resolve import HUB_SIZE, NULL
from streams.resolve.em import Levels, level_frequencies

WORDS = BLOOM_BITS // 64
# Dice lower bounds of the name levels: the same name (or a typo in a long one), a typo or
# a missing second surname, an initial or a missing given name, little in common.
NAME_BOUNDS = (0.65, 0.75, 0.85, 0.95)  # ascending, for np.searchsorted
NAME_LEVELS = ("dice_95", "dice_85", "dice_75", "dice_65", "far")
# As `streams.normalise.date_agreement` grades dates, from the tokens each side has.
DOB_LEVELS = ("exact", "swapped", "month", "year", "far")
# A token held by more records than this is a shared phone (a hotline, a smuggler's
# number): sharing it is weaker evidence than sharing a personal one.
IDENTIFIER_HUB = 6
IDENTIFIER_LEVELS = ("shared", "shared_hub", "none")
# The surname CLK blocks but is not compared: as a comparison of its own it counts a
# surname variant twice (on the training seed, F1 and other-script recall fell).
COMPARISONS = {"name": NAME_LEVELS, "dob": DOB_LEVELS, "identifiers": IDENTIFIER_LEVELS}
# Hamming LSH: 16 bands of 20 bits of a name CLK, 12 of 24 of a surname CLK. For half-full
# filters, two at Dice 0.9 share a name band with probability ~0.9 (1 - (1 - a^20)^16, a
# the share of agreeing bits), two unrelated names ~1e-5; lower Dice pairs meet through
# the surname, date or identifier keys (blocking recall 0.99+ on the training seed). The
# positions are public: the filters' secrecy rests on the key, not on the sampling.
NAME_BANDS, NAME_BAND_BITS = 16, 20
SURNAME_BANDS, SURNAME_BAND_BITS = 12, 24
LSH_SEED = 20091  # any fixed value: every worker must sample the same positions

Bits = npt.NDArray[np.uint64]


class Verdict(StrEnum):
    HIT = "HIT"
    NO_HIT = "NO_HIT"


class Strength(StrEnum):
    STRONG = "STRONG"  # training precision at or above this band's threshold >= 0.999
    MODERATE = "MODERATE"


@dataclass(frozen=True)
class HitDecision:
    """All a decision says: hit or not, and for a hit its band. No score on purpose."""

    verdict: Verdict
    strength: Strength | None = None


NO_HIT = HitDecision(Verdict.NO_HIT)


@dataclass(frozen=True)
class MatchPolicy:
    """Level weights (log2 m/u, in `COMPARISONS` order) and the two thresholds."""

    weights: Mapping[str, tuple[float, ...]]
    hit: float  # total weight at which a pair is a hit
    strong: float  # ... and a STRONG one

    def __post_init__(self) -> None:
        for name, levels in COMPARISONS.items():
            if len(self.weights.get(name, ())) != len(levels):
                raise ValueError(f"policy: {name} needs one weight per level of {levels}")
        if self.strong < self.hit:
            raise ValueError("policy: the strong threshold is below the hit threshold")

    def total(self, levels: Levels) -> npt.NDArray[np.float64]:
        """Summed weight of each row of levels; NULL (a side has no value) weighs 0."""
        total = np.zeros(len(levels))
        for column, name in enumerate(COMPARISONS):
            table = np.append(np.asarray(self.weights[name], dtype=np.float64), 0.0)
            total += table[levels[:, column]]
        return total

    def decide(self, total: float) -> HitDecision:
        if total >= self.strong:
            return HitDecision(Verdict.HIT, Strength.STRONG)
        if total >= self.hit:
            return HitDecision(Verdict.HIT, Strength.MODERATE)
        return NO_HIT

    def to_json(self) -> dict[str, Any]:
        weights = {name: [round(w, 3) for w in ws] for name, ws in self.weights.items()}
        return {"weights": weights, "hit": round(self.hit, 3), "strong": round(self.strong, 3)}


def fit_policy(
    levels: Levels, is_match: npt.NDArray[np.bool_], strong_precision: float = 0.999
) -> MatchPolicy:
    """Weights from labelled candidate pairs (m from the matches, u from the others, both
    smoothed as `level_frequencies` does); the hit threshold where F1 over these pairs is
    best, the strong one lowest where precision above it is still `strong_precision`.
    Thresholds sit halfway between two totals seen, so rounding them changes nothing."""
    if not is_match.any() or is_match.all():
        raise ValueError("fitting needs both matching and non-matching pairs")
    sizes = [len(names) for names in COMPARISONS.values()]
    m = level_frequencies(levels[is_match], sizes)
    u = level_frequencies(levels[~is_match], sizes)
    weights = {
        name: tuple(float(w) for w in np.log2(mi / ui))
        for name, mi, ui in zip(COMPARISONS, m, u, strict=True)
    }
    totals = MatchPolicy(weights, 0.0, 0.0).total(levels)
    order = np.argsort(-totals, kind="stable")
    ranked, labels = totals[order], is_match[order]
    hits, predicted = np.cumsum(labels), np.arange(1, len(labels) + 1)
    # A threshold can only fall between distinct totals: cut after the last of each run.
    cuts = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])
    below = np.r_[ranked[cuts[1:]], ranked[-1] - 1.0]  # the next total down
    thresholds = (ranked[cuts] + below) / 2
    f1 = 2 * hits[cuts] / (predicted[cuts] + labels.sum())
    best = int(np.argmax(f1))
    precise = np.flatnonzero(hits[cuts] / predicted[cuts] >= strong_precision)
    # The strong band lies within the hits: never below the hit threshold.
    strong = thresholds[min(precise[-1], best)] if len(precise) else np.inf
    return MatchPolicy(weights, float(thresholds[best]), float(strong))


# Fitted by `python -m bench.pprl --fit` on the training scenario (seed 101, 40 networks,
# noise 0.3; every person tokenised under 3 random keys, pooled), rounded; measured on
# other seeds by `python -m bench.pprl`. The levels' order is `COMPARISONS`'.
DEFAULT_POLICY = MatchPolicy(
    weights={
        "name": (6.33, 3.25, -1.17, -3.9, -7.3),
        "dob": (6.85, 3.17, 4.6, 5.7, -8.2),
        "identifiers": (3.8, -1.63, -0.82),
    },
    hit=1.2,
    strong=4.6,
)


def clk_bytes(clk: str | bytes) -> bytes:
    """The bytes of a CLK given as published (base64 text) or as bytes."""
    data = decode_b64(clk) if isinstance(clk, str) else clk
    if len(data) * 8 != BLOOM_BITS:
        raise ValueError(f"a CLK has {BLOOM_BITS} bits, not {len(data) * 8}")
    return data


def pack(clk: str | bytes) -> Bits:
    """A CLK as `WORDS` 64-bit words, for vectorised popcounts."""
    return np.frombuffer(clk_bytes(clk), dtype=">u8").astype(np.uint64)


def dice(a: str | bytes, b: str | bytes) -> float:
    """Dice coefficient of two CLKs; 0.0 for two empty filters."""
    x, y = (int.from_bytes(clk_bytes(c), "big") for c in (a, b))
    total = x.bit_count() + y.bit_count()
    return 2 * (x & y).bit_count() / total if total else 0.0


def dice_many(query: Bits, rows: Bits) -> npt.NDArray[np.float64]:
    """Dice of one packed filter against each row of a (n, WORDS) array."""
    common = np.bitwise_count(rows & query).sum(axis=1, dtype=np.int64)
    sizes = np.bitwise_count(rows).sum(axis=1, dtype=np.int64) + int(np.bitwise_count(query).sum())
    return np.divide(2 * common, sizes, out=np.zeros(len(rows)), where=sizes > 0)


def _positions(bands: int, width: int, salt: int) -> npt.NDArray[np.int64]:
    rng = np.random.default_rng([LSH_SEED, salt])
    return np.stack([rng.choice(BLOOM_BITS, width, replace=False) for _ in range(bands)])


_NAME_POSITIONS = _positions(NAME_BANDS, NAME_BAND_BITS, 1)
_SURNAME_POSITIONS = _positions(SURNAME_BANDS, SURNAME_BAND_BITS, 2)


def lsh_keys(prefix: str, clk: str, positions: npt.NDArray[np.int64]) -> list[str]:
    """One key per band: the band's number and the filter's bits at its positions."""
    bits = np.unpackbits(np.frombuffer(clk_bytes(clk), dtype=np.uint8))
    sampled = np.packbits(bits[positions], axis=1)
    return [f"{prefix}{band}:{row.tobytes().hex()}" for band, row in enumerate(sampled)]


def blocking_keys(tokens: PersonTokens) -> list[str]:
    """The keys a record is blocked on, epoch first: other epochs never meet."""
    keys = [f"i:{token}" for token in tokens.identifiers]
    if tokens.dob is not None:
        keys += [f"d:{t}" for t in (tokens.dob.day, tokens.dob.day_month) if t is not None]
    if tokens.name is not None:
        keys += lsh_keys("n", tokens.name, _NAME_POSITIONS)
    if tokens.surname is not None:
        keys += lsh_keys("s", tokens.surname, _SURNAME_POSITIONS)
    return [f"{tokens.epoch}|{key}" for key in keys]


def dob_level(a: PersonTokens, b: PersonTokens) -> int:
    x, y = a.dob, b.dob
    if x is None or y is None:
        return NULL
    if x.year != y.year:
        # A day/month swap keeps the year; a different year is a different date.
        return DOB_LEVELS.index("far")
    if x.day is not None and x.day == y.day:
        return DOB_LEVELS.index("exact")
    if x.day_month is not None and x.day_month == y.day_month:
        return DOB_LEVELS.index("swapped")
    if x.month is None or y.month is None:
        return DOB_LEVELS.index("year")
    return DOB_LEVELS.index("month" if x.month == y.month else "far")


class TokenMatcher:
    """Protected records of one epoch, added one at a time as the worker sees them."""

    def __init__(self, policy: MatchPolicy = DEFAULT_POLICY, hub_size: int = HUB_SIZE) -> None:
        self.policy = policy
        self.hub_size = hub_size
        self.records: list[ProtectedRecord] = []
        self._names = np.zeros((0, WORDS), dtype=np.uint64)
        self._named: list[bool] = []
        self._blocks: dict[str, list[int]] = {}
        self._hubs: set[str] = set()
        self._holders: dict[str, int] = {}  # identifier token -> records holding it
        self._refs: set[str] = set()
        self.pairs_scored = 0

    def _store(self, tokens: PersonTokens) -> None:
        row = len(self.records) - 1
        if row >= len(self._names):
            grown = np.zeros((max(64, 2 * len(self._names)), WORDS), dtype=np.uint64)
            grown[: len(self._names)] = self._names
            self._names = grown
        if tokens.name is not None:
            self._names[row] = pack(tokens.name)
        self._named.append(tokens.name is not None)

    def _candidates(self, keys: Iterable[str]) -> list[int]:
        rows: set[int] = set()
        for key in keys:
            if key in self._hubs:
                continue
            block = self._blocks.setdefault(key, [])
            if len(block) >= self.hub_size:
                self._hubs.add(key)
                del self._blocks[key]
                continue
            rows.update(block)
            block.append(len(self.records))
        return sorted(rows)

    def levels(self, tokens: PersonTokens, rows: Sequence[int]) -> Levels:
        """Levels of the record against stored rows, one column per `COMPARISONS` entry."""
        levels = np.full((len(rows), len(COMPARISONS)), NULL, dtype=np.int8)
        if not rows:
            return levels
        index = np.asarray(rows)
        if tokens.name is not None:
            similarity = dice_many(pack(tokens.name), self._names[index])
            level = len(NAME_BOUNDS) - np.searchsorted(NAME_BOUNDS, similarity, side="right")
            named = np.asarray([self._named[row] for row in rows])
            levels[:, 0] = np.where(named, level, NULL)
        mine = set(tokens.identifiers)
        for i, row in enumerate(rows):
            other = self.records[row].tokens
            levels[i, 1] = dob_level(tokens, other)
            if mine and other.identifiers:
                shared = mine.intersection(other.identifiers)
                if not shared:
                    levels[i, 2] = IDENTIFIER_LEVELS.index("none")
                else:
                    hub = min(self._holders.get(t, 0) for t in shared) > IDENTIFIER_HUB
                    levels[i, 2] = IDENTIFIER_LEVELS.index("shared_hub" if hub else "shared")
        return levels

    def add(self, record: ProtectedRecord) -> tuple[list[int], Levels]:
        """Index the record; return the stored rows it was compared with and the levels.
        A replayed record (a ref seen before) is skipped; one of another epoch than the
        matcher's first is refused."""
        if record.ref in self._refs:
            return [], self.levels(record.tokens, [])
        if self.records and record.tokens.epoch != self.records[0].tokens.epoch:
            raise ValueError(
                f"epoch {record.tokens.epoch!r}: this matcher holds epoch "
                f"{self.records[0].tokens.epoch!r} (re-tokenise under one key)"
            )
        tokens = record.tokens
        for token in tokens.identifiers:
            self._holders[token] = self._holders.get(token, 0) + 1
        rows = self._candidates(blocking_keys(tokens))
        levels = self.levels(tokens, rows)
        self.records.append(record)
        self._refs.add(record.ref)
        self._store(tokens)
        self.pairs_scored += len(rows)
        return rows, levels

    def match(self, record: ProtectedRecord) -> Iterator[tuple[ProtectedRecord, HitDecision]]:
        """Index the record and yield each stored record it is a hit with."""
        rows, levels = self.add(record)
        for row, total in zip(rows, self.policy.total(levels), strict=True):
            decision = self.policy.decide(float(total))
            if decision.verdict is Verdict.HIT:
                yield self.records[row], decision


@dataclass(frozen=True)
class HitNotice:
    """What one agency is told: a match exists at `match_agency` for its record."""

    hit_id: str
    recipient_agency: str
    record_ref: str  # the recipient's own record
    match_agency: str
    strength: Strength
    epoch: str

    def to_json(self) -> dict[str, str]:
        return {name: str(value) for name, value in vars(self).items()}


def hit_id(secret: bytes, a: ProtectedRecord, b: ProtectedRecord) -> str:
    """Deterministic (a replay repeats it) but keyed with the worker's own secret, not the
    network key: a plain hash of the two refs would let a recipient test which of the
    other agency's published alerts matched."""
    refs = "|".join(sorted((a.ref, b.ref)))
    return hmac.digest(secret, f"{a.tokens.epoch}|{refs}".encode(), "sha256")[:16].hex()


def notices(
    secret: bytes, a: ProtectedRecord, b: ProtectedRecord, decision: HitDecision
) -> list[HitNotice]:
    """The two notices of a hit, one per agency; none for a hit within one agency
    (it holds both records already) or for no hit."""
    if decision.strength is None or a.agency == b.agency:
        return []
    hid = hit_id(secret, a, b)
    return [
        HitNotice(hid, mine.agency, mine.ref, other.agency, decision.strength, a.tokens.epoch)
        for mine, other in ((a, b), (b, a))
    ]


class DisclosureStatus(StrEnum):
    APPROVED = "APPROVED"
    DENIED = "DENIED"


@dataclass(frozen=True)
class DisclosureRequest:
    """An agency that got a notice asks the holder to disclose: an event, not a lookup."""

    request_id: str
    hit_id: str
    requester: str
    holder: str
    purpose: str  # why, in words: logged in the audit trail and shown to the holder
    case_ref: str  # the requester's case: a disclosure is always for one
    user: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return dict(vars(self))


@dataclass(frozen=True)
class DisclosureDecision:
    """The holder's answer. Approval discloses nothing by itself: it names a contact
    point, and the holder shares what it decides, under its own marking."""

    request_id: str
    hit_id: str
    holder: str
    status: DisclosureStatus
    reason: str
    contact: str | None = None
    user: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {**vars(self), "status": str(self.status)}


def request_id(hit: str, requester: str) -> str:
    """One request per hit and requester: asking again is the same request."""
    return hashlib.sha256(f"{hit}|{requester}".encode()).hexdigest()[:32]


def request_disclosure(
    notice: HitNotice, purpose: str, case_ref: str, user: str | None = None
) -> DisclosureRequest:
    if not purpose.strip():
        raise ValueError("a disclosure request must state its purpose")
    if not case_ref.strip():
        raise ValueError("a disclosure request must name the case it is for")
    return DisclosureRequest(
        request_id(notice.hit_id, notice.recipient_agency),
        notice.hit_id,
        notice.recipient_agency,
        notice.match_agency,
        purpose,
        case_ref,
        user,
    )


def decide_disclosure(
    request: DisclosureRequest,
    agency: str,
    approve: bool,
    reason: str,
    contact: str | None = None,
    user: str | None = None,
) -> DisclosureDecision:
    """Only the holder decides; an approval names a contact point, a denial none."""
    if agency != request.holder:
        raise PermissionError(f"{agency} does not hold the record: only {request.holder} decides")
    if not reason.strip():
        raise ValueError("a decision must give its reason")
    if approve and not (contact or "").strip():
        raise ValueError("an approval must name the contact point the holder shares through")
    status = DisclosureStatus.APPROVED if approve else DisclosureStatus.DENIED
    return DisclosureDecision(
        request.request_id,
        request.hit_id,
        agency,
        status,
        reason,
        contact if approve else None,
        user,
    )


class Refused(ValueError):
    """A disclosure event the worker does not pass on; the message says why."""


class SurvivorState:
    """What the worker keeps about protected records, over mappings (faust tables in the
    worker, dicts in tests) so that it survives restarts and moves between workers:

    - ``records``: ref -> {"seq", "agency", "tokens"}, in arrival order (``seq``);
    - ``hits``: hit_id -> {"refs": {agency: its record ref}, "strength", "epoch"}: the
      hits notified, which disclosure requests must name;
    - ``requests``: request_id -> {"request", "decision"} as passed on;
    - ``retracted``: alert_id -> True: its records make no further hits;
    - ``meta``: "records" (how many are stored) and "hit_secret" (hit ids' key, made
      once, so replays repeat ids).

    The matchers (one per key epoch) are in memory, rebuilt from ``records`` whenever
    they are not at its count: after a restart, or when the partition comes back from
    another worker. Each change is computed first and written by ``save`` (or the
    ``record_*`` methods) once the caller has sent what it found, so a failed send
    retries the whole message.
    """

    def __init__(
        self,
        records: MutableMapping[str, Any],
        hits: MutableMapping[str, Any],
        requests: MutableMapping[str, Any],
        retracted: MutableMapping[str, Any],
        meta: MutableMapping[str, Any],
        policy: MatchPolicy = DEFAULT_POLICY,
        hub_size: int = HUB_SIZE,
    ) -> None:
        self.records, self.hits, self.requests = records, hits, requests
        self.retracted, self.meta = retracted, meta
        self.policy, self.hub_size = policy, hub_size
        self._matchers: dict[str, TokenMatcher] = {}
        self._loaded = 0  # records the matchers hold, to compare with meta["records"]
        self._new: list[ProtectedRecord] = []
        self._found: list[HitNotice] = []

    def _secret(self) -> bytes:
        if self.meta.get("hit_secret") is None:
            self.meta["hit_secret"] = secrets.token_hex(32)
        return bytes.fromhex(self.meta["hit_secret"])

    def _matcher(self, epoch: str) -> TokenMatcher:
        if epoch not in self._matchers:
            self._matchers[epoch] = TokenMatcher(self.policy, self.hub_size)
        return self._matchers[epoch]

    def _sync(self) -> None:
        stored = self.meta.get("records") or 0
        if self._loaded == stored and not self._new:
            return
        self._matchers, self._new, self._found = {}, [], []
        for ref, value in sorted(self.records.items(), key=lambda item: item[1]["seq"]):
            tokens = PersonTokens.from_json(value["tokens"])
            self._matcher(tokens.epoch).add(ProtectedRecord(ref, value["agency"], tokens))
        self._loaded = stored

    def _live(self, record: ProtectedRecord) -> bool:
        return not self.retracted.get(record.ref.partition("/")[0])

    def match(self, records: Iterable[ProtectedRecord]) -> list[HitNotice]:
        """Index the records and return the notices of hits not notified before; a
        record seen before (a replay) is skipped. ``save`` stores them."""
        self._sync()
        secret = self._secret()
        for record in records:
            seen = record.ref in self.records or any(r.ref == record.ref for r in self._new)
            if seen or not self._live(record):
                continue
            for other, decision in self._matcher(record.tokens.epoch).match(record):
                if self._live(other):
                    found = notices(secret, record, other, decision)
                    self._found += [n for n in found if n.hit_id not in self.hits]
            self._new.append(record)
        return list(self._found)

    def save(self) -> None:
        seq = self.meta.get("records") or 0
        for record in self._new:
            seq += 1
            self.records[record.ref] = {
                "seq": seq,
                "agency": record.agency,
                "tokens": record.tokens.to_json(),
            }
        for notice in self._found:
            hit = self.hits.get(notice.hit_id) or {
                "refs": {},
                "strength": str(notice.strength),
                "epoch": notice.epoch,
            }
            hit["refs"][notice.recipient_agency] = notice.record_ref
            self.hits[notice.hit_id] = hit
        self.meta["records"] = self._loaded = seq
        self._new, self._found = [], []

    def retract(self, alert_id: str) -> None:
        self.retracted[alert_id] = True

    def check_request(self, sender: str, request: Mapping[str, Any]) -> bool:
        """A request read from in.<sender>.disclosures: True to pass it on to its holder,
        False for a replay of one passed on already; Refused with the reason otherwise."""
        hit_id, requester = request["hit_id"], request["requester"]
        if requester != sender:
            raise Refused(f"a request on in.{sender}.disclosures names {requester} as requester")
        hit = self.hits.get(hit_id)
        if hit is None or sender not in hit["refs"]:
            raise Refused(f"{sender} received no notice of hit {hit_id}")
        holder = next(agency for agency in hit["refs"] if agency != sender)
        if request["holder"] != holder:
            raise Refused(f"hit {hit_id}: the matching record is {holder}'s")
        if request["request_id"] != request_id(hit_id, sender):
            raise Refused(f"request_id {request['request_id']} is not that of hit {hit_id}")
        if not request["purpose"].strip() or not request["case_ref"].strip():
            raise Refused("a disclosure request must state its purpose and its case")
        earlier = self.requests.get(request["request_id"])
        if earlier is None:
            return True
        if earlier["request"] == request:
            return False
        raise Refused(f"{sender} requested disclosure of hit {hit_id} already")

    def check_decision(self, sender: str, decision: Mapping[str, Any]) -> dict[str, Any] | None:
        """A decision read from in.<sender>.disclosures: the request it answers (to pass it
        on to its requester), None for a replay; Refused with the reason otherwise."""
        entry = self.requests.get(decision["request_id"])
        if entry is None:
            raise Refused(f"no disclosure request {decision['request_id']}")
        request = entry["request"]
        if decision["holder"] != sender:
            raise Refused(f"a decision on in.{sender}.disclosures names {decision['holder']}")
        if sender != request["holder"]:
            raise Refused(
                f"{sender} does not hold the record of hit {request['hit_id']}: "
                f"only {request['holder']} decides"
            )
        if decision["hit_id"] != request["hit_id"]:
            raise Refused(f"request {decision['request_id']} is about hit {request['hit_id']}")
        approved = decision["status"] == DisclosureStatus.APPROVED
        if not decision["reason"].strip() or approved != bool(decision.get("contact")):
            raise Refused("a decision gives a reason, and a contact point if and only if approved")
        if entry.get("decision") is None:
            return dict(request)
        if entry["decision"] == decision:
            return None
        raise Refused(f"request {decision['request_id']} was decided already")

    def record_request(self, request: Mapping[str, Any]) -> None:
        self.requests[request["request_id"]] = {"request": dict(request), "decision": None}

    def record_decision(self, decision: Mapping[str, Any]) -> None:
        entry = self.requests[decision["request_id"]]
        self.requests[decision["request_id"]] = {**entry, "decision": dict(decision)}

    def record_of(self, hit_id: str, agency: str) -> str | None:
        """The ref of ``agency``'s own record in a hit, for its audit records."""
        hit = self.hits.get(hit_id) or {"refs": {}}
        return hit["refs"].get(agency)
