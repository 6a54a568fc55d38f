#!/usr/bin/env bash
# Builds the playground (web/) into web/dist/: kubesim-core compiled to WebAssembly behind
# crates/kubesim-wasm, its JavaScript glue made by wasm-bindgen, the page, and the example
# scenarios. Serve the folder with any static file server, e.g.
#   python3 -m http.server -d web/dist
# and open http://localhost:8000/. Nothing in it talks to a server but to fetch its own .wasm.
#
# Tools come from crates.io only: the wasm32-unknown-unknown target (rustup) and
# wasm-bindgen-cli at the exact version of the wasm-bindgen crate in Cargo.lock, installed
# into .tools/ (git-ignored) on the first build.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${CARGO_TARGET_DIR:-target}"
dist=web/dist
tools="$PWD/.tools"

# The wasm-bindgen crate's version in Cargo.lock: the CLI must be exactly this one.
version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
test -n "$version" || { echo "build-web: no wasm-bindgen in Cargo.lock" >&2; exit 1; }

if ! "$tools/bin/wasm-bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
  echo "== installing wasm-bindgen-cli $version into .tools/ (once)"
  # No default features: they are the TLS of its test runner's downloads, which the page
  # does not need. Without --locked: the CLI's own lock file names a webpki-roots release
  # that some crates.io mirrors lack; cargo then takes the newest compatible versions.
  cargo install wasm-bindgen-cli --version "$version" --no-default-features --root "$tools" --quiet
fi

echo "== kubesim-wasm for wasm32-unknown-unknown (release)"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo build -p kubesim-wasm --target wasm32-unknown-unknown --release --quiet

rm -rf "$dist"
mkdir -p "$dist/pkg"
"$tools/bin/wasm-bindgen" --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$dist/pkg" \
  "$target_dir/wasm32-unknown-unknown/release/kubesim_wasm.wasm"
cp web/index.html web/playground.css web/playground.js "$dist/"

echo "== the example scenarios"
python3 web/examples.py scenarios "$dist/examples.js"

echo "built $dist ($(du -sh "$dist" | cut -f1)); serve it with: python3 -m http.server -d $dist"
