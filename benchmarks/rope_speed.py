"""How fast is RoPE on the CPU? ropeviz's torch paths against three peer libraries.

Usage::

    python benchmarks/rope_speed.py            # four sizes, 10 repeats each
    python benchmarks/rope_speed.py --quick    # the (1, 32, 4096, 128) size, 3 repeats (the book)
    python benchmarks/rope_speed.py --threads 1 --compile

Every method rotates the same queries *and* keys, float32 on the CPU, for shapes
``(batch, heads, seq, head_dim)``:

* ``ropeviz half`` / ``ropeviz interleaved``: :class:`ropeviz.RotaryEmbedding` called as a model
  would, returning new tensors; ``... in-place`` passes ``inplace=True``;
* ``transformers``: ``apply_rotary_pos_emb`` from Hugging Face's Llama code, given the cos/sin
  that ``LlamaRotaryEmbedding`` made (computed once, outside the timing, which favours it);
* ``torchtune``: ``RotaryPositionalEmbeddings`` on q and k in its own (batch, seq, heads, dim)
  layout (contiguous copies of the same numbers, made before timing);
* ``rotary-embedding-torch``: ``RotaryEmbedding.rotate_queries_or_keys`` on q and on k;
* ``copy``: ``dst.copy_(src)`` of q and k into existing tensors, the memory-bandwidth yardstick,
  and ``clone``: the same copy into freshly allocated tensors, which is what any method that
  returns new tensors must at least pay.

Methods run round-robin (one call of each per round, after a warm-up round), and each reports
the median over the rounds, so a slow moment of the machine hits every method alike. A missing
peer is reported and skipped. Every method is first checked against ``ropeviz.apply_rope`` on a
small input, so nothing wrong gets timed.

Reading the table. ``x peer`` is the method's median time divided by the fastest peer's
(below 1 means faster than every peer). ``copy bw`` compares bandwidths: RoPE must read q, k
and the cos/sin rows and write two outputs; the copy reads and writes q and k. The method's
bytes-that-must-move per second over the copy's bytes per second says how close it comes to
the memory bound (100% = as fast as copying). It can exceed 100%: an in-place rotation touches
one buffer where a copy touches two. This is a measurement, not a test: numbers vary between
machines and between runs on a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

# Offline, and no kernels fetched from the Hugging Face hub, before transformers is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("USE_HUB_KERNELS", "NO")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ropeviz as rv  # noqa: E402

SIZES = [(1, 32, 4096, 128), (1, 32, 1024, 128), (8, 16, 512, 64), (1, 8, 16384, 128)]
BASE = 10_000.0
PEERS = ("transformers", "torchtune", "rotary-embedding-torch")


@dataclass
class Method:
    name: str
    pairing: str
    kind: str  # "ropeviz", "peer" or "bound"
    run: Callable[[], object]
    check: Callable[[torch.Tensor], torch.Tensor] | None = None  # (1, h, s, d) in -> out


def quiet_import(name: str):
    """Import a peer with its import-time chatter (torchao's warnings) silenced; None if absent."""
    logging.getLogger("torchao").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            return __import__(name, fromlist=["_"])
        except Exception:  # missing, or broken at import time
            return None


def peer_methods(q, k, skipped: list[str]) -> list[Method]:
    batch, heads, seq, dim = q.shape
    methods = []

    llama = quiet_import("transformers.models.llama.modeling_llama")
    if llama is None:
        skipped.append("transformers")
    else:
        from transformers import LlamaConfig

        config = LlamaConfig(
            vocab_size=16, hidden_size=heads * dim, intermediate_size=8, num_hidden_layers=1,
            num_attention_heads=heads, num_key_value_heads=heads, head_dim=dim,
            max_position_embeddings=seq,
            rope_parameters={"rope_type": "default", "rope_theta": BASE},
        )
        rotary = llama.LlamaRotaryEmbedding(config)

        def tables(s):
            return rotary(q, torch.arange(s)[None])

        cos, sin = tables(seq)

        def hf_check(x):
            c, s = tables(x.shape[2])
            return llama.apply_rotary_pos_emb(x, x, c, s)[0]

        methods.append(
            Method(
                "transformers", "half", "peer",
                lambda: llama.apply_rotary_pos_emb(q, k, cos, sin), hf_check,
            )
        )

    tt = quiet_import("torchtune.modules")
    if tt is None:
        skipped.append("torchtune")
    else:
        rope_tt = tt.RotaryPositionalEmbeddings(dim=dim, max_seq_len=seq, base=BASE)
        q_bshd, k_bshd = q.transpose(1, 2).contiguous(), k.transpose(1, 2).contiguous()
        methods.append(
            Method(
                "torchtune", "interleaved", "peer", lambda: (rope_tt(q_bshd), rope_tt(k_bshd)),
                lambda x: rope_tt(x.transpose(1, 2).contiguous()).transpose(1, 2),
            )
        )

    ret = quiet_import("rotary_embedding_torch")
    if ret is None:
        skipped.append("rotary-embedding-torch")
    else:
        rope_ret = ret.RotaryEmbedding(dim=dim, theta=BASE)
        methods.append(
            Method(
                "rotary-embedding-torch", "interleaved", "peer",
                lambda: (rope_ret.rotate_queries_or_keys(q), rope_ret.rotate_queries_or_keys(k)),
                rope_ret.rotate_queries_or_keys,
            )
        )
    return methods


def ropeviz_methods(q, k, compile_: bool) -> list[Method]:
    seq, dim = q.shape[2], q.shape[3]
    methods = []
    q_in, k_in = q.clone(), k.clone()  # rotated over and over by the in-place variants
    for pairing in ("half", "interleaved"):
        rope = rv.RotaryEmbedding(dim, BASE, pairing=pairing, max_positions=seq)
        methods.append(
            Method(
                f"ropeviz {pairing}", pairing, "ropeviz",
                lambda r=rope: r(q, k), lambda x, r=rope: r.rotate(x),
            )
        )
        methods.append(
            Method(
                f"ropeviz {pairing} in-place", pairing, "ropeviz",
                lambda r=rope: r(q_in, k_in, inplace=True),
                lambda x, r=rope: r.rotate(x.clone(), inplace=True),
            )
        )
    if compile_:
        rope = rv.RotaryEmbedding(dim, BASE, pairing="half", max_positions=seq)
        cos = rope.cos_cached[:seq].float()
        sin = rope.sin_cached[:seq].float()

        def formula(x, c, s):  # the textbook half formula, for torch.compile to fuse
            a, b = x[..., : dim // 2], x[..., dim // 2 :]
            return torch.cat((a * c - b * s, a * s + b * c), dim=-1)

        compiled = torch.compile(formula, dynamic=False)
        started = time.perf_counter()
        compiled(q, cos, sin)
        print(f"torch.compile of the half formula took {time.perf_counter() - started:.1f} s")
        methods.append(
            Method(
                "ropeviz half, torch.compile", "half", "ropeviz",
                lambda: (compiled(q, cos, sin), compiled(k, cos, sin)), None,
            )
        )
    return methods


def check(methods: list[Method], dim: int) -> None:
    """Every method against ropeviz.apply_rope (float64) on a small input."""
    x = torch.randn(1, 2, 16, dim, generator=torch.Generator().manual_seed(1))
    expected = {p: rv.apply_rope(x.double(), pairing=p) for p in ("half", "interleaved")}
    for method in methods:
        if method.check is None:
            continue
        error = float((method.check(x).double() - expected[method.pairing]).abs().max())
        if error > 1e-4:
            raise AssertionError(f"{method.name} disagrees with ropeviz.apply_rope by {error:.2e}")


def time_round_robin(methods: list[Method], repeats: int) -> dict[str, float]:
    timings: dict[str, list[float]] = {m.name: [] for m in methods}
    for round_ in range(repeats + 1):  # round 0 warms up (caches, allocator, lazy tables)
        for method in methods:
            started = time.perf_counter()
            method.run()
            elapsed = time.perf_counter() - started
            if round_ > 0:
                timings[method.name].append(elapsed)
    return {name: statistics.median(values) for name, values in timings.items()}


def bench_size(shape, repeats: int, compile_: bool) -> tuple[list[tuple], list[str]]:
    generator = torch.Generator().manual_seed(0)
    q = torch.randn(*shape, generator=generator)
    k = torch.randn(*shape, generator=generator)
    dst_q, dst_k = torch.empty_like(q), torch.empty_like(k)
    skipped: list[str] = []
    bounds = [
        Method("copy", "-", "bound", lambda: (dst_q.copy_(q), dst_k.copy_(k))),
        Method("clone", "-", "bound", lambda: (q.clone(), k.clone())),
    ]
    methods = ropeviz_methods(q, k, compile_) + peer_methods(q, k, skipped)
    check(methods, shape[-1])
    medians = time_round_robin(bounds + methods, repeats)

    tensor_bytes = q.numel() * q.element_size()
    copy_bytes = 2 * 2 * tensor_bytes  # read q, k; write two tensors
    table_bytes = 2 * shape[2] * (shape[3] // 2) * q.element_size()  # cos and sin rows
    rope_bytes = copy_bytes + table_bytes
    copy_bandwidth = copy_bytes / medians["copy"]
    peer_times = [medians[m.name] for m in methods if m.kind == "peer"]
    fastest_peer = min(peer_times) if peer_times else float("nan")
    rows = []
    for method in bounds + methods:
        seconds = medians[method.name]
        moved = copy_bytes if method.kind == "bound" else rope_bytes
        rows.append(
            (method.name, method.pairing, seconds * 1e3, seconds / fastest_peer,
             moved / seconds / copy_bandwidth)
        )
    return rows, skipped


def print_table(shape, rows, skipped, repeats) -> None:
    mib = np.prod(shape) * 4 / 2**20
    print(f"\n(batch, heads, seq, head_dim) = {shape}, float32")
    print(f"q and k are {mib:.0f} MiB each; median of {repeats} rounds")
    header = f"{'method':<28s} {'pairing':<11s} {'ms':>8s} {'x peer':>7s} {'copy bw':>8s}"
    print(header)
    print("-" * len(header))
    for name, pairing, ms, ratio, fraction in rows:
        print(f"{name:<28s} {pairing:<11s} {ms:8.1f} {ratio:7.2f} {fraction:8.0%}")
    print("x peer: time / fastest peer's time; copy bw: bandwidth / copy's")
    if skipped:
        print(f"not installed, skipped: {', '.join(skipped)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one size, 3 repeats (for the book)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed rounds (default 10, quick 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--compile", action="store_true",
                        help="also time a torch.compile'd formula")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = args.repeats or (3 if args.quick else 10)
    sizes = SIZES[:1] if args.quick else SIZES
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    for shape in sizes:
        rows, skipped = bench_size(shape, repeats, args.compile)
        print_table(shape, rows, skipped, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
