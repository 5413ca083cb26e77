#!/usr/bin/env bash
# keel's test suite: what CI runs (.ci/run calls exactly this script).
#
#   bash scripts/test.sh
#
# 1. installs whatever is missing (scripts/install.sh is idempotent and quiet when done),
# 2. checks formatting and lints (cargo fmt --check, clippy -D warnings),
# 3. writes the real fixture (scripts/fixtures.sh: a fibonacci proof wrapped into a SNARK, the
#    Solidity verifier generated for it, the contracts built),
# 4. runs every Rust test in the workspace: ISA unit and property tests, the executor's
#    self-checking assembly programs, the differential test against qemu-riscv32 (300 random
#    programs; scripts/bench.sh runs 10,000), malformed-ELF and fuzz tests, the STARK and wrap
#    soundness suites, the CLI tests, the example guests built with the real guest toolchain and
#    the end-to-end test on anvil (tests/anvil.rs: keel deploy, keel submit, the fixture),
# 5. runs the Solidity tests with forge (the fixture's proof against its generated verifier).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s ==\n' "$*"; }

# A cold build is written once: incremental caches would only double its size on disk (CI).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
avail_kb=$(df -Pk "${CARGO_TARGET_DIR:-target}" 2>/dev/null | awk 'NR==2 {print $4}' || true)
if [ -z "$avail_kb" ]; then avail_kb=$(df -Pk . | awk 'NR==2 {print $4}'); fi
if [ "${avail_kb:-0}" -lt $((8 * 1024 * 1024)) ]; then
    echo "warning: $((avail_kb / 1024)) MB free for the target directory; a cold test build needs ~6 GB" >&2
fi

step "install (idempotent)"
bash scripts/install.sh --quiet
# shellcheck source=/dev/null
source .keel/env

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "fixtures: a real proof, its SNARK and the generated Solidity verifier"
bash scripts/fixtures.sh

step "cargo test"
cargo test --workspace --locked

step "forge test"
forge test
