r"""A tiny decoder-only transformer whose position encoding is a parameter.

:class:`TinyDecoder` is small enough to train on a laptop CPU in seconds (chapter 7 trains four
of them; chapter 9 extends one to longer contexts). It is a pre-LayerNorm GPT-style decoder:
token embedding, ``n_layers`` blocks of causal multi-head self-attention and a GELU MLP, a
final LayerNorm and an untied output projection. There is no dropout, so with the same seed
and the same batches training is deterministic (see :func:`ropeviz.tasks.train`).

Position encodings (the ``position`` argument)
----------------------------------------------

``"nope"``
    no position information at all (the causal mask is the only source of order).
``"sinusoidal"``
    :func:`ropeviz.sinusoidal_encoding` added to the token embeddings, computed on the fly for
    whatever positions are given (so any length works).
``"rope"``
    queries and keys of every head rotated pair by pair, pair :math:`i` by :math:`m\,\theta_i`
    with :math:`\theta_i = \text{base}^{-2i/d}` from :func:`ropeviz.inv_frequencies`
    (``d = head_dim = d_model // n_heads``), in the ``pairing`` layout of :mod:`ropeviz.rope`.
``"p-rope"``
    RoPE on the fastest fraction ``p`` of the pairs only: the first
    :func:`rope_pairs_kept` ``(d, p)`` pairs (``int(p * d // 2)``, as Barbero et al.'s code and
    Hugging Face's ``"proportional"`` RoPE count them) keep their RoPE frequencies, the slowest
    ones get :math:`\theta = 0` and never rotate (Barbero et al., 2025, §6.1). ``p = 0`` is NoPE
    and ``p = 1`` is RoPE, exactly.

The frequencies are NumPy float64 arrays; angles are computed in float64 and only then cast
to the model's dtype, exactly as :func:`ropeviz.apply_rope` does (with the default frequencies
the rotation *is* ``apply_rope``'s, which ``tests/test_models.py`` checks).

The shared API (used by chapters 7, 8 and 9)
--------------------------------------------

``model(tokens, positions=None) -> logits``
    ``tokens``: integer ``(batch, seq)``; ``positions``: ``None`` (``0 .. seq-1``), or
    ``(seq,)`` / ``(batch, seq)`` integer or float positions. Returns ``(batch, seq, vocab)``.
    Any ``seq`` works (there are no position tables to outgrow), unless ``max_len`` was set.
``model.set_rope_frequencies(inv_freq, attention_factor=1.0)``
    replace the angular frequency of every pair (``inv_freq``: ``(head_dim // 2,)``, NumPy or
    torch, rad/token) and multiply every attention logit by ``attention_factor ** 2`` (the
    YaRN convention: Hugging Face scales cos and sin by the factor, hence its square on
    :math:`q\cdot k`). Only for ``"rope"`` and ``"p-rope"`` models.
``model.reset_rope_frequencies()``
    back to the frequencies the model was built (and trained) with, and a factor of 1.
``model.rope_frequencies`` / ``model.trained_rope_frequencies`` / ``model.attention_factor``
    the current and the original frequencies (copies, ``(head_dim // 2,)`` float64) and the
    current factor.
``model.attention_maps(tokens, positions=None)``
    list with one ``(batch, heads, seq, seq)`` tensor of attention weights per layer (rows sum
    to 1, zero above the diagonal).
``model.queries_keys(tokens, positions=None)``
    list with one ``(q, k)`` pair per layer, each ``(batch, heads, seq, head_dim)``, taken
    *before* the rotation (what Barbero et al.'s frequency-usage plots measure; feed them to
    :func:`ropeviz.analysis.frequency_norms`).

Attention-map helpers: :func:`offset_attention_mass` (how much of a head's attention goes to
the token ``offset`` places back) and :func:`positional_heads` (which heads are diagonal or
previous-token heads).

Example::

    from ropeviz.models import TinyDecoder
    from ropeviz.tasks import RecallCopyTask, evaluate, train

    task = RecallCopyTask()
    model = TinyDecoder(task.vocab_size, position="rope", seed=0)
    history = train(model, task, steps=600, batch_size=32, lr=3e-3, seq_len=64, seed=0)
    evaluate(model, task, seq_len=256)                 # 4x the training length
    model.set_rope_frequencies(model.trained_rope_frequencies / 4)  # position interpolation
    evaluate(model, task, seq_len=256)
    model.reset_rope_frequencies()
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch
from torch import nn

from ._checks import (
    as_numpy,
    check_base,
    check_fraction,
    check_pairing,
    check_positive_int,
    check_positive_number,
    check_real_finite,
)
from .encodings import _sinusoidal_at
from .rope import inv_frequencies, rotate_cos_sin
from .scaling import rope_pairs_kept

__all__ = [
    "MAX_ATTENTION_FACTOR",
    "POSITIONS",
    "TinyDecoder",
    "rope_pairs_kept",
    "model_inv_frequencies",
    "offset_attention_mass",
    "positional_heads",
]

POSITIONS = ("nope", "sinusoidal", "rope", "p-rope")
"""The position encodings :class:`TinyDecoder` knows."""

MAX_ATTENTION_FACTOR = 100.0
"""The largest ``attention_factor`` :meth:`TinyDecoder.set_rope_frequencies` accepts. YaRN's
factors are between 1 and about 2; a factor of 1e100 would multiply the logits by 1e200, which
float32 holds only as infinity, and softmax then returns NaN."""


def model_inv_frequencies(
    head_dim: int, position: str = "rope", p: float = 1.0, base: float = 10_000.0
) -> np.ndarray:
    r"""The per-pair angular frequencies a :class:`TinyDecoder` rotates with.

    ``"rope"``: :func:`ropeviz.inv_frequencies`; ``"p-rope"``: the same array with all but the
    first :func:`rope_pairs_kept` ``(head_dim, p)`` entries set to 0; ``"nope"`` and
    ``"sinusoidal"``: all zeros (no rotation).

    Returns:
        float64 array of shape ``(head_dim // 2,)``.
    """
    position = _check_position(position)
    freqs = inv_frequencies(head_dim, base)
    if position in ("nope", "sinusoidal"):
        return np.zeros_like(freqs)
    if position == "rope":
        return freqs
    freqs[rope_pairs_kept(head_dim, p):] = 0.0
    return freqs


def _check_position(position: Any) -> str:
    if not isinstance(position, str) or position not in POSITIONS:
        raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
    return position


@torch.no_grad()
def _initialise(model: nn.Module, rng: np.random.Generator, init_std: float) -> None:
    """Draw every weight from ``rng`` in float64, in ``named_modules`` order, the same on any CPU.

    Linear weights ~ N(0, init_std^2), embeddings ~ N(0, 1), biases 0, LayerNorm (1, 0).
    """
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            std = init_std if isinstance(module, nn.Linear) else 1.0
            draw = rng.normal(0.0, std, size=tuple(module.weight.shape))
            module.weight.copy_(torch.from_numpy(draw))
            if getattr(module, "bias", None) is not None:
                module.bias.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.weight.fill_(1.0)
            module.bias.zero_()


class _Attention(nn.Module):
    """Causal multi-head self-attention with Llama-style projection names."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, seq, d_model) -> (batch, heads, seq, head_dim)."""
        batch, seq, _ = x.shape
        return x.view(batch, seq, self.n_heads, self.head_dim).transpose(1, 2)

    def forward(
        self,
        x: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor] | None,
        pairing: str,
        logit_scale: float,
        capture: dict | None,
    ) -> torch.Tensor:
        q, k, v = self.split(self.q_proj(x)), self.split(self.k_proj(x)), self.split(self.v_proj(x))
        if capture is not None:
            capture.setdefault("qk", []).append((q.detach(), k.detach()))
        if rotary is not None:
            cos, sin = rotary
            q, k = rotate_cos_sin(q, cos, sin, pairing), rotate_cos_sin(k, cos, sin, pairing)
        seq = x.shape[1]
        logits = (q @ k.transpose(-1, -2)) * (logit_scale / math.sqrt(self.head_dim))
        mask = torch.ones(seq, seq, dtype=torch.bool, device=x.device).tril()
        logits = logits.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=-1)
        if capture is not None:
            capture.setdefault("attn", []).append(weights.detach())
        out = (weights @ v).transpose(1, 2).reshape(x.shape)
        return self.o_proj(out)


class _Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_ff: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = _Attention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, rotary, pairing, logit_scale, capture):
        x = x + self.attn(self.ln1(x), rotary, pairing, logit_scale, capture)
        return x + self.mlp(self.ln2(x))


class TinyDecoder(nn.Module):
    r"""A small causal transformer with a pluggable position encoding (see the module docs).

    Args:
        vocab_size: number of token ids (inputs are ``0 .. vocab_size - 1``).
        d_model: width of the residual stream.
        n_heads: attention heads per layer; ``head_dim = d_model // n_heads`` must be even
            for the rotary encodings.
        n_layers: number of transformer blocks.
        d_ff: hidden width of the MLP (default ``4 * d_model``).
        position: ``"nope"``, ``"sinusoidal"``, ``"rope"`` or ``"p-rope"``.
        p: fraction of pairs that rotate, only for ``"p-rope"`` (``0 <= p <= 1``).
        base: the RoPE base (also the sinusoidal base), ``theta_i = base^(-2i/d)``.
        pairing: ``"interleaved"`` or ``"half"``, as in :func:`ropeviz.apply_rope`.
        max_len: optional guard: refuse sequences longer than this. ``None`` (the default)
            accepts any length, since no encoding here has a fixed-size table.
        init_std: standard deviation of the normal initialisation of every linear layer
            (default ``1 / sqrt(d_model)``); embeddings are initialised with std 1.
        seed: seeds the parameter initialisation, drawn from NumPy's
            ``numpy.random.default_rng(seed)`` (the global torch and NumPy generators are
            left as they were). Models with the same sizes and seed start with identical
            weights whatever their position encoding, and on every CPU: torch's own
            ``normal_`` picks a vectorised kernel by CPU (AVX2, AVX-512, scalar), so its draws
            differ between machines in the last bits, which training then amplifies.
        dtype: floating-point type of the parameters and activations. The default,
            ``torch.float64``, makes training reproducible across CPUs: in float32, kernels
            that sum in a different order on another vector width or thread count move the
            final metrics of a 700-step run by up to about 0.01; in float64 they agree to
            about 1e-7 (measured for chapter 7 under ``ATEN_CPU_CAPABILITY=default``, ``avx2``
            and ``avx512``). Pass ``torch.float32`` for speed (about 1.4x).

    Raises:
        ValueError: a size is not a positive integer, ``d_model`` is not divisible by
            ``n_heads``, ``head_dim`` is odd, ``position``/``pairing`` is unknown, ``p`` is
            outside ``[0, 1]`` or given with a position other than ``"p-rope"``, or ``base``
            is not a finite positive number.
    """

    def __init__(
        self,
        vocab_size: int,
        *,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        d_ff: int | None = None,
        position: str = "rope",
        p: float = 1.0,
        base: float = 10_000.0,
        pairing: str = "interleaved",
        max_len: int | None = None,
        init_std: float | None = None,
        seed: int = 0,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        vocab_size = check_positive_int(vocab_size, "vocab_size")
        d_model = check_positive_int(d_model, "d_model")
        n_heads = check_positive_int(n_heads, "n_heads")
        n_layers = check_positive_int(n_layers, "n_layers")
        d_ff = 4 * d_model if d_ff is None else check_positive_int(d_ff, "d_ff")
        position = _check_position(position)
        p = check_fraction(p, "p")
        if position != "p-rope" and p != 1.0:
            raise ValueError(f"p is only used with position='p-rope', got p={p} with {position!r}")
        base = check_base(base)
        pairing = check_pairing(pairing)
        if max_len is not None:
            max_len = check_positive_int(max_len, "max_len")
        if init_std is None:
            init_std = 1.0 / math.sqrt(d_model)
        if (
            isinstance(init_std, bool)
            or not isinstance(init_std, numbers.Real)
            or not (math.isfinite(init_std) and init_std > 0)
        ):
            raise ValueError(f"init_std must be a finite positive number, got {init_std!r}")
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise ValueError(f"dtype must be a torch floating-point dtype, got {dtype!r}")
        if d_model % n_heads:
            raise ValueError(f"n_heads must divide d_model = {d_model}, got {n_heads}")
        head_dim = d_model // n_heads
        if head_dim % 2:
            raise ValueError(
                "head_dim (d_model // n_heads) must be even, "
                f"got {d_model} // {n_heads} = {head_dim}"
            )

        self.vocab_size, self.d_model = vocab_size, d_model
        self.n_heads, self.n_layers = n_heads, n_layers
        self.d_ff, self.head_dim = d_ff, head_dim
        self.position, self.p, self.base, self.pairing = position, p, base, pairing
        self.max_len, self.seed = max_len, int(seed)
        self.config = dict(
            vocab_size=vocab_size, d_model=d_model, n_heads=n_heads, n_layers=n_layers, d_ff=d_ff,
            position=position, p=p, base=base, pairing=pairing, max_len=max_len,
            init_std=float(init_std), seed=int(seed), dtype=dtype,
        )

        with torch.random.fork_rng(devices=[]):  # module constructors draw; we overwrite
            self.embed = nn.Embedding(vocab_size, d_model, dtype=dtype)
            self.blocks = nn.ModuleList(
                _Block(d_model, n_heads, d_ff).to(dtype) for _ in range(n_layers)
            )
            self.ln_f = nn.LayerNorm(d_model, dtype=dtype)
            self.lm_head = nn.Linear(d_model, vocab_size, bias=False, dtype=dtype)
        _initialise(self, np.random.default_rng(int(seed)), float(init_std))

        self._trained_inv_freq = model_inv_frequencies(head_dim, position, p, base)
        self._inv_freq = self._trained_inv_freq.copy()
        self._attention_factor = 1.0

    # ------------------------------------------------------------------ RoPE frequency hooks
    @property
    def rotary(self) -> bool:
        """True for ``"rope"`` and ``"p-rope"`` models."""
        return self.position in ("rope", "p-rope")

    @property
    def rope_frequencies(self) -> np.ndarray:
        """The frequencies in use now, a float64 copy of shape ``(head_dim // 2,)``."""
        return self._inv_freq.copy()

    @property
    def trained_rope_frequencies(self) -> np.ndarray:
        """The frequencies the model was built with: a float64 copy, ``(head_dim // 2,)``."""
        return self._trained_inv_freq.copy()

    @property
    def attention_factor(self) -> float:
        """The current attention factor (logits are multiplied by its square)."""
        return self._attention_factor

    def set_rope_frequencies(self, inv_freq: Any, attention_factor: float = 1.0) -> None:
        r"""Rotate with other per-pair frequencies from now on (a context-extension schedule).

        Args:
            inv_freq: angular frequency of every pair in rad/token, shape ``(head_dim // 2,)``,
                NumPy or torch (kept as float64).
            attention_factor: multiply every attention logit by ``attention_factor ** 2``
                (YaRN's "temperature" :math:`\sqrt{1/t}`; Hugging Face multiplies cos and sin by
                it). ``1.0`` leaves the logits alone. At most :data:`MAX_ATTENTION_FACTOR`.

        Raises:
            ValueError: the model does not rotate (``"nope"``/``"sinusoidal"``), ``inv_freq``
                has the wrong shape or non-finite entries, or ``attention_factor`` is not a
                positive number up to :data:`MAX_ATTENTION_FACTOR`.
        """
        if not self.rotary:
            raise ValueError(
                f"set_rope_frequencies needs a rotary model (position 'rope' or 'p-rope'), "
                f"this one has position={self.position!r}"
            )
        freqs = check_real_finite(as_numpy(inv_freq, "inv_freq"), "inv_freq").astype(np.float64)
        if freqs.shape != (self.head_dim // 2,):
            raise ValueError(
                f"inv_freq must have shape (head_dim // 2,) = ({self.head_dim // 2},), "
                f"got {freqs.shape}"
            )
        factor = check_positive_number(attention_factor, "attention_factor")
        if factor > MAX_ATTENTION_FACTOR:
            raise ValueError(
                f"attention_factor must be at most {MAX_ATTENTION_FACTOR:g} (the logits are "
                f"multiplied by its square), got {factor:g}"
            )
        self._attention_factor = factor
        self._inv_freq = freqs.copy()

    def reset_rope_frequencies(self) -> None:
        """Restore the frequencies the model was built with and an attention factor of 1."""
        self._inv_freq = self._trained_inv_freq.copy()
        self._attention_factor = 1.0

    # ------------------------------------------------------------------ forward
    def _check_tokens(self, tokens: Any) -> torch.Tensor:
        if not isinstance(tokens, torch.Tensor):
            array = as_numpy(tokens, "tokens")
            if not np.issubdtype(array.dtype, np.integer) or array.dtype == bool:
                raise ValueError(f"tokens must hold integer token ids, got dtype {array.dtype}")
            tokens = torch.as_tensor(array, dtype=torch.long, device=self.embed.weight.device)
        if tokens.dtype.is_floating_point or tokens.dtype.is_complex or tokens.dtype == torch.bool:
            raise ValueError(f"tokens must hold integer token ids, got dtype {tokens.dtype}")
        if tokens.ndim != 2 or tokens.shape[1] == 0:
            raise ValueError(
                f"tokens must have shape (batch, seq) with seq >= 1, got {tuple(tokens.shape)}"
            )
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.vocab_size):
            raise ValueError(
                f"tokens must be ids in [0, vocab_size = {self.vocab_size}), got values in "
                f"[{int(tokens.min())}, {int(tokens.max())}]"
            )
        if self.max_len is not None and tokens.shape[1] > self.max_len:
            raise ValueError(
                f"tokens has seq = {tokens.shape[1]}, longer than max_len = {self.max_len}"
            )
        return tokens.long()

    def _positions(self, positions: Any, batch: int, seq: int) -> np.ndarray:
        """float64 positions of shape (seq,) or (batch, seq)."""
        if positions is None:
            return np.arange(seq, dtype=np.float64)
        pos = check_real_finite(as_numpy(positions, "positions"), "positions").astype(np.float64)
        if pos.shape not in ((seq,), (batch, seq)):
            raise ValueError(
                f"positions must have shape (seq,) = ({seq},) or (batch, seq) = ({batch}, {seq}), "
                f"got {pos.shape}"
            )
        return pos

    def _run(self, tokens: Any, positions: Any, capture: dict | None) -> torch.Tensor:
        tokens = self._check_tokens(tokens)
        batch, seq = tokens.shape
        pos = self._positions(positions, batch, seq)
        x = self.embed(tokens)
        dtype, device = x.dtype, x.device
        if self.position == "sinusoidal":
            if np.any(pos < 0) or np.any(pos != np.round(pos)):
                raise ValueError(
                    "positions must be non-negative integers for position='sinusoidal'"
                )
            # the rows of sinusoidal_encoding for these positions only: no table up to the
            # largest position, so position 1e9 costs what position 10 costs
            pe = _sinusoidal_at(pos, self.d_model, self.base)  # (seq, d) or (batch, seq, d)
            x = x + torch.as_tensor(pe, device=device).to(dtype)
        rotary = None
        if self.rotary:
            with np.errstate(over="ignore"):  # refused just below
                angles = pos[..., None] * self._inv_freq  # float64, (seq, d/2) or (batch, seq, d/2)
            if not np.all(np.isfinite(angles)):
                raise ValueError(
                    "positions times the RoPE frequencies overflow float64 (an angle is "
                    f"infinite): largest |position| {np.abs(pos).max():g}, largest |frequency| "
                    f"{np.abs(self._inv_freq).max():g}"
                )
            if angles.ndim == 3:
                angles = angles[:, None]  # (batch, 1, seq, d/2): broadcast over heads
            cos = torch.as_tensor(np.cos(angles), device=device).to(dtype)
            sin = torch.as_tensor(np.sin(angles), device=device).to(dtype)
            rotary = (cos, sin)
        scale = self._attention_factor ** 2
        for block in self.blocks:
            x = block(x, rotary, self.pairing, scale, capture)
        return self.lm_head(self.ln_f(x))

    def forward(self, tokens: Any, positions: Any = None) -> torch.Tensor:
        """Next-token logits, shape ``(batch, seq, vocab_size)``.

        Args:
            tokens: integer ids, shape ``(batch, seq)`` (tensor or array).
            positions: ``None`` for ``0 .. seq-1``, else ``(seq,)`` or ``(batch, seq)``
                positions (non-negative integers for ``"sinusoidal"``; ignored by ``"nope"``).
        """
        return self._run(tokens, positions, None)

    @torch.no_grad()
    def attention_maps(self, tokens: Any, positions: Any = None) -> list[torch.Tensor]:
        """Attention weights per layer: ``n_layers`` tensors ``(batch, heads, seq, seq)``."""
        capture: dict = {}
        self._run(tokens, positions, capture)
        return capture["attn"]

    @torch.no_grad()
    def queries_keys(
        self, tokens: Any, positions: Any = None
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Queries and keys before rotation, per layer ``(q, k)``.

        Each is ``(batch, heads, seq, head_dim)``, taken right after ``q_proj``/``k_proj``.
        """
        capture: dict = {}
        self._run(tokens, positions, capture)
        return capture["qk"]

    def extra_repr(self) -> str:
        extra = f", p={self.p}" if self.position == "p-rope" else ""
        return (
            f"position={self.position!r}{extra}, base={self.base:g}, d_model={self.d_model}, "
            f"n_heads={self.n_heads}, n_layers={self.n_layers}, head_dim={self.head_dim}"
        )


# ---------------------------------------------------------------------- attention-map helpers
def offset_attention_mass(maps: Any, offset: int, *, start: int | None = None) -> np.ndarray:
    r"""Mean attention weight on the token ``offset`` places back, per head.

    ``offset = 0`` measures a *diagonal* head (every token attends to itself), ``offset = 1`` a
    *previous-token* head. The mean runs over the batch and over query positions
    ``t >= start`` (default ``offset``, the first position that has such a token).

    Args:
        maps: attention weights ``(..., heads, seq, seq)`` (one layer of
            :meth:`TinyDecoder.attention_maps`, NumPy or torch).
        offset: a non-negative distance.
        start: first query position to average over (an integer; default ``offset``).

    Returns:
        float64 array ``(heads,)`` in ``[0, 1]`` (1: the head always looks exactly there).
    """
    weights = as_numpy(maps, "maps").astype(np.float64)
    if weights.ndim < 3 or weights.shape[-1] != weights.shape[-2]:
        raise ValueError(f"maps must have shape (..., heads, seq, seq), got {weights.shape}")
    if isinstance(offset, bool) or not isinstance(offset, numbers.Integral) or offset < 0:
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")
    seq = weights.shape[-1]
    if start is None:
        start = int(offset)
    elif isinstance(start, bool) or not isinstance(start, numbers.Integral):
        raise ValueError(f"start must be an integer query position, got {start!r}")
    start = int(start)
    if offset >= seq or not offset <= start < seq:
        raise ValueError(
            f"offset/start must satisfy offset <= start < seq = {seq}, got {offset}, {start}"
        )
    rows = np.arange(start, seq)
    picked = weights[..., rows, rows - offset]  # (..., heads, n_rows)
    picked = picked.reshape(-1, weights.shape[-3], rows.size)
    return picked.mean(axis=(0, 2))


def positional_heads(
    maps_per_layer: list, *, offsets: tuple[int, ...] = (0, 1), threshold: float = 0.5
) -> list[dict]:
    """Heads that put more than ``threshold`` of their attention at a fixed offset.

    Args:
        maps_per_layer: the list :meth:`TinyDecoder.attention_maps` returns.
        offsets: distances to test (0: diagonal head, 1: previous-token head, ...).
        threshold: minimum mean attention mass at that offset.

    Returns:
        One dict per head found, ``{"layer", "head", "offset", "mass"}``, sorted by layer, head.
    """
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    found = []
    for layer, maps in enumerate(maps_per_layer):
        for offset in offsets:
            mass = offset_attention_mass(maps, offset)
            for head in np.flatnonzero(mass > threshold):
                found.append(
                    {
                        "layer": layer,
                        "head": int(head),
                        "offset": int(offset),
                        "mass": float(mass[head]),
                    }
                )
    return sorted(found, key=lambda row: (row["layer"], row["head"], row["offset"]))
