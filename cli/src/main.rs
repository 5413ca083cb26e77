//! `keel`: build, run and (in later releases) prove RV32IM guest programs.

use anyhow::{bail, Context, Result};
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use keel_executor::{
    run, run_recorded, Input, Program, RunOptions, RunResult, StepRecord, Termination,
    DEFAULT_MAX_CYCLES,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod eth_cmd;
mod prove_cmd;
mod wrap_cmd;

/// keel — a RISC-V zkVM whose proofs are checked on Ethereum.
///
/// Write a guest program in Rust (no_std + alloc, depending on `keel-guest`), build it into an
/// RV32IM ELF, run it, and prove the run with a STARK that `keel verify` checks. For Ethereum,
/// prove with the outer configuration, wrap the STARK into a Halo2 SNARK and generate its
/// Solidity verifier, deploy it and submit proofs (keel deploy / keel submit).
///
/// Typical session:
///
///   keel build prover/guests/fibonacci        # prints the ELF path
///
///   keel run prover/guests/fibonacci --input-hex 0a   # builds if needed, runs with n = 10
///
///   keel prove prover/guests/fibonacci --input-hex 0a -o fib.proof && keel verify fib.proof
///
///   keel prove prover/guests/fibonacci --input-hex 0a --config outer -o fib.proof
///
///   keel wrap fib.proof -o fib.snark && keel verify-snark fib.snark --proof fib.proof
///
///   keel verifier fib.snark --out contracts/generated && keel fixture fib.snark --proof fib.proof -o fib.json
#[derive(Parser, Debug)]
#[command(name = "keel", version, about, long_about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Build a guest crate into an RV32IM ELF and print the ELF's path.
    ///
    /// Uses the guest toolchain installed by scripts/install.sh (Debian's rustc-web with
    /// -Zbuild-std, target riscv32im-unknown-none-elf, linker ld.lld-22). The crate only needs a
    /// dependency on keel-guest and a `keel_guest::entry!(main);`.
    Build(BuildArgs),
    /// Execute an ELF (or a guest crate, built first) and print its exit code, cycle count,
    /// stdout, public values and their digest.
    ///
    /// Private input is a list of frames that the guest reads in order: each --input FILE and
    /// each --input-hex HEX adds one frame, in command-line order. `keel_guest::io::read_vec()`
    /// returns a frame's raw bytes; `io::read::<T>()` decodes a frame with postcard (a u32 below
    /// 128 is one byte: `--input-hex 0a` is 10).
    ///
    /// keel exits non-zero with one line on stderr when the program cannot run to completion
    /// (malformed ELF, illegal instruction, memory fault, cycle limit, ...). A guest that exits
    /// with a non-zero code is a completed run: its code is reported and keel exits 0.
    Run(RunArgs),
    /// Show the proof system's parameters: each STARK configuration's FRI and grinding settings
    /// and its conjectured security (Plonky3's estimator, every grinding site counted) at
    /// several trace heights of a reference machine shape. With a proof file: its version,
    /// configuration, statement, sizes and the conjectured security of its own shape.
    Info(InfoArgs),
    /// Run a guest and prove the run: writes a proof file that `keel verify` checks on its own.
    ///
    /// The proof binds the program id (`keel program-id`), the exit code and the SHA-256 of the
    /// committed public values (private input stays private). One proof covers up to 2^22 − 3
    /// cycles; longer runs are an error naming the limit.
    ///
    ///   keel prove guest.elf -o guest.proof && keel verify guest.proof --program-id 0x…
    Prove(prove_cmd::ProveArgs),
    /// Print a program's id: the bytes32 (a BN254 field element) that commits its code, initial
    /// memory and entry point together with keel's machine and parameters. Needs no execution.
    ProgramId(prove_cmd::ProgramIdArgs),
    /// Prove a toy machine (keel's test AIRs) and write a proof file.
    ///
    ///   keel prove-toy fibonacci -o fib.proof
    ProveToy(wrap_cmd::ProveToyArgs),
    /// Verify a proof file (any configuration) against its statement and print what it proves.
    ///
    /// For a program run, --program-id, --public-values and --exit-code check the claim against
    /// what you expect (without them the file's own claim is verified and printed).
    ///
    ///   keel verify guest.proof --program-id 0x… --public-values expected.bin
    Verify(wrap_cmd::VerifyArgs),
    /// Wrap an outer-configuration STARK proof in the Halo2 verifier circuit (KZG over BN254,
    /// SHPLONK) and write the SNARK.
    ///
    /// The proof is first checked natively. The circuit's keys depend only on the proof's shape
    /// (tables, heights, FRI settings), k and the SRS: they are generated on first use and
    /// cached (--keys-dir). Public instances of an RV32IM proof (keel prove --config outer): the
    /// program id, sha256(public values) with its top 3 bits cleared, the exit code — what
    /// KeelHalo2Verifier passes on chain. Of a toy proof: the program (preprocessed) commitment
    /// if any, then the public values packed 8 per BN254 element.
    ///
    ///   keel wrap fib.proof -o fib.snark
    Wrap(wrap_cmd::WrapArgs),
    /// Verify a SNARK written by `keel wrap` with its cached verifying key.
    ///
    ///   keel verify-snark fib.snark --proof fib.proof
    VerifySnark(wrap_cmd::VerifySnarkArgs),
    /// Generate the Solidity verifier of a SNARK's circuit (snark-verifier, SHPLONK).
    ///
    /// Writes Halo2Verifier.sol (byte-identical for the same keys and SRS; compile it with
    /// the optimizer off) and verifier.json (key id, k, instance count, the 4-byte selector
    /// proofs for it start with). The contract reads `instances ‖ proof` and reverts unless the
    /// proof verifies.
    ///
    ///   keel verifier fib.snark --out contracts/generated
    Verifier(wrap_cmd::VerifierArgs),
    /// Write the JSON fixture of a wrapped RV32IM proof for contracts and forge tests.
    ///
    /// Fields: programId, publicValues, exitCode, instances, proof (selector ‖ SNARK proof, what
    /// IKeelVerifier.verify takes) and verifierCalldata (what the generated verifier reads).
    ///
    ///   keel fixture fib.snark --proof fib.proof -o fib.json
    Fixture(wrap_cmd::FixtureArgs),
    /// Deploy a verifier on an Ethereum node: the generated verifier, its KeelHalo2Verifier
    /// adapter and a KeelVerifierRouter (owned by the sender) routing the circuit's selector.
    ///
    /// Reads `keel verifier`'s directory and forge's build output (`forge build`). On anvil
    /// (chain 31337) it signs with anvil's first development account unless --private-key or
    /// KEEL_PRIVATE_KEY is given. The k = 17 wrap's verifier is ~80 KB of code, over EIP-170's
    /// limit: start anvil with --disable-code-size-limit (wrap with --k 20 for a verifier that
    /// fits).
    ///
    ///   keel deploy --verifier contracts/generated --fibonacci-recorder 0x… --json
    Deploy(eth_cmd::DeployArgs),
    /// Send a proof (a `keel fixture` file) to a router or verifier (verify) or to the example
    /// FibonacciRecorder (record); print the transaction hash, status and gas.
    ///
    ///   keel submit fib.json --to 0x… --call record
    Submit(eth_cmd::SubmitArgs),
}

#[derive(clap::Args, Debug)]
struct InfoArgs {
    /// A proof file: print its header, sizes and the conjectured security of its shape instead.
    proof: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct BuildArgs {
    /// Path to the guest crate (the directory holding its Cargo.toml).
    crate_dir: PathBuf,
    /// Build only this binary target of the crate.
    #[arg(long)]
    bin: Option<String>,
    /// Build with the dev profile instead of release (slower guests, more cycles).
    #[arg(long)]
    debug: bool,
    /// Do not touch the network (dependencies must already be fetched).
    #[arg(long)]
    offline: bool,
}

/// Private input frames, in command-line order.
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Add the contents of FILE as one private input frame (repeatable).
    #[arg(long, value_name = "FILE")]
    input: Vec<PathBuf>,
    /// Add the bytes spelled by HEX as one input frame (repeatable; a 0x prefix, spaces and `_`
    /// separators are allowed).
    #[arg(long, value_name = "HEX")]
    input_hex: Vec<String>,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The guest: an RV32IM ELF file, or a guest crate directory to build first.
    program: PathBuf,
    /// Private input frames.
    #[command(flatten)]
    inputs: InputArgs,
    /// Stop with an error after this many instructions.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CYCLES)]
    max_cycles: u64,
    /// Print one JSON object instead of text (stdout/stderr as UTF-8 with lossy replacement).
    #[arg(long)]
    json: bool,
    /// Run in recording mode, keeping the per-instruction record that proving consumes, and
    /// report its size (slower than the default fast mode).
    #[arg(long)]
    record: bool,
}

fn main() {
    let matches = Cli::command().get_matches();
    let result = Cli::from_arg_matches(&matches)
        .map_err(anyhow::Error::from)
        .and_then(|cli| dispatch(cli, &matches));
    if let Err(err) = result {
        // One line: the error and its causes, outermost first.
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        eprintln!("error: {}", chain.join(": "));
        std::process::exit(1);
    }
}

fn dispatch(cli: Cli, matches: &ArgMatches) -> Result<()> {
    match cli.command {
        Cmd::Build(args) => {
            let options = keel_build::BuildOptions {
                release: !args.debug,
                bin: args.bin.clone(),
                offline: args.offline,
                ..Default::default()
            };
            let elfs = keel_build::build_guest(&args.crate_dir, &options)
                .with_context(|| format!("building {}", args.crate_dir.display()))?;
            for elf in elfs {
                println!("{}", elf.display());
            }
            Ok(())
        }
        Cmd::Info(args) => match &args.proof {
            Some(path) => wrap_cmd::cmd_info_proof(path, args.json),
            None => cmd_info(&args),
        },
        Cmd::ProveToy(args) => wrap_cmd::cmd_prove_toy(&args),
        Cmd::Prove(args) => {
            let sub = matches
                .subcommand_matches("prove")
                .context("internal: no prove matches")?;
            prove_cmd::cmd_prove(&args, input_frames(&args.inputs, sub)?)
        }
        Cmd::ProgramId(args) => prove_cmd::cmd_program_id(&args),
        Cmd::Verify(args) => wrap_cmd::cmd_verify(&args),
        Cmd::Wrap(args) => wrap_cmd::cmd_wrap(&args),
        Cmd::VerifySnark(args) => wrap_cmd::cmd_verify_snark(&args),
        Cmd::Verifier(args) => wrap_cmd::cmd_verifier(&args),
        Cmd::Fixture(args) => wrap_cmd::cmd_fixture(&args),
        Cmd::Deploy(args) => eth_cmd::cmd_deploy(&args),
        Cmd::Submit(args) => eth_cmd::cmd_submit(&args),
        Cmd::Run(args) => {
            let run_matches = matches
                .subcommand_matches("run")
                .context("internal: no run matches")?;
            cmd_run(&args, run_matches)
        }
    }
}

/// The input frames in command-line order (clap keeps each flag's values separately).
fn input_frames(args: &InputArgs, matches: &ArgMatches) -> Result<Input> {
    let mut frames: Vec<(usize, Vec<u8>)> = Vec::new();
    let files = matches
        .indices_of("input")
        .into_iter()
        .flatten()
        .zip(&args.input);
    for (index, path) in files {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading input {}", path.display()))?;
        frames.push((index, bytes));
    }
    let hexes = matches
        .indices_of("input_hex")
        .into_iter()
        .flatten()
        .zip(&args.input_hex);
    for (index, text) in hexes {
        let digits: String = text
            .trim()
            .trim_start_matches("0x")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .collect();
        let bytes =
            hex::decode(digits).with_context(|| format!("--input-hex {text:?} is not hex"))?;
        frames.push((index, bytes));
    }
    frames.sort_by_key(|(index, _)| *index);
    let mut input = Input::new();
    for (_, bytes) in frames {
        input.write_bytes(bytes);
    }
    Ok(input)
}

/// Loads the ELF at `path`, building the crate first if `path` is a crate directory.
pub(crate) fn load_program(path: &Path) -> Result<Program> {
    let elf_path = if path.is_dir() {
        let options = keel_build::BuildOptions::default();
        let mut elfs = keel_build::build_guest(path, &options)
            .with_context(|| format!("building {}", path.display()))?;
        if elfs.len() != 1 {
            bail!(
                "{} builds {} binaries; pass one ELF path instead",
                path.display(),
                elfs.len()
            );
        }
        elfs.remove(0)
    } else {
        path.to_path_buf()
    };
    let bytes =
        std::fs::read(&elf_path).with_context(|| format!("reading {}", elf_path.display()))?;
    Program::from_elf(&bytes).with_context(|| format!("loading {}", elf_path.display()))
}

#[derive(Serialize)]
struct RunReport<'a> {
    exit_code: u32,
    termination: Termination,
    cycles: u64,
    elapsed_ms: f64,
    stdout: String,
    stderr: String,
    public_values: String,
    public_values_digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<RecordSummary>,
    #[serde(skip)]
    result: &'a RunResult,
}

/// Size of the execution record kept by `--record`.
#[derive(Serialize)]
struct RecordSummary {
    steps: usize,
    syscalls: usize,
    approx_bytes: usize,
}

fn cmd_run(args: &RunArgs, matches: &ArgMatches) -> Result<()> {
    let input = input_frames(&args.inputs, matches)?;
    let program = load_program(&args.program)?;
    let options = RunOptions {
        max_cycles: args.max_cycles,
    };
    let start = Instant::now();
    let context = || format!("running {}", args.program.display());
    let (result, record) = if args.record {
        let (result, record) = run_recorded(&program, input, &options).with_context(context)?;
        let summary = RecordSummary {
            steps: record.steps.len(),
            syscalls: record.syscalls.len(),
            approx_bytes: record.steps.len() * std::mem::size_of::<StepRecord>()
                + record
                    .syscalls
                    .iter()
                    .map(|s| 32 + s.bytes.len())
                    .sum::<usize>(),
        };
        (result, Some(summary))
    } else {
        (run(&program, input, &options).with_context(context)?, None)
    };
    let elapsed = start.elapsed();
    let report = RunReport {
        exit_code: result.exit_code,
        termination: result.termination,
        cycles: result.cycles,
        elapsed_ms: elapsed.as_secs_f64() * 1e3,
        stdout: String::from_utf8_lossy(&result.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
        public_values: format!("0x{}", hex::encode(&result.public_values)),
        public_values_digest: format!("0x{}", hex::encode(result.public_values_digest)),
        record,
        result: &result,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print_report(&report);
    Ok(())
}

fn print_report(report: &RunReport) {
    let result = report.result;
    if !result.stdout.is_empty() {
        println!("--- guest stdout ---");
        print!("{}", report.stdout);
        if !report.stdout.ends_with('\n') {
            println!();
        }
        println!("--------------------");
    }
    if !result.stderr.is_empty() {
        eprint!("{}", report.stderr);
    }
    println!("exit code:            {}", report.exit_code);
    // A rate over a few milliseconds would mostly measure set-up, so show it for long runs only.
    if report.elapsed_ms >= 50.0 {
        let rate = report.cycles as f64 / (report.elapsed_ms / 1e3);
        println!(
            "cycles:               {} ({:.0} M instr/s)",
            report.cycles,
            rate / 1e6
        );
    } else {
        println!("cycles:               {}", report.cycles);
    }
    println!(
        "public values:        {} bytes {}",
        result.public_values.len(),
        report.public_values
    );
    println!("public values digest: {}", report.public_values_digest);
    if let Some(record) = &report.record {
        println!(
            "record:               {} steps, {} syscalls, ~{:.1} MiB",
            record.steps,
            record.syscalls,
            record.approx_bytes as f64 / (1 << 20) as f64
        );
    }
    if report.exit_code != 0 {
        eprintln!("note: the guest exited with code {}", report.exit_code);
    }
}

#[derive(Serialize)]
struct ConfigInfo {
    name: &'static str,
    hash: &'static str,
    fri: keel_stark::config::FriSettings,
    /// (log2 of the tallest table, conjectured bits, binding term)
    security: Vec<(usize, f64, String)>,
}

/// The reference shape for the security figures: the 5-table, 111-column zkVM-like toy machine
/// (degree-3 constraints, a LogUp bus) scaled so its tallest table has `2^log_height` rows.
fn reference_security(
    settings: &keel_stark::config::FriSettings,
    log_height: usize,
) -> (f64, String) {
    use keel_stark::security::{conjectured_security, table_shapes};
    let machine = keel_stark::toy::ToyMachine::zkvm_like(8);
    let heights: Vec<usize> = machine
        .log_heights()
        .iter()
        .map(|h| h + log_height - 8)
        .collect();
    let estimate = conjectured_security(settings, &table_shapes(&machine.airs, &heights));
    (estimate.conjectured_bits, estimate.binding_term)
}

fn cmd_info(args: &InfoArgs) -> Result<()> {
    use keel_stark::config::FriSettings;
    let configs = [
        (
            "fast",
            "Poseidon2 over BabyBear (width 16)",
            FriSettings::FAST,
            vec![16, 20, 22, 24],
        ),
        (
            "outer",
            "Poseidon2 over BN254 (width 3, HorizenLabs constants)",
            FriSettings::OUTER,
            vec![12, 16, 20, 22],
        ),
    ];
    let infos: Vec<ConfigInfo> = configs
        .into_iter()
        .map(|(name, hash, fri, heights)| ConfigInfo {
            name,
            hash,
            fri,
            security: heights
                .into_iter()
                .map(|h| {
                    let (bits, term) = reference_security(&fri, h);
                    (h, bits, term)
                })
                .collect(),
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&infos)?);
        return Ok(());
    }
    println!(
        "keel {} — STARK configurations (BabyBear, challenge field BabyBear^4, FRI)",
        env!("CARGO_PKG_VERSION")
    );
    for info in &infos {
        let f = &info.fri;
        println!(
            "\n{} config: Merkle trees and Fiat-Shamir with {}",
            info.name, info.hash
        );
        println!(
            "  FRI: blowup 2^{}, {} queries, final polynomial 2^{}, folding arity 2^{}",
            f.log_blowup, f.num_queries, f.log_final_poly_len, f.max_log_arity
        );
        println!(
            "  grinding bits: query {}, each fold {}, opening batch {}, out-of-domain {}, LogUp {}",
            f.query_pow_bits,
            f.commit_pow_bits,
            f.batch_pow_bits,
            f.ood_pow_bits,
            f.lookup_pow_bits
        );
        for (h, bits, term) in &info.security {
            println!(
                "  conjectured security, tallest table 2^{h}: {bits:.1} bits (binding: {term})"
            );
        }
    }
    println!(
        "\n(security: Plonky3's conjectured estimator on a 5-table, 111-column reference shape)"
    );
    Ok(())
}
