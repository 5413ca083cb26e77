#!/usr/bin/env bash
# keel benchmarks: measure and print figures (no assertions; tests live in scripts/test.sh).
#
#   bash scripts/bench.sh            # everything below
#   KEEL_BENCH_DIFF=0 bash scripts/bench.sh   # skip the 10,000-program differential run
#
# Figures, all from one run on this machine (shared machines are noisy: compare the ratios):
#   1. executor fast mode on the `bench` guest (~158M instructions, SHA-256 + ALU/M mix), pinned
#      to one core, next to qemu-riscv32 (a JIT) on the same ELF: instructions/second and ratio;
#   2. executor recording mode (what proving uses) on the same guest with 500 rounds;
#   3. host instructions per guest instruction from valgrind --tool=callgrind (stable figure);
#   4. differential test: 10,000 random programs, keel vs qemu-riscv32, byte for byte;
#   5. outer STARK verifier cost (Poseidon2-BN254 permutations) and the Halo2 circuit estimate;
#   6. Halo2: INSECURE dev SRS generation time (k = 16, 18, 20) and a real KZG keygen/prove/verify;
#   7. the first real wrap: keygen/prove/verify of the STARK-verifier circuit for a Fibonacci proof.
#   8. the RV32IM machine: fibonacci and sha256 guests at 2^16, 2^18, 2^20 cycles (fast config)
#      and 2^16 (outer): prove s, cycles/s, peak RSS, proof bytes, verify ms; 1,000 proof byte
#      flips; the mutation harness with every mutation also proven and rejected.
#   9. on chain: fibonacci(10) proven (outer), wrapped the default way (wrap k = 20 + one
#      aggregation layer at k = 22), with the aggregation at k = 21, and directly at k = 17 and
#      k = 20; each generated verifier's
#      size and its verify gas on anvil (keel deploy / keel submit) through the adapter, the
#      router and the FibonacciRecorder consumer: tx gas, calldata bytes, execution gas
#      (tx gas − 21,000 − calldata gas).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s ==\n' "$*"; }
# run pinned to one core (taskset from util-linux)
pin() { taskset -c 0 "$@"; }
# wall seconds of a command pinned to one core (its output discarded)
wall() { /usr/bin/time -f '%e' taskset -c 0 "$@" 2>&1 >/dev/null | tail -1; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

bash scripts/install.sh --quiet
step "build (release)"
cargo build --release --locked -p keel
KEEL="$PWD/target/release/keel"
ELF="$("$KEEL" build prover/guests/bench)"
echo "guest: $ELF"

step "1. fast mode vs qemu-riscv32 (one core, default 2,000 rounds)"
report="$(pin "$KEEL" run "$ELF" --json)"
cycles="$(json_field cycles <<<"$report")"
exec_ms="$(json_field elapsed_ms <<<"$report")"
keel_wall="$(wall "$KEEL" run "$ELF")"
qemu_wall="$(wall qemu-riscv32 "$ELF")"
qemu_out="$(qemu-riscv32 "$ELF")"
keel_out="$(json_field stdout <<<"$report")"
[ "$qemu_out" = "${keel_out%$'\n'}" ] && same="identical" || same="DIFFERENT"
python3 - "$cycles" "$exec_ms" "$keel_wall" "$qemu_wall" "$same" <<'PY'
import sys
cycles, exec_ms, keel_wall, qemu_wall, same = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print(f"instructions:             {cycles:,}")
print(f"keel fast mode:           {cycles / (exec_ms / 1e3) / 1e6:,.0f} M instr/s (execution only, {exec_ms:.0f} ms)")
print(f"keel whole process:       {keel_wall:.2f} s  -> {cycles / keel_wall / 1e6:,.0f} M instr/s")
print(f"qemu-riscv32 whole proc.: {qemu_wall:.2f} s  -> {cycles / max(qemu_wall, 1e-3) / 1e6:,.0f} M instr/s")
print(f"ratio keel / qemu speed:  {max(qemu_wall, 1e-3) / keel_wall:.3f}  (qemu is a JIT; keel interprets pre-decoded instructions)")
print(f"guest stdout keel vs qemu: {same}")
PY

step "2. recording mode (500 rounds)"
report="$(pin "$KEEL" run "$ELF" --input-hex f4010000 --json --record)"
python3 - "$report" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"instructions:             {r['cycles']:,}")
print(f"keel recording mode:      {r['cycles'] / (r['elapsed_ms'] / 1e3) / 1e6:,.0f} M instr/s ({r['elapsed_ms']:.0f} ms)")
print(f"record size:              {r['record']['approx_bytes'] / 2**20:,.0f} MiB ({r['record']['approx_bytes'] / r['cycles']:.1f} B/instruction)")
PY
fast="$(pin "$KEEL" run "$ELF" --input-hex f4010000 --json)"
python3 -c "import json,sys; r=json.loads(sys.argv[1]); print(f\"fast mode, same input:    {r['cycles']/(r['elapsed_ms']/1e3)/1e6:,.0f} M instr/s\")" "$fast"

step "3. callgrind: host instructions per guest instruction (marginal: 100 rounds minus 10 rounds)"
if command -v valgrind >/dev/null; then
    measure() { # rounds as 4-byte LE hex -> "host_instructions guest_instructions"
        local out
        out="$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$KEEL" run "$ELF" --input-hex "$1" --json 2>&1)"
        echo "$(grep -oE 'Collected : [0-9]+' <<<"$out" | grep -oE '[0-9]+') $(grep -oE '"cycles": [0-9]+' <<<"$out" | grep -oE '[0-9]+')"
    }
    read -r ir10 g10 <<<"$(measure 0a000000)"
    read -r ir100 g100 <<<"$(measure 64000000)"
    python3 -c "import sys; a,b,c,d=map(int,sys.argv[1:]); print(f'100 rounds: {c:,} host instructions for {d:,} guest instructions; marginal cost {(c-a)/(d-b):.2f} host instructions per guest instruction')" "$ir10" "$g10" "$ir100" "$g100"
else
    echo "valgrind not installed: skipped"
fi

if [ "${KEEL_BENCH_DIFF:-1}" != 0 ]; then
    step "4. differential test: 10,000 random programs vs qemu-riscv32"
    KEEL_DIFF_PROGRAMS=10000 cargo test --release --locked -p keel-executor --test differential -- --nocapture 2>&1 |
        grep -E 'random programs|test result'
fi

step "5. outer STARK verifier cost and Halo2 circuit estimate (zkvm-like toy machine, 111 columns)"
cargo run --release --locked -q -p keel-halo2 --example circuit_estimate -- 8 12 16

step "6. Halo2 on this machine: INSECURE dev SRS generation, and real KZG prove of 1,000 Poseidon2 permutations (custom gate) at k = 16"
/usr/bin/time -f 'peak RSS %M KB' cargo run --release --locked -q -p keel-halo2 --example dev_srs -- 16 18 20
/usr/bin/time -f 'peak RSS %M KB' cargo run --release --locked -q -p keel-halo2 --example prove_bench -- 16 1000

step "7. the wrap: Halo2 verifier circuit (Poseidon2 custom gate) of each toy machine's outer STARK proof, real KZG keygen / prove / verify (INSECURE dev SRS); one table row per run"
cargo build --release --locked -q -p keel-halo2 --example wrap_toy
for run in "fibonacci 17" "lookup 17" "zkvm-like 17" "zkvm-like 18" "zkvm-like 19" "zkvm-like 17 10"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f 'process peak RSS %M KB, wall %e s' target/release/examples/wrap_toy $run 2>&1 | grep -E '^\||process|STARK'
done

step "7b. MockProver tamper sweep of the wrap: 8 positions per witness kind (opened values, Merkle siblings, opened rows, FRI layer values and siblings), every final-polynomial coefficient, public value, instance and program commitment"
KEEL_WRAP_TAMPERS=8 cargo test --release --locked -q -p keel-halo2 --lib wrap::tests::tampered -- --nocapture --test-threads 1 2>&1 |
    grep -E 'tampered wraps|test result'

step "8. RV32IM machine proofs: | guest | config | cycles | trace cells/cycle | setup s (keys, once per program) | prove s | cycles/s | proof bytes | verify ms | floor s: Plonky3 alone, one table of the same area | prove split |"
cargo build --release --locked -q -p keel-machine --example prove_guest
GUESTS=prover/guests/target/riscv32im-unknown-none-elf/release
for g in fibonacci sha256; do
    target/debug/keel build "prover/guests/$g" >/dev/null 2>&1 || cargo run -q -p keel -- build "prover/guests/$g" >/dev/null
    for run in "fast 65536" "fast 262144" "fast 1048576" "outer 65536" "outer 262144"; do
        # shellcheck disable=SC2086
        /usr/bin/time -f 'peak RSS %M KB' target/release/examples/prove_guest "$GUESTS/$g" "$g" $run 2>&1
    done
done
# The largest run one proof takes (2^22 − 3 cycles; ~10 GB with the fast configuration).
/usr/bin/time -f 'peak RSS %M KB' target/release/examples/prove_guest "$GUESTS/fibonacci" fibonacci fast 4190000 2>&1

step "8b. 1,000 random byte flips of a machine proof file; mutation harness with every mutation proven"
KEEL_PROOF_FLIPS=1000 cargo test --release --locked -q -p keel-machine --lib flipped -- --nocapture 2>&1 | grep -E 'byte flips|test result'
KEEL_MACHINE_FORCED=1 cargo test --release --locked -q -p keel-machine --lib mutation_harness_cpu -- --nocapture 2>&1 | grep -E 'mutations|test result'

step "9. on chain: | wrap | SNARK proof B | runtime code B | via | verify tx gas | calldata B | execution gas |"
# shellcheck source=/dev/null
source .keel/env
cargo build --release --locked -q -p keel
forge build --quiet
KEEL=target/release/keel
chain="$(mktemp -d)"
/usr/bin/time -f 'outer prove: peak RSS %M KB, wall %e s' \
    "$KEEL" prove prover/guests/fibonacci --input-hex 0a --config outer -o "$chain/fib.proof" 2>&1 | tail -1
program_id=$("$KEEL" info "$chain/fib.proof" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["statement"]["rv32im"]["program_id"])')
# shellcheck source=scripts/lib/anvil.sh
source scripts/lib/anvil.sh
start_anvil "$chain/anvil.log"
trap 'kill "$anvil_pid" 2>/dev/null || true' EXIT
# The default (wrap k = 20 + aggregation k = 22), the aggregation at k = 21, then the direct
# wrap at k = 17 and k = 20.
for mode in aggregation agg21 direct17 direct20; do
    case "$mode" in
        aggregation) flags=() ;;
        agg21) flags=(--aggregation-k 21) ;;
        direct17) flags=(--direct --k 17) ;;
        direct20) flags=(--direct --k 20) ;;
    esac
    /usr/bin/time -f "wrap ($mode): peak RSS %M KB, wall %e s" \
        "$KEEL" wrap "$chain/fib.proof" "${flags[@]}" -o "$chain/$mode.snark" 2>&1 | tail -2
    "$KEEL" verifier "$chain/$mode.snark" --out "$chain/v-$mode" >/dev/null
    "$KEEL" fixture "$chain/$mode.snark" --proof "$chain/fib.proof" -o "$chain/$mode.json" >/dev/null
    "$KEEL" deploy --rpc-url "$rpc" --verifier "$chain/v-$mode" --fibonacci-recorder "$program_id" \
        --json >"$chain/deploy-$mode.json" 2>/dev/null
    adapter=$(json_field keel_verifier <"$chain/deploy-$mode.json")
    router=$(json_field router <"$chain/deploy-$mode.json")
    recorder=$(json_field fibonacci_recorder <"$chain/deploy-$mode.json")
    halo2=$(cast code "$(cast call "$adapter" 'snarkVerifier()(address)' --rpc-url "$rpc")" --rpc-url "$rpc")
    "$KEEL" submit "$chain/$mode.json" --rpc-url "$rpc" --to "$adapter" --json >"$chain/s-$mode-adapter.json"
    "$KEEL" submit "$chain/$mode.json" --rpc-url "$rpc" --to "$router" --json >"$chain/s-$mode-router.json"
    "$KEEL" submit "$chain/$mode.json" --rpc-url "$rpc" --to "$recorder" --call record --json >"$chain/s-$mode-consumer.json"
    for via in adapter router consumer; do
        python3 - "$mode" "$via" "$chain/$mode.json" "$chain/s-$mode-$via.json" "${#halo2}" <<'PY'
import json, sys
mode, via, fixture, submit, code_hex = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), json.load(open(sys.argv[4])), int(sys.argv[5])
proof_bytes = (len(fixture["proof"]) - 2) // 2 - 4
print(f"| {mode} | {proof_bytes} | {(code_hex - 2) // 2} | {via} | {submit['gas_used']} | {submit['calldata_bytes']} | {submit['execution_gas']} |")
PY
    done
done
rm -rf "$chain"
