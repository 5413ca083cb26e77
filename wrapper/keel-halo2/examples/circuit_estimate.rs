//! Early size estimate of the Halo2 verifier circuit for outer-configuration proofs.
//!
//! Counts (1) the Poseidon2-BN254 permutations the native verifier computes for proofs of the
//! toy machines (instrumented run, `keel_stark::cost`) and (2) the advice cells one in-circuit
//! permutation takes with this crate's chip, and prints their product: the hashing part of the
//! circuit, which dominates it. The field arithmetic (FRI folding, opening reduction,
//! out-of-domain constraint evaluation) comes on top and is not counted here.
//!
//! `cargo run --release -p keel-halo2 --example circuit_estimate [LOG_HEIGHT...]`

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use keel_halo2::poseidon2::Poseidon2Chip;
use keel_halo2::poseidon2_gate::{ADVICE_COLUMNS_PER_SET, ROWS_PER_PERMUTATION};
use keel_halo2::Fr;
use keel_stark::cost::outer_verifier_cost;
use keel_stark::toy::ToyMachine;

fn cells_per_permutation() -> usize {
    let mut builder = BaseCircuitBuilder::<Fr>::new(false)
        .use_k(17)
        .use_lookup_bits(16);
    let ctx = builder.main(0);
    let state = [0u64, 1, 2].map(|v| ctx.load_witness(Fr::from(v)));
    let before = ctx.advice.len();
    Poseidon2Chip::new().permute(ctx, &state);
    ctx.advice.len() - before
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let heights: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let heights = if heights.is_empty() {
        vec![8, 12]
    } else {
        heights
    };
    let per_perm = cells_per_permutation();
    // the custom gate: its rows × columns, plus the 3 halo2-base cells holding the output
    let per_perm_gate = ROWS_PER_PERMUTATION * ADVICE_COLUMNS_PER_SET + 3;
    println!("one Poseidon2-BN254 permutation in-circuit: {per_perm} advice cells (flex-gate chip), {per_perm_gate} (custom gate)");
    println!(
        "{:<10} {:>8} {:>12} {:>14} {:>16} {:>16}",
        "log h", "columns", "verifier P2", "chip cells", "k at 8 columns", "gate cells"
    );
    for log_height in heights {
        let cost = outer_verifier_cost(&ToyMachine::zkvm_like(log_height))?;
        let cells = cost.verifier_permutations as usize * per_perm;
        // rows needed with 8 advice columns, as a power of two
        let k = (cells.div_ceil(8) as f64).log2().ceil() as u32;
        let gate_cells = cost.verifier_permutations as usize * per_perm_gate;
        println!(
            "{:<10} {:>8} {:>12} {:>14} {:>16} {:>16}",
            log_height, cost.total_width, cost.verifier_permutations, cells, k, gate_cells
        );
    }
    Ok(())
}
