"""Reading a Prometheus exposition the way a scraper does."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-for-tests"


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of one exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)
