//! BabyBear arithmetic inside a BN254 circuit.
//!
//! An [`AssignedBabyBear`] is a cell of the circuit's field `Fr` whose integer value is proven to
//! lie in `[0, p)`, p = 2^31 − 2^27 + 1 = 15·2^27 + 1. Every value of that type went through a
//! canonicity check (or is a constant, or was selected between two checked values), so equality
//! of BabyBear elements is plain equality of cells, and sums and products of them are small
//! integers that cannot wrap modulo the BN254 modulus (≈ 2^254).
//!
//! # How results are reduced
//!
//! Every operation evaluates an integer expression `E` of canonical inputs in one chain of
//! halo2-base flex gates (`acc' = acc + b·c`), with a bound `lo ≤ E ≤ hi` that is known when the
//! circuit is written, never from witness data. A reduction then witnesses the quotient `Q` in
//! `n` lookup-checked limbs and the remainder `r`, and continues the same chain with
//!
//! ```text
//! E + σ·p·Q = r,    Q = Σ q_i·2^(iL), q_i ∈ [0, 2^L),    r canonical,    σ = −1 if lo ≥ 0, else +1
//! ```
//!
//! (`σ = +1` serves differences, whose quotient is not positive.) All of `|E|`, `p·Q` and `r`
//! are below 2^160, far below the BN254 modulus, so the identity holds over the integers and
//! `r = E mod p`: no wrap-around modulo the BN254 modulus can fake a remainder. The lazy forms
//! ([`BabyBearChip::mul_add`], [`BabyBearChip::inner_product`], the extension multiplication)
//! only grow `E` before the one reduction, under the same bound (at most
//! 2^[`MAX_REDUCTION_BITS`]).
//!
//! # The canonicity check
//!
//! With L = lookup bits of the range chip (16 ≤ L ≤ 27) and M = (p − 1)/2^L = 15·2^(27−L) < 2^L:
//!
//! ```text
//! x = l0 + 2^L·m,   m + d = M,   l0 = d·w,   l0, m, d ∈ [0, 2^L) (three lookups)
//! ```
//!
//! `m + d = M` with both in range forces `m ≤ M`; if `m = M` then `d = 0`, so `l0 = 0` and
//! `x = p − 1`; otherwise `x < 2^L·M = p − 1`. Any `x < p` has such a witness (`w = l0/d`, or
//! 0 when `d = 0`). Cost: 11 advice cells (including `x`) and 3 lookup cells, against 15 and 4
//! for halo2-base's `check_less_than_safe(x, p)` (a 32-bit range check plus a comparison).

use halo2_base::gates::{GateChip, GateInstructions, RangeChip, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField as _};
use halo2_base::safe_types::SafeBool;
use halo2_base::{AssignedValue, Context, QuantumCell};
use p3_baby_bear::BabyBear;
use p3_field::PrimeField32;

use crate::convert::{babybear_to_fr, fr_to_babybear, fr_to_limbs};
use crate::{ChipError, ConvertError, Fr};

/// The BabyBear modulus p = 2^31 − 2^27 + 1.
pub const BABYBEAR_MODULUS: u64 = <BabyBear as PrimeField32>::ORDER_U32 as u64;
/// Smallest range-chip lookup size the canonicity check supports (it needs (p − 1)/2^L < 2^L).
pub const MIN_LOOKUP_BITS: usize = 16;
/// Largest range-chip lookup size the canonicity check supports (it needs 2^L | p − 1).
pub const MAX_LOOKUP_BITS: usize = 27;
/// log2 of the largest absolute value of an unreduced expression one reduction accepts. Keeps
/// `|E| + p·Q + r` far below the BN254 modulus (see the module documentation).
pub const MAX_REDUCTION_BITS: u32 = 120;

pub(crate) const P: i128 = BABYBEAR_MODULUS as i128;
/// Largest product of two canonical values, (p − 1)^2.
pub(crate) const MAX_PRODUCT: i128 = (P - 1) * (P - 1);

/// A BabyBear element in a circuit cell, proven canonical (its integer value is below p).
///
/// Only [`BabyBearChip`] builds values of this type, each through a range-checked constructor,
/// a constant, or an operation whose result is range-checked.
#[derive(Clone, Copy, Debug)]
pub struct AssignedBabyBear(AssignedValue<Fr>);

impl AssignedBabyBear {
    /// The underlying cell (for copy constraints, public instances or Poseidon2 packing).
    pub fn cell(&self) -> AssignedValue<Fr> {
        self.0
    }

    /// The witness value as an `Fr` (the canonical integer).
    pub fn value(&self) -> &Fr {
        self.0.value()
    }

    /// The witness value as a BabyBear element. Fails only when the witness is not canonical,
    /// i.e. when the circuit is unsatisfied anyway.
    pub fn to_babybear(&self) -> Result<BabyBear, ConvertError> {
        fr_to_babybear(self.value())
    }
}

impl From<AssignedBabyBear> for QuantumCell<Fr> {
    fn from(x: AssignedBabyBear) -> Self {
        QuantumCell::Existing(x.0)
    }
}

/// Sign of the quotient term in a reduction, `E + σ·p·Q = r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuotientSign {
    /// `E ≥ 0`: `E − p·Q = r`.
    Minus,
    /// `E < p`, possibly negative: `E + p·Q = r`.
    Plus,
}

/// What a reduction's remainder must be.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Remainder {
    /// A fresh canonical witness (checked).
    Canonical,
    /// A fixed value (no canonicity check needed): used to assert `E ≡ value (mod p)`.
    Constant(u32),
}

/// One chain of flex gates over a single virtual column: each gate reads
/// `acc + b·c = acc'`, where `acc'` is the next gate's `acc`. Tracks the integer bounds of the
/// accumulator so that the reduction that ends the chain can size its quotient.
pub(crate) struct Chain {
    cells: Vec<QuantumCell<Fr>>,
    gates: Vec<isize>,
    acc: Fr,
    lo: i128,
    hi: i128,
}

impl Chain {
    /// A chain whose accumulator starts at `start`, an integer in `[lo, hi]`.
    pub(crate) fn new(start: QuantumCell<Fr>, lo: i128, hi: i128) -> Self {
        let acc = *start.value();
        Chain {
            cells: vec![start],
            gates: Vec::new(),
            acc,
            lo,
            hi,
        }
    }

    /// Index of the current accumulator cell in the chain.
    fn acc_index(&self) -> usize {
        self.cells.len() - 1
    }

    /// `acc += b·c`, where the product is an integer in `[lo, hi]`.
    pub(crate) fn mul_add(&mut self, b: QuantumCell<Fr>, c: QuantumCell<Fr>, lo: i128, hi: i128) {
        let next = self.acc + *b.value() * c.value();
        self.mul_add_into(b, c, QuantumCell::Witness(next));
        self.lo = self.lo.saturating_add(lo);
        self.hi = self.hi.saturating_add(hi);
    }

    /// A gate `acc + b·c = out` with a given output cell (a constant, or a witness that is not a
    /// running sum); the accumulator becomes `out`. Bounds are the caller's business.
    fn mul_add_into(&mut self, b: QuantumCell<Fr>, c: QuantumCell<Fr>, out: QuantumCell<Fr>) {
        self.gates.push(self.acc_index() as isize);
        self.acc = *out.value();
        self.cells.extend([b, c, out]);
    }

    /// Assigns the chain in `ctx`; returns the row offset of its first cell.
    fn assign(self, ctx: &mut Context<Fr>) -> usize {
        let row = ctx.advice.len();
        ctx.assign_region(self.cells, self.gates);
        row
    }
}

/// The integer an `Fr` holds when read as a signed value of magnitude below 2^127, if it is one.
fn fr_to_i128(x: &Fr) -> Option<i128> {
    let small = |limbs: [u64; 4]| -> Option<i128> {
        if limbs[2] != 0 || limbs[3] != 0 || limbs[1] >> 63 != 0 {
            return None;
        }
        Some((i128::from(limbs[1]) << 64) | i128::from(limbs[0]))
    };
    small(fr_to_limbs(x)).or_else(|| small(fr_to_limbs(&-*x)).map(|neg| -neg))
}

fn fr_from_i128(x: i128) -> Fr {
    let magnitude = Fr::from_u128(x.unsigned_abs());
    if x < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Witness of a canonicity check of `x`: `x = low + 2^L·high`, `d = M − high`, `low = d·w`.
#[derive(Clone, Copy, Debug)]
struct CanonicalWitness {
    high: Fr,
    low: Fr,
    d: Fr,
    w: Fr,
}

/// Cells of a canonicity check appended to a chain, as indices into the chain.
struct CanonicalCells {
    m: usize,
    l0: usize,
    d: usize,
}

/// Cells of a reduction appended to a chain, as indices into the chain.
struct ReductionCells {
    quotient_limbs: Vec<usize>,
    canonical: Option<CanonicalCells>,
    remainder: usize,
}

/// BabyBear arithmetic over a halo2-base [`RangeChip`].
#[derive(Clone, Debug)]
pub struct BabyBearChip<'range> {
    range: &'range RangeChip<Fr>,
    lookup_bits: usize,
    /// M = (p − 1) / 2^L, the largest high part of a canonical value.
    max_high: u64,
}

impl<'range> BabyBearChip<'range> {
    /// A chip over `range`, whose lookup table must have between [`MIN_LOOKUP_BITS`] and
    /// [`MAX_LOOKUP_BITS`] bits.
    pub fn new(range: &'range RangeChip<Fr>) -> Result<Self, ChipError> {
        let lookup_bits = range.lookup_bits();
        if !(MIN_LOOKUP_BITS..=MAX_LOOKUP_BITS).contains(&lookup_bits) {
            return Err(ChipError::UnsupportedLookupBits { lookup_bits });
        }
        let max_high = (BABYBEAR_MODULUS - 1) >> lookup_bits;
        debug_assert!(
            max_high << lookup_bits == BABYBEAR_MODULUS - 1 && max_high < 1 << lookup_bits
        );
        Ok(BabyBearChip {
            range,
            lookup_bits,
            max_high,
        })
    }

    /// The range chip this chip looks values up with.
    pub fn range(&self) -> &'range RangeChip<Fr> {
        self.range
    }

    /// The flex gate chip under the range chip.
    pub fn gate(&self) -> &'range GateChip<Fr> {
        &self.range.gate
    }

    /// Assigns a BabyBear witness and proves it canonical (11 advice cells, 3 lookups).
    pub fn load_witness(&self, ctx: &mut Context<Fr>, value: BabyBear) -> AssignedBabyBear {
        self.check_canonical(ctx, QuantumCell::Witness(babybear_to_fr(value)))
    }

    /// Proves that an already assigned cell holds a canonical BabyBear value and returns it as
    /// one; the circuit is unsatisfiable if it does not (11 advice cells, 3 lookups).
    pub fn assert_canonical(
        &self,
        ctx: &mut Context<Fr>,
        cell: AssignedValue<Fr>,
    ) -> AssignedBabyBear {
        self.check_canonical(ctx, QuantumCell::Existing(cell))
    }

    /// Assigns a constant (1 advice cell, fixed by a copy constraint to a constant column).
    pub fn load_constant(&self, ctx: &mut Context<Fr>, value: BabyBear) -> AssignedBabyBear {
        AssignedBabyBear(ctx.load_constant(babybear_to_fr(value)))
    }

    /// Constrains `a = b` (a copy constraint; both are canonical, so this is BabyBear equality).
    pub fn assert_equal(&self, ctx: &mut Context<Fr>, a: &AssignedBabyBear, b: &AssignedBabyBear) {
        ctx.constrain_equal(&a.0, &b.0);
    }

    /// `a + b`. E = a + b ∈ [0, 2p − 2], one reduction.
    pub fn add(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedBabyBear,
        b: &AssignedBabyBear,
    ) -> AssignedBabyBear {
        let mut chain = Chain::new(a.into(), 0, P - 1);
        chain.mul_add(b.into(), QuantumCell::Constant(Fr::ONE), 0, P - 1);
        self.reduce(ctx, chain)
    }

    /// `a − b`. E = a − b ∈ [−(p − 1), p − 1], one reduction with `σ = +1`.
    pub fn sub(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedBabyBear,
        b: &AssignedBabyBear,
    ) -> AssignedBabyBear {
        let mut chain = Chain::new(a.into(), 0, P - 1);
        chain.mul_add(b.into(), QuantumCell::Constant(-Fr::ONE), -(P - 1), 0);
        self.reduce(ctx, chain)
    }

    /// `−a`. E = −a ∈ [−(p − 1), 0], one reduction with `σ = +1` (so −0 = 0).
    pub fn neg(&self, ctx: &mut Context<Fr>, a: &AssignedBabyBear) -> AssignedBabyBear {
        let mut chain = Chain::new(QuantumCell::Constant(Fr::ZERO), 0, 0);
        chain.mul_add(a.into(), QuantumCell::Constant(-Fr::ONE), -(P - 1), 0);
        self.reduce(ctx, chain)
    }

    /// `a·b`. E = a·b ∈ [0, (p − 1)^2] < 2^62, one reduction.
    pub fn mul(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedBabyBear,
        b: &AssignedBabyBear,
    ) -> AssignedBabyBear {
        let mut chain = Chain::new(QuantumCell::Constant(Fr::ZERO), 0, 0);
        chain.mul_add(a.into(), b.into(), 0, MAX_PRODUCT);
        self.reduce(ctx, chain)
    }

    /// `a·b + c` with a single reduction (lazy): E = a·b + c ∈ [0, (p − 1)^2 + p − 1]; costs the
    /// same as [`Self::mul`].
    pub fn mul_add(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedBabyBear,
        b: &AssignedBabyBear,
        c: &AssignedBabyBear,
    ) -> AssignedBabyBear {
        let mut chain = Chain::new(c.into(), 0, P - 1);
        chain.mul_add(a.into(), b.into(), 0, MAX_PRODUCT);
        self.reduce(ctx, chain)
    }

    /// `Σ a_i·b_i` with a single reduction (lazy): E ∈ [0, n·(p − 1)^2]; 3 advice cells per
    /// product plus one reduction. Fails if n·(p − 1)^2 ≥ 2^[`MAX_REDUCTION_BITS`] (n ≳ 2^58).
    pub fn inner_product(
        &self,
        ctx: &mut Context<Fr>,
        pairs: &[(AssignedBabyBear, AssignedBabyBear)],
    ) -> Result<AssignedBabyBear, ChipError> {
        let too_large = ChipError::BoundTooLarge {
            terms: pairs.len(),
            max_bits: MAX_REDUCTION_BITS,
        };
        let bound = i128::try_from(pairs.len())
            .ok()
            .and_then(|n| n.checked_mul(MAX_PRODUCT));
        match bound {
            Some(bound) if bound < 1 << MAX_REDUCTION_BITS => {}
            _ => return Err(too_large),
        }
        let mut chain = Chain::new(QuantumCell::Constant(Fr::ZERO), 0, 0);
        for (a, b) in pairs {
            chain.mul_add(a.into(), b.into(), 0, MAX_PRODUCT);
        }
        Ok(self.reduce(ctx, chain))
    }

    /// `cond ? a : b` (8 advice cells, no reduction: the result is one of two canonical values).
    pub fn select(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedBabyBear,
        b: &AssignedBabyBear,
        cond: SafeBool<Fr>,
    ) -> AssignedBabyBear {
        AssignedBabyBear(self.gate().select(ctx, a.0, b.0, *cond.as_ref()))
    }

    /// `a^−1`: witnesses the inverse (canonical) and constrains `a·a^−1 ≡ 1 (mod p)` with the
    /// product reduced against the constant 1.
    ///
    /// Zero has no inverse: for `a = 0` the witness is 0, `0·0 ≢ 1`, and the circuit is
    /// unsatisfiable, so a proof can only exist for non-zero `a`. Callers that must handle 0
    /// branch before calling (e.g. with [`Self::select`]).
    pub fn inv(&self, ctx: &mut Context<Fr>, a: &AssignedBabyBear) -> AssignedBabyBear {
        let inverse = a
            .to_babybear()
            .ok()
            .and_then(|x| p3_field::Field::try_inverse(&x))
            .unwrap_or_default();
        let inverse = self.load_witness(ctx, inverse);
        self.assert_product_is(ctx, a, &inverse, 1);
        inverse
    }

    /// Constrains `a·b ≡ value (mod p)` without assigning the reduced product (a `Remainder`
    /// that is a constant needs no canonicity check).
    pub(crate) fn assert_product_is(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedBabyBear,
        b: &AssignedBabyBear,
        value: u32,
    ) {
        let mut chain = Chain::new(QuantumCell::Constant(Fr::ZERO), 0, 0);
        chain.mul_add(a.into(), b.into(), 0, MAX_PRODUCT);
        self.reduce_into(ctx, chain, Remainder::Constant(value));
    }

    /// Reduces a chain whose accumulator is an integer expression of canonical values.
    pub(crate) fn reduce(&self, ctx: &mut Context<Fr>, chain: Chain) -> AssignedBabyBear {
        self.reduce_into(ctx, chain, Remainder::Canonical)
    }

    /// Appends `E + σ·p·Q = r` (and, for a fresh remainder, its canonicity check) to the chain,
    /// assigns it and registers its lookups. Returns the remainder.
    ///
    /// Panics if the chain's bounds exceed 2^[`MAX_REDUCTION_BITS`]: bounds are fixed when the
    /// circuit is written (never witness data), and every public operation stays below them.
    pub(crate) fn reduce_into(
        &self,
        ctx: &mut Context<Fr>,
        mut chain: Chain,
        remainder: Remainder,
    ) -> AssignedBabyBear {
        // A chain with both signs beyond one period gets a multiple of p added so that one of
        // the two quotient signs applies (none of the chip's own operations needs it).
        if chain.lo < 0 && chain.hi >= P {
            let shift = (-chain.lo).div_euclid(P) + 1;
            chain.mul_add(
                QuantumCell::Constant(fr_from_i128(shift * P)),
                QuantumCell::Constant(Fr::ONE),
                shift * P,
                shift * P,
            );
        }
        assert!(
            chain.lo > -(1 << MAX_REDUCTION_BITS) && chain.hi < 1 << MAX_REDUCTION_BITS,
            "unreduced BabyBear expression out of the reduction bound"
        );
        let (sign, max_quotient) = if chain.lo >= 0 {
            (QuotientSign::Minus, chain.hi / P)
        } else {
            (QuotientSign::Plus, (-chain.lo + P - 1) / P)
        };
        let quotient_bits = (128 - max_quotient.leading_zeros()) as usize;
        let num_limbs = quotient_bits.div_ceil(self.lookup_bits).max(1);
        let limb_mask = (1u128 << self.lookup_bits) - 1;

        // Witness: quotient and remainder of E. A value outside the bounds (only possible with
        // a non-canonical input, i.e. an unsatisfiable circuit) gets a zero quotient, which the
        // constraints then reject.
        let floor_quotient = fr_to_i128(&chain.acc).map(|e| e.div_euclid(P));
        #[cfg(test)]
        let floor_quotient = floor_quotient.map(|q| q - tamper::remainder_shift());
        let quotient = floor_quotient
            .map(|q| if sign == QuotientSign::Minus { q } else { -q })
            .filter(|q| *q >= 0)
            .unwrap_or(0) as u128;

        let mut limb_cells = Vec::with_capacity(num_limbs);
        let mut coefficient = fr_from_i128(P);
        if sign == QuotientSign::Minus {
            coefficient = -coefficient;
        }
        let limb_base = Fr::from(1u64 << self.lookup_bits);
        for i in 0..num_limbs {
            let limb = Fr::from_u128((quotient >> (i * self.lookup_bits)) & limb_mask);
            limb_cells.push(chain.acc_index() + 1);
            let last = i + 1 == num_limbs;
            match remainder {
                Remainder::Constant(value) if last => chain.mul_add_into(
                    QuantumCell::Witness(limb),
                    QuantumCell::Constant(coefficient),
                    QuantumCell::Constant(Fr::from(u64::from(value))),
                ),
                _ => {
                    let out = chain.acc + limb * coefficient;
                    chain.mul_add_into(
                        QuantumCell::Witness(limb),
                        QuantumCell::Constant(coefficient),
                        QuantumCell::Witness(out),
                    );
                }
            }
            coefficient *= limb_base;
        }
        let remainder_index = chain.acc_index();
        let canonical = match remainder {
            Remainder::Canonical => Some(self.push_canonical_tail(&mut chain)),
            Remainder::Constant(_) => None,
        };
        let cells = ReductionCells {
            quotient_limbs: limb_cells,
            canonical,
            remainder: remainder_index,
        };
        let row = chain.assign(ctx);
        for &limb in &cells.quotient_limbs {
            self.lookup(ctx, row + limb);
        }
        if let Some(canonical) = &cells.canonical {
            self.finish_canonical(ctx, row, canonical);
        }
        AssignedBabyBear(ctx.get((row + cells.remainder) as isize))
    }

    /// Proves the cell `x` (the first cell of a new chain) canonical.
    fn check_canonical(&self, ctx: &mut Context<Fr>, x: QuantumCell<Fr>) -> AssignedBabyBear {
        let mut chain = Chain::new(x, 0, P - 1);
        let canonical = self.push_canonical_tail(&mut chain);
        let row = chain.assign(ctx);
        self.finish_canonical(ctx, row, &canonical);
        AssignedBabyBear(ctx.get(row as isize))
    }

    /// Appends `x − 2^L·m = l0` and `l0 − d·w = 0` to a chain whose accumulator is `x`.
    fn push_canonical_tail(&self, chain: &mut Chain) -> CanonicalCells {
        // Honest x is below p < 2^64; anything else yields a witness that fails the lookups.
        let x = fr_to_limbs(&chain.acc)[0];
        let (high, low) = (
            Fr::from(x >> self.lookup_bits),
            Fr::from(x & ((1 << self.lookup_bits) - 1)),
        );
        let d = Fr::from(self.max_high) - high;
        let w = low * Option::<Fr>::from(d.invert()).unwrap_or(Fr::ZERO);
        self.push_canonical_tail_with(chain, CanonicalWitness { high, low, d, w })
    }

    /// [`Self::push_canonical_tail`] with a given witness (a cheating prover's, in tests).
    fn push_canonical_tail_with(
        &self,
        chain: &mut Chain,
        witness: CanonicalWitness,
    ) -> CanonicalCells {
        let m = chain.acc_index() + 1;
        chain.mul_add_into(
            QuantumCell::Witness(witness.high),
            QuantumCell::Constant(-Fr::from(1u64 << self.lookup_bits)),
            QuantumCell::Witness(witness.low),
        );
        let l0 = chain.acc_index();
        chain.mul_add_into(
            QuantumCell::Witness(witness.d),
            QuantumCell::Witness(-witness.w),
            QuantumCell::Constant(Fr::ZERO),
        );
        CanonicalCells { m, l0, d: l0 + 1 }
    }

    /// Looks up `m`, `l0`, `d` and adds the gate `d + m·1 = M`.
    fn finish_canonical(&self, ctx: &mut Context<Fr>, row: usize, cells: &CanonicalCells) {
        let [m, l0, d] = [cells.m, cells.l0, cells.d].map(|i| ctx.get((row + i) as isize));
        for cell in [m, l0, d] {
            self.range.range_check(ctx, cell, self.lookup_bits);
        }
        ctx.assign_region(
            [
                QuantumCell::Existing(d),
                QuantumCell::Existing(m),
                QuantumCell::Constant(Fr::ONE),
                QuantumCell::Constant(Fr::from(self.max_high)),
            ],
            [0],
        );
    }

    /// One lookup of the cell at `row`: `range_check` with exactly the lookup size adds the cell
    /// to the lookup table's queue and assigns nothing else.
    fn lookup(&self, ctx: &mut Context<Fr>, row: usize) {
        let cell = ctx.get(row as isize);
        self.range.range_check(ctx, cell, self.lookup_bits);
    }
}

/// Test-only witness tampering, to play a cheating prover against the constraints.
#[cfg(test)]
pub(crate) mod tamper {
    use std::cell::Cell;

    thread_local! {
        static REMAINDER_SHIFT: Cell<i128> = const { Cell::new(0) };
    }

    /// The shift (in multiples of p) applied to every reduction's remainder witness.
    pub(crate) fn remainder_shift() -> i128 {
        REMAINDER_SHIFT.with(Cell::get)
    }

    /// Runs `f` with every reduction witnessing `r + shift·p` (and the matching quotient) as
    /// the remainder of `E`: the reduction identity still holds, only canonicity is violated.
    pub(crate) fn with_remainder_shift<R>(shift: i128, f: impl FnOnce() -> R) -> R {
        REMAINDER_SHIFT.with(|s| s.set(shift));
        let result = f();
        REMAINDER_SHIFT.with(|s| s.set(0));
        result
    }
}

impl From<&AssignedBabyBear> for QuantumCell<Fr> {
    fn from(x: &AssignedBabyBear) -> Self {
        QuantumCell::Existing(x.0)
    }
}

#[cfg(test)]
mod tests {
    use halo2_base::safe_types::SafeTypeChip;
    use p3_field::{Field as _, PrimeCharacteristicRing};
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    use super::*;
    use crate::testing::{count_only, mock};

    const PU: u32 = BABYBEAR_MODULUS as u32;

    fn bb(x: u32) -> BabyBear {
        BabyBear::from_u32(x)
    }

    /// Values at the edges of the canonicity check's decomposition (L = 16: x = l0 + 2^16·m).
    fn edge_values() -> Vec<BabyBear> {
        [
            0,
            1,
            2,
            PU - 1,
            PU - 2,
            1 << 27,
            (1 << 27) - 1,
            1 << 16,
            (1 << 16) - 1,
            PU - (1 << 16),
            PU - 1 - (1 << 16),
        ]
        .map(bb)
        .to_vec()
    }

    /// Random pairs plus every pair of edge values' neighbours.
    fn sample_pairs(seed: u64, random: usize) -> Vec<(BabyBear, BabyBear)> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut pairs: Vec<(BabyBear, BabyBear)> =
            (0..random).map(|_| (rng.random(), rng.random())).collect();
        let edges = edge_values();
        pairs.extend(edges.iter().zip(edges.iter().rev()).map(|(a, b)| (*a, *b)));
        pairs.extend(edges.iter().map(|a| (*a, *a)));
        pairs
    }

    #[test]
    fn modulus_and_lookup_range_are_what_the_check_assumes() {
        assert_eq!(BABYBEAR_MODULUS, (1 << 31) - (1 << 27) + 1);
        for bits in MIN_LOOKUP_BITS..=MAX_LOOKUP_BITS {
            let high = (BABYBEAR_MODULUS - 1) >> bits;
            assert_eq!(high << bits, BABYBEAR_MODULUS - 1);
            assert!(high < 1 << bits);
        }
    }

    #[test]
    fn every_operation_matches_plonky3_on_random_and_edge_inputs() {
        let pairs = sample_pairs(10, 24);
        let mut rng = SmallRng::seed_from_u64(11);
        let addends: Vec<BabyBear> = pairs.iter().map(|_| rng.random()).collect();
        mock(|ctx, range| {
            let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
            let safe = SafeTypeChip::new(range);
            let check = |ctx: &mut Context<Fr>, got: AssignedBabyBear, want: BabyBear| {
                assert_eq!(got.to_babybear(), Ok(want));
                let want = chip.load_constant(ctx, want);
                chip.assert_equal(ctx, &got, &want);
            };
            let mut assigned = Vec::new();
            for (&(x, y), &z) in pairs.iter().zip(&addends) {
                let (a, b, c) = (
                    chip.load_witness(ctx, x),
                    chip.load_witness(ctx, y),
                    chip.load_witness(ctx, z),
                );
                let r = chip.add(ctx, &a, &b);
                check(ctx, r, x + y);
                let r = chip.sub(ctx, &a, &b);
                check(ctx, r, x - y);
                let r = chip.neg(ctx, &a);
                check(ctx, r, -x);
                let r = chip.mul(ctx, &a, &b);
                check(ctx, r, x * y);
                let r = chip.mul_add(ctx, &a, &b, &c);
                check(ctx, r, x * y + z);
                for cond in [true, false] {
                    let cond_cell = safe.load_bool(ctx, cond);
                    let r = chip.select(ctx, &a, &b, cond_cell);
                    check(ctx, r, if cond { x } else { y });
                }
                if let Some(x_inv) = x.try_inverse() {
                    let r = chip.inv(ctx, &a);
                    check(ctx, r, x_inv);
                }
                let k = chip.load_constant(ctx, y);
                let r = chip.mul(ctx, &a, &k);
                check(ctx, r, x * y);
                assigned.push((a, b));
            }
            let r = chip
                .inner_product(ctx, &assigned)
                .expect("a short inner product is within bounds");
            check(ctx, r, pairs.iter().map(|(x, y)| *x * *y).sum());
        })
        .satisfied();
    }

    #[test]
    fn reduces_expressions_with_both_signs_beyond_one_period() {
        // a + b − c spans [−(p − 1), 2p − 2]: the reduction adds a multiple of p first.
        let triples = sample_pairs(12, 8)
            .into_iter()
            .zip(edge_values().into_iter().cycle());
        mock(|ctx, range| {
            let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
            for ((x, y), z) in triples {
                let [a, b, c] = [x, y, z].map(|v| chip.load_witness(ctx, v));
                let mut chain = Chain::new((&a).into(), 0, P - 1);
                chain.mul_add((&b).into(), QuantumCell::Constant(Fr::ONE), 0, P - 1);
                chain.mul_add((&c).into(), QuantumCell::Constant(-Fr::ONE), -(P - 1), 0);
                let r = chip.reduce(ctx, chain);
                assert_eq!(r.to_babybear(), Ok(x + y - z));
                let want = chip.load_constant(ctx, x + y - z);
                chip.assert_equal(ctx, &r, &want);
            }
        })
        .satisfied();
    }

    #[test]
    fn checked_constructor_accepts_the_largest_canonical_value() {
        mock(|ctx, range| {
            let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
            for value in [
                0,
                1,
                BABYBEAR_MODULUS - 1,
                BABYBEAR_MODULUS - 2,
                BABYBEAR_MODULUS - (1 << 16),
            ] {
                let raw = ctx.load_witness(Fr::from(value));
                chip.assert_canonical(ctx, raw);
            }
        })
        .satisfied();
    }

    #[test]
    fn rejects_values_at_or_above_p_in_the_checked_constructor() {
        let p = Fr::from(BABYBEAR_MODULUS);
        let attempts = [
            ("p", p),
            ("p + 1", p + Fr::ONE),
            ("p + 2^16", p + Fr::from(1 << 16)),
            ("2^31", Fr::from(1 << 31)),
            ("2^32 - 1", Fr::from(u64::from(u32::MAX))),
            ("p + (p - 1)", p.double() - Fr::ONE),
            ("-1 (r - 1)", -Fr::ONE),
            ("-(p - 1)", Fr::ONE - p),
        ];
        for (name, value) in attempts {
            mock(|ctx, range| {
                let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
                let raw = ctx.load_witness(value);
                chip.assert_canonical(ctx, raw);
            })
            .rejected(&format!("BabyBear value {name}"));
        }
    }

    #[test]
    fn rejects_every_cheating_decomposition_of_values_at_or_above_p() {
        // A cheating prover picks the witness: try every high part near M (the only ones that
        // can satisfy x = low + 2^16·high with a small low), each with the w that satisfies
        // low = d·w whenever d ≠ 0, and with w = 0.
        let max_high = (BABYBEAR_MODULUS - 1) >> 16;
        for x in [
            BABYBEAR_MODULUS,
            BABYBEAR_MODULUS + 1,
            BABYBEAR_MODULUS + (1 << 16),
            1 << 31,
        ] {
            let mut highs = vec![max_high - 1, max_high, max_high + 1, x >> 16];
            highs.dedup();
            for high_int in highs {
                let (high, x_fr) = (Fr::from(high_int), Fr::from(x));
                let low = x_fr - high * Fr::from(1 << 16);
                let d = Fr::from(max_high) - high;
                for w in [
                    low * Option::<Fr>::from(d.invert()).unwrap_or(Fr::ZERO),
                    Fr::ZERO,
                ] {
                    mock(|ctx, range| {
                        let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
                        let mut chain = Chain::new(QuantumCell::Witness(x_fr), 0, P - 1);
                        let cells = chip.push_canonical_tail_with(
                            &mut chain,
                            CanonicalWitness { high, low, d, w },
                        );
                        let row = chain.assign(ctx);
                        chip.finish_canonical(ctx, row, &cells);
                    })
                    .rejected(&format!("x = {x} decomposed with high part {high_int}"));
                }
            }
        }
    }

    #[test]
    fn rejects_a_product_whose_remainder_is_off_by_p() {
        // x·y ≥ p, so the honest quotient is at least 1 and q − 1 is a valid-looking limb.
        let (x, y) = (bb(PU - 5), bb(123_456_789));
        for shift in [1, -1] {
            tamper::with_remainder_shift(shift, || {
                mock(|ctx, range| {
                    let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
                    let (a, b) = (chip.load_witness(ctx, x), chip.load_witness(ctx, y));
                    let r = chip.mul(ctx, &a, &b);
                    assert_eq!(
                        fr_to_i128(r.value()),
                        Some(i128::from((x * y).as_canonical_u32()) + shift * P)
                    );
                })
                .rejected(&format!(
                    "mul with remainder r {} p",
                    if shift > 0 { "+" } else { "-" }
                ))
            });
        }
    }

    #[test]
    fn rejects_sums_and_differences_whose_remainder_is_off_by_p() {
        let (x, y) = (bb(7), bb(PU - 3));
        tamper::with_remainder_shift(1, || {
            for op in ["add", "sub", "neg"] {
                mock(|ctx, range| {
                    let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
                    let (a, b) = (chip.load_witness(ctx, x), chip.load_witness(ctx, y));
                    match op {
                        "add" => chip.add(ctx, &a, &b),
                        "sub" => chip.sub(ctx, &a, &b),
                        _ => chip.neg(ctx, &a),
                    };
                })
                .rejected(&format!("{op} with remainder r + p"));
            }
        });
    }

    #[test]
    fn rejects_a_wrong_inverse() {
        let x = bb(987_654_321);
        let wrong = x.inverse() + BabyBear::ONE;
        mock(|ctx, range| {
            let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
            let a = chip.load_witness(ctx, x);
            let claimed = chip.load_witness(ctx, wrong);
            chip.assert_product_is(ctx, &a, &claimed, 1);
        })
        .rejected("a·(a^-1 + 1) = 1");
    }

    #[test]
    fn inverse_of_zero_is_unsatisfiable() {
        mock(|ctx, range| {
            let chip = BabyBearChip::new(range).expect("16 lookup bits are supported");
            let zero = chip.load_witness(ctx, BabyBear::ZERO);
            chip.inv(ctx, &zero);
        })
        .rejected("inv(0)");
    }

    #[test]
    fn refuses_lookup_tables_the_canonicity_check_cannot_use() {
        for bits in [8, MIN_LOOKUP_BITS - 1, MAX_LOOKUP_BITS + 1] {
            count_only(bits, |_, range| {
                assert_eq!(
                    BabyBearChip::new(range).err(),
                    Some(ChipError::UnsupportedLookupBits { lookup_bits: bits })
                );
            });
        }
    }
}
