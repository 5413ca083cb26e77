#!/usr/bin/env bash
# keel's main job, end to end, on a fresh machine:
#
#   bash scripts/demo.sh
#
# installs what is missing, builds the keel CLI and the example guests, runs each guest with a
# sample input, then takes fibonacci(10) all the way to Ethereum: a STARK proof (verified), the
# outer-configuration proof wrapped into a Halo2 SNARK and aggregated once more (keel's INSECURE
# development SRS), the Solidity verifier generated for it, a local anvil devnet with the verifier, router and the
# example FibonacciRecorder deployed, the proof submitted — a tampered copy reverts — and the
# recorded result read back from the contract. ~15 minutes after the build on 2 cores (the first
# run also makes the SRS and the circuits' keys: ~4 more minutes; 12.5 GB of memory at the wrap).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "install (idempotent)"
bash scripts/install.sh
# Foundry (forge, anvil, cast) and solc on PATH.
# shellcheck source=/dev/null
source .keel/env

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

step "prove fibonacci(10) (fast configuration) and verify the proof"
"$KEEL" prove prover/guests/fibonacci --input-hex 0a -o "$work/fib-fast.proof"
"$KEEL" verify "$work/fib-fast.proof" --program-id "$("$KEEL" program-id prover/guests/fibonacci)"

step "prove it again with the outer configuration (what the Halo2 wrap verifies; ~2 min)"
"$KEEL" prove prover/guests/fibonacci --input-hex 0a --config outer -o "$work/fib.proof"

step "wrap the STARK proof into a Halo2 SNARK and aggregate it (~8 min; keys cached under .keel/keys)"
"$KEEL" wrap "$work/fib.proof" -o "$work/fib.snark"
"$KEEL" verify-snark "$work/fib.snark" --proof "$work/fib.proof"

step "generate the Solidity verifier and the proof's calldata fixture"
"$KEEL" verifier "$work/fib.snark" --out "$work/verifier"
"$KEEL" fixture "$work/fib.snark" --proof "$work/fib.proof" -o "$work/fib.json"
forge build --quiet

step "deploy on a local anvil devnet and submit the proof"
# shellcheck source=scripts/lib/anvil.sh
source scripts/lib/anvil.sh
start_anvil "$work/anvil.log"
trap 'kill "$anvil_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
program_id=$("$KEEL" program-id prover/guests/fibonacci)
"$KEEL" deploy --rpc-url "$rpc" --verifier "$work/verifier" --fibonacci-recorder "$program_id" --json | tee "$work/deployed.json"
recorder=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fibonacci_recorder"])' "$work/deployed.json")
python3 - "$work/fib.json" "$work/tampered.json" <<'PY'
import json, sys
fixture = json.load(open(sys.argv[1]))
proof = bytearray.fromhex(fixture["proof"][2:])
proof[len(proof) // 2] ^= 1
fixture["proof"] = "0x" + proof.hex()
json.dump(fixture, open(sys.argv[2], "w"))
PY
echo "a tampered proof (one flipped byte):"
if "$KEEL" submit "$work/tampered.json" --rpc-url "$rpc" --to "$recorder" --call record --gas-limit 8000000; then
    echo "keel demo: a tampered proof was accepted" >&2
    exit 1
fi
echo "the real proof:"
"$KEEL" submit "$work/fib.json" --rpc-url "$rpc" --to "$recorder" --call record
printf 'FibonacciRecorder.fib(10) on chain: %s\n' "$(cast call "$recorder" 'fib(uint32)(uint32)' 10 --rpc-url "$rpc")"

printf '\nkeel demo: every example guest ran; fibonacci(10) was proven, wrapped, and verified on anvil.\n'
