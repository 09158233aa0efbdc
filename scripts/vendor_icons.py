"""Subset the theme's Font Awesome fonts to the icons the book's pages can show.

pydata-sphinx-theme draws its icons (the header buttons, the sidebar toggles, admonition and
search icons) with Font Awesome Free 6: its stylesheet maps every ``fa-NAME`` class to a glyph of
``fa-solid-900`` (157 kB as WOFF2) or ``fa-brands-400`` (118 kB, for one GitHub logo). This script
keeps only the glyphs that can appear, and writes them as WOFF (zlib, so no brotli is needed) into
``_vendor/html/_static/book-icons/``, which ``html_extra_path`` copies into the built book.
``_static/book-icons.css`` declares them under the theme's own family names after the theme's
stylesheet, so the browser fetches the subsets (a few kB) instead of the full fonts.

Which glyphs: every ``fa-NAME`` that the two themes' templates, scripts and Python header buttons
use, plus every glyph the themes' and extensions' stylesheets use outside the ``.fa-NAME:before``
table (admonition icons, the exercise pencil, the "on this page" chevron, ...), plus
:data:`EXTRA_ICONS`. The test of the built book
fails on any font request that 404s and on any page whose icons do not render, so a theme update
that needs a new glyph is noticed.

Run by ``scripts/vendor_mathjax.sh`` with the book's Python (fontTools comes with matplotlib)::

    python scripts/vendor_icons.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "_vendor" / "html" / "_static" / "book-icons"
VERSION = "2"  # bump when the selection logic changes

#: Icons the book may use beyond what the themes reference (e.g. in Markdown with {fa}).
EXTRA_ICONS = ("fa-link", "fa-copy", "fa-check", "fa-chevron-down", "fa-chevron-right",
               "fa-chevron-up", "fa-chevron-left", "fa-circle-info", "fa-lightbulb",
               "fa-triangle-exclamation", "fa-circle-exclamation", "fa-bell", "fa-pencil",
               "fa-square-plus", "fa-square-minus", "fa-arrow-up-right-from-square")

PUA = re.compile(r"[\uf000-\uf8ff]")


#: Packages whose stylesheets the book's pages load (their icon glyphs are kept too).
STYLESHEET_PACKAGES = ("sphinx_exercise", "sphinx_togglebutton", "sphinx_design", "myst_nb",
                       "sphinx_copybutton")


def _theme_dirs() -> tuple[Path, Path]:
    import pydata_sphinx_theme
    import sphinx_book_theme

    return Path(pydata_sphinx_theme.__file__).parent, Path(sphinx_book_theme.__file__).parent


def _other_stylesheets() -> str:
    import importlib

    text = ""
    for name in STYLESHEET_PACKAGES:
        try:
            package = importlib.import_module(name)
        except ImportError:
            continue
        for path in Path(package.__file__).parent.rglob("*.css"):
            text += path.read_text(errors="ignore")
    return text


def _codepoints(css: str) -> tuple[dict[str, int], set[int]]:
    """The ``.fa-NAME:before`` table, and the glyphs the rest of the stylesheet uses."""
    table: dict[str, int] = {}
    other: set[int] = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        points = [int(h, 16) for h in re.findall(r'\\(f[0-9a-f]{3})\b', body)]
        points += [ord(c) for c in PUA.findall(body)]
        if not points:
            continue
        names = [s.strip() for s in selectors.split(",")]
        if all(re.fullmatch(r"\.fa-[a-z0-9-]+:(?::)?before", s) for s in names):
            for s in names:
                table[s[1:s.index(":")]] = points[0]
        else:
            other.update(points)
    return table, other


def _used_names(*dirs: Path) -> set[str]:
    names: set[str] = set(EXTRA_ICONS)
    for directory in dirs:
        for path in directory.rglob("*"):
            if path.suffix in {".html", ".py"} or (path.suffix == ".js" and "fontawesome" not in path.name):
                names |= set(re.findall(r"\bfa-[a-z0-9-]+", path.read_text(errors="ignore")))
    return names


def main() -> int:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    stamp = DEST / "VERSION"
    pydata, book = _theme_dirs()
    static = pydata / "theme" / "pydata_sphinx_theme" / "static"
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text()
    css += (book / "theme" / "sphinx_book_theme" / "static" / "styles" / "sphinx-book-theme.css").read_text()
    from importlib.metadata import version

    key = (f"{VERSION} pydata-sphinx-theme {version('pydata-sphinx-theme')} "
           f"sphinx-book-theme {version('sphinx-book-theme')}")
    if stamp.exists() and stamp.read_text() == key:
        print(f"icon fonts: already in {DEST.relative_to(ROOT)}")
        return 0
    table, wanted = _codepoints(css + _other_stylesheets())
    names = _used_names(pydata, book)
    wanted |= {table[n] for n in names if n in table}
    DEST.mkdir(parents=True, exist_ok=True)
    for font in ("fa-solid-900", "fa-brands-400"):
        source = static / "vendor" / "fontawesome" / "webfonts" / f"{font}.ttf"
        ttf = TTFont(source)
        present = set(ttf.getBestCmap())
        keep = sorted(wanted & present)
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = []
        options.name_IDs = ["*"]  # keep the copyright and licence records
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(ttf)
        out = DEST / f"{font}-subset.woff"
        ttf.flavor = "woff"
        ttf.save(out)
        print(f"{out.relative_to(ROOT)}: {len(keep)} glyphs, {out.stat().st_size / 1e3:.1f} kB "
              f"(from {source.stat().st_size / 1e3:.0f} kB)")
    (DEST / "LICENSE.txt").write_text(
        "Font Awesome Free 6 by Fonticons, Inc. (https://fontawesome.com), subset from the copy\n"
        "bundled with pydata-sphinx-theme. Fonts: SIL Open Font License 1.1\n"
        "(https://openfontlicense.org); icons: CC BY 4.0.\n")
    stamp.write_text(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
