//! The executor's self-checking assembly programs (every RV32IM instruction with the spec's
//! edge cases, one program per instruction group) prove and verify on the machine.

use keel_executor::Program;
use keel_machine::rv32im::{self, ProveOptions, Stage};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn asm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../keel-executor/tests/asm")
}

fn assemble(source: &Path, out: &Path) {
    let status = Command::new("riscv64-unknown-elf-gcc")
        .args([
            "-march=rv32im",
            "-mabi=ilp32",
            "-nostdlib",
            "-nostartfiles",
            "-static",
            "-I",
        ])
        .arg(asm_dir())
        .arg("-T")
        .arg(asm_dir().join("link.ld"))
        .arg("-o")
        .arg(out)
        .arg(source)
        .status()
        .unwrap_or_else(|e| {
            panic!("riscv64-unknown-elf-gcc not runnable ({e}): run scripts/install.sh")
        });
    assert!(status.success(), "assembling {} failed", source.display());
}

#[test]
fn every_instruction_group_proves_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(asm_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "S"))
        .collect();
    sources.sort();
    assert!(sources.len() >= 10);
    for source in &sources {
        let name = source.file_stem().unwrap().to_string_lossy().into_owned();
        let elf = dir.path().join(format!("{name}.elf"));
        assemble(source, &elf);
        let program = Program::from_elf(&std::fs::read(&elf).unwrap()).unwrap();
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
