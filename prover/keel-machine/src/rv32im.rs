//! Proving and verifying runs of RV32IM programs: the machine's public API.
//!
//! - [`program_id`]: the program's identity, computable without running it.
//! - [`prove`]: run the program (recording), build the traces, check them, prove — with either
//!   hash configuration — and package a [`ProofFile`] that verifies on its own.
//! - [`verify`]: rebuild the program's tables from the file, check that they have the claimed
//!   program id and that the public values are the claimed exit code and SHA-256 of the claimed
//!   public-value bytes, and verify the STARK.
//!
//! # Program id
//!
//! `program_id = Poseidon2-BN254-compress(root, air_digest)`, one BN254 element (so a `bytes32`
//! below the modulus), where `root` is the outer-configuration commitment to the preprocessed
//! tables (program table with its entry row, memory image, byte and range tables) and
//! `air_digest` is SHA-256 (truncated to 31 bytes, so below the modulus) of every table's
//! layout, symbolic constraints and buses, and of the FRI settings of both configurations. The
//! compression is the outer Merkle tree's, so the wrap recomputes the id from the root cell it
//! already exposes with one more permutation. A proof of program A never verifies as program B:
//! the verifier rebuilds the preprocessed tables from the program and the STARK verifier checks
//! the proof against their commitment.

use keel_executor::{run_recorded, ExecError, Input, Program, RunOptions, RunResult};
use keel_stark::config::{
    fast_config, outer_config, outer_perm, Challenge, ConfigKind, FastConfig, FriSettings,
    OuterCompress, OuterConfig, Val,
};
use keel_stark::proof_file::{ProofFile, RunStatement, Statement};
use keel_stark::stark::{
    check_traces, prove as stark_prove, setup, verify as stark_verify, StarkError,
};
use p3_air::BaseAir;
use p3_batch_stark::{CommonData, ProverData};
use p3_bn254::Bn254;
use p3_field::PrimeField;
use p3_lookup::Lookups;
use p3_matrix::Matrix;
use p3_symmetric::PseudoCompressionFunction;
use sha2::{Digest, Sha256};

use crate::halt;
use crate::trace::{self, table, TraceError};
use crate::MachineAir;

/// Why proving or verifying a run failed.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    /// The program did not run to completion.
    #[error("execution failed: {0}")]
    Exec(#[from] ExecError),
    /// The run cannot be turned into traces.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// Proving or verifying failed.
    #[error(transparent)]
    Stark(#[from] StarkError),
    /// The proof file does not hold a machine proof, or its statement is inconsistent.
    #[error("{0}")]
    Statement(String),
}

/// A program id: a BN254 field element, big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgramId(pub [u8; 32]);

impl std::fmt::Display for ProgramId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ProgramId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s.strip_prefix("0x").unwrap_or(s);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "a program id is 32 bytes as 64 hex digits (optionally 0x-prefixed), got {s:?}"
            ));
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(ProgramId(out))
    }
}

/// Log heights for keygen: the preprocessed tables' own heights (the others do not enter the
/// verifier data; 2 is a placeholder).
fn setup_heights(airs: &[MachineAir]) -> Vec<usize> {
    airs.iter()
        .map(|air| {
            BaseAir::<Val>::preprocessed_trace(air)
                .map_or(2, |m: p3_matrix::dense::RowMajorMatrix<Val>| {
                    m.height().trailing_zeros() as usize
                })
        })
        .collect()
}

/// SHA-256 of the machine's shape: tables, layouts, symbolic constraints and buses, FRI settings.
fn air_digest(airs: &[MachineAir]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"keel rv32im machine\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("{:?}{:?}", FriSettings::FAST, FriSettings::OUTER).as_bytes());
    for air in airs {
        let name = match air {
            MachineAir::Program(_) => "Program".to_string(),
            MachineAir::MemoryImage(_) => "MemoryImage".to_string(),
            other => format!("{other:?}"),
        };
        h.update(name.as_bytes());
        h.update(
            format!(
                "{} {} {}",
                BaseAir::<Val>::width(air),
                BaseAir::<Val>::preprocessed_width(air),
                BaseAir::<Val>::num_public_values(air)
            )
            .as_bytes(),
        );
        let lookups = Lookups::<Val>::from_air::<Challenge, _>(air);
        let layout = p3_air::symbolic::AirLayout::from_air::<Val>(air);
        let gadget = p3_lookup::LogUpGadget::new();
        let (base, ext) =
            p3_batch_stark::symbolic::get_symbolic_constraints::<Val, Challenge, MachineAir, _>(
                air, layout, &lookups, &gadget,
            );
        h.update(format!("{base:?}{ext:?}{:?}", &*lookups).as_bytes());
    }
    h.finalize().into()
}

/// The second input of the program id's compression: the first 31 bytes of the machine's AIR
/// digest as a BN254 element (the same for every program; the wrap circuit's constant that
/// makes its first instance the program id).
pub fn id_tag(airs: &[MachineAir]) -> Bn254 {
    bn254_from_be(&air_digest(airs)[..31])
}

fn bn254_from_be(bytes: &[u8]) -> Bn254 {
    Bn254::from_biguint(num_bigint::BigUint::from_bytes_be(bytes))
        .expect("fewer than 254 bits are below the modulus")
}

/// The tables of `program` and its id.
pub fn program_tables(program: &Program) -> Result<(Vec<MachineAir>, ProgramId), MachineError> {
    let keys = ProgramKeys::new(program, ConfigKind::Outer)?;
    Ok((keys.airs, keys.program_id))
}

/// The program id of `program` (see the module documentation).
pub fn program_id(program: &Program) -> Result<ProgramId, MachineError> {
    Ok(program_tables(program)?.1)
}

/// The program id from the outer-configuration keys of `airs`.
fn id_of(airs: &[MachineAir], outer: &ProverData<OuterConfig>) -> Result<ProgramId, MachineError> {
    let root = outer
        .common
        .preprocessed
        .as_ref()
        .map(|p| {
            // A cap of height 0: one digest of one element.
            p.commitment[0][0]
        })
        .ok_or_else(|| MachineError::Statement("the machine has no preprocessed tables".into()))?;
    let compress = OuterCompress::new(outer_perm());
    let id: Bn254 = compress.compress([[root], [id_tag(airs)]])[0];
    let be = id.as_canonical_biguint().to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - be.len()..].copy_from_slice(&be);
    Ok(ProgramId(out))
}

/// The STARK keys of one configuration.
enum KeyData {
    Fast(Box<ProverData<FastConfig>>),
    Outer(Box<ProverData<OuterConfig>>),
}

/// A program's tables, its id and the STARK keys of one hash configuration: everything about a
/// program that does not depend on its input. Computing them costs one outer-configuration
/// commitment of the program's tables (~2 s on 2 cores for a 28 KB guest) plus, for the fast
/// configuration, its own (cheap) one; compute them once and reuse them for every proof and
/// verification of the program ([`prove_with_keys`], [`verify_with_keys`]).
pub struct ProgramKeys {
    program: Program,
    encoded: Vec<u8>,
    airs: Vec<MachineAir>,
    program_id: ProgramId,
    data: KeyData,
}

impl ProgramKeys {
    /// Builds the tables, id and keys of `program` for `config`.
    pub fn new(program: &Program, config: ConfigKind) -> Result<Self, MachineError> {
        let airs = trace::program_airs(program)?;
        let heights = setup_heights(&airs);
        let outer = setup(&outer_config(), &airs, &heights)?;
        let program_id = id_of(&airs, &outer)?;
        let data = match config {
            ConfigKind::Outer => KeyData::Outer(Box::new(outer)),
            ConfigKind::Fast => KeyData::Fast(Box::new(setup(&fast_config(), &airs, &heights)?)),
        };
        let encoded = postcard::to_allocvec(program)
            .map_err(|e| MachineError::Statement(format!("encoding the program: {e}")))?;
        Ok(ProgramKeys {
            program: program.clone(),
            encoded,
            airs,
            program_id,
            data,
        })
    }

    /// The keys of the program a proof file carries, in the file's configuration (nothing in
    /// the file is trusted: [`verify_with_keys`] checks the file against them).
    pub fn of_file(file: &ProofFile) -> Result<Self, MachineError> {
        let (_, program) = embedded_program(file)?;
        ProgramKeys::new(&program, file.config)
    }

    /// The verifier data of outer-configuration keys (what the wrap circuit is built from);
    /// `None` for fast-configuration keys.
    pub fn outer_common(&self) -> Option<&CommonData<OuterConfig>> {
        match &self.data {
            KeyData::Outer(data) => Some(&data.common),
            KeyData::Fast(_) => None,
        }
    }

    /// The program's id.
    pub fn program_id(&self) -> ProgramId {
        self.program_id
    }

    /// The hash configuration these keys prove and verify with.
    pub fn config(&self) -> ConfigKind {
        match self.data {
            KeyData::Fast(_) => ConfigKind::Fast,
            KeyData::Outer(_) => ConfigKind::Outer,
        }
    }

    /// The program's tables.
    pub fn airs(&self) -> &[MachineAir] {
        &self.airs
    }
}

/// Options for [`prove`].
#[derive(Clone, Debug)]
pub struct ProveOptions {
    /// The hash configuration ([`prove`] only: [`prove_with_keys`] uses its keys').
    pub config: ConfigKind,
    /// Execution stops with an error after this many cycles.
    pub max_cycles: u64,
    /// Check every constraint on every row and the balance of every bus before proving, and
    /// report the first violations by table, row and constraint. It costs more than proving
    /// (single-threaded, ~35 µs per cycle), so it is off by default: every proof is verified
    /// before it is returned anyway, so a bad trace (a keel bug, never a property of the guest)
    /// is still caught — this option only says where.
    pub check: bool,
}

impl Default for ProveOptions {
    fn default() -> Self {
        ProveOptions {
            config: ConfigKind::Fast,
            max_cycles: trace::MAX_CYCLES as u64,
            check: false,
        }
    }
}

/// The stages of [`prove`], reported as they start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Running the program in recording mode.
    Execute,
    /// Building the traces.
    Trace,
    /// Checking every constraint and bus of the traces (only with [`ProveOptions::check`]).
    Check,
    /// Keygen and the program id.
    Setup,
    /// Proving.
    Prove,
}

/// A proven run.
pub struct ProvenRun {
    /// The run's outcome.
    pub result: RunResult,
    /// The proof file.
    pub file: ProofFile,
    /// The program id.
    pub program_id: ProgramId,
    /// Rows of each table.
    pub heights: Vec<usize>,
}

/// Runs `$body` with the keys' configuration bound to `$config` and their prover data to `$data`.
macro_rules! with_keys {
    ($keys:expr, $config:ident, $data:ident => $body:expr) => {
        match &$keys.data {
            KeyData::Fast($data) => {
                let $config = fast_config();
                $body
            }
            KeyData::Outer($data) => {
                let $config = outer_config();
                $body
            }
        }
    };
}

macro_rules! with_config {
    ($kind:expr, $config:ident => $body:expr) => {
        match $kind {
            ConfigKind::Fast => {
                let $config = fast_config();
                $body
            }
            ConfigKind::Outer => {
                let $config = outer_config();
                $body
            }
        }
    };
}

/// Runs `program` on `input` and proves the run (see the module documentation); `progress` is
/// called as each stage starts. Builds the program's keys first: to prove one program several
/// times, build [`ProgramKeys`] once and call [`prove_with_keys`].
pub fn prove(
    program: &Program,
    input: Input,
    options: &ProveOptions,
    mut progress: impl FnMut(Stage),
) -> Result<ProvenRun, MachineError> {
    progress(Stage::Setup);
    let keys = ProgramKeys::new(program, options.config)?;
    prove_dyn(&keys, input, options, &mut progress)
}

/// Runs the program of `keys` on `input` and proves the run with the keys' configuration.
pub fn prove_with_keys(
    keys: &ProgramKeys,
    input: Input,
    options: &ProveOptions,
    mut progress: impl FnMut(Stage),
) -> Result<ProvenRun, MachineError> {
    prove_dyn(keys, input, options, &mut progress)
}

// Not generic, so that the prover is compiled (and optimised) in this crate rather than in each
// caller's: a caller built without optimisation would otherwise prove ~15× slower.
fn prove_dyn(
    keys: &ProgramKeys,
    input: Input,
    options: &ProveOptions,
    progress: &mut dyn FnMut(Stage),
) -> Result<ProvenRun, MachineError> {
    let program = &keys.program;
    progress(Stage::Execute);
    let (result, record) = run_recorded(
        program,
        input,
        &RunOptions {
            max_cycles: options.max_cycles,
        },
    )?;
    progress(Stage::Trace);
    let traces = trace::generate(program, &result, &record)?;
    drop(record);
    if options.check {
        progress(Stage::Check);
        let lookups: Vec<Lookups<Val>> = traces
            .airs
            .iter()
            .map(Lookups::from_air::<Challenge, _>)
            .collect();
        check_traces(
            &traces.airs,
            &traces.traces,
            &traces.public_values,
            &lookups,
        )?;
    }
    progress(Stage::Prove);
    let heights: Vec<usize> = traces.traces.iter().map(|t| t.height()).collect();
    let statement = Statement::Rv32im(RunStatement {
        program_id: keys.program_id.0,
        exit_code: result.exit_code,
        public_values: result.public_values.clone(),
        cycles: result.cycles,
        program: keys.encoded.clone(),
    });
    let file = with_keys!(keys, config, data => {
        let proof = stark_prove(&config, &traces.airs, &traces.traces, &traces.public_values, data)?;
        // A proof of a trace that breaks a constraint does not verify; verifying costs little
        // next to proving and turns such a keel bug into an error here instead of a bad file.
        stark_verify(&config, &traces.airs, &proof, &traces.public_values, &data.common).map_err(
            |e| {
                MachineError::Statement(format!(
                    "internal error: the proof of this run does not verify ({e}); the traces \
                     break a constraint, which is a keel bug: prove with the trace check on \
                     (`--check`) to see which"
                ))
            },
        )?;
        ProofFile::new(keys.config(), statement, &traces.public_values, &proof)?
    });
    Ok(ProvenRun {
        result,
        file,
        program_id: keys.program_id,
        heights,
    })
}

/// What a verified machine proof establishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedRun {
    /// The program.
    pub program_id: ProgramId,
    /// Its exit code.
    pub exit_code: u32,
    /// The bytes it committed.
    pub public_values: Vec<u8>,
}

/// The public values a run with `exit_code` and committed `public_values` must have.
pub fn expected_public_values(exit_code: u32, public_values: &[u8]) -> Vec<Vec<u32>> {
    let digest: [u8; 32] = Sha256::digest(public_values).into();
    let mut pvs = vec![vec![]; table::COUNT];
    pvs[table::HALT] = halt::public_values(exit_code, &digest);
    pvs
}

/// The statement of a machine proof file.
fn run_statement(file: &ProofFile) -> Result<&RunStatement, MachineError> {
    match &file.statement {
        Statement::Rv32im(statement) => Ok(statement),
        _ => Err(MachineError::Statement(
            "the proof file holds a toy-machine proof, not a program run".into(),
        )),
    }
}

/// The statement of a machine proof file and the program it carries.
fn embedded_program(file: &ProofFile) -> Result<(&RunStatement, Program), MachineError> {
    let statement = run_statement(file)?;
    let program = postcard::from_bytes(&statement.program)
        .map_err(|e| MachineError::Statement(format!("the embedded program: {e}")))?;
    Ok((statement, program))
}

/// Verifies a machine proof file on its own (see the module documentation). The caller compares
/// the returned program id and public values with the ones it expects. Builds the keys of the
/// file's program first: to verify many proofs of one program, build [`ProgramKeys`] once and
/// call [`verify_with_keys`].
pub fn verify(file: &ProofFile) -> Result<VerifiedRun, MachineError> {
    verify_with_keys(&ProgramKeys::of_file(file)?, file)
}

/// Verifies a machine proof file of the program of `keys`; a file of any other program, or of
/// the other configuration, is rejected.
pub fn verify_with_keys(keys: &ProgramKeys, file: &ProofFile) -> Result<VerifiedRun, MachineError> {
    let statement = run_statement(file)?;
    if statement.program != keys.encoded {
        return Err(MachineError::Statement(
            "the proof file is for another program than these keys'".into(),
        ));
    }
    if file.config != keys.config() {
        return Err(MachineError::Statement(format!(
            "the proof file uses the {:?} configuration, these keys the {:?} one",
            file.config,
            keys.config()
        )));
    }
    if keys.program_id.0 != statement.program_id {
        return Err(MachineError::Statement(format!(
            "the embedded program has id {}, the statement claims {}",
            keys.program_id,
            ProgramId(statement.program_id)
        )));
    }
    let expected = expected_public_values(statement.exit_code, &statement.public_values);
    if file.public_values != expected {
        return Err(MachineError::Statement(
            "the proof's public values are not the statement's exit code and public-value digest"
                .into(),
        ));
    }
    let public_values = file.public_values()?;
    with_keys!(keys, config, data => {
        let proof = file.proof_with(&config)?;
        stark_verify(&config, &keys.airs, &proof, &public_values, &data.common)?;
    });
    Ok(VerifiedRun {
        program_id: keys.program_id,
        exit_code: statement.exit_code,
        public_values: statement.public_values.clone(),
    })
}

/// The tables of a machine proof file's program and each table's log height as the proof
/// states it (for reports; [`verify`] checks them).
pub fn tables_and_heights(
    file: &ProofFile,
) -> Result<(Vec<MachineAir>, Vec<usize>, ProgramId), MachineError> {
    let (statement, program) = embedded_program(file)?;
    let airs = trace::program_airs(&program)?;
    let heights = with_config!(file.config, _config => {
        file.proof_with(&_config)?.degree_bits
    });
    Ok((airs, heights, ProgramId(statement.program_id)))
}
