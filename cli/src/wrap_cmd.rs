//! `keel prove-toy`, `keel verify`, `keel info PROOF`, `keel wrap` and `keel verify-snark`: proof
//! files and the STARK → Halo2 SNARK path.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use keel_halo2::aggregation::{
    aggregate, inner_snark, AggregationKeys, DEFAULT_AGGREGATION_K, DEFAULT_INNER_K,
};
use keel_halo2::prover::Vk;
use keel_halo2::srs::{
    default_srs_dir, load_or_generate_insecure_dev_srs, load_setup_for_k, verify_setup, KzgParams,
};
use keel_halo2::wrap::{
    default_keys_dir, verify_snark, wrap, KeySource, Snark, SnarkKind, WrapInputs, WrapKeys,
    DEFAULT_K,
};
use keel_stark::config::{fast_config, outer_config, ConfigKind, OuterConfig};
use keel_stark::proof_file::{ProofFile, Statement};
use keel_stark::stark::{self, setup};
use keel_stark::toy::ToyKind;
use serde::Serialize;

/// Options of `keel prove-toy`.
#[derive(clap::Args, Debug)]
pub struct ProveToyArgs {
    /// The toy machine: fibonacci (one table), lookup (two tables joined by a LogUp bus, one
    /// preprocessed), zkvm-like (five tables, 111 columns, degree 3, several heights).
    machine: ToyKind,
    /// log2 of the machine's largest table height.
    #[arg(long, default_value_t = 5, value_name = "N")]
    log_height: u8,
    /// STARK configuration: `outer` (Poseidon2-BN254, what `keel wrap` takes) or `fast`
    /// (Poseidon2-BabyBear).
    #[arg(long, default_value = "outer", value_parser = parse_config)]
    config: ConfigKind,
    /// Where to write the proof file.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

pub(crate) fn parse_config(s: &str) -> Result<ConfigKind, String> {
    match s {
        "fast" => Ok(ConfigKind::Fast),
        "outer" => Ok(ConfigKind::Outer),
        _ => Err(format!("unknown configuration {s:?} (fast, outer)")),
    }
}

/// Where the KZG setup comes from.
#[derive(clap::Args, Debug)]
pub struct SrsArgs {
    /// A universal KZG setup file for BN254 (halo2's `ParamsKZG` format, raw or processed
    /// points; e.g. a perpetual powers-of-tau ceremony file converted to it). Without it keel
    /// uses its INSECURE development SRS (fixed τ: anyone can forge proofs; for tests only).
    #[arg(long, value_name = "FILE")]
    srs: Option<PathBuf>,
    /// Directory of the cached INSECURE development SRS [default: $KEEL_SRS_DIR or .keel/srs].
    #[arg(long, value_name = "DIR")]
    srs_dir: Option<PathBuf>,
    /// Directory of the cached wrap keys [default: $KEEL_KEYS_DIR or .keel/keys].
    #[arg(long, value_name = "DIR")]
    keys_dir: Option<PathBuf>,
}

impl SrsArgs {
    fn params(&self, k: u32, quiet: bool) -> Result<KzgParams> {
        match &self.srs {
            Some(path) => {
                let params = load_setup_for_k(path, k)
                    .with_context(|| format!("loading the KZG setup {}", path.display()))?;
                // Keys made from a bad setup would belong to another circuit.
                verify_setup(&params)
                    .with_context(|| format!("checking the KZG setup {}", path.display()))?;
                Ok(params)
            }
            None => {
                if !quiet {
                    eprintln!(
                        "warning: using keel's INSECURE development SRS (known τ); pass --srs \
                         FILE for a real setup"
                    );
                }
                let dir = self.srs_dir.clone().unwrap_or_else(default_srs_dir);
                load_or_generate_insecure_dev_srs(&dir, k).context("the development SRS")
            }
        }
    }

    fn keys_dir(&self) -> PathBuf {
        self.keys_dir.clone().unwrap_or_else(default_keys_dir)
    }
}

/// Options of `keel wrap`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "By default the SNARK is the aggregation layer over the wrap: the wrap \
circuit (k = 20) is proven, then verified by one more circuit (k = 22) whose Solidity verifier \
costs ~394k transaction gas and 16 KB of code (measured on 2 cores: ~11 min with both key \
generations, ~8.5 min with cached keys, 12.5 GB peak; --aggregation-k 21: ~5 min, 7.2 GB, \
~420k gas). --direct skips that layer: ~1 min at k = 17, but a verifier of ~1.9M gas and 86 KB \
of code (over EIP-170; k = 20: 563k gas, 23 KB)."
)]
pub struct WrapArgs {
    /// An outer-configuration proof file (`keel prove --config outer`, `keel prove-toy`).
    proof: PathBuf,
    /// Where to write the SNARK.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// log2 of the wrap circuit's rows (≥ 17) [default: 20, or 17 with --direct]. Larger:
    /// fewer columns, a cheaper verifier, a slower prover.
    #[arg(long)]
    k: Option<u32>,
    /// Prove the wrap circuit only (no aggregation layer): faster, but its verifier costs more
    /// gas.
    #[arg(long)]
    direct: bool,
    /// log2 of the aggregation circuit's rows.
    #[arg(long, default_value_t = DEFAULT_AGGREGATION_K, conflicts_with = "direct")]
    aggregation_k: u32,
    #[command(flatten)]
    srs: SrsArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Options of `keel verify-snark`.
#[derive(clap::Args, Debug)]
pub struct VerifySnarkArgs {
    /// The SNARK file (`keel wrap`).
    snark: PathBuf,
    /// Also check that the SNARK's public instances are those of this proof file's statement
    /// (its public values and program commitment).
    #[arg(long, value_name = "FILE")]
    proof: Option<PathBuf>,
    #[command(flatten)]
    srs: SrsArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// A spinner on stderr for one stage (hidden when stderr is not a terminal).
pub(crate) fn stage(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("a valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn read_proof_file(path: &Path) -> Result<ProofFile> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    ProofFile::from_bytes(&bytes).with_context(|| format!("decoding {}", path.display()))
}

/// Writes `bytes` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// `keel prove-toy`.
pub fn cmd_prove_toy(args: &ProveToyArgs) -> Result<()> {
    if !(3..=20).contains(&args.log_height) {
        bail!("--log-height must be between 3 and 20");
    }
    let machine = args.machine.machine(usize::from(args.log_height));
    let statement = Statement::Toy {
        kind: args.machine,
        log_height: args.log_height,
    };
    let bar = stage(&format!(
        "proving {} ({:?} config)",
        args.machine.name(),
        args.config
    ));
    let start = Instant::now();
    let pvs = &machine.public_values;
    let file = match args.config {
        ConfigKind::Outer => {
            ProofFile::new(args.config, statement, pvs, &machine.prove_outer()?.1)?
        }
        ConfigKind::Fast => ProofFile::new(args.config, statement, pvs, &machine.prove_fast()?.1)?,
    };
    bar.finish_and_clear();
    let bytes = file.to_bytes();
    write_atomic(&args.output, &bytes)?;
    println!(
        "proved {} in {:.2?}: {} bytes → {}",
        args.machine.name(),
        start.elapsed(),
        bytes.len(),
        args.output.display()
    );
    Ok(())
}

/// Options of `keel verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// A proof file (`keel prove`, `keel prove-toy`).
    proof: PathBuf,
    /// The program id the proof must be for (program runs only).
    #[arg(long, value_name = "BYTES32")]
    program_id: Option<String>,
    /// A file holding the public values the program must have committed (program runs only).
    #[arg(long, value_name = "FILE")]
    public_values: Option<PathBuf>,
    /// The exit code the program must have ended with (program runs only).
    #[arg(long, value_name = "CODE")]
    exit_code: Option<u32>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The statement's tables, heights and the verifier's common data, checked against the file.
fn verify_file(file: &ProofFile) -> Result<()> {
    let Statement::Toy { kind, log_height } = file.statement else {
        keel_machine::rv32im::verify(file)?;
        return Ok(());
    };
    let machine = kind.machine(usize::from(log_height));
    let heights = machine.log_heights();
    let public_values = file.public_values()?;
    match file.config {
        ConfigKind::Outer => {
            let config = outer_config();
            let data = setup(&config, &machine.airs, &heights)?;
            let proof = file.proof::<OuterConfig>()?;
            stark::verify(&config, &machine.airs, &proof, &public_values, &data.common)?;
        }
        ConfigKind::Fast => {
            let config = fast_config();
            let data = setup(&config, &machine.airs, &heights)?;
            let proof = file.proof::<keel_stark::config::FastConfig>()?;
            stark::verify(&config, &machine.airs, &proof, &public_values, &data.common)?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ProofReport {
    verified: Option<bool>,
    version: u32,
    config: ConfigKind,
    statement: serde_json::Value,
    public_values: Vec<Vec<u32>>,
    file_bytes: usize,
    proof_bytes: usize,
    table_log_heights: Vec<usize>,
    conjectured_security_bits: f64,
    security_binding_term: String,
}

fn proof_report(
    file: &ProofFile,
    file_bytes: usize,
    verified: Option<bool>,
) -> Result<ProofReport> {
    let (airs, heights, statement) = match &file.statement {
        Statement::Toy { kind, log_height } => {
            let machine = kind.machine(usize::from(*log_height));
            let heights = machine.log_heights();
            let shapes = keel_stark::security::table_shapes(&machine.airs, &heights);
            (
                shapes,
                heights,
                serde_json::json!({ "toy": { "kind": kind, "log_height": log_height } }),
            )
        }
        Statement::Rv32im(run) => {
            let (airs, heights, id) = keel_machine::rv32im::tables_and_heights(file)?;
            let shapes = keel_stark::security::table_shapes(&airs, &heights);
            (
                shapes,
                heights,
                serde_json::json!({ "rv32im": {
                    "program_id": id.to_string(),
                    "exit_code": run.exit_code,
                    "public_values": format!("0x{}", hex::encode(&run.public_values)),
                    "cycles": run.cycles,
                    "program_bytes": run.program.len(),
                } }),
            )
        }
    };
    let settings = match file.config {
        ConfigKind::Fast => keel_stark::config::FriSettings::FAST,
        ConfigKind::Outer => keel_stark::config::FriSettings::OUTER,
    };
    let estimate = keel_stark::security::conjectured_security(&settings, &airs);
    Ok(ProofReport {
        verified,
        version: file.version,
        config: file.config,
        statement,
        public_values: file.public_values.clone(),
        file_bytes,
        proof_bytes: file.proof.len(),
        table_log_heights: heights,
        conjectured_security_bits: estimate.conjectured_bits,
        security_binding_term: estimate.binding_term,
    })
}

fn print_report(r: &ProofReport) {
    if let Some(run) = r.statement.get("rv32im") {
        println!(
            "keel proof file v{}: a run of program {} ({} cycles), {:?} configuration",
            r.version, run["program_id"], run["cycles"], r.config
        );
        println!(
            "  exit code {}, public values {}",
            run["exit_code"], run["public_values"]
        );
    } else {
        let toy = &r.statement["toy"];
        println!(
            "keel proof file v{}: toy machine {} (2^{} rows), {:?} configuration",
            r.version, toy["kind"], toy["log_height"], r.config
        );
    }
    println!(
        "  {} bytes ({} proof bytes); table heights 2^{:?}; public values {:?}",
        r.file_bytes, r.proof_bytes, r.table_log_heights, r.public_values
    );
    println!(
        "  conjectured security: {:.1} bits (Plonky3's estimator, every grinding step counted; \
         binding: {})",
        r.conjectured_security_bits, r.security_binding_term
    );
    if r.verified == Some(true) {
        println!("  verified");
    }
}

/// `keel info PROOF`.
pub fn cmd_info_proof(path: &Path, json: bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file = ProofFile::from_bytes(&bytes).with_context(|| format!("{}", path.display()))?;
    let report = proof_report(&file, bytes.len(), None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

/// `keel verify`.
pub fn cmd_verify(args: &VerifyArgs) -> Result<()> {
    let bytes =
        std::fs::read(&args.proof).with_context(|| format!("reading {}", args.proof.display()))?;
    let file =
        ProofFile::from_bytes(&bytes).with_context(|| format!("{}", args.proof.display()))?;
    let is_run = matches!(file.statement, Statement::Rv32im(_));
    if is_run {
        crate::prove_cmd::verify_run(
            &file,
            args.program_id.as_deref(),
            args.public_values.as_ref(),
            args.exit_code,
        )
        .context("verification failed")?;
    } else {
        if args.program_id.is_some() || args.public_values.is_some() || args.exit_code.is_some() {
            bail!("--program-id, --public-values and --exit-code apply to program runs, not toy machines");
        }
        verify_file(&file).context("verification failed")?;
    }
    let report = proof_report(&file, bytes.len(), Some(true))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

/// The wrap inputs of an outer-configuration proof file (checks the proof natively).
fn wrap_inputs(file: &ProofFile) -> Result<WrapInputs> {
    if file.config != ConfigKind::Outer {
        bail!("only outer-configuration proofs can be wrapped (prove with --config outer)");
    }
    let proof = file.proof::<OuterConfig>()?;
    let public_values = file.public_values()?;
    match &file.statement {
        Statement::Toy { kind, log_height } => {
            let machine = kind.machine(usize::from(*log_height));
            let heights = machine.log_heights();
            let data = setup(&outer_config(), &machine.airs, &heights)?;
            WrapInputs::new(
                &machine.airs,
                &heights,
                &data.common,
                &proof,
                &public_values,
            )
            .context("the STARK proof")
        }
        Statement::Rv32im(_) => {
            // The statement (program id, public values) first, then the circuit's inputs.
            let keys = keel_machine::rv32im::ProgramKeys::of_file(file)?;
            keel_machine::rv32im::verify_with_keys(&keys, file).context("the STARK proof")?;
            let (airs, heights) = (keys.airs(), &proof.degree_bits);
            let common = keys
                .outer_common()
                .context("outer-configuration keys of an outer-configuration proof")?;
            // The SNARK's first instance is the program id itself.
            let tag = keel_halo2::convert::bn254_to_fr(&keel_machine::rv32im::id_tag(airs));
            let inputs = WrapInputs::new(airs, heights, common, &proof, &public_values)
                .context("the STARK proof")?
                .with_commitment_tag(tag)
                .with_exit_code_and_digest()?;
            let id = keys.program_id();
            let mut le = id.0;
            le.reverse();
            let first = inputs.instances().first().map(|f| f.to_bytes());
            if first != Some(le) {
                bail!("internal error: the wrap's first instance is not the program id {id}");
            }
            Ok(inputs)
        }
    }
}

#[derive(Serialize)]
struct WrapReport {
    snark: String,
    kind: SnarkKind,
    snark_bytes: usize,
    proof_bytes: usize,
    key_id: String,
    /// `cached` or `generated` (with an aggregation layer: `generated` if either circuit's
    /// keys were).
    keys: &'static str,
    k: u32,
    /// The wrap circuit's key id and `k` under an aggregation layer.
    wrap_key_id: Option<String>,
    wrap_k: Option<u32>,
    instances: Vec<String>,
    keygen_seconds: Option<f64>,
    prove_seconds: f64,
}

fn instance_hex(snark: &Snark) -> Vec<String> {
    snark.instances.iter().map(|i| format!("{i:?}")).collect()
}

/// `keel wrap`.
pub fn cmd_wrap(args: &WrapArgs) -> Result<()> {
    let file = read_proof_file(&args.proof)?;
    let bar = stage("checking the STARK proof and preparing the circuit witness");
    let inputs = wrap_inputs(&file)?;
    bar.finish_and_clear();
    let k = args.k.unwrap_or(if args.direct {
        DEFAULT_K
    } else {
        DEFAULT_INNER_K
    });
    let params = args.srs.params(k, args.json)?;
    let keys_dir = args.srs.keys_dir();
    let key_dir = WrapKeys::cache_dir(&keys_dir, &inputs, k, &params);
    let bar = stage(&format!(
        "loading or generating the wrap keys ({})",
        key_dir.display()
    ));
    let start = Instant::now();
    let (keys, source) = WrapKeys::load_or_generate(&keys_dir, &inputs, k, &params)?;
    let mut keygen = (source == KeySource::Generated).then(|| start.elapsed());
    bar.finish_and_clear();
    let start = Instant::now();
    let mut aggregation_keygen = Duration::ZERO;
    let (snark, wrap_id) = if args.direct {
        let bar = stage("proving the SNARK");
        let snark = wrap(&params, &keys, &inputs)?;
        bar.finish_and_clear();
        (snark, None)
    } else {
        let bar = stage("proving the wrap SNARK (Poseidon transcript, for the aggregation layer)");
        let inner = inner_snark(&params, &keys, &inputs)?;
        bar.finish_and_clear();
        // The wrap's proving key and SRS are not needed any more: free them before the
        // aggregation circuit's.
        drop((keys, params));
        let params = args.srs.params(args.aggregation_k, true)?;
        let bar = stage("loading or generating the aggregation keys");
        let keygen_start = Instant::now();
        let (agg_keys, agg_source) =
            AggregationKeys::load_or_generate(&keys_dir, &inner, args.aggregation_k, &params)?;
        if agg_source == KeySource::Generated {
            aggregation_keygen = keygen_start.elapsed();
            keygen = Some(keygen.unwrap_or_default() + aggregation_keygen);
        }
        bar.finish_and_clear();
        let bar = stage("proving the aggregation SNARK");
        let snark = aggregate(&params, &agg_keys, &inner)?;
        bar.finish_and_clear();
        (snark, Some((inner.key_id, inner.k)))
    };
    let prove = start.elapsed().saturating_sub(aggregation_keygen);
    let bytes = snark.to_bytes();
    write_atomic(&args.output, &bytes)?;
    let report = WrapReport {
        snark: args.output.display().to_string(),
        kind: snark.kind,
        snark_bytes: bytes.len(),
        proof_bytes: snark.proof.len(),
        key_id: snark.key_id.to_string(),
        keys: if keygen.is_some() {
            "generated"
        } else {
            "cached"
        },
        k: snark.k,
        wrap_key_id: wrap_id.map(|(id, _)| id.to_string()),
        wrap_k: wrap_id.map(|(_, k)| k),
        instances: instance_hex(&snark),
        keygen_seconds: keygen.map(|d| d.as_secs_f64()),
        prove_seconds: prove.as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "wrapped in {:.2?} ({}keys {} {}{}): SNARK {} bytes ({} proof bytes, {} public \
             instances) → {}",
            prove,
            match wrap_id {
                Some((_, k)) => format!("wrap k = {k} + aggregation k = {}, ", snark.k),
                None => format!("direct, k = {}, ", snark.k),
            },
            report.keys,
            report.key_id,
            report
                .keygen_seconds
                .map_or(String::new(), |s| format!(", keygen {s:.1} s")),
            report.snark_bytes,
            report.proof_bytes,
            report.instances.len(),
            report.snark
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct VerifyReport {
    verified: bool,
    key_id: String,
    k: u32,
    instances: Vec<String>,
    statement_checked: bool,
}

/// The cached verifying key of `snark`'s circuit and the SRS for its `k`.
fn verifying_key(srs: &SrsArgs, snark: &Snark, quiet: bool) -> Result<(Vk, KzgParams)> {
    let key_dir = srs.keys_dir().join(snark.key_id.to_string());
    if !key_dir.join("vk.bin").exists() {
        bail!(
            "no verifying key {} in {} (run `keel wrap` for this proof shape first, or pass \
             --keys-dir)",
            snark.key_id,
            key_dir.display()
        );
    }
    let vk: Vk = match snark.kind {
        SnarkKind::Wrap => WrapKeys::load_verifying(&key_dir)?.1,
        SnarkKind::Aggregation => AggregationKeys::load_verifying(&key_dir)?.1,
    };
    Ok((vk, srs.params(snark.k, quiet)?))
}

/// Checks that `snark` is a proof of `inputs`' statement by the circuit of `inputs`' proof shape
/// (for an aggregation: the aggregation circuit over that shape's wrap circuit).
fn check_statement(
    srs: &SrsArgs,
    snark: &Snark,
    inputs: &WrapInputs,
    params: &KzgParams,
) -> Result<()> {
    let same_circuit = match snark.kind {
        SnarkKind::Wrap => inputs.key_id(snark.k, params) == snark.key_id,
        SnarkKind::Aggregation => {
            let key_dir = srs.keys_dir().join(snark.key_id.to_string());
            let (pinning, _) = AggregationKeys::load_verifying(&key_dir)?;
            let inner_params = srs.params(pinning.inner_k, true)?;
            inputs.key_id(pinning.inner_k, &inner_params) == pinning.inner_key_id
                && keel_halo2::aggregation::key_id(pinning.inner_key_id, snark.k, params)
                    == snark.key_id
        }
    };
    if !same_circuit {
        bail!("the proof file's shape has another circuit than the SNARK's");
    }
    if inputs.instances() != snark.statement() {
        bail!("the SNARK's public instances are not the proof file's statement");
    }
    Ok(())
}

fn read_snark(path: &Path) -> Result<Snark> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Snark::from_bytes(&bytes).with_context(|| format!("{}", path.display()))
}

/// `keel verifier`.
#[derive(clap::Args, Debug)]
pub struct VerifierArgs {
    /// A SNARK file (`keel wrap`): the verifier is generated for its circuit's verifying key.
    snark: PathBuf,
    /// Directory to write `Halo2Verifier.sol`, `verifier.json` and (with solc on PATH)
    /// `Halo2Verifier.bin` into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    srs: SrsArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The EVM selector of a circuit: the first 4 bytes of its key id (Keccak-256 of the circuit
/// description, keel's version and the SRS).
fn selector(snark: &Snark) -> [u8; 4] {
    let id = snark.key_id.0;
    [id[0], id[1], id[2], id[3]]
}

/// What `keel verifier` writes to `verifier.json` (and `keel deploy` reads).
#[derive(Serialize, serde::Deserialize)]
pub(crate) struct VerifierReport {
    pub(crate) solidity: String,
    pub(crate) solidity_bytes: usize,
    /// The creation code file (solc, optimizer off), if solc was found.
    pub(crate) bytecode: Option<String>,
    pub(crate) key_id: String,
    pub(crate) k: u32,
    /// `wrap` or `aggregation`.
    pub(crate) kind: SnarkKind,
    pub(crate) num_instances: usize,
    pub(crate) selector: String,
    /// The number of accumulator limbs leading the proof bytes (`KeelHalo2Verifier`'s
    /// `accumulatorWords`: 12 for an aggregation circuit, 0 for a wrap circuit).
    pub(crate) accumulator_words: usize,
    /// The length of every SNARK proof of this circuit as `IKeelVerifier.verify` takes it
    /// (selector excluded, accumulator words included).
    pub(crate) proof_length: usize,
}

/// Compiles the generated verifier with `solc` (optimizer off: solc-js runs out of memory with
/// it on these contracts); `None` if no `solc` is on PATH.
fn compile_verifier(sol: &Path) -> Result<Option<Vec<u8>>> {
    let output = match std::process::Command::new("solc")
        .arg("--bin")
        .arg(sol)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).context("running solc"),
    };
    if !output.status.success() {
        bail!(
            "solc failed on {}: {}",
            sol.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let hex_code = text
        .split("Binary:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .context("solc printed no bytecode")?;
    Ok(Some(
        hex::decode(hex_code).context("solc's bytecode is not hex")?,
    ))
}

/// `keel verifier`.
pub fn cmd_verifier(args: &VerifierArgs) -> Result<()> {
    let snark = read_snark(&args.snark)?;
    let (vk, params) = verifying_key(&args.srs, &snark, args.json)?;
    let bar = stage("generating the Solidity verifier");
    let accumulator_words = snark.kind.accumulator_limbs();
    let code =
        keel_halo2::evm::solidity_verifier(&params, &vk, snark.instances.len(), accumulator_words)?;
    bar.finish_and_clear();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let sol = args.out.join("Halo2Verifier.sol");
    write_atomic(&sol, code.as_bytes())?;
    let bar = stage("compiling it (solc, optimizer off)");
    let bytecode = match compile_verifier(&sol)? {
        Some(code) => {
            let bin = args.out.join("Halo2Verifier.bin");
            write_atomic(&bin, hex::encode(code).as_bytes())?;
            Some(bin.display().to_string())
        }
        None => None,
    };
    bar.finish_and_clear();
    let report = VerifierReport {
        solidity: sol.display().to_string(),
        solidity_bytes: code.len(),
        bytecode,
        proof_length: 32 * accumulator_words + snark.proof.len(),
        key_id: snark.key_id.to_string(),
        k: snark.k,
        kind: snark.kind,
        accumulator_words,
        num_instances: snark.instances.len(),
        selector: format!("0x{}", hex::encode(selector(&snark))),
    };
    let json = serde_json::to_string_pretty(&report)?;
    write_atomic(&args.out.join("verifier.json"), json.as_bytes())?;
    if args.json {
        println!("{json}");
    } else {
        println!(
            "Solidity verifier for {} circuit {} (k = {}, {} public instances, selector {}): {} \
             ({} bytes)",
            match report.kind {
                SnarkKind::Wrap => "wrap",
                SnarkKind::Aggregation => "aggregation",
            },
            report.key_id,
            report.k,
            report.num_instances,
            report.selector,
            report.solidity,
            report.solidity_bytes
        );
    }
    Ok(())
}

/// `keel fixture`.
#[derive(clap::Args, Debug)]
pub struct FixtureArgs {
    /// A SNARK file (`keel wrap`) of an RV32IM proof.
    snark: PathBuf,
    /// The proof file the SNARK wraps (program id, public values, exit code).
    #[arg(long, value_name = "FILE")]
    proof: PathBuf,
    /// Where to write the JSON fixture.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    srs: SrsArgs,
}

/// One proof as contracts and forge tests consume it (`keel submit` reads it too).
#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Fixture {
    pub(crate) program_id: String,
    pub(crate) public_values: String,
    pub(crate) exit_code: u32,
    /// The SNARK's public instances, 0x-prefixed 32-byte big-endian words (an aggregation's
    /// accumulator limbs first).
    instances: Vec<String>,
    /// How many of them are accumulator limbs (12 for an aggregation, else 0).
    accumulator_words: usize,
    /// `selector ‖ accumulator limbs ‖ SNARK proof`: what `IKeelVerifier.verify` takes.
    pub(crate) proof: String,
    /// `instances ‖ SNARK proof`: what the generated verifier reads.
    verifier_calldata: String,
}

/// `keel fixture`.
pub fn cmd_fixture(args: &FixtureArgs) -> Result<()> {
    let snark = read_snark(&args.snark)?;
    let file = read_proof_file(&args.proof)?;
    let Statement::Rv32im(run) = &file.statement else {
        bail!(
            "{} is not an RV32IM proof (keel prove)",
            args.proof.display()
        );
    };
    let (vk, params) = verifying_key(&args.srs, &snark, true)?;
    let inputs = wrap_inputs(&file)?;
    check_statement(&args.srs, &snark, &inputs, &params)?;
    verify_snark(&params, snark.key_id, &vk, &snark).context("SNARK verification")?;
    let be = |f: &keel_halo2::Fr| {
        let mut be = f.to_bytes();
        be.reverse();
        be
    };
    let word = |f: &keel_halo2::Fr| format!("0x{}", hex::encode(be(f)));
    let accumulator_words = snark.kind.accumulator_limbs();
    let mut proof = selector(&snark).to_vec();
    for limb in &snark.instances[..accumulator_words] {
        proof.extend_from_slice(&be(limb));
    }
    proof.extend_from_slice(&snark.proof);
    let fixture = Fixture {
        program_id: format!("0x{}", hex::encode(run.program_id)),
        public_values: format!("0x{}", hex::encode(&run.public_values)),
        exit_code: run.exit_code,
        instances: snark.instances.iter().map(word).collect(),
        accumulator_words,
        proof: format!("0x{}", hex::encode(proof)),
        verifier_calldata: format!(
            "0x{}",
            hex::encode(keel_halo2::evm::calldata(&snark.instances, &snark.proof))
        ),
    };
    let json = serde_json::to_string_pretty(&fixture)?;
    write_atomic(&args.output, json.as_bytes())?;
    println!("{}", args.output.display());
    Ok(())
}

/// `keel verify-snark`.
pub fn cmd_verify_snark(args: &VerifySnarkArgs) -> Result<()> {
    let snark = read_snark(&args.snark)?;
    let (vk, params) = verifying_key(&args.srs, &snark, args.json)?;
    if let Some(path) = &args.proof {
        let inputs = wrap_inputs(&read_proof_file(path)?)?;
        check_statement(&args.srs, &snark, &inputs, &params)?;
    }
    verify_snark(&params, snark.key_id, &vk, &snark).context("SNARK verification")?;
    let report = VerifyReport {
        verified: true,
        key_id: snark.key_id.to_string(),
        k: snark.k,
        instances: instance_hex(&snark),
        statement_checked: args.proof.is_some(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "SNARK verified (keys {}, k = {}, {} public instances{})",
            report.key_id,
            report.k,
            report.instances.len(),
            if report.statement_checked {
                ", equal to the proof file's statement"
            } else {
                ""
            }
        );
    }
    Ok(())
}
