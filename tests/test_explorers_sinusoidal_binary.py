"""The sinusoidal explorer and the binary-vs-sinusoidal explorer, driven through ``update``.

Each test moves the sliders from code and checks that the moving artists sit where the math
says: the marker rows at p and p+k, the pair's points at (sin p theta_i, cos p theta_i), the
arc between them of k theta_i mod 2 pi whatever p is; the bit squares equal to
``binary_encoding``, the flips from p-1 outlined, the markers at p. Then bad input, the
representations, and the determinism of the static twin (nbval compares it byte for byte).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from ropeviz import binary_encoding, inv_frequencies, sinusoidal_encoding
from ropeviz.explorers import BinarySinusoidalExplorer, SinusoidalExplorer
from ropeviz.explorers.binary import WAVES, WINDOW, bit_fundamental
from ropeviz.plotting import OKABE_ITO

TWO_PI = 2 * np.pi


def clockwise_phase(x: float, y: float) -> float:
    """Phase of a point (sin phi, cos phi): phi, measured clockwise from the top, in [0, 2pi)."""
    return float(np.mod(np.arctan2(x, y), TWO_PI))


def same_angle(a: float, b: float, tol: float = 1e-9) -> bool:
    """Equal as angles (mod 2 pi), robust at the 0 / 2 pi seam."""
    return abs(np.exp(1j * a) - np.exp(1j * b)) < tol


# -- SinusoidalExplorer ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sinusoidal():
    return SinusoidalExplorer()


def test_sinusoidal_defaults_and_table(sinusoidal):
    e = SinusoidalExplorer()
    assert e.state == {"position": 10, "offset": 5, "pair": 2}
    np.testing.assert_array_equal(e.table, sinusoidal_encoding(256, 64, 10_000.0))
    np.testing.assert_allclose(e.theta, inv_frequencies(64, 10_000.0))
    np.testing.assert_array_equal(e._heatmap.get_array(), e.table)


@pytest.mark.parametrize(("p", "k"), [(0, 0), (10, 5), (100, 1), (191, 64), (250, 5), (0, 64)])
def test_marker_rows_sit_at_p_and_p_plus_k(sinusoidal, p, k):
    e = sinusoidal
    e.update(position=0, offset=k)
    e.update(position=p)
    assert tuple(e._row_p.get_ydata()) == (p, p)
    assert tuple(e._row_pk.get_ydata()) == (p + k, p + k)
    assert tuple(e._row_p.get_xdata()) == (-0.5, e.dim - 0.5)


@pytest.mark.parametrize("i", [0, 1, 17, 31])
def test_pair_columns_are_outlined(sinusoidal, i):
    sinusoidal.update(pair=i)
    xs = np.asarray(sinusoidal._columns.get_xdata())
    assert (xs.min(), xs.max()) == (2 * i - 0.5, 2 * i + 1.5)  # columns 2i (sin) and 2i+1 (cos)


@pytest.mark.parametrize(("p", "k", "i"), [(10, 5, 2), (0, 1, 0), (137, 64, 31), (42, 13, 7)])
def test_circle_points_are_the_table_entries(sinusoidal, p, k, i):
    e = sinusoidal
    e.update(position=0, offset=k, pair=i)
    e.update(position=p)
    theta = inv_frequencies(64)[i]
    start = (np.sin(p * theta), np.cos(p * theta))
    end = (np.sin((p + k) * theta), np.cos((p + k) * theta))
    np.testing.assert_allclose(np.ravel(e._point_p.get_data()), start, atol=1e-12)
    np.testing.assert_allclose(np.ravel(e._point_pk.get_data()), end, atol=1e-12)
    # the book's layout: column 2i holds sin, column 2i+1 cos
    np.testing.assert_allclose(e.points(), e.table[[p, p + k]][:, [2 * i, 2 * i + 1]], atol=1e-12)
    # the radii end at the points
    np.testing.assert_allclose(np.asarray(e._radius_p.get_data())[:, -1], start, atol=1e-12)
    np.testing.assert_allclose(np.asarray(e._radius_pk.get_data())[:, -1], end, atol=1e-12)


@pytest.mark.parametrize(("k", "i"), [(5, 2), (1, 0), (64, 0), (17, 9), (64, 31)])
def test_angle_from_p_to_p_plus_k_is_k_theta_for_every_p(sinusoidal, k, i):
    e = sinusoidal
    e.update(position=0, offset=k, pair=i)
    turn = float(np.mod(k * inv_frequencies(64)[i], TWO_PI))
    assert e.turn() == pytest.approx(turn, abs=1e-12)
    last_lines = set()
    for p in (0, 1, 7, 50, 123, 255 - k):
        e.update(position=p)
        (xs, ys), (xe, ye) = np.ravel(e._point_p.get_data()), np.ravel(e._point_pk.get_data())
        angle = clockwise_phase(xe, ye) - clockwise_phase(xs, ys)
        assert same_angle(angle, turn)
        # the arc runs from PE(p) to PE(p+k), clockwise, sweeping k theta_i mod 2 pi
        ax_, ay_ = (np.asarray(v) for v in e._arc.get_data())
        np.testing.assert_allclose((ax_[0], ay_[0]), (xs, ys), atol=1e-12)
        np.testing.assert_allclose((ax_[-1], ay_[-1]), (xe, ye), atol=1e-9)
        np.testing.assert_allclose(np.hypot(ax_, ay_), 1.0)  # on the unit circle
        sweep = np.sum(np.mod(np.diff(np.unwrap(np.arctan2(ax_, ay_))), TWO_PI))
        assert sweep == pytest.approx(turn, abs=1e-9)
        last_lines.add(e.readout().splitlines()[-1])
    assert len(last_lines) == 1  # the readout's rotation line does not depend on p
    (line,) = last_lines
    assert f"mod 2\u03c0: {turn:.3f} rad" in line and f"k = {k} only, not on p" in line


def test_readout_reports_phases_and_wavelength(sinusoidal):
    e = sinusoidal
    e.update(position=0, offset=5, pair=2)
    e.update(position=10)
    theta = inv_frequencies(64)[2]
    text = e.readout()
    assert f"\u03b8_i = base^(-2i/d) = {theta:.4g}" in text
    assert f"wavelength 2\u03c0/\u03b8_i = {TWO_PI / theta:.4g} tokens" in text
    assert f"phase mod 2\u03c0 = {np.mod(10 * theta, TWO_PI):.3f} rad" in text
    assert f"phase mod 2\u03c0 = {np.mod(15 * theta, TWO_PI):.3f} rad" in text
    assert "columns 4 = sin(p\u00b7\u03b8_i), 5 = cos(p\u00b7\u03b8_i)" in text


def test_p_plus_k_stays_inside_the_table(sinusoidal):
    e = sinusoidal
    e.update(offset=5, position=250)
    e.update(offset=64)  # 250 + 64 would leave the table: the position follows the slider's end
    assert e.state["position"] == 255 - 64
    assert tuple(e._row_pk.get_ydata()) == (255, 255)
    assert e.widget is not None and e._sliders["position"].max == 255 - 64
    with pytest.raises(ValueError, match=r"^position must be an integer in \[0, 191\], got 255"):
        e.update(position=255)  # past the slider's end: refused, nothing changes
    assert e.state["position"] == 255 - 64
    with pytest.raises(ValueError, match="position"):
        e.update(position=250, offset=10)  # both given: 250 + 10 leaves the table
    assert (e.state["position"], e.state["offset"]) == (191, 64)
    e.update(position=245, offset=10)
    assert (e.state["position"], e.state["offset"]) == (245, 10)
    e.update(offset=0)
    assert e._sliders["position"].max == 255
    assert e.state["position"] == 245
    e.update(position=255)
    assert tuple(e._row_pk.get_ydata()) == (255, 255)
    e.update(offset=5)
    assert e.state["position"] == 250


def test_updates_only_blit(sinusoidal):
    e = sinusoidal
    background = e._background
    before = e.png()
    e.update(position=(e.state["position"] + 1) % 100, pair=(e.state["pair"] + 1) % 32)
    assert e._background is background  # the static image was not redrawn
    assert e.png() != before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dim": 2, "num_positions": 2, "position": 0, "offset": 1, "pair": 0},
        {"dim": 2, "num_positions": 1, "position": 0, "offset": 0, "pair": 0},
        {"dim": 4, "base": 2.0, "num_positions": 3, "position": 2, "offset": 0, "pair": 1},
        {"dim": 128, "base": 500_000.0, "num_positions": 512, "position": 447, "offset": 64,
         "pair": 63},
    ],
)
def test_sinusoidal_extremes_draw(kwargs):
    e = SinusoidalExplorer(**kwargs)
    assert e.png().startswith(b"\x89PNG")
    top = e.num_positions - 1 - e.state["offset"]
    for values in ({"position": 0}, {"position": top}, {"pair": 0},
                   {"pair": e.dim // 2 - 1}, {"offset": 0}, {"offset": e.max_offset}):
        e.update(**values)
        assert e.state["position"] + e.state["offset"] <= e.num_positions - 1
    assert "<svg" in e.static_html()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"dim": 3}, "dim"),
        ({"dim": 0}, "dim"),
        ({"dim": 64.0}, "dim"),
        ({"base": -1.0}, "base"),
        ({"base": float("nan")}, "base"),
        ({"base": "10000"}, "base"),
        ({"num_positions": 0}, "num_positions"),
        ({"max_offset": 0}, "max_offset"),
        ({"position": -1}, "position"),
        ({"position": 1.5}, "position"),
        ({"position": 251}, "position"),  # 251 + 5 leaves the 256-row table
        ({"position": 300}, "position"),
        ({"offset": -1}, "offset"),
        ({"offset": 65}, "offset"),
        ({"offset": True}, "offset"),
        ({"pair": 32}, "pair"),
        ({"pair": -1}, "pair"),
    ],
)
def test_sinusoidal_bad_constructor_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        SinusoidalExplorer(**kwargs)


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"position": 256}, "position"),  # outside the table
        ({"position": -1}, "position"),
        ({"position": "3"}, "position"),
        ({"offset": 65}, "offset"),
        ({"offset": -1}, "offset"),
        ({"pair": 32}, "pair"),
        ({"pair": 2.0}, "pair"),
        ({"dim": 8}, "dim"),  # not a control of this explorer
    ],
)
def test_sinusoidal_bad_updates_raise_and_keep_the_state(values, name):
    e = SinusoidalExplorer()
    before = dict(e.state)
    with pytest.raises(ValueError, match=name):
        e.update(**values)
    assert e.state == before


# -- BinarySinusoidalExplorer ------------------------------------------------------------------
@pytest.fixture(scope="module")
def binary():
    return BinarySinusoidalExplorer()


@pytest.mark.parametrize("p", [0, 1, 5, 31, 32, 100, 127, 128, 255])
def test_bit_squares_are_the_binary_code(binary, p):
    e = binary
    e.update(position=p)
    expected = binary_encoding(256, 8)[p]
    np.testing.assert_array_equal(e.bit_vector(), expected)
    np.testing.assert_array_equal(np.asarray(e._bit_image.get_array())[0], expected)
    colours = e._bit_image.to_rgba(np.asarray(e._bit_image.get_array()))[0, :, :3]
    for k, value in enumerate(expected):
        np.testing.assert_allclose(colours[k], to_rgb(OKABE_ITO["blue"] if value else "#ffffff"))


@pytest.mark.parametrize("p", [0, 1, 5, 64, 200])
def test_smooth_cells_are_the_smooth_code(binary, p):
    e = binary
    e.update(position=p)
    theta = np.pi / 2.0 ** np.arange(8)  # pair k has the period 2^(k+1) of bit k
    code = e.smooth_code()
    np.testing.assert_allclose(code[0::2], np.sin(p * theta), atol=1e-12)
    np.testing.assert_allclose(code[1::2], np.cos(p * theta), atol=1e-12)
    np.testing.assert_allclose(np.asarray(e._smooth_image.get_array()),
                               np.stack([code[0::2], code[1::2]]))


def test_smooth_code_with_a_base_is_the_sinusoidal_encoding():
    e = BinarySinusoidalExplorer(bits=8, base=10_000.0, position=77)
    table = sinusoidal_encoding(256, 16, 10_000.0)
    for p in (0, 77, 255):
        np.testing.assert_allclose(e.smooth_code(p), table[p], atol=1e-12)
    assert "sinusoidal_encoding with dim = 16, base = 10000" in e.readout()


@pytest.mark.parametrize("p", [1, 2, 5, 8, 32, 64, 100, 128, 255])
def test_flips_and_jumps(binary, p):
    e = binary
    e.update(position=p)
    table = binary_encoding(256, 8)
    changed = np.flatnonzero(table[p] != table[p - 1]).tolist()
    assert e.flipped() == changed
    assert len(changed) == bin(p ^ (p - 1)).count("1")
    outlined = sorted(int(round(np.mean(seg[:4, 0]))) for seg in e._flips.get_segments())
    assert outlined == changed
    codes = np.stack([e.smooth_code(p - 1), e.smooth_code(p)])
    assert e.smooth_jump() == pytest.approx(np.linalg.norm(codes[1] - codes[0]), abs=1e-12)
    text = e.readout()
    assert f"0b{p:08b}" in text
    assert f"(Hamming distance {len(changed)})" in text
    assert f"\u221a{len(changed)} = {math.sqrt(len(changed)):.3f}" in text
    assert f"smooth-code jump {e.smooth_jump():.3f}" in text


@pytest.mark.parametrize("base", [None, 10_000.0])
def test_smooth_jump_is_the_same_at_every_step(base):
    e = BinarySinusoidalExplorer(bits=8, base=base)
    jumps = np.array([e.smooth_jump(p) for p in range(1, 256)])
    expected = math.sqrt(float(np.sum(4 * np.sin(e.theta / 2) ** 2)))
    np.testing.assert_allclose(jumps, expected, atol=1e-9)
    np.testing.assert_allclose(np.asarray(e._flat.get_ydata()), expected, atol=1e-9)
    stems = e._stems.get_segments()
    heights = [seg[1, 1] for seg in stems]
    np.testing.assert_allclose(heights, [math.sqrt(bin(p ^ (p - 1)).count("1"))
                                         for p in range(1, 256)])


def test_smooth_step_is_uniform_not_small(binary):
    # The readout says "the same length", not "small": for 8 bits the smooth step (2.606) is
    # longer than the bits' step at all but 3 of the 255 steps (into 64, 128 and 192).
    e = binary
    smooth = e.smooth_jump(1)
    assert smooth == pytest.approx(2.606, abs=5e-4)
    bit_steps = np.array([math.sqrt(len(e.flipped(p))) for p in range(1, 256)])
    assert np.flatnonzero(bit_steps >= smooth).tolist() == [63, 127, 191]
    e.update(position=32)
    assert "(the same length at every step)" in e.readout()
    assert "small" not in e.readout()


@pytest.mark.parametrize("p", [0, 1, 2, 77, 255])
def test_fastest_smooth_pair_only_alternates(binary, p):
    # Pair 0 has the period 2 of bit 0: sampled once per token its sine is 0 and its cosine
    # alternates between 1 and -1, as the readout says.
    code = binary.smooth_code(p)
    assert code[0] == pytest.approx(0.0, abs=1e-12)
    assert code[1] == pytest.approx((-1) ** p, abs=1e-12)
    binary.update(position=p)
    assert "pair 0 (period 2) only alternates: sin = 0, cos = \u00b11" in binary.readout()


def test_readout_with_a_base_has_no_pair_zero_note():
    e = BinarySinusoidalExplorer(bits=8, base=10_000.0, position=5)
    assert "only alternates" not in e.readout()


@pytest.mark.parametrize("p", [0, 3, 63, 64, 100, 255])
def test_markers_sit_at_p(binary, p):
    e = binary
    e.update(position=p)
    assert set(e._jump_marker.get_xdata()) == {p}
    assert set(e._wave_marker.get_xdata()) == {p % WINDOW}  # the waves repeat every 32
    xs, ys = (np.asarray(v) for v in e._wave_dots.get_data())
    assert set(xs) == {p % WINDOW}
    np.testing.assert_array_equal(ys, [((p >> k) & 1) + (WAVES - 1 - k) * 1.5
                                       for k in range(WAVES)])
    if p:
        np.testing.assert_allclose(e._jump_dots.get_ydata(),
                                   [math.sqrt(len(e.flipped())), e.smooth_jump()])
    else:
        assert len(e._jump_dots.get_xdata()) == 0
        assert "p = 0 is the first position" in e.readout()


def test_wave_panel_draws_the_bits_and_their_fundamentals(binary):
    e = binary
    table = binary_encoding(256, 8)
    for k in range(WAVES):
        offset = (WAVES - 1 - k) * 1.5
        xs, ys = (np.asarray(v) for v in e._steps[k].get_data())
        np.testing.assert_array_equal(xs, np.arange(WINDOW))
        np.testing.assert_array_equal(ys - offset, table[:WINDOW, k])
        assert e._steps[k].get_drawstyle() == "steps-mid"  # edges half-way between positions
        xs, ys = (np.asarray(v) for v in e._curves[k].get_data())
        np.testing.assert_allclose(ys - offset, bit_fundamental(xs, k))


@pytest.mark.parametrize("k", range(5))
def test_bit_fundamental_is_the_first_fourier_term_of_the_square_wave(k):
    period = 2 ** (k + 1)
    # The drawn square wave: bit k of the nearest position, edges at half-integers.
    x = np.linspace(-0.5, period - 0.5, 400_001)[:-1]
    square = ((np.floor(x + 0.5).astype(np.int64) >> k) & 1).astype(float)
    w = TWO_PI / period
    a0 = square.mean()
    a1 = 2 * np.mean(square * np.cos(w * x))
    b1 = 2 * np.mean(square * np.sin(w * x))
    fundamental = a0 + a1 * np.cos(w * x) + b1 * np.sin(w * x)
    np.testing.assert_allclose(bit_fundamental(x, k), fundamental, atol=1e-4)
    # At the integers, the least-squares sinusoid of that period has the same phase
    # (only the amplitude differs: 2 / (T sin(pi / T)) instead of 2 / pi).
    p = np.arange(8 * period)
    bits = (p >> k) & 1
    design = np.c_[np.ones(p.size), np.cos(w * (p + 0.5)), np.sin(w * (p + 0.5))]
    coefficients, *_ = np.linalg.lstsq(design, bits, rcond=None)
    assert coefficients[0] == pytest.approx(0.5)
    assert coefficients[1] == pytest.approx(0.0, abs=1e-12)
    amplitude = 0.5 if period == 2 else 2 / (period * np.sin(np.pi / period))
    assert coefficients[2] == pytest.approx(-amplitude)


def test_binary_updates_only_blit(binary):
    e = binary
    background = e._background
    for p in (3, 64, 200, 255, 0):
        before = e.png()
        e.update(position=p)
        assert e._background is background
        assert e.png() != before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bits": 1, "num_positions": 2, "position": 0},
        {"bits": 1, "num_positions": 1, "position": 0},
        {"bits": 3, "num_positions": 8, "position": 7},
        {"bits": 7, "num_positions": 100, "position": 99},
        {"bits": 32, "num_positions": 4096, "position": 4095, "base": 10_000.0},
    ],
)
def test_binary_extremes_draw(kwargs):
    e = BinarySinusoidalExplorer(**kwargs)
    assert e.png().startswith(b"\x89PNG")
    for p in (0, e.num_positions - 1, e.num_positions // 2):
        e.update(position=p)
        np.testing.assert_array_equal(
            e.bit_vector(), binary_encoding(e.num_positions, e.bits)[p])
        assert set(e._wave_marker.get_xdata()) == {p % e.window}
    assert "<svg" in e.static_html()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bits": 0}, "bits"),
        ({"bits": 33, "num_positions": 8}, "bits"),
        ({"bits": 8.0}, "bits"),
        ({"bits": 4}, "num_positions"),  # 256 > 2**4
        ({"bits": 16, "num_positions": 5000}, "num_positions"),
        ({"num_positions": 0}, "num_positions"),
        ({"position": 256}, "position"),
        ({"position": -1}, "position"),
        ({"position": None}, "position"),
        ({"base": 0.0}, "base"),
        ({"base": float("inf")}, "base"),
    ],
)
def test_binary_bad_constructor_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        BinarySinusoidalExplorer(**kwargs)


@pytest.mark.parametrize(
    ("values", "name"),
    [({"position": 256}, "position"), ({"position": -3}, "position"),
     ({"position": 2.0}, "position"), ({"bits": 4}, "bits")],
)
def test_binary_bad_updates_raise_and_keep_the_state(values, name):
    e = BinarySinusoidalExplorer()
    with pytest.raises(ValueError, match=name):
        e.update(**values)
    assert e.state == {"position": 5}


# -- both: representations and the static twin ------------------------------------------------
EXPLORERS = [
    (SinusoidalExplorer, {"dim": 32, "position": 40, "offset": 9, "pair": 3},
     "SinusoidalExplorer(position=40, offset=9, pair=3)"),
    (BinarySinusoidalExplorer, {"bits": 8, "position": 77},
     "BinarySinusoidalExplorer(position=77)"),
]


@pytest.mark.parametrize(("cls", "kwargs", "text"), EXPLORERS)
def test_repr(cls, kwargs, text):
    assert repr(cls(**kwargs)) == text


@pytest.mark.parametrize(("cls", "kwargs", "text"), EXPLORERS)
def test_static_html_is_deterministic(cls, kwargs, text):
    first, second = cls(**kwargs), cls(**kwargs)
    a, b = first.static_html(), second.static_html()
    assert first.element_id != second.element_id
    assert re.fullmatch(rf"ropeviz-{cls.kind}-\d+", first.element_id)
    assert a.replace(first.element_id, "ID") == b.replace(second.element_id, "ID")
    assert a == first.static_html()  # a pure function of the state
    ids = re.findall(r'\bid="([^"]+)"', a)
    assert ids[0] == first.element_id and len(ids) == len(set(ids))
    assert all(i.startswith(first.element_id) for i in ids)
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", a)  # no dates or times
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", a)  # no uuids
    assert len(a.encode()) < 150_000
    assert "http://" not in a.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in a
    for name, value in first.state.items():
        assert f'name="{name}"' in a and f'value="{value}"' in a
    assert first.alt_text in a.replace("&#x27;", "'")


@pytest.mark.parametrize(("cls", "kwargs", "text"), EXPLORERS)
def test_mimebundle_has_twin_text_and_widget(cls, kwargs, text):
    e = cls(**kwargs)
    bundle = e._repr_mimebundle_()
    assert {"text/html", "text/plain", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    assert bundle["text/plain"] == text
    assert bundle["text/html"] == e.static_html()


@pytest.mark.parametrize(("cls", "kwargs", "text"), EXPLORERS)
def test_alt_text_and_title_do_not_depend_on_the_state(cls, kwargs, text):
    e = cls(**kwargs)
    alt = e.alt_text
    e.update(position=0)
    assert e.alt_text == alt and len(alt) > 80
    for ax in e.figure.axes:
        if ax.get_title(loc="center") or ax.get_title(loc="left"):
            assert ax.get_xlabel() or ax.get_ylabel()  # every panel says what its axes are
