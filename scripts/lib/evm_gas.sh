# shellcheck shell=bash
# evm_gas SOL CALLDATA_HEX: compiles a generated Solidity verifier (solc, optimizer off, as
# `keel verifier` does), deploys it on the anvil of scripts/lib/anvil.sh (`rpc` must be set),
# calls it with the calldata (instances ‖ proof), and prints one table row:
#   | runtime code B | deploy gas | verify tx gas | calldata B | calldata gas | execution gas |
# Execution gas = tx gas − 21,000 − calldata gas (16 per nonzero byte, 4 per zero byte).
# Fails if the call reverts, or if the call with the proof's last byte flipped does not.
# Needs solc, cast and python3.
evm_gas() {
    local sol=$1 calldata=$2 key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
    local bin deploy address call
    bin=$(solc --bin "$sol" | awk '/^Binary/{getline; print; exit}')
    [ -n "$bin" ] || { echo "solc printed no bytecode for $sol" >&2; return 1; }
    deploy=$(cast send --rpc-url "$rpc" --private-key "$key" --json --create "0x$bin")
    address=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])' <<<"$deploy")
    call=$(cast send --rpc-url "$rpc" --private-key "$key" --json --gas-limit 30000000 \
        "$address" "0x$(cat "$calldata")")
    python3 - "$deploy" "$call" "$(cast code "$address" --rpc-url "$rpc")" "$calldata" <<'PY'
import json, sys
deploy, call, code, calldata_path = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
if int(call["status"], 16) != 1:
    sys.exit("the verifier reverted on its own proof")
data = bytes.fromhex(open(calldata_path).read().strip())
calldata_gas = sum(16 if b else 4 for b in data)
gas = int(call["gasUsed"], 16)
print(f"| {(len(code) - 2) // 2} | {int(deploy['gasUsed'], 16)} | {gas} | {len(data)} | {calldata_gas} | {gas - 21000 - calldata_gas} |")
PY
    # The same call with one byte of the proof flipped (its last byte) must revert.
    local tampered
    tampered=$(python3 -c 'import sys; d = bytearray.fromhex(open(sys.argv[1]).read().strip()); d[-1] ^= 1; print(d.hex())' "$calldata")
    if cast call --rpc-url "$rpc" --gas-limit 30000000 "$address" "0x$tampered" >/dev/null 2>&1; then
        echo "a tampered proof was accepted" >&2
        return 1
    fi
    echo "tampered proof (last byte flipped): reverted"
}
