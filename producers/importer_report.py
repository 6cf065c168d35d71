"""What a bulk import did with each row: counts, every problem, and delivery failures."""

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Rejection:
    row: int
    alert_id: str | None
    problems: list[str]


@dataclass
class ImportReport:
    source: str  # the file's name, also the dead letters' source_topic
    dry_run: bool
    rows: int = 0
    published: int = 0
    dead_lettered: int = 0
    alert_ids: list[str] = field(default_factory=list)  # of the valid rows, in file order
    rejected: list[Rejection] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # deliveries not confirmed

    @property
    def valid(self) -> int:
        return len(self.alert_ids)

    @property
    def invalid(self) -> int:
        return len(self.rejected)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "valid": self.valid, "invalid": self.invalid}

    def write(self, path: Path) -> None:
        """The whole report as JSON when the name ends in .json, else CSV: row, alert_id,
        problem, one line per problem (utf-8-sig so that spreadsheets show the accents)."""
        if path.suffix.lower() == ".json":
            text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
            path.write_text(text + "\n", encoding="utf-8")
            return
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "alert_id", "problem"])
            writer.writerows(
                [r.row, r.alert_id or "", p] for r in self.rejected for p in r.problems
            )


class ImportFailed(RuntimeError):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"delivery incomplete: {report.published} of {report.valid} alerts published, "
            f"{report.dead_lettered} of {report.invalid} rejected rows dead-lettered "
            f"({'; '.join(report.failures[:3])}). Re-running the same import is safe: the "
            "producer is idempotent and the alert ids come from the file, so an alert sent "
            "twice keeps its id and is stored once downstream."
        )
        self.report = report
