#!/usr/bin/env bash
# How long a newcomer waits for the README's first label: a dev build from an empty
# target directory, with cargo's per-crate timings, then the README's first command.
#   bench/first_run.sh [TARGET_DIR]     (default: a new temporary directory)
# Prints wall and CPU time of the build (GNU time: apt-get install time) and of the label
# run, and where cargo-timing.html is. Run it on an otherwise idle machine: the wall time
# grows with whatever else is compiling, the CPU time much less.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-$(mktemp -d)}
export CARGO_TARGET_DIR=$target
rm -rf "$target"/debug "$target"/cargo-timings
/usr/bin/time -f 'build: %e s wall, %U s user + %S s system CPU, %M KB peak RSS' \
  cargo build --locked --timings 2>&1 | grep -E '^(build:|    Finished)' >&2
echo "crates compiled: $(find "$target/debug/.fingerprint" -mindepth 1 -maxdepth 1 | wc -l)" >&2
out=$(mktemp -d)/thermostat-label.pdf
/usr/bin/time -f 'first label (cargo run, already built): %e s wall' \
  cargo run --locked -q -- label samples/thermostat.toml --key samples/keys/demo.pem -o "$out" >&2
echo "timings: $target/cargo-timings/cargo-timing.html" >&2
