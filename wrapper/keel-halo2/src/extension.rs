//! The degree-4 extension BabyBear\[X\] / (X^4 − W), W = 11: Plonky3's
//! `BinomialExtensionField<BabyBear, 4>`, keel's challenge field.
//!
//! An [`AssignedExt`] is four canonical [`AssignedBabyBear`] coefficients (of 1, X, X^2, X^3).
//! A product computes each output coefficient as one unreduced integer in a single flex-gate
//! chain and reduces it once (4 reductions per multiplication):
//!
//! ```text
//! c_k = Σ_{i+j=k} a_i·b_j + Σ_{i+j=k+4} a_i·(W·b_j),      0 ≤ c_k ≤ (k + 1 + W·(3 − k))·(p − 1)^2
//! ```
//!
//! The largest bound is c_0 ≤ 34·(p − 1)^2 < 2^67 (W·b_j is assigned once per product, unreduced,
//! below 11·p), far inside the 2^120 a reduction accepts.

use halo2_base::halo2_proofs::halo2curves::ff::Field as _;
use halo2_base::{Context, QuantumCell};
use p3_baby_bear::BabyBear;
use p3_field::extension::{BinomialExtensionField, BinomiallyExtendable};
use p3_field::{BasedVectorSpace, Field, PrimeCharacteristicRing, PrimeField32};

use crate::babybear::{AssignedBabyBear, BabyBearChip, Chain, Remainder, MAX_PRODUCT, P};
use crate::{ConvertError, Fr};

/// Degree of the extension.
pub const EXT_DEGREE: usize = 4;

/// The native extension field this chip mirrors.
pub type NativeExt = BinomialExtensionField<BabyBear, EXT_DEGREE>;

/// An extension element in the circuit: canonical coefficients of 1, X, X^2, X^3.
#[derive(Clone, Copy, Debug)]
pub struct AssignedExt(pub [AssignedBabyBear; EXT_DEGREE]);

impl AssignedExt {
    /// The coefficients.
    pub fn coefficients(&self) -> &[AssignedBabyBear; EXT_DEGREE] {
        &self.0
    }

    /// The witness value as a native extension element (fails only for a non-canonical
    /// witness, i.e. an unsatisfied circuit).
    pub fn to_native(&self) -> Result<NativeExt, ConvertError> {
        let mut coefficients = [BabyBear::ZERO; EXT_DEGREE];
        for (c, x) in coefficients.iter_mut().zip(&self.0) {
            *c = x.to_babybear()?;
        }
        Ok(NativeExt::from_basis_coefficients_fn(|i| coefficients[i]))
    }
}

/// Arithmetic in BabyBear\[X\] / (X^4 − W) over a [`BabyBearChip`].
#[derive(Clone, Debug)]
pub struct ExtensionChip<'range> {
    base: BabyBearChip<'range>,
    /// W, the constant of the binomial X^4 − W (read from Plonky3, 11 for BabyBear).
    w: i128,
}

impl<'range> ExtensionChip<'range> {
    /// An extension chip over `base`.
    pub fn new(base: BabyBearChip<'range>) -> Self {
        let w = i128::from(<BabyBear as BinomiallyExtendable<EXT_DEGREE>>::W.as_canonical_u32());
        ExtensionChip { base, w }
    }

    /// The base-field chip.
    pub fn base(&self) -> &BabyBearChip<'range> {
        &self.base
    }

    /// W, the constant of the binomial X^4 − W.
    pub fn w(&self) -> u32 {
        self.w as u32
    }

    /// Assigns a witness and proves its coefficients canonical.
    pub fn load_witness(&self, ctx: &mut Context<Fr>, value: NativeExt) -> AssignedExt {
        let c = value.as_basis_coefficients_slice();
        AssignedExt(std::array::from_fn(|i| self.base.load_witness(ctx, c[i])))
    }

    /// Assigns a constant.
    pub fn load_constant(&self, ctx: &mut Context<Fr>, value: NativeExt) -> AssignedExt {
        let c = value.as_basis_coefficients_slice();
        AssignedExt(std::array::from_fn(|i| self.base.load_constant(ctx, c[i])))
    }

    /// Embeds a base element: (a, 0, 0, 0).
    pub fn from_base(&self, ctx: &mut Context<Fr>, a: &AssignedBabyBear) -> AssignedExt {
        let zero = self.base.load_constant(ctx, BabyBear::ZERO);
        AssignedExt([*a, zero, zero, zero])
    }

    /// Constrains `a = b` coefficient-wise (copy constraints).
    pub fn assert_equal(&self, ctx: &mut Context<Fr>, a: &AssignedExt, b: &AssignedExt) {
        for (x, y) in a.0.iter().zip(&b.0) {
            self.base.assert_equal(ctx, x, y);
        }
    }

    /// `a + b` (4 base additions).
    pub fn add(&self, ctx: &mut Context<Fr>, a: &AssignedExt, b: &AssignedExt) -> AssignedExt {
        AssignedExt(std::array::from_fn(|i| {
            self.base.add(ctx, &a.0[i], &b.0[i])
        }))
    }

    /// `a − b` (4 base subtractions).
    pub fn sub(&self, ctx: &mut Context<Fr>, a: &AssignedExt, b: &AssignedExt) -> AssignedExt {
        AssignedExt(std::array::from_fn(|i| {
            self.base.sub(ctx, &a.0[i], &b.0[i])
        }))
    }

    /// `−a` (4 base negations).
    pub fn neg(&self, ctx: &mut Context<Fr>, a: &AssignedExt) -> AssignedExt {
        AssignedExt(std::array::from_fn(|i| self.base.neg(ctx, &a.0[i])))
    }

    /// `a·b` for a base element `b` (4 base multiplications).
    pub fn mul_base(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedExt,
        b: &AssignedBabyBear,
    ) -> AssignedExt {
        AssignedExt(std::array::from_fn(|i| self.base.mul(ctx, &a.0[i], b)))
    }

    /// `a·b`: 16 products in 4 chains, 4 reductions.
    pub fn mul(&self, ctx: &mut Context<Fr>, a: &AssignedExt, b: &AssignedExt) -> AssignedExt {
        let zero = [QuantumCell::Constant(Fr::ZERO); EXT_DEGREE].map(|z| Chain::new(z, 0, 0));
        let chains = self.product_chains(ctx, a, b, zero);
        AssignedExt(chains.map(|chain| self.base.reduce(ctx, chain)))
    }

    /// `a·b + c` with the addition folded into the product's chains (lazy): same cost as
    /// [`Self::mul`]; each coefficient grows by at most p − 1 before its single reduction.
    pub fn mul_add(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedExt,
        b: &AssignedExt,
        c: &AssignedExt,
    ) -> AssignedExt {
        let start = std::array::from_fn(|k| Chain::new((&c.0[k]).into(), 0, P - 1));
        let chains = self.product_chains(ctx, a, b, start);
        AssignedExt(chains.map(|chain| self.base.reduce(ctx, chain)))
    }

    /// `a^−1`: witnesses the inverse (canonical coefficients) and constrains
    /// `a·a^−1 = 1`, each coefficient of the product reduced against the constant 1 or 0.
    ///
    /// For `a = 0` the witness is 0, the product is 0 ≠ 1 and the circuit is unsatisfiable: a
    /// proof exists only for non-zero `a`.
    pub fn inv(&self, ctx: &mut Context<Fr>, a: &AssignedExt) -> AssignedExt {
        let inverse = a
            .to_native()
            .ok()
            .and_then(|x| x.try_inverse())
            .unwrap_or_default();
        let inverse = self.load_witness(ctx, inverse);
        let zero = [QuantumCell::Constant(Fr::ZERO); EXT_DEGREE].map(|z| Chain::new(z, 0, 0));
        let chains = self.product_chains(ctx, a, &inverse, zero);
        for (k, chain) in chains.into_iter().enumerate() {
            self.base
                .reduce_into(ctx, chain, Remainder::Constant(u32::from(k == 0)));
        }
        inverse
    }

    /// Appends the 16 products of `a·b` to four chains (one per output coefficient): the
    /// products that wrap past X^3 use W·b_j, assigned once here (3 gates).
    fn product_chains(
        &self,
        ctx: &mut Context<Fr>,
        a: &AssignedExt,
        b: &AssignedExt,
        mut chains: [Chain; EXT_DEGREE],
    ) -> [Chain; EXT_DEGREE] {
        let gate = self.base.gate();
        // W·b_j < 11·p: an integer, not reduced (b_0 never wraps).
        let w_times_b: [Option<_>; EXT_DEGREE] = std::array::from_fn(|j| {
            (j > 0).then(|| {
                halo2_base::gates::GateInstructions::mul(
                    gate,
                    ctx,
                    b.0[j],
                    QuantumCell::Constant(Fr::from(self.w as u64)),
                )
            })
        });
        for (k, chain) in chains.iter_mut().enumerate() {
            for i in 0..EXT_DEGREE {
                if i <= k {
                    chain.mul_add((&a.0[i]).into(), (&b.0[k - i]).into(), 0, MAX_PRODUCT);
                } else if let Some(wb) = w_times_b[k + EXT_DEGREE - i] {
                    chain.mul_add(
                        (&a.0[i]).into(),
                        QuantumCell::Existing(wb),
                        0,
                        self.w * MAX_PRODUCT,
                    );
                }
            }
        }
        chains
    }
}

#[cfg(test)]
mod tests {
    use p3_field::PrimeCharacteristicRing;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    use super::*;
    use crate::babybear::tamper;
    use crate::testing::mock;

    fn ext(c: [u32; EXT_DEGREE]) -> NativeExt {
        NativeExt::from_basis_coefficients_fn(|i| BabyBear::from_u32(c[i]))
    }

    /// Random pairs plus pairs with all coefficients p − 1 (the products' largest bounds), zero
    /// and one.
    fn sample_pairs(seed: u64, random: usize) -> Vec<(NativeExt, NativeExt)> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut pairs: Vec<(NativeExt, NativeExt)> =
            (0..random).map(|_| (rng.random(), rng.random())).collect();
        let top = ext([crate::babybear::BABYBEAR_MODULUS as u32 - 1; EXT_DEGREE]);
        pairs.extend([
            (top, top),
            (top, NativeExt::ONE),
            (NativeExt::ZERO, top),
            (ext([0, 0, 0, 1]), ext([0, 0, 0, 1])),
        ]);
        pairs
    }

    #[test]
    fn binomial_constant_is_eleven() {
        crate::testing::count_only(16, |_, range| {
            let chip =
                ExtensionChip::new(BabyBearChip::new(range).expect("16 lookup bits are supported"));
            assert_eq!(chip.w(), 11);
        });
    }

    #[test]
    fn every_operation_matches_plonky3_on_random_and_edge_inputs() {
        let pairs = sample_pairs(20, 12);
        let mut rng = SmallRng::seed_from_u64(21);
        let extra: Vec<(NativeExt, BabyBear)> =
            pairs.iter().map(|_| (rng.random(), rng.random())).collect();
        mock(|ctx, range| {
            let chip =
                ExtensionChip::new(BabyBearChip::new(range).expect("16 lookup bits are supported"));
            let check = |ctx: &mut Context<Fr>, got: AssignedExt, want: NativeExt| {
                assert_eq!(got.to_native(), Ok(want));
                let want = chip.load_constant(ctx, want);
                chip.assert_equal(ctx, &got, &want);
            };
            for (&(x, y), &(z, s)) in pairs.iter().zip(&extra) {
                let (a, b, c) = (
                    chip.load_witness(ctx, x),
                    chip.load_witness(ctx, y),
                    chip.load_witness(ctx, z),
                );
                let scalar = chip.base().load_witness(ctx, s);
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
                let r = chip.mul_base(ctx, &a, &scalar);
                check(ctx, r, x * s);
                let r = chip.from_base(ctx, &scalar);
                check(ctx, r, NativeExt::from(s));
                if let Some(x_inv) = x.try_inverse() {
                    let r = chip.inv(ctx, &a);
                    check(ctx, r, x_inv);
                }
                let k = chip.load_constant(ctx, y);
                let r = chip.mul(ctx, &a, &k);
                check(ctx, r, x * y);
            }
        })
        .satisfied();
    }

    #[test]
    fn rejects_a_product_whose_remainders_are_off_by_p() {
        let (x, y) = (
            ext([5, 1 << 30, 77, 2_000_000_000]),
            ext([3, 9, 1 << 29, 123]),
        );
        tamper::with_remainder_shift(1, || {
            mock(|ctx, range| {
                let chip = ExtensionChip::new(
                    BabyBearChip::new(range).expect("16 lookup bits are supported"),
                );
                let (a, b) = (chip.load_witness(ctx, x), chip.load_witness(ctx, y));
                chip.mul(ctx, &a, &b);
            })
            .rejected("extension mul with remainders r + p");
        });
    }

    #[test]
    fn rejects_a_wrong_inverse() {
        let x = ext([1, 2, 3, 4]);
        let wrong = x.inverse() + NativeExt::from(BabyBear::ONE);
        // The chip's own `inv` always witnesses the true inverse; play the cheating prover by
        // hand: claim `wrong` and run the same product check.
        mock(|ctx, range| {
            let chip =
                ExtensionChip::new(BabyBearChip::new(range).expect("16 lookup bits are supported"));
            let a = chip.load_witness(ctx, x);
            let claimed = chip.load_witness(ctx, wrong);
            let zero = [QuantumCell::Constant(Fr::ZERO); EXT_DEGREE].map(|z| Chain::new(z, 0, 0));
            let chains = chip.product_chains(ctx, &a, &claimed, zero);
            for (k, chain) in chains.into_iter().enumerate() {
                chip.base
                    .reduce_into(ctx, chain, Remainder::Constant(u32::from(k == 0)));
            }
        })
        .rejected("extension a·(a^-1 + 1) = 1");
    }

    #[test]
    fn inverse_of_zero_is_unsatisfiable() {
        mock(|ctx, range| {
            let chip =
                ExtensionChip::new(BabyBearChip::new(range).expect("16 lookup bits are supported"));
            let zero = chip.load_witness(ctx, NativeExt::ZERO);
            chip.inv(ctx, &zero);
        })
        .rejected("extension inv(0)");
    }
}
