#!/usr/bin/env bash
# The book's offline assets, put into the git-ignored _vendor/ before every build:
#   * MathJax 3 (from the npm registry), so the built book renders math with no request to any
#     other host (below);
#   * the theme's icon fonts cut down to the icons the pages use (scripts/vendor_icons.py, run
#     with $PYTHON, default python3: the book's environment, which has fontTools).
# Each step does nothing when its files are already there.
#
# Only what the book needs is copied, and the page loads only what it uses: the startup loader,
# the TeX input (with the autoloaded extensions, fetched only when a page uses one), the CommonHTML
# output and its TeX fonts (each font file is fetched only when a glyph needs it), and the
# assistive MathML that screen readers read. The combined tex-mml-chtml.js (1.2 MB) also carries
# MathML input and the context menu; this selection loads about 0.75 MB.
#
# Layout: _vendor/html/ is the book's html_extra_path (see _config.yml), so its contents are
# copied into the built book as they are: _vendor/html/_static/mathjax/ becomes
# _build/html/_static/mathjax/, where mathjax_path points. It is deliberately not a static path:
# Jupyter Book injects every *.js file of the static paths into every page as a <script>.
set -euo pipefail
cd "$(dirname "$0")/.."
"${PYTHON:-python3}" scripts/vendor_icons.py

version=3.2.2
selection=2  # bump when the list of copied files changes
dest=_vendor/html/_static/mathjax
if [ -f "$dest/startup.js" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version.$selection" ]; then
  echo "mathjax $version: already in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "Fetching mathjax@$version from the npm registry into $dest"
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp/mathjax-$version.tgz" -C "$tmp"
src="$tmp/package/es5"
rm -rf "$dest" _vendor/mathjax  # _vendor/mathjax: where earlier versions of this script put it
mkdir -p "$dest/input/tex" "$dest/output/chtml/fonts" "$dest/a11y"
cp "$src/startup.js" "$src/core.js" "$dest/"
cp "$src/input/tex.js" "$dest/input/"
cp -r "$src/input/tex/extensions" "$dest/input/tex/"
cp "$src/output/chtml.js" "$dest/output/"
cp "$src/output/chtml/fonts/tex.js" "$dest/output/chtml/fonts/"
cp -r "$src/output/chtml/fonts/woff-v2" "$dest/output/chtml/fonts/"
cp "$src/a11y/assistive-mml.js" "$dest/a11y/"
cp "$tmp/package/LICENSE" "$dest/"
echo "$version.$selection" > "$dest/VERSION"
du -sh "$dest"
