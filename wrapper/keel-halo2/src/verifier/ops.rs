//! The arithmetic the STARK verifier performs on challenge-field values, as a trait with a native
//! instance ([`Native`], Plonky3's own field type) and an in-circuit one ([`InCircuit`], cells of
//! [`ExtensionChip`]). Verification logic written once over [`ExtArithmetic`] runs as an oracle
//! natively and as constraints in the circuit — snark-verifier's "loader" idea.

use crate::babybear::AssignedBabyBear;
use crate::extension::NativeExt as Challenge;
use crate::extension::{AssignedExt, ExtensionChip};
use crate::Fr;
use halo2_base::safe_types::SafeTypeChip;
use halo2_base::Context;
use p3_baby_bear::BabyBear;
use p3_field::{Field, PrimeCharacteristicRing};

/// Arithmetic on elements of the challenge field BabyBear\[X\] / (X^4 − 11).
pub trait ExtArithmetic {
    /// How an element is represented (a value, or cells).
    type Ext: Clone;
    /// The constant `c`.
    fn constant(&mut self, c: Challenge) -> Self::Ext;
    /// `a + b`.
    fn add(&mut self, a: &Self::Ext, b: &Self::Ext) -> Self::Ext;
    /// `a − b`.
    fn sub(&mut self, a: &Self::Ext, b: &Self::Ext) -> Self::Ext;
    /// `−a`.
    fn neg(&mut self, a: &Self::Ext) -> Self::Ext;
    /// `a · b`.
    fn mul(&mut self, a: &Self::Ext, b: &Self::Ext) -> Self::Ext;
    /// `a⁻¹`. Callers guarantee `a ≠ 0` (the verifier rejects the points where it could be
    /// zero first); natively 0 maps to 0, in the circuit `inv(0)` is unsatisfiable.
    fn inv(&mut self, a: &Self::Ext) -> Self::Ext;
    /// Requires `a = b`: natively an error when they differ, in the circuit a constraint.
    fn assert_equal(
        &mut self,
        a: &Self::Ext,
        b: &Self::Ext,
        what: &'static str,
    ) -> Result<(), Mismatch>;
    /// `Π_j (1 + b_j·(c_j − 1))`: the product of the base constants `c_j` whose bit `b_j` is
    /// set. Callers guarantee every `b_j` is 0 or 1, an element of the base field (in the
    /// circuit: a boolean-constrained base cell lifted with `from_base`); implementations may
    /// compute in the base field.
    fn select_product(&mut self, bits: &[Self::Ext], factors: &[BabyBear]) -> Self::Ext {
        debug_assert_eq!(bits.len(), factors.len());
        let one = self.constant(Challenge::ONE);
        let mut acc = one.clone();
        for (bit, &c) in bits.iter().zip(factors) {
            let step = self.constant((c - BabyBear::ONE).into());
            let t = self.mul(bit, &step);
            let factor = self.add(&one, &t);
            acc = self.mul(&acc, &factor);
        }
        acc
    }
}

/// The native form of an equality check: `Ok` when `a = b`, else the mismatch `what`.
pub fn require_equal<T: PartialEq>(a: &T, b: &T, what: &'static str) -> Result<(), Mismatch> {
    if a == b {
        Ok(())
    } else {
        Err(Mismatch(what))
    }
}

/// A native check that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("verifier check failed: {0}")]
pub struct Mismatch(pub &'static str);

/// Native arithmetic on Plonky3's extension field.
#[derive(Clone, Copy, Debug, Default)]
pub struct Native;

impl ExtArithmetic for Native {
    type Ext = Challenge;
    fn constant(&mut self, c: Challenge) -> Challenge {
        c
    }
    fn add(&mut self, a: &Challenge, b: &Challenge) -> Challenge {
        *a + *b
    }
    fn sub(&mut self, a: &Challenge, b: &Challenge) -> Challenge {
        *a - *b
    }
    fn neg(&mut self, a: &Challenge) -> Challenge {
        -*a
    }
    fn mul(&mut self, a: &Challenge, b: &Challenge) -> Challenge {
        *a * *b
    }
    fn inv(&mut self, a: &Challenge) -> Challenge {
        a.try_inverse().unwrap_or(Challenge::ZERO)
    }
    fn assert_equal(
        &mut self,
        a: &Challenge,
        b: &Challenge,
        what: &'static str,
    ) -> Result<(), Mismatch> {
        require_equal(a, b, what)
    }
}

/// In-circuit arithmetic: every operation adds constrained cells to `ctx`.
pub struct InCircuit<'chip, 'range, 'ctx> {
    /// The extension-field chip.
    pub chip: &'chip ExtensionChip<'range>,
    /// The context cells go to.
    pub ctx: &'ctx mut Context<Fr>,
}

impl ExtArithmetic for InCircuit<'_, '_, '_> {
    type Ext = AssignedExt;
    fn constant(&mut self, c: Challenge) -> AssignedExt {
        self.chip.load_constant(self.ctx, c)
    }
    fn add(&mut self, a: &AssignedExt, b: &AssignedExt) -> AssignedExt {
        self.chip.add(self.ctx, a, b)
    }
    fn sub(&mut self, a: &AssignedExt, b: &AssignedExt) -> AssignedExt {
        self.chip.sub(self.ctx, a, b)
    }
    fn neg(&mut self, a: &AssignedExt) -> AssignedExt {
        self.chip.neg(self.ctx, a)
    }
    fn mul(&mut self, a: &AssignedExt, b: &AssignedExt) -> AssignedExt {
        self.chip.mul(self.ctx, a, b)
    }
    fn inv(&mut self, a: &AssignedExt) -> AssignedExt {
        self.chip.inv(self.ctx, a)
    }
    fn assert_equal(
        &mut self,
        a: &AssignedExt,
        b: &AssignedExt,
        _: &'static str,
    ) -> Result<(), Mismatch> {
        self.chip.assert_equal(self.ctx, a, b);
        Ok(())
    }
    /// In the base field: per bit a select between the constants `c_j` and 1 (no reduction)
    /// and one base product, instead of two extension products and an extension sum. Reads
    /// only coefficient 0 of each bit (the others are 0 for a lifted base cell).
    fn select_product(&mut self, bits: &[AssignedExt], factors: &[BabyBear]) -> AssignedExt {
        debug_assert_eq!(bits.len(), factors.len());
        let base = self.chip.base();
        let one = base.load_constant(self.ctx, BabyBear::ONE);
        let mut acc: Option<AssignedBabyBear> = None;
        for (bit, &c) in bits.iter().zip(factors) {
            let c = base.load_constant(self.ctx, c);
            let cond = SafeTypeChip::<Fr>::unsafe_to_bool(bit.0[0].cell());
            let factor = base.select(self.ctx, &c, &one, cond);
            acc = Some(match acc {
                None => factor,
                Some(acc) => base.mul(self.ctx, &acc, &factor),
            });
        }
        let product = acc.unwrap_or(one);
        self.chip.from_base(self.ctx, &product)
    }
}
