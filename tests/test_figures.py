"""The book's figures: legible at the column width, sharp on HiDPI screens, legends off the data.

Two kinds of test:

* the figure style and helpers of :mod:`ropeviz.plotting` (sizes, the retina output of the
  inline backend, legends placed outside the axes, axes that include zero, bad input);
* notebook hygiene: every PNG stored in ``chapters/*.ipynb`` is read back, and its text size in
  the book is worked out from its pixel width, its dpi (the PNG's pHYs chunk) and the display
  width in the output's metadata (:func:`ropeviz.plotting.text_size_css_px`): the style's
  smallest font (:data:`~ropeviz.plotting.MIN_FONT_PT`) must come out at least
  :data:`~ropeviz.plotting.MIN_TEXT_CSS_PX` CSS pixels tall at the column width, and the image
  must hold about two pixels per CSS pixel shown. A notebook figure passes once the notebook
  calls ``rvp.use_book_style()`` and sizes its figures with ``rvp.figure`` (or within
  ``rvp.COLUMN_WIDTH_IN``), and is executed again.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import ropeviz.plotting as rvp  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
MIN_PIXELS_PER_CSS_PX = 1.9  # "retina": two image pixels per CSS pixel, within rounding


@pytest.fixture(autouse=True)
def book_style():
    with matplotlib.rc_context():
        rvp.use_book_style(inline_hidpi=False)
        yield
    plt.close("all")


def stored_png(fig) -> tuple[bytes, dict]:
    """The PNG and metadata the inline backend stores for ``fig`` under the book's style."""
    return rvp.figure_png(fig)


def implied_text_px(png: bytes, metadata: dict | None) -> tuple[float, float, float]:
    """(text size in CSS px at the column width, image px per CSS px shown, CSS px shown)."""
    image = Image.open(io.BytesIO(png))
    width = image.size[0]
    dpi = float(image.info.get("dpi", (72, 72))[0])
    shown = (metadata or {}).get("width")
    css = min(float(shown) if shown else width, rvp.COLUMN_WIDTH_PX)
    text = rvp.text_size_css_px(pixel_width=width, dpi=dpi, display_width=shown)
    return text, width / css, css


# -- the style ---------------------------------------------------------------------------------
def test_style_makes_the_smallest_text_legible_at_the_column_width():
    # At the column width, one figure inch is DISPLAY_DPI CSS px: the smallest font in px.
    assert rvp.MIN_FONT_PT / 72 * rvp.DISPLAY_DPI >= rvp.MIN_TEXT_CSS_PX
    assert rvp.COLUMN_WIDTH_IN * rvp.DISPLAY_DPI <= rvp.COLUMN_WIDTH_PX
    for key in ("xtick.labelsize", "ytick.labelsize", "legend.fontsize", "font.size"):
        assert matplotlib.rcParams[key] >= rvp.MIN_FONT_PT
    assert matplotlib.rcParams["savefig.dpi"] == rvp.DISPLAY_DPI * rvp.HIDPI
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][:4] == [
        rvp.OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion")]


@pytest.mark.parametrize("ncols", [1, 2, 3])
def test_a_styled_figure_passes_the_notebook_check(ncols):
    """End to end: a figure made with the helpers and stored as the inline backend stores it."""
    fig, axes = rvp.figure(ncols=ncols)
    for ax in np.atleast_1d(axes):
        ax.plot(np.arange(10), np.arange(10) ** 2, label="squares")
        ax.set(xlabel="position", ylabel="value", title="a panel")
    rvp.legend_outside(fig)
    png, metadata = stored_png(fig)
    text, density, shown = implied_text_px(png, metadata)
    assert text >= rvp.MIN_TEXT_CSS_PX
    assert density >= MIN_PIXELS_PER_CSS_PX
    assert shown <= rvp.COLUMN_WIDTH_PX


def test_the_check_rejects_the_old_figures():
    """A 100-dpi figure 11 inches wide (as the chapters stored before) is too small to read."""
    fig = plt.figure(figsize=(11.1, 4), dpi=100)
    fig.add_subplot().plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    text, density, _ = implied_text_px(buffer.getvalue(), None)
    assert text < rvp.MIN_TEXT_CSS_PX
    assert density < MIN_PIXELS_PER_CSS_PX


def test_figure_sizes_follow_the_column():
    fig, ax = rvp.figure()
    assert tuple(fig.get_size_inches()) == pytest.approx((rvp.SINGLE_WIDTH_IN, 3.4))
    fig, axes = rvp.figure(ncols=3, nrows=2, sharex=True)
    assert axes.shape == (2, 3)
    width, height = fig.get_size_inches()
    assert width == pytest.approx(rvp.COLUMN_WIDTH_IN)
    assert height == pytest.approx(2 * 2.2)
    fig, _ = rvp.figure(ncols=2, height=2.5)
    assert fig.get_size_inches()[1] == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ncols": 0}, "ncols must be a positive integer"),
        ({"nrows": 1.5}, "nrows must be a positive integer"),
        ({"width": 9.0}, "width must be at most COLUMN_WIDTH_IN"),
        ({"width": -1.0}, "width must be a finite positive number"),
        ({"height": float("nan")}, "height must be a finite positive number"),
    ],
)
def test_figure_rejects_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rvp.figure(**kwargs)


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("where", ["below", "right", "above"])
def test_legend_outside_an_axes_stays_off_the_data(where):
    fig, ax = rvp.figure()
    for k in range(3):
        ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** (k + 1), label=f"power {k + 1}")
    ax.set(xlabel="x", ylabel="y", title="three curves")
    legend = rvp.legend_outside(ax, where=where)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert not _overlaps(box, ax.get_window_extent(renderer)), f"legend {where} covers the axes"
    if where == "below":
        assert box.y1 <= ax.xaxis.label.get_window_extent(renderer).y0 + 1
    if where == "above":
        assert box.y0 >= ax.title.get_window_extent(renderer).y1 - 1
    assert [t.get_text() for t in legend.get_texts()] == ["power 1", "power 2", "power 3"]


def test_legend_outside_a_figure_lists_each_series_once_below_every_panel():
    fig, axes = rvp.figure(ncols=2)
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="RoPE")
        ax.plot([0, 1], [1, 0], label="NoPE")
        ax.set(xlabel="position")
    legend = rvp.legend_outside(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert [t.get_text() for t in legend.get_texts()] == ["RoPE", "NoPE"]
    for ax in axes:
        assert box.y1 <= ax.get_tightbbox(renderer).y0 + 1, "the legend overlaps a panel"


def test_legend_outside_rejects_bad_input():
    fig, ax = rvp.figure()
    ax.plot([0, 1], [0, 1], label="line")
    with pytest.raises(ValueError, match="where must be one of"):
        rvp.legend_outside(ax, where="inside")
    with pytest.raises(ValueError, match="ncols must be a positive integer"):
        rvp.legend_outside(ax, ncols=0)
    fig, empty = rvp.figure()
    empty.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="no labelled artists"):
        rvp.legend_outside(empty)


def test_include_zero_extends_a_truncated_axis():
    fig, ax = rvp.figure()
    ax.bar(["binary", "sinusoidal"], [0.8, 0.95])
    ax.set_ylim(0.75, 1.0)
    rvp.include_zero(ax)
    assert ax.get_ylim() == (0.0, 1.0)
    ax.set_xlim(-3, -1)
    rvp.include_zero(ax, axis="x")
    assert ax.get_xlim() == (-3.0, 0.0)
    with pytest.raises(ValueError, match='axis must be "x" or "y"'):
        rvp.include_zero(ax, axis="z")


def test_text_size_rejects_bad_input():
    with pytest.raises(ValueError, match="pixel_width must be a positive integer"):
        rvp.text_size_css_px(pixel_width=0, dpi=100)
    with pytest.raises(ValueError, match="dpi must be a finite positive number"):
        rvp.text_size_css_px(pixel_width=100, dpi=0)


def test_heatmap_shrinks_many_columns_without_aliasing():
    """Many columns into few pixels are smoothed (no moiré); a small matrix keeps crisp cells."""
    fig, ax = rvp.figure()
    many = rvp.heatmap(ax, np.tile([[1.0, -1.0]], (8, 2048)), title="t", xlabel="x", ylabel="y",
                       centered=True)
    assert many.get_interpolation() == "antialiased"
    fig, ax = rvp.figure()
    few = rvp.heatmap(ax, np.eye(6), title="t", xlabel="x", ylabel="y")
    assert few.get_interpolation() == "nearest"


def test_stored_png_is_reduced_and_keeps_its_size_and_dpi():
    fig, ax = rvp.figure()
    ax.plot(np.linspace(0, 1, 200), np.sin(np.linspace(0, 20, 200)), label="sin")
    png, metadata = stored_png(fig)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P", "not reduced to a palette"
    assert image.info["dpi"][0] == pytest.approx(rvp.DISPLAY_DPI * rvp.HIDPI, abs=1)
    assert metadata["width"] == image.size[0] // rvp.HIDPI
    assert metadata["width"] <= rvp.SINGLE_WIDTH_IN * rvp.DISPLAY_DPI + 1
    fig = plt.figure()
    assert rvp.figure_png(fig) is None  # nothing drawn, nothing stored


# -- notebook hygiene --------------------------------------------------------------------------
def stored_figures():
    for notebook in NOTEBOOKS:
        cells = json.loads(notebook.read_text())["cells"]
        for index, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                if png:
                    metadata = output.get("metadata", {}).get("image/png")
                    caption = (cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
                               .get("caption", ""))
                    yield notebook.stem, index, base64.b64decode(png), metadata, caption


def test_every_stored_figure_is_legible_and_sharp_in_the_book():
    problems = []
    count = 0
    for chapter, index, png, metadata, caption in stored_figures():
        count += 1
        text, density, shown = implied_text_px(png, metadata)
        issues = []
        if text < rvp.MIN_TEXT_CSS_PX:
            issues.append(f"{rvp.MIN_FONT_PT:g} pt text shown {text:.1f} px tall")
        if density < MIN_PIXELS_PER_CSS_PX:
            issues.append(f"{density:.2f} image px per CSS px (blurry on HiDPI screens)")
        if metadata and metadata.get("width") and float(metadata["width"]) > rvp.COLUMN_WIDTH_PX:
            issues.append(f"{metadata['width']} px wide, wider than the column")
        if issues:
            problems.append(f"{chapter} cell {index} ({caption[:50]!r}): " + "; ".join(issues))
    assert count > 0, "no stored figure found"
    assert not problems, (
        f"{len(problems)} of {count} stored figures are not legible at the book's column width "
        "(use rvp.use_book_style() and rvp.figure(), then execute the notebook again):\n"
        + "\n".join(problems)
    )


def test_no_notebook_sets_a_font_too_small_to_read():
    """An explicit ``fontsize=`` in a chapter's code is shown at ``size / 72 * DISPLAY_DPI`` CSS
    px at the column width (the stored-figure test assumes the style's sizes, and cannot see
    these)."""
    smallest = rvp.MIN_TEXT_CSS_PX * 72 / rvp.DISPLAY_DPI
    problems = []
    for notebook in NOTEBOOKS:
        for index, cell in enumerate(json.loads(notebook.read_text())["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for match in re.finditer(r"\b(?:fontsize|labelsize|titlesize)\s*=\s*(\d+(?:\.\d+)?)\b", source):
                if float(match.group(1)) < smallest:
                    problems.append(f"{notebook.stem} cell {index}: {match.group(0)}")
    assert not problems, (f"fonts below {smallest:.1f} pt ({rvp.MIN_TEXT_CSS_PX:g} CSS px at the "
                          "column width):\n" + "\n".join(problems))


def test_reduce_png_keeps_size_and_dpi_and_rejects_what_is_not_a_png():
    fig, ax = rvp.figure()
    ax.imshow(np.random.default_rng(0).normal(size=(40, 60)))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    original = buffer.getvalue()
    reduced = rvp.reduce_png(original)
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(reduced))
    assert after.mode == "P" and after.size == before.size
    assert after.info["dpi"][0] == pytest.approx(150, abs=1)
    assert len(reduced) < len(original)
    assert rvp.reduce_png(reduced) == reduced  # a palette image is left alone
    with pytest.raises(TypeError, match="png must be the bytes of a PNG image"):
        rvp.reduce_png("not bytes")
    with pytest.raises(ValueError, match="png must be the bytes of a PNG image"):
        rvp.reduce_png(b"GIF89a not a png")
