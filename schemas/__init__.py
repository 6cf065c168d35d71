"""The Avro schema family: `.avsc` files in `schemas/avro/` are the single source of truth
for field names; parsed schemas, registry subjects and docs are derived from them.

`schemas.docs` (the generated field reference) is left out here so that importing the
package on a producer's hot path does not pull in the CLI."""

from schemas.catalog import (
    ALERT,
    DEAD_LETTER,
    NAMESPACE,
    definition,
    enum_symbols,
    field_names,
    full_name,
    references,
    schema_dict,
    schema_str,
    top_level_records,
    type_names,
)
from schemas.compat import check_compatible
from schemas.subjects import (
    ALERT_SUBJECT,
    COMPATIBILITY,
    DEAD_LETTER_SUBJECT,
    SUBJECT_NAME_STRATEGY,
    SUBJECTS,
    CompatibilityProblem,
    check_all,
    register_all,
)

__all__ = [
    "ALERT",
    "ALERT_SUBJECT",
    "COMPATIBILITY",
    "DEAD_LETTER",
    "DEAD_LETTER_SUBJECT",
    "NAMESPACE",
    "SUBJECTS",
    "SUBJECT_NAME_STRATEGY",
    "CompatibilityProblem",
    "check_all",
    "check_compatible",
    "definition",
    "enum_symbols",
    "field_names",
    "full_name",
    "references",
    "register_all",
    "schema_dict",
    "schema_str",
    "top_level_records",
    "type_names",
]
