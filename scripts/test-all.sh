#!/usr/bin/env bash
# Runs every check and test of bangfu. On a fresh Debian 12 machine it first
# installs what the tests need (poppler-utils to read the PDFs back, webkit
# and its WebDriver for the desktop app, the CJK fonts the webview renders
# with; tauri-driver and the UI's npm packages), so it needs no set-up.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(poppler-utils fonts-noto-cjk sqlite3 minisign age)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them first)" >&2
    exit 1
  fi
  echo "== installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --all-targets --locked
cargo test --doc --locked
echo "== desktop app: UI unit tests, build, end-to-end in a real window"
scripts/e2e.sh
