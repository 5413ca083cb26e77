//! The first real wrap: the whole STARK verifier circuit (`verify_stark_in_circuit`) for an
//! outer-configuration proof of `ToyMachine::fibonacci(5)`, keygen'd, proved and verified with
//! real KZG (SHPLONK, Blake2b transcript) on keel's INSECURE development SRS.
//!
//! `cargo run --release -p keel-halo2 --example wrap_fibonacci -- [K]` (default K = 18).
//!
//! halo2-base chooses the advice columns for 2^K rows (`calculate_params`); the Fibonacci
//! public values (the `PublicCells`) are the circuit's public instances (one column). Peak RSS
//! is the process's `VmHWM` after each phase (cumulative: a peak, never reset).

use std::time::Instant;

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::{BaseCircuitParams, CircuitBuilderStage};
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::halo2_proofs::plonk::Circuit;
use keel_halo2::babybear::BabyBearChip;
use keel_halo2::extension::ExtensionChip;
use keel_halo2::poseidon2::Poseidon2Chip;
use keel_halo2::prover::{keygen, prove, verify};
use keel_halo2::srs::{default_srs_dir, load_or_generate_insecure_dev_srs};
use keel_halo2::verifier::circuit::{verify_stark_in_circuit, TableConstraints};
use keel_halo2::verifier::fri::FriWitness;
use keel_halo2::verifier::transcript::{StarkShape, TranscriptData, TranscriptReplay};
use keel_halo2::Fr;
use keel_stark::config::{outer_config, Challenge, FriSettings, Val};
use keel_stark::stark::{self, setup};
use keel_stark::toy::{ToyAir, ToyMachine};
use p3_air::symbolic::AirLayout;
use p3_lookup::logup::LogUpGadget;

type Pinning = (BaseCircuitParams, MultiPhaseThreadBreakPoints);
type Error = Box<dyn std::error::Error>;
/// A built circuit, its instances and its cell counts.
type Built = (BaseCircuitBuilder<Fr>, Vec<Vec<Fr>>, Counts);

/// Everything the circuit is built from.
struct Inputs {
    replay: TranscriptReplay,
    data: TranscriptData,
    public_values: Vec<Vec<Val>>,
    constraints: Vec<TableConstraints>,
    witness: FriWitness,
}

/// Proves `fibonacci(5)` in the outer configuration and prepares the circuit's inputs.
fn inputs() -> Result<Inputs, Error> {
    let machine = ToyMachine::fibonacci(5);
    let config = outer_config();
    let heights = machine.log_heights();
    let data = setup(&config, &machine.airs, &heights)?;
    let proof = stark::prove(
        &config,
        &machine.airs,
        &machine.traces,
        &machine.public_values,
        &data,
    )?;
    stark::verify(
        &config,
        &machine.airs,
        &proof,
        &machine.public_values,
        &data.common,
    )?;
    let shape = StarkShape::from_airs(&machine.airs, &heights, &data.common)?;
    let settings = FriSettings::OUTER;
    let replay = TranscriptReplay::new(settings, shape);
    let transcript = TranscriptData::from_proof(&proof)?;
    let challenges = replay.replay(&transcript, &machine.public_values)?;
    let witness = {
        let claimed = replay.claimed_openings(&transcript);
        FriWitness::restore(
            &proof,
            replay.shape(),
            replay.settings(),
            &challenges,
            &claimed,
        )?
    };
    let gadget = LogUpGadget::new();
    let constraints =
        machine
            .airs
            .iter()
            .zip(&data.common.lookups)
            .map(|(air, lookups)| {
                let layout = AirLayout::from_air::<Val>(air);
                let (base, ext) = p3_batch_stark::symbolic::get_symbolic_constraints::<
                    Val,
                    Challenge,
                    ToyAir,
                    _,
                >(air, layout, lookups, &gadget);
                let layout =
                    p3_batch_stark::symbolic::get_constraint_layout::<Val, Challenge, ToyAir, _>(
                        air, layout, lookups, &gadget,
                    );
                TableConstraints { base, ext, layout }
            })
            .collect();
    Ok(Inputs {
        replay,
        data: transcript,
        public_values: machine.public_values,
        constraints,
        witness,
    })
}

/// Cell counts of a built circuit.
struct Counts {
    advice: usize,
    lookups: usize,
}

/// Builds the verifier circuit; the public values are the instances of column 0.
fn circuit(
    k: usize,
    inputs: &Inputs,
    stage: CircuitBuilderStage,
    pinning: Option<&Pinning>,
) -> Result<Built, Error> {
    let mut builder = BaseCircuitBuilder::<Fr>::from_stage(stage)
        .use_k(k)
        .use_lookup_bits(k - 1)
        .use_instance_columns(1);
    if let Some((params, break_points)) = pinning {
        builder = builder
            .use_params(params.clone())
            .use_break_points(break_points.clone());
    }
    let range = builder.range_chip();
    let chip = ExtensionChip::new(BabyBearChip::new(&range)?);
    let poseidon = Poseidon2Chip::new();
    let ctx = builder.main(0);
    let (cells, _) = verify_stark_in_circuit(
        ctx,
        &chip,
        &poseidon,
        &inputs.replay,
        &inputs.data,
        &inputs.public_values,
        &inputs.constraints,
        &inputs.witness,
    )?;
    let counts = Counts {
        advice: ctx.advice.len(),
        lookups: range.lookup_manager()[0].total_rows(),
    };
    let public: Vec<_> = cells
        .public_values
        .iter()
        .flatten()
        .map(|c| c.cell())
        .collect();
    let instances = vec![public.iter().map(|c| *c.value()).collect()];
    builder.assigned_instances[0].extend(public);
    if pinning.is_none() {
        builder.calculate_params(Some(9));
    }
    Ok((builder, instances, counts))
}

/// The process's peak resident set so far (`VmHWM`), as written in `/proc/self/status`.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() -> Result<(), Error> {
    let k: usize = std::env::args().nth(1).map_or(Ok(18), |a| a.parse())?;

    let start = Instant::now();
    let inputs = inputs()?;
    println!(
        "outer STARK proof of fibonacci(5) + witness: {:.2?}; peak RSS {}",
        start.elapsed(),
        peak_rss()
    );

    let start = Instant::now();
    let params = load_or_generate_insecure_dev_srs(&default_srs_dir(), k as u32)?;
    println!(
        "INSECURE dev SRS k = {k}: {:.2?}; peak RSS {}",
        start.elapsed(),
        peak_rss()
    );

    let start = Instant::now();
    let (keygen_circuit, instances, counts) =
        circuit(k, &inputs, CircuitBuilderStage::Keygen, None)?;
    let config = keygen_circuit.params();
    println!(
        "circuit built (keygen stage): {:.2?}; {} advice cells, {} lookup cells, {} public \
         instances; k = {}, advice columns {:?}, lookup advice columns {:?}, fixed columns {}, \
         lookup bits {:?}; peak RSS {}",
        start.elapsed(),
        counts.advice,
        counts.lookups,
        instances[0].len(),
        config.k,
        config.num_advice_per_phase,
        config.num_lookup_advice_per_phase,
        config.num_fixed,
        config.lookup_bits,
        peak_rss()
    );

    let start = Instant::now();
    let (vk, pk) = keygen(&params, &keygen_circuit)?;
    println!(
        "keygen (vk + pk): {:.2?}; peak RSS {}",
        start.elapsed(),
        peak_rss()
    );
    let pinning = (config, keygen_circuit.break_points());
    drop(keygen_circuit);

    let start = Instant::now();
    let (prover_circuit, prover_instances, _) =
        circuit(k, &inputs, CircuitBuilderStage::Prover, Some(&pinning))?;
    assert_eq!(prover_instances, instances);
    println!(
        "circuit built (prover stage): {:.2?}; peak RSS {}",
        start.elapsed(),
        peak_rss()
    );
    let start = Instant::now();
    let proof = prove(&params, &pk, prover_circuit, &instances)?;
    println!(
        "prove: {:.2?}; SNARK {} bytes; peak RSS {}",
        start.elapsed(),
        proof.len(),
        peak_rss()
    );

    let start = Instant::now();
    verify(&params, &vk, &proof, &instances)?;
    println!("verify: {:.2?}; peak RSS {}", start.elapsed(), peak_rss());

    let mut bad = proof.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x01;
    match verify(&params, &vk, &bad, &instances) {
        Ok(()) => return Err(format!("a SNARK with byte {at} flipped verified").into()),
        Err(e) => println!("byte {at} flipped: rejected ({e})"),
    }
    let mut wrong = instances.clone();
    wrong[0][0] += Fr::from(1u64);
    match verify(&params, &vk, &proof, &wrong) {
        Ok(()) => return Err("the SNARK verified with a wrong public value".into()),
        Err(e) => println!("public value 0 changed: rejected ({e})"),
    }
    Ok(())
}
