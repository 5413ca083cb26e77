//! The executor's self-checking assembly programs (every RV32IM instruction with the spec's
//! edge cases, one program per instruction group) prove and verify on the machine.

use keel_executor::testing;
use keel_executor::Program;
use keel_machine::rv32im::{self, ProveOptions, Stage};
use std::time::Instant;

#[test]
fn every_instruction_group_proves_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let programs = testing::assemble_asm_programs(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(programs.len() >= 10);
    for (name, elf) in &programs {
        let program = Program::from_elf(&std::fs::read(elf).unwrap()).unwrap();
        let start = Instant::now();
        let mut stages = Vec::new();
        let proven = rv32im::prove(
            &program,
            keel_executor::Input::new(),
            &ProveOptions::default(),
            |s: Stage| stages.push((s, start.elapsed())),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(proven.result.exit_code, 0, "{name}: a self-check failed");
        let proved = start.elapsed();
        let verified = rv32im::verify(&proven.file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.program_id, proven.program_id);
        assert_eq!(verified.exit_code, 0);
        eprintln!(
            "{name}: {} cycles, proved in {proved:.2?} ({stages:?}), verified in {:.2?}",
            proven.result.cycles,
            start.elapsed() - proved
        );
    }
}
