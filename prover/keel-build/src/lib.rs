//! Builds keel guest crates into RV32IM ELF files.
//!
//! Guests are built with the offline guest toolchain that `scripts/install.sh` installs from apt
//! (Debian's `rustc-web`/`cargo-web` with `rust-web-src`): target `riscv32im-unknown-none-elf`,
//! `core` and `alloc` rebuilt from source (`-Zbuild-std`, enabled by `RUSTC_BOOTSTRAP=1`), and
//! LLVM's `ld.lld-22` linking with the guest SDK's `keel.x` linker script. A guest crate needs
//! nothing but a dependency on `keel-guest`.
#![deny(missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Rust target guests are compiled for.
pub const GUEST_TARGET: &str = "riscv32im-unknown-none-elf";

/// Where the guest toolchain lives.
#[derive(Clone, Debug)]
pub struct Toolchain {
    /// `cargo` able to `-Zbuild-std` (Debian's `cargo-web`).
    pub cargo: PathBuf,
    /// The matching `rustc` (Debian's `rustc-web`), passed as `RUSTC`.
    pub rustc: PathBuf,
    /// Linker for the guest target.
    pub linker: String,
}

impl Default for Toolchain {
    /// Debian's toolchain at `/usr/bin`, overridable with `KEEL_GUEST_CARGO`, `KEEL_GUEST_RUSTC`
    /// and `KEEL_GUEST_LINKER`. (`~/.cargo/bin` from rustup often shadows `/usr/bin`, so the
    /// paths are absolute.)
    fn default() -> Self {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        Toolchain {
            cargo: var("KEEL_GUEST_CARGO", "/usr/bin/cargo").into(),
            rustc: var("KEEL_GUEST_RUSTC", "/usr/bin/rustc").into(),
            linker: var("KEEL_GUEST_LINKER", "ld.lld-22"),
        }
    }
}

/// Options for [`build_guest`].
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Build with the release profile (the default; debug guests run ~10x more cycles).
    pub release: bool,
    /// Build only this binary target (`--bin`), or every binary of the package when `None`.
    pub bin: Option<String>,
    /// Build this package of a workspace (`-p`).
    pub package: Option<String>,
    /// Pass `--offline` to cargo.
    pub offline: bool,
    /// Hide cargo's progress output.
    pub quiet: bool,
    /// The toolchain to use.
    pub toolchain: Toolchain,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            release: true,
            bin: None,
            package: None,
            offline: false,
            quiet: false,
            toolchain: Toolchain::default(),
        }
    }
}

/// Why a guest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The crate directory has no `Cargo.toml`.
    #[error("{0} is not a cargo crate (no Cargo.toml)")]
    NotACrate(PathBuf),
    /// The guest `cargo` could not be started.
    #[error("cannot run the guest toolchain's cargo at {path}: {source} (run scripts/install.sh to install it)")]
    ToolchainMissing {
        /// The cargo that was tried.
        path: PathBuf,
        /// Why it failed to start.
        source: std::io::Error,
    },
    /// cargo ran and failed; its diagnostics went to stderr.
    #[error("cargo build of the guest failed ({0}); see the compiler output above")]
    CargoFailed(std::process::ExitStatus),
    /// cargo succeeded but produced no executable.
    #[error(
        "the build produced no binary (does the crate have a `src/main.rs` or a [[bin]] target?)"
    )]
    NoBinary,
    /// Reading cargo's output failed.
    #[error("reading cargo's output: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds the guest crate at `crate_dir` and returns the paths of the ELF files it produced.
pub fn build_guest(crate_dir: &Path, options: &BuildOptions) -> Result<Vec<PathBuf>, BuildError> {
    if !crate_dir.join("Cargo.toml").is_file() {
        return Err(BuildError::NotACrate(crate_dir.to_path_buf()));
    }
    let tc = &options.toolchain;
    let mut cmd = Command::new(&tc.cargo);
    cmd.current_dir(crate_dir)
        .env("RUSTC", &tc.rustc)
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        // Both override a guest's own `.cargo/config.toml`, so `keel build` gives the same ELF
        // whether or not the crate carries one.
        .env("CARGO_TARGET_RISCV32IM_UNKNOWN_NONE_ELF_LINKER", &tc.linker)
        .env("CARGO_ENCODED_RUSTFLAGS", "-Clink-arg=-Tkeel.x")
        .args([
            "build",
            "--message-format=json-render-diagnostics",
            "--target",
            GUEST_TARGET,
        ])
        .args([
            "-Zbuild-std=core,alloc",
            "-Zbuild-std-features=compiler-builtins-mem",
        ])
        .stdout(Stdio::piped())
        .stderr(if options.quiet {
            Stdio::null()
        } else {
            Stdio::inherit()
        });
    if options.release {
        cmd.arg("--release");
    }
    if options.offline {
        cmd.arg("--offline");
    }
    if let Some(bin) = &options.bin {
        cmd.args(["--bin", bin]);
    }
    if let Some(package) = &options.package {
        cmd.args(["-p", package]);
    }
    let mut child = cmd.spawn().map_err(|source| BuildError::ToolchainMissing {
        path: tc.cargo.clone(),
        source,
    })?;
    let mut elfs = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            if let Some(path) = executable_of(&line?) {
                elfs.push(path);
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(BuildError::CargoFailed(status));
    }
    if elfs.is_empty() {
        return Err(BuildError::NoBinary);
    }
    Ok(elfs)
}

/// The executable named by one line of cargo's JSON messages, if it names one.
fn executable_of(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    Some(PathBuf::from(message.get("executable")?.as_str()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_executables_in_cargo_messages() {
        let artifact = r#"{"reason":"compiler-artifact","target":{"kind":["bin"]},"executable":"/t/release/fib"}"#;
        assert_eq!(
            executable_of(artifact),
            Some(PathBuf::from("/t/release/fib"))
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"kind":["lib"]},"executable":null}"#;
        assert_eq!(executable_of(lib), None);
        assert_eq!(
            executable_of(r#"{"reason":"build-finished","success":true}"#),
            None
        );
        assert_eq!(executable_of("not json"), None);
    }

    #[test]
    fn rejects_a_directory_without_manifest() {
        let dir = std::env::temp_dir();
        assert!(matches!(
            build_guest(&dir, &BuildOptions::default()),
            Err(BuildError::NotACrate(_))
        ));
    }

    #[test]
    fn missing_toolchain_says_how_to_install_it() {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let options = BuildOptions {
            toolchain: Toolchain {
                cargo: "/nonexistent/cargo".into(),
                ..Toolchain::default()
            },
            ..BuildOptions::default()
        };
        let err = build_guest(crate_dir, &options).unwrap_err();
        assert!(err.to_string().contains("scripts/install.sh"), "{err}");
    }
}
