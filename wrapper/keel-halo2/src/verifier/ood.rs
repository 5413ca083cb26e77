//! The out-of-domain check of one table, over any [`ExtArithmetic`]: fold the constraint values
//! at ζ with powers of α in Plonky3's global emission order, recombine the quotient chunks
//! opened at ζ, and require `folded(ζ) = quotient(ζ) · Z_H(ζ)`.
//!
//! Plonky3 (p3-batch-stark 0.8) checks `folded · Z_H(ζ)⁻¹ = quotient`; multiplying instead of
//! dividing is the same check once `Z_H(ζ) ≠ 0`, which the verifier establishes first, and
//! saves an inversion in the circuit.

use super::ops::{ExtArithmetic, Mismatch};
use crate::extension::NativeExt as Challenge;
use p3_air::symbolic::ConstraintLayout;
use p3_baby_bear::BabyBear;
use p3_commit::PolynomialSpace;
use p3_field::coset::TwoAdicMultiplicativeCoset;
use p3_field::{BasedVectorSpace, Field, PrimeCharacteristicRing, TwoAdicField};

/// The Lagrange selectors of a trace domain at a point, as Plonky3 defines them (unnormalized).
#[derive(Clone, Debug)]
pub struct Selectors<E> {
    /// `Z_H(x) / (x − 1)`.
    pub is_first_row: E,
    /// `Z_H(x) / (x − g⁻¹)`.
    pub is_last_row: E,
    /// `x − g⁻¹`.
    pub is_transition: E,
    /// `Z_H(x) = x^n − 1`.
    pub vanishing: E,
}

/// `x^(2^k)` by `k` squarings.
pub fn exp_power_of_2<O: ExtArithmetic>(ops: &mut O, x: &O::Ext, k: usize) -> O::Ext {
    let mut acc = x.clone();
    for _ in 0..k {
        acc = ops.mul(&acc, &acc);
    }
    acc
}

/// Selectors of the trace domain `H` = the subgroup of order `2^log_n` at `point`.
pub fn trace_selectors<O: ExtArithmetic>(
    ops: &mut O,
    point: &O::Ext,
    log_n: usize,
) -> Selectors<O::Ext> {
    let one = ops.constant(Challenge::ONE);
    let g_inv = ops.constant(Challenge::from(
        BabyBear::two_adic_generator(log_n).inverse(),
    ));
    let x_n = exp_power_of_2(ops, point, log_n);
    let vanishing = ops.sub(&x_n, &one);
    let x_minus_one = ops.sub(point, &one);
    let is_transition = ops.sub(point, &g_inv);
    let inv_first = ops.inv(&x_minus_one);
    let inv_last = ops.inv(&is_transition);
    Selectors {
        is_first_row: ops.mul(&vanishing, &inv_first),
        is_last_row: ops.mul(&vanishing, &inv_last),
        is_transition,
        vanishing,
    }
}

/// Horner-folds constraint values given as `[base..., ext...]` (the order of
/// [`super::constraints::evaluate_constraints`]) in the global emission order `layout`
/// records: `acc = acc·α + Cᵢ`.
pub fn fold_constraints<O: ExtArithmetic>(
    ops: &mut O,
    values: &[O::Ext],
    layout: &ConstraintLayout,
    alpha: &O::Ext,
) -> Result<O::Ext, Mismatch> {
    let (nb, ne) = (layout.base_indices.len(), layout.ext_indices.len());
    if values.len() != nb + ne {
        return Err(Mismatch("constraint count differs from the layout"));
    }
    let mut global: Vec<Option<&O::Ext>> = vec![None; nb + ne];
    for (j, &g) in layout
        .base_indices
        .iter()
        .chain(&layout.ext_indices)
        .enumerate()
    {
        let slot = global
            .get_mut(g)
            .ok_or(Mismatch("layout index out of range"))?;
        *slot = Some(&values[j]);
    }
    let mut acc = ops.constant(Challenge::ZERO);
    for value in global {
        let value = value.ok_or(Mismatch("layout leaves a constraint out"))?;
        let scaled = ops.mul(&acc, alpha);
        acc = ops.add(&scaled, value);
    }
    Ok(acc)
}

/// One quotient chunk's domain, as the verifier needs it: a coset `shift · ⟨g⟩` of size `2^log_n`.
#[derive(Clone, Copy, Debug)]
pub struct ChunkDomain {
    /// Coset shift.
    pub shift: BabyBear,
    /// log2 of the coset's size.
    pub log_n: usize,
}

impl ChunkDomain {
    /// The quotient chunk domains of a table of height `2^log_height` with `num_chunks` chunks,
    /// derived exactly as Plonky3's verifier derives them.
    pub fn for_table(log_height: usize, num_chunks: usize) -> Vec<ChunkDomain> {
        let trace = TwoAdicMultiplicativeCoset::new(BabyBear::ONE, log_height)
            .expect("log height within BabyBear's two-adicity");
        let quotient = trace.create_disjoint_domain(num_chunks << log_height);
        quotient
            .split_domains(num_chunks)
            .into_iter()
            .map(|d| ChunkDomain {
                shift: d.shift(),
                log_n: d.log_size(),
            })
            .collect()
    }

    /// `Z(x) = (x / shift)^n − 1` on a native base-field point.
    fn vanishing_at_base(&self, x: BabyBear) -> BabyBear {
        (x * self.shift.inverse()).exp_power_of_2(self.log_n) - BabyBear::ONE
    }
}

/// `quotient(ζ) = Σᵢ zpᵢ · chunkᵢ(ζ)`, with `chunkᵢ(ζ) = Σₖ openedᵢ[k] · Xᵏ` (each chunk is
/// committed as its 4 base-field coordinate polynomials) and
/// `zpᵢ = Πⱼ≠ᵢ Z_Dⱼ(ζ) / Z_Dⱼ(first point of Dᵢ)`.
pub fn recompose_quotient<O: ExtArithmetic>(
    ops: &mut O,
    domains: &[ChunkDomain],
    opened: &[Vec<O::Ext>],
    zeta: &O::Ext,
) -> Result<O::Ext, Mismatch> {
    let dimension = <Challenge as BasedVectorSpace<BabyBear>>::DIMENSION;
    if opened.len() != domains.len() || opened.iter().any(|c| c.len() != dimension) {
        return Err(Mismatch("quotient chunk openings have the wrong shape"));
    }
    // Z_Dⱼ(ζ) for every chunk domain, in the circuit once each.
    let vanishing: Vec<O::Ext> = domains
        .iter()
        .map(|d| {
            let shift_inv = ops.constant(Challenge::from(d.shift.inverse()));
            let unshifted = ops.mul(zeta, &shift_inv);
            let power = exp_power_of_2(ops, &unshifted, d.log_n);
            let one = ops.constant(Challenge::ONE);
            ops.sub(&power, &one)
        })
        .collect();
    let mut total = ops.constant(Challenge::ZERO);
    for (i, chunk) in opened.iter().enumerate() {
        // zpᵢ: the denominators are constants of the proof shape.
        let mut denominator = BabyBear::ONE;
        for (j, other) in domains.iter().enumerate() {
            if j != i {
                denominator *= other.vanishing_at_base(domains[i].shift);
            }
        }
        let mut zp = ops.constant(Challenge::from(denominator.inverse()));
        for (j, z) in vanishing.iter().enumerate() {
            if j != i {
                zp = ops.mul(&zp, z);
            }
        }
        // chunk value from its coordinates
        let mut value = ops.constant(Challenge::ZERO);
        for (k, coordinate) in chunk.iter().enumerate() {
            let basis = ops.constant(
                <Challenge as BasedVectorSpace<BabyBear>>::ith_basis_element(k)
                    .expect("k < dimension"),
            );
            let term = ops.mul(coordinate, &basis);
            value = ops.add(&value, &term);
        }
        let term = ops.mul(&zp, &value);
        total = ops.add(&total, &term);
    }
    Ok(total)
}

/// Requires `folded = quotient · Z_H(ζ)`.
pub fn check_quotient_identity<O: ExtArithmetic>(
    ops: &mut O,
    folded: &O::Ext,
    quotient: &O::Ext,
    vanishing: &O::Ext,
) -> Result<(), Mismatch> {
    let rhs = ops.mul(quotient, vanishing);
    ops.assert_equal(
        folded,
        &rhs,
        "constraints at zeta differ from quotient times vanishing polynomial",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babybear::BabyBearChip;
    use crate::extension::ExtensionChip;
    use crate::testing::mock;
    use crate::verifier::constraints::{evaluate_constraints, ConstraintInputs};
    use crate::verifier::ops::{InCircuit, Native};
    use keel_stark::config::{OuterConfig, Val};
    use keel_stark::toy::ToyAir;
    use p3_air::symbolic::AirLayout;
    use p3_air::{BaseAir, RowWindow};
    use p3_batch_stark::folder::VerifierConstraintFolderWithLookups;
    use p3_lookup::logup::LogUpGadget;
    use p3_lookup::{LookupProtocol, Lookups};
    use p3_matrix::dense::RowMajorMatrixView;
    use p3_matrix::stack::VerticalPair;
    use p3_uni_stark::VerifierConstraintFolder;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    fn random_vec(rng: &mut SmallRng, n: usize) -> Vec<Challenge> {
        (0..n).map(|_| rng.random()).collect()
    }

    #[test]
    fn selectors_match_plonky3() {
        let mut rng = SmallRng::seed_from_u64(11);
        for log_n in [3, 5, 8] {
            let zeta: Challenge = rng.random();
            let ours = trace_selectors(&mut Native, &zeta, log_n);
            let domain = TwoAdicMultiplicativeCoset::new(BabyBear::ONE, log_n).unwrap();
            let theirs = domain.selectors_at_point(zeta);
            assert_eq!(ours.is_first_row, theirs.is_first_row);
            assert_eq!(ours.is_last_row, theirs.is_last_row);
            assert_eq!(ours.is_transition, theirs.is_transition);
            assert_eq!(ours.vanishing * theirs.inv_vanishing, Challenge::ONE);
        }
    }

    /// Oracle: the fold of this crate's generic evaluation equals the accumulator of Plonky3's
    /// own verifier folder (AIR constraints and LogUp constraints, the way `verify_batch` runs
    /// them) at random points, for every toy table.
    #[test]
    fn folded_constraints_match_plonky3s_verifier_folder() {
        let mut rng = SmallRng::seed_from_u64(5);
        for air in [
            ToyAir::Fibonacci,
            ToyAir::Wide { width: 7 },
            ToyAir::Decompose,
            ToyAir::Bytes,
        ] {
            let lookups = Lookups::<Val>::from_air::<Challenge, ToyAir>(&air);
            let gadget = LogUpGadget::new();
            let layout = AirLayout::from_air::<Val>(&air);
            let (base, ext) =
                p3_batch_stark::symbolic::get_symbolic_constraints::<Val, Challenge, ToyAir, _>(
                    &air, layout, &lookups, &gadget,
                );
            let constraint_layout =
                p3_batch_stark::symbolic::get_constraint_layout::<Val, Challenge, ToyAir, _>(
                    &air, layout, &lookups, &gadget,
                );
            let width = BaseAir::<Val>::width(&air);
            let prep_width = BaseAir::<Val>::preprocessed_width(&air);
            let n_lookups = lookups.len();
            let perm_width = if n_lookups == 0 { 0 } else { n_lookups + 1 };
            let n_challenges = n_lookups * gadget.num_challenges();
            let public: Vec<Val> = (0..BaseAir::<Val>::num_public_values(&air))
                .map(|_| rng.random())
                .collect();
            let (main_local, main_next) =
                (random_vec(&mut rng, width), random_vec(&mut rng, width));
            let (prep_local, prep_next) = (
                random_vec(&mut rng, prep_width),
                random_vec(&mut rng, prep_width),
            );
            let (perm_local, perm_next) = (
                random_vec(&mut rng, perm_width),
                random_vec(&mut rng, perm_width),
            );
            let challenges = random_vec(&mut rng, n_challenges);
            let perm_values = random_vec(&mut rng, usize::from(n_lookups > 0));
            let zeta: Challenge = rng.random();
            let alpha: Challenge = rng.random();
            let sels = trace_selectors(&mut Native, &zeta, 6);

            let inputs = ConstraintInputs {
                main_local: main_local.clone(),
                main_next: main_next.clone(),
                preprocessed_local: prep_local.clone(),
                preprocessed_next: prep_next.clone(),
                public_values: public.iter().map(|&v| Challenge::from(v)).collect(),
                is_first_row: sels.is_first_row,
                is_last_row: sels.is_last_row,
                is_transition: sels.is_transition,
                permutation_local: perm_local.clone(),
                permutation_next: perm_next.clone(),
                challenges: challenges.clone(),
                permutation_values: perm_values.clone(),
            };
            let values = evaluate_constraints(&mut Native, &base, &ext, &inputs).unwrap();
            let ours = fold_constraints(&mut Native, &values, &constraint_layout, &alpha).unwrap();

            let mut folder = VerifierConstraintFolderWithLookups::<OuterConfig> {
                inner: VerifierConstraintFolder {
                    main: VerticalPair::new(
                        RowMajorMatrixView::new_row(&main_local),
                        RowMajorMatrixView::new_row(&main_next),
                    ),
                    preprocessed: VerticalPair::new(
                        RowMajorMatrixView::new(&prep_local, prep_width.max(1)),
                        RowMajorMatrixView::new(&prep_next, prep_width.max(1)),
                    ),
                    preprocessed_window: RowWindow::from_two_rows(&prep_local, &prep_next),
                    periodic_values: &[],
                    public_values: &public,
                    is_first_row: sels.is_first_row,
                    is_last_row: sels.is_last_row,
                    is_transition: sels.is_transition,
                    alpha,
                    accumulator: Challenge::ZERO,
                },
                permutation: VerticalPair::new(
                    RowMajorMatrixView::new(&perm_local, perm_width.max(1)),
                    RowMajorMatrixView::new(&perm_next, perm_width.max(1)),
                ),
                permutation_challenges: &challenges,
                permutation_values: &perm_values,
            };
            gadget.eval_air_and_lookups(&air, &mut folder, &lookups);
            assert_eq!(ours, folder.inner.accumulator, "{air:?}");
        }
    }

    #[test]
    fn quotient_recomposition_matches_plonky3() {
        let mut rng = SmallRng::seed_from_u64(9);
        for (log_height, chunks) in [(4, 1), (5, 2), (6, 4)] {
            let ours_domains = ChunkDomain::for_table(log_height, chunks);
            let trace = TwoAdicMultiplicativeCoset::new(BabyBear::ONE, log_height).unwrap();
            let theirs_domains = trace
                .create_disjoint_domain(chunks << log_height)
                .split_domains(chunks);
            let opened: Vec<Vec<Challenge>> =
                (0..chunks).map(|_| random_vec(&mut rng, 4)).collect();
            let zeta: Challenge = rng.random();
            let ours = recompose_quotient(&mut Native, &ours_domains, &opened, &zeta).unwrap();
            let theirs = p3_uni_stark::recompose_quotient_from_chunks::<OuterConfig>(
                &theirs_domains,
                &opened,
                zeta,
            );
            assert_eq!(ours, theirs, "2^{log_height} with {chunks} chunks");
        }
    }

    /// In the circuit: fold, recompose and the identity check accept consistent values and
    /// reject a quotient that is off by one.
    #[test]
    fn identity_check_in_circuit() {
        let mut rng = SmallRng::seed_from_u64(21);
        let values = random_vec(&mut rng, 5);
        let layout = ConstraintLayout {
            base_indices: vec![0, 2, 3],
            ext_indices: vec![1, 4],
        };
        let (alpha, zeta): (Challenge, Challenge) = (rng.random(), rng.random());
        let domains = ChunkDomain::for_table(4, 2);
        let mut opened: Vec<Vec<Challenge>> = (0..2).map(|_| random_vec(&mut rng, 4)).collect();
        // choose the last coordinate of chunk 0 so that the identity holds
        let folded = fold_constraints(&mut Native, &values, &layout, &alpha).unwrap();
        let vanishing = trace_selectors(&mut Native, &zeta, 4).vanishing;
        opened[0][3] = Challenge::ZERO;
        let partial = recompose_quotient(&mut Native, &domains, &opened, &zeta).unwrap();
        let mut unit = opened.clone();
        unit.iter_mut().flatten().for_each(|v| *v = Challenge::ZERO);
        unit[0][3] = Challenge::ONE;
        let per_unit = recompose_quotient(&mut Native, &domains, &unit, &zeta).unwrap();
        opened[0][3] = (folded * vanishing.inverse() - partial) * per_unit.inverse();
        let quotient = recompose_quotient(&mut Native, &domains, &opened, &zeta).unwrap();
        check_quotient_identity(&mut Native, &folded, &quotient, &vanishing).unwrap();
        let mut wrong = opened.clone();
        wrong[1][0] += Challenge::ONE;
        let quotient_wrong = recompose_quotient(&mut Native, &domains, &wrong, &zeta).unwrap();
        assert!(
            check_quotient_identity(&mut Native, &folded, &quotient_wrong, &vanishing).is_err()
        );

        for (tampered, chunks) in [(false, opened), (true, wrong)] {
            let outcome = mock(|ctx, range| {
                let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
                let load = |ctx: &mut halo2_base::Context<crate::Fr>, v: &Challenge| {
                    chip.load_witness(ctx, *v)
                };
                let v: Vec<_> = values.iter().map(|x| load(ctx, x)).collect();
                let (a, z) = (load(ctx, &alpha), load(ctx, &zeta));
                let c: Vec<Vec<_>> = chunks
                    .iter()
                    .map(|ch| ch.iter().map(|x| load(ctx, x)).collect())
                    .collect();
                let mut ops = InCircuit { chip: &chip, ctx };
                let folded = fold_constraints(&mut ops, &v, &layout, &a).unwrap();
                let sels = trace_selectors(&mut ops, &z, 4);
                let quotient = recompose_quotient(&mut ops, &domains, &c, &z).unwrap();
                check_quotient_identity(&mut ops, &folded, &quotient, &sels.vanishing).unwrap();
            });
            if tampered {
                outcome.rejected("quotient chunk off by one");
            } else {
                outcome.satisfied();
            }
        }
    }
}
