"""Settings of the subscription matcher and of the commands that edit subscriptions."""

from pydantic_settings import BaseSettings, SettingsConfigDict

from borderlink import topics


class MatcherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERLINK_SUBSCRIPTIONS_", extra="ignore")

    # The compacted topic of definitions: one per deployment (tests run one each).
    topic: str = topics.SUBSCRIPTIONS
    group_id: str = "borderlink-subscriptions"
    batch_size: int = 500  # records per poll
    # Documents per percolate request: a request costs about the same for 1 or 500 documents
    # (measured: docs/subscriptions.md), so a whole poll goes in one.
    percolate_chunk: int = 500
    poll_timeout_s: float = 0.2
    percolator: bool | None = None  # None: use it when every node has the module
    shards: int = 1
    replicas: int = 0
