//! Differential test against `qemu-riscv32`: random RV32IM programs must produce byte-identical
//! output (scratch memory + register dump) and the same exit code under keel and qemu.
//!
//! `KEEL_DIFF_PROGRAMS` sets the number of programs (default 300; `scripts/bench.sh` runs
//! 10,000) and `KEEL_DIFF_SEED` the first seed.

use keel_executor::testing::{random_layout::OUTPUT_BYTES, random_program};
use keel_executor::{run, Input, Program, RunOptions, Termination};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn qemu() -> &'static str {
    let found = Command::new("qemu-riscv32").arg("--version").output();
    assert!(
        matches!(found, Ok(ref out) if out.status.success()),
        "qemu-riscv32 not found: run scripts/install.sh (it installs qemu-user)"
    );
    "qemu-riscv32"
}

#[test]
fn random_programs_match_qemu() {
    let qemu = qemu();
    let count = env_u64("KEEL_DIFF_PROGRAMS", 300);
    let first_seed = env_u64("KEEL_DIFF_SEED", 0x6b65_656c);
    let dir = tempfile::tempdir().unwrap();
    let mut instructions = 0u64;
    for seed in first_seed..first_seed + count {
        let body_len = 20 + (seed % 300) as usize;
        let elf = random_program(seed, body_len);
        let program = Program::from_elf(&elf).unwrap();
        let ours = run(&program, Input::new(), &RunOptions::default())
            .unwrap_or_else(|e| panic!("seed {seed}: keel failed: {e}"));
        assert_eq!(ours.termination, Termination::Exit);
        assert_eq!(ours.stdout.len(), OUTPUT_BYTES as usize, "seed {seed}");
        instructions += ours.cycles;

        let path = dir.path().join(format!("prog-{seed}.elf"));
        std::fs::write(&path, &elf).unwrap();
        // qemu-user refuses to load a file without execute permission.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let theirs = Command::new(qemu).arg(&path).output().unwrap();
        let code = theirs
            .status
            .code()
            .unwrap_or_else(|| panic!("seed {seed}: qemu died: {theirs:?}"));
        if theirs.stdout != ours.stdout || code as u32 != ours.exit_code {
            let first_diff = theirs
                .stdout
                .iter()
                .zip(&ours.stdout)
                .position(|(a, b)| a != b);
            panic!(
                "seed {seed} (body {body_len}): keel and qemu disagree: exit {} vs {code}, \
                 first differing output byte {first_diff:?}, qemu stderr {:?} (the ELF is {})",
                ours.exit_code,
                String::from_utf8_lossy(&theirs.stderr),
                path.display()
            );
        }
        std::fs::remove_file(&path).unwrap();
    }
    println!("{count} random programs, {instructions} instructions: keel == qemu-riscv32");
}
