"""Agency publishing: validate alerts and publish them to ``in.<agency>`` through the registry."""

from .publisher import AlertPublisher, DeliveryReport, PublishFailed, alert_serializer
from .validation import AlertInvalid, check, from_json, problems

__all__ = [
    "AlertInvalid",
    "AlertPublisher",
    "DeliveryReport",
    "PublishFailed",
    "alert_serializer",
    "check",
    "from_json",
    "problems",
]
