"""Survivor protection: hit/no-hit matching on keyed tokens against plaintext resolution.

    python -m bench.pprl [--seeds 7 8 9] [--networks 40] [--noise 0.3] [--fit]

Every person record of each scenario is tokenised as an originating agency would
(`producers.privacy`, a fresh random network key per run), then matched on tokens only
(`streams.privacy_match`, one record at a time in alert order, as a worker sees them);
the same records go through Borderlink's plaintext path (the packaged model and the
in-memory resolver, `bench.scenario.borderlink`). Only protected (VICTIM) records are
tokenised in production; all are here, for enough pairs to measure, and the survivor
column scores the true pairs that involve a protected record.

The policy (level weights and thresholds) is fitted on the training seed's candidate
pairs in the same run, with labels from its ground truth; the seeds measured are others
(the training seed is refused). `--fit` prints the policy as `DEFAULT_POLICY` is written.
A hit counts when its verdict is HIT, of either band; the STRONG row counts only that
band. Pairs are scored as `bench.scenario` scores them: direct links, no closure.
Tokenising is timed apart (records/s, normalisation included, as the agency runs it).
Times are printed, never asserted: the machines are shared.
"""

import argparse
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.scenario import NETWORKS, NOISE, SEEDS, Tally, Truth, borderlink, load
from bench.scoring import Pair, Result, Scores, score
from producers.privacy import NetworkKey, ProtectedRecord, Tokeniser, is_protected
from producers.scenario import generate
from streams.privacy_match import (
    DEFAULT_POLICY,
    MatchPolicy,
    Strength,
    TokenMatcher,
    Verdict,
    fit_policy,
)
from streams.resolve import Model
from streams.settings import StreamSettings
from streams.training import TRAINING_SEED

FIT_KEYS = 3


def _random_key() -> NetworkKey:
    return NetworkKey("bench", secrets.token_bytes(32))


def _pair(x: str, y: str) -> Pair:
    return (x, y) if x < y else (y, x)


@dataclass(frozen=True)
class Tokenised:
    records: list[ProtectedRecord]  # in alert order, as `Truth.records`
    protected: set[str]  # refs of the VICTIM records
    seconds: float


def tokenise(seed: int, networks: int, noise: float, tokeniser: Tokeniser) -> Tokenised:
    alerts = generate(seed=seed, networks=networks, noise=noise).alerts
    started = time.perf_counter()
    records = [
        record for alert in alerts for record in tokeniser.alert(alert, protected_only=False)
    ]
    seconds = time.perf_counter() - started
    protected = {
        f"{alert['alert_id']}/{person['record_id']}"
        for alert in alerts
        for person in alert.get("persons") or ()
        if is_protected(person)
    }
    return Tokenised(records, protected, seconds)


def fit(tokenised: Sequence[Tokenised], truth: Truth) -> MatchPolicy:
    """The policy from the candidate pairs of the training scenario, tokenised under one
    key or more (pooled, so one key's filter collisions do not shape it), and its truth."""
    levels, labels = [], []
    for run in tokenised:
        matcher = TokenMatcher()
        for record in run.records:
            rows, found = matcher.add(record)
            levels.append(found)
            labels += [_pair(matcher.records[r].ref, record.ref) in truth.pairs for r in rows]
    return fit_policy(np.concatenate(levels), np.asarray(labels, dtype=bool))


def match(records: Sequence[ProtectedRecord], policy: MatchPolicy) -> tuple[Result, Result]:
    """Pairs the token matcher calls a hit (any band, and STRONG only)."""
    started = time.perf_counter()
    matcher = TokenMatcher(policy)
    blocked: set[Pair] = set()
    hits: dict[Pair, Strength | None] = {}
    for record in records:
        rows, levels = matcher.add(record)
        for row, total in zip(rows, policy.total(levels), strict=True):
            pair = _pair(matcher.records[row].ref, record.ref)
            blocked.add(pair)
            decision = policy.decide(float(total))
            if decision.verdict is Verdict.HIT:
                hits[pair] = decision.strength
    seconds = time.perf_counter() - started
    strong = {pair for pair, strength in hits.items() if strength is Strength.STRONG}
    return (
        Result("tokens: HIT", set(hits), matcher.pairs_scored, blocked, seconds),
        Result("tokens: HIT, STRONG band", strong, matcher.pairs_scored, blocked, 0.0),
    )


@dataclass(frozen=True)
class Row:
    tally: Tally
    survivors: Scores  # recall over true pairs with a protected record
    tokens_per_s: float | None

    def __add__(self, other: "Row") -> "Row":
        rate = None
        if self.tokens_per_s is not None and other.tokens_per_s is not None:
            rate = (self.tokens_per_s + other.tokens_per_s) / 2
        return Row(self.tally + other.tally, self.survivors + other.survivors, rate)

    def cells(self, seed: str, name: str) -> list[str]:
        cells = self.tally.row(seed, name)
        rate = f"{self.tokens_per_s:,.0f}" if self.tokens_per_s is not None else "—"
        return [*cells[:7], f"{self.survivors.recall:.4f}", *cells[7:], rate]


COLUMNS = (
    "precision",
    "recall",
    "F1",
    "cross-border recall",
    "other-script recall",
    "survivor recall",
    "blocking recall",
    "pairs compared",
    "seconds",
    "records/s tokenised",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--networks", type=int, default=NETWORKS)
    parser.add_argument("--noise", type=float, default=NOISE)
    parser.add_argument("--fit", action="store_true", help="print a policy fitted and stop")
    parser.add_argument(
        "--refit", action="store_true", help="measure a policy fitted in this run, not the shipped"
    )
    return parser


def main() -> None:
    parser = _parser()
    args = parser.parse_args()
    if TRAINING_SEED in args.seeds:
        parser.error(f"seed {TRAINING_SEED} fits the thresholds: evaluate on others")
    console = Console(width=160)
    policy, fitted_on = DEFAULT_POLICY, "shipped DEFAULT_POLICY"
    if args.fit or args.refit:
        truth = load(TRAINING_SEED, args.networks, args.noise)
        runs = [
            tokenise(TRAINING_SEED, args.networks, args.noise, Tokeniser(_random_key()))
            for _ in range(FIT_KEYS)
        ]
        policy, fitted_on = fit(runs, truth), f"fitted in this run under {FIT_KEYS} keys"
        console.print(f"policy fitted on seed {TRAINING_SEED}: {json.dumps(policy.to_json())}")
    if args.fit:
        return
    tokeniser = Tokeniser(_random_key())
    stream_settings = StreamSettings()
    model = Model.load(stream_settings.model_path)

    totals: dict[str, Row] = {}
    sections: list[list[list[str]]] = []
    records = true_pairs = 0
    for seed in args.seeds:
        truth = load(seed, args.networks, args.noise)
        tokenised = tokenise(seed, args.networks, args.noise, tokeniser)
        if [r.ref for r in tokenised.records] != [r.ref for r in truth.records]:
            raise RuntimeError(f"seed {seed}: tokens and records are not the same persons")
        records, true_pairs = records + len(truth.records), true_pairs + len(truth.pairs)
        survivor_pairs = {p for p in truth.pairs if tokenised.protected.intersection(p)}
        plain, _ = borderlink(truth.records, model, stream_settings.blocking_hub_size)
        rate = len(tokenised.records) / tokenised.seconds
        results = [(plain, None), *((r, rate) for r in match(tokenised.records, policy))]
        sections.append([])
        for result, tokens_per_s in results:
            name = "plaintext: packaged model" if result is plain else result.name
            row = Row(
                Tally.of(result, truth), score(result.predicted, survivor_pairs), tokens_per_s
            )
            totals[name] = totals[name] + row if name in totals else row
            sections[-1].append(row.cells(str(seed), name))

    table = Table(
        title=f"Persons on tokens vs plaintext: seeds {', '.join(map(str, args.seeds))} "
        f"({args.networks} networks, noise {args.noise}): {records:,} records, "
        f"{true_pairs:,} true pairs"
    )
    table.add_column("seed")
    table.add_column("", no_wrap=True)
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for rows in sections:
        for row in rows:
            table.add_row(*row, end_section=row is rows[-1])
    for name, total in totals.items():
        table.add_row(*total.cells("all", name))
    console.print(table)
    console.print(
        f"Tokens: a fresh random key; policy {fitted_on} (training seed {TRAINING_SEED}): "
        f"{json.dumps(policy.to_json())}. Plaintext: the packaged model, MATCH links."
    )


if __name__ == "__main__":
    main()
