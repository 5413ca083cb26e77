//! Prints what verifying outer-configuration proofs of the toy machines costs (Poseidon2-BN254
//! permutations), the figure that sizes the Halo2 verifier circuit.
//!
//! `cargo run --release -p keel-stark --example outer_cost [LOG_HEIGHT...]`

use keel_stark::config::FriSettings;
use keel_stark::cost::outer_verifier_cost;
use keel_stark::toy::ToyMachine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let heights: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let heights = if heights.is_empty() {
        vec![6, 10, 14]
    } else {
        heights
    };
    let s = FriSettings::OUTER;
    println!(
        "outer FRI: log_blowup {}, {} queries, PoW bits query {} / commit {} / batch {} / ood {} / lookup {}",
        s.log_blowup, s.num_queries, s.query_pow_bits, s.commit_pow_bits, s.batch_pow_bits, s.ood_pow_bits, s.lookup_pow_bits
    );
    println!(
        "{:<22} {:>8} {:>8} {:>12} {:>12} {:>10}",
        "machine", "log h", "columns", "proof bytes", "verifier P2", "prove s"
    );
    for &log_height in &heights {
        for (name, machine) in [
            ("fibonacci", ToyMachine::fibonacci(log_height)),
            ("lookup pair", ToyMachine::lookup(log_height)),
            ("zkvm-like (5 tables)", ToyMachine::zkvm_like(log_height)),
        ] {
            let start = std::time::Instant::now();
            let cost = outer_verifier_cost(&machine)?;
            println!(
                "{:<22} {:>8} {:>8} {:>12} {:>12} {:>10.1}",
                name,
                log_height,
                cost.total_width,
                cost.proof_bytes,
                cost.verifier_permutations,
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
