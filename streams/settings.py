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
    # Sightings kept per blocking key: a value shared by more is a hub, not an identity.
    max_sightings_per_key: int = 50
    # Inbound topics to read; empty = every in.<agency> topic on the broker at start-up.
    inbound_topics: list[str] = []
    log_level: str = "info"
