"""Who is asking, and for which case: the headers every API request must carry.

The headers identify; they do not authenticate. A gateway in front of the API (mTLS or
OIDC) must set them from the caller's credentials and strip any the client sent.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from borderlink.topics import AGENCY_ID

AGENCY_HEADER = "X-Borderlink-Agency"
USER_HEADER = "X-Borderlink-User"
CASE_HEADER = "X-Borderlink-Case"
MAX_TEXT = 200  # a user name or case reference; longer is a mistake or an attack on the log
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")


@dataclass(frozen=True)
class Caller:
    agency: str  # as claimed: valid only when ``problem`` is None
    user: str | None = None
    case_ref: str | None = None
    problem: str | None = None  # why the request is refused


def _text(headers: Mapping[str, str], name: str) -> tuple[str | None, str | None]:
    value = (headers.get(name) or "").strip()
    if len(value) > MAX_TEXT or not _PRINTABLE.match(value):
        return None, f"{name} must be printable text of at most {MAX_TEXT} characters"
    return value or None, None


def read_caller(headers: Mapping[str, str]) -> Caller:
    """The caller the headers name; ``problem`` says why a request must be refused."""
    agency = (headers.get(AGENCY_HEADER) or "").strip()
    user, user_problem = _text(headers, USER_HEADER)
    case_ref, case_problem = _text(headers, CASE_HEADER)
    problem = user_problem or case_problem
    if not agency:
        problem = (
            f"missing {AGENCY_HEADER} header: every request must say which agency asks, "
            "e.g. 'co.fiscalia'"
        )
    elif not AGENCY_ID.match(agency):
        problem = (
            f"{AGENCY_HEADER} {agency[:MAX_TEXT]!r} is not '<iso-country>.<code>', "
            "e.g. 'co.fiscalia'"
        )
    return Caller(agency[:MAX_TEXT], user, case_ref, problem)
