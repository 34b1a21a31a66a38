"""Reading a Prometheus text exposition the way Prometheus does, for tests that assert on values."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Every sample at `url`, keyed by sample name and labels."""
    answer = httpx.get(url, timeout=10)
    answer.raise_for_status()
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when it is absent (a labelled series appears on its first change)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def exposed_names(url: str) -> set[str]:
    """Every metric family and sample name at `url`, including families that have no samples yet."""
    answer = httpx.get(url, timeout=10)
    answer.raise_for_status()
    found: set[str] = set()
    for family in text_string_to_metric_families(answer.text):
        found.add(family.name)
        found |= {sample.name for sample in family.samples}
    return found
