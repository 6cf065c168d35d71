"""Stream processors: validate, normalise and correlate alerts across agencies and borders."""

from .app import create_app, run_worker
from .settings import StreamSettings

__all__ = ["StreamSettings", "create_app", "run_worker"]
