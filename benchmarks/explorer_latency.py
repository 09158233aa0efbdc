"""How long one slider move takes in each explorer's live view (set values + render).

Usage::

    python benchmarks/explorer_latency.py [--moves 200]

A move is ``explorer.update(...)`` on an explorer whose widget view exists, so it includes
re-drawing the dynamic artists over the cached background, PNG-encoding the figure and handing
the bytes to the ``ipywidgets.Image`` (what a reader waits for, minus the browser's own paint).
The book's budget is a median under 30 ms at the default size on a 2-core machine; this script
prints the median, the 90th percentile and the maximum, and flags any median over budget. It is
a measurement, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable, Iterator

import numpy as np

from ropeviz import explorers

BUDGET_MS = 30.0


def moves(explorer: explorers.Explorer, count: int) -> Iterator[dict]:
    """Slider moves that change the picture, cycling through each integer control's range."""
    rng = np.random.default_rng(0)
    integer_controls = [c for c in explorer.controls if c.options is None]
    for step in range(count):
        control = integer_controls[step % len(integer_controls)]
        top = explorer._limits().get(control.name, control.maximum)
        yield {control.name: int(rng.integers(control.minimum, top + 1))}


def measure(make: Callable[[], explorers.Explorer], count: int) -> list[float]:
    explorer = make()
    explorer.widget  # the live view exists, so every update renders and encodes
    for values in moves(explorer, 10):  # warm-up
        explorer.update(**values)
    timings = []
    for values in moves(explorer, count):
        start = time.perf_counter()
        explorer.update(**values)
        timings.append((time.perf_counter() - start) * 1e3)
    return timings


def available() -> dict[str, Callable[[], explorers.Explorer]]:
    names = [name for name in explorers.__all__ if name.endswith("Explorer") and name != "Explorer"]
    return {name: getattr(explorers, name) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"{args.moves} slider moves per explorer, default sizes")
    print(f"{'explorer':26s} {'median ms':>10s} {'p90 ms':>8s} {'max ms':>8s}  budget")
    for label, make in available().items():
        timings = measure(make, args.moves)
        median = statistics.median(timings)
        p90 = float(np.percentile(timings, 90))
        verdict = "ok" if median < BUDGET_MS else f"OVER {BUDGET_MS:.0f} ms"
        print(f"{label:26s} {median:10.1f} {p90:8.1f} {max(timings):8.1f}  {verdict}")


if __name__ == "__main__":
    main()
