//! Evaluation of an AIR's constraints, read from Plonky3's symbolic representation, at one point
//! — over any [`ExtArithmetic`], so the same code runs natively and in the circuit.
//!
//! The verifier evaluates every constraint of every table at the out-of-domain point ζ, from the
//! opened trace values. The constraints are not written here: they are Plonky3's
//! `SymbolicExpression` trees extracted from the AIR's one `eval` (`get_symbolic_constraints`),
//! so the circuit checks exactly what the native prover and verifier check.
//!
//! The trees share sub-expressions through `Arc`s; evaluation memoizes by node address, so a
//! shared sub-tree costs its cells once.

use super::ops::ExtArithmetic;
use crate::extension::NativeExt as Challenge;
use p3_air::symbolic::{
    BaseEntry, BaseLeaf, ExtEntry, ExtLeaf, SymbolicExpr, SymbolicExpression, SymbolicExpressionExt,
};
use p3_baby_bear::BabyBear;
use std::collections::HashMap;

/// Values the constraints read, all as challenge-field elements (base-field openings lifted).
#[derive(Clone, Debug)]
pub struct ConstraintInputs<E> {
    /// Main trace, current row.
    pub main_local: Vec<E>,
    /// Main trace, next row.
    pub main_next: Vec<E>,
    /// Preprocessed trace, current row.
    pub preprocessed_local: Vec<E>,
    /// Preprocessed trace, next row.
    pub preprocessed_next: Vec<E>,
    /// Public values.
    pub public_values: Vec<E>,
    /// The first-row selector at the point.
    pub is_first_row: E,
    /// The last-row selector at the point.
    pub is_last_row: E,
    /// The transition selector at the point.
    pub is_transition: E,
    /// LogUp permutation trace, current row.
    pub permutation_local: Vec<E>,
    /// LogUp permutation trace, next row.
    pub permutation_next: Vec<E>,
    /// LogUp challenges.
    pub challenges: Vec<E>,
    /// LogUp terminal values (the table's claimed running sum).
    pub permutation_values: Vec<E>,
}

/// Why constraints could not be evaluated (a malformed AIR description, never a proof property).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A leaf names an input that is not there.
    #[error("constraint reads {what}[{index}] but only {available} are given")]
    MissingInput {
        /// Which input vector.
        what: &'static str,
        /// The index read.
        index: usize,
        /// Its length.
        available: usize,
    },
    /// A leaf reads a row other than the current or the next one.
    #[error("constraint reads row offset {0}; only 0 and 1 exist")]
    RowOffset(usize),
    /// Periodic columns are not supported by keel's tables.
    #[error("periodic columns are not supported")]
    Periodic,
}

/// Evaluates `base` then `ext` constraints at the point described by `inputs`.
pub fn evaluate_constraints<O: ExtArithmetic>(
    ops: &mut O,
    base: &[SymbolicExpression<BabyBear>],
    ext: &[SymbolicExpressionExt<BabyBear, Challenge>],
    inputs: &ConstraintInputs<O::Ext>,
) -> Result<Vec<O::Ext>, EvalError> {
    let mut evaluator = Evaluator {
        ops,
        inputs,
        base_memo: HashMap::new(),
        ext_memo: HashMap::new(),
    };
    let mut out = Vec::with_capacity(base.len() + ext.len());
    for c in base {
        out.push(evaluator.base(c)?);
    }
    for c in ext {
        out.push(evaluator.ext(c)?);
    }
    Ok(out)
}

struct Evaluator<'a, O: ExtArithmetic> {
    ops: &'a mut O,
    inputs: &'a ConstraintInputs<O::Ext>,
    base_memo: HashMap<*const SymbolicExpression<BabyBear>, O::Ext>,
    ext_memo: HashMap<*const SymbolicExpressionExt<BabyBear, Challenge>, O::Ext>,
}

fn pick<E: Clone>(v: &[E], index: usize, what: &'static str) -> Result<E, EvalError> {
    v.get(index).cloned().ok_or(EvalError::MissingInput {
        what,
        index,
        available: v.len(),
    })
}

fn row<'v, E>(local: &'v [E], next: &'v [E], offset: usize) -> Result<&'v [E], EvalError> {
    match offset {
        0 => Ok(local),
        1 => Ok(next),
        other => Err(EvalError::RowOffset(other)),
    }
}

/// Applies `SymbolicExpr`'s four operators, with `child` evaluating sub-trees.
macro_rules! walk {
    ($self:ident, $node:expr, $leaf:ident, $child:ident) => {
        match $node {
            SymbolicExpr::Leaf(leaf) => $self.$leaf(leaf),
            SymbolicExpr::Add { x, y, .. } => {
                let (x, y) = ($self.$child(x)?, $self.$child(y)?);
                Ok($self.ops.add(&x, &y))
            }
            SymbolicExpr::Sub { x, y, .. } => {
                let (x, y) = ($self.$child(x)?, $self.$child(y)?);
                Ok($self.ops.sub(&x, &y))
            }
            SymbolicExpr::Neg { x, .. } => {
                let x = $self.$child(x)?;
                Ok($self.ops.neg(&x))
            }
            SymbolicExpr::Mul { x, y, .. } => {
                let (x, y) = ($self.$child(x)?, $self.$child(y)?);
                Ok($self.ops.mul(&x, &y))
            }
        }
    };
}

impl<O: ExtArithmetic> Evaluator<'_, O> {
    fn base(&mut self, node: &SymbolicExpression<BabyBear>) -> Result<O::Ext, EvalError> {
        let key = node as *const _;
        if let Some(v) = self.base_memo.get(&key) {
            return Ok(v.clone());
        }
        let value = walk!(self, node, base_leaf, base)?;
        self.base_memo.insert(key, value.clone());
        Ok(value)
    }

    fn ext(
        &mut self,
        node: &SymbolicExpressionExt<BabyBear, Challenge>,
    ) -> Result<O::Ext, EvalError> {
        let key = node as *const _;
        if let Some(v) = self.ext_memo.get(&key) {
            return Ok(v.clone());
        }
        let value = walk!(self, node, ext_leaf, ext)?;
        self.ext_memo.insert(key, value.clone());
        Ok(value)
    }

    fn base_leaf(&mut self, leaf: &BaseLeaf<BabyBear>) -> Result<O::Ext, EvalError> {
        let i = self.inputs;
        Ok(match leaf {
            BaseLeaf::Variable(v) => match v.entry {
                BaseEntry::Main { offset } => {
                    pick(row(&i.main_local, &i.main_next, offset)?, v.index, "main")?
                }
                BaseEntry::Preprocessed { offset } => pick(
                    row(&i.preprocessed_local, &i.preprocessed_next, offset)?,
                    v.index,
                    "preprocessed",
                )?,
                BaseEntry::Public => pick(&i.public_values, v.index, "public")?,
                BaseEntry::Periodic => return Err(EvalError::Periodic),
            },
            BaseLeaf::IsFirstRow => i.is_first_row.clone(),
            BaseLeaf::IsLastRow => i.is_last_row.clone(),
            BaseLeaf::IsTransition => i.is_transition.clone(),
            BaseLeaf::Constant(c) => self.ops.constant(Challenge::from(*c)),
        })
    }

    fn ext_leaf(&mut self, leaf: &ExtLeaf<BabyBear, Challenge>) -> Result<O::Ext, EvalError> {
        let i = self.inputs;
        Ok(match leaf {
            ExtLeaf::Base(expr) => self.base(expr)?,
            ExtLeaf::ExtVariable(v) => match v.entry {
                ExtEntry::Permutation { offset } => pick(
                    row(&i.permutation_local, &i.permutation_next, offset)?,
                    v.index,
                    "permutation",
                )?,
                ExtEntry::Challenge => pick(&i.challenges, v.index, "challenges")?,
                ExtEntry::PermutationValue => {
                    pick(&i.permutation_values, v.index, "permutation values")?
                }
            },
            ExtLeaf::ExtConstant(c) => self.ops.constant(*c),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babybear::BabyBearChip;
    use crate::extension::ExtensionChip;
    use crate::testing::mock;
    use crate::verifier::ops::{InCircuit, Native};
    use keel_stark::config::Val;
    use keel_stark::toy::ToyAir;
    use p3_air::symbolic::AirLayout;
    use p3_air::{check_all_constraints, BaseAir};
    use p3_field::PrimeCharacteristicRing;
    use p3_lookup::logup::LogUpGadget;
    use p3_lookup::Lookups;
    use p3_matrix::dense::RowMajorMatrix;
    use p3_matrix::Matrix;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    type Constraints = (
        Vec<SymbolicExpression<Val>>,
        Vec<SymbolicExpressionExt<Val, Challenge>>,
    );

    fn constraints_of(air: &ToyAir) -> Constraints {
        let lookups = Lookups::<Val>::from_air::<Challenge, ToyAir>(air);
        p3_batch_stark::symbolic::get_symbolic_constraints::<Val, Challenge, ToyAir, _>(
            air,
            AirLayout::from_air::<Val>(air),
            &lookups,
            &LogUpGadget::new(),
        )
    }

    fn lift(row: &[Val]) -> Vec<Challenge> {
        row.iter().map(|&v| Challenge::from(v)).collect()
    }

    /// Inputs for row `r` of `trace` (the next row wraps), with base-field selectors.
    fn row_inputs(
        air: &ToyAir,
        trace: &RowMajorMatrix<Val>,
        public: &[Val],
        r: usize,
    ) -> ConstraintInputs<Challenge> {
        let h = trace.height();
        let local: Vec<Val> = trace.row_slice(r).unwrap().to_vec();
        let next: Vec<Val> = trace.row_slice((r + 1) % h).unwrap().to_vec();
        let prep = BaseAir::<Val>::preprocessed_trace(air);
        let prep_row = |i: usize| {
            prep.as_ref()
                .map_or(vec![], |p| lift(&p.row_slice(i % p.height()).unwrap()))
        };
        let flag = |b: bool| if b { Challenge::ONE } else { Challenge::ZERO };
        ConstraintInputs {
            main_local: lift(&local),
            main_next: lift(&next),
            preprocessed_local: prep_row(r),
            preprocessed_next: prep_row(r + 1),
            public_values: lift(public),
            is_first_row: flag(r == 0),
            is_last_row: flag(r == h - 1),
            is_transition: flag(r != h - 1),
            permutation_local: vec![],
            permutation_next: vec![],
            challenges: vec![],
            permutation_values: vec![],
        }
    }

    /// Oracle: on random (unsatisfying) traces, the base constraints this evaluator finds
    /// non-zero are exactly those Plonky3's own debug checker reports, row by row and index by
    /// index — same constraints, same order.
    #[test]
    fn base_constraints_agree_with_plonky3s_checker() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut failures_seen = 0;
        for air in [
            ToyAir::Fibonacci,
            ToyAir::Wide { width: 8 },
            ToyAir::Decompose,
        ] {
            let (base, _) = constraints_of(&air);
            let width = BaseAir::<Val>::width(&air);
            let public: Vec<Val> = (0..BaseAir::<Val>::num_public_values(&air))
                .map(|_| rng.random())
                .collect();
            for round in 0..4 {
                let mut values: Vec<Val> = (0..width * 4).map(|_| rng.random()).collect();
                if round == 0 {
                    // a row that satisfies the Decompose constraint, so "zero" is exercised too
                    values[..4.min(width)]
                        .iter_mut()
                        .for_each(|v| *v = Val::ZERO);
                }
                let trace = RowMajorMatrix::new(values, width);
                let report = check_all_constraints(&air, &trace, &public, None);
                failures_seen += report.failures.len();
                for r in 0..4 {
                    let inputs = row_inputs(&air, &trace, &public, r);
                    let values = evaluate_constraints(&mut Native, &base, &[], &inputs).unwrap();
                    let ours: Vec<usize> = (0..values.len())
                        .filter(|&i| values[i] != Challenge::ZERO)
                        .collect();
                    let theirs: Vec<usize> = report
                        .failures
                        .iter()
                        .filter(|f| f.row == r)
                        .map(|f| f.constraint)
                        .collect();
                    assert_eq!(ours, theirs, "{air:?} row {r}");
                }
            }
        }
        assert!(
            failures_seen > 50,
            "the oracle must see violated constraints"
        );
    }

    /// The LogUp (extension) constraints exist for lookup tables and evaluate without error.
    #[test]
    fn lookup_tables_have_extension_constraints() {
        for air in [ToyAir::Decompose, ToyAir::Bytes] {
            let (base, ext) = constraints_of(&air);
            assert!(!ext.is_empty(), "{air:?}");
            let lookups = Lookups::<Val>::from_air::<Challenge, ToyAir>(&air).len();
            let mut rng = SmallRng::seed_from_u64(1);
            let mut ext_vec =
                |n: usize| -> Vec<Challenge> { (0..n).map(|_| rng.random()).collect() };
            let width = BaseAir::<Val>::width(&air);
            let inputs = ConstraintInputs {
                main_local: ext_vec(width),
                main_next: ext_vec(width),
                preprocessed_local: ext_vec(1),
                preprocessed_next: ext_vec(1),
                public_values: vec![],
                is_first_row: ext_vec(1)[0],
                is_last_row: ext_vec(1)[0],
                is_transition: ext_vec(1)[0],
                permutation_local: ext_vec(lookups + 1),
                permutation_next: ext_vec(lookups + 1),
                challenges: ext_vec(2 * lookups),
                permutation_values: ext_vec(1),
            };
            let values = evaluate_constraints(&mut Native, &base, &ext, &inputs).unwrap();
            assert_eq!(values.len(), base.len() + ext.len());
        }
    }

    /// The in-circuit evaluation equals the native one at random extension-field points, and a
    /// circuit asserting a wrong value is rejected.
    #[test]
    fn circuit_evaluation_matches_native() {
        let air = ToyAir::Wide { width: 6 };
        let (base, ext) = constraints_of(&air);
        let mut rng = SmallRng::seed_from_u64(3);
        let mut ext_vec = |n: usize| -> Vec<Challenge> { (0..n).map(|_| rng.random()).collect() };
        let inputs = ConstraintInputs {
            main_local: ext_vec(6),
            main_next: ext_vec(6),
            preprocessed_local: vec![],
            preprocessed_next: vec![],
            public_values: ext_vec(1),
            is_first_row: ext_vec(1)[0],
            is_last_row: ext_vec(1)[0],
            is_transition: ext_vec(1)[0],
            permutation_local: vec![],
            permutation_next: vec![],
            challenges: vec![],
            permutation_values: vec![],
        };
        let native = evaluate_constraints(&mut Native, &base, &ext, &inputs).unwrap();
        for tamper in [false, true] {
            let outcome = mock(|ctx, range| {
                let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
                let load = |ctx: &mut halo2_base::Context<crate::Fr>, v: &[Challenge]| -> Vec<_> {
                    v.iter().map(|&x| chip.load_witness(ctx, x)).collect()
                };
                let cells = ConstraintInputs {
                    main_local: load(ctx, &inputs.main_local),
                    main_next: load(ctx, &inputs.main_next),
                    preprocessed_local: vec![],
                    preprocessed_next: vec![],
                    public_values: load(ctx, &inputs.public_values),
                    is_first_row: chip.load_witness(ctx, inputs.is_first_row),
                    is_last_row: chip.load_witness(ctx, inputs.is_last_row),
                    is_transition: chip.load_witness(ctx, inputs.is_transition),
                    permutation_local: vec![],
                    permutation_next: vec![],
                    challenges: vec![],
                    permutation_values: vec![],
                };
                let mut ops = InCircuit { chip: &chip, ctx };
                let values = evaluate_constraints(&mut ops, &base, &ext, &cells).unwrap();
                for (i, (cell, want)) in values.iter().zip(&native).enumerate() {
                    assert_eq!(cell.to_native().unwrap(), *want, "constraint {i}");
                    let expected = if tamper && i == 2 {
                        *want + Challenge::ONE
                    } else {
                        *want
                    };
                    let constant = chip.load_constant(ops.ctx, expected);
                    chip.assert_equal(ops.ctx, cell, &constant);
                }
                values.len()
            });
            if tamper {
                outcome.rejected("constraint value off by one");
            } else {
                assert_eq!(outcome.satisfied(), native.len());
            }
        }
        // a value that is not zero is really being checked
        assert!(native.iter().any(|v| *v != Challenge::ZERO));
    }
}
