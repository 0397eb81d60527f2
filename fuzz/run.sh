#!/usr/bin/env bash
# Runs bangfu's coverage-guided fuzz targets (cargo fuzz, libFuzzer), each for
# a bounded time, and keeps the corpus they grow.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Targets: household_json roster_csv policy_toml bundle (default: all), 30 s
# each by default. The checked-in seeds in fuzz/corpus/<target>/ are read and
# never written; what a run discovers goes to $BANGFU_FUZZ_CORPUS/<target>/
# (default ~/.cache/bangfu-fuzz/corpus), so the next run starts from it. A
# panic stops the run with a non-zero status and leaves the input in
# fuzz/artifacts/<target>/; reproduce it with
#   (cd fuzz && cargo fuzz run --sanitizer none TARGET artifacts/TARGET/crash-…)
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(household_json roster_csv policy_toml bundle)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# Only a stable toolchain is installed. With `--sanitizer none`, cargo-fuzz
# passes rustc only stable flags (-Cpasses=sancov-module, -Cllvm-args=…,
# --cfg fuzzing, debug assertions), so stable builds the targets as they are.
# The default AddressSanitizer needs -Zsanitizer=address, which stable refuses
# ("the option `Z` is only accepted on the nightly compiler") unless
# RUSTC_BOOTSTRAP=1: set BANGFU_FUZZ_SANITIZER=address to use it. bangfu is
# safe Rust and SQLite's C is not instrumented either way, so none is the
# default, and it runs faster.
sanitizer="${BANGFU_FUZZ_SANITIZER:-none}"
if [ "$sanitizer" != none ]; then
  export RUSTC_BOOTSTRAP=1
fi
keep="${BANGFU_FUZZ_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/bangfu-fuzz/corpus}"

for t in "${targets[@]}"; do
  mkdir -p "$keep/$t"
  echo "== fuzz $t for ${seconds}s (corpus kept in $keep/$t)"
  cargo fuzz run --sanitizer "$sanitizer" "$t" "$keep/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
done
echo "== fuzzing: ${#targets[@]} targets, ${seconds}s each, no panic"
