r"""Synthetic tasks that need positional *and* semantic attention, training and evaluation.

Everything is generated in code from seeds (nothing is downloaded), at any sequence length, so
a model trained at length ``L`` can be evaluated at ``2L`` or ``4L`` (chapter 9).

:class:`RecallCopyTask` mixes two kinds of sequence, announced by a marker token after BOS:

``copy`` (positional)
    ``[BOS, COPY, x_2, x_3, ...]`` with random data tokens ``x``. At every position
    ``t >= 2 + offset`` the target is ``x_{t - offset}``: "say the token ``offset`` places
    back". The answer is found by *where* it is, never by what it is: a positional head.
``recall`` (semantic, associative recall)
    ``[BOS, RECALL, k_1, v_1, ..., k_n, v_n, q_1, a_1, q_2, a_2, ...]``: a store of ``n``
    distinct keys with random values, then queries, each a key of the store followed by its
    value. At every query key the target is that key's value. The key may sit anywhere in the
    context, so the model must match it by *content* (and then read the token after it, which
    needs a previous-token head as well: the induction-head circuit).

Only target positions count (others hold :data:`IGNORE`). Vocabulary: ``0`` BOS, ``1`` COPY,
``2`` RECALL, then ``n_keys`` key tokens, then ``n_values`` value tokens; copy sequences draw
from keys and values alike.

Splits: ``split="train"`` and ``split="eval"`` draw from disjoint random streams
(``numpy.random.default_rng([seed, split, step])`` with a different split number), so no
evaluation batch is a training batch.

Training and evaluation::

    history = train(model, task, steps=600, batch_size=32, lr=3e-3, seq_len=64, seed=0)
    evaluate(model, task, seq_len=128, batches=4, seed=0)
    # {'loss': ..., 'accuracy': ..., 'copy_loss': ..., 'copy_accuracy': ...,
    #  'recall_loss': ..., 'recall_accuracy': ..., 'seq_len': 128, 'targets': ...}

:func:`train` is deterministic on the CPU: same model seed, task, arguments and seed give
bit-identical losses (it runs single-threaded with deterministic algorithms, and restores the
caller's torch settings afterwards).

What trains fast (measured for chapter 7, one CPU thread): ``RecallCopyTask(n_keys=8,
n_values=8, offset=1)``, ``TinyDecoder(vocab, d_model=32, n_heads=2, d_ff=64)``, ``seq_len=24``,
batch 32, ``lr=3e-3``: about 7 ms per step, so 700 steps in about 5 s. Copy is learned within
~200 steps (NoPE too, approximately); recall needs the induction circuit, which appears
*suddenly*, between about 250 and 700 steps depending on the seed (NoPE: not within 700), so
compare encodings over several seeds. A recall store needs distinct keys: evaluating at
``seq_len`` needs ``n_keys >= store_size(seq_len)`` (about ``seq_len / 4``), so choose
``n_keys`` for the longest evaluation length (e.g. 32 keys for 4 x 24 = 96 tokens).
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from ._checks import check_positive_int

__all__ = ["IGNORE", "KINDS", "Batch", "RecallCopyTask", "train", "evaluate"]

IGNORE = -100
"""Target of positions that are not scored (``torch.nn.functional.cross_entropy``'s default)."""

KINDS = ("copy", "recall")
"""The sequence kinds of :class:`RecallCopyTask`."""

_SPLITS = {"train": 0, "eval": 1}


@dataclass(frozen=True)
class Batch:
    """One batch of a task.

    Attributes:
        tokens: ``(batch, seq)`` int64 input ids.
        targets: ``(batch, seq)`` int64 target ids, :data:`IGNORE` where nothing is scored.
        kinds: ``(batch,)`` int64, the index in :data:`KINDS` of every sequence.
    """

    tokens: torch.Tensor
    targets: torch.Tensor
    kinds: torch.Tensor


def _check_int(value: Any, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class RecallCopyTask:
    """Copy-``offset``-back (positional) and associative recall (semantic) sequences.

    Args:
        n_keys: number of key tokens; a recall store holds up to ``n_keys`` distinct keys, so
            it bounds the longest recall sequence (``seq_len <= 4 * n_keys + 3``).
        n_values: number of value tokens.
        offset: how far back a copy target lies (1: the previous token).
        kinds: which kinds to generate, a non-empty subset of :data:`KINDS`; each sequence
            picks one uniformly.
        store_fraction: share of a recall sequence's key/value pairs that form the store (the
            rest are queries).
    """

    BOS, COPY, RECALL = 0, 1, 2

    def __init__(
        self,
        *,
        n_keys: int = 64,
        n_values: int = 64,
        offset: int = 2,
        kinds: tuple[str, ...] = KINDS,
        store_fraction: float = 0.5,
    ) -> None:
        self.n_keys = check_positive_int(n_keys, "n_keys")
        self.n_values = check_positive_int(n_values, "n_values")
        self.offset = _check_int(offset, "offset", 1)
        kinds = tuple(kinds) if not isinstance(kinds, str) else (kinds,)
        if not kinds or any(kind not in KINDS for kind in kinds) or len(set(kinds)) != len(kinds):
            raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {kinds!r}")
        self.kinds = kinds
        if not isinstance(store_fraction, numbers.Real) or not 0.0 < store_fraction < 1.0:
            raise ValueError(f"store_fraction must be in (0, 1), got {store_fraction!r}")
        self.store_fraction = float(store_fraction)
        self.key_ids = np.arange(3, 3 + self.n_keys)
        self.value_ids = np.arange(3 + self.n_keys, 3 + self.n_keys + self.n_values)

    @property
    def vocab_size(self) -> int:
        """Number of token ids: 3 specials, the keys and the values."""
        return 3 + self.n_keys + self.n_values

    def __repr__(self) -> str:
        return (
            f"RecallCopyTask(n_keys={self.n_keys}, n_values={self.n_values}, "
            f"offset={self.offset}, kinds={self.kinds}, store_fraction={self.store_fraction})"
        )

    def store_size(self, seq_len: int) -> int:
        """Number of key/value pairs in the store of a recall sequence of length ``seq_len``."""
        pairs = (seq_len - 2) // 2
        return min(max(1, int(round(self.store_fraction * pairs))), max(1, pairs - 1))

    def check_seq_len(self, seq_len: Any) -> int:
        """``seq_len`` as an int after checking this task can fill it."""
        seq_len = _check_int(seq_len, "seq_len", 1)
        if "copy" in self.kinds and seq_len < 3 + self.offset:
            raise ValueError(f"seq_len must be >= offset + 3 = {self.offset + 3}, got {seq_len}")
        if "recall" in self.kinds:
            if seq_len < 6:
                raise ValueError(f"seq_len must be >= 6 for recall sequences, got {seq_len}")
            if self.store_size(seq_len) > self.n_keys:
                raise ValueError(
                    f"seq_len = {seq_len} needs a store of {self.store_size(seq_len)} "
                    "distinct keys "
                    f"but the task has n_keys = {self.n_keys}; use a larger n_keys"
                )
        return seq_len

    def _copy(self, rng: np.random.Generator, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
        tokens = np.empty(seq_len, dtype=np.int64)
        tokens[0], tokens[1] = self.BOS, self.COPY
        tokens[2:] = rng.integers(3, self.vocab_size, size=seq_len - 2)
        targets = np.full(seq_len, IGNORE, dtype=np.int64)
        t = np.arange(2 + self.offset, seq_len)
        targets[t] = tokens[t - self.offset]
        return tokens, targets

    def _recall(self, rng: np.random.Generator, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
        n_store = self.store_size(seq_len)
        keys = rng.choice(self.key_ids, size=n_store, replace=False)
        values = rng.choice(self.value_ids, size=n_store, replace=True)
        n_pairs = (seq_len - 1) // 2  # pairs (or a final lone key) after BOS, RECALL
        n_query = n_pairs - n_store
        which = rng.integers(0, n_store, size=n_query)
        body_keys = np.concatenate([keys, keys[which]])
        body_values = np.concatenate([values, values[which]])
        body = np.stack([body_keys, body_values], axis=1).reshape(-1)
        tokens = np.concatenate([[self.BOS, self.RECALL], body])[:seq_len]
        targets = np.full(seq_len, IGNORE, dtype=np.int64)
        query_key_pos = 2 + 2 * np.arange(n_store, n_pairs)
        query_key_pos = query_key_pos[query_key_pos < seq_len]
        targets[query_key_pos] = body_values[n_store:][: query_key_pos.size]
        return tokens, targets

    def batch(
        self, batch_size: int, seq_len: int, *, split: str = "train", seed: int = 0, step: int = 0
    ) -> Batch:
        """A batch of ``batch_size`` sequences of length ``seq_len``.

        Args:
            batch_size: number of sequences.
            seq_len: length of every sequence (any length the task can fill).
            split: ``"train"`` or ``"eval"``: disjoint random streams.
            seed, step: with ``split``, the seed of this batch's generator,
                ``numpy.random.default_rng([seed, split, step])``.

        Returns:
            A :class:`Batch` of CPU tensors.
        """
        batch_size = check_positive_int(batch_size, "batch_size")
        seq_len = self.check_seq_len(seq_len)
        if split not in _SPLITS:
            raise ValueError(f"split must be one of {tuple(_SPLITS)}, got {split!r}")
        seed = _check_int(seed, "seed")
        step = _check_int(step, "step")
        rng = np.random.default_rng([seed, _SPLITS[split], step])
        kind_ids = rng.integers(0, len(self.kinds), size=batch_size)
        tokens = np.empty((batch_size, seq_len), dtype=np.int64)
        targets = np.empty((batch_size, seq_len), dtype=np.int64)
        for row, kind_id in enumerate(kind_ids):
            make = self._copy if self.kinds[kind_id] == "copy" else self._recall
            tokens[row], targets[row] = make(rng, seq_len)
        kinds = np.array([KINDS.index(self.kinds[i]) for i in kind_ids], dtype=np.int64)
        return Batch(torch.from_numpy(tokens), torch.from_numpy(targets), torch.from_numpy(kinds))


class _Deterministic:
    """Single-threaded, deterministic torch for the duration of a ``with`` block."""

    def __init__(self, threads: int) -> None:
        self.threads = threads

    def __enter__(self) -> None:
        import torch.utils.deterministic as deterministic

        self.saved = (
            torch.get_num_threads(),
            torch.are_deterministic_algorithms_enabled(),
            deterministic.fill_uninitialized_memory,
        )
        torch.set_num_threads(self.threads)
        torch.use_deterministic_algorithms(True)
        # every output is written before it is read here; filling fresh memory only costs time
        deterministic.fill_uninitialized_memory = False

    def __exit__(self, *exc: object) -> None:
        import torch.utils.deterministic as deterministic

        torch.set_num_threads(self.saved[0])
        torch.use_deterministic_algorithms(self.saved[1])
        deterministic.fill_uninitialized_memory = self.saved[2]


def _lr_at(step: int, steps: int, lr: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay to 10% of ``lr``."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def train(
    model: torch.nn.Module,
    task: RecallCopyTask,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seq_len: int,
    seed: int,
    weight_decay: float = 0.01,
    warmup: int | None = None,
    threads: int = 1,
    eval_every: int | None = None,
    eval_seq_len: int | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> dict[str, Any]:
    """Train ``model`` on ``task`` with AdamW; deterministic on the CPU.

    Batch ``i`` is ``task.batch(batch_size, seq_len, split="train", seed=seed, step=i)``; the
    learning rate warms up linearly over ``warmup`` steps (default 5% of ``steps``) and then
    decays on a cosine to 10% of ``lr``; gradients are clipped to norm 1. Torch runs
    single-threaded (``threads``) with deterministic algorithms while training, so two runs
    with the same arguments and the same freshly built model give identical losses.

    Args:
        model: a :class:`ropeviz.models.TinyDecoder` (anything mapping ``(batch, seq)`` ids to
            ``(batch, seq, vocab)`` logits), trained in place.
        task: the task to train on.
        steps: number of optimizer steps.
        batch_size: sequences per step.
        lr: peak learning rate.
        seq_len: training sequence length.
        seed: seed of the training batches.
        weight_decay: AdamW weight decay.
        warmup: warm-up steps.
        threads: torch threads while training (1 for bit-reproducibility).
        eval_every: if given, run ``evaluate(model, task, seq_len=eval_seq_len, batches=1,
            seed=seed)`` after every ``eval_every`` steps (and after the last one).
        eval_seq_len: length for those evaluations (default ``seq_len``).
        progress: show a tqdm progress bar (text, on stderr).
        desc: the progress bar's label.

    Returns:
        ``{"step": (steps,) int array, "loss": (steps,) float array, "lr": (steps,) float
        array, "seconds": wall time, "eval": list}``; ``"eval"`` holds one
        :func:`evaluate` dict per evaluation, each with its ``"step"`` (steps done), and is
        empty without ``eval_every``. Evaluation time is included in ``"seconds"``.
    """
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    seq_len = task.check_seq_len(seq_len)
    seed = _check_int(seed, "seed")
    threads = check_positive_int(threads, "threads")
    if (
        isinstance(lr, bool)
        or not isinstance(lr, numbers.Real)
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ValueError(f"lr must be a finite positive number, got {lr!r}")
    warmup = max(1, steps // 20) if warmup is None else _check_int(warmup, "warmup")
    warmup = max(1, min(warmup, steps))
    if eval_every is not None:
        eval_every = check_positive_int(eval_every, "eval_every")
        eval_seq_len = task.check_seq_len(seq_len if eval_seq_len is None else eval_seq_len)
    evals: list[dict[str, Any]] = []

    device = next(model.parameters()).device
    params = list(model.parameters())
    optimizer = torch.optim.AdamW(
        params, lr=lr, betas=(0.9, 0.98), weight_decay=weight_decay,
        fused=all(p.device.type in ("cpu", "cuda") for p in params) or None,
    )
    losses = np.empty(steps)
    rates = np.empty(steps)
    from tqdm import tqdm

    bar = tqdm(
        range(steps), desc=desc or "training", disable=not progress, file=sys.stderr,
        mininterval=2.0, ncols=72,
    )
    started = time.perf_counter()
    model.train()
    with _Deterministic(threads):
        for step in bar:
            batch = task.batch(batch_size, seq_len, split="train", seed=seed, step=step)
            rate = _lr_at(step, steps, float(lr), warmup)
            for group in optimizer.param_groups:
                group["lr"] = rate
            logits = model(batch.tokens.to(device))
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]),
                batch.targets.to(device).reshape(-1),
                ignore_index=IGNORE,
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses[step], rates[step] = float(loss.detach()), rate
            if eval_every is not None and ((step + 1) % eval_every == 0 or step == steps - 1):
                result = evaluate(model, task, seq_len=eval_seq_len, batches=1, seed=seed)
                evals.append({"step": step + 1, **result})
                model.train()
            if progress and (step % 25 == 0 or step == steps - 1):
                bar.set_postfix(loss=f"{losses[step]:.3f}", refresh=False)
    bar.close()
    model.eval()
    return {
        "step": np.arange(steps),
        "loss": losses,
        "lr": rates,
        "seconds": time.perf_counter() - started,
        "eval": evals,
    }


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    task: RecallCopyTask,
    *,
    seq_len: int,
    batches: int = 4,
    batch_size: int = 64,
    seed: int = 0,
) -> dict[str, float]:
    """Loss and accuracy on the task's evaluation split, overall and per kind.

    Uses ``task.batch(batch_size, seq_len, split="eval", seed=seed, step=i)`` for
    ``i < batches``, so the numbers are deterministic and never computed on training batches.

    Returns:
        ``{"loss", "accuracy", "<kind>_loss", "<kind>_accuracy" for every kind of the task,
        "seq_len", "targets"}``: mean cross-entropy (nats) and top-1 accuracy over scored
        positions, and the number of scored positions.
    """
    seq_len = task.check_seq_len(seq_len)
    batches = check_positive_int(batches, "batches")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = _check_int(seed, "seed")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    sums = {kind: np.zeros(3) for kind in task.kinds}  # loss sum, correct, count
    with _Deterministic(1):
        for step in range(batches):
            batch = task.batch(batch_size, seq_len, split="eval", seed=seed, step=step)
            logits = model(batch.tokens.to(device)).double().cpu()
            targets = batch.targets
            token_loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                ignore_index=IGNORE, reduction="none",
            ).reshape(targets.shape)
            scored = targets != IGNORE
            correct = (logits.argmax(-1) == targets) & scored
            for kind in task.kinds:
                rows = batch.kinds == KINDS.index(kind)
                sums[kind] += [
                    float(token_loss[rows][scored[rows]].double().sum()),
                    float(correct[rows].sum()),
                    float(scored[rows].sum()),
                ]
    model.train(was_training)
    total = sum(sums.values())
    result: dict[str, float] = {
        "loss": total[0] / total[2],
        "accuracy": total[1] / total[2],
    }
    for kind, (loss_sum, n_correct, count) in sums.items():
        result[f"{kind}_loss"] = loss_sum / count if count else float("nan")
        result[f"{kind}_accuracy"] = n_correct / count if count else float("nan")
    result["seq_len"] = seq_len
    result["targets"] = int(total[2])
    return result
