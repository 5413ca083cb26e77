//! `keel prove`, `keel program-id`, and verification of program-run proof files.

use anyhow::{bail, Context, Result};
use keel_executor::Input;
use keel_machine::rv32im::{self, ProgramId, ProveOptions, Stage};
use keel_stark::config::ConfigKind;
use keel_stark::proof_file::ProofFile;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

use crate::wrap_cmd::{parse_config, stage, write_atomic};

/// Options of `keel prove`.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// The guest: an RV32IM ELF file, or a guest crate directory to build first.
    pub program: PathBuf,
    /// Private input frames.
    #[command(flatten)]
    pub inputs: crate::InputArgs,
    /// STARK configuration: `fast` (Poseidon2-BabyBear, the prover's default) or `outer`
    /// (Poseidon2-BN254 commitments and transcript, ~30× slower: what `keel wrap` takes).
    #[arg(long, default_value = "fast", value_parser = parse_config)]
    pub config: ConfigKind,
    /// Where to write the proof file.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Stop with an error after this many instructions (one proof covers at most 2^22 − 3).
    #[arg(long, value_name = "N", default_value_t = keel_machine::trace::MAX_CYCLES as u64)]
    pub max_cycles: u64,
    /// Before proving, check every constraint and bus of the traces and name the first violated
    /// ones (table, row, constraint). Slower than proving; only useful to debug keel itself:
    /// every proof is verified before it is written, so a bad trace never yields a file.
    #[arg(long)]
    pub check: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ProveReport {
    proof: String,
    program_id: String,
    config: ConfigKind,
    exit_code: u32,
    cycles: u64,
    public_values: String,
    file_bytes: usize,
    prove_ms: f64,
    table_heights: Vec<usize>,
}

/// `keel prove`.
pub fn cmd_prove(args: &ProveArgs, input: Input) -> Result<()> {
    let program = crate::load_program(&args.program)?;
    let options = ProveOptions {
        config: args.config,
        max_cycles: args.max_cycles,
        check: args.check,
    };
    let start = Instant::now();
    let mut bar = None;
    let proven = rv32im::prove(&program, input, &options, |s| {
        let message = match s {
            Stage::Execute => "executing (recording)",
            Stage::Trace => "building the traces",
            Stage::Check => "checking the traces",
            Stage::Setup => "computing the program id and keys",
            Stage::Prove => "proving",
        };
        if let Some(b) = bar.replace(stage(message)) {
            b.finish_and_clear();
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let proven = proven.with_context(|| format!("proving {}", args.program.display()))?;
    let elapsed = start.elapsed();
    let bytes = proven.file.to_bytes();
    write_atomic(&args.output, &bytes)?;
    let report = ProveReport {
        proof: args.output.display().to_string(),
        program_id: proven.program_id.to_string(),
        config: args.config,
        exit_code: proven.result.exit_code,
        cycles: proven.result.cycles,
        public_values: format!("0x{}", hex::encode(&proven.result.public_values)),
        file_bytes: bytes.len(),
        prove_ms: elapsed.as_secs_f64() * 1e3,
        table_heights: proven.heights,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "proved {} cycles in {:.2?} ({:.0} cycles/s, {:?} config): exit code {}, {} bytes → {}",
            report.cycles,
            elapsed,
            report.cycles as f64 / elapsed.as_secs_f64(),
            report.config,
            report.exit_code,
            report.file_bytes,
            report.proof
        );
        println!("program id {}", report.program_id);
        println!("public values {}", report.public_values);
    }
    Ok(())
}

/// Options of `keel program-id`.
#[derive(clap::Args, Debug)]
pub struct ProgramIdArgs {
    /// The guest: an RV32IM ELF file, or a guest crate directory to build first.
    pub program: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `keel program-id`.
pub fn cmd_program_id(args: &ProgramIdArgs) -> Result<()> {
    let program = crate::load_program(&args.program)?;
    let id = rv32im::program_id(&program)
        .with_context(|| format!("computing the program id of {}", args.program.display()))?;
    if args.json {
        println!("{}", serde_json::json!({ "program_id": id.to_string() }));
    } else {
        println!("{id}");
    }
    Ok(())
}

/// Verifies a program-run proof file and checks it against the caller's expectations.
pub fn verify_run(
    file: &ProofFile,
    program_id: Option<&str>,
    public_values: Option<&PathBuf>,
    exit_code: Option<u32>,
) -> Result<rv32im::VerifiedRun> {
    let verified = rv32im::verify(file)?;
    if let Some(expected) = program_id {
        let expected: ProgramId = expected.parse().map_err(anyhow::Error::msg)?;
        if expected != verified.program_id {
            bail!(
                "the proof is for program {}, not {expected}",
                verified.program_id
            );
        }
    }
    if let Some(path) = public_values {
        let expected =
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        if expected != verified.public_values {
            bail!(
                "the proof's public values (0x{}) differ from {}",
                hex::encode(&verified.public_values),
                path.display()
            );
        }
    }
    if let Some(code) = exit_code {
        if code != verified.exit_code {
            bail!(
                "the proof's exit code is {}, not {code}",
                verified.exit_code
            );
        }
    }
    Ok(verified)
}
