//! Wraps an outer-configuration STARK proof of a toy machine (keel's test AIRs) in the Halo2
//! verifier circuit: real KZG keygen, prove and verify (SHPLONK, Keccak-256 EVM transcript) on keel's
//! INSECURE development SRS, and prints one line of figures.
//!
//! `cargo run --release -p keel-halo2 --example wrap_toy -- [fibonacci|lookup|zkvm-like] [K]
//! [LOG_HEIGHT]` (defaults: fibonacci, K = 18, LOG_HEIGHT = 5).
//!
//! Keys are generated (not read from the cache) so that keygen is timed. Peak RSS is measured
//! per phase: the process's `VmHWM` is reset (`/proc/self/clear_refs`, 5) before each phase.

use std::time::Instant;

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::plonk::Circuit;
use keel_halo2::srs::{default_srs_dir, load_or_generate_insecure_dev_srs};
use keel_halo2::wrap::{build_circuit, verify_snark, wrap, WrapInputs, WrapKeys};
use keel_halo2::Fr;
use keel_stark::toy::ToyKind;

type Error = Box<dyn std::error::Error>;

/// Resets the peak resident set (`VmHWM`) to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set since the last reset, in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let kind: ToyKind = args.next().as_deref().unwrap_or("fibonacci").parse()?;
    let k: u32 = args.next().map_or(Ok(18), |a| a.parse())?;
    let log_height: usize = args.next().map_or(Ok(5), |a| a.parse())?;

    let start = Instant::now();
    let machine = kind.machine(log_height);
    let heights = machine.log_heights();
    let (data, proof) = machine.prove_outer()?;
    let inputs = WrapInputs::new(
        &machine.airs,
        &heights,
        &data.common,
        &proof,
        &machine.public_values,
    )?;
    println!(
        "{}: outer STARK proof ({} tables, {} columns, heights 2^{:?}) + wrap inputs: {:.2?}",
        kind.name(),
        machine.airs.len(),
        machine.total_width(),
        heights,
        start.elapsed()
    );

    let start = Instant::now();
    let params = load_or_generate_insecure_dev_srs(&default_srs_dir(), k)?;
    println!("INSECURE dev SRS k = {k}: {:.2?}", start.elapsed());

    let built = build_circuit(&inputs, k, CircuitBuilderStage::Mock, None)?;
    let p = built.circuit.params();
    let stats = built.stats;
    drop(built);

    reset_peak();
    let start = Instant::now();
    let keys = WrapKeys::generate(&inputs, k, &params)?;
    let keygen_s = start.elapsed().as_secs_f64();
    let keygen_mb = peak_mb();

    reset_peak();
    let start = Instant::now();
    let snark = wrap(&params, &keys, &inputs)?;
    let prove_s = start.elapsed().as_secs_f64();
    let prove_mb = peak_mb();

    let start = Instant::now();
    verify_snark(&params, keys.id, &keys.vk, &snark)?;
    let verify_ms = start.elapsed().as_secs_f64() * 1e3;

    let mut bad = snark.clone();
    let middle = bad.proof.len() / 2;
    bad.proof[middle] ^= 1;
    if verify_snark(&params, keys.id, &keys.vk, &bad).is_ok() {
        return Err("a SNARK with a flipped byte verified".into());
    }
    if let Some(first) = bad.instances.first_mut() {
        bad.proof = snark.proof.clone();
        *first += Fr::from(1u64);
        if verify_snark(&params, keys.id, &keys.vk, &bad).is_ok() {
            return Err("a SNARK verified with a changed instance".into());
        }
    }
    println!("tampered SNARK byte and changed instance: rejected");

    let circuit_params = keys.pinning.circuit_params();
    println!(
        "| AIR | advice cells | lookup cells | Poseidon2 perms | k | advice cols (base + gate) | \
         lookup cols | fixed cols | instances | keygen s | keygen peak MB | prove s | \
         prove peak MB | SNARK B | verify ms |"
    );
    println!(
        "| {} | {} | {} | {} | {} | {} + {} | {} | {} | {} | {:.1} | {:.0} | {:.1} | {:.0} | {} | {:.1} |",
        kind.name(),
        stats.advice_cells,
        stats.lookup_cells,
        stats.permutations,
        k,
        circuit_params.base.num_advice_per_phase.iter().sum::<usize>(),
        6 * circuit_params.poseidon2_column_sets,
        p.base.num_lookup_advice_per_phase.iter().sum::<usize>(),
        p.base.num_fixed + 3,
        stats.instances,
        keygen_s,
        keygen_mb,
        prove_s,
        prove_mb,
        snark.proof.len(),
        verify_ms
    );
    Ok(())
}
