#!/usr/bin/env bash
# End-to-end test of the desktop app: builds the UI and the Tauri app, starts
# Xvfb and tauri-driver (over Debian's WebKitWebDriver), and drives the real
# window. Screenshots of the main screens land in docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}

command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --version 2.1.0 --locked

(cd ui && npm ci --no-audit --no-fund && npm test && npm run build)
cargo build -p bangfu-app --locked
cargo build --bin bangfu --locked

work=$(mktemp -d)
export BANGFU_DB="$work/e2e.sqlite"
export BANGFU_PRINT_DIR="$work/print"
export BANGFU_NO_OPEN=1
export BANGFU_APP="$target_dir/debug/bangfu-app"
export BANGFU_SCREENSHOTS="$root/docs/screenshots"
# A county key for the bundle export step, made by the county side of the same program.
BANGFU_PASSPHRASE='县里的口令 2026' "$target_dir/debug/bangfu" --db "$work/county.sqlite" county init --region 341024 --name 示例县 --out "$work/county-key.bangfu" >/dev/null
export BANGFU_COUNTY_KEY="$work/county-key.bangfu"
export DISPLAY=:97
export LIBGL_ALWAYS_SOFTWARE=1
export WEBKIT_DISABLE_COMPOSITING_MODE=1

Xvfb "$DISPLAY" -screen 0 1440x960x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
tauri-driver --port 4444 >"$work/driver.log" 2>&1 &
driver=$!
cleanup() { kill "$driver" "$xvfb" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break
  sleep 0.2
done

status=0
(cd ui && node --test --test-concurrency=1 e2e/app.e2e.mjs) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- tauri-driver log"; tail -n 40 "$work/driver.log" || true
fi
exit "$status"
