"""Shares of py-spy samples per bucket, from its raw (collapsed) output, for every bench."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

# Leaf frames that are waits, not CPU (py-spy's non-blocking mode samples them as busy).
IDLE_FRAMES = ("select (", "poll (", "epoll", "wait (", "_worker (")

Buckets = Sequence[tuple[str, Sequence[str]]]


def profile_breakdown(
    paths: Iterable[Path], buckets: Buckets, *, idle_frames: Sequence[str] = IDLE_FRAMES
) -> list[tuple[str, float]]:
    """Percent of busy samples per bucket: a stack counts for the innermost frame matching one
    of the bucket's needles, else "other Python"; stacks ending in an idle frame are left out."""
    counts: Counter = Counter()
    total = 0
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            stack, _, number = line.rpartition(" ")
            if not number.isdigit():
                continue
            frames = stack.split(";")
            if any(idle in frames[-1] for idle in idle_frames):
                continue
            samples = int(number)
            total += samples
            label = "other Python"
            for frame in reversed(frames):
                match = next(
                    (name for name, needles in buckets if any(n in frame for n in needles)), None
                )
                if match is not None:
                    label = match
                    break
            counts[label] += samples
    if not total:
        return []
    return [(label, 100.0 * count / total) for label, count in counts.most_common()]
