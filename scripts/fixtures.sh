#!/usr/bin/env bash
# Real fixtures for the forge tests of on-chain verification (scripts/test.sh runs this before
# `forge test`):
#
#   bash scripts/fixtures.sh
#
# proves the fibonacci guest (n = 10) with the outer configuration, wraps the proof (Halo2 wrap
# circuit at k = 20, then one aggregation layer at k = 21: `keel wrap`'s default is k = 22, one
# advice column less and a cheaper verifier, but ~3 minutes and 5 GB more, so the tests use
# k = 21; keel's INSECURE development SRS; keys cached under .keel/keys), generates the Solidity
# verifier of the aggregation circuit and compiles it (keel verifier:
# contracts/fixtures/verifier/), builds the contracts (forge build) and writes
# contracts/fixtures/rv32im.json: programId, publicValues, exitCode, instances,
# accumulatorWords, proof, verifierCalldata (keel fixture) and verifierBytecode, next to the
# proof and SNARK files (rv32im.proof, rv32im.snark). ~7 minutes on 2 cores with cached keys
# and SRS (first run: + ~2 min of key generation and ~1 min of SRS), 7.2 GB peak.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=/dev/null
source .keel/env

cargo build -p keel --locked --quiet
keel="${KEEL:-${CARGO_TARGET_DIR:-target}/debug/keel}"
out=contracts/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$keel" prove prover/guests/fibonacci --input-hex 0a --config outer -o "$work/fib.proof"
"$keel" wrap "$work/fib.proof" --aggregation-k 21 -o "$work/fib.snark"
mkdir -p "$out"
rm -rf "$out/verifier"
"$keel" verifier "$work/fib.snark" --out "$out/verifier"
"$keel" fixture "$work/fib.snark" --proof "$work/fib.proof" -o "$work/fixture.json"
# The proof and SNARK files too, for the native verification tests (tests/anvil.rs).
cp "$work/fib.proof" "$out/rv32im.proof"
cp "$work/fib.snark" "$out/rv32im.snark"
# The adapter, router and consumers for `keel deploy` (the end-to-end test).
forge build --quiet

python3 - "$work/fixture.json" "$out/verifier" "$out/rv32im.json" <<'PY'
import json, os, sys
fixture_path, verifier_dir, target = sys.argv[1:]
bin_path = os.path.join(verifier_dir, "Halo2Verifier.bin")
if not os.path.exists(bin_path):
    sys.exit("keel verifier wrote no bytecode: is solc on PATH (source .keel/env)?")
fixture = json.load(open(fixture_path))
fixture["verifierBytecode"] = "0x" + open(bin_path).read().strip()
fixture["verifier"] = json.load(open(os.path.join(verifier_dir, "verifier.json")))
tmp = target + ".tmp"
with open(tmp, "w") as f:
    json.dump(fixture, f, indent=2)
os.replace(tmp, target)
print(f"{target}: verifier {(len(fixture['verifierBytecode']) - 2) // 2} bytes of creation code, "
      f"proof {(len(fixture['proof']) - 2) // 2} bytes")
PY
