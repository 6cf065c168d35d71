"""Connection settings shared by every component.

One pydantic-settings object, overridable by environment variables with the prefix
``BORDERLINK_`` and ``__`` between sections (``BORDERLINK_KAFKA__BOOTSTRAP_SERVERS``), or a
``.env`` file. Defaults match the local stack started by ``borderlink stack up``.
"""

from functools import cache
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:19092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    # New topics: partitions are the unit of scale-out (one worker per partition at most).
    topic_partitions: int = 3
    topic_replication: int = 1  # 3 in a real cluster

    def librdkafka(self) -> dict[str, Any]:
        """The librdkafka keys for confluent-kafka clients."""
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
            conf["sasl.username"] = self.sasl_username
            conf["sasl.password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        return conf

    def faust_broker(self) -> str:
        return ";".join(f"kafka://{server}" for server in self.bootstrap_servers.split(","))

    def faust_credentials(self) -> Any:
        """``faust.App(broker_credentials=...)``: faust takes SASL apart from the broker URL.
        None without SASL (faust's default, PLAINTEXT)."""
        if not self.sasl_mechanism:
            return None
        import ssl

        from faust import SASLCredentials

        tls = self.security_protocol == "SASL_SSL"
        return SASLCredentials(
            username=self.sasl_username,
            password=self.sasl_password.get_secret_value() if self.sasl_password else None,
            mechanism=self.sasl_mechanism,
            ssl_context=ssl.create_default_context() if tls else None,
        )


class RegistrySettings(BaseModel):
    # Apicurio's Confluent-compatible API; any Confluent-compatible registry URL works.
    url: str = "http://127.0.0.1:18081/apis/ccompat/v7"
    basic_auth: SecretStr | None = None  # "user:password"

    def client_conf(self) -> dict[str, Any]:
        conf: dict[str, Any] = {"url": self.url}
        if self.basic_auth:
            conf["basic.auth.user.info"] = self.basic_auth.get_secret_value()
        return conf


class ElasticsearchSettings(BaseModel):
    url: str = "http://127.0.0.1:19200"
    api_key: SecretStr | None = None
    index_prefix: str = "borderlink"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BORDERLINK_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    kafka: KafkaSettings = KafkaSettings()
    registry: RegistrySettings = RegistrySettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()


@cache
def settings() -> Settings:
    return Settings()
