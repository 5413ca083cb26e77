//! The wrap: one Halo2 circuit per STARK proof *shape* that verifies an outer-configuration
//! batch proof ([`verify_stark_in_circuit`]), with the Poseidon2 permutations in the custom gate
//! ([`Poseidon2CircuitBuilder`]), its keys cached on disk, and the SNARK it produces.
//!
//! # Public instances (one instance column)
//!
//! ```text
//! [ program commitment ]          iff the proof has preprocessed columns: the Merkle root of the
//!                                 preprocessed (program) tables, one BN254 element — or, with a
//!                                 commitment tag `t` (a circuit constant), Poseidon2-BN254
//!                                 compress(root, t): for the RV32IM machine, whose tag is its
//!                                 AIR digest, this is the program id itself
//! packed public values ...        every table's public values in order, flattened, 8 per
//!                                 element: Σ_{j<8} v_j·2^{31j} (canonical BabyBear values,
//!                                 below 2^248, so no reduction), the last element partial
//! ```
//!
//! or, with [`InstanceLayout::ExitCodeAndDigest`] (the RV32IM machine, whose 18 public values
//! are the exit code's 16-bit halves and a SHA-256 digest's sixteen 16-bit halves, word by word,
//! low half first, each word little-endian), the layout of `contracts/src/KeelVerifierAdapter.sol`:
//!
//! ```text
//! [ program id ]
//! digest                          the 32 digest bytes as a big-endian integer, top 3 bits
//!                                 cleared: sha256(public values) & (2^253 − 1)
//! exit code                       lo + 2^16·hi
//! ```
//!
//! Everything else (commitments, openings, FRI layers, grinding witnesses) is witness. Because
//! the program commitment is an instance and not a constant, one circuit (one key pair) serves
//! every program whose proof has the same shape.
//!
//! # Keys
//!
//! [`WrapKeys::load_or_generate`] caches keys under `dir/<key id>/` ([`default_keys_dir`]:
//! `$KEEL_KEYS_DIR`, else `.keel/keys` in the repository): `pinning.json` (halo2-base's
//! parameters and break points, the gate's column sets), `vk.bin` and `pk.bin` (halo2's
//! `RawBytes` format) and `checksums.json` (Keccak-256 of both key files, checked before
//! parsing them). The key id is the Keccak-256 of everything the circuit is built from — crate
//! version, `k`, FRI settings, the proof shape without the program commitment, every table's
//! symbolic constraints — and of the SRS (`g[0]`, `g[1]`, `s_g2`), so keys are regenerated
//! exactly when something they depend on changes. Keygen is deterministic given the SRS.
//!
//! # SNARK file
//!
//! [`Snark::to_bytes`]: `b"KEELSNRK"`, version (u32 LE), key id (32 bytes), `k` (u32 LE), the
//! circuit kind (u32 LE: 0 the wrap itself, 1 the aggregation layer over it,
//! [`crate::aggregation`]), the number of instances (u32 LE), each instance (32 bytes,
//! little-endian canonical), the proof length (u32 LE) and the proof (halo2 SHPLONK, Keccak-256
//! EVM transcript). Decoding rejects bad magic, unknown versions and kinds, non-canonical
//! instances, truncation and trailing bytes.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::{BaseCircuitParams, CircuitBuilderStage};
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_base::halo2_proofs::plonk::Circuit;
use halo2_base::halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_base::halo2_proofs::SerdeFormat;
use halo2_base::utils::ScalarField;
use halo2_base::{AssignedValue, QuantumCell};
use keel_stark::config::{outer_config, FriSettings, OuterConfig, Val};
use keel_stark::VerifiableAir;
use p3_batch_stark::{BatchProof, CommonData};
use p3_field::PrimeField32;
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use crate::babybear::{AssignedBabyBear, BabyBearChip, MIN_LOOKUP_BITS};
use crate::convert::{bn254_to_fr, fr_to_bn254};
use crate::extension::ExtensionChip;
use crate::poseidon2_gate::{Permuter, Poseidon2CircuitBuilder, Poseidon2CircuitParams};
use crate::prover::{self, Pk, ProverError, Vk};
use crate::srs::KzgParams;
use crate::verifier::circuit::{verify_stark_in_circuit, CircuitError, TableConstraints};
use crate::verifier::fri::{FriError, FriWitness};
use crate::verifier::merkle::{compress, CircuitHash, NativeHash};
use crate::verifier::transcript::{StarkShape, TranscriptData, TranscriptError, TranscriptReplay};
use crate::Fr;

/// Environment variable naming the key cache directory.
pub const KEYS_DIR_ENV: &str = "KEEL_KEYS_DIR";
/// The smallest `k` the wrap supports: BabyBear range checks need a 16-bit lookup table
/// ([`MIN_LOOKUP_BITS`]), which takes `2^16` of the `2^k` rows.
pub const MIN_K: u32 = MIN_LOOKUP_BITS as u32 + 1;
/// The default `k`: the fastest prove of the toy machines measured on the 2-core machine (k = 18
/// halves the advice columns but proves ~1.7× slower).
pub const DEFAULT_K: u32 = 17;
/// BabyBear values packed per public-instance element (8 × 31 = 248 bits < 253).
pub const VALUES_PER_INSTANCE: usize = 8;
/// Bits of a canonical BabyBear value.
const VALUE_BITS: usize = 31;
/// SNARK file magic.
const SNARK_MAGIC: &[u8; 8] = b"KEELSNRK";
/// SNARK file version.
const SNARK_VERSION: u32 = 3;

/// Why a wrap step failed.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    /// The STARK proof does not verify natively (nothing is wrapped).
    #[error("the STARK proof does not verify: {0}")]
    Stark(#[from] keel_stark::stark::StarkError),
    /// The proof's transcript does not have the expected shape or fails its grinding checks.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The FRI openings could not be restored.
    #[error(transparent)]
    Fri(#[from] FriError),
    /// The circuit could not be built from these inputs.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// Key generation, proving or verifying failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// `k` is outside what the wrap supports.
    #[error("k = {k} is not supported (the wrap needs {MIN_K} ≤ k ≤ {max})", max = crate::srs::MAX_K)]
    UnsupportedK {
        /// The requested `k`.
        k: u32,
    },
    /// The SRS has a different size than the circuit's `k`.
    #[error("the SRS is for k = {srs}, the circuit for k = {circuit}")]
    SrsSize {
        /// The SRS's `k`.
        srs: u32,
        /// The circuit's `k`.
        circuit: u32,
    },
    /// A key-cache file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A key-cache file is corrupt (checksum or format).
    #[error("{path}: corrupt key cache file ({what}); delete the directory to regenerate")]
    CorruptKeys {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A SNARK file does not decode.
    #[error("malformed SNARK: {0}")]
    Snark(String),
    /// The SNARK was made with other keys than the ones given.
    #[error("the SNARK was made with keys {snark}, these keys are {keys}")]
    KeyMismatch {
        /// The SNARK's key id.
        snark: String,
        /// The keys' id.
        keys: String,
    },
    /// The SNARK's public instances are not the ones the statement gives.
    #[error("the SNARK's public instances differ from the statement's")]
    InstanceMismatch,
    /// An aggregation's KZG accumulator is malformed or fails its pairing check: the wrap proof
    /// it stands for is invalid.
    #[error("the aggregated accumulator is invalid: {0}")]
    Accumulator(String),
}

/// Everything the wrap circuit of one proof is built from.
#[derive(Debug)]
pub struct WrapInputs {
    /// The transcript replay (FRI settings and proof shape).
    pub replay: TranscriptReplay,
    /// The proof's transcript values.
    pub data: TranscriptData,
    /// Each table's public values.
    pub public_values: Vec<Vec<Val>>,
    /// Each table's symbolic constraints.
    pub constraints: Vec<TableConstraints>,
    /// The per-query openings.
    pub witness: FriWitness,
    /// If set, the first instance is `compress(preprocessed root, tag)` (see the module
    /// documentation); [`WrapInputs::with_commitment_tag`].
    pub commitment_tag: Option<Fr>,
    /// How the public values become instances.
    pub layout: InstanceLayout,
}

/// How a wrap exposes the STARK's public values (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InstanceLayout {
    /// Every public value, 8 per instance.
    #[default]
    Packed,
    /// Exactly 18 public values: exit code halves, then digest halves; exposed as the digest
    /// (253 bits) and the exit code.
    ExitCodeAndDigest,
}

/// The number of public values [`InstanceLayout::ExitCodeAndDigest`] takes.
pub const EXIT_CODE_AND_DIGEST_VALUES: usize = 18;

impl WrapInputs {
    /// Checks `proof` with keel's native verifier (outer configuration) and prepares the
    /// circuit's inputs: shape, transcript values, symbolic constraints, FRI openings.
    pub fn new<A>(
        airs: &[A],
        log_heights: &[usize],
        common: &CommonData<OuterConfig>,
        proof: &BatchProof<OuterConfig>,
        public_values: &[Vec<Val>],
    ) -> Result<Self, WrapError>
    where
        A: VerifiableAir<OuterConfig>,
    {
        keel_stark::stark::verify(&outer_config(), airs, proof, public_values, common)?;
        let shape = StarkShape::from_airs(airs, log_heights, common)?;
        let replay = TranscriptReplay::new(FriSettings::OUTER, shape);
        let data = TranscriptData::from_proof(proof)?;
        let challenges = replay.replay(&data, public_values)?;
        let witness = {
            let claimed = replay.claimed_openings(&data);
            FriWitness::restore(
                proof,
                replay.shape(),
                replay.settings(),
                &challenges,
                &claimed,
            )?
        };
        Ok(WrapInputs {
            replay,
            data,
            public_values: public_values.to_vec(),
            constraints: TableConstraints::from_airs(airs, common),
            witness,
            commitment_tag: None,
            layout: InstanceLayout::Packed,
        })
    }

    /// Exposes the public values as [`InstanceLayout::ExitCodeAndDigest`]; an error unless there
    /// are exactly 18 of them.
    pub fn with_exit_code_and_digest(mut self) -> Result<Self, WrapError> {
        let n: usize = self.public_values.iter().map(Vec::len).sum();
        if n != EXIT_CODE_AND_DIGEST_VALUES {
            return Err(CircuitError::Shape(format!(
                "{n} public values; the exit code and digest layout takes {EXIT_CODE_AND_DIGEST_VALUES}"
            ))
            .into());
        }
        self.layout = InstanceLayout::ExitCodeAndDigest;
        Ok(self)
    }

    /// Exposes `compress(preprocessed root, tag)` as the first instance instead of the root
    /// (the RV32IM machine's program id: `keel_machine::rv32im::id_tag`).
    pub fn with_commitment_tag(mut self, tag: Fr) -> Self {
        self.commitment_tag = Some(tag);
        self
    }

    /// The first instance from the preprocessed root (see the module documentation).
    fn exposed_commitment(&self) -> Option<Fr> {
        let root = self.replay.shape().preprocessed.as_ref()?.commitment;
        Some(match self.commitment_tag {
            None => bn254_to_fr(&root),
            Some(tag) => {
                let mut native = NativeHash::default();
                bn254_to_fr(&compress(&mut native, &root, &fr_to_bn254(&tag)))
            }
        })
    }

    /// The public instances of this proof's wrap (see the module documentation).
    pub fn instances(&self) -> Vec<Fr> {
        let values = match self.layout {
            InstanceLayout::Packed => pack_public_values(&self.public_values),
            InstanceLayout::ExitCodeAndDigest => exit_code_and_digest(&self.public_values),
        };
        self.exposed_commitment()
            .into_iter()
            .chain(values)
            .collect()
    }

    /// The key id of this proof shape's circuit at `k` with `params` (see the module
    /// documentation).
    pub fn key_id(&self, k: u32, params: &KzgParams) -> KeyId {
        let mut shape = self.replay.shape().clone();
        if let Some(pre) = shape.preprocessed.as_mut() {
            // An instance, not part of the circuit.
            pre.commitment = Default::default();
        }
        let mut h = Keccak256::new();
        h.update(b"keel wrap circuit\0");
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(k.to_le_bytes());
        h.update(format!("{:?}", self.replay.settings()).as_bytes());
        h.update(format!("tag {:?} {:?}", self.commitment_tag, self.layout).as_bytes());
        h.update(format!("{shape:?}").as_bytes());
        for c in &self.constraints {
            h.update(format!("{:?}|{:?}|{:?}", c.base, c.ext, c.layout).as_bytes());
        }
        let g = params.get_g();
        for point in [&g[0], &g[1]] {
            h.update(format!("{point:?}").as_bytes());
        }
        h.update(format!("{:?}", params.s_g2()).as_bytes());
        KeyId(h.finalize().into())
    }
}

/// Packs the flattened public values, [`VALUES_PER_INSTANCE`] per element (the native twin of
/// the circuit's packing).
pub fn pack_public_values(public_values: &[Vec<Val>]) -> Vec<Fr> {
    let flat: Vec<u64> = public_values
        .iter()
        .flatten()
        .map(|v| u64::from(v.as_canonical_u32()))
        .collect();
    flat.chunks(VALUES_PER_INSTANCE)
        .map(|chunk| {
            chunk.iter().rev().fold(Fr::ZERO, |acc, &v| {
                acc * Fr::from(1u64 << VALUE_BITS) + Fr::from(v)
            })
        })
        .collect()
}

/// The native twin of the circuit's [`InstanceLayout::ExitCodeAndDigest`]: `[digest, exit code]`.
pub fn exit_code_and_digest(public_values: &[Vec<Val>]) -> Vec<Fr> {
    let flat: Vec<u32> = public_values
        .iter()
        .flatten()
        .map(|v| v.as_canonical_u32())
        .collect();
    let half = |i: usize| flat.get(i).copied().unwrap_or(0);
    let exit = Fr::from(u64::from(half(0)) + (u64::from(half(1)) << 16));
    // Big-endian digest bytes → little-endian representation of the integer.
    let mut le = [0u8; 32];
    for i in 0..16 {
        let h = half(2 + i);
        let (b0, b1) = ((h & 0xff) as u8, (h >> 8) as u8);
        le[31 - 2 * i] = b0;
        le[30 - 2 * i] = b1;
    }
    le[31] &= 0x1f;
    let digest = Fr::from_repr(le).unwrap_or(Fr::ZERO);
    vec![digest, exit]
}

/// A circuit's identity: Keccak-256 of what it is built from and of the SRS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyId(pub [u8; 32]);

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in &self.0[..16] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// What keygen fixes about the circuit's layout, reused by the prover stage.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WrapPinning {
    /// halo2-base's parameters.
    pub base: BaseCircuitParams,
    /// halo2-base's break points.
    pub break_points: MultiPhaseThreadBreakPoints,
    /// Column sets of the Poseidon2 gate.
    pub poseidon2_column_sets: usize,
}

impl WrapPinning {
    /// The circuit parameters the keys were generated for.
    pub fn circuit_params(&self) -> Poseidon2CircuitParams {
        Poseidon2CircuitParams {
            base: self.base.clone(),
            poseidon2_column_sets: self.poseidon2_column_sets,
        }
    }
}

/// Sizes of a built wrap circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrapStats {
    /// halo2-base advice cells.
    pub advice_cells: usize,
    /// Cells of halo2-base's lookup (range-check) columns.
    pub lookup_cells: usize,
    /// Poseidon2 permutations in the custom gate.
    pub permutations: usize,
    /// Public instances.
    pub instances: usize,
}

/// A wrap circuit ready for keygen, proving or `MockProver`, with its instances.
pub struct BuiltWrap {
    /// The circuit.
    pub circuit: Poseidon2CircuitBuilder,
    /// Its public instances (one column).
    pub instances: Vec<Fr>,
    /// Its sizes.
    pub stats: WrapStats,
}

/// Builds the wrap circuit of `inputs` at `2^k` rows. With `pinning` (from keygen), the layout
/// is the pinned one (prover stage); without, halo2-base computes it (keygen or mock stage).
pub fn build_circuit(
    inputs: &WrapInputs,
    k: u32,
    stage: CircuitBuilderStage,
    pinning: Option<&WrapPinning>,
) -> Result<BuiltWrap, WrapError> {
    if !(MIN_K..=crate::srs::MAX_K).contains(&k) {
        return Err(WrapError::UnsupportedK { k });
    }
    let mut base = BaseCircuitBuilder::<Fr>::from_stage(stage)
        .use_k(k as usize)
        .use_lookup_bits(k as usize - 1)
        .use_instance_columns(1);
    if let Some(p) = pinning {
        base = base
            .use_params(p.base.clone())
            .use_break_points(p.break_points.clone());
    }
    let mut circuit = Poseidon2CircuitBuilder::new(base);
    let permuter = Permuter::Gate(circuit.poseidon2.clone());
    let range = circuit.base.range_chip();
    let chip = ExtensionChip::new(BabyBearChip::new(&range).map_err(|e| {
        CircuitError::Shape(format!("BabyBear chip at lookup bits {}: {e}", k - 1))
    })?);
    let ctx = circuit.base.main(0);
    let (cells, _) = verify_stark_in_circuit(
        ctx,
        &chip,
        &permuter,
        &inputs.replay,
        &inputs.data,
        &inputs.public_values,
        &inputs.constraints,
        &inputs.witness,
    )?;
    let flat: Vec<AssignedBabyBear> = cells.public_values.into_iter().flatten().collect();
    let gate = chip.base().gate();
    let mut public: Vec<AssignedValue<Fr>> =
        match (cells.preprocessed_commitment, inputs.commitment_tag) {
            (root, None) => root.into_iter().collect(),
            (Some(root), Some(tag)) => {
                let tag = ctx.load_constant(tag);
                let mut hash = CircuitHash {
                    gate: chip.base().gate(),
                    poseidon: permuter.clone(),
                    ctx: &mut *ctx,
                };
                vec![compress(&mut hash, &root, &tag)]
            }
            (None, Some(_)) => {
                return Err(CircuitError::Shape(
                    "a commitment tag needs preprocessed tables".into(),
                )
                .into())
            }
        };
    match inputs.layout {
        InstanceLayout::Packed => {
            for chunk in flat.chunks(VALUES_PER_INSTANCE) {
                let powers = (0..chunk.len()).map(|j| {
                    QuantumCell::Constant(Fr::from(2u64).pow_vartime([(VALUE_BITS * j) as u64]))
                });
                let values = chunk.iter().map(|v| QuantumCell::Existing(v.cell()));
                public.push(gate.inner_product(ctx, values, powers));
            }
        }
        InstanceLayout::ExitCodeAndDigest => {
            if flat.len() != EXIT_CODE_AND_DIGEST_VALUES {
                return Err(CircuitError::Shape(format!(
                    "{} public values for the exit code and digest layout",
                    flat.len()
                ))
                .into());
            }
            // Each digest half into its two bytes (range-checked), in big-endian order.
            let mut bytes = Vec::with_capacity(32);
            for half in &flat[2..] {
                let v = half.value().get_lower_64();
                let low = ctx.load_witness(Fr::from(v & 0xff));
                let high = ctx.load_witness(Fr::from(v >> 8));
                range.range_check(ctx, low, 8);
                range.range_check(ctx, high, 8);
                let sum = gate.mul_add(ctx, high, QuantumCell::Constant(Fr::from(256)), low);
                ctx.constrain_equal(&sum, &half.cell());
                bytes.push(low);
                bytes.push(high);
            }
            // The first byte without its top 3 bits.
            let first = bytes[0].value().get_lower_64();
            let kept = ctx.load_witness(Fr::from(first & 0x1f));
            let dropped = ctx.load_witness(Fr::from(first >> 5));
            range.range_check(ctx, kept, 5);
            range.range_check(ctx, dropped, 3);
            let sum = gate.mul_add(ctx, dropped, QuantumCell::Constant(Fr::from(32)), kept);
            ctx.constrain_equal(&sum, &bytes[0]);
            bytes[0] = kept;
            let powers = (0..32).map(|i| {
                QuantumCell::Constant(Fr::from(2u64).pow_vartime([(8 * (31 - i)) as u64]))
            });
            let digest =
                gate.inner_product(ctx, bytes.into_iter().map(QuantumCell::Existing), powers);
            let exit = gate.mul_add(
                ctx,
                flat[1].cell(),
                QuantumCell::Constant(Fr::from(1 << 16)),
                flat[0].cell(),
            );
            public.push(digest);
            public.push(exit);
        }
    }
    let stats = WrapStats {
        advice_cells: ctx.advice.len(),
        lookup_cells: range.lookup_manager()[0].total_rows(),
        permutations: circuit.poseidon2.len(),
        instances: public.len(),
    };
    let instances: Vec<Fr> = public.iter().map(|c| *c.value()).collect();
    circuit.base.assigned_instances[0].extend(public);
    match pinning {
        Some(p) => circuit.poseidon2_column_sets = p.poseidon2_column_sets,
        None => {
            circuit.calculate_params(Some(9));
        }
    }
    Ok(BuiltWrap {
        circuit,
        instances,
        stats,
    })
}

/// The default key cache directory: `$KEEL_KEYS_DIR`, else `.keel/keys` in the repository.
pub fn default_keys_dir() -> PathBuf {
    crate::srs::cache_dir(KEYS_DIR_ENV, "keys")
}

/// Keccak-256 checksums of the key files.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Checksums {
    vk: String,
    pk: String,
}

fn keccak_hex(bytes: &[u8]) -> String {
    hex::encode(Keccak256::digest(bytes))
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WrapError + '_ {
    move |source| WrapError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WrapError> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))
}

/// The keys of one wrap circuit.
pub struct WrapKeys {
    /// The circuit's identity.
    pub id: KeyId,
    /// `k`.
    pub k: u32,
    /// The layout keygen fixed.
    pub pinning: WrapPinning,
    /// The verifying key.
    pub vk: Vk,
    /// The proving key.
    pub pk: Pk,
}

/// Whether [`WrapKeys::load_or_generate`] read the keys or generated them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Read from the cache.
    Cached,
    /// Generated (and written to the cache).
    Generated,
}

impl WrapKeys {
    /// Generates the keys of `inputs`' circuit at `k` (no cache).
    pub fn generate(inputs: &WrapInputs, k: u32, params: &KzgParams) -> Result<Self, WrapError> {
        if params.k() != k {
            return Err(WrapError::SrsSize {
                srs: params.k(),
                circuit: k,
            });
        }
        let built = build_circuit(inputs, k, CircuitBuilderStage::Keygen, None)?;
        let (vk, pk) = prover::keygen(params, &built.circuit)?;
        let params_used = built.circuit.params();
        let pinning = WrapPinning {
            base: params_used.base,
            break_points: built.circuit.base.break_points(),
            poseidon2_column_sets: params_used.poseidon2_column_sets,
        };
        Ok(WrapKeys {
            id: inputs.key_id(k, params),
            k,
            pinning,
            vk,
            pk,
        })
    }

    /// The cache directory of the keys of `inputs`' circuit at `k`.
    pub fn cache_dir(dir: &Path, inputs: &WrapInputs, k: u32, params: &KzgParams) -> PathBuf {
        dir.join(inputs.key_id(k, params).to_string())
    }

    /// Reads the keys of `inputs`' circuit at `k` from `dir/<key id>/`, or generates and
    /// caches them.
    pub fn load_or_generate(
        dir: &Path,
        inputs: &WrapInputs,
        k: u32,
        params: &KzgParams,
    ) -> Result<(Self, KeySource), WrapError> {
        let id = inputs.key_id(k, params);
        let key_dir = dir.join(id.to_string());
        if key_dir.join("checksums.json").exists() {
            let (pinning, vk) = Self::load_verifying(&key_dir)?;
            let pk = Self::load_pk(&key_dir, &pinning)?;
            return Ok((
                WrapKeys {
                    id,
                    k,
                    pinning,
                    vk,
                    pk,
                },
                KeySource::Cached,
            ));
        }
        let keys = Self::generate(inputs, k, params)?;
        keys.save(&key_dir)?;
        Ok((keys, KeySource::Generated))
    }

    /// Writes the keys to `key_dir` (see [`save_keys`]).
    pub fn save(&self, key_dir: &Path) -> Result<(), WrapError> {
        save_keys(key_dir, &self.pinning, &self.vk, &self.pk, self.k)
    }

    /// Reads the pinning and the verifying key from a key directory (what verifying needs).
    pub fn load_verifying(key_dir: &Path) -> Result<(WrapPinning, Vk), WrapError> {
        let pinning: WrapPinning = read_pinning(key_dir)?;
        let vk = read_key(key_dir, "vk.bin", |bytes| {
            Vk::from_bytes::<Poseidon2CircuitBuilder>(
                bytes,
                SerdeFormat::RawBytes,
                pinning.circuit_params(),
            )
        })?;
        Ok((pinning, vk))
    }

    fn load_pk(key_dir: &Path, pinning: &WrapPinning) -> Result<Pk, WrapError> {
        read_key(key_dir, "pk.bin", |bytes| {
            Pk::from_bytes::<Poseidon2CircuitBuilder>(
                bytes,
                SerdeFormat::RawBytes,
                pinning.circuit_params(),
            )
        })
    }
}

/// Writes a circuit's keys to `key_dir`: `pinning.json`, `vk.bin`, `pk.bin` (each atomically),
/// then `checksums.json` — last, so a directory without it is never read as a cache — and `k`.
pub(crate) fn save_keys(
    key_dir: &Path,
    pinning: &impl Serialize,
    vk: &Vk,
    pk: &Pk,
    k: u32,
) -> Result<(), WrapError> {
    fs::create_dir_all(key_dir).map_err(io_err(key_dir))?;
    let pinning = serde_json::to_vec_pretty(pinning).expect("the pinning is plain data");
    write_atomic(&key_dir.join("pinning.json"), &pinning)?;
    let vk = vk.to_bytes(SerdeFormat::RawBytes);
    write_atomic(&key_dir.join("vk.bin"), &vk)?;
    let pk = pk.to_bytes(SerdeFormat::RawBytes);
    write_atomic(&key_dir.join("pk.bin"), &pk)?;
    let sums = Checksums {
        vk: keccak_hex(&vk),
        pk: keccak_hex(&pk),
    };
    write_atomic(
        &key_dir.join("checksums.json"),
        &serde_json::to_vec_pretty(&sums).expect("plain data"),
    )?;
    fs::write(key_dir.join("k"), k.to_string()).map_err(io_err(key_dir))
}

/// Reads `key_dir/pinning.json`.
pub(crate) fn read_pinning<T: serde::de::DeserializeOwned>(key_dir: &Path) -> Result<T, WrapError> {
    let path = key_dir.join("pinning.json");
    serde_json::from_slice(&fs::read(&path).map_err(io_err(&path))?).map_err(|e| {
        WrapError::CorruptKeys {
            path: path.clone(),
            what: e.to_string(),
        }
    })
}

/// Reads `key_dir/name` (`vk.bin` or `pk.bin`), checks it against `checksums.json`, and
/// decodes it with `decode`.
pub(crate) fn read_key<T>(
    key_dir: &Path,
    name: &str,
    decode: impl FnOnce(&[u8]) -> io::Result<T>,
) -> Result<T, WrapError> {
    let sums_path = key_dir.join("checksums.json");
    let sums: Checksums = serde_json::from_slice(
        &fs::read(&sums_path).map_err(io_err(&sums_path))?,
    )
    .map_err(|e| WrapError::CorruptKeys {
        path: sums_path.clone(),
        what: e.to_string(),
    })?;
    let path = key_dir.join(name);
    let bytes = fs::read(&path).map_err(io_err(&path))?;
    let expected = if name == "vk.bin" { &sums.vk } else { &sums.pk };
    if &keccak_hex(&bytes) != expected {
        return Err(WrapError::CorruptKeys {
            path,
            what: "checksum mismatch".into(),
        });
    }
    decode(&bytes).map_err(|e| WrapError::CorruptKeys {
        path,
        what: e.to_string(),
    })
}

/// Which circuit a [`Snark`] proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnarkKind {
    /// The wrap circuit itself: its instances are the statement.
    Wrap,
    /// The aggregation layer over a wrap SNARK ([`crate::aggregation`]): its instances are the
    /// [`crate::aggregation::ACCUMULATOR_LIMBS`] limbs of a KZG accumulator, then the wrap's
    /// statement.
    Aggregation,
}

impl SnarkKind {
    /// The number of leading instances that are accumulator limbs, not statement.
    pub fn accumulator_limbs(self) -> usize {
        match self {
            SnarkKind::Wrap => 0,
            SnarkKind::Aggregation => crate::aggregation::ACCUMULATOR_LIMBS,
        }
    }
}

/// A SNARK: the key id it was made for, which circuit that is, its public instances and the
/// halo2 proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snark {
    /// The circuit's identity.
    pub key_id: KeyId,
    /// `k` of the circuit.
    pub k: u32,
    /// The wrap circuit or the aggregation layer over it.
    pub kind: SnarkKind,
    /// Public instances (one column).
    pub instances: Vec<Fr>,
    /// The halo2 proof (SHPLONK, Keccak-256 EVM transcript).
    pub proof: Vec<u8>,
}

impl Snark {
    /// The instances that state the claim (the wrap's instances): all of them after the
    /// accumulator limbs.
    pub fn statement(&self) -> &[Fr] {
        self.instances
            .get(self.kind.accumulator_limbs()..)
            .unwrap_or_default()
    }

    /// The file encoding (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(60 + 32 * self.instances.len() + self.proof.len());
        out.extend_from_slice(SNARK_MAGIC);
        out.extend_from_slice(&SNARK_VERSION.to_le_bytes());
        out.extend_from_slice(&self.key_id.0);
        out.extend_from_slice(&self.k.to_le_bytes());
        out.extend_from_slice(&(self.kind as u32).to_le_bytes());
        out.extend_from_slice(&(self.instances.len() as u32).to_le_bytes());
        for i in &self.instances {
            out.extend_from_slice(i.to_repr().as_ref());
        }
        out.extend_from_slice(&(self.proof.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.proof);
        out
    }

    /// Decodes [`Self::to_bytes`]; any malformed input is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WrapError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != SNARK_MAGIC {
            return Err(WrapError::Snark("not a keel SNARK file (bad magic)".into()));
        }
        let version = r.u32()?;
        if version != SNARK_VERSION {
            return Err(WrapError::Snark(format!(
                "version {version} (this keel reads version {SNARK_VERSION})"
            )));
        }
        let key_id = KeyId(r.take(32)?.try_into().expect("32 bytes"));
        let k = r.u32()?;
        let kind = match r.u32()? {
            0 => SnarkKind::Wrap,
            1 => SnarkKind::Aggregation,
            other => return Err(WrapError::Snark(format!("unknown circuit kind {other}"))),
        };
        let n = r.u32()? as usize;
        if n < kind.accumulator_limbs() {
            return Err(WrapError::Snark(format!(
                "{n} instances: fewer than an aggregation's accumulator limbs"
            )));
        }
        if n > bytes.len() / 32 {
            return Err(WrapError::Snark(format!(
                "{n} instances do not fit the file"
            )));
        }
        let mut instances = Vec::with_capacity(n);
        for i in 0..n {
            let mut repr = <Fr as PrimeField>::Repr::default();
            repr.as_mut().copy_from_slice(r.take(32)?);
            let value = Option::<Fr>::from(Fr::from_repr(repr))
                .ok_or_else(|| WrapError::Snark(format!("instance {i} is not canonical")))?;
            instances.push(value);
        }
        let len = r.u32()? as usize;
        let proof = r.take(len)?.to_vec();
        if r.at != bytes.len() {
            return Err(WrapError::Snark(format!(
                "{} bytes after the proof",
                bytes.len() - r.at
            )));
        }
        Ok(Snark {
            key_id,
            k,
            kind,
            instances,
            proof,
        })
    }
}

/// A cursor over the SNARK file bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WrapError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| WrapError::Snark(format!("truncated at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, WrapError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
}

/// The circuit of `inputs` in its prover stage with `keys`' pinned layout, after checking that
/// `keys` are this circuit's.
pub(crate) fn build_for_proving(
    params: &KzgParams,
    keys: &WrapKeys,
    inputs: &WrapInputs,
) -> Result<BuiltWrap, WrapError> {
    let id = inputs.key_id(keys.k, params);
    if id != keys.id {
        return Err(WrapError::KeyMismatch {
            snark: id.to_string(),
            keys: keys.id.to_string(),
        });
    }
    build_circuit(
        inputs,
        keys.k,
        CircuitBuilderStage::Prover,
        Some(&keys.pinning),
    )
}

/// Proves the wrap of `inputs` with `keys` (prover stage, pinned layout).
pub fn wrap(params: &KzgParams, keys: &WrapKeys, inputs: &WrapInputs) -> Result<Snark, WrapError> {
    let built = build_for_proving(params, keys, inputs)?;
    let instances = built.instances.clone();
    let proof = prover::prove(
        params,
        &keys.pk,
        built.circuit,
        std::slice::from_ref(&instances),
    )?;
    Ok(Snark {
        key_id: keys.id,
        k: keys.k,
        kind: SnarkKind::Wrap,
        instances,
        proof,
    })
}

/// Verifies `snark` against the verifying key `vk` of the circuit `key_id`: the halo2 proof and,
/// for an aggregation, the KZG accumulator its instances carry.
pub fn verify_snark(
    params: &KzgParams,
    key_id: KeyId,
    vk: &Vk,
    snark: &Snark,
) -> Result<(), WrapError> {
    if snark.key_id != key_id {
        return Err(WrapError::KeyMismatch {
            snark: snark.key_id.to_string(),
            keys: key_id.to_string(),
        });
    }
    if params.k() != snark.k {
        return Err(WrapError::SrsSize {
            srs: params.k(),
            circuit: snark.k,
        });
    }
    prover::verify(
        params,
        vk,
        &snark.proof,
        std::slice::from_ref(&snark.instances),
    )?;
    if snark.kind == SnarkKind::Aggregation {
        // The proof shows the accumulator limbs were computed from a valid-looking wrap proof;
        // the wrap proof is valid only if that accumulator passes its pairing check.
        crate::aggregation::decide(params, &snark.instances)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
