//! The whole machine: runs of real programs prove and verify; forged runs are rejected.

use keel_executor::{run_recorded, testing, Input, Program, RunOptions};
use keel_stark::config::{fast_config, Val};
use keel_stark::stark::{check_traces, prove, setup, verify};
use p3_lookup::Lookups;
use p3_matrix::Matrix;

use crate::trace::{generate, MachineTraces};
use crate::MachineAir;

fn traces_of(elf: &[u8]) -> MachineTraces {
    let program = Program::from_elf(elf).expect("a valid ELF");
    let (result, record) =
        run_recorded(&program, Input::new(), &RunOptions::default()).expect("the program runs");
    generate(&program, &result, &record).expect("traces")
}

fn lookups(airs: &[MachineAir]) -> Vec<Lookups<Val>> {
    airs.iter()
        .map(Lookups::from_air::<keel_stark::config::Challenge, _>)
        .collect()
}

fn check(t: &MachineTraces) -> Result<(), keel_stark::stark::StarkError> {
    check_traces(&t.airs, &t.traces, &t.public_values, &lookups(&t.airs))
}

fn prove_verify(t: &MachineTraces) -> Result<(), keel_stark::stark::StarkError> {
    let config = fast_config();
    let heights: Vec<usize> = t
        .traces
        .iter()
        .map(|m| m.height().trailing_zeros() as usize)
        .collect();
    let data = setup(&config, &t.airs, &heights)?;
    let proof = prove(&config, &t.airs, &t.traces, &t.public_values, &data)?;
    verify(&config, &t.airs, &proof, &t.public_values, &data.common)
}

#[test]
fn random_programs_check_and_prove() {
    for seed in 0..3 {
        let t = traces_of(&testing::random_program(seed, 300));
        check(&t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        if seed == 0 {
            prove_verify(&t).expect("an honest run proves and verifies");
        }
    }
}
