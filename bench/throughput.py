"""Per-alert resolution cost as the entity store grows: 10k, 100k and 1M stored persons.

    python -m bench.throughput [--sizes 10000 100000 1000000] [--alerts 1000] [--quick]

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
PersonBlocks keeps, without scoring; a key held by more than `blocking_hub_size` records
is a hub with its records dropped, as the worker would have left it. Two processes draw
the persons while the stores write; the measurement itself runs in one. The alerts: one
batch of fresh scenario alerts, the same at every size (their people link among themselves).
Baseline: the smallest store, in the same run; the sizes take turns through the alerts,
so that the shared machine's load falls on all of them alike.
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
from streams.resolve import Model, PersonRecord, blocking_keys, from_alert_person
from streams.resolve import record_to_json as person_to_json
from streams.settings import StreamSettings

console = Console(width=max(Console().width, 130))  # the table is wide
SEED = 20_261_120
NATIONALITIES = (*CORE, "VE", "VE", "BR", "DO", "CN", "RU")  # the scenario's travellers
WRITES_PER_BATCH = 20_000
CHUNK = 10_000  # stored persons per generation task
SLICE = 50  # alerts timed on one store before the next store's turn


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


def _blocks(records: Rdict) -> Iterator[tuple[bytes, list[bytes]]]:
    """(key, the record keys under it) for every blocking key, from the record store.

    Its keys are JSON "key|ref": RocksDB keeps one key's entries together, in ref order,
    which is arrival order (see stored_persons); neither key nor ref holds a "|".
    """
    scan = ReadOptions()
    scan.fill_cache(False)  # one pass over everything: keep the block cache for the alerts
    current, entries = b"", []
    for entry in records.keys(read_opt=scan):
        key = entry[: entry.rindex(b"|")] + b'"'
        if key != current and entries:
            yield current, entries
            entries = []
        current = key
        entries.append(entry)
    if entries:
        yield current, entries


def encoded_persons(chunk: tuple[int, int]) -> list[tuple[bytes, list[bytes]]]:
    """(stored message, its record-store keys) of the persons of `chunk` (first, count):
    the CPU-heavy part of preloading, run in worker processes while the stores write."""
    encoded = []
    for record in stored_persons(*chunk):
        message = json.dumps({"record": person_to_json(record)}).encode()
        encoded.append((message, [_key(f"{key}|{record.ref}") for key in blocking_keys(record)]))
    return encoded


def _settle(db: Rdict) -> None:
    """Flush and wait out the compactions the load triggered, as in a worker's steady
    state, so that none competes with the measurement."""
    db.flush()
    while db.property_int_value("rocksdb.compaction-pending") or db.property_int_value(
        "rocksdb.num-running-compactions"
    ):
        time.sleep(0.2)


def preload(pool: Pool, blocks: Rdict, records: Rdict, count: int, hub_size: int) -> int:
    """Write `count` persons into the stores as PersonBlocks would have; return the hubs.

    Each record goes under each of its keys; then one scan of the record store writes
    every key's block and drops the records of hubs. Memory stays flat whatever the count.
    """
    stored, written = BulkWriter(records), BulkWriter(blocks)
    chunks = [(first, min(CHUNK, count - first)) for first in range(0, count, CHUNK)]
    for encoded in pool.imap(encoded_persons, chunks):
        for message, keys in encoded:
            for key in keys:
                stored.batch.put(key, message)
            stored.spill()
    stored.spill(size=1)
    hubs = 0
    for key, entries in _blocks(records):
        refs = [entry[entry.rindex(b"|") + 1 : -1].decode() for entry in entries]
        block = {"refs": refs, "hub": False, "count": len(refs)}
        if len(refs) > hub_size:
            hubs += 1
            block = {"refs": [], "hub": True, "count": len(refs)}
            for entry in entries:
                stored.batch.delete(entry)
        written.batch.put(key, json.dumps(block).encode())
        stored.spill()
        written.spill()
    for writer in (stored, written):
        writer.spill(size=1)
        _settle(writer.db)
    return hubs


def fresh_alerts(count: int) -> list[dict[str, Any]]:
    """The first `count` alerts with persons of scenarios seeded apart from the store."""
    alerts: list[dict[str, Any]] = []
    seed = SEED
    while len(alerts) < count:
        seed += 1
        alerts += [a for a in generate(seed=seed, networks=10).alerts if a["persons"]]
    return alerts[:count]


def resolve_alert(alert: dict[str, Any], persons: PersonBlocks) -> tuple[int, int]:
    """The worker's path for one alert's persons; (pairs compared, links published)."""
    compared = links = 0
    skipped: list[NormalisationError] = []
    for person in alert["persons"]:
        record = from_alert_person(alert, person, skipped)
        message = json.dumps({"record": person_to_json(record)})  # the repartition value
        for key in sorted(blocking_keys(record)):
            resolved = persons.add(key, json.loads(message))
            compared += resolved.compared
            links += len(resolved.links)
    return compared, links


@dataclass
class Row:
    """One store size: how it was loaded, then what the alerts cost on it."""

    size: int
    preload_s: float
    hubs: int
    disk_mb: float
    persons: PersonBlocks
    latencies_ms: list[float] = field(default_factory=list)
    compared: int = 0
    links: int = 0

    def time(self, alerts: list[dict[str, Any]]) -> None:
        for alert in alerts:
            begun = time.perf_counter()
            pairs, linked = resolve_alert(alert, self.persons)
            self.latencies_ms.append((time.perf_counter() - begun) * 1000)
            self.compared, self.links = self.compared + pairs, self.links + linked

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / (sum(self.latencies_ms) / 1000)

    def percentile(self, q: float) -> float:
        ms = sorted(self.latencies_ms)
        return ms[min(len(ms) - 1, int(len(ms) * q))]


def loaded(
    stack: ExitStack, pool: Pool, size: int, hub_size: int, make: Callable[..., PersonBlocks]
) -> Row:
    """A store of `size` persons in a temp dir that `stack` deletes, ready to time."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-throughput-{size}-"))
    stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    options = RocksDBOptions(use_rocksdict=True)  # what faust opens each table store with
    blocks = options.open(workdir / "person-blocks")
    stack.callback(blocks.close)
    records = options.open(workdir / "person-block-records")
    stack.callback(records.close)
    started = time.perf_counter()
    hubs = preload(pool, blocks, records, size, hub_size)
    preload_s = time.perf_counter() - started
    disk_mb = sum(f.stat().st_size for f in workdir.rglob("*") if f.is_file()) / 1e6
    persons = make(JsonTable(blocks), JsonTable(records), hub_size=hub_size)
    return Row(size, preload_s, hubs, disk_mb, persons)


def table(rows: list[Row], hub_size: int, cache_size: int) -> Table:
    base = rows[0]
    out = Table(
        title=f"Person resolution per alert as the store grows ({len(base.latencies_ms):,} "
        f"fresh alerts, hub limit {hub_size}, decoded-record cache {cache_size:,}; "
        f"ratios to the {base.size:,} store, same run)"
    )
    for column in (
        "stored\npersons",
        "preload\ns",
        "store\nMB",
        "hub\nkeys",
        "alerts/s",
        "alerts/s\nratio",
        "p50\nms",
        "p99\nms",
        "p50\nratio",
        "p99\nratio",
        "compared\n/alert",
        "decoded\n/alert",
        "links\n/alert",
    ):
        out.add_column(column, justify="right")
    for row in rows:
        n = len(row.latencies_ms)
        p50, p99 = row.percentile(0.5), row.percentile(0.99)
        out.add_row(
            f"{row.size:,}",
            f"{row.preload_s:.0f}",
            f"{row.disk_mb:,.0f}",
            f"{row.hubs:,}",
            f"{row.rate:,.0f}",
            f"{row.rate / base.rate:.2f}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            f"{p50 / base.percentile(0.5):.2f}",
            f"{p99 / base.percentile(0.99):.2f}",
            f"{row.compared / n:.0f}",
            f"{row.persons.decodes / n:.0f}",
            f"{row.links / n:.1f}",
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    # 1,000 keeps the three default sizes within about ten minutes on two shared cores;
    # p99 is then the tenth slowest alert.
    parser.add_argument("--alerts", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="1k and 10k stores, 300 alerts")
    parser.add_argument(
        "--cache-size",
        type=int,
        default=CACHE_SIZE,
        help="decoded records PersonBlocks keeps; 1 to see the cost of decoding every time",
    )
    args = parser.parse_args()
    sizes, count = ([1_000, 10_000], 300) if args.quick else (sorted(args.sizes), args.alerts)
    started = time.perf_counter()
    scfg = StreamSettings()
    model = Model.load(scfg.model_path)
    alerts = fresh_alerts(count)
    # Warm up (imports, regexes, phonetic tables) on throwaway dicts, off the clock.
    warm = PersonBlocks(model, {}, {}, hub_size=scfg.blocking_hub_size)
    for alert in alerts[:50]:
        resolve_alert(alert, warm)
    make = partial(PersonBlocks, model, cache_size=args.cache_size)
    hub_size = scfg.blocking_hub_size
    # Spawned, not forked: RocksDB's threads must not be copied into a child mid-write.
    workers = min(2, os.cpu_count() or 1)
    with ExitStack() as stack, get_context("spawn").Pool(workers) as pool:
        pool.map(encoded_persons, [(0, 1)] * workers)  # their imports, off the clock
        rows = []
        for size in sizes:
            rows.append(loaded(stack, pool, size, hub_size, make))
            console.print(f"{size:,} stored: loaded after {time.perf_counter() - started:.0f} s")
        # The sizes take turns, a slice of alerts each, so that the shared machine's load
        # weighs on every size alike; each store still sees the alerts in the same order.
        for first in range(0, len(alerts), SLICE):
            for row in rows:
                row.time(alerts[first : first + SLICE])
    console.print(table(rows, hub_size, args.cache_size))
    console.print(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
