"""Settings of the stream processors (``BORDERLINK_STREAMS_*``)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[1]


class StreamSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERLINK_STREAMS_", extra="ignore")

    # One consumer group: more workers with this id share the partitions (scale-out).
    app_id: str = "borderlink-streams"
    # RocksDB table state; rebuilt from the changelog topics when lost.
    datadir: Path = _REPO_ROOT / ".stack" / "run" / "streams"
    # The fitted person model (JSON); workers load it and never refit.
    model_path: Path = Path(__file__).resolve().parent / "resolve" / "models" / "persons.json"
    # A block held by more records than this is split into sub-blocks by one more attribute
    # (adaptive blocking, streams/blocks.py): a record's comparisons per key stay about this
    # many however large the store grows (bench.throughput; 30 gave 3x the comparisons).
    blocking_refine_size: int = 10
    # A (sub-)block that cannot be split further and is held by more records than this is
    # a hub and stops producing candidates.
    blocking_hub_size: int = 100
    # An identifier held by more distinct people than this is a hub (hotline, agent's phone).
    identifier_hub_size: int = 6
    # Sharing agreements (one TOML file each, streams.policy.agreements), loaded at start-up.
    policy_dir: Path = _REPO_ROOT / "deploy" / "policy"
    # Inbound topics to read; empty = every in.<agency> topic on the broker at start-up.
    inbound_topics: list[str] = []
    log_level: str = "info"
