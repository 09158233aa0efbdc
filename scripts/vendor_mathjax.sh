#!/usr/bin/env bash
# Put MathJax 3 (from the npm registry) into _vendor/mathjax so the built book renders math with
# no request to any other host. _vendor/ is git-ignored; _config.yml serves it as a static path
# and points Sphinx's mathjax_path at it. Does nothing when the right version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=3.2.2
dest=_vendor/mathjax
if [ -f "$dest/tex-mml-chtml.js" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  echo "mathjax $version: already in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "Fetching mathjax@$version from the npm registry into $dest"
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp/mathjax-$version.tgz" -C "$tmp"
rm -rf "$dest"
mkdir -p "$dest/output/chtml/fonts"
cp "$tmp/package/es5/tex-mml-chtml.js" "$dest/"
cp -r "$tmp/package/es5/output/chtml/fonts/woff-v2" "$dest/output/chtml/fonts/"
cp "$tmp/package/LICENSE" "$dest/"
echo "$version" > "$dest/VERSION"
du -sh "$dest"
