//! The self-checking assembly programs in `tests/asm/` (one per instruction group, every RV32IM
//! instruction with the spec's edge cases) exit 0 under keel — and under `qemu-riscv32`, which
//! checks the expected values themselves against an independent implementation.

use keel_executor::{run, testing, ExecError, Input, Program, RunOptions, Termination};
use std::path::Path;
use std::process::Command;

fn assemble(source: &Path, out: &Path) {
    testing::assemble(source, out).unwrap_or_else(|e| panic!("{e}"));
}

fn case_count(elf: &Path) -> u32 {
    let out = Command::new("riscv64-unknown-elf-nm")
        .arg(elf)
        .output()
        .expect("nm");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.ends_with(" keel_case_count"))
        .expect("keel_case_count symbol");
    u32::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
}

fn run_keel(elf: &Path) -> Result<keel_executor::RunResult, ExecError> {
    let program = Program::from_elf(&std::fs::read(elf).unwrap()).unwrap();
    run(
        &program,
        Input::new(),
        &RunOptions {
            max_cycles: 10_000_000,
        },
    )
}

#[test]
fn every_instruction_group_passes_its_self_checks() {
    let dir = tempfile::tempdir().unwrap();
    let programs = testing::assemble_asm_programs(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        programs.len() >= 10,
        "expected the asm test programs in {}",
        testing::asm_dir().display()
    );
    let mut total_cases = 0;
    for (name, elf) in &programs {
        let cases = case_count(elf);
        total_cases += cases;
        let result = run_keel(elf).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(result.termination, Termination::Exit);
        assert_eq!(
            result.exit_code, 0,
            "{name}: case {} failed under keel",
            result.exit_code
        );
        let qemu = Command::new("qemu-riscv32")
            .arg(elf)
            .status()
            .expect("qemu-riscv32 (run scripts/install.sh)");
        assert_eq!(
            qemu.code(),
            Some(0),
            "{name}: qemu disagrees with the expected values"
        );
        println!("{name}: {cases} cases pass ({} cycles)", result.cycles);
    }
    println!("{} programs, {total_cases} cases", programs.len());
    assert!(total_cases > 500);
}

/// The harness itself can fail: a case with a wrong expected value exits with its number.
#[test]
fn a_wrong_expectation_exits_with_its_case_number() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("wrong.S");
    std::fs::write(
        &source,
        "#include \"test_macros.h\"\n    TEST_BEGIN\n    TEST_RR 1, add, 2, 1, 1\n    TEST_RR 2, add, 3, 1, 1\n    TEST_END\n",
    )
    .unwrap();
    let elf = dir.path().join("wrong.elf");
    assemble(&source, &elf);
    assert_eq!(run_keel(&elf).unwrap().exit_code, 2);
}
