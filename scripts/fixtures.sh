#!/usr/bin/env bash
# Real fixtures for the forge tests of on-chain verification (scripts/test.sh runs this before
# `forge test`):
#
#   bash scripts/fixtures.sh
#
# proves the fibonacci guest (n = 10) with the outer configuration, wraps the proof (Halo2,
# k = 17, keel's INSECURE development SRS; keys cached under .keel/keys), generates the Solidity
# verifier of the wrap circuit, compiles it (solc, optimizer off) and writes
# contracts/test/fixtures/rv32im.json: programId, publicValues, exitCode, instances, proof,
# verifierCalldata (keel fixture) and verifierBytecode. ~4 minutes on 2 cores (first run: +30 s
# of keygen and the SRS).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=/dev/null
source .keel/env

cargo build -p keel --locked --quiet
keel="${KEEL:-${CARGO_TARGET_DIR:-target}/debug/keel}"
out=contracts/test/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$keel" prove prover/guests/fibonacci --input-hex 0a --config outer -o "$work/fib.proof"
"$keel" wrap "$work/fib.proof" -o "$work/fib.snark"
"$keel" verifier "$work/fib.snark" --out "$work/verifier"
"$keel" fixture "$work/fib.snark" --proof "$work/fib.proof" -o "$work/fixture.json"
solc --bin "$work/verifier/KeelHalo2Verifier.sol" > "$work/solc.txt"

mkdir -p "$out"
python3 - "$work" "$out/rv32im.json" <<'PY'
import json, os, re, sys
work, target = sys.argv[1], sys.argv[2]
solc = open(os.path.join(work, "solc.txt")).read()
found = re.search(r"Binary:\s*\n([0-9a-f]+)", solc)
if not found:
    sys.exit("solc printed no bytecode for the generated verifier")
fixture = json.load(open(os.path.join(work, "fixture.json")))
fixture["verifierBytecode"] = "0x" + found.group(1)
fixture["verifier"] = json.load(open(os.path.join(work, "verifier", "verifier.json")))
tmp = target + ".tmp"
with open(tmp, "w") as f:
    json.dump(fixture, f, indent=2)
os.replace(tmp, target)
print(f"{target}: verifier {len(found.group(1)) // 2} bytes of creation code, "
      f"proof {(len(fixture['proof']) - 2) // 2} bytes")
PY
