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

mod api {
    use super::*;
    use crate::rv32im::{self, ProveOptions};
    use keel_stark::proof_file::{ProofFile, Statement};

    fn program(seed: u64) -> Program {
        Program::from_elf(&testing::random_program(seed, 100)).expect("a valid ELF")
    }

    fn statement(file: &mut ProofFile) -> &mut keel_stark::proof_file::RunStatement {
        match &mut file.statement {
            Statement::Rv32im(s) => s,
            _ => unreachable!("a machine proof"),
        }
    }

    #[test]
    fn proof_files_verify_and_bind_program_exit_code_and_public_values() {
        let p = program(7);
        let t0 = std::time::Instant::now();
        let id = rv32im::program_id(&p).unwrap();
        eprintln!("program id {id} in {:?}", t0.elapsed());
        let proven = rv32im::prove(&p, Input::new(), &ProveOptions::default(), |_| {}).unwrap();
        assert_eq!(proven.program_id, id);
        let file = ProofFile::from_bytes(&proven.file.to_bytes()).unwrap();
        let verified = rv32im::verify(&file).unwrap();
        assert_eq!(verified.program_id, id);
        assert_eq!(verified.exit_code, proven.result.exit_code);

        // Another exit code, or other public values: the statement no longer matches the proof.
        let mut wrong = file.clone();
        statement(&mut wrong).exit_code ^= 1;
        assert!(rv32im::verify(&wrong).is_err());
        let mut wrong = file.clone();
        statement(&mut wrong).public_values.push(0);
        assert!(rv32im::verify(&wrong).is_err());
        // ... also when the public values in the file are changed to match the claim.
        let mut wrong = file.clone();
        statement(&mut wrong).exit_code ^= 1;
        let s = statement(&mut wrong).clone();
        wrong.public_values = rv32im::expected_public_values(s.exit_code, &s.public_values);
        assert!(matches!(
            rv32im::verify(&wrong),
            Err(rv32im::MachineError::Stark(_))
        ));

        // Another program (with its own, correct id) under this proof: rejected by the STARK.
        let other = program(8);
        let other_id = rv32im::program_id(&other).unwrap();
        assert_ne!(other_id, id);
        let mut wrong = file.clone();
        statement(&mut wrong).program = postcard::to_allocvec(&other).unwrap();
        statement(&mut wrong).program_id = other_id.0;
        assert!(matches!(
            rv32im::verify(&wrong),
            Err(rv32im::MachineError::Stark(_))
        ));
        // The right program under a wrong id: rejected before the STARK.
        let mut wrong = file.clone();
        statement(&mut wrong).program_id = other_id.0;
        assert!(matches!(
            rv32im::verify(&wrong),
            Err(rv32im::MachineError::Statement(_))
        ));
    }
}
