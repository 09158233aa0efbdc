"""Key press to new picture in JupyterLab, measured in a real browser (Chromium via Playwright).

Usage::

    python benchmarks/explorer_latency_browser.py [--presses 40] [--explorers Rotation,Phase]

What it does:

1. writes a small notebook into a temporary folder that displays each explorer (default sizes)
   and wraps ``Explorer._on_slider`` to record how long the kernel spends on each slider move;
2. starts JupyterLab there (``jupyter lab --no-browser`` with a random token, on a free port,
   offline: no news, no update check) with ``PYTHONPATH`` set to this checkout;
3. opens the notebook in Debian's Chromium (``/usr/bin/chromium``, never ``playwright
   install``), runs every cell, and for each explorer focuses its first integer slider (a
   position, a distance, a pair) and presses ArrowRight (ArrowLeft back from the end of a short slider) ``--presses`` times, one at a
   time;
4. for every press measures, in the page, the time from the ``keydown`` event to the ``load``
   event of the explorer's image carrying the new picture (the ipywidgets ``Image`` view swaps
   its ``src`` to a new blob URL; ``load`` fires once it is decoded);
5. prints the median and the maximum per explorer, next to the kernel-side median (the time
   inside ``update``: draw, PNG encode, hand the bytes to the widget), so the rest is the comm
   round trip and the browser. The first row, ``Floor``, is no explorer: a slider whose
   observer only swaps two ready-made pictures of the same size, i.e. what JupyterLab and
   ipywidgets cost on this machine before any explorer does anything.

The book's budget is a median under 30 ms on a 2-core machine. This is a measurement, not a
test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BUDGET_MS = 30.0

EXPLORERS = {
    "Floor": "floor()",  # no explorer: a slider that swaps two ready-made pictures
    "Rotation": "RotationExplorer()",
    "Relative": "RelativeExplorer()",
    "Sinusoidal": "SinusoidalExplorer()",
    "Binary": "BinarySinusoidalExplorer()",
    "Grid": "GridExplorer()",
    "Pairing": "PairingExplorer()",
    "ScoreDistance": "ScoreDistanceExplorer()",
    "Phase": "PhaseExplorer()",
    "Scaling": "ScalingExplorer()",
}

SETUP = """\
import json, time
import ropeviz.explorers as rx
from ropeviz.explorers import *
KERNEL_MS = {}
_original = rx.Explorer._on_slider
def _timed(self, change):
    start = time.perf_counter()
    _original(self, change)
    KERNEL_MS.setdefault(type(self).__name__, []).append((time.perf_counter() - start) * 1e3)
rx.Explorer._on_slider = _timed


def floor():
    # The floor: a slider whose observer only swaps two ready-made 810 x 378 PNGs.
    import ipywidgets as w
    import numpy as np
    from ropeviz.explorers._base import encode_png
    pictures = [encode_png(np.full((378, 810, 4), v, np.uint8)) for v in (40, 220)]
    image = w.Image(value=pictures[0], format="png")
    slider = w.IntSlider(min=0, max=4096, description="probe")
    def swap(change):
        start = time.perf_counter()
        image.value = pictures[change["new"] % 2]
        KERNEL_MS.setdefault("floor", []).append((time.perf_counter() - start) * 1e3)
    slider.observe(swap, names="value")
    return w.VBox([slider, image])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook(names: list[str]) -> dict:
    def code(source: str) -> dict:
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                "source": source}

    cells = [code(SETUP)]
    for name in names:
        cells.append(code(f"# explorer {name}\n{EXPLORERS[name]}"))
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                                                         "display_name": "Python 3",
                                                         "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    jupyter = Path(sys.executable).with_name("jupyter")
    env = dict(os.environ, PYTHONPATH=str(ROOT), JUPYTER_CONFIG_DIR=str(folder / ".jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(folder / ".settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(folder / ".workspaces"))
    command = [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--IdentityProvider.token={token}", "--allow-root",
               "--LabApp.extension_manager=readonly", f"--ServerApp.root_dir={folder}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--ServerApp.open_browser=False"]
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("JupyterLab did not start")


# In the page: stamp every keydown, and every load of an output image with its src.
PAGE_HOOKS = """() => {
  window.__keys = []; window.__loads = [];
  document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
  document.addEventListener('load', (e) => {
    if (e.target && e.target.tagName === 'IMG') window.__loads.push([performance.now(), e.target.src]);
  }, true);
}"""


KERNEL_TIMES = """async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const future = kernel.requestExecute({code: 'print(json.dumps(KERNEL_MS))'});
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""


def first_integer_label(name: str) -> str:
    """The label of an explorer's first integer control (the slider a reader drags)."""
    sys.path.insert(0, str(ROOT))
    from ropeviz import explorers

    if name == "Floor":
        return "probe"
    explorer = eval(EXPLORERS[name], vars(explorers))  # noqa: S307 - our own table
    return next(c.label for c in explorer.controls if c.options is None)


def measure(page, output, label: str, presses: int) -> list[float]:
    slider = output.locator(".widget-slider").filter(
        has=page.locator("label", has_text=label)).first
    handle = slider.locator(".noUi-handle").first
    image = output.locator("img").first
    handle.focus()
    times = []
    key = "ArrowRight"
    for _ in range(presses + 3):
        now, low, high = (float(handle.get_attribute(f"aria-value{n}")) for n in ("now", "min", "max"))
        if now >= high:
            key = "ArrowLeft"  # bounce at the ends of a short slider
        elif now <= low:
            key = "ArrowRight"
        src = image.get_attribute("src")
        page.evaluate("() => { window.__keys = []; window.__loads = []; }")
        page.keyboard.press(key)
        try:
            page.wait_for_function(
                "(src) => window.__loads.some(([t, s]) => s !== src)", arg=src, timeout=10_000)
        except Exception:
            active = page.evaluate("() => document.activeElement.outerHTML.slice(0, 300)")
            raise RuntimeError(f"no new picture after a key press; focus on {active}") from None
        pressed = page.evaluate("() => window.__keys[0]")
        load = page.evaluate("(src) => window.__loads.find(([t, s]) => s !== src)[0]", src)
        times.append(load - pressed)
        page.wait_for_timeout(60)  # let the kernel go idle between presses
    return times[3:]  # the first presses warm up the code paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--explorers", default=",".join(EXPLORERS))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    names = [n for n in args.explorers.split(",") if n]
    unknown = [n for n in names if n not in EXPLORERS]
    if unknown:
        parser.error(f"unknown explorers {unknown}; choose from {list(EXPLORERS)}")

    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="ropeviz-latency-"))
    (folder / "bench.ipynb").write_text(json.dumps(notebook(names)))
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(folder, port, token)
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/bench.ipynb?token={token}")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.wait_for_function(
                "() => document.querySelector('.jp-Notebook') && "
                "document.querySelectorAll('.jp-Cell').length > 1", timeout=60_000)
            page.wait_for_timeout(3000)  # kernel start
            page.evaluate(PAGE_HOOKS)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function(
                f"() => document.querySelectorAll('.jp-OutputArea-output img').length >= {len(names)}",
                timeout=300_000)
            page.wait_for_timeout(2000)
            cells = page.locator(".jp-CodeCell")
            for index, name in enumerate(names):
                cell = cells.nth(index + 1)
                cell.scroll_into_view_if_needed()
                results[name] = measure(page, cell.locator(".jp-OutputArea-output").first,
                                        first_integer_label(name), args.presses)
            # the kernel-side times, read from the running kernel
            kernel = json.loads(page.evaluate(KERNEL_TIMES))
            browser.close()
    finally:
        os.killpg(lab.pid, 15)
        lab.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    classes = {name: EXPLORERS[name].split("(")[0] for name in names}
    print(f"JupyterLab, Chromium headless; {args.presses} ArrowRight presses per explorer, "
          "key press to the new image's load event")
    print(f"{'explorer':16s} {'median ms':>10s} {'max ms':>8s} {'kernel median ms':>17s}  budget")
    for name, times in results.items():
        median = statistics.median(times)
        kernel_times = kernel.get(classes[name], [])
        kernel_median = statistics.median(kernel_times) if kernel_times else float("nan")
        verdict = "ok" if median < BUDGET_MS else f"OVER {BUDGET_MS:.0f} ms"
        print(f"{name:16s} {median:10.1f} {max(times):8.1f} {kernel_median:17.1f}  {verdict}")


if __name__ == "__main__":
    main()
