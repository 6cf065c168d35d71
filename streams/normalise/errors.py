"""The one error every normaliser raises for input it cannot turn into a trustworthy key."""


class NormalisationError(ValueError):
    """A value could not be normalised; the message names the value and the reason.

    A ValueError so callers that already route bad input to an error path (dead letters)
    need no new except clause; `kind`, `value` and `reason` let that path record why.
    """

    def __init__(self, kind: str, value: object, reason: str) -> None:
        super().__init__(f"cannot normalise {kind} {value!r}: {reason}")
        self.kind = kind
        self.value = value
        self.reason = reason
