"""Settings of the search API (``BORDERLINK_API_*``); defaults serve on loopback."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERLINK_API_", extra="ignore")

    host: str = "127.0.0.1"  # loopback: put a gateway that authenticates callers in front
    port: int = 18080
    # No answer leaves before its audit record is on the broker; past this, the API
    # answers 503 instead of disclosing unaudited.
    audit_timeout_s: float = 10.0
