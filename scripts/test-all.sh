#!/usr/bin/env bash
# Runs every check and test of bangfu. On a fresh Debian 12 machine it first
# installs what the tests need (poppler-utils to read the PDFs back, webkit
# and its WebDriver for the desktop app, the CJK fonts the webview renders
# with; tauri-driver and the UI's npm packages), so it needs no set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

# Tests read PDFs back (poppler-utils), check bundles with the standard tools
# (minisign, age); the desktop app builds against webkit and is driven in Xvfb.
apt_packages=(poppler-utils fonts-noto-cjk sqlite3 minisign age
  build-essential pkg-config file libwebkit2gtk-4.1-dev librsvg2-dev libxdo-dev
  libayatana-appindicator3-dev webkit2gtk-driver xvfb)
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs npm)
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

# A CI machine builds once from clean: incremental caches would only take disk.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0
fi
target_dir=${CARGO_TARGET_DIR:-$(pwd)/target}
disk() { echo "   (disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free; target $(du -sh "$target_dir" 2>/dev/null | cut -f1))"; }

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
disk
echo "== cargo test"
cargo test --all-targets --locked
cargo test --doc --locked
if [ -n "${CI:-}" ]; then
  # A CI machine's disk is small: the test programs are not needed again.
  find "$target_dir/debug/deps" -maxdepth 1 -type f -executable ! -name '*.so' -delete
fi
disk
echo "== desktop app: UI unit tests, build, end-to-end in a real window"
scripts/e2e.sh
# The desktop shell embeds ui/dist, which e2e.sh has just built.
echo "== cargo clippy (desktop shell)"
cargo clippy -p bangfu-app --all-targets --locked -- -D warnings
disk
if [ -n "${CI:-}" ]; then
  # Fuzzing builds in fuzz/target; nothing reads the debug build again.
  rm -rf "$target_dir/debug"
fi

# Fuzzing: each target for a bounded time from the checked-in seeds and the
# kept corpus (fuzz/run.sh). The fuzz crate's first build is long on a small
# machine, so it gets what is left of the time budget (BANGFU_CI_BUDGET_MIN,
# default 80 minutes from the start of this script); a build that cannot
# finish in time is reported and skipped, while a panic found fails the run.
budget=$(( ${BANGFU_CI_BUDGET_MIN:-80} * 60 ))
left=$(( budget - ($(date +%s) - started) ))
if [ "$left" -lt 900 ]; then
  echo "== fuzzing skipped: only $((left / 60)) minutes of the budget left"
  exit 0
fi
echo "== fuzzing (${BANGFU_FUZZ_SECONDS:-30} s per target, at most $((left / 60 - 2)) minutes)"
status=0
timeout $((left - 120)) fuzz/run.sh "${BANGFU_FUZZ_SECONDS:-30}" || status=$?
if [ "$status" -eq 124 ]; then
  echo "== fuzzing did not finish within the time budget (the fuzz build is slow here); no panic was found in what ran"
  exit 0
fi
exit "$status"
