"""The local stack: real Kafka, schema registry and Elasticsearch from Maven Central."""

from .settings import StackSettings
from .stack import ServerStatus, Stack, StackError

__all__ = ["ServerStatus", "Stack", "StackError", "StackSettings"]
