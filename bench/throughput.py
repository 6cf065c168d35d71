"""Per-alert resolution cost as the entity store grows: 10k, 100k and 1M stored persons.

    python -m bench.throughput [--sizes 10000 100000 1000000] [--alerts 1000] [--quick]
                               [--refine-size 30]

Measured, in one process (one worker): what the worker does to resolve the persons of a
validated alert, i.e. `from_alert_person`, the blocking keys, the JSON of the repartition
message, and under each key the `resolve` agent's own PersonBlocks (resolve, then save),
over RocksDB stores opened with faust's table options (rocksdict; keys and values JSON, as
faust's tables write them). Kafka, Avro and the changelogs are left out: they cost the same
whatever the store holds (bench.latency measures the pipeline end to end).

The store: N persons drawn with the scenario generator's own factories, as its background
travellers (a name of their nationality, aged 18-70, a passport or national id, a phone
60% of the time), but normalised directly: rendering alerts and `from_alert_person` for
1M people would take about four minutes alone. They are written straight into the layout
PersonBlocks keeps, without scoring, by its own bulk `load`: as the worker would have
left them. Two processes draw the persons while the stores write; the measurement itself
runs in one. The alerts: one batch of fresh scenario alerts, the same at every size (their
people link among themselves; the stored persons are other people).

Two schemes, each over its own stores of the same persons: adaptive blocking as the
worker runs it (a block past `--refine-size` records is split into sub-blocks, a sub-block
with nothing left to split by is a hub past `blocking_hub_size`), and blocks never split
(the scheme before it: a key past the hub size is a hub, its records dropped). Besides
the cost, the MATCH links the fresh alerts' records get, against the scenarios' truth:
recall over their true pairs, precision over every MATCH link they made (a link to a
stored person is false: those are other people).

Baselines, in the same run: the smallest store of the same scheme, and the other scheme
at the same size. All stores take turns through the alerts, a slice each, so that the
shared machine's load falls on all of them alike.
"""

import argparse
import json
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache, partial
from json.encoder import encode_basestring_ascii
from multiprocessing import get_context
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

from faust.stores.rocksdb import RocksDBOptions
from rich.console import Console
from rich.table import Table
from rocksdict import Rdict, ReadOptions, WriteBatch, WriteOptions

from producers.scenario import DEFAULT_START, generate
from producers.scenario.identifiers import national_id, passport_number
from producers.scenario.phones import PLANS, e164
from producers.scenario.places import CORE, agency
from producers.scenario.world import World
from streams.blocks import CACHE_SIZE, PersonBlocks
from streams.normalise import NormalisationError, PartialDate, document_key, parse_name
from streams.resolve import Decision, Model, PersonRecord, blocking_keys, from_alert_person
from streams.resolve import record_to_json as person_to_json
from streams.resolve.blocking import refined_values, refinements
from streams.settings import StreamSettings

console = Console(width=max(Console().width, 175))  # the table is wide
SEED = 20_261_120
NATIONALITIES = (*CORE, "VE", "VE", "BR", "DO", "CN", "RU")  # the scenario's travellers
WRITES_PER_BATCH = 20_000
CHUNK = 10_000  # stored persons per generation task
SLICE = 50  # alerts timed on one store before the next store's turn
Pair = tuple[str, str]  # two record refs, the smaller first


def _key(key: str) -> bytes:
    return encode_basestring_ascii(key).encode()  # what json.dumps makes of a str


class JsonTable(MutableMapping[str, Any]):
    """What a faust table with the JSON schema makes of its RocksDB store."""

    def __init__(self, db: Rdict) -> None:
        self.db = db

    def __getitem__(self, key: str) -> Any:
        raw = self.db.get(_key(key))
        if raw is None:
            raise KeyError(key)
        return json.loads(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self.db.put(_key(key), json.dumps(value).encode())

    def __delitem__(self, key: str) -> None:
        self.db.delete(_key(key))

    def __iter__(self) -> Iterator[str]:
        return map(json.loads, self.db.keys())  # an Rdict itself iterates by index

    def __len__(self) -> int:
        return sum(1 for _ in iter(self))


# Name parts repeat across the pools' few hundred names: fold each spelling once.
@cache
def _given(names: tuple[str, ...]) -> tuple[str, ...]:
    return parse_name(given=" ".join(names)).given


@cache
def _surnames(names: tuple[str, ...]) -> tuple[str, ...]:
    return parse_name(surnames=" ".join(names)).surnames


@cache
def _immigration(country: str) -> str:
    return agency(country, "IMMIGRATION")


@cache
def _document_shape(state: str, at_home: bool) -> tuple[str, tuple[int, ...]]:
    """A normalised key of one of the scenario's documents of `state`, with its digit runs
    as format fields: fresh digits in it make a key the normaliser would have made."""
    rng = random.Random(state)
    born = DEFAULT_START.date()
    number = national_id(rng, state, born) if at_home else passport_number(rng, state)
    key = document_key(state, number)
    runs = tuple(len(run) for run in re.findall(r"\d+", key))
    return re.sub(r"\d+", lambda run: f"{{:0{len(run.group())}d}}", key), runs


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"  # one draw, not one per digit


def stored_persons(first: int, count: int) -> Iterator[PersonRecord]:
    """Persons `first` to `first + count - 1` as the scenario's background draws them,
    as normalised records; the same whichever process draws them.

    People come from the scenario's `World.person`; their document and phone have the
    scenario's shapes with digits drawn in one go, several times faster than its
    digit-by-digit factories and the normalisers, which matters at a million. A ref's
    first eight hex digits are its arrival number, so refs sort in arrival order.
    """
    world = World(random.Random(f"{SEED}:{first}"), DEFAULT_START)
    rng = world.rng
    for n in range(first, first + count):
        person = world.person(f"st{n}", rng.choice(NATIONALITIES), age=(18, 70))
        assert person.name is not None and person.born is not None and person.nationality
        country, state, born = rng.choice(CORE), person.nationality, person.born
        # As build_background: a national id at home, a passport abroad.
        shape, runs = _document_shape(state, state == country)
        phones: tuple[str, ...] = ()
        if rng.random() < 0.6:
            plan = PLANS[country]
            prefix = rng.choice(plan.prefixes)
            phones = (e164(country, prefix + _digits(rng, plan.length - len(prefix))),)
        yield PersonRecord(
            ref=f"{n:08x}{world.uuid()[8:]}/p1",
            given=_given(person.name.given),
            surnames=_surnames(person.name.surnames),
            dob=PartialDate(born.year, born.month, born.day),
            sex=person.sex,
            phones=phones,
            documents=(shape.format(*(rng.randrange(10**run) for run in runs)),),
            nationalities=(state,),
            country=country,
            agency=_immigration(country),
        )


class BulkWriter:
    """Batched writes to one store, without the write-ahead log: setup, not measured."""

    def __init__(self, db: Rdict) -> None:
        self.db = db
        self.batch = WriteBatch(raw_mode=True)
        self.options = WriteOptions()
        self.options.disable_wal = True  # a store that is thrown away needs no recovery

    def spill(self, size: int = WRITES_PER_BATCH) -> None:
        if self.batch.len() >= size:
            self.db.write(self.batch, self.options)
            self.batch = WriteBatch(raw_mode=True)


def _blocks(db: Rdict) -> Iterator[tuple[bytes, list[tuple[bytes, bytes]]]]:
    """(key, its entries) for every blocking key, from a store keyed "key|ref".

    Its keys are JSON "key|ref": RocksDB keeps one key's entries together, in ref order,
    which is arrival order (see stored_persons); neither key nor ref holds a "|".
    """
    scan = ReadOptions()
    scan.fill_cache(False)  # one pass over everything: keep the block cache for the alerts
    current, entries = b"", []
    for entry, value in db.items(read_opt=scan):
        key = entry[: entry.rindex(b"|")] + b'"'
        if key != current and entries:
            yield current, entries
            entries = []
        current = key
        entries.append((entry, value))
    if entries:
        yield current, entries


def encoded_persons(chunk: tuple[int, int]) -> list[tuple[bytes, list[tuple[bytes, bytes]]]]:
    """(stored message, then its record-store keys with its refinement values under each)
    of the persons of `chunk` (first, count): the CPU-heavy part of preloading, run in
    worker processes while the stores write."""
    encoded = []
    for record in stored_persons(*chunk):
        message = json.dumps({"record": person_to_json(record)}).encode()
        keys = [
            (
                _key(f"{key}|{record.ref}"),
                json.dumps(
                    [sorted(refined_values(key, a, record)) for a in refinements(key)]
                ).encode(),
            )
            for key in blocking_keys(record)
        ]
        encoded.append((message, keys))
    return encoded


def _settle(db: Rdict) -> None:
    """Flush and wait out the compactions the load triggered, as in a worker's steady
    state, so that none competes with the measurement."""
    db.flush()
    while db.property_int_value("rocksdb.compaction-pending") or db.property_int_value(
        "rocksdb.num-running-compactions"
    ):
        time.sleep(0.2)


@dataclass
class Stores:
    """One scheme's two tables at one size, and the PersonBlocks over them."""

    blocks: Rdict
    records: Rdict
    persons: PersonBlocks
    hubs: int = 0
    split: int = 0


def preload(pool: Pool, values: Rdict, schemes: list[Stores], count: int) -> None:
    """Write `count` persons into every scheme's stores as its PersonBlocks would have.

    Each record goes under each of its keys, its refinement values under each key into
    `values`; then one scan of `values` gives every key's refs in arrival order, which
    each scheme's `PersonBlocks.load` turns into blocks and sub-blocks, dropping the
    records of hubs. Memory stays flat whatever the count.
    """
    side = BulkWriter(values)
    stored = [BulkWriter(scheme.records) for scheme in schemes]
    chunks = [(first, min(CHUNK, count - first)) for first in range(0, count, CHUNK)]
    for encoded in pool.imap(encoded_persons, chunks):
        for message, keys in encoded:
            for key, refined in keys:
                side.batch.put(key, refined)
                for writer in stored:
                    writer.batch.put(key, message)
            side.spill()
            for writer in stored:
                writer.spill()
    side.spill(size=1)
    _settle(values)
    written = [BulkWriter(scheme.blocks) for scheme in schemes]
    for key, entries in _blocks(values):
        name = json.loads(key)
        levels = refinements(name)
        refs = [entry[entry.rindex(b"|") + 1 : -1].decode() for entry, _ in entries]
        by_ref = dict(zip(refs, (json.loads(value) for _, value in entries), strict=True))

        def refined(ref: str, attribute: str) -> list[str]:
            return by_ref[ref][levels.index(attribute)]  # noqa: B023 - called in this loop

        for scheme, records, blocks in zip(schemes, stored, written, strict=True):
            states, dropped = scheme.persons.load(name, refs, refined)
            for node, state in states.items():
                blocks.batch.put(_key(node), json.dumps(state).encode())
                scheme.hubs += state["hub"]
                scheme.split += bool(state.get("refined"))
            for ref in dropped:
                records.batch.delete(_key(f"{name}|{ref}"))
            records.spill()
            blocks.spill()
    for writer in (*stored, *written):
        writer.spill(size=1)
        _settle(writer.db)


def _pair(x: str, y: str) -> Pair:
    return (x, y) if x < y else (y, x)


def fresh_alerts(count: int) -> tuple[list[dict[str, Any]], set[Pair]]:
    """The first `count` alerts with persons of scenarios seeded apart from the store, and
    the true pairs among their person records (refs "alert_id/record_id")."""
    alerts: list[dict[str, Any]] = []
    truth: set[Pair] = set()
    seed = SEED
    while len(alerts) < count:
        seed += 1
        scenario = generate(seed=seed, networks=10)
        alerts += [a for a in scenario.alerts if a["persons"]]
        truth |= {
            _pair(*("/".join(end) for end in pair)) for pair in scenario.true_pairs("persons")
        }
    alerts = alerts[:count]
    kept = {str(alert["alert_id"]) for alert in alerts}
    return alerts, {(x, y) for x, y in truth if {x.split("/")[0], y.split("/")[0]} <= kept}


def resolve_alert(alert: dict[str, Any], persons: PersonBlocks) -> tuple[int, int, set[Pair]]:
    """The worker's path for one alert's persons; (pairs compared, links published, the
    pairs of its MATCH links)."""
    compared = links = 0
    matched: set[Pair] = set()
    skipped: list[NormalisationError] = []
    for person in alert["persons"]:
        record = from_alert_person(alert, person, skipped)
        message = json.dumps({"record": person_to_json(record)})  # the repartition value
        for key in sorted(blocking_keys(record)):
            resolved = persons.add(key, json.loads(message))
            compared += resolved.compared
            links += len(resolved.links)
            matched.update(
                _pair(*(f"{end['alert_id']}/{end['record_id']}" for end in (a["left"], a["right"])))
                for a in resolved.links
                if a["decision"] == Decision.MATCH.value
            )
    return compared, links, matched


@dataclass
class Row:
    """One scheme at one store size: how it was loaded, then what the alerts cost on it."""

    scheme: str
    size: int
    disk_mb: float
    stores: Stores
    latencies_ms: list[float] = field(default_factory=list)
    compared: int = 0
    links: int = 0
    matched: set[Pair] = field(default_factory=set)

    def time(self, alerts: list[dict[str, Any]]) -> None:
        for alert in alerts:
            begun = time.perf_counter()
            pairs, linked, matched = resolve_alert(alert, self.stores.persons)
            self.latencies_ms.append((time.perf_counter() - begun) * 1000)
            self.compared, self.links = self.compared + pairs, self.links + linked
            self.matched |= matched

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / (sum(self.latencies_ms) / 1000)

    def percentile(self, q: float) -> float:
        ms = sorted(self.latencies_ms)
        return ms[min(len(ms) - 1, int(len(ms) * q))]


def loaded(
    stack: ExitStack, pool: Pool, size: int, schemes: dict[str, Callable[..., PersonBlocks]]
) -> list[Row]:
    """Stores of `size` persons for every scheme, in a temp dir that `stack` deletes."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-throughput-{size}-"))
    stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    options = RocksDBOptions(use_rocksdict=True)  # what faust opens each table store with

    def store(name: str) -> Rdict:
        db = options.open(workdir / name)
        stack.callback(db.close)
        return db

    made = []
    for name, make in schemes.items():
        folder = name.replace(" ", "-")
        blocks, records = store(f"{folder}/person-blocks"), store(f"{folder}/person-block-records")
        made.append(Stores(blocks, records, make(JsonTable(blocks), JsonTable(records))))
    values = options.open(workdir / "refinement-values")  # only while loading
    preload(pool, values, made, size)
    values.close()
    shutil.rmtree(workdir / "refinement-values")
    rows = []
    for name, stores in zip(schemes, made, strict=True):
        files = (workdir / name.replace(" ", "-")).rglob("*")
        rows.append(
            Row(name, size, sum(f.stat().st_size for f in files if f.is_file()) / 1e6, stores)
        )
    return rows


def table(rows: list[Row], truth: set[Pair], hub_size: int, refine_size: int) -> Table:
    smallest = {row.scheme: row for row in reversed(rows)}  # each scheme's smallest store
    other = {(row.scheme, row.size): row for row in rows}
    schemes = list(dict.fromkeys(row.scheme for row in rows))
    out = Table(
        title=f"Person resolution per alert as the store grows "
        f"({len(rows[0].latencies_ms):,} fresh alerts, {len(truth):,} true pairs among their "
        f"records; refine size {refine_size}, hub size {hub_size}; ratios to the smallest "
        f"store of the same scheme and to {schemes[-1]!r} at the same size, same run)"
    )
    for column in (
        "scheme",
        "stored\npersons",
        "store\nMB",
        "hubs",
        "split\nblocks",
        "alerts/s",
        "vs\nsmallest",
        f"vs\n{schemes[-1]}",
        "p50\nms",
        "p99\nms",
        "compared\n/alert",
        "decoded\n/alert",
        "links\n/alert",
        "match\nrecall",
        "match\nprecision",
    ):
        out.add_column(column, justify="left" if column == "scheme" else "right")
    for row, after in zip(rows, [*rows[1:], None], strict=True):
        n = len(row.latencies_ms)
        true = len(row.matched & truth)
        out.add_row(
            row.scheme,
            f"{row.size:,}",
            f"{row.disk_mb:,.0f}",
            f"{row.stores.hubs:,}",
            f"{row.stores.split:,}",
            f"{row.rate:,.0f}",
            f"{row.rate / smallest[row.scheme].rate:.2f}",
            f"{row.rate / other[(schemes[-1], row.size)].rate:.2f}",
            f"{row.percentile(0.5):.1f}",
            f"{row.percentile(0.99):.1f}",
            f"{row.compared / n:.0f}",
            f"{row.stores.persons.decodes / n:.0f}",
            f"{row.links / n:.1f}",
            f"{true / len(truth):.4f}",
            f"{true / len(row.matched):.4f}",
            end_section=after is not None and after.scheme != row.scheme,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    # 1,000 keeps the three default sizes within about twenty minutes on two shared cores;
    # p99 is then the tenth slowest alert.
    parser.add_argument("--alerts", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="1k and 10k stores, 300 alerts")
    parser.add_argument(
        "--cache-size",
        type=int,
        default=CACHE_SIZE,
        help="decoded records PersonBlocks keeps; 1 to see the cost of decoding every time",
    )
    scfg = StreamSettings()
    parser.add_argument("--refine-size", type=int, default=scfg.blocking_refine_size)
    args = parser.parse_args()
    sizes, count = ([1_000, 10_000], 300) if args.quick else (sorted(args.sizes), args.alerts)
    started = time.perf_counter()
    model = Model.load(scfg.model_path)
    alerts, truth = fresh_alerts(count)
    hub_size = scfg.blocking_hub_size
    # Warm up (imports, regexes, phonetic tables) on throwaway dicts, off the clock.
    warm = PersonBlocks(model, {}, {}, hub_size=hub_size, refine_size=args.refine_size)
    for alert in alerts[:50]:
        resolve_alert(alert, warm)
    make = partial(PersonBlocks, model, hub_size=hub_size, cache_size=args.cache_size)
    schemes = {
        "adaptive": partial(make, refine_size=args.refine_size),
        "never split": partial(make, refine_size=None),
    }
    # Spawned, not forked: RocksDB's threads must not be copied into a child mid-write.
    workers = min(2, os.cpu_count() or 1)
    with ExitStack() as stack, get_context("spawn").Pool(workers) as pool:
        pool.map(encoded_persons, [(0, 1)] * workers)  # their imports, off the clock
        rows: list[Row] = []
        for size in sizes:
            begun = time.perf_counter()
            rows += loaded(stack, pool, size, schemes)
            console.print(
                f"{size:,} stored: loaded in {time.perf_counter() - begun:.0f} s, "
                f"after {time.perf_counter() - started:.0f} s"
            )
        # The stores take turns, a slice of alerts each, so that the shared machine's load
        # weighs on every one alike; each store still sees the alerts in the same order.
        for first in range(0, len(alerts), SLICE):
            for row in rows:
                row.time(alerts[first : first + SLICE])
    rows.sort(key=lambda row: (list(schemes).index(row.scheme), row.size))
    console.print(table(rows, truth, hub_size, args.refine_size))
    console.print(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
