"""What a sensitive-content detector reports (shared by the detectors' modules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str  # card_number | password | credential | api_key | ssn | national_id | iban | …
    start: int  # span of the sensitive value in the text given to `detect`
    end: int
    confidence: float
    detector: str
    value: str = ""

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end
