//! Measures an aggregation layer over the wrap (issue 6: the direct verifier of the wrap SNARK
//! against one more layer, snark-verifier-sdk's `AggregationCircuit`). Bench only: the layer is
//! not part of `keel wrap` yet.
//!
//!   aggregate [WRAP_K] [AGG_K] [OUT_DIR]        (defaults: 20, 21, target/aggregate)
//!
//! Measured (2 cores): wrap k = 20 + aggregation k = 21: ~7 min, 8.9 GB peak, 3 advice + 1
//! lookup columns, 406k verify tx gas; wrap k = 17 (53 columns) + k = 21: 10 min, 13.5 GB,
//! 10 + 2 columns (an inner circuit with more columns costs far more to verify in-circuit).
//!
//! 1. Proves a small RV32IM program (`a0 = 7; exit`) with the outer configuration and builds the
//!    wrap circuit's inputs as `keel wrap` does (instances: program id, then exit code and
//!    public-values digest).
//! 2. Wraps it at `2^WRAP_K` rows (INSECURE dev SRS) with snark-verifier's **Poseidon**
//!    transcript — the one the aggregation circuit replays in-circuit (the direct path uses the
//!    Keccak EVM transcript instead).
//! 3. Aggregates that SNARK once at `2^AGG_K` rows (halo2-base picks the column count), exposing
//!    the wrap's instances after the 12 accumulator limbs, and proves it with the Keccak EVM
//!    transcript (the SDK verifies it natively too).
//! 4. Writes `OUT_DIR/AggregationVerifier.sol` (snark-verifier's generated verifier, pragma
//!    relaxed as `keel verifier` does) and `OUT_DIR/calldata.hex` (instances ‖ proof): bench
//!    step 9b compiles, deploys and calls them on anvil for the gas figures.
//!
//! Prints one table row: wrap keygen / Poseidon-transcript prove, aggregation cells, columns,
//! keygen, prove, proof bytes, calldata bytes. Peak RSS comes from `/usr/bin/time`.

use std::path::PathBuf;
use std::time::Instant;

use halo2_base::gates::circuit::CircuitBuilderStage;
use keel_executor::{testing, Input, Program};
use keel_halo2::srs::{default_srs_dir, load_or_generate_insecure_dev_srs};
use keel_halo2::wrap::{build_circuit, WrapInputs, WrapKeys};
use keel_isa::encode::asm::{addi, ecall};
use keel_machine::rv32im::{self, ProveOptions};
use keel_stark::config::{outer_config, ConfigKind, OuterConfig};
use snark_verifier::system::halo2::{compile, Config};
use snark_verifier_sdk::evm::{gen_evm_proof_shplonk, gen_evm_verifier_sol_code};
use snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use snark_verifier_sdk::halo2::gen_proof_shplonk;
use snark_verifier_sdk::{gen_pk, CircuitExt, Snark, SHPLONK};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let wrap_k: u32 = args.next().map_or(Ok(20), |a| a.parse())?;
    let agg_k: u32 = args.next().map_or(Ok(21), |a| a.parse())?;
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/aggregate".into()));
    std::fs::create_dir_all(&out)?;

    // 1. The outer STARK proof and the wrap's inputs.
    let start = Instant::now();
    let code = [addi(10, 0, 7), addi(17, 0, 93), ecall()];
    let program = Program::from_elf(&testing::elf_from_instructions(0x1_0000, &code, &[]))?;
    let options = ProveOptions {
        config: ConfigKind::Outer,
        ..ProveOptions::default()
    };
    let run = rv32im::prove(&program, Input::new(), &options, |_| {})?;
    let (airs, heights, _) = rv32im::tables_and_heights(&run.file)?;
    let data = keel_stark::stark::setup(&outer_config(), &airs, &heights)?;
    let proof = run.file.proof::<OuterConfig>()?;
    let public_values = run.file.public_values()?;
    let tag = keel_halo2::convert::bn254_to_fr(&rv32im::id_tag(&airs));
    let inputs = WrapInputs::new(&airs, &heights, &data.common, &proof, &public_values)?
        .with_commitment_tag(tag)
        .with_exit_code_and_digest()?;
    println!("outer STARK proof + wrap inputs: {:.1?}", start.elapsed());

    // 2. The wrap SNARK with the Poseidon transcript.
    let wrap_params = load_or_generate_insecure_dev_srs(&default_srs_dir(), wrap_k)?;
    let start = Instant::now();
    let keys = WrapKeys::generate(&inputs, wrap_k, &wrap_params)?;
    let wrap_keygen = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let built = build_circuit(
        &inputs,
        wrap_k,
        CircuitBuilderStage::Prover,
        Some(&keys.pinning),
    )?;
    let instances = built.instances.clone();
    let wrap_proof = gen_proof_shplonk(
        &wrap_params,
        &keys.pk,
        built.circuit,
        vec![instances.clone()],
        None,
    );
    let wrap_prove = start.elapsed().as_secs_f64();
    let protocol = compile(
        &wrap_params,
        &keys.vk,
        Config::kzg().with_num_instance(vec![instances.len()]),
    );
    let snark = Snark::new(protocol, vec![instances.clone()], wrap_proof);
    println!(
        "wrap k = {wrap_k} (Poseidon transcript): keygen {wrap_keygen:.1} s, prove {wrap_prove:.1} s, \
         proof {} B, {} instances",
        snark.proof.len(),
        instances.len()
    );

    // 3. One aggregation layer.
    let agg_params = load_or_generate_insecure_dev_srs(&default_srs_dir(), agg_k)?;
    let config = AggregationConfigParams {
        degree: agg_k,
        lookup_bits: agg_k as usize - 1,
        ..Default::default()
    };
    let start = Instant::now();
    let mut keygen_circuit = AggregationCircuit::new::<SHPLONK>(
        CircuitBuilderStage::Keygen,
        config,
        &agg_params,
        [snark.clone()],
        VerifierUniversality::None,
    );
    keygen_circuit.expose_previous_instances(false);
    let config = keygen_circuit.calculate_params(Some(20));
    let stats = keygen_circuit.builder.statistics();
    let pk = gen_pk(&agg_params, &keygen_circuit, None);
    let break_points = keygen_circuit.break_points();
    drop(keygen_circuit);
    let agg_keygen = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut circuit = AggregationCircuit::new::<SHPLONK>(
        CircuitBuilderStage::Prover,
        config,
        &agg_params,
        [snark],
        VerifierUniversality::None,
    )
    .use_break_points(break_points);
    circuit.expose_previous_instances(false);
    let num_instance = circuit.num_instance();
    let agg_instances = circuit.instances();
    let agg_proof = gen_evm_proof_shplonk(&agg_params, &pk, circuit, agg_instances.clone());
    let agg_prove = start.elapsed().as_secs_f64();
    if agg_instances[0][12..] != instances[..] {
        return Err("the aggregation does not re-expose the wrap's instances".into());
    }

    // 4. The verifier and the call.
    let code = gen_evm_verifier_sol_code::<AggregationCircuit, SHPLONK>(
        &agg_params,
        pk.get_vk(),
        num_instance,
    )
    .replacen("pragma solidity 0.8.19;", "pragma solidity ^0.8.19;", 1);
    let calldata = keel_halo2::evm::calldata(&agg_instances[0], &agg_proof);
    write_atomically(&out.join("AggregationVerifier.sol"), code.as_bytes())?;
    write_atomically(&out.join("calldata.hex"), hex::encode(&calldata).as_bytes())?;

    let advice: usize = stats.gate.total_advice_per_phase.iter().sum();
    let lookup: usize = stats.total_lookup_advice_per_phase.iter().sum();
    println!(
        "| wrap k | agg k | agg advice cells | agg lookup cells | advice cols | lookup cols | fixed cols | wrap keygen s | wrap prove s (Poseidon) | agg keygen s | agg prove s | agg proof B | calldata B | instances |"
    );
    println!(
        "| {wrap_k} | {agg_k} | {advice} | {lookup} | {} | {} | {} | {wrap_keygen:.1} | {wrap_prove:.1} | {agg_keygen:.1} | {agg_prove:.1} | {} | {} | {} |",
        config.num_advice,
        config.num_lookup_advice,
        config.num_fixed,
        agg_proof.len(),
        calldata.len(),
        agg_instances[0].len()
    );
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same directory.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}
