"""Agency publishing: validate alerts and publish them to ``in.<agency>`` through the registry."""

from .importer import import_file
from .importer_report import ImportFailed, ImportReport
from .mapping import MappingError, load_mapping
from .publisher import AlertPublisher, DeliveryReport, PublishFailed, alert_serializer
from .validation import AlertInvalid, check, from_json, problems

__all__ = [
    "AlertInvalid",
    "AlertPublisher",
    "DeliveryReport",
    "ImportFailed",
    "ImportReport",
    "MappingError",
    "PublishFailed",
    "alert_serializer",
    "check",
    "from_json",
    "import_file",
    "load_mapping",
    "problems",
]
