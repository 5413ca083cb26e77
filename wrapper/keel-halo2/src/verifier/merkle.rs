//! Verification of a batch opening of keel's outer MMCS (binary Merkle tree of BabyBear matrices
//! of several heights, Poseidon2-BN254, one-element digests), over any [`HashArithmetic`] — the
//! same walk as `MerkleTreeMmcs::verify_batch` of p3-merkle-tree 0.8 with arity 2 and no cap:
//!
//! - leaf: the opened rows of every matrix as tall as the tree, concatenated (tallest first, in
//!   commitment order), hashed by the multi-field sponge: 8 BabyBear values `v₀..v₇` pack into one
//!   BN254 element `Σ (vᵢ + 1)·2^(31·i)`, two packed elements overwrite the rate of a width-3 state
//!   per permutation, the digest is `state[0]`;
//! - each level: `compress(left, right) = P([left, right, 0])[0]`, the side chosen by the index
//!   bit; then, if matrices of the new height exist, their rows are hashed and injected:
//!   `digest = compress(digest, hash(rows))`;
//! - the final digest must equal the commitment.

use super::ops::Mismatch;
use crate::babybear::AssignedBabyBear;
use crate::poseidon2_gate::Permuter;
use crate::Fr;
use halo2_base::gates::{GateChip, GateInstructions};
use halo2_base::halo2_proofs::halo2curves::ff::Field as _;
use halo2_base::{AssignedValue, Context, QuantumCell};
use keel_stark::config::outer_perm;
use p3_baby_bear::BabyBear;
use p3_bn254::Bn254;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_symmetric::Permutation;

/// BabyBear values packed per BN254 element (8 × 31 bits plus the +1 shift stay below 2^254).
pub const LIMBS_PER_DIGEST_ELEMENT: usize = 8;
/// Bits per packed limb.
const RADIX_BITS: usize = 31;
/// Sponge rate, in BN254 elements.
const RATE: usize = 2;

/// The hashing the MMCS verifier needs, over some representation of values.
pub trait HashArithmetic {
    /// A BabyBear value.
    type Base: Clone;
    /// A BN254 element (digest or sponge state).
    type Digest: Clone;
    /// An index bit.
    type Bit: Clone;
    /// The Poseidon2-BN254 permutation.
    fn permute(&mut self, state: [Self::Digest; 3]) -> [Self::Digest; 3];
    /// `Σ (vᵢ + 1)·2^(31·i)` of up to 8 values.
    fn pack(&mut self, limbs: &[Self::Base]) -> Self::Digest;
    /// The zero element.
    fn zero(&mut self) -> Self::Digest;
    /// `(a, b)` if `bit` is 0, `(b, a)` if it is 1.
    fn order(
        &mut self,
        bit: &Self::Bit,
        a: &Self::Digest,
        b: &Self::Digest,
    ) -> (Self::Digest, Self::Digest);
    /// Requires `a = b`.
    fn assert_digest_equal(
        &mut self,
        a: &Self::Digest,
        b: &Self::Digest,
        what: &'static str,
    ) -> Result<(), Mismatch>;
}

/// One opened matrix: its height and the opened row.
pub struct OpenedRow<'a, B> {
    /// Height of the committed matrix (a power of two).
    pub height: usize,
    /// The row at the query index (reduced to this matrix's height).
    pub row: &'a [B],
}

/// The multi-field sponge over `values`.
pub fn hash_values<H: HashArithmetic>(ops: &mut H, values: &[H::Base]) -> H::Digest {
    let zero = ops.zero();
    let mut state = [zero.clone(), zero.clone(), zero];
    for block in values.chunks(RATE * LIMBS_PER_DIGEST_ELEMENT) {
        for (i, limbs) in block.chunks(LIMBS_PER_DIGEST_ELEMENT).enumerate() {
            state[i] = ops.pack(limbs);
        }
        state = ops.permute(state);
    }
    let [digest, _, _] = state;
    digest
}

/// `P([left, right, 0])[0]`.
pub fn compress<H: HashArithmetic>(ops: &mut H, left: &H::Digest, right: &H::Digest) -> H::Digest {
    let zero = ops.zero();
    let [digest, _, _] = ops.permute([left.clone(), right.clone(), zero]);
    digest
}

/// Verifies that `opened` are the rows at `index_bits` (least significant first, one per tree
/// level) of the matrices committed to by `commitment`, given the sibling digests.
///
/// `opened` must list the matrices in commitment order with their public heights (never
/// heights taken from the proof); heights are powers of two.
pub fn verify_batch<H: HashArithmetic>(
    ops: &mut H,
    commitment: &H::Digest,
    opened: &[OpenedRow<'_, H::Base>],
    index_bits: &[H::Bit],
    siblings: &[H::Digest],
) -> Result<(), Mismatch> {
    let max_height = opened
        .iter()
        .map(|o| o.height)
        .max()
        .ok_or(Mismatch("empty batch"))?;
    if !max_height.is_power_of_two() || opened.iter().any(|o| !o.height.is_power_of_two()) {
        return Err(Mismatch("matrix heights must be powers of two"));
    }
    let levels = max_height.trailing_zeros() as usize;
    if siblings.len() != levels || index_bits.len() != levels {
        return Err(Mismatch("opening proof length differs from the tree depth"));
    }
    // tallest first, ties in commitment order (a stable sort, as Plonky3's `sorted_by_key`)
    let mut order: Vec<usize> = (0..opened.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(opened[i].height));
    let rows_of_height = |h: usize| -> Vec<H::Base> {
        order
            .iter()
            .filter(|&&i| opened[i].height == h)
            .flat_map(|&i| opened[i].row.iter().cloned())
            .collect()
    };
    let leaf = rows_of_height(max_height);
    let mut digest = hash_values(ops, &leaf);
    let mut height = max_height;
    for (bit, sibling) in index_bits.iter().zip(siblings) {
        let (left, right) = ops.order(bit, &digest, sibling);
        digest = compress(ops, &left, &right);
        height /= 2;
        if opened.iter().any(|o| o.height == height) {
            let rows = rows_of_height(height);
            let injected = hash_values(ops, &rows);
            digest = compress(ops, &digest, &injected);
        }
    }
    ops.assert_digest_equal(
        &digest,
        commitment,
        "Merkle root differs from the commitment",
    )
}

/// Native hashing with Plonky3's types.
#[derive(Clone, Debug)]
pub struct NativeHash {
    perm: keel_stark::config::OuterPerm,
}

impl Default for NativeHash {
    fn default() -> Self {
        NativeHash { perm: outer_perm() }
    }
}

impl HashArithmetic for NativeHash {
    type Base = BabyBear;
    type Digest = Bn254;
    type Bit = bool;
    fn permute(&mut self, state: [Bn254; 3]) -> [Bn254; 3] {
        self.perm.permute(state)
    }
    fn pack(&mut self, limbs: &[BabyBear]) -> Bn254 {
        let radix = Bn254::from_u64(1 << RADIX_BITS);
        limbs.iter().rev().fold(Bn254::ZERO, |acc, v| {
            acc * radix + Bn254::from_u32(v.as_canonical_u32() + 1)
        })
    }
    fn zero(&mut self) -> Bn254 {
        Bn254::ZERO
    }
    fn order(&mut self, bit: &bool, a: &Bn254, b: &Bn254) -> (Bn254, Bn254) {
        if *bit {
            (*b, *a)
        } else {
            (*a, *b)
        }
    }
    fn assert_digest_equal(
        &mut self,
        a: &Bn254,
        b: &Bn254,
        what: &'static str,
    ) -> Result<(), Mismatch> {
        super::ops::require_equal(a, b, what)
    }
}

/// In-circuit hashing: Poseidon2 chip, packing as a linear combination of canonical BabyBear
/// cells (at most 248 bits, so no wrap modulo the BN254 order), ordering by `select`.
pub struct CircuitHash<'g, 'ctx> {
    /// The gate chip.
    pub gate: &'g GateChip<Fr>,
    /// The Poseidon2 chip.
    pub poseidon: Permuter,
    /// Where cells go.
    pub ctx: &'ctx mut Context<Fr>,
}

impl HashArithmetic for CircuitHash<'_, '_> {
    type Base = AssignedBabyBear;
    type Digest = AssignedValue<Fr>;
    /// Must be constrained boolean by whoever produced it.
    type Bit = AssignedValue<Fr>;
    fn permute(&mut self, state: [AssignedValue<Fr>; 3]) -> [AssignedValue<Fr>; 3] {
        self.poseidon.permute(self.ctx, &state)
    }
    fn pack(&mut self, limbs: &[AssignedBabyBear]) -> AssignedValue<Fr> {
        // Σ (vᵢ + 1)·2^(31i) = Σ vᵢ·2^(31i) + Σ 2^(31i)
        let offset: Fr = (0..limbs.len())
            .map(|i| Fr::from(2u64).pow_vartime([(RADIX_BITS * i) as u64]))
            .sum();
        let powers: Vec<QuantumCell<Fr>> = (0..limbs.len())
            .map(|i| QuantumCell::Constant(Fr::from(2u64).pow_vartime([(RADIX_BITS * i) as u64])))
            .collect();
        let values: Vec<QuantumCell<Fr>> = limbs
            .iter()
            .map(|l| QuantumCell::Existing(l.cell()))
            .collect();
        let sum = self.gate.inner_product(self.ctx, values, powers);
        self.gate.add(self.ctx, sum, QuantumCell::Constant(offset))
    }
    fn zero(&mut self) -> AssignedValue<Fr> {
        self.ctx.load_zero()
    }
    fn order(
        &mut self,
        bit: &AssignedValue<Fr>,
        a: &AssignedValue<Fr>,
        b: &AssignedValue<Fr>,
    ) -> (AssignedValue<Fr>, AssignedValue<Fr>) {
        // left = bit ? b : a ; right = a + b − left
        let left = self.gate.select(self.ctx, *b, *a, *bit);
        let sum = self.gate.add(self.ctx, *a, *b);
        let right = self.gate.sub(self.ctx, sum, left);
        (left, right)
    }
    fn assert_digest_equal(
        &mut self,
        a: &AssignedValue<Fr>,
        b: &AssignedValue<Fr>,
        _: &'static str,
    ) -> Result<(), Mismatch> {
        self.ctx.constrain_equal(a, b);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babybear::BabyBearChip;
    use crate::convert::bn254_to_fr;
    use crate::testing::mock;
    use keel_stark::config::{OuterCompress, OuterHash, OuterValMmcs};
    use p3_commit::Mmcs;
    use p3_matrix::dense::RowMajorMatrix;
    use p3_matrix::Dimensions;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    const SHAPES: [(usize, usize); 4] = [(16, 3), (16, 17), (8, 5), (2, 9)]; // (height, width)

    struct Opening {
        root: Bn254,
        rows: Vec<Vec<BabyBear>>,
        siblings: Vec<Bn254>,
        index: usize,
    }

    fn mmcs() -> OuterValMmcs {
        let perm = outer_perm();
        OuterValMmcs::new(
            OuterHash::new(perm.clone()).unwrap(),
            OuterCompress::new(perm),
            0,
        )
    }

    /// Commits random matrices with Plonky3's MMCS and opens them at `index`; Plonky3's own
    /// verifier accepts the opening.
    fn plonky3_opening(seed: u64, index: usize) -> Opening {
        let mut rng = SmallRng::seed_from_u64(seed);
        let matrices: Vec<RowMajorMatrix<BabyBear>> = SHAPES
            .iter()
            .map(|&(h, w)| RowMajorMatrix::new((0..h * w).map(|_| rng.random()).collect(), w))
            .collect();
        let dims: Vec<Dimensions> = SHAPES
            .iter()
            .map(|&(height, width)| Dimensions { height, width })
            .collect();
        let mmcs = mmcs();
        let (commitment, data) = mmcs.commit(matrices);
        let opening = mmcs.open_batch(index, &data);
        mmcs.verify_batch(&commitment, &dims, index, (&opening).into())
            .expect("Plonky3 accepts its own opening");
        Opening {
            root: commitment.roots()[0][0],
            rows: opening.opened_values.clone(),
            siblings: opening.opening_proof.iter().map(|d| d[0]).collect(),
            index,
        }
    }

    fn bits(index: usize) -> Vec<bool> {
        (0..4).map(|i| index >> i & 1 == 1).collect()
    }

    fn verify_native(o: &Opening) -> Result<(), Mismatch> {
        let opened: Vec<OpenedRow<'_, BabyBear>> = SHAPES
            .iter()
            .zip(&o.rows)
            .map(|(&(height, _), row)| OpenedRow { height, row })
            .collect();
        verify_batch(
            &mut NativeHash::default(),
            &o.root,
            &opened,
            &bits(o.index),
            &o.siblings,
        )
    }

    #[test]
    fn accepts_plonky3_openings_and_rejects_tampered_ones() {
        for index in [0, 5, 10, 15] {
            let honest = plonky3_opening(index as u64, index);
            verify_native(&honest).unwrap();

            let mut o = plonky3_opening(index as u64, index);
            o.rows[1][4] += BabyBear::ONE;
            assert!(verify_native(&o).is_err(), "tampered tall row");
            let mut o = plonky3_opening(index as u64, index);
            o.rows[3][0] += BabyBear::ONE;
            assert!(verify_native(&o).is_err(), "tampered injected row");
            for level in 0..4 {
                let mut o = plonky3_opening(index as u64, index);
                o.siblings[level] += Bn254::ONE;
                assert!(verify_native(&o).is_err(), "tampered sibling {level}");
            }
            let mut o = plonky3_opening(index as u64, index);
            o.index ^= 1;
            assert!(verify_native(&o).is_err(), "wrong index");
            let mut o = plonky3_opening(index as u64, index);
            o.siblings.pop();
            assert!(verify_native(&o).is_err(), "short path");
        }
    }

    #[test]
    fn circuit_accepts_an_honest_opening_and_rejects_a_tampered_sibling() {
        for tamper in [false, true] {
            let mut o = plonky3_opening(3, 6);
            if tamper {
                o.siblings[2] += Bn254::ONE;
            }
            let outcome = mock(|ctx, range| {
                let chip = BabyBearChip::new(range).unwrap();
                let rows: Vec<Vec<AssignedBabyBear>> = o
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|&v| chip.load_witness(ctx, v)).collect())
                    .collect();
                let root = ctx.load_witness(bn254_to_fr(&o.root));
                let siblings: Vec<_> = o
                    .siblings
                    .iter()
                    .map(|s| ctx.load_witness(bn254_to_fr(s)))
                    .collect();
                let gate = chip.gate();
                let index_bits: Vec<_> = bits(o.index)
                    .into_iter()
                    .map(|b| {
                        let cell = ctx.load_witness(Fr::from(b as u64));
                        gate.assert_bit(ctx, cell);
                        cell
                    })
                    .collect();
                let opened: Vec<OpenedRow<'_, AssignedBabyBear>> = SHAPES
                    .iter()
                    .zip(&rows)
                    .map(|(&(height, _), row)| OpenedRow { height, row })
                    .collect();
                let mut ops = CircuitHash {
                    gate,
                    poseidon: Permuter::default(),
                    ctx,
                };
                verify_batch(&mut ops, &root, &opened, &index_bits, &siblings).unwrap();
            });
            if tamper {
                outcome.rejected("Merkle sibling off by one");
            } else {
                outcome.satisfied();
            }
        }
    }
}
