r"""RoPE as a fast ``torch.nn.Module``, and the complex-number form used as an oracle.

:class:`RotaryEmbedding` is what a model calls on its queries and keys. It keeps a cache of
:math:`\cos m\theta_i` and :math:`\sin m\theta_i` for the positions :math:`m` it sees (grown on
demand up to a fixed size; rows for positions beyond it are computed for the call), reads the
heads in either tensor layout, rotates all or only the first ``rotary_dim`` features, and agrees
with :func:`ropeviz.apply_rope` to floating-point tolerance.

:func:`apply_rope_complex` is an independent implementation in the style of Meta's Llama code:
each interleaved pair :math:`(x_{2i}, x_{2i+1})` is read as the complex number
:math:`x_{2i} + \mathrm{i}\,x_{2i+1}` and multiplied by :math:`e^{\mathrm{i} m\theta_i}`. It shares
no arithmetic with :mod:`ropeviz.rope`, which is what makes it useful as a check.

Importing this module imports torch; ``import ropeviz`` loads it only when one of its names is
first used.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

from ._checks import (
    as_numpy,
    check_base,
    check_head_dim,
    check_pairing,
    check_positive_int,
    check_real_array,
    check_real_finite,
    is_torch,
)
from .rope import _positions_for, pair_slices, rope_angles

__all__ = ["CACHE_LIMIT", "LAYOUTS", "MAX_POSITION", "RotaryEmbedding", "apply_rope_complex"]

LAYOUTS = ("bhsd", "bshd")
"""The two tensor layouts :class:`RotaryEmbedding` reads: (batch, heads, seq, head_dim) and
(batch, seq, heads, head_dim)."""

# The in-place kernel for real arithmetic works through the sequence in chunks of about this
# many bytes, so that each chunk's temporaries stay in the CPU's cache (see RotaryEmbedding).
_CHUNK_BYTES = 1 << 20

CACHE_LIMIT = 1 << 15
"""How many positions the cos/sin cache may grow to on demand (unless ``max_positions`` asks
for more at construction). Rows for positions beyond the cache are computed for each call."""

MAX_POSITION = 2**53
"""The largest position :class:`RotaryEmbedding` accepts: float64, in which the angles are
computed, holds every integer only up to :math:`2^{53}`."""

_COMPLEX_OF = {torch.float32: torch.complex64, torch.float64: torch.complex128}


def _check_layout(layout: Any) -> str:
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    return layout


def _check_offset(offset: Any) -> int:
    if is_torch(offset) and offset.ndim == 0 and not offset.dtype.is_floating_point:
        offset = int(offset)
    if isinstance(offset, bool) or not isinstance(offset, numbers.Integral) or offset < 0:
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")
    return int(offset)


def _convert(cos: torch.Tensor, sin: torch.Tensor, kind: str, dtype: torch.dtype,
             device: torch.device) -> torch.Tensor:
    """float64 ``cos``/``sin`` rows as ``"cos"``/``"sin"`` in ``dtype`` or ``"cis"`` (complex)."""
    if kind == "cis":
        return torch.complex(cos, sin).to(device, dtype)
    return (cos if kind == "cos" else sin).to(device, dtype)


class _Rows:
    """cos/sin rows computed from positions beyond the cache, for one call.

    ``positions`` is an int64 array of shape ``(batch, seq)``; the angles are float64
    (:func:`ropeviz.rope_angles`, as :func:`ropeviz.apply_rope` computes them), so the memory
    this takes grows with the number of positions, never with their size.
    """

    def __init__(self, positions: np.ndarray, rotary_dim: int, base: float,
                 device: torch.device) -> None:
        angles = rope_angles(positions, rotary_dim, base)  # (batch, seq, r/2)
        self.cos = torch.from_numpy(np.cos(angles)).to(device)
        self.sin = torch.from_numpy(np.sin(angles)).to(device)
        self._tables: dict[tuple[str, torch.dtype, torch.device], torch.Tensor] = {}

    def table(self, kind: str, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        key = (kind, dtype, device)
        if key not in self._tables:
            self._tables[key] = _convert(self.cos, self.sin, kind, dtype, device)
        return self._tables[key]


# ------------------------------------------------------------------------------------------
# Memory overlap, for in-place rotation
# ------------------------------------------------------------------------------------------


class _AddressInterface:
    def __init__(self, interface: dict) -> None:
        self.__array_interface__ = interface


def _address_array(x: torch.Tensor) -> np.ndarray:
    """A NumPy array with ``x``'s addresses, shape and byte strides; its memory is never read.

    NumPy's exact overlap test (:func:`numpy.shares_memory`) only does arithmetic on the
    addresses, so this works for tensors on any device.
    """
    itemsize = x.element_size()
    return np.asarray(_AddressInterface({
        "shape": tuple(x.shape),
        "typestr": f"|V{itemsize}",
        "data": (x.data_ptr(), True),
        "strides": tuple(stride * itemsize for stride in x.stride()),
        "version": 3,
    }))


_TOO_HARD = getattr(np, "exceptions", np).TooHardError


def _share_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when some element of ``a`` and some element of ``b`` occupy the same bytes.

    Exact: views, ``view_as``, transposes, overlapping slices and ``as_strided`` windows of one
    buffer share memory; disjoint parts of one buffer (the q and k slices of a fused QKV
    projection, every other feature) do not. Cases NumPy's solver gives up on count as
    sharing.
    """
    if a.numel() == 0 or b.numel() == 0 or a.device != b.device:
        return False
    store_a, store_b = a.untyped_storage(), b.untyped_storage()
    start_a, start_b = store_a.data_ptr(), store_b.data_ptr()
    if start_a + store_a.nbytes() <= start_b or start_b + store_b.nbytes() <= start_a:
        return False  # storages in disjoint byte ranges (two storages may still overlap, for
        # instance tensors made with torch.from_numpy from overlapping views of one array)
    try:
        return bool(np.shares_memory(_address_array(a), _address_array(b), max_work=1 << 20))
    except _TOO_HARD:
        return True


def _overlaps_itself(x: torch.Tensor) -> bool:
    """True when two elements of ``x`` share memory (``expand``, overlapping ``as_strided``)."""
    if x.numel() == 0:
        return False
    dims = sorted((stride, size) for size, stride in zip(x.shape, x.stride()) if size > 1)
    reach = 0  # the largest offset the dimensions with smaller strides can reach
    for stride, size in dims:
        if stride <= reach:
            break
        reach += stride * (size - 1)
    else:
        return False  # strides nest: every element has its own offset
    # an unusual stride pattern: compare the offsets of all elements
    offsets = torch.zeros((), dtype=torch.int64)
    for size, stride in zip(x.shape, x.stride()):
        offsets = offsets[..., None] + torch.arange(size, dtype=torch.int64) * stride
    return int(torch.unique(offsets).numel()) < x.numel()


def _check_writable(x: torch.Tensor, name: str) -> None:
    if _overlaps_itself(x):
        raise ValueError(
            f"{name} must not have elements that share memory for inplace=True (made by expand "
            f"or an overlapping as_strided, strides {tuple(x.stride())}); pass inplace=False "
            f"or {name}.contiguous()"
        )


class RotaryEmbedding(torch.nn.Module):
    r"""Rotary position embedding for queries and keys, with a cos/sin cache.

    Args:
        head_dim: :math:`d`, the size of every head (a positive even integer).
        base: the frequency base, :math:`\theta_i = \text{base}^{-2i/r}` with :math:`r` the
            rotary dimension.
        pairing: ``"half"`` (pairs :math:`(i, i + r/2)`, Hugging Face / GPT-NeoX, the default)
            or ``"interleaved"`` (pairs :math:`(2i, 2i+1)`, RoFormer / Meta / GPT-J).
        max_positions: how many positions the cache holds at first. A later call with a larger
            position grows it (to at least twice its length) up to
            ``max(max_positions, CACHE_LIMIT)`` positions; rows for positions beyond that are
            computed for the call. So this is a size hint, not a limit.
        rotary_dim: rotate only the first ``rotary_dim`` features of every head (an even number
            up to ``head_dim``) and pass the others through unchanged, GPT-NeoX style: the
            frequency schedule is computed over ``rotary_dim``, and the pairing applies within
            those features. ``None`` rotates the whole head.
        layout: ``"bhsd"`` for tensors of shape ``(batch, heads, seq, head_dim)`` or ``"bshd"``
            for ``(batch, seq, heads, head_dim)``.

    The cache. ``cos_cached`` and ``sin_cached`` (non-persistent buffers of shape
    ``(cache_length, rotary_dim // 2)``) hold :math:`\cos m\theta_i` and :math:`\sin m\theta_i`
    in float64. On first use with a dtype and device, the module keeps a copy of the tables in
    that dtype (and, for the interleaved pairing in float32/float64, as complex numbers), so a
    forward pass only slices a table that is already in the right dtype: there is no
    ``cat((freqs, freqs))`` table of full head size and nothing to cast per call.

    The cache never grows past ``cache_limit = max(max_positions, CACHE_LIMIT)`` positions
    (32768 by default: 32 MiB of float64 for ``rotary_dim = 128``). A call whose positions go
    beyond it computes the rows of exactly its own positions from float64 angles, as
    :func:`ropeviz.apply_rope` does, so position :math:`10^9` costs what position 10 costs.
    Positions are integers from 0 to :data:`MAX_POSITION` (:math:`2^{53}`).

    Why the angles are never computed in the data's dtype. The angle is :math:`m\theta_i`, a
    number that grows with the position. A floating-point format stores it with a *relative*
    precision (8 significant bits for bfloat16, 11 for float16, 24 for float32), so the
    *absolute* error of the angle grows with :math:`m`: in bfloat16 an angle near 1000 radians is
    stored only to within 2 radians (no rotation by the intended angle at all), and in float32 an
    angle near :math:`10^6` radians only to within 0.03. float16 cannot even hold a position
    above 65504. So the cache is built from float64 angles (:func:`ropeviz.rope_angles`), and only
    the finished cosines and sines are rounded to the data's dtype, which bounds their error by
    that dtype's resolution near 1, whatever the position. (Chapter 6 measures this.)

    Arithmetic. The rotation runs in the dtype of the input (as in Hugging Face's
    ``apply_rotary_pos_emb``), and the output has the input's dtype, device and shape.

    Speed. RoPE is elementwise work on tensors far larger than the CPU's caches, so its cost is
    memory traffic: at best, read ``q`` and ``k`` once and write the results once, the same
    traffic as copying them. Three paths:

    * interleaved pairs in float32/float64: one complex multiplication
      (``view_as_complex(x) * cis``), a single pass that is also differentiable;
    * otherwise, when no gradient is needed: copy the input, then rotate the copy in place with
      ``mul_`` and ``addcmul_`` (with ``inplace=True`` the copy is skipped). When torch runs on
      one thread this goes a chunk of the sequence at a time, so that the chunk's temporary
      stays in cache; with several threads it works on the whole tensor at once, because
      hundreds of small parallel operations stall badly on a busy machine;
    * otherwise (autograd needs the graph): the textbook formula
      :math:`(a\cos - b\sin,\ a\sin + b\cos)`, concatenated.

    Example::

        rope = RotaryEmbedding(128, pairing="half")
        q_rot, k_rot = rope(q, k)                     # positions 0 .. seq - 1
        q_new, k_new = rope(q_step, k_step, offset=t)  # one decoding step at position t
    """

    cos_cached: torch.Tensor
    sin_cached: torch.Tensor

    def __init__(
        self,
        head_dim: int,
        base: float = 10_000.0,
        *,
        pairing: str = "half",
        max_positions: int = 4096,
        rotary_dim: int | None = None,
        layout: str = "bhsd",
    ) -> None:
        super().__init__()
        self.head_dim = check_head_dim(head_dim)
        self.base = check_base(base)
        self.pairing = check_pairing(pairing)
        self.max_positions = check_positive_int(max_positions, "max_positions")
        if rotary_dim is None:
            rotary_dim = self.head_dim
        self.rotary_dim = check_head_dim(rotary_dim, name="rotary_dim")
        if self.rotary_dim > self.head_dim:
            raise ValueError(
                f"rotary_dim must be at most head_dim = {self.head_dim}, got {self.rotary_dim}"
            )
        self.layout = _check_layout(layout)
        self.cache_limit = max(self.max_positions, CACHE_LIMIT)
        self.register_buffer("cos_cached", torch.empty(0, self.rotary_dim // 2), persistent=False)
        self.register_buffer("sin_cached", torch.empty(0, self.rotary_dim // 2), persistent=False)
        self._tables: dict[tuple[str, torch.dtype, torch.device], torch.Tensor] = {}
        self._build_cache(self.max_positions, torch.device("cpu"))

    # ---------------------------------------------------------------------------------------
    # The cache
    # ---------------------------------------------------------------------------------------

    @property
    def cache_length(self) -> int:
        """How many positions (0 .. cache_length - 1) the cos/sin cache currently holds."""
        return int(self.cos_cached.shape[0])

    def _build_cache(self, length: int, device: torch.device) -> None:
        """Fill the float64 cache for positions ``0 .. length - 1`` (angles in float64)."""
        angles = rope_angles(np.arange(length), self.rotary_dim, self.base)  # (length, r/2)
        self.cos_cached = torch.from_numpy(np.cos(angles)).to(device)
        self.sin_cached = torch.from_numpy(np.sin(angles)).to(device)
        self._tables.clear()

    def _ensure_cache(self, needed: int) -> bool:
        """Grow the cache to hold positions ``0 .. needed - 1``.

        Returns ``False`` (and leaves the cache alone) when that would pass ``cache_limit``.
        """
        if needed > self.cache_limit:
            return False
        if needed > self.cache_length:
            length = min(max(needed, 2 * self.cache_length), self.cache_limit)
            self._build_cache(length, self.cos_cached.device)
        return True

    def _apply(self, fn, recurse=True):  # noqa: ANN001 - torch's signature
        # .to(), .cuda(), .half(), ... would cast the float64 cache: keep it float64 and exact.
        super()._apply(fn, recurse)
        device = self.cos_cached.device
        if self.cos_cached.dtype != torch.float64:
            self._build_cache(self.cache_length, device)
        self._tables.clear()
        return self

    def _table(self, kind: str, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        """``"cos"``/``"sin"`` in ``dtype`` or ``"cis"`` (complex), kept per dtype and device."""
        key = (kind, dtype, device)
        table = self._tables.get(key)
        if table is None:
            table = _convert(self.cos_cached, self.sin_cached, kind, dtype, device)
            self._tables[key] = table
        return table

    # ---------------------------------------------------------------------------------------
    # Checks
    # ---------------------------------------------------------------------------------------

    def _check_x(self, x: Any, name: str) -> torch.Tensor:
        axes = {"bhsd": "(batch, heads, seq, head_dim)", "bshd": "(batch, seq, heads, head_dim)"}
        axes = axes[self.layout]
        if not is_torch(x):
            raise ValueError(
                f"{name} must be a torch.Tensor of shape {axes}, got {type(x).__name__}"
            )
        if not x.dtype.is_floating_point:
            raise ValueError(f"{name} must hold floating-point numbers, got dtype {x.dtype}")
        if x.ndim != 4:
            raise ValueError(
                f"{name} must have 4 axes {axes} (layout={self.layout!r}), "
                f"got shape {tuple(x.shape)}"
            )
        if x.shape[-1] != self.head_dim:
            raise ValueError(
                f"{name}.shape[-1] must equal head_dim = {self.head_dim}, got {x.shape[-1]}"
            )
        return x

    def _seq_axis(self) -> int:
        return 2 if self.layout == "bhsd" else 1

    def _index(self, x: torch.Tensor, positions: Any, offset: Any) -> tuple[Any, int]:
        """What rows to rotate with: from the cache, or computed for positions beyond it.

        Returns ``(index, batch)``: ``index`` is a ``slice`` of the cache
        (``offset .. offset+seq``), a long tensor of shape ``(batch, seq)`` into the cache, or
        :class:`_Rows` computed for positions the cache does not reach; ``batch`` is 1 unless
        the positions differ per sequence.
        """
        offset = _check_offset(offset)
        seq = x.shape[self._seq_axis()]
        if positions is None:
            if offset + max(seq - 1, 0) > MAX_POSITION:
                raise ValueError(
                    f"offset + seq - 1 must be at most MAX_POSITION = 2**53 (float64 holds every "
                    f"integer only up to there), got offset {offset} and seq {seq}"
                )
            if self._ensure_cache(offset + seq):
                return slice(offset, offset + seq), 1
            pos = offset + np.arange(seq, dtype=np.int64)[None]
            return _Rows(pos, self.rotary_dim, self.base, self.cos_cached.device), 1
        if offset != 0:
            raise ValueError(
                "offset must be 0 when positions are given (add the offset to the positions)"
            )
        pos = check_real_finite(as_numpy(positions, "positions"), "positions")
        if not np.issubdtype(pos.dtype, np.integer):
            if not np.all(pos == np.round(pos)):
                raise ValueError(
                    "positions must be integers (the cache is indexed by position); for "
                    "fractional positions use ropeviz.apply_rope"
                )
        if pos.size and pos.min() < 0:
            raise ValueError(f"positions must be non-negative, got {int(pos.min())}")
        if pos.size and pos.max() > MAX_POSITION:
            raise ValueError(
                "positions must be at most MAX_POSITION = 2**53 (float64, in which the angles "
                f"are computed, holds every integer only up to there), got {pos.max()}"
            )
        batch = x.shape[0]
        if pos.ndim == 1:
            pos = pos[None]
        if pos.ndim != 2 or pos.shape[1] != seq or pos.shape[0] not in (1, batch):
            raise ValueError(
                f"positions must have shape (seq,) = ({seq},) or (batch, seq) = ({batch}, {seq}), "
                f"got shape {np.shape(positions)}"
            )
        pos = pos.astype(np.int64)
        if self._ensure_cache(int(pos.max()) + 1 if pos.size else 0):
            return torch.from_numpy(pos).to(self.cos_cached.device), pos.shape[0]
        return _Rows(pos, self.rotary_dim, self.base, self.cos_cached.device), pos.shape[0]

    def _lookup(self, kind: str, x: torch.Tensor, index: Any, batch: int) -> torch.Tensor:
        """The table rows for ``index``, shaped to broadcast against ``x[..., :rotary_dim/2]``."""
        dtype = _COMPLEX_OF[x.dtype] if kind == "cis" else x.dtype
        if isinstance(index, _Rows):
            rows = index.table(kind, dtype, x.device)  # (batch, seq, r/2)
        elif isinstance(index, slice):
            rows = self._table(kind, dtype, x.device)[index][None]  # (1, seq, r/2), a view
        else:
            rows = self._table(kind, dtype, x.device)[index.to(x.device)]  # (batch, seq, r/2)
        # bhsd: (batch, 1, seq, r/2); bshd: (batch, seq, 1, r/2)
        return rows[:, None] if self.layout == "bhsd" else rows[:, :, None]

    # ---------------------------------------------------------------------------------------
    # Rotation
    # ---------------------------------------------------------------------------------------

    def _complex_ok(self, x: torch.Tensor) -> bool:
        return self.pairing == "interleaved" and x.dtype in _COMPLEX_OF

    def _rotate_inplace(self, x: torch.Tensor, index: Any, batch: int) -> None:
        """Rotate the first ``rotary_dim`` features of ``x`` in place."""
        if x.numel() == 0:
            return  # nothing to rotate (seq, batch or heads of 0)
        r = self.rotary_dim
        xr = x[..., :r]
        if self._complex_ok(x):
            try:
                z = torch.view_as_complex(xr.unflatten(-1, (r // 2, 2)))
            except RuntimeError:  # strides a complex view cannot express: use real arithmetic
                pass
            else:
                z.mul_(self._lookup("cis", x, index, batch))
                return
        cos = self._lookup("cos", x, index, batch)
        sin = self._lookup("sin", x, index, batch)
        first, second = pair_slices(r, self.pairing)
        axis = self._seq_axis()
        seq = x.shape[axis]
        step = seq
        if torch.get_num_threads() == 1:
            # Chunks keep a_old in cache. With several threads every operation on a chunk is
            # a parallel region that ends when its slowest thread does: on a busy machine one
            # descheduled thread stalls hundreds of them (measured: seconds, not milliseconds),
            # so multi-threaded runs rotate the whole tensor in five operations instead.
            per_position = max(1, xr.numel() // max(seq, 1)) * x.element_size()
            step = max(1, _CHUNK_BYTES // per_position)
        for start in range(0, seq, step):
            chunk = xr.narrow(axis, start, min(step, seq - start))
            c = cos.narrow(axis, start, chunk.shape[axis])
            s = sin.narrow(axis, start, chunk.shape[axis])
            a, b = chunk[..., first], chunk[..., second]
            a_old = a.clone()
            a.mul_(c).addcmul_(b, s, value=-1.0)  # a cos - b sin
            b.mul_(c).addcmul_(a_old, s)  # b cos + a sin

    def _rotate_differentiable(self, x: torch.Tensor, index: Any, batch: int) -> torch.Tensor:
        r = self.rotary_dim
        xr = x[..., :r]
        if self._complex_ok(x):
            try:
                z = torch.view_as_complex(xr.unflatten(-1, (r // 2, 2)))
            except RuntimeError:  # strides a complex view cannot express
                z = torch.view_as_complex(xr.contiguous().unflatten(-1, (r // 2, 2)))
            rotated = torch.view_as_real(z * self._lookup("cis", x, index, batch)).flatten(-2)
        else:
            cos = self._lookup("cos", x, index, batch)
            sin = self._lookup("sin", x, index, batch)
            first, second = pair_slices(r, self.pairing)
            a, b = xr[..., first], xr[..., second]
            new_a, new_b = a * cos - b * sin, a * sin + b * cos
            if self.pairing == "interleaved":
                rotated = torch.stack((new_a, new_b), dim=-1).flatten(-2)
            else:
                rotated = torch.cat((new_a, new_b), dim=-1)
        if r == self.head_dim:
            return rotated
        return torch.cat((rotated, x[..., r:]), dim=-1)

    def _rotate(self, x: torch.Tensor, index: Any, batch: int, inplace: bool) -> torch.Tensor:
        if inplace:
            self._rotate_inplace(x, index, batch)
            return x
        needs_graph = torch.is_grad_enabled() and x.requires_grad
        if needs_graph or (self._complex_ok(x) and self.rotary_dim == self.head_dim):
            # autograd needs the graph, or one complex multiplication does it all in one pass
            return self._rotate_differentiable(x, index, batch)
        out = x.clone()
        self._rotate_inplace(out, index, batch)
        return out

    def rotate(
        self, x: torch.Tensor, positions: Any = None, offset: int = 0, *, inplace: bool = False
    ) -> torch.Tensor:
        """Rotate one tensor (queries or keys); the arguments are those of :meth:`forward`.

        Returns:
            ``x`` rotated, same shape, dtype and device (``x`` itself when ``inplace``).
        """
        x = self._check_x(x, "x")
        if not isinstance(inplace, bool):
            raise ValueError(f"inplace must be True or False, got {inplace!r}")
        if inplace:
            _check_writable(x, "x")
        index, batch = self._index(x, positions, offset)
        return self._rotate(x, index, batch, inplace)

    def forward(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        positions: Any = None,
        offset: int = 0,
        *,
        inplace: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Rotate queries and keys by their positions.

        Args:
            q: queries, ``(batch, heads, seq, head_dim)`` for layout ``"bhsd"`` or
                ``(batch, seq, heads, head_dim)`` for ``"bshd"``; a floating-point tensor.
            k: keys, same layout, batch and sequence length as ``q`` (the number of heads may
                differ, as in grouped-query attention).
            positions: ``None`` for ``offset, offset + 1, ..., offset + seq - 1``; otherwise
                non-negative integer positions of shape ``(seq,)`` or ``(batch, seq)`` (one row
                per sequence, for packed or padded batches).
            offset: where the positions start when ``positions`` is ``None``: the number of
                tokens already in the KV cache when decoding. Must be 0 if ``positions`` is given.
            inplace: overwrite ``q`` and ``k`` with the result instead of allocating new
                tensors (faster; not for tensors autograd still needs). ``q`` and ``k`` must
                then not share memory: a view of one buffer passed as both (``view_as``,
                a transpose, overlapping slices, ``as_strided``) would be rotated twice, so it
                is refused. Disjoint parts of one buffer, such as the q and k slices of a fused
                QKV projection, are fine.

        Returns:
            ``(q_rotated, k_rotated)``, each with its input's shape, dtype and device.

        Raises:
            ValueError: a tensor has the wrong type, number of axes, dtype or last axis; ``q``
                and ``k`` disagree in batch or sequence length; ``offset`` or ``positions`` is
                not valid (negative, fractional, above :data:`MAX_POSITION`); ``inplace`` with
                ``q`` and ``k`` sharing memory, or with a tensor whose elements share memory.
        """
        q = self._check_x(q, "q")
        k = self._check_x(k, "k")
        axis = self._seq_axis()
        if k.shape[0] != q.shape[0] or k.shape[axis] != q.shape[axis]:
            raise ValueError(
                f"k must have the batch size and sequence length of q (layout={self.layout!r}): "
                f"q has shape {tuple(q.shape)}, k has shape {tuple(k.shape)}"
            )
        if not isinstance(inplace, bool):
            raise ValueError(f"inplace must be True or False, got {inplace!r}")
        if inplace:
            _check_writable(q, "q")
            _check_writable(k, "k")
            if _share_memory(q, k):
                raise ValueError(
                    "inplace=True needs q and k in separate memory, but they overlap "
                    + ("(q is k)" if q is k else "(views of one buffer that overlap)")
                    + ", so the shared elements would be rotated twice; pass inplace=False "
                    "or a copy (k.clone())"
                )
        index, batch = self._index(q, positions, offset)
        return self._rotate(q, index, batch, inplace), self._rotate(k, index, batch, inplace)

    def extra_repr(self) -> str:
        return (
            f"head_dim={self.head_dim}, base={self.base:g}, pairing={self.pairing!r}, "
            f"rotary_dim={self.rotary_dim}, layout={self.layout!r}, "
            f"cache_length={self.cache_length}"
        )


def apply_rope_complex(x: Any, positions: Any = None, base: float = 10_000.0) -> Any:
    r"""RoPE with complex numbers, interleaved pairs: an oracle independent of :mod:`ropeviz.rope`.

    Pair :math:`i` of a token, :math:`(x_{2i}, x_{2i+1})`, is read as
    :math:`z_i = x_{2i} + \mathrm{i}\,x_{2i+1}` and multiplied by :math:`e^{\mathrm{i} m \theta_i}`
    (``torch.polar``), the form Meta's Llama code uses. Everything is computed in float64 /
    complex128 and rounded to ``x``'s dtype at the end, so this is the most accurate RoPE in the
    package, and it shares no arithmetic with :func:`ropeviz.apply_rope`.

    Args:
        x: queries or keys, shape ``(..., seq, head_dim)``; a torch tensor or a NumPy array.
        positions: ``None`` for ``0 .. seq - 1``, or positions broadcastable to
            ``x.shape[:-1]``, exactly as in :func:`ropeviz.apply_rope`.
        base: frequency base, :math:`\theta_i = \text{base}^{-2i/d}`.

    Returns:
        ``apply_rope(x, positions, base=base, pairing="interleaved")`` up to rounding: same
        shape and type as ``x``, ``x``'s floating dtype (integers give float64 / torch's default).

    Raises:
        ValueError: as :func:`ropeviz.apply_rope` for ``x``, ``positions`` and ``base``.
    """
    torch_input = is_torch(x)
    x = check_real_array(x, "x")
    shape = tuple(x.shape)
    if len(shape) < 2:
        raise ValueError(f"x must have shape (..., seq, head_dim), got shape {shape}")
    head_dim = check_head_dim(shape[-1], name="head_dim (x.shape[-1])")
    base = check_base(base)
    if torch_input:
        dtype = x.dtype if x.is_floating_point() else torch.get_default_dtype()
        values = x.to(torch.float64)
    else:
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        values = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    device = values.device
    pos = torch.from_numpy(np.ascontiguousarray(_positions_for(shape, positions))).to(device)
    freqs = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64, device=device) / head_dim)
    angles = pos[..., None] * freqs  # broadcasts to x.shape[:-1] + (head_dim/2,)
    cis = torch.polar(torch.ones_like(angles), angles)
    z = torch.view_as_complex(values.reshape(*shape[:-1], head_dim // 2, 2).contiguous())
    rotated = torch.view_as_real(z * cis).reshape(shape)
    if torch_input:
        return rotated.to(dtype)
    return rotated.numpy().astype(dtype, copy=False)
