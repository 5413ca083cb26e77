//! The outer Fiat–Shamir sponge (`MultiField32Challenger<BabyBear, Bn254, Poseidon2Bn254<3>, 3,
//! 2>`) over circuit cells: [`CircuitSponge`] mirrors the native [`OuterSponge`] operation for
//! operation (same pending buffer, length tags, squeeze queue and "fresh output" flag, so the
//! same permutations happen at the same places), and [`replay_circuit`] runs the whole
//! transcript of a batch proof in `verify_batch`'s order, as [`TranscriptReplay::replay`] does.
//! `TRANSCRIPT.md` is the specification.
//!
//! What is constrained, and why it cannot wrap modulo the BN254 order `r`:
//!
//! - **absorb**: the packing `Σ_{j<8} v_j·2^{31j}` of canonical BabyBear cells is one linear
//!   combination below `2^{248} < r`, so the word is the integer Plonky3 absorbs; the length tag
//!   is a constant added to the capacity word; the permutation is a [`Permuter`].
//! - **squeeze** (the sound part): each rate word `x` is split by witnessing 7 limbs `c_i` and
//!   the dropped top part `t`, with `c_i` canonical (the BabyBear canonicity check), `t ≤ R =
//!   ⌊(r−1)/p^7⌋ = 163,268,688,284 < 2^38` (two 38-bit range checks, of `t` and `R − t`),
//!   `low = Σ c_i p^i`, `x = low + t·p^7` in `Fr`, and — the extra comparison of
//!   `TRANSCRIPT.md` §1 — `low ≤ (r−1) − R·p^7` when `t = R` (else `low ≤ p^7 − 1`, which always
//!   holds): one 217-bit range check of the selected bound minus `low`. The right side is then
//!   an integer below `r`, so the field identity is an integer identity and the decomposition
//!   is the unique base-`p` one.
//! - **bits**: a sampled value `v < p` is split as `v = low + 2^n·high` with `n` boolean bits of
//!   `low` and `high < 2^{31−n}` (range check): below `2^{31}`, no wrap, unique.
//! - **proof of work**: `v = 2^n·high`, `high < 2^{31−n}` (range check): `v`'s low `n` bits are
//!   zero. At zero bits nothing is absorbed and the witness is pinned to 0, as
//!   [`TranscriptReplay`] (and Plonky3's `verify_batch` / FRI verifier) do.
//!
//! Domain-separator seeds depend only on the verifying key's shape: they are observed as
//! constant cells (no witness), through the same buffer as everything else, so their tails
//! share absorbs with proof values exactly as natively. (The sponge state after the batch seed
//! is a constant too and could be loaded directly, saving its full-buffer permutations — two
//! for the Fibonacci machine; not done, to keep one code path.)

#[cfg(doc)]
use super::transcript::OuterSponge;
use super::transcript::{
    seed_elements, StarkShape, TranscriptData, TranscriptError, TranscriptReplay,
    DIGITS_PER_ABSORB, DIGITS_PER_WORD, EXT_DEGREE, LIMBS_PER_WORD, RATE, WIDTH,
};
use crate::babybear::{AssignedBabyBear, BabyBearChip, BABYBEAR_MODULUS};
use crate::convert::bn254_to_fr;
use crate::extension::{AssignedExt, ExtensionChip, NativeExt};
use crate::poseidon2_gate::Permuter;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::ff::{Field as _, PrimeField as _};
use halo2_base::{AssignedValue, Context, QuantumCell};
use keel_stark::config::FriSettings;
use num_bigint::BigUint;
use p3_baby_bear::BabyBear;
use p3_bn254::Bn254;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_symmetric::Permutation;

/// Bits of a canonical BabyBear value (`p < 2^31`).
const BABYBEAR_BITS: usize = 31;

/// The canonical integer of a cell value.
pub(crate) fn fe_to_biguint(x: &Fr) -> BigUint {
    BigUint::from_bytes_le(x.to_repr().as_ref())
}

/// A field element from an integer below the BN254 order.
fn biguint_to_fe(x: &BigUint) -> Fr {
    let mut bytes = x.to_bytes_le();
    assert!(bytes.len() <= 32, "below the BN254 order");
    bytes.resize(32, 0);
    let repr: [u8; 32] = bytes.try_into().expect("32 bytes");
    Option::from(Fr::from_repr(repr)).expect("below the BN254 order")
}

/// The BN254 scalar-field order r.
fn modulus() -> BigUint {
    fe_to_biguint(&-Fr::ONE) + 1u32
}

/// The constants of the squeeze split (`TRANSCRIPT.md` §1).
#[derive(Clone, Debug)]
struct SplitConstants {
    /// `p^i` for `i ≤ 7`, as field elements.
    powers: [Fr; LIMBS_PER_WORD + 1],
    /// `R = ⌊(r − 1)/p^7⌋`, the largest top part of a word.
    max_top: u64,
    /// Bits of `R` (range checks of `t` and `R − t`).
    top_bits: usize,
    /// `(r − 1) − R·p^7`: the largest low part when `t = R`.
    low_bound_at_max_top: Fr,
    /// `p^7 − 1`: the largest low part of canonical limbs.
    low_bound: Fr,
    /// Bits of `p^7 − 1`.
    low_bits: usize,
}

impl SplitConstants {
    fn new() -> Self {
        let p = BigUint::from(BABYBEAR_MODULUS);
        let p7 = p.pow(LIMBS_PER_WORD as u32);
        let r_minus_1 = modulus() - 1u32;
        let max_top = &r_minus_1 / &p7;
        let at_max = &r_minus_1 - &max_top * &p7;
        let max_top = u64::try_from(max_top).expect("R < 2^64");
        SplitConstants {
            powers: std::array::from_fn(|i| biguint_to_fe(&p.pow(i as u32))),
            max_top,
            top_bits: (64 - max_top.leading_zeros()) as usize,
            low_bound_at_max_top: biguint_to_fe(&at_max),
            low_bound: biguint_to_fe(&(&p7 - 1u32)),
            low_bits: (&p7 - 1u32).bits() as usize,
        }
    }
}

/// Test-only witness forging: a cheating prover's alternative squeeze decompositions.
#[cfg(test)]
pub(crate) mod forge {
    use super::{base_p_split, modulus, BigUint, BABYBEAR_MODULUS, LIMBS_PER_WORD};
    use std::cell::Cell;

    /// Which decomposition the next squeezes witness.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Split {
        /// The honest base-`p` digits.
        Honest,
        /// `limb_i + p` with `limb_{i+1} − 1` (or `top − 1` for `i = 6`): same sum, limb `i`
        /// not canonical.
        LimbPlusP(usize),
        /// The base-`p` digits of `word + r`: the same value modulo `r`.
        WordPlusR,
    }

    thread_local! {
        static SPLIT: Cell<Split> = const { Cell::new(Split::Honest) };
        static SKIP_WRAP_CHECK: Cell<bool> = const { Cell::new(false) };
    }

    pub(crate) fn split() -> Split {
        SPLIT.with(Cell::get)
    }

    pub(crate) fn skip_wrap_check() -> bool {
        SKIP_WRAP_CHECK.with(Cell::get)
    }

    /// Runs `f` with every squeeze witnessing `split`, and (if `skip_wrap_check`) without the
    /// extra comparison at `t = R`, to show it is needed.
    pub(crate) fn with<R>(split: Split, skip_wrap_check: bool, f: impl FnOnce() -> R) -> R {
        SPLIT.with(|s| s.set(split));
        SKIP_WRAP_CHECK.with(|s| s.set(skip_wrap_check));
        let result = f();
        SPLIT.with(|s| s.set(Split::Honest));
        SKIP_WRAP_CHECK.with(|s| s.set(false));
        result
    }

    /// The forged witnesses of a squeeze split of `x`, if a forgery is active.
    pub(super) fn split_witness(x: &BigUint) -> Option<([BigUint; LIMBS_PER_WORD], BigUint)> {
        match split() {
            Split::Honest => None,
            Split::WordPlusR => Some(base_p_split(&(x + modulus()))),
            Split::LimbPlusP(i) => {
                let (mut limbs, mut top) = base_p_split(x);
                limbs[i] += BABYBEAR_MODULUS;
                if i + 1 < LIMBS_PER_WORD {
                    limbs[i + 1] -= 1u32;
                } else {
                    top -= 1u32;
                }
                Some((limbs, top))
            }
        }
    }
}

/// `x` in base `p`: the 7 lowest limbs and the rest `⌊x/p^7⌋`.
fn base_p_split(x: &BigUint) -> ([BigUint; LIMBS_PER_WORD], BigUint) {
    let p = BigUint::from(BABYBEAR_MODULUS);
    let mut rest = x.clone();
    let limbs = std::array::from_fn(|_| {
        let limb = &rest % &p;
        rest = &rest / &p;
        limb
    });
    (limbs, rest)
}

/// The witnesses of one squeeze split: 7 limbs and the top part, as integers (the same limbs
/// as the native [`super::transcript::split_limbs`]).
fn split_witness(word: &Fr) -> ([BigUint; LIMBS_PER_WORD], BigUint) {
    let x = fe_to_biguint(word);
    #[cfg(test)]
    if let Some(forged) = forge::split_witness(&x) {
        return forged;
    }
    base_p_split(&x)
}

/// Bits sampled from the transcript: `bits[i]` is bit `i` (boolean-constrained), `index` the
/// integer they form.
#[derive(Clone, Debug)]
pub struct SampledBits {
    /// The bits, least significant first.
    pub bits: Vec<AssignedValue<Fr>>,
    /// `Σ bits[i]·2^i`.
    pub index: AssignedValue<Fr>,
}

/// `MultiField32Challenger`'s duplex sponge over cells, state for state as [`OuterSponge`].
#[derive(Clone, Debug)]
pub struct CircuitSponge<'range> {
    chip: BabyBearChip<'range>,
    poseidon: Permuter,
    split: SplitConstants,
    state: [AssignedValue<Fr>; WIDTH],
    /// Observed values not yet absorbed.
    pending: Vec<AssignedBabyBear>,
    /// Limbs of the last squeeze not yet sampled, handed out from the end.
    squeezed: Vec<AssignedBabyBear>,
    /// Whether the rate holds output no sample has split yet.
    fresh_output: bool,
    permutations: usize,
}

impl<'range> CircuitSponge<'range> {
    /// A sponge in the all-zero state (three constant cells), permuting with the flex-gate
    /// chip.
    pub fn new(ctx: &mut Context<Fr>, chip: &BabyBearChip<'range>) -> Self {
        Self::with_permuter(ctx, chip, Permuter::default())
    }

    /// A sponge in the all-zero state whose permutations go to `poseidon`.
    pub fn with_permuter(
        ctx: &mut Context<Fr>,
        chip: &BabyBearChip<'range>,
        poseidon: Permuter,
    ) -> Self {
        let zero = ctx.load_zero();
        CircuitSponge {
            chip: chip.clone(),
            poseidon,
            split: SplitConstants::new(),
            state: [zero; WIDTH],
            pending: Vec::new(),
            squeezed: Vec::new(),
            fresh_output: false,
            permutations: 0,
        }
    }

    /// Test-only: a sponge whose state words are free witnesses and whose rate counts as fresh
    /// output, so that the next sample splits `words[0..2]` without a permutation.
    #[cfg(test)]
    pub(crate) fn with_fresh_output(
        ctx: &mut Context<Fr>,
        chip: &BabyBearChip<'range>,
        words: [Fr; WIDTH],
    ) -> Self {
        let mut sponge = CircuitSponge::new(ctx, chip);
        sponge.state = words.map(|w| ctx.load_witness(w));
        sponge.fresh_output = true;
        sponge
    }

    /// The state cells.
    pub fn state(&self) -> &[AssignedValue<Fr>; WIDTH] {
        &self.state
    }

    /// Number of observed values not yet absorbed.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Permutations applied so far.
    pub fn permutations(&self) -> usize {
        self.permutations
    }

    /// The BabyBear chip.
    pub fn chip(&self) -> &BabyBearChip<'range> {
        &self.chip
    }

    fn permute(&mut self, ctx: &mut Context<Fr>) {
        self.state = self.poseidon.permute(ctx, &self.state);
        self.permutations += 1;
        self.fresh_output = true;
    }

    /// Overwrites the rate with `words` (zero-padded), adds the constant `tag` to the capacity
    /// word and permutes.
    fn absorb_padded(&mut self, ctx: &mut Context<Fr>, words: &[AssignedValue<Fr>], tag: u8) {
        assert!(words.len() <= RATE);
        for i in 0..RATE {
            self.state[i] = match words.get(i) {
                Some(w) => *w,
                None => ctx.load_zero(),
            };
        }
        self.state[RATE] = self.chip.gate().add(
            ctx,
            self.state[RATE],
            QuantumCell::Constant(Fr::from(u64::from(tag))),
        );
        self.permute(ctx);
    }

    /// `Σ_j v_j·2^{31j}` of at most 8 canonical values (below 2^248: no wrap).
    fn pack(&self, ctx: &mut Context<Fr>, digits: &[AssignedBabyBear]) -> AssignedValue<Fr> {
        assert!(!digits.is_empty() && digits.len() <= DIGITS_PER_WORD);
        if let [single] = digits {
            return single.cell();
        }
        let radix = Fr::from(1u64 << BABYBEAR_BITS);
        let powers =
            (0..digits.len()).map(|j| QuantumCell::Constant(radix.pow_vartime([j as u64])));
        let values = digits.iter().map(|d| QuantumCell::Existing(d.cell()));
        self.chip.gate().inner_product(ctx, values, powers)
    }

    /// Absorbs the pending values, if any.
    fn flush(&mut self, ctx: &mut Context<Fr>) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let words: Vec<AssignedValue<Fr>> = pending
            .chunks(DIGITS_PER_WORD)
            .map(|chunk| self.pack(ctx, chunk))
            .collect();
        let tag = u8::try_from(pending.len()).expect("at most 16 pending values");
        self.absorb_padded(ctx, &words, tag);
        self.squeezed.clear();
    }

    /// Observes one (canonical) BabyBear value.
    pub fn observe(&mut self, ctx: &mut Context<Fr>, value: AssignedBabyBear) {
        self.fresh_output = false;
        self.squeezed.clear();
        self.pending.push(value);
        if self.pending.len() == DIGITS_PER_ABSORB {
            self.flush(ctx);
        }
    }

    /// Observes the coefficients of an extension element, in basis order.
    pub fn observe_ext(&mut self, ctx: &mut Context<Fr>, value: &AssignedExt) {
        for &c in value.coefficients() {
            self.observe(ctx, c);
        }
    }

    /// Observes a digest word (a Merkle root): flushes the pending values, then absorbs the
    /// word alone with length tag 1.
    pub fn observe_digest(&mut self, ctx: &mut Context<Fr>, word: AssignedValue<Fr>) {
        self.fresh_output = false;
        self.squeezed.clear();
        self.flush(ctx);
        self.absorb_padded(ctx, &[word], 1);
        self.squeezed.clear();
    }

    /// Observes a domain-separator seed (constants: the seed depends only on the shape).
    pub fn observe_seed(&mut self, ctx: &mut Context<Fr>, bytes: &[u8]) {
        for v in seed_elements(bytes) {
            let cell = self.chip.load_constant(ctx, v);
            self.observe(ctx, cell);
        }
    }

    /// Splits a rate word into its 7 low base-`p` limbs (lowest first), constraining the
    /// unique decomposition (see the module documentation).
    fn split_word(
        &self,
        ctx: &mut Context<Fr>,
        word: AssignedValue<Fr>,
    ) -> [AssignedBabyBear; LIMBS_PER_WORD] {
        let gate = self.chip.gate();
        let range = self.chip.range();
        let c = &self.split;
        let (limb_values, top_value) = split_witness(word.value());
        let limbs: [AssignedBabyBear; LIMBS_PER_WORD] = std::array::from_fn(|i| {
            let cell = ctx.load_witness(biguint_to_fe(&limb_values[i]));
            self.chip.assert_canonical(ctx, cell)
        });
        // t ≤ R: t < 2^bits(R) and R − t < 2^bits(R) (R − t wraps to ≈ r if t > R).
        let top = ctx.load_witness(biguint_to_fe(&top_value));
        range.range_check(ctx, top, c.top_bits);
        let slack = gate.sub(ctx, QuantumCell::Constant(Fr::from(c.max_top)), top);
        range.range_check(ctx, slack, c.top_bits);
        // low = Σ c_i p^i < p^7, word = low + t·p^7 in Fr.
        let low = gate.inner_product(
            ctx,
            limbs.iter().map(|l| QuantumCell::Existing(l.cell())),
            c.powers[..LIMBS_PER_WORD]
                .iter()
                .map(|&q| QuantumCell::Constant(q)),
        );
        let sum = gate.mul_add(
            ctx,
            top,
            QuantumCell::Constant(c.powers[LIMBS_PER_WORD]),
            low,
        );
        ctx.constrain_equal(&sum, &word);
        // The wrap guard: low ≤ (r − 1) − R·p^7 when t = R, else low ≤ p^7 − 1 (always true).
        #[cfg(test)]
        if forge::skip_wrap_check() {
            return limbs;
        }
        let at_max = gate.is_equal(ctx, top, QuantumCell::Constant(Fr::from(c.max_top)));
        let bound = gate.select(
            ctx,
            QuantumCell::Constant(c.low_bound_at_max_top),
            QuantumCell::Constant(c.low_bound),
            at_max,
        );
        let room = gate.sub(ctx, bound, low);
        range.range_check(ctx, room, c.low_bits);
        limbs
    }

    /// Samples one BabyBear value.
    pub fn sample(&mut self, ctx: &mut Context<Fr>) -> AssignedBabyBear {
        self.flush(ctx);
        if self.squeezed.is_empty() {
            if !self.fresh_output {
                // A squeeze with nothing to absorb: permute the state as it is (no tag).
                self.permute(ctx);
            }
            let rate: [AssignedValue<Fr>; RATE] = std::array::from_fn(|i| self.state[i]);
            self.squeezed = rate
                .into_iter()
                .flat_map(|w| self.split_word(ctx, w))
                .collect();
            self.fresh_output = false;
        }
        self.squeezed.pop().expect("a squeeze yields 14 limbs")
    }

    /// Samples an extension element, coefficient 0 first.
    pub fn sample_ext(&mut self, ctx: &mut Context<Fr>) -> AssignedExt {
        let coefficients: [AssignedBabyBear; EXT_DEGREE] =
            std::array::from_fn(|_| self.sample(ctx));
        AssignedExt(coefficients)
    }

    /// Samples `bits` bits: the low bits of one sampled value, boolean-constrained, least
    /// significant first, with the index they form.
    pub fn sample_bits(&mut self, ctx: &mut Context<Fr>, bits: usize) -> SampledBits {
        assert!(bits < BABYBEAR_BITS, "at most 30 bits per sample");
        let value = self.sample(ctx);
        let gate = self.chip.gate();
        let v = u64::from(value.to_babybear().map_or(0, |b| b.as_canonical_u32()));
        let (low, bit_cells) = if bits == 0 {
            (ctx.load_zero(), Vec::new())
        } else {
            let low = ctx.load_witness(Fr::from(v & ((1 << bits) - 1)));
            (low, gate.num_to_bits(ctx, low, bits))
        };
        // v = low + 2^bits·high, high < 2^(31 − bits): an integer below 2^31, no wrap.
        let high = ctx.load_witness(Fr::from(v >> bits));
        self.chip
            .range()
            .range_check(ctx, high, BABYBEAR_BITS - bits);
        let sum = gate.mul_add(
            ctx,
            high,
            QuantumCell::Constant(Fr::from(1u64 << bits)),
            low,
        );
        ctx.constrain_equal(&sum, &value.cell());
        SampledBits {
            bits: bit_cells,
            index: low,
        }
    }

    /// Constrains a proof-of-work witness: at zero bits the witness must be 0 and nothing is
    /// absorbed; otherwise the witness is observed and the next sampled value must have `bits`
    /// low zero bits (`v = 2^bits·high`, `high < 2^(31 − bits)`). Unsatisfiable otherwise.
    pub fn check_witness(
        &mut self,
        ctx: &mut Context<Fr>,
        bits: usize,
        witness: &AssignedBabyBear,
    ) {
        assert!(bits < BABYBEAR_BITS, "at most 30 grinding bits");
        let gate = self.chip.gate();
        if bits == 0 {
            gate.assert_is_const(ctx, &witness.cell(), &Fr::ZERO);
            return;
        }
        self.observe(ctx, *witness);
        let value = self.sample(ctx);
        let v = u64::from(value.to_babybear().map_or(0, |b| b.as_canonical_u32()));
        let high = ctx.load_witness(Fr::from(v >> bits));
        self.chip
            .range()
            .range_check(ctx, high, BABYBEAR_BITS - bits);
        let shifted = gate.mul(ctx, high, QuantumCell::Constant(Fr::from(1u64 << bits)));
        ctx.constrain_equal(&shifted, &value.cell());
    }
}

// ---------------------------------------------------------------------------------------------
// The whole transcript
// ---------------------------------------------------------------------------------------------

/// The transcript values of a batch proof as cells (the circuit's witnesses), with the claimed
/// evaluations already in the PCS order the opening argument observes them.
#[derive(Clone, Debug)]
pub struct AssignedTranscriptData {
    /// Each table's public values (canonical cells).
    pub public_values: Vec<Vec<AssignedBabyBear>>,
    /// Root of the preprocessed commitment (iff some table has preprocessed columns): the
    /// program commitment. A witness, not a constant, so that one circuit serves every
    /// preprocessed table of the same shape; the wrap exposes it as a public instance.
    pub preprocessed_commitment: Option<AssignedValue<Fr>>,
    /// Root of the main-trace commitment.
    pub main_commitment: AssignedValue<Fr>,
    /// Root of the LogUp commitment (iff some table has lookups).
    pub permutation_commitment: Option<AssignedValue<Fr>>,
    /// Root of the quotient-chunk commitment.
    pub quotient_commitment: AssignedValue<Fr>,
    /// Witness of the LogUp grinding.
    pub lookup_pow_witness: Option<AssignedBabyBear>,
    /// Each table's LogUp terminal.
    pub lookup_terminals: Vec<Option<AssignedExt>>,
    /// Witness of the grinding before ζ.
    pub ood_pow_witness: AssignedBabyBear,
    /// Claimed evaluations, commitment → matrix → point → values.
    pub claimed: Vec<Vec<Vec<Vec<AssignedExt>>>>,
    /// Witness of the grinding before the FRI batching challenge.
    pub batch_pow_witness: AssignedBabyBear,
    /// Roots of the FRI commit-phase commitments.
    pub fri_commitments: Vec<AssignedValue<Fr>>,
    /// Witnesses of the per-round grinding.
    pub commit_pow_witnesses: Vec<AssignedBabyBear>,
    /// Coefficients of the final polynomial.
    pub final_poly: Vec<AssignedExt>,
    /// Witness of the query grinding.
    pub query_pow_witness: AssignedBabyBear,
}

impl AssignedTranscriptData {
    /// Checks the proof's shape against the verifying key's (natively: the shape is fixed when
    /// the circuit is built) and witnesses its transcript values.
    pub fn load<P: Permutation<[Bn254; WIDTH]> + Clone>(
        ctx: &mut Context<Fr>,
        ext: &ExtensionChip<'_>,
        replay: &TranscriptReplay<P>,
        data: &TranscriptData,
        public_values: &[Vec<BabyBear>],
    ) -> Result<Self, TranscriptError> {
        replay.check_shape(data, public_values)?;
        let base = ext.base();
        let digest = |ctx: &mut Context<Fr>, w: &Bn254| ctx.load_witness(bn254_to_fr(w));
        let claimed = replay
            .claimed_openings(data)
            .iter()
            .map(|matrices| {
                matrices
                    .iter()
                    .map(|points| {
                        points
                            .iter()
                            .map(|values| {
                                values.iter().map(|&v| ext.load_witness(ctx, v)).collect()
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Ok(AssignedTranscriptData {
            public_values: public_values
                .iter()
                .map(|vs| vs.iter().map(|&v| base.load_witness(ctx, v)).collect())
                .collect(),
            preprocessed_commitment: replay
                .shape()
                .preprocessed
                .as_ref()
                .map(|pre| digest(ctx, &pre.commitment)),
            main_commitment: digest(ctx, &data.main_commitment),
            permutation_commitment: data.permutation_commitment.map(|w| digest(ctx, &w)),
            quotient_commitment: digest(ctx, &data.quotient_commitment),
            lookup_pow_witness: data.lookup_pow_witness.map(|w| base.load_witness(ctx, w)),
            lookup_terminals: data
                .lookup_terminals
                .iter()
                .map(|t| t.map(|t| ext.load_witness(ctx, t)))
                .collect(),
            ood_pow_witness: base.load_witness(ctx, data.ood_pow_witness),
            claimed,
            batch_pow_witness: base.load_witness(ctx, data.batch_pow_witness),
            fri_commitments: data
                .fri_commitments
                .iter()
                .map(|w| digest(ctx, w))
                .collect(),
            commit_pow_witnesses: data
                .commit_pow_witnesses
                .iter()
                .map(|&w| base.load_witness(ctx, w))
                .collect(),
            final_poly: data
                .final_poly
                .iter()
                .map(|&c| ext.load_witness(ctx, c))
                .collect(),
            query_pow_witness: base.load_witness(ctx, data.query_pow_witness),
        })
    }
}

/// Every challenge of a batch proof, as cells ([`super::transcript::ReplayedChallenges`]).
#[derive(Clone, Debug)]
pub struct CircuitChallenges {
    /// The LogUp base randomness α_L.
    pub lookup_alpha: Option<AssignedExt>,
    /// The LogUp message combiner β_L.
    pub lookup_beta: Option<AssignedExt>,
    /// Per table, `[α_L + (b+1)·β_L^W, β_L]` per lookup on bus `b`.
    pub lookup_challenges: Vec<Vec<AssignedExt>>,
    /// The constraint-folding challenge α.
    pub alpha: AssignedExt,
    /// The out-of-domain point ζ.
    pub zeta: AssignedExt,
    /// The challenge batching the openings.
    pub fri_alpha: AssignedExt,
    /// One folding challenge per FRI round.
    pub fri_betas: Vec<AssignedExt>,
    /// The query indices, with their bits.
    pub query_indices: Vec<SampledBits>,
}

/// Replays the transcript of a batch proof of `shape` in the circuit, step for step as
/// [`TranscriptReplay::replay_all`], constraining every proof-of-work witness. Returns the
/// challenges and the sponge (for its permutation count). The sponge permutes with `poseidon`.
pub fn replay_circuit<'range>(
    ctx: &mut Context<Fr>,
    ext: &ExtensionChip<'range>,
    poseidon: &Permuter,
    shape: &StarkShape,
    settings: &FriSettings,
    data: &AssignedTranscriptData,
) -> (CircuitChallenges, CircuitSponge<'range>) {
    let s = settings;
    let base = ext.base();
    let mut sponge = CircuitSponge::with_permuter(ctx, base, poseidon.clone());

    // --- batch transcript ---
    sponge.observe_seed(ctx, &shape.batch_seed(s));
    for t in &shape.tables {
        let bits = base.load_constant(ctx, BabyBear::from_usize(t.degree_bits));
        let zero = base.load_constant(ctx, BabyBear::ZERO);
        sponge.observe_ext(ctx, &AssignedExt([bits, zero, zero, zero]));
    }
    sponge.observe_digest(ctx, data.main_commitment);
    for values in &data.public_values {
        for &v in values {
            sponge.observe(ctx, v);
        }
    }
    if let Some(root) = data.preprocessed_commitment {
        sponge.observe_digest(ctx, root);
    }
    let (lookup_alpha, lookup_beta, lookup_challenges) = match &data.lookup_pow_witness {
        Some(witness) => {
            sponge.check_witness(ctx, s.lookup_pow_bits, witness);
            let alpha = sponge.sample_ext(ctx);
            let beta = sponge.sample_ext(ctx);
            // [α + (b+1)·γ for each bus b], γ = β^W.
            let mut gamma = ext.load_constant(ctx, NativeExt::ONE);
            for _ in 0..shape.max_message_width {
                gamma = ext.mul(ctx, &gamma, &beta);
            }
            let mut prefix = alpha;
            let prefixes: Vec<AssignedExt> = (0..shape.num_buses)
                .map(|_| {
                    prefix = ext.add(ctx, &prefix, &gamma);
                    prefix
                })
                .collect();
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
        sponge.observe_digest(ctx, root);
    }
    for terminal in data.lookup_terminals.iter().flatten() {
        sponge.observe_ext(ctx, terminal);
    }
    let alpha = sponge.sample_ext(ctx);
    sponge.observe_digest(ctx, data.quotient_commitment);
    sponge.check_witness(ctx, s.ood_pow_bits, &data.ood_pow_witness);
    let zeta = sponge.sample_ext(ctx);

    // --- opening argument ---
    sponge.observe_seed(ctx, &shape.pcs_seed(s));
    for value in data.claimed.iter().flatten().flatten().flatten() {
        sponge.observe_ext(ctx, value);
    }
    sponge.check_witness(ctx, s.batch_pow_bits, &data.batch_pow_witness);
    let fri_alpha = sponge.sample_ext(ctx);

    // --- low-degree test ---
    sponge.observe_seed(ctx, &shape.fri_seed(s));
    let mut fri_betas = Vec::with_capacity(data.fri_commitments.len());
    for (&root, witness) in data.fri_commitments.iter().zip(&data.commit_pow_witnesses) {
        sponge.observe_digest(ctx, root);
        sponge.check_witness(ctx, s.commit_pow_bits, witness);
        fri_betas.push(sponge.sample_ext(ctx));
    }
    for c in &data.final_poly {
        sponge.observe_ext(ctx, c);
    }
    sponge.check_witness(ctx, s.query_pow_bits, &data.query_pow_witness);
    let index_bits = shape.query_index_bits(s);
    let query_indices = (0..s.num_queries)
        .map(|_| sponge.sample_bits(ctx, index_bits))
        .collect();
    (
        CircuitChallenges {
            lookup_alpha,
            lookup_beta,
            lookup_challenges,
            alpha,
            zeta,
            fri_alpha,
            fri_betas,
            query_indices,
        },
        sponge,
    )
}

#[cfg(test)]
mod tests;
