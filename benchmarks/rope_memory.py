"""How much memory does RoPE at a large position cost? ``RotaryEmbedding`` at positions 10**3 to 2**40.

Usage::

    python benchmarks/rope_memory.py                  # head_dim 128, the default positions
    python benchmarks/rope_memory.py --head-dim 64 --positions 1e3 1e9

For each position ``p`` a fresh Python process builds ``ropeviz.RotaryEmbedding(head_dim)``,
rotates a (1, 8, 16, head_dim) float32 query and key once at positions 0..15 (the warm call that
builds the cos/sin cache of its default 4096 rows), then once more with ``offset=p``, and reports
how much that second call raised the process's peak resident memory (``ru_maxrss``) and how many
rows the cache holds afterwards. Rows past the cache are computed from the positions themselves
(float64 angles), so the cost should not depend on ``p``. For scale, the last column is what a
cos/sin cache grown to row ``p`` would hold (two float32 tables of ``p + 16`` rows by
``head_dim / 2``), the design that was replaced (it was OOM-killed at ``offset=2**31 - 5``). This
is a measurement, not a test; ``tests/test_hostile_input.py`` asserts the bound.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = """
import resource, sys
import torch
from ropeviz import RotaryEmbedding
head_dim, position = int(sys.argv[1]), int(sys.argv[2])
rope = RotaryEmbedding(head_dim)
q, k = torch.randn(1, 8, 16, head_dim), torch.randn(1, 8, 16, head_dim)
rope(q, k)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rope(q, k, offset=position)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) / 1024, rope.cache_length)
"""


def measure(head_dim: int, position: int) -> tuple[float, int]:
    """Peak-RSS growth in MiB of one rotation at ``position`` and the cache rows after it."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(head_dim), str(position)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--head-dim", type=int, default=128)
    parser.add_argument("--positions", type=float, nargs="+",
                        default=[1e3, 1e6, 1e9, 2**31 - 5, 2**40])
    args = parser.parse_args()
    if args.head_dim <= 0 or args.head_dim % 2:
        raise ValueError(f"head_dim must be a positive even integer, got {args.head_dim}")
    print(f"RotaryEmbedding({args.head_dim}), (1, 8, 16, {args.head_dim}) float32 q and k, one call "
          "at offset p after a warm call at 0")
    print(f"{'position p':>18s} {'peak RSS growth MiB':>20s} {'cache rows':>11s} "
          f"{'a cache grown to p would hold':>30s}")
    for value in args.positions:
        position = int(value)
        grew, rows = measure(args.head_dim, position)
        grown = 2 * (position + 16) * (args.head_dim // 2) * 4 / 2**30
        print(f"{position:>18,d} {grew:>20.2f} {rows:>11,d} {grown:>26.3g} GiB")


if __name__ == "__main__":
    main()
