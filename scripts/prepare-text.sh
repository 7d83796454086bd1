#!/usr/bin/env bash
# Rebuilds www/data/text/fortunes.tsv.gz from Debian's `fortunes` package: downloads the .deb
# (apt-get download: no root needed), extracts it to a temporary directory and runs prepare_text.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download fortunes)
dpkg-deb -x "$work"/fortunes_*.deb "$work/x"
dpkg-deb -f "$work"/fortunes_*.deb Version
cargo run --release --bin prepare_text -- "$work/x/usr/share/games/fortunes"
