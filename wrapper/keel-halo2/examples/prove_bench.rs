//! Times real keygen / prove / verify (KZG, SHPLONK, Keccak-256 EVM transcript) of a
//! `Poseidon2CircuitBuilder` circuit on keel's INSECURE development SRS.
//!
//! `cargo run --release -p keel-halo2 --example prove_bench -- [K [PERMUTATIONS]]`
//! (defaults: K = 10, 4 permutations: the circuit of the crate's prover test).

use std::time::Instant;

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::halo2_proofs::plonk::Circuit;
use halo2_base::QuantumCell::{Constant, Existing};
use keel_halo2::poseidon2_gate::{Poseidon2CircuitBuilder, Poseidon2CircuitParams};
use keel_halo2::prover::{keygen, prove, verify};
use keel_halo2::srs::{default_srs_dir, load_or_generate_insecure_dev_srs};
use keel_halo2::Fr;

type Pinning = (Poseidon2CircuitParams, MultiPhaseThreadBreakPoints);

/// Permutations chained with halo2-base arithmetic and a range check; one public instance.
fn circuit(
    k: usize,
    permutations: u64,
    stage: CircuitBuilderStage,
    pinning: Option<&Pinning>,
) -> (Poseidon2CircuitBuilder, Vec<Vec<Fr>>) {
    let mut base = BaseCircuitBuilder::<Fr>::from_stage(stage)
        .use_k(k)
        .use_lookup_bits(k - 1)
        .use_instance_columns(1);
    if let Some((params, break_points)) = pinning {
        base = base
            .use_params(params.base.clone())
            .use_break_points(break_points.clone());
    }
    let mut circuit = Poseidon2CircuitBuilder::new(base);
    let range = circuit.base.range_chip();
    let ctx = circuit.base.main(0);
    let mut state = [1u64, 2, 3].map(|x| ctx.load_witness(Fr::from(x)));
    for round in 0..permutations {
        state = circuit.poseidon2.permute(ctx, &state);
        let gate = range.gate();
        state[1] = gate.mul_add(
            ctx,
            Existing(state[1]),
            Existing(state[2]),
            Constant(Fr::from(round)),
        );
        state[2] = gate.add(ctx, state[2], Constant(Fr::from(7)));
    }
    let small = ctx.load_witness(Fr::from(200u64));
    range.range_check(ctx, small, 8);
    circuit.base.assigned_instances[0].push(state[0]);
    match pinning {
        None => {
            circuit.calculate_params(Some(9));
        }
        Some((params, _)) => circuit.poseidon2_column_sets = params.poseidon2_column_sets,
    }
    (circuit, vec![vec![*state[0].value()]])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let k: usize = args.first().map_or(Ok(10), |a| a.parse())?;
    let permutations: u64 = args.get(1).map_or(Ok(4), |a| a.parse())?;

    let start = Instant::now();
    let params = load_or_generate_insecure_dev_srs(&default_srs_dir(), k as u32)?;
    println!(
        "dev SRS k = {k}: {:.2?} (load or generate)",
        start.elapsed()
    );

    let (keygen_circuit, instances) = circuit(k, permutations, CircuitBuilderStage::Keygen, None);
    let config = keygen_circuit.params();
    println!(
        "{permutations} permutations; advice columns {:?}, lookup advice {:?}, fixed {}, \
         Poseidon2 column sets {}",
        config.base.num_advice_per_phase,
        config.base.num_lookup_advice_per_phase,
        config.base.num_fixed,
        config.poseidon2_column_sets,
    );
    let start = Instant::now();
    let (vk, pk) = keygen(&params, &keygen_circuit)?;
    println!("keygen {:.2?}", start.elapsed());
    let pinning = (config, keygen_circuit.base.break_points());

    let (prover_circuit, _) = circuit(k, permutations, CircuitBuilderStage::Prover, Some(&pinning));
    let start = Instant::now();
    let proof = prove(&params, &pk, prover_circuit, &instances)?;
    println!("prove {:.2?}, proof {} bytes", start.elapsed(), proof.len());

    let start = Instant::now();
    verify(&params, &vk, &proof, &instances)?;
    println!("verify {:.2?}", start.elapsed());
    Ok(())
}
