"""What a benchmark reports: named figures, optionally with the floor they are compared against."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor in (None, 0):
            return None
        return self.value / self.floor


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    current: str = ""

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        floor: float | None = None,
        floor_name: str = "",
        note: str = "",
    ) -> Figure:
        figure = Figure(self.current, name, value, unit, floor, floor_name, note)
        self.figures.append(figure)
        ratio = f"  ratio {figure.ratio:.2f}× {floor_name}" if figure.ratio is not None else ""
        suffix = f"  ({note})" if note else ""
        print(f"  {name:<58} {value:>12.3f} {unit:<8}{ratio}{suffix}", flush=True)
        return figure

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [{**asdict(f), "ratio": f.ratio} for f in self.figures]
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")


def median_seconds(action: Callable[[], object], *, repeat: int = 7, warmup: int = 2) -> float:
    """Median wall time of ``action`` over ``repeat`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
