"""Screenshots of the built book at 1280 and 390 px, light and dark, into ``_screens/``.

A look at the pages as readers see them (the browser test checks them; this shows them)::

    python scripts/book_screenshots.py                          # intro, a chapter, bibliography
    python scripts/book_screenshots.py chapters/05_rope_from_first_principles.html@2400 --full

``PAGE@Y`` scrolls to ``Y`` pixels (or ``PAGE@css-selector`` to that element) before the shot;
``--full`` takes the whole page. Needs the built book (``make book``) and Debian's Chromium
(``scripts/install_test_tools.sh``). ``_screens/`` is git-ignored.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
OUT = ROOT / "_screens"
VIEWS = ((1280, 900, 1), (390, 844, 2))  # width, height, device pixel ratio
DEFAULT_PAGES = ("intro.html", "chapters/01_attention_has_no_order.html", "bibliography.html")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=list(DEFAULT_PAGES))
    parser.add_argument("--full", action="store_true", help="the whole page, not the window")
    args = parser.parse_args(argv)
    if not (HTML / "intro.html").exists():
        raise SystemExit("build the book first: make book")
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"],
            ignore_default_args=["--hide-scrollbars"])
        for spec in args.pages:
            page_name, _, scroll = spec.partition("@")
            for width, height, scale in VIEWS:
                for mode in ("light", "dark"):
                    context = browser.new_context(viewport={"width": width, "height": height},
                                                  device_scale_factor=scale, color_scheme=mode)
                    context.add_init_script(f"localStorage.setItem('mode', '{mode}');")
                    page = context.new_page()
                    page.goto(f"{base}/{page_name}")
                    page.evaluate("""async () => {
                      if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
                      await document.fonts.ready; }""")
                    if scroll.isdigit():
                        page.evaluate(f"window.scrollTo(0, {scroll})")
                    elif scroll and page.locator(scroll).count():
                        page.locator(scroll).first.scroll_into_view_if_needed()
                    elif scroll:
                        print(f"{page_name} at {width} px: nothing matches {scroll!r}; the top instead")
                    page.wait_for_timeout(200)
                    stem = re.sub(r"[^\w.-]+", "_", page_name.replace(".html", ""))
                    suffix = f"_{scroll}" if scroll.isdigit() else ("_at" if scroll else "")
                    target = OUT / f"{stem}{suffix}_{width}_{mode}.png"
                    page.screenshot(path=str(target), full_page=args.full)
                    print(target.relative_to(ROOT))
                    context.close()
        browser.close()
    httpd.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
