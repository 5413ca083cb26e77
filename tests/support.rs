//! Shared helpers for keel's end-to-end tests.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The repository root.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
}

/// Builds the example guests (`prover/guests`) once per test process and returns the ELF path
/// of the guest named `name`.
///
/// # Panics
/// If the guest toolchain is missing or the build fails: the tests cannot run without guests,
/// and the message says to run `scripts/install.sh`.
pub fn example_guest(name: &str) -> PathBuf {
    static ELFS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    let elfs = ELFS.get_or_init(|| {
        let options = keel_build::BuildOptions {
            quiet: std::env::var_os("KEEL_VERBOSE_BUILD").is_none(),
            ..Default::default()
        };
        keel_build::build_guest(&repo_root().join("prover/guests"), &options).unwrap_or_else(|e| {
            panic!("building the example guests failed: {e} (run scripts/install.sh first)")
        })
    });
    elfs.iter()
        .find(|p| p.file_name().is_some_and(|f| f == name))
        .unwrap_or_else(|| panic!("no example guest named {name} among {elfs:?}"))
        .clone()
}

/// Loads the example guest `name` as a [`keel_executor::Program`].
pub fn example_program(name: &str) -> keel_executor::Program {
    let bytes = std::fs::read(example_guest(name)).expect("reading a built guest ELF");
    keel_executor::Program::from_elf(&bytes).expect("a built guest is a valid keel program")
}
