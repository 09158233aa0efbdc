r"""Plain scaled dot-product attention, written for reading rather than speed.

.. math:: \operatorname{Attn}(Q, K, V) = \operatorname{softmax}\!\Big(\frac{QK^\top}{\sqrt{d}}\Big) V
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._checks import as_numpy, check_positive_int, check_real_array, is_torch

if TYPE_CHECKING:
    import torch

ArrayT = TypeVar("ArrayT", np.ndarray, "torch.Tensor")

__all__ = ["attention", "attention_weights", "causal_mask"]


def causal_mask(seq_len: int) -> np.ndarray:
    """Boolean ``(seq_len, seq_len)`` mask, ``True`` where query ``t`` may attend to key ``s <= t``."""
    seq_len = check_positive_int(seq_len, "seq_len")
    return np.tril(np.ones((seq_len, seq_len), dtype=bool))


def _check_qk(q: Any, k: Any) -> None:
    if len(q.shape) < 2 or len(k.shape) < 2:
        raise ValueError(
            f"q and k must have shape (..., seq, dim), got q {tuple(q.shape)} and k {tuple(k.shape)}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"k.shape[-1] must equal q.shape[-1] = {q.shape[-1]}, got {k.shape[-1]}"
        )


def attention_weights(q: ArrayT, k: ArrayT, mask: Any = None) -> ArrayT:
    r"""Attention probabilities :math:`\operatorname{softmax}(QK^\top/\sqrt{d})`.

    Args:
        q: queries, shape ``(..., seq_q, dim)``.
        k: keys, shape ``(..., seq_k, dim)``.
        mask: optional boolean array broadcastable to ``(..., seq_q, seq_k)``; ``True`` where
            attention is allowed (the convention of ``torch.nn.functional.scaled_dot_product_attention``).
            Every query must be allowed at least one key.

    Returns:
        Weights of shape ``(..., seq_q, seq_k)`` whose rows sum to 1, same type as ``q``.
    """
    q, k = check_real_array(q, "q"), check_real_array(k, "k")
    _check_qk(q, k)
    scale = 1.0 / np.sqrt(q.shape[-1])
    if is_torch(q):
        import torch

        scores = (q @ k.transpose(-2, -1)) * scale
        if mask is not None:
            keep = as_numpy(mask, "mask")
            _check_mask(keep, tuple(scores.shape))
            keep = torch.as_tensor(keep, dtype=torch.bool, device=q.device)
            scores = scores.masked_fill(~keep, float("-inf"))
        return torch.softmax(scores, dim=-1)
    q, k = np.asarray(q, dtype=np.result_type(q, np.float32)), np.asarray(k)
    scores = (q @ np.swapaxes(k, -2, -1)) * scale
    if mask is not None:
        keep = as_numpy(mask, "mask")
        _check_mask(keep, scores.shape)
        scores = np.where(keep, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=-1, keepdims=True)


def _check_mask(keep: np.ndarray, scores_shape: tuple[int, ...]) -> None:
    if keep.dtype != bool:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {keep.dtype}")
    try:
        full = np.broadcast_to(keep, scores_shape)
    except ValueError:
        raise ValueError(
            f"mask must broadcast to the scores' shape {scores_shape}, got shape {keep.shape}"
        ) from None
    if not full.any(axis=-1).all():
        raise ValueError("mask must allow every query at least one key (a row is all False)")


def attention(q: ArrayT, k: ArrayT, v: ArrayT, mask: Any = None) -> ArrayT:
    r"""Scaled dot-product attention :math:`\operatorname{softmax}(QK^\top/\sqrt{d})\,V`.

    Args:
        q: queries, shape ``(..., seq_q, dim)``.
        k: keys, shape ``(..., seq_k, dim)``.
        v: values, shape ``(..., seq_k, dim_v)``.
        mask: optional boolean mask, ``True`` where attention is allowed (see
            :func:`attention_weights`); :func:`causal_mask` gives the autoregressive one.

    Returns:
        Outputs of shape ``(..., seq_q, dim_v)``, same type as ``q``.
    """
    q, k, v = check_real_array(q, "q"), check_real_array(k, "k"), check_real_array(v, "v")
    if len(v.shape) < 2 or len(k.shape) < 2 or v.shape[-2] != k.shape[-2]:
        raise ValueError(
            f"v must have shape (..., seq_k, dim_v) with seq_k = k.shape[-2] = {k.shape[-2]}, "
            f"got {tuple(v.shape)}"
        )
    return attention_weights(q, k, mask) @ v
