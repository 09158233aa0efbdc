"""The explorer contract, implemented once for every explorer.

An explorer is one object that is, at the same time:

* **live** in Jupyter and Colab: ipywidgets sliders driving a matplotlib figure. The figure is
  never rebuilt: a slider changes the data of a few *dynamic* artists, which are re-drawn over a
  cached background (blitting) and sent to an ``ipywidgets.Image`` as PNG bytes;
* **static** in the HTML book: a ``text/html`` twin (SVG drawn by a small inline script) whose
  range inputs redraw the same picture with no kernel and no request to any other host;
* **programmable**: ``explorer.update(position=5, pair=3)`` does exactly what moving the sliders
  does, and ``explorer.figure`` is the matplotlib figure.

Both views ship in one mimebundle: Jupyter front-ends pick the widget view, the book (with
``nb_mime_priority_overrides`` preferring ``text/html``) picks the twin. The twin's HTML is a pure
function of the explorer's state and an instance number, so re-running a notebook reproduces it
byte for byte (nbval compares it).
"""

from __future__ import annotations

import html
import io
import itertools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

__all__ = ["Control", "Explorer", "widget_view_bundle"]

_instance_numbers = itertools.count(1)


@dataclass(frozen=True)
class Control:
    """One slider: either an integer range ``minimum..maximum`` or a list of ``options``.

    ``maximum`` may be overridden per state by :meth:`Explorer._limits` (e.g. the number of
    pairs depends on the head dimension).
    """

    name: str
    label: str
    minimum: int = 0
    maximum: int = 0
    options: tuple[Any, ...] | None = None

    def allowed(self, value: Any, maximum: int | None = None) -> bool:
        if self.options is not None:
            return any(value == option for option in self.options)
        top = self.maximum if maximum is None else maximum
        return (
            isinstance(value, (int, np.integer))
            and not isinstance(value, bool)
            and self.minimum <= value <= top
        )

    def describe(self, maximum: int | None = None) -> str:
        if self.options is not None:
            return f"one of {list(self.options)}"
        return f"an integer in [{self.minimum}, {self.maximum if maximum is None else maximum}]"


class Explorer:
    """Base class: subclasses define controls, draw their figure, and say how state moves artists.

    Subclasses implement:

    * ``controls``: the sliders, in display order;
    * ``_build()``: create the axes and all artists, registering moving ones with
      :meth:`_dynamic`;
    * ``_apply(changed)``: move the artists to the current ``state``; return ``True`` when the
      static background changed too (then the whole figure is re-drawn once);
    * ``_twin_data()``: the JSON-able data the static twin's script needs;
    * ``_twin_script``: the file name of that script in ``ropeviz/explorers/js``;
    * ``alt_text``: one sentence describing the figure for screen readers.
    """

    kind: ClassVar[str] = "explorer"
    title: ClassVar[str] = "Explorer"
    controls: ClassVar[tuple[Control, ...]] = ()
    _twin_script: ClassVar[str] = ""
    figsize: ClassVar[tuple[float, float]] = (9.0, 4.2)
    dpi: ClassVar[int] = 90

    def __init__(self, state: dict[str, Any]):
        self.state: dict[str, Any] = {}
        self._number = next(_instance_numbers)
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="none")
        FigureCanvasAgg(self.figure)
        self._moving: list[Artist] = []
        self._background = None
        self._widget = None
        self._sliders: dict[str, Any] = {}
        self._png_view = None
        self._readout = None
        self._syncing = False
        self.state = dict(state)
        self._check_all()
        self._build()
        self._apply(set(self.state))
        self._draw(full=True)

    # -- what subclasses provide -------------------------------------------------------------
    def _build(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, changed: set[str]) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _twin_data(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _limits(self) -> dict[str, int]:
        """Per-state maxima of integer controls (default: the controls' own)."""
        return {}

    def readout(self) -> str:
        """The numbers behind the picture for the current state, as plain text lines.

        Shown beside the figure (not drawn into it: rendering text in the figure would cost
        most of an update's time budget).
        """
        return ""

    @property
    def alt_text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- state -------------------------------------------------------------------------------
    def _control(self, name: str) -> Control:
        for control in self.controls:
            if control.name == name:
                return control
        names = [control.name for control in self.controls]
        raise ValueError(f"unknown control {name!r}; this explorer has {names}")

    def _check_all(self) -> None:
        limits = self._limits()
        for control in self.controls:
            value = self.state[control.name]
            if not control.allowed(value, limits.get(control.name)):
                raise ValueError(
                    f"{control.name} must be {control.describe(limits.get(control.name))}, "
                    f"got {value!r}"
                )

    def update(self, **values: Any) -> None:
        """Set controls by name, exactly as moving the sliders would, and redraw.

        Raises:
            ValueError: an unknown control name, or a value outside the control's range.
        """
        for name in values:
            self._control(name)
        previous = dict(self.state)
        self.state.update(values)
        self._constrain()
        try:
            self._check_all()
        except ValueError:
            self.state = previous
            raise
        changed = {name for name in self.state if self.state[name] != previous[name]}
        if not changed:
            return
        full = self._apply(changed)
        self._draw(full=bool(full))
        self._sync_sliders()

    def _constrain(self) -> None:
        """Adjust dependent values after a change (e.g. clamp ``pair`` to the new head dim)."""

    # -- drawing -----------------------------------------------------------------------------
    def _dynamic(self, artist: Artist) -> Artist:
        """Register an artist that moves with the sliders; it is blitted, never baked in."""
        self._moving.append(artist)
        return artist

    def _draw(self, full: bool) -> None:
        canvas = self.figure.canvas
        if full or self._background is None:
            for artist in self._moving:
                artist.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            for artist in self._moving:
                artist.set_visible(True)
        else:
            canvas.restore_region(self._background)
        for artist in self._moving:
            artist.axes.draw_artist(artist) if artist.axes else self.figure.draw_artist(artist)
        if self._png_view is not None:
            self._png_view.value = self.png()
            self._readout.value = self._readout_html()

    def _readout_html(self) -> str:
        return f'<pre style="margin:0;font-size:12px;line-height:1.35">{html.escape(self.readout())}</pre>'

    def png(self) -> bytes:
        """The figure as it is now, PNG-encoded (fast, low compression: it is sent, not stored)."""
        pixels = np.asarray(self.figure.canvas.buffer_rgba())[..., :3]
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    # -- the live view -----------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets view: the sliders above the figure (built on first use)."""
        if self._widget is None:
            import ipywidgets as widgets

            limits = self._limits()
            rows = []
            for control in self.controls:
                style = {"description_width": "7em"}
                layout = widgets.Layout(width="420px")
                if control.options is not None:
                    slider = widgets.SelectionSlider(
                        options=[(self._format_option(control, o), o) for o in control.options],
                        value=self.state[control.name], description=control.label,
                        continuous_update=True, style=style, layout=layout,
                    )
                else:
                    slider = widgets.IntSlider(
                        min=control.minimum, max=limits.get(control.name, control.maximum),
                        value=self.state[control.name], description=control.label,
                        continuous_update=True, style=style, layout=layout,
                    )
                slider.observe(self._on_slider, names="value")
                self._sliders[control.name] = slider
                rows.append(slider)
            self._png_view = widgets.Image(value=self.png(), format="png",
                                        layout=widgets.Layout(max_width="100%"))
            self._readout = widgets.HTML(self._readout_html())
            self._widget = widgets.VBox([*rows, self._readout, self._png_view])
        return self._widget

    @staticmethod
    def _format_option(control: Control, option: Any) -> str:
        return f"{option:g}" if isinstance(option, float) else str(option)

    def _on_slider(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        name = next(n for n, s in self._sliders.items() if s is change["owner"])
        self.update(**{name: change["new"]})

    def _sync_sliders(self) -> None:
        if not self._sliders:
            return
        self._syncing = True
        try:
            limits = self._limits()
            for name, slider in self._sliders.items():
                if name in limits:
                    slider.max = limits[name]
                if slider.value != self.state[name]:
                    slider.value = self.state[name]
        finally:
            self._syncing = False

    # -- the static twin ---------------------------------------------------------------------
    @property
    def element_id(self) -> str:
        """The twin's HTML id: deterministic (kind and instance number), unique on a page."""
        return f"ropeviz-{self.kind}-{self._number}"

    def static_html(self) -> str:
        """The kernel-free twin: controls, an SVG canvas, and an inline script that draws it."""
        limits = self._limits()
        controls = []
        for control in self.controls:
            if control.options is not None:
                index = list(control.options).index(self.state[control.name])
                low, high, value = 0, len(control.options) - 1, index
            else:
                low = control.minimum
                high = limits.get(control.name, control.maximum)
                value = self.state[control.name]
            controls.append(
                f'<label class="ropeviz-control">{html.escape(control.label)}'
                f'<input type="range" name="{control.name}" min="{low}" max="{high}" '
                f'value="{value}" step="1"><output></output></label>'
            )
        config = {
            "controls": [
                {"name": c.name, "options": list(c.options) if c.options is not None else None}
                for c in self.controls
            ],
            "state": self.state,
            "data": self._twin_data(),
        }
        script = _read_js("runtime.js") + "\n" + _read_js(self._twin_script)
        payload = json.dumps(config, separators=(",", ":"), sort_keys=True, default=_json_default)
        alt = html.escape(self.alt_text)
        return (
            f'<div class="ropeviz-explorer" id="{self.element_id}" data-kind="{self.kind}">'
            f"<style>{_read_js('explorer.css')}</style>"
            f'<div class="ropeviz-controls">{"".join(controls)}</div>'
            f'<pre class="ropeviz-readout">{html.escape(self.readout())}</pre>'
            f'<svg class="ropeviz-canvas" viewBox="0 0 900 420" role="img" '
            f'aria-label="{alt}"><title>{html.escape(self.title)}</title></svg>'
            f'<p class="ropeviz-caption">{html.escape(self.title)}: {alt} '
            f"Move the sliders to redraw (no kernel needed).</p>"
            f'<script type="application/json" class="ropeviz-config">{payload}</script>'
            f"<script>(function(){{{script}\n"
            f'ropeviz.start(document.getElementById("{self.element_id}"), draw);}})();</script>'
            f"</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {
            **widget_view_bundle(self.widget),
            "text/html": self.static_html(),
            "text/plain": repr(self),
        }

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={self._format_value(v)}" for name, v in self.state.items())
        return f"{type(self).__name__}({settings})"

    @staticmethod
    def _format_value(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else repr(value)


def widget_view_bundle(widget: Any) -> dict[str, Any]:
    """The mimebundle entry that shows a live ipywidgets ``widget``, for ipywidgets 7 and 8 alike.

    This is the one place where the two major versions differ for the book. ipywidgets 8 gives
    widgets a ``_repr_mimebundle_``; ipywidgets 7 (Colab ships 7.7.1) has none and displays a
    widget through ``_ipython_display_``, which cannot be merged with the static twin. Both put
    the same entry in the bundle they send, spec version 2.0 of the widget view (read off
    ipywidgets 7.7.1's ``Widget._ipython_display_`` and 8.1's ``Widget._repr_mimebundle_``), so
    building it here from the model id serves both with one code path.
    """
    return {
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 0,
            "model_id": widget.model_id,
        }
    }


def _read_js(name: str) -> str:
    return resources.files("ropeviz.explorers").joinpath("js", name).read_text(encoding="utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")
