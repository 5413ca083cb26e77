#!/usr/bin/env bash
# keel's main job, end to end, on a fresh machine:
#
#   bash scripts/demo.sh
#
# installs what is missing, builds the keel CLI and the example guests, and runs each guest
# with a sample input, printing its output, public values and digest.
# (Proving and on-chain verification join this script as they land.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "install (idempotent)"
bash scripts/install.sh

step "build the keel CLI (release)"
cargo build --release --locked -p keel
KEEL="$PWD/target/release/keel"

step "build the example guests (riscv32im)"
for guest in fibonacci sha256 keccak256 merkle; do
    "$KEEL" build "prover/guests/$guest"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'hello, keel' >"$work/message.txt"

step "fibonacci(20)   input: postcard u32 20 = 0x14"
"$KEEL" run prover/guests/fibonacci --input-hex 14

step "sha256(\"hello, keel\")"
"$KEEL" run prover/guests/sha256 --input "$work/message.txt"
printf 'host check: sha256sum says %s\n' "$(sha256sum "$work/message.txt" | cut -d' ' -f1)"

step "keccak256(\"hello, keel\")"
"$KEEL" run prover/guests/keccak256 --input "$work/message.txt"

step "merkle: a leaf that is not in the tree (empty path, wrong root) -> included = false"
# postcard InclusionClaim { leaf: b"hi", index: 0, siblings: [], root: [0; 32] }
"$KEEL" run prover/guests/merkle --input-hex "02_6869 00 00 $(printf '00%.0s' $(seq 32))"

printf '\nkeel demo: all example guests ran.\n'
