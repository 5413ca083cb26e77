//! Fiat–Shamir transcript replay of an outer-configuration batch proof (Plonky3 0.8.0,
//! `MultiField32Challenger<BabyBear, Bn254, Poseidon2Bn254<3>, 3, 2>`), written from the
//! sponge up so that the Halo2 circuit can replicate it operation for operation.
//!
//! `TRANSCRIPT.md` (next to this file) is the specification: every observe/sample/grind step of
//! a batch proof, in order, with the Plonky3 source lines it comes from. In short:
//!
//! ```text
//!     seed(p3-batch-stark)  degree bits  main  public values  [preprocessed]
//!     [lookup PoW  lookup α  lookup β  permutation  terminals]  α  quotient  OOD PoW  ζ
//!     seed(p3-fri-pcs)  every claimed evaluation  batch PoW  FRI α
//!     seed(p3-fri)  per round: commitment  commit PoW  β_r   final poly  query PoW  indices
//! ```
//!
//! The layers, each a few small functions so that the circuit can mirror them one by one:
//!
//! - **encoding** ([`pack_digits`], [`split_limbs`], [`seed_elements`], [`seed_bytes`]): how
//!   BabyBear values become BN254 words (8 base-2^31 digits per word) and BN254 words become
//!   BabyBear challenges (7 base-p limbs per word, taken last-first);
//! - **sponge** ([`OuterSponge`]): the duplex sponge of `MultiField32Challenger` with its
//!   pending-value buffer, length tags and squeeze queue;
//! - **shape** ([`StarkShape`], [`TableShape`]): what the verifying key fixes (widths, heights,
//!   lookups, the preprocessed commitment), from which the three domain-separator seeds and the
//!   FRI folding schedule follow;
//! - **proof data** ([`TranscriptData`]): the proof's transcript-relevant values as plain field
//!   elements, the circuit's witnesses;
//! - **replay** ([`TranscriptReplay`]): the steps in order, returning every challenge
//!   ([`ReplayedChallenges`]) and checking every proof-of-work witness.
//!
//! The permutation is a parameter (`outer_perm()` natively; an instrumented one in tests).

use crate::extension::NativeExt as Challenge;
use keel_stark::config::{FriSettings, OuterConfig};
use num_bigint::BigUint;
use p3_air::{Air, BaseAir};
use p3_baby_bear::BabyBear;
use p3_batch_stark::{BatchProof, BatchShape, CommonData};
use p3_bn254::Bn254;
use p3_challenger::fs::{DomainSeparator, FieldUnit};
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing, PrimeField, PrimeField32};
use p3_lookup::{InteractionSymbolicBuilder, Kind as LookupKind, LogUpGadget};
use p3_symmetric::{MerkleCap, Permutation};

/// Width of the sponge state (BN254 words).
pub const WIDTH: usize = 3;
/// Rate of the sponge: words written per absorb and read per squeeze.
pub const RATE: usize = 2;
/// Bits per BabyBear digit when packing into a BN254 word: the bit length of `p − 1`.
pub const ABSORB_RADIX_BITS: u32 = 31;
/// BabyBear values packed into one BN254 word (`(p − 1)·Σ_{i<8} 2^{31i} < r`, nine would not fit).
pub const DIGITS_PER_WORD: usize = 8;
/// BabyBear values absorbed by one permutation: a full pending buffer is flushed at once.
pub const DIGITS_PER_ABSORB: usize = DIGITS_PER_WORD * RATE;
/// BabyBear limbs squeezed from one BN254 word: the largest `k` with `p^{k+1} < r` (so each
/// limb is within `1/p` of uniform).
pub const LIMBS_PER_WORD: usize = 7;
/// Bytes packed into one BabyBear element when a domain-separator seed is absorbed.
pub const SEED_BYTES_PER_ELEMENT: usize = 3;
/// Extension degree of the challenge field.
pub const EXT_DEGREE: usize = 4;

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// The BN254 word a run of at most [`DIGITS_PER_WORD`] BabyBear values is absorbed as:
/// `Σ_j v_j · 2^{31·j}` over the canonical values (little-endian digits, no shift).
///
/// `p3_field::reduce_packed(chunk, absorb_radix_bits::<BabyBear>())`.
pub fn pack_digits(digits: &[BabyBear]) -> Bn254 {
    assert!(digits.len() <= DIGITS_PER_WORD, "at most 8 digits per word");
    let radix = Bn254::from_u64(1u64 << ABSORB_RADIX_BITS);
    digits.iter().rev().fold(Bn254::ZERO, |acc, d| {
        acc * radix + Bn254::from_u32(d.as_canonical_u32())
    })
}

/// The [`LIMBS_PER_WORD`] BabyBear limbs one squeezed BN254 word yields: its canonical integer
/// written in base `p` (BabyBear's modulus), lowest limb first, the rest (the top ≈ 37 bits)
/// dropped. The squeeze queue hands them out last-first (see [`OuterSponge::sample`]).
///
/// `p3_field::split_pf_to_field_order_limbs(word, squeeze_field_order_num_limbs())`.
pub fn split_limbs(word: Bn254) -> [BabyBear; LIMBS_PER_WORD] {
    let p = BigUint::from(BabyBear::ORDER_U32);
    let mut rest = word.as_canonical_biguint();
    std::array::from_fn(|_| {
        let limb = &rest % &p;
        rest = &rest / &p;
        let limb = limb.to_u32_digits().first().copied().unwrap_or(0);
        BabyBear::from_u32(limb)
    })
}

/// The byte string a domain separator absorbs:
/// `protocol_id (64) | pattern_hash (32) | len(label) as u32 BE | label | 0x80`.
pub fn seed_bytes(protocol_id: &[u8], pattern_hash: &[u8; 32], label: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(protocol_id.len() + 32 + 4 + label.len() + 1);
    bytes.extend_from_slice(protocol_id);
    bytes.extend_from_slice(pattern_hash);
    let len = u32::try_from(label.len()).expect("a label fits in u32 bytes");
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(label);
    bytes.push(0x80);
    bytes
}

/// The BabyBear values a byte string is observed as: its length, then little-endian 3-byte
/// chunks (the last one possibly shorter).
pub fn seed_elements(bytes: &[u8]) -> Vec<BabyBear> {
    let mut out = Vec::with_capacity(1 + bytes.len().div_ceil(SEED_BYTES_PER_ELEMENT));
    let len = u32::try_from(bytes.len()).expect("a seed is short");
    assert!(
        len < BabyBear::ORDER_U32,
        "a seed length fits in one element"
    );
    out.push(BabyBear::from_u32(len));
    for chunk in bytes.chunks(SEED_BYTES_PER_ELEMENT) {
        let value = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (8 * i)));
        out.push(BabyBear::from_u32(value));
    }
    out
}

/// The seed bytes of a Plonky3 domain separator, assembled from its public parts.
fn separator_seed(ds: &DomainSeparator<FieldUnit<BabyBear>>) -> Vec<u8> {
    seed_bytes(
        ds.protocol_id(),
        &ds.pattern().pattern_hash(),
        ds.instance_label(),
    )
}

// ---------------------------------------------------------------------------------------------
// Sponge
// ---------------------------------------------------------------------------------------------

/// The duplex sponge of `MultiField32Challenger<BabyBear, Bn254, P, 3, 2>`, state for state.
///
/// - BabyBear observations queue in `pending`; 16 of them, or the next sample or digest
///   observation, flush the queue: packed 8 per word into the rate, the unused rate zeroed, the
///   number of values added to the capacity word, one permutation.
/// - A digest (a Merkle root, one BN254 word) is absorbed on its own the same way, length tag 1.
/// - A sample takes the next BabyBear limb from `squeezed`; when that is empty it splits the
///   rate words of the last permutation's output (permuting once more first if they were
///   already used), 7 limbs per word, and hands them out from the end.
/// - Any observation drops the squeezed limbs not yet used.
#[derive(Clone, Debug)]
pub struct OuterSponge<P> {
    perm: P,
    state: [Bn254; WIDTH],
    /// Observed BabyBear values not yet absorbed (`f_buffer`).
    pending: Vec<BabyBear>,
    /// Limbs of the last squeeze not yet sampled (`f_squeeze_buffer`), handed out from the end.
    squeezed: Vec<BabyBear>,
    /// Whether the rate holds output no sample has split yet (`!inner.output_buffer.is_empty()`).
    fresh_output: bool,
    permutations: usize,
}

impl<P: Permutation<[Bn254; WIDTH]>> OuterSponge<P> {
    /// A sponge in the all-zero state.
    pub fn new(perm: P) -> Self {
        OuterSponge {
            perm,
            state: [Bn254::ZERO; WIDTH],
            pending: Vec::new(),
            squeezed: Vec::new(),
            fresh_output: false,
            permutations: 0,
        }
    }

    /// The current state words.
    pub fn state(&self) -> &[Bn254; WIDTH] {
        &self.state
    }

    /// Observed values not yet absorbed.
    pub fn pending(&self) -> &[BabyBear] {
        &self.pending
    }

    /// Permutations applied so far.
    pub fn permutations(&self) -> usize {
        self.permutations
    }

    fn permute(&mut self) {
        self.perm.permute_mut(&mut self.state);
        self.permutations += 1;
        self.fresh_output = true;
    }

    /// Overwrites the rate with `words` (zero-padded), adds `tag` to the first capacity word
    /// and permutes (`DuplexChallenger::absorb_rate_padded_with_tag`).
    fn absorb_padded(&mut self, words: &[Bn254], tag: u8) {
        assert!(words.len() <= RATE);
        for (i, slot) in self.state[..RATE].iter_mut().enumerate() {
            *slot = words.get(i).copied().unwrap_or(Bn254::ZERO);
        }
        self.state[RATE] += Bn254::from_u8(tag);
        self.permute();
    }

    /// Absorbs the pending values, if any (`flush_f_if_non_empty`).
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let words: Vec<Bn254> = self
            .pending
            .chunks(DIGITS_PER_WORD)
            .map(pack_digits)
            .collect();
        let tag = u8::try_from(self.pending.len()).expect("at most 16 pending values");
        self.absorb_padded(&words, tag);
        self.pending.clear();
        self.squeezed.clear();
    }

    /// Observes one BabyBear value.
    pub fn observe(&mut self, value: BabyBear) {
        self.fresh_output = false;
        self.squeezed.clear();
        self.pending.push(value);
        if self.pending.len() == DIGITS_PER_ABSORB {
            self.flush();
        }
    }

    /// Observes the coefficients of an extension element, in basis order.
    pub fn observe_ext(&mut self, value: &Challenge) {
        for &c in value.as_basis_coefficients_slice() {
            self.observe(c);
        }
    }

    /// Observes a digest word (a Merkle root): flushes the pending values, then absorbs the
    /// word alone with length tag 1.
    pub fn observe_digest(&mut self, word: Bn254) {
        self.fresh_output = false;
        self.squeezed.clear();
        self.flush();
        self.absorb_padded(&[word], 1);
        self.squeezed.clear();
    }

    /// Observes a byte string the way a domain separator seeds the sponge.
    pub fn observe_seed(&mut self, bytes: &[u8]) {
        for v in seed_elements(bytes) {
            self.observe(v);
        }
    }

    /// Samples one BabyBear value.
    pub fn sample(&mut self) -> BabyBear {
        self.flush();
        if self.squeezed.is_empty() {
            if !self.fresh_output {
                // A squeeze with nothing to absorb: permute the state as it is (no tag).
                self.permute();
            }
            self.squeezed = self.state[..RATE]
                .iter()
                .flat_map(|&w| split_limbs(w))
                .collect();
            self.fresh_output = false;
        }
        self.squeezed.pop().expect("a squeeze yields 14 limbs")
    }

    /// Samples an extension element, coefficient 0 first.
    pub fn sample_ext(&mut self) -> Challenge {
        Challenge::from_basis_coefficients_fn(|_| self.sample())
    }

    /// Samples `bits` bits: the low bits of one sampled value.
    pub fn sample_bits(&mut self, bits: usize) -> usize {
        assert!((1u64 << bits) < u64::from(BabyBear::ORDER_U32));
        (self.sample().as_canonical_u32() as usize) & ((1usize << bits) - 1)
    }

    /// Checks a proof-of-work witness: at zero bits nothing happens; otherwise the witness is
    /// observed and the next `bits` sampled bits must be zero (`GrindingChallenger::check_witness`).
    pub fn check_witness(&mut self, bits: usize, witness: BabyBear) -> bool {
        if bits == 0 {
            return true;
        }
        self.observe(witness);
        self.sample_bits(bits) == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Shape
// ---------------------------------------------------------------------------------------------

/// Why a replay failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranscriptError {
    /// The proof (or the AIRs) do not have the shape the verifying key fixes.
    #[error("proof shape: {0}")]
    Shape(String),
    /// A proof-of-work witness does not give the required zero bits.
    #[error("{phase} proof-of-work witness does not give {bits} zero bits")]
    PowWitness {
        /// Which grinding step.
        phase: PowPhase,
        /// Its difficulty.
        bits: usize,
    },
    /// A witness of a zero-difficulty step is not zero (Plonky3 pins it to zero).
    #[error("{phase} proof-of-work witness must be zero at zero difficulty")]
    NonCanonicalPowWitness {
        /// Which grinding step.
        phase: PowPhase,
    },
}

/// The grinding steps of a batch proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowPhase {
    /// Before the LogUp challenges.
    Lookup,
    /// Before the out-of-domain point ζ.
    OutOfDomain,
    /// Before the challenge batching the openings.
    Batch,
    /// Before the folding challenge of a FRI round.
    Commit(usize),
    /// Before the query indices.
    Query,
}

impl std::fmt::Display for PowPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PowPhase::Lookup => write!(f, "lookup"),
            PowPhase::OutOfDomain => write!(f, "out-of-domain"),
            PowPhase::Batch => write!(f, "batch"),
            PowPhase::Commit(r) => write!(f, "commit-phase round {r}"),
            PowPhase::Query => write!(f, "query"),
        }
    }
}

fn shape_err(msg: impl Into<String>) -> TranscriptError {
    TranscriptError::Shape(msg.into())
}

/// What the transcript needs to know about one table (from its AIR and the verifying key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    /// Main trace width.
    pub width: usize,
    /// Number of public values.
    pub num_public_values: usize,
    /// log2 of the trace height (the proof's `degree_bits`; no ZK, so not extended).
    pub degree_bits: usize,
    /// Whether the next main row is opened (`main_next_row_columns()` non-empty).
    pub main_next_row: bool,
    /// Preprocessed width (0: none).
    pub preprocessed_width: usize,
    /// Whether the next preprocessed row is opened.
    pub preprocessed_next_row: bool,
    /// log2 of the number of quotient chunks.
    pub log_num_quotient_chunks: usize,
    /// The global bus index of each of the table's lookups, in order (empty: no lookups).
    pub lookup_buses: Vec<usize>,
}

impl TableShape {
    /// Whether the table has LogUp columns.
    pub fn has_lookups(&self) -> bool {
        !self.lookup_buses.is_empty()
    }

    /// Base-field width of one opened LogUp row: (accumulator + one column per lookup) × 4.
    pub fn permutation_width(&self) -> usize {
        if self.has_lookups() {
            (self.lookup_buses.len() + 1) * EXT_DEGREE
        } else {
            0
        }
    }
}

/// The global preprocessed commitment of the verifying key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreprocessedShape {
    /// The commitment (Merkle root).
    pub commitment: Bn254,
    /// Table index of each committed preprocessed matrix, in commitment order.
    pub matrix_to_instance: Vec<usize>,
}

/// Everything the verifying key fixes about a batch proof's transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StarkShape {
    /// One entry per table, in batch order.
    pub tables: Vec<TableShape>,
    /// The preprocessed commitment, if any table has preprocessed columns.
    pub preprocessed: Option<PreprocessedShape>,
    /// Number of distinct LogUp buses (global buses by name, each local lookup its own).
    pub num_buses: usize,
    /// Widest LogUp message (at least 1): the bus offset sits at `β^max_message_width`.
    pub max_message_width: usize,
}

/// The single root of a cap-height-0 commitment.
fn single_root(
    cap: &MerkleCap<BabyBear, [Bn254; 1]>,
    what: &str,
) -> Result<Bn254, TranscriptError> {
    match cap.roots() {
        [root] => Ok(root[0]),
        roots => Err(shape_err(format!(
            "{what} commitment has {} roots, expected 1",
            roots.len()
        ))),
    }
}

impl StarkShape {
    /// The shape of a batch of `airs` at the given log heights, with the keygen output
    /// `common` (as `verify_batch` derives it, p3-batch-stark src/verifier/mod.rs:426-478).
    pub fn from_airs<A>(
        airs: &[A],
        degree_bits: &[usize],
        common: &CommonData<OuterConfig>,
    ) -> Result<StarkShape, TranscriptError>
    where
        A: BaseAir<BabyBear> + Air<InteractionSymbolicBuilder<BabyBear, Challenge>>,
    {
        use p3_air::symbolic::AirLayout;
        if airs.len() != degree_bits.len() || airs.len() != common.lookups.len() {
            return Err(shape_err(format!(
                "{} AIRs, {} heights, {} lookup lists",
                airs.len(),
                degree_bits.len(),
                common.lookups.len()
            )));
        }
        let gadget = LogUpGadget::new();
        // Bus indices: global buses numbered by first appearance, local lookups each their own.
        let mut global: Vec<(String, usize, usize)> = Vec::new(); // (name, index, width)
        let mut num_buses = 0usize;
        let mut max_message_width = 1usize;
        let mut tables = Vec::with_capacity(airs.len());
        for (i, air) in airs.iter().enumerate() {
            let preprocessed_width = common
                .preprocessed
                .as_ref()
                .and_then(|g| g.instances.get(i).and_then(|m| m.as_ref()))
                .map_or(0, |m| m.width);
            if let Some(meta) = common
                .preprocessed
                .as_ref()
                .and_then(|g| g.instances.get(i).and_then(|m| m.as_ref()))
            {
                if meta.degree_bits != degree_bits[i] {
                    return Err(shape_err(format!(
                        "table {i}: preprocessed height 2^{} but trace height 2^{}",
                        meta.degree_bits, degree_bits[i]
                    )));
                }
            }
            let layout = AirLayout {
                preprocessed_width,
                main_width: air.width(),
                num_public_values: air.num_public_values(),
                num_periodic_columns: air.num_periodic_columns(),
                ..Default::default()
            };
            // `TwoAdicFriPcs::natural_domain_for_degree` (p3-fri src/two_adic_pcs.rs:422-424).
            let domain = TwoAdicMultiplicativeCoset::new(BabyBear::ONE, degree_bits[i])
                .ok_or_else(|| {
                    shape_err(format!("table {i}: height 2^{} too large", degree_bits[i]))
                })?;
            let log_num_quotient_chunks =
                p3_batch_stark::symbolic::get_log_num_quotient_chunks_for_domain::<
                    BabyBear,
                    Challenge,
                    A,
                    _,
                >(air, layout, domain, &common.lookups[i], 0, &gadget);
            let mut lookup_buses = Vec::new();
            for lookup in common.lookups[i].iter() {
                let width = lookup.elements.first().map_or(0, Vec::len);
                if lookup.elements.iter().any(|t| t.len() != width) {
                    return Err(shape_err(format!("table {i}: a lookup mixes tuple widths")));
                }
                max_message_width = max_message_width.max(width);
                let bus = match &lookup.kind {
                    LookupKind::Global(name) => {
                        if let Some((_, idx, w)) = global.iter().find(|(n, _, _)| n == name) {
                            if *w != width {
                                return Err(shape_err(format!(
                                    "bus {name:?}: tuple widths {w} and {width}"
                                )));
                            }
                            *idx
                        } else {
                            global.push((name.clone(), num_buses, width));
                            num_buses += 1;
                            num_buses - 1
                        }
                    }
                    LookupKind::Local => {
                        num_buses += 1;
                        num_buses - 1
                    }
                };
                lookup_buses.push(bus);
            }
            tables.push(TableShape {
                width: air.width(),
                num_public_values: air.num_public_values(),
                degree_bits: degree_bits[i],
                main_next_row: !air.main_next_row_columns().is_empty(),
                preprocessed_width,
                preprocessed_next_row: preprocessed_width > 0
                    && !air.preprocessed_next_row_columns().is_empty(),
                log_num_quotient_chunks,
                lookup_buses,
            });
        }
        let preprocessed = match &common.preprocessed {
            None => None,
            Some(g) => {
                if g.instances.len() != airs.len() {
                    return Err(shape_err("preprocessed metadata count"));
                }
                for (m, &inst) in g.matrix_to_instance.iter().enumerate() {
                    let meta = g.instances.get(inst).and_then(|x| x.as_ref());
                    if meta.is_none_or(|meta| meta.matrix_index != m || meta.width == 0) {
                        return Err(shape_err(format!("preprocessed matrix {m} metadata")));
                    }
                }
                Some(PreprocessedShape {
                    commitment: single_root(&g.commitment, "preprocessed")?,
                    matrix_to_instance: g.matrix_to_instance.clone(),
                })
            }
        };
        Ok(StarkShape {
            tables,
            preprocessed,
            num_buses,
            max_message_width,
        })
    }

    /// Number of tables with lookups.
    pub fn num_lookup_instances(&self) -> usize {
        self.tables.iter().filter(|t| t.has_lookups()).count()
    }

    /// log2 of the tallest committed domain before blowup (every committed matrix of table `i`
    /// — trace, quotient chunk, preprocessed, LogUp — has `2^degree_bits[i]` rows).
    pub fn log_max_height(&self) -> usize {
        self.tables.iter().map(|t| t.degree_bits).max().unwrap_or(0)
    }

    /// The number of claimed evaluations of every opening, nested commitment → matrix → point,
    /// in the order the PCS claims are built (p3-batch-stark src/verifier/mod.rs:162-340):
    /// main trace, quotient chunks, preprocessed, LogUp.
    pub fn claimed_evaluation_counts(&self) -> Vec<Vec<Vec<usize>>> {
        let mut rounds = Vec::new();
        rounds.push(
            self.tables
                .iter()
                .map(|t| {
                    if t.main_next_row {
                        vec![t.width, t.width]
                    } else {
                        vec![t.width]
                    }
                })
                .collect(),
        );
        rounds.push(
            self.tables
                .iter()
                .flat_map(|t| vec![vec![EXT_DEGREE]; 1 << t.log_num_quotient_chunks])
                .collect(),
        );
        if let Some(pre) = &self.preprocessed {
            rounds.push(
                pre.matrix_to_instance
                    .iter()
                    .map(|&i| {
                        let t = &self.tables[i];
                        if t.preprocessed_next_row {
                            vec![t.preprocessed_width, t.preprocessed_width]
                        } else {
                            vec![t.preprocessed_width]
                        }
                    })
                    .collect(),
            );
        }
        if self.num_lookup_instances() > 0 {
            rounds.push(
                self.tables
                    .iter()
                    .filter(|t| t.has_lookups())
                    .map(|t| vec![t.permutation_width(), t.permutation_width()])
                    .collect(),
            );
        }
        rounds
    }

    /// Plonky3's description of the batch transcript (the first seed).
    pub fn batch_shape(&self, settings: &FriSettings) -> BatchShape {
        BatchShape {
            trace_widths: self.tables.iter().map(|t| t.width).collect(),
            public_value_counts: self.tables.iter().map(|t| t.num_public_values).collect(),
            preprocessed_widths: self.tables.iter().map(|t| t.preprocessed_width).collect(),
            has_preprocessed_commitment: self.preprocessed.is_some(),
            num_lookup_instances: self.num_lookup_instances(),
            lookup_pow_bits: settings.lookup_pow_bits,
            has_randomization_commitment: false,
            ood_pow_bits: settings.ood_pow_bits,
        }
    }

    /// Plonky3's description of the opening-argument transcript (the second seed).
    pub fn pcs_shape(&self, settings: &FriSettings) -> p3_fri::PcsShape {
        p3_fri::PcsShape {
            claimed_evaluation_counts: self.claimed_evaluation_counts(),
            batch_pow_bits: settings.batch_pow_bits,
        }
    }

    /// The FRI folding schedule: one log-arity per commit round.
    pub fn fold_schedule(&self, settings: &FriSettings) -> Vec<usize> {
        let mut heights: Vec<usize> = self
            .tables
            .iter()
            .map(|t| t.degree_bits + settings.log_blowup)
            .collect();
        heights.sort_unstable_by(|a, b| b.cmp(a));
        heights.dedup();
        p3_fri::fold_schedule(
            &heights,
            settings.log_blowup + settings.log_final_poly_len,
            settings.max_log_arity,
        )
    }

    /// Bits of a query index: log2 of the tallest evaluation domain.
    pub fn query_index_bits(&self, settings: &FriSettings) -> usize {
        self.log_max_height() + settings.log_blowup
    }

    /// Plonky3's description of the FRI transcript (the third seed).
    pub fn fri_shape(&self, settings: &FriSettings) -> p3_fri::FriShape {
        p3_fri::FriShape {
            log_arities: self.fold_schedule(settings),
            final_poly_len: 1 << settings.log_final_poly_len,
            commit_pow_bits: settings.commit_pow_bits,
            query_pow_bits: settings.query_pow_bits,
            num_queries: settings.num_queries,
            index_bits: self.query_index_bits(settings),
            log_blowup: settings.log_blowup,
            max_log_arity: settings.max_log_arity,
        }
    }

    /// The seed bytes of the batch transcript.
    pub fn batch_seed(&self, settings: &FriSettings) -> Vec<u8> {
        separator_seed(
            &self
                .batch_shape(settings)
                .domain_separator::<BabyBear, Challenge>(),
        )
    }

    /// The seed bytes of the opening-argument transcript.
    pub fn pcs_seed(&self, settings: &FriSettings) -> Vec<u8> {
        separator_seed(
            &self
                .pcs_shape(settings)
                .domain_separator::<BabyBear, Challenge>(),
        )
    }

    /// The seed bytes of the FRI transcript.
    pub fn fri_seed(&self, settings: &FriSettings) -> Vec<u8> {
        separator_seed(
            &self
                .fri_shape(settings)
                .domain_separator::<BabyBear, Challenge>(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Proof data
// ---------------------------------------------------------------------------------------------

/// One table's opened values (extension elements; base-field columns lifted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableOpenings {
    /// Main trace at ζ.
    pub trace_local: Vec<Challenge>,
    /// Main trace at ζ·g, when the AIR reads the next row.
    pub trace_next: Option<Vec<Challenge>>,
    /// Preprocessed trace at ζ.
    pub preprocessed_local: Option<Vec<Challenge>>,
    /// Preprocessed trace at ζ·g.
    pub preprocessed_next: Option<Vec<Challenge>>,
    /// Each quotient chunk's 4 base-field columns at ζ.
    pub quotient_chunks: Vec<Vec<Challenge>>,
    /// LogUp columns at ζ, flattened to base-field coefficients.
    pub permutation_local: Vec<Challenge>,
    /// LogUp columns at ζ·g, flattened.
    pub permutation_next: Vec<Challenge>,
}

/// The values of a batch proof the transcript reads, as plain field elements (the circuit's
/// witnesses). Merkle paths and opened rows of the FRI queries are not here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptData {
    /// log2 of every table's height.
    pub degree_bits: Vec<usize>,
    /// Root of the main-trace commitment.
    pub main_commitment: Bn254,
    /// Root of the LogUp commitment (present iff some table has lookups).
    pub permutation_commitment: Option<Bn254>,
    /// Root of the quotient-chunk commitment.
    pub quotient_commitment: Bn254,
    /// Witness of the grinding before the LogUp challenges.
    pub lookup_pow_witness: Option<BabyBear>,
    /// Each table's LogUp terminal (present iff it has lookups).
    pub lookup_terminals: Vec<Option<Challenge>>,
    /// Witness of the grinding before ζ.
    pub ood_pow_witness: BabyBear,
    /// Each table's opened values.
    pub openings: Vec<TableOpenings>,
    /// Witness of the grinding before the batching challenge.
    pub batch_pow_witness: BabyBear,
    /// Roots of the FRI commit-phase commitments, one per round.
    pub fri_commitments: Vec<Bn254>,
    /// Witnesses of the grinding before each folding challenge.
    pub commit_pow_witnesses: Vec<BabyBear>,
    /// Coefficients of the final polynomial.
    pub final_poly: Vec<Challenge>,
    /// Witness of the grinding before the query indices.
    pub query_pow_witness: BabyBear,
}

impl TranscriptData {
    /// Reads the transcript values out of a decoded proof.
    pub fn from_proof(proof: &BatchProof<OuterConfig>) -> Result<Self, TranscriptError> {
        if proof.commitments.random.is_some()
            || proof
                .opened_values
                .instances
                .iter()
                .any(|o| o.base_opened_values.random.is_some())
        {
            return Err(shape_err("randomization values in a non-hiding proof"));
        }
        let fri = &proof.opening_proof;
        Ok(TranscriptData {
            degree_bits: proof.degree_bits.clone(),
            main_commitment: single_root(&proof.commitments.main, "main")?,
            permutation_commitment: proof
                .commitments
                .permutation
                .as_ref()
                .map(|c| single_root(c, "permutation"))
                .transpose()?,
            quotient_commitment: single_root(&proof.commitments.quotient_chunks, "quotient")?,
            lookup_pow_witness: proof.lookup_pow_witness,
            lookup_terminals: proof
                .lookup_terminals
                .iter()
                .map(|t| t.as_ref().map(|t| t.0))
                .collect(),
            ood_pow_witness: proof.ood_pow_witness,
            openings: proof
                .opened_values
                .instances
                .iter()
                .map(|o| {
                    let base = &o.base_opened_values;
                    TableOpenings {
                        trace_local: base.trace_local.clone(),
                        trace_next: base.trace_next.clone(),
                        preprocessed_local: base.preprocessed.as_ref().map(|p| p.local.clone()),
                        preprocessed_next: base.preprocessed.as_ref().and_then(|p| p.next.clone()),
                        quotient_chunks: base.quotient_chunks.clone(),
                        permutation_local: o.permutation_local.clone(),
                        permutation_next: o.permutation_next.clone(),
                    }
                })
                .collect(),
            batch_pow_witness: fri.batch_pow_witness,
            fri_commitments: fri
                .commit_phase_commits
                .iter()
                .map(|c| single_root(c, "FRI commit-phase"))
                .collect::<Result<_, _>>()?,
            commit_pow_witnesses: fri.commit_pow_witnesses.clone(),
            final_poly: fri.final_poly.clone(),
            query_pow_witness: fri.query_pow_witness,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

/// Every challenge of a batch proof, in transcript order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayedChallenges {
    /// The LogUp base randomness α_L (when some table has lookups).
    pub lookup_alpha: Option<Challenge>,
    /// The LogUp message combiner β_L.
    pub lookup_beta: Option<Challenge>,
    /// Per table, the challenges its LogUp constraints read: `[α_L + (b+1)·β_L^W, β_L]` for
    /// each lookup on bus `b` (W = widest message), as `verify_batch` lays them out.
    pub lookup_challenges: Vec<Vec<Challenge>>,
    /// The constraint-folding challenge α.
    pub alpha: Challenge,
    /// The out-of-domain point ζ.
    pub zeta: Challenge,
    /// The challenge batching all openings into one FRI claim.
    pub fri_alpha: Challenge,
    /// One folding challenge per FRI round.
    pub fri_betas: Vec<Challenge>,
    /// The query indices (bit-reversed positions in the tallest evaluation domain).
    pub query_indices: Vec<usize>,
}

/// A replay: the challenges, the grinding steps whose witness failed, and the cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The challenges (computed even past a failed grinding step).
    pub challenges: ReplayedChallenges,
    /// Grinding steps whose witness did not give the required zero bits, with the difficulty.
    pub pow_failures: Vec<(PowPhase, usize)>,
    /// Permutations the transcript took.
    pub permutations: usize,
}

impl Replay {
    /// The challenges, if every proof-of-work witness passed.
    pub fn accepted(self) -> Result<ReplayedChallenges, TranscriptError> {
        match self.pow_failures.first() {
            None => Ok(self.challenges),
            Some(&(phase, bits)) => Err(TranscriptError::PowWitness { phase, bits }),
        }
    }
}

/// `[α + (b+1)·γ for b in 0..num_buses]` with `γ = β^max_message_width`
/// (`p3_lookup::Challenges::new`).
pub fn bus_prefixes(
    alpha: Challenge,
    beta: Challenge,
    max_message_width: usize,
    num_buses: usize,
) -> Vec<Challenge> {
    let gamma = beta.exp_u64(max_message_width as u64);
    let mut prefix = alpha;
    (0..num_buses)
        .map(|_| {
            prefix += gamma;
            prefix
        })
        .collect()
}

/// Recomputes every challenge of outer-configuration batch proofs of one shape.
#[derive(Clone, Debug)]
pub struct TranscriptReplay<P = keel_stark::config::OuterPerm> {
    settings: FriSettings,
    shape: StarkShape,
    perm: P,
}

impl TranscriptReplay {
    /// A replay with the published Poseidon2-BN254 permutation.
    pub fn new(settings: FriSettings, shape: StarkShape) -> Self {
        TranscriptReplay::with_permutation(settings, shape, keel_stark::config::outer_perm())
    }
}

/// A grinding step: zero bits pin the witness to zero and absorb nothing; otherwise the
/// witness is absorbed and checked. Returns whether it passed.
fn grind_step<P: Permutation<[Bn254; WIDTH]>>(
    sponge: &mut OuterSponge<P>,
    failures: &mut Vec<(PowPhase, usize)>,
    phase: PowPhase,
    bits: usize,
    witness: BabyBear,
) -> Result<(), TranscriptError> {
    if bits == 0 {
        if witness != BabyBear::ZERO {
            return Err(TranscriptError::NonCanonicalPowWitness { phase });
        }
        return Ok(());
    }
    if !sponge.check_witness(bits, witness) {
        failures.push((phase, bits));
    }
    Ok(())
}

impl<P: Permutation<[Bn254; WIDTH]> + Clone> TranscriptReplay<P> {
    /// A replay over the permutation `perm` (which must compute Poseidon2-BN254).
    pub fn with_permutation(settings: FriSettings, shape: StarkShape, perm: P) -> Self {
        TranscriptReplay {
            settings,
            shape,
            perm,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &StarkShape {
        &self.shape
    }

    /// The FRI settings.
    pub fn settings(&self) -> &FriSettings {
        &self.settings
    }

    /// Checks that the proof has the shape the verifying key fixes (the checks of
    /// `verify_batch` and `verify_fri` on everything the transcript reads).
    pub fn check_shape(
        &self,
        data: &TranscriptData,
        public_values: &[Vec<BabyBear>],
    ) -> Result<(), TranscriptError> {
        let tables = &self.shape.tables;
        let n = tables.len();
        if data.degree_bits.len() != n
            || data.openings.len() != n
            || data.lookup_terminals.len() != n
            || public_values.len() != n
        {
            return Err(shape_err(format!(
                "{n} tables but {} heights, {} openings, {} terminals, {} public-value vectors",
                data.degree_bits.len(),
                data.openings.len(),
                data.lookup_terminals.len(),
                public_values.len()
            )));
        }
        for (i, ((t, o), pv)) in tables
            .iter()
            .zip(&data.openings)
            .zip(public_values)
            .enumerate()
        {
            let fail = |what: &str| Err(shape_err(format!("table {i}: {what}")));
            if data.degree_bits[i] != t.degree_bits {
                return fail("height differs from the verifying key's");
            }
            if pv.len() != t.num_public_values {
                return fail("public-value count");
            }
            if o.trace_local.len() != t.width {
                return fail("main opening width");
            }
            match (&o.trace_next, t.main_next_row) {
                (Some(v), true) if v.len() == t.width => {}
                (None, false) => {}
                _ => return fail("main next-row opening"),
            }
            if o.quotient_chunks.len() != 1 << t.log_num_quotient_chunks
                || o.quotient_chunks.iter().any(|c| c.len() != EXT_DEGREE)
            {
                return fail("quotient chunks");
            }
            let pre_ok = match (&o.preprocessed_local, &o.preprocessed_next) {
                (None, None) => t.preprocessed_width == 0,
                (Some(l), None) => {
                    t.preprocessed_width > 0
                        && l.len() == t.preprocessed_width
                        && !t.preprocessed_next_row
                }
                (Some(l), Some(nx)) => {
                    t.preprocessed_width > 0
                        && t.preprocessed_next_row
                        && l.len() == t.preprocessed_width
                        && nx.len() == t.preprocessed_width
                }
                (None, Some(_)) => false,
            };
            if !pre_ok {
                return fail("preprocessed opening");
            }
            if o.permutation_local.len() != t.permutation_width()
                || o.permutation_next.len() != t.permutation_width()
            {
                return fail("LogUp opening width");
            }
            if data.lookup_terminals[i].is_some() != t.has_lookups() {
                return fail("LogUp terminal presence");
            }
        }
        let lookups = self.shape.num_lookup_instances() > 0;
        if data.permutation_commitment.is_some() != lookups {
            return Err(shape_err("LogUp commitment presence"));
        }
        if data.lookup_pow_witness.is_some() != lookups {
            return Err(shape_err("LogUp grinding witness presence"));
        }
        let rounds = self.shape.fold_schedule(&self.settings).len();
        if data.fri_commitments.len() != rounds || data.commit_pow_witnesses.len() != rounds {
            return Err(shape_err(format!(
                "{rounds} FRI rounds but {} commitments and {} witnesses",
                data.fri_commitments.len(),
                data.commit_pow_witnesses.len()
            )));
        }
        if data.final_poly.len() != 1 << self.settings.log_final_poly_len {
            return Err(shape_err("final polynomial length"));
        }
        Ok(())
    }

    /// The claimed evaluations in PCS order (commitment → matrix → point), as the opening
    /// argument observes them and FRI reduces them. Call after [`Self::check_shape`].
    pub fn claimed_openings<'a>(&self, data: &'a TranscriptData) -> Vec<Vec<Vec<&'a [Challenge]>>> {
        let mut rounds: Vec<Vec<Vec<&[Challenge]>>> = Vec::new();
        rounds.push(
            data.openings
                .iter()
                .map(|o| {
                    let mut points = vec![o.trace_local.as_slice()];
                    points.extend(o.trace_next.as_deref());
                    points
                })
                .collect(),
        );
        rounds.push(
            data.openings
                .iter()
                .flat_map(|o| o.quotient_chunks.iter().map(|c| vec![c.as_slice()]))
                .collect(),
        );
        if let Some(pre) = &self.shape.preprocessed {
            rounds.push(
                pre.matrix_to_instance
                    .iter()
                    .map(|&i| {
                        let o = &data.openings[i];
                        let mut points: Vec<&[Challenge]> =
                            o.preprocessed_local.as_deref().into_iter().collect();
                        points.extend(o.preprocessed_next.as_deref());
                        points
                    })
                    .collect(),
            );
        }
        if self.shape.num_lookup_instances() > 0 {
            rounds.push(
                data.openings
                    .iter()
                    .filter(|o| !o.permutation_local.is_empty())
                    .map(|o| {
                        vec![
                            o.permutation_local.as_slice(),
                            o.permutation_next.as_slice(),
                        ]
                    })
                    .collect(),
            );
        }
        rounds
    }

    /// Replays the transcript and rejects on a failed proof-of-work witness.
    pub fn replay(
        &self,
        data: &TranscriptData,
        public_values: &[Vec<BabyBear>],
    ) -> Result<ReplayedChallenges, TranscriptError> {
        self.replay_all(data, public_values)?.accepted()
    }

    /// Replays the whole transcript, recording (rather than stopping at) failed grinding
    /// witnesses, as the circuit computes every step and constrains the grinding bits last.
    pub fn replay_all(
        &self,
        data: &TranscriptData,
        public_values: &[Vec<BabyBear>],
    ) -> Result<Replay, TranscriptError> {
        self.check_shape(data, public_values)?;
        let s = &self.settings;
        let shape = &self.shape;
        let mut failures = Vec::new();
        let mut sponge = OuterSponge::new(self.perm.clone());

        // --- p3-batch-stark: src/verifier/mod.rs:640-674 ---
        sponge.observe_seed(&shape.batch_seed(s));
        for &bits in &data.degree_bits {
            sponge.observe_ext(&Challenge::from(BabyBear::from_usize(bits)));
        }
        sponge.observe_digest(data.main_commitment);
        for values in public_values {
            for &v in values {
                sponge.observe(v);
            }
        }
        if let Some(pre) = &shape.preprocessed {
            sponge.observe_digest(pre.commitment);
        }
        let (lookup_alpha, lookup_beta, lookup_challenges) = match data.lookup_pow_witness {
            Some(witness) => {
                grind_step(
                    &mut sponge,
                    &mut failures,
                    PowPhase::Lookup,
                    s.lookup_pow_bits,
                    witness,
                )?;
                let alpha = sponge.sample_ext();
                let beta = sponge.sample_ext();
                let prefixes = bus_prefixes(alpha, beta, shape.max_message_width, shape.num_buses);
                let laid_out = shape
                    .tables
                    .iter()
                    .map(|t| {
                        t.lookup_buses
                            .iter()
                            .flat_map(|&b| [prefixes[b], beta])
                            .collect()
                    })
                    .collect();
                (Some(alpha), Some(beta), laid_out)
            }
            None => (None, None, vec![Vec::new(); shape.tables.len()]),
        };
        if let Some(root) = data.permutation_commitment {
            sponge.observe_digest(root);
        }
        for terminal in data.lookup_terminals.iter().flatten() {
            sponge.observe_ext(terminal);
        }
        let alpha = sponge.sample_ext();
        sponge.observe_digest(data.quotient_commitment);
        grind_step(
            &mut sponge,
            &mut failures,
            PowPhase::OutOfDomain,
            s.ood_pow_bits,
            data.ood_pow_witness,
        )?;
        let zeta = sponge.sample_ext();

        // --- p3-fri: src/two_adic_pcs.rs:832-874 (opening argument) ---
        // Zero-difficulty witnesses are pinned before anything is absorbed (verifier.rs:403-434).
        let witnesses =
            std::iter::once((PowPhase::Batch, s.batch_pow_bits, data.batch_pow_witness))
                .chain(
                    data.commit_pow_witnesses
                        .iter()
                        .enumerate()
                        .map(|(r, &w)| (PowPhase::Commit(r), s.commit_pow_bits, w)),
                )
                .chain([(PowPhase::Query, s.query_pow_bits, data.query_pow_witness)]);
        for (phase, bits, witness) in witnesses {
            if bits == 0 && witness != BabyBear::ZERO {
                return Err(TranscriptError::NonCanonicalPowWitness { phase });
            }
        }
        sponge.observe_seed(&shape.pcs_seed(s));
        for values in self.claimed_openings(data).iter().flatten().flatten() {
            for v in values.iter() {
                sponge.observe_ext(v);
            }
        }
        grind_step(
            &mut sponge,
            &mut failures,
            PowPhase::Batch,
            s.batch_pow_bits,
            data.batch_pow_witness,
        )?;
        let fri_alpha = sponge.sample_ext();

        // --- p3-fri: src/verifier.rs:694-714 and src/transcript.rs:460-579 (low-degree test) ---
        sponge.observe_seed(&shape.fri_seed(s));
        let mut fri_betas = Vec::with_capacity(data.fri_commitments.len());
        for (round, (&root, &witness)) in data
            .fri_commitments
            .iter()
            .zip(&data.commit_pow_witnesses)
            .enumerate()
        {
            sponge.observe_digest(root);
            if s.commit_pow_bits > 0 {
                grind_step(
                    &mut sponge,
                    &mut failures,
                    PowPhase::Commit(round),
                    s.commit_pow_bits,
                    witness,
                )?;
            }
            fri_betas.push(sponge.sample_ext());
        }
        for c in &data.final_poly {
            sponge.observe_ext(c);
        }
        if s.query_pow_bits > 0 {
            grind_step(
                &mut sponge,
                &mut failures,
                PowPhase::Query,
                s.query_pow_bits,
                data.query_pow_witness,
            )?;
        }
        let index_bits = shape.query_index_bits(s);
        let query_indices = (0..s.num_queries)
            .map(|_| sponge.sample_bits(index_bits))
            .collect();

        Ok(Replay {
            challenges: ReplayedChallenges {
                lookup_alpha,
                lookup_beta,
                lookup_challenges,
                alpha,
                zeta,
                fri_alpha,
                fri_betas,
                query_indices,
            },
            pow_failures: failures,
            permutations: sponge.permutations(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
