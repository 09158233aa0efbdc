r"""Frequency usage of a real pretrained model, through Hugging Face ``transformers``.

The same measurement as chapter 7's tiny models (Barbero et al. 2025, §4): the mean 2-norm of
every rotating pair of the queries and keys, per layer and head, taken *before* the rotation.
It works on Llama-style decoders (Llama, Mistral, Qwen2, Gemma, ...: any model whose attention
modules have ``q_proj`` and ``k_proj``), given a model name (downloads, e.g. in Colab, where
you have accepted the model's licence) or a local folder (offline).

What it takes care of:

* ``head_dim`` is read from the config (it need not be ``hidden_size // num_heads``);
* grouped-query attention: keys have ``num_key_value_heads`` heads, queries
  ``num_attention_heads``;
* Hugging Face's *half* pairing (``rotate_half``): pair ``i`` is dimensions ``(i, i + d/2)``,
  and its frequency is ``inv_freq[i]`` of the model's own rotary module (so scaled schedules,
  Llama 3's for instance, are reported as the model uses them), per layer where layer types
  have their own base (Gemma 3's local and global layers);
* models that normalise queries and keys per head after the projection (``q_norm``/``k_norm``,
  e.g. Qwen3, Gemma 3) are hooked after the norm, which is what gets rotated;
* partial rotary embeddings (``len(inv_freq) < head_dim // 2``): only the rotated dimensions
  are measured.

Example (in Colab, with access to the weights)::

    from ropeviz.pretrained import load_causal_lm, frequency_usage
    model, tokenizer = load_causal_lm("meta-llama/Llama-3.2-1B")
    ids = tokenizer(["To be, or not to be, that is the question."], return_tensors="pt")
    usage = frequency_usage(model, ids["input_ids"])
    usage["q"].shape          # (layers, heads, rotated_dim // 2)
    usage["inv_freq"]         # (layers, rotated_dim // 2) every pair's frequency, fastest first

``transformers`` is imported only when these functions run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .analysis import pair_norms

__all__ = ["load_causal_lm", "attention_modules", "capture_queries_keys", "frequency_usage"]


def load_causal_lm(
    name_or_path: str | Path, *, dtype: torch.dtype = torch.float32, device: str = "cpu"
) -> tuple[torch.nn.Module, Any]:
    """Load a causal language model (and its tokenizer, if it has one) for analysis.

    Args:
        name_or_path: a Hugging Face model id (needs the network and, for gated models, a
            token) or a local folder written by ``save_pretrained``.
        dtype: parameter dtype (float32 by default: norms are then computed at full
            precision; ``torch.bfloat16`` halves the memory of large models).
        device: where to put the model.

    Returns:
        ``(model, tokenizer)``; ``tokenizer`` is ``None`` when the folder has none. The model is
        in eval mode.
    """
    if not isinstance(name_or_path, (str, Path)) or not str(name_or_path):
        raise ValueError(f"name_or_path must be a model id or a folder, got {name_or_path!r}")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(name_or_path), dtype=dtype).to(device).eval()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    except (OSError, ValueError, TypeError, KeyError):  # a folder with weights only
        tokenizer = None
    return model, tokenizer


def attention_modules(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The attention modules of ``model`` (those with ``q_proj`` and ``k_proj``), in layer order."""
    found = [m for m in model.modules() if hasattr(m, "q_proj") and hasattr(m, "k_proj")]
    if not found:
        raise ValueError(
            "model must be a Llama-style decoder whose attention modules have q_proj and "
            f"k_proj, found none in {type(model).__name__}"
        )
    return found


def _head_dim(model: torch.nn.Module, attention: torch.nn.Module) -> int:
    config = getattr(model, "config", None)
    text_config = getattr(config, "text_config", None) or config
    head_dim = getattr(attention, "head_dim", None) or getattr(text_config, "head_dim", None)
    if not head_dim:
        head_dim = text_config.hidden_size // text_config.num_attention_heads
    return int(head_dim)


def _layer_inv_freqs(model: torch.nn.Module, layers: int) -> np.ndarray:
    """The frequencies each attention layer rotates with: ``(layers, pairs)`` float64.

    A model with one schedule has one ``inv_freq`` buffer; a model with a base per layer type
    (Gemma 3: local sliding-window layers at base 10 000, global layers at 1 000 000) keeps one
    ``{layer_type}_inv_freq`` buffer per type and names every layer's type in
    ``config.layer_types``. Taking the first buffer found would give half of such a model the
    wrong frequencies.
    """
    buffers: dict[str, np.ndarray] = {}
    for module in model.modules():
        for name, buffer in module.named_buffers(recurse=False):
            if name == "inv_freq" or (name.endswith("_inv_freq") and "original" not in name):
                buffers.setdefault(name, buffer.detach().double().cpu().numpy())
    if not buffers:
        raise ValueError(
            "model must have a rotary embedding (an inv_freq buffer); "
            f"{type(model).__name__} has none"
        )
    if "inv_freq" in buffers:
        return np.tile(buffers["inv_freq"], (layers, 1))
    config = getattr(model, "config", None)
    text_config = getattr(config, "text_config", None) or config
    types = list(getattr(text_config, "layer_types", None) or [])
    if len(types) != layers or any(f"{t}_inv_freq" not in buffers for t in types):
        raise ValueError(
            f"model has rotary buffers {sorted(buffers)} but config.layer_types {types} does "
            f"not name one for each of its {layers} layers"
        )
    rows = [buffers[f"{t}_inv_freq"] for t in types]
    if len({row.size for row in rows}) != 1:
        raise ValueError("layer types rotate different numbers of pairs; measure them apart")
    return np.stack(rows)


def capture_queries_keys(
    model: torch.nn.Module, input_ids: Any, attention_mask: Any = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Run ``model`` once and return every layer's queries and keys before the rotation.

    Hooks the output of each attention module's ``q_proj``/``k_proj`` (or ``q_norm``/``k_norm``
    when the module has them).

    Args:
        model: a Llama-style ``transformers`` causal LM.
        input_ids: ``(batch, seq)`` token ids.
        attention_mask: optional ``(batch, seq)`` mask passed to the model.

    Returns:
        One ``(q, k)`` per layer: ``q`` of shape ``(batch, num_attention_heads, seq, head_dim)``,
        ``k`` of shape ``(batch, num_key_value_heads, seq, head_dim)``, float32 on the CPU.
    """
    ids = torch.as_tensor(input_ids)
    if ids.ndim != 2 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise ValueError(
            "input_ids must be integer ids of shape (batch, seq), "
            f"got shape {tuple(ids.shape)} and dtype {ids.dtype}"
        )
    modules = attention_modules(model)
    captured: dict[int, dict[str, torch.Tensor]] = {}
    handles = []

    def keep(layer: int, name: str, head_dim: int):
        def hook(_module, _inputs, output):
            batch, seq = output.shape[0], output.shape[1]
            per_head = output.detach().float().reshape(batch, seq, -1, head_dim)
            captured.setdefault(layer, {})[name] = per_head.transpose(1, 2).cpu()

        return hook

    try:
        for layer, attention in enumerate(modules):
            head_dim = _head_dim(model, attention)
            for name in ("q", "k"):
                target = getattr(attention, f"{name}_norm", None)
                if target is None:
                    target = getattr(attention, f"{name}_proj")
                handles.append(target.register_forward_hook(keep(layer, name, head_dim)))
        device = next(model.parameters()).device
        with torch.no_grad():
            kwargs = {}
            if attention_mask is not None:
                kwargs["attention_mask"] = torch.as_tensor(attention_mask).to(device)
            model(input_ids=ids.to(device), use_cache=False, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return [(captured[i]["q"], captured[i]["k"]) for i in range(len(modules))]


def frequency_usage(
    model: torch.nn.Module, input_ids: Any, attention_mask: Any = None
) -> dict[str, Any]:
    r"""Mean 2-norm of every rotating pair of q and k, per layer and head (half pairing).

    Args:
        model: a Llama-style ``transformers`` causal LM (see :func:`load_causal_lm`).
        input_ids: ``(batch, seq)`` token ids (for example a few text snippets).
        attention_mask: optional ``(batch, seq)``, 1 for real tokens; padded positions are
            left out of the means.

    Returns:
        A dict with

        * ``"q"``: ``(layers, num_attention_heads, rotated_dim // 2)`` mean query pair norms;
        * ``"k"``: ``(layers, num_key_value_heads, rotated_dim // 2)`` mean key pair norms;
        * ``"inv_freq"``: ``(layers, rotated_dim // 2)`` frequency of every pair in every
          layer (rad/token), from the model's own rotary buffers: layers of different types
          can rotate with different bases (Gemma 3);
        * ``"head_dim"``, ``"rotated_dim"``, ``"num_attention_heads"``,
          ``"num_key_value_heads"``.
    """
    layers = capture_queries_keys(model, input_ids, attention_mask)
    inv_freq = _layer_inv_freqs(model, len(layers))
    head_dim = layers[0][0].shape[-1]
    rotated = 2 * inv_freq.shape[1]
    if rotated > head_dim:
        raise ValueError(f"model has {inv_freq.shape[1]} frequencies for head_dim {head_dim}")
    weights = None
    if attention_mask is not None:
        weights = torch.as_tensor(attention_mask).double().numpy()  # (batch, seq)

    def mean_norms(x: torch.Tensor) -> np.ndarray:
        norms = pair_norms(x[..., :rotated], "half")  # (batch, heads, seq, rotated // 2)
        if weights is None:
            return norms.mean(axis=(0, 2))
        w = weights[:, None, :, None]
        return (norms * w).sum(axis=(0, 2)) / w.sum(axis=(0, 2))

    return {
        "q": np.stack([mean_norms(q) for q, _ in layers]),
        "k": np.stack([mean_norms(k) for _, k in layers]),
        "inv_freq": inv_freq,
        "head_dim": head_dim,
        "rotated_dim": rotated,
        "num_attention_heads": layers[0][0].shape[1],
        "num_key_value_heads": layers[0][1].shape[1],
    }
