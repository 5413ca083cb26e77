//! The FRI part of the outer-configuration batch verifier (Plonky3 0.8.0, `TwoAdicFriPcs`
//! with `verify_fri`, `open_inputs` and `fold_query` of p3-fri `src/verifier.rs`), written
//! without Plonky3's verifier so that the circuit can follow it step by step.
//!
//! Per query, with the index `i` (the transcript's, `log_global_max_height` bits):
//!
//! 1. **input openings** — for every input batch (main, quotient chunks, preprocessed, LogUp,
//!    in that order) the opened rows at `i >> (global − batch max height)` are checked against
//!    the batch's commitment with one full authentication path ([`verify_batch`]). The proof
//!    carries pruned multi-proofs; [`FriWitness::restore`] turns them into one path per
//!    query with Plonky3's public `MerkleTreeMmcs::restore_and_recompute_paths` (the paths are
//!    witnesses: each is checked against the commitment here, so nothing is trusted).
//!    Heights and widths come from the [`StarkShape`], never from the proof.
//! 2. **reduced openings** — per log-height `h` of the LDE, `Σ α^k (p_k(z) − p_k(x)) / (z − x)`
//!    where `k` runs over a ladder that starts at 0 for every height and advances by one per
//!    column over (batch, matrix, point, column) in claim order, and
//!    `x = g · ω_h^{rev_h(i >> (global − h))}` (`g` the field generator, the LDE coset shift).
//!    A reduced opening at the blowup height (a one-row table) must be zero.
//! 3. **commit phase** — binary folding: the row `[y₀, y₁]` of round `r` is the running value
//!    and the proof's sibling in the order of the index's low bit; it is checked against the
//!    round commitment (extension values flattened to base coordinates, leaf index `i >> 1`,
//!    height `2^(h − 1)`); then `i ← i >> 1`, `s = ω_{h}^{rev_{h−1}(i)}`, and the value becomes
//!    `(y₀ + y₁)/2 + (y₀ − y₁)·β_r/(2s)`, plus `β_r²·ro_{h−1}` if a reduced opening of that
//!    height exists. Every reduced opening must be consumed and the chain must end at
//!    `log_blowup + log_final_poly_len`.
//! 4. **final polynomial** — its value at `ω_global^{rev_global(i_final)}` (Horner) equals the
//!    folded value.
//!
//! What is generic over [`ExtArithmetic`] (the circuit can run it as is, tested in a
//! `MockProver` on a real query): the arithmetic kernels ([`dot`], [`point_quotient`],
//! [`fold_pair`], [`roll_in`], [`horner`], [`order_pair`]), the domain points from the query
//! index's *bits* as extension elements 0/1 ([`select_product`], [`lde_point_from_bits`],
//! [`fold_inv_two_s_from_bits`], [`final_point_from_bits`]) and the per-query steps of
//! [`FriPlan`] (`prepare` once, then `reduce`, `fold`, `check_final`). The Merkle checks are
//! generic over [`HashArithmetic`]. Native only: the driver [`verify_fri_with`] (shape checks,
//! index → bits, the `z ≠ x` check, calling `merkle::verify_batch` on the base-field rows) and
//! the witness restoration. The in-circuit query ([`super::fri_circuit`]) adds the index
//! decomposition into constrained bits, hashes the opened base-field cells it reduces
//! ([`FriPlan::reduce_with`]) and checks the fold rows' base cells against the round
//! commitments.
//!
//! Only binary folding (`max_log_arity = 1`, keel's setting) is supported.

use super::merkle::{verify_batch, HashArithmetic, NativeHash, OpenedRow};
use super::ops::{ExtArithmetic, Mismatch, Native};
use super::transcript::{ReplayedChallenges, StarkShape, TranscriptData, EXT_DEGREE};
use crate::extension::NativeExt as Challenge;
use keel_stark::config::{
    outer_perm, FriSettings, OuterCompress, OuterConfig, OuterHash, OuterValMmcs,
};
use p3_baby_bear::BabyBear;
use p3_batch_stark::BatchProof;
use p3_bn254::Bn254;
use p3_field::{BasedVectorSpace, Field, PrimeCharacteristicRing, TwoAdicField};
use p3_matrix::Dimensions;
use std::collections::BTreeMap;

/// Why FRI verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FriError {
    /// The proof or the witness does not have the shape the verifying key fixes.
    #[error("FRI proof shape: {0}")]
    Shape(String),
    /// Plonky3 could not restore per-query paths from a pruned multi-proof.
    #[error("restoring the authentication paths of {what}: {error}")]
    Restore {
        /// Which multi-proof.
        what: String,
        /// Plonky3's error, as text.
        error: String,
    },
    /// A check of one query failed.
    #[error("query {query}: {check}")]
    Check {
        /// The query's position.
        query: usize,
        /// The failed check.
        check: Mismatch,
    },
}

fn shape_err(msg: impl Into<String>) -> FriError {
    FriError::Shape(msg.into())
}

// ---------------------------------------------------------------------------------------------
// What is opened: fixed by the shape
// ---------------------------------------------------------------------------------------------

/// The input commitments, in the order the PCS claims (and the proof's input openings) list
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchKind {
    /// Main traces.
    Main,
    /// Quotient chunks.
    Quotient,
    /// The verifying key's preprocessed traces.
    Preprocessed,
    /// LogUp columns.
    LogUp,
}

/// Where a matrix is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpeningPoint {
    /// At ζ.
    Zeta,
    /// At ζ·ω where ω generates the trace domain of `2^degree_bits` rows.
    ZetaNext {
        /// log2 of the trace height.
        degree_bits: usize,
    },
}

impl OpeningPoint {
    /// The point, given ζ.
    pub fn at(&self, zeta: Challenge) -> Challenge {
        match *self {
            OpeningPoint::Zeta => zeta,
            OpeningPoint::ZetaNext { degree_bits } => {
                zeta * BabyBear::two_adic_generator(degree_bits)
            }
        }
    }
}

/// One committed matrix of an input batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputMatrix {
    /// log2 of the committed (LDE) height: trace height bits + `log_blowup`.
    pub log_height: usize,
    /// Width in base-field columns.
    pub width: usize,
    /// The points it is opened at, in claim order.
    pub points: Vec<OpeningPoint>,
}

/// One input batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputBatch {
    /// Which commitment.
    pub kind: BatchKind,
    /// Its matrices in commitment order.
    pub matrices: Vec<InputMatrix>,
}

impl InputBatch {
    /// The opened rows of one query as Merkle-verifier input, after checking their shape
    /// against this batch (one row per matrix, each of the matrix's width, and one sibling per
    /// tree level); `None` on a shape mismatch. Shared by the native driver and the circuit.
    pub fn opened_rows<'a, R>(
        &self,
        rows: &'a [Vec<R>],
        num_siblings: usize,
    ) -> Option<Vec<OpenedRow<'a, R>>> {
        if rows.len() != self.matrices.len()
            || rows
                .iter()
                .zip(&self.matrices)
                .any(|(r, m)| r.len() != m.width)
            || num_siblings != self.log_max_height()
        {
            return None;
        }
        Some(
            self.matrices
                .iter()
                .zip(rows)
                .map(|(m, row)| OpenedRow {
                    height: 1 << m.log_height,
                    row,
                })
                .collect(),
        )
    }

    /// log2 of the tallest matrix (the tree depth).
    pub fn log_max_height(&self) -> usize {
        self.matrices
            .iter()
            .map(|m| m.log_height)
            .max()
            .unwrap_or(0)
    }

    /// Plonky3's dimensions of the committed matrices.
    pub fn dimensions(&self) -> Vec<Dimensions> {
        self.matrices
            .iter()
            .map(|m| Dimensions {
                width: m.width,
                height: 1 << m.log_height,
            })
            .collect()
    }
}

/// The input batches of a proof of `shape` (p3-batch-stark `commitments_with_opening_points`:
/// main, quotient chunks, preprocessed, LogUp; every matrix of table `i` has `2^degree_bits[i]`
/// rows before the blowup).
pub fn input_batches(shape: &StarkShape, settings: &FriSettings) -> Vec<InputBatch> {
    let lde = |t: &super::transcript::TableShape| t.degree_bits + settings.log_blowup;
    let with_next = |next: bool, degree_bits: usize| {
        let mut points = vec![OpeningPoint::Zeta];
        if next {
            points.push(OpeningPoint::ZetaNext { degree_bits });
        }
        points
    };
    let mut batches = vec![
        InputBatch {
            kind: BatchKind::Main,
            matrices: shape
                .tables
                .iter()
                .map(|t| InputMatrix {
                    log_height: lde(t),
                    width: t.width,
                    points: with_next(t.main_next_row, t.degree_bits),
                })
                .collect(),
        },
        InputBatch {
            kind: BatchKind::Quotient,
            matrices: shape
                .tables
                .iter()
                .flat_map(|t| {
                    (0..1usize << t.log_num_quotient_chunks).map(move |_| InputMatrix {
                        log_height: lde(t),
                        width: EXT_DEGREE,
                        points: vec![OpeningPoint::Zeta],
                    })
                })
                .collect(),
        },
    ];
    if let Some(pre) = &shape.preprocessed {
        batches.push(InputBatch {
            kind: BatchKind::Preprocessed,
            matrices: pre
                .matrix_to_instance
                .iter()
                .map(|&i| {
                    let t = &shape.tables[i];
                    InputMatrix {
                        log_height: lde(t),
                        width: t.preprocessed_width,
                        points: with_next(t.preprocessed_next_row, t.degree_bits),
                    }
                })
                .collect(),
        });
    }
    if shape.num_lookup_instances() > 0 {
        batches.push(InputBatch {
            kind: BatchKind::LogUp,
            matrices: shape
                .tables
                .iter()
                .filter(|t| t.has_lookups())
                .map(|t| InputMatrix {
                    log_height: lde(t),
                    width: t.permutation_width(),
                    points: with_next(true, t.degree_bits),
                })
                .collect(),
        });
    }
    batches
}

/// The commitment of an input batch.
fn batch_commitment(
    kind: BatchKind,
    shape: &StarkShape,
    data: &TranscriptData,
) -> Result<Bn254, FriError> {
    match kind {
        BatchKind::Main => Ok(data.main_commitment),
        BatchKind::Quotient => Ok(data.quotient_commitment),
        BatchKind::Preprocessed => shape
            .preprocessed
            .as_ref()
            .map(|p| p.commitment)
            .ok_or_else(|| shape_err("no preprocessed commitment")),
        BatchKind::LogUp => data
            .permutation_commitment
            .ok_or_else(|| shape_err("no LogUp commitment")),
    }
}

/// The heights FRI folds through, tallest first, deduplicated.
fn input_log_heights(batches: &[InputBatch]) -> Vec<usize> {
    let mut heights: Vec<usize> = batches
        .iter()
        .flat_map(|b| b.matrices.iter().map(|m| m.log_height))
        .collect();
    heights.sort_unstable_by(|a, b| b.cmp(a));
    heights.dedup();
    heights
}

// ---------------------------------------------------------------------------------------------
// Arithmetic kernels (generic: the circuit runs the same code)
// ---------------------------------------------------------------------------------------------

/// `Σ a_k · b_k`.
pub fn dot<A: ExtArithmetic>(ops: &mut A, a: &[A::Ext], b: &[A::Ext]) -> A::Ext {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = ops.constant(Challenge::ZERO);
    for (x, y) in a.iter().zip(b) {
        let t = ops.mul(x, y);
        acc = ops.add(&acc, &t);
    }
    acc
}

/// One opening point's contribution to a reduced opening:
/// `(Σ α^k p_k(z) − Σ α^k p_k(x)) / (z − x)`. The caller guarantees `z ≠ x`.
pub fn point_quotient<A: ExtArithmetic>(
    ops: &mut A,
    sum_at_z: &A::Ext,
    sum_at_x: &A::Ext,
    z: &A::Ext,
    x: &A::Ext,
) -> A::Ext {
    let numerator = ops.sub(sum_at_z, sum_at_x);
    let denominator = ops.sub(z, x);
    let inverse = ops.inv(&denominator);
    ops.mul(&numerator, &inverse)
}

/// The binary fold of the row `[lo, hi]` at `{s, −s}`:
/// `(lo + hi)/2 + (lo − hi)·β/(2s)`, given `half = 1/2` and `inv_two_s = 1/(2s)`.
pub fn fold_pair<A: ExtArithmetic>(
    ops: &mut A,
    lo: &A::Ext,
    hi: &A::Ext,
    beta: &A::Ext,
    half: &A::Ext,
    inv_two_s: &A::Ext,
) -> A::Ext {
    let sum = ops.add(lo, hi);
    let even = ops.mul(&sum, half);
    let diff = ops.sub(lo, hi);
    let scaled = ops.mul(&diff, inv_two_s);
    let odd = ops.mul(&scaled, beta);
    ops.add(&even, &odd)
}

/// `folded + β^(2^log_arity)·ro` (a reduced opening rolled in after a fold).
pub fn roll_in<A: ExtArithmetic>(
    ops: &mut A,
    folded: &A::Ext,
    beta: &A::Ext,
    log_arity: usize,
    ro: &A::Ext,
) -> A::Ext {
    let mut power = beta.clone();
    for _ in 0..log_arity {
        power = ops.mul(&power, &power);
    }
    let term = ops.mul(&power, ro);
    ops.add(folded, &term)
}

/// `Σ c_k x^k` by Horner's rule.
pub fn horner<A: ExtArithmetic>(ops: &mut A, coefficients: &[A::Ext], x: &A::Ext) -> A::Ext {
    let mut acc = ops.constant(Challenge::ZERO);
    for c in coefficients.iter().rev() {
        let t = ops.mul(&acc, x);
        acc = ops.add(&t, c);
    }
    acc
}

/// Powers `1, α, …, α^(n−1)`.
pub fn powers<A: ExtArithmetic>(ops: &mut A, alpha: &A::Ext, n: usize) -> Vec<A::Ext> {
    let mut out = Vec::with_capacity(n);
    let mut p = ops.constant(Challenge::ONE);
    for _ in 0..n {
        out.push(p.clone());
        p = ops.mul(&p, alpha);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Domain points (native)
// ---------------------------------------------------------------------------------------------

/// The low `bits` bits of `x`, reversed (`p3_util::reverse_bits_len`).
pub fn reverse_bits(x: usize, bits: usize) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS as usize - bits)
    }
}

/// The LDE point of query `index` in a matrix of `2^log_height` rows:
/// `g · ω_h^{rev_h(index >> (global − h))}`.
pub fn query_point(index: usize, log_height: usize, log_global_max_height: usize) -> BabyBear {
    let reduced = index >> (log_global_max_height - log_height);
    BabyBear::GENERATOR
        * BabyBear::two_adic_generator(log_height).exp_u64(reverse_bits(reduced, log_height) as u64)
}

/// `1/(2s)` for the binary fold into the row `parent` of a domain of `2^log_folded_height`,
/// `s = ω_{log_folded_height + 1}^{rev(parent)}` (`TwoAdicFriFolding::fold_row`).
pub fn fold_inv_two_s(parent: usize, log_folded_height: usize) -> BabyBear {
    let s = BabyBear::two_adic_generator(log_folded_height + 1)
        .exp_u64(reverse_bits(parent, log_folded_height) as u64);
    s.double().inverse()
}

/// The point the final polynomial is evaluated at: `ω_global^{rev_global(index)}`.
pub fn final_point(index: usize, log_global_max_height: usize) -> BabyBear {
    BabyBear::two_adic_generator(log_global_max_height)
        .exp_u64(reverse_bits(index, log_global_max_height) as u64)
}

fn index_bits(index: usize, bits: usize) -> Vec<bool> {
    (0..bits).map(|b| index >> b & 1 == 1).collect()
}

fn flatten(values: &[Challenge]) -> Vec<BabyBear> {
    values
        .iter()
        .flat_map(|v| v.as_basis_coefficients_slice().to_vec())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Witness: one full path per query
// ---------------------------------------------------------------------------------------------

/// One query's opening of one input batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputOpening {
    /// The opened row of every matrix, in commitment order.
    pub rows: Vec<Vec<BabyBear>>,
    /// Sibling digests, leaf level first (tree depth = the batch's tallest log-height).
    pub siblings: Vec<Bn254>,
}

/// One query's opening of one commit-phase round (binary folding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundOpening {
    /// The other value of the queried pair.
    pub sibling_value: Challenge,
    /// Sibling digests, leaf level first.
    pub siblings: Vec<Bn254>,
}

/// One query's witnesses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryOpening {
    /// One per input batch.
    pub inputs: Vec<InputOpening>,
    /// One per commit-phase round.
    pub rounds: Vec<RoundOpening>,
}

/// The FRI witnesses of a proof in fixed shape: per query, full authentication paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FriWitness {
    /// One per query, in transcript order.
    pub queries: Vec<QueryOpening>,
}

fn outer_val_mmcs() -> OuterValMmcs {
    let perm = outer_perm();
    OuterValMmcs::new(
        OuterHash::new(perm.clone()).expect("BabyBear packs into BN254"),
        OuterCompress::new(perm),
        0,
    )
}

impl FriWitness {
    /// Restores one authentication path per query from the proof's pruned multi-proofs
    /// (`MerkleTreeMmcs::restore_and_recompute_paths`). The commit-phase rows contain the
    /// running folded value, so the folding chain is computed natively here. Nothing is
    /// checked against a commitment: [`verify_fri`] does that.
    pub fn restore(
        proof: &BatchProof<OuterConfig>,
        shape: &StarkShape,
        settings: &FriSettings,
        challenges: &ReplayedChallenges,
        claimed: &[Vec<Vec<&[Challenge]>>],
    ) -> Result<FriWitness, FriError> {
        let fri = &proof.opening_proof;
        let batches = input_batches(shape, settings);
        let plan = FriPlan::new(shape, settings, claimed)?;
        let prepared = prepare_native(&mut Native, &plan, challenges)
            .map_err(|check| FriError::Check { query: 0, check })?;
        let indices = &challenges.query_indices;
        let num_queries = settings.num_queries;
        if indices.len() != num_queries {
            return Err(shape_err("query count"));
        }
        if fri.input_openings.len() != batches.len() {
            return Err(shape_err(format!(
                "{} input batches, expected {}",
                fri.input_openings.len(),
                batches.len()
            )));
        }
        if fri.commit_phase_openings.len() != plan.rounds {
            return Err(shape_err(format!(
                "{} commit-phase openings, expected {}",
                fri.commit_phase_openings.len(),
                plan.rounds
            )));
        }
        let mmcs = outer_val_mmcs();
        let mut queries: Vec<QueryOpening> = (0..num_queries)
            .map(|_| QueryOpening {
                inputs: Vec::new(),
                rounds: Vec::new(),
            })
            .collect();
        for (b, (batch, opening)) in batches.iter().zip(&fri.input_openings).enumerate() {
            if opening.opened_values.len() != num_queries
                || opening.opened_values.iter().any(|rows| {
                    rows.len() != batch.matrices.len()
                        || rows
                            .iter()
                            .zip(&batch.matrices)
                            .any(|(r, m)| r.len() != m.width)
                })
            {
                return Err(shape_err(format!("input batch {b}: opened rows")));
            }
            let shift = plan.log_global_max_height - batch.log_max_height();
            let reduced: Vec<usize> = indices.iter().map(|&i| i >> shift).collect();
            let paths = mmcs
                .restore_and_recompute_paths(
                    &batch.dimensions(),
                    &reduced,
                    &opening.opened_values,
                    &opening.opening_proof,
                )
                .map_err(|e| FriError::Restore {
                    what: format!("input batch {b} ({:?})", batch.kind),
                    error: e.to_string(),
                })?;
            for ((q, rows), path) in queries.iter_mut().zip(&opening.opened_values).zip(paths) {
                q.inputs.push(InputOpening {
                    rows: rows.clone(),
                    siblings: path.siblings.iter().map(|d| d[0]).collect(),
                });
            }
        }
        // The running values of the folding chain, per round and query.
        let mut rows_by_round: Vec<Vec<Vec<Vec<BabyBear>>>> = vec![Vec::new(); plan.rounds];
        let mut parents_by_round: Vec<Vec<usize>> = vec![Vec::new(); plan.rounds];
        for (q, (&index, query)) in indices.iter().zip(&mut queries).enumerate() {
            let mut sibling_values = Vec::with_capacity(plan.rounds);
            for (r, round) in fri.commit_phase_openings.iter().enumerate() {
                match round.sibling_values.get(q).map(Vec::as_slice) {
                    Some([v]) => sibling_values.push(*v),
                    _ => return Err(shape_err(format!("round {r}: sibling values of query {q}"))),
                }
            }
            let chain = plan
                .native_chain(
                    &mut Native,
                    &prepared,
                    challenges,
                    index,
                    &query.inputs,
                    &sibling_values,
                )
                .map_err(|check| FriError::Check { query: q, check })?;
            for (r, row) in chain.rows.iter().enumerate() {
                rows_by_round[r].push(vec![flatten(row)]);
                parents_by_round[r].push(index >> (r + 1));
            }
            query.rounds = sibling_values
                .into_iter()
                .map(|sibling_value| RoundOpening {
                    sibling_value,
                    siblings: Vec::new(),
                })
                .collect();
        }
        for (r, round) in fri.commit_phase_openings.iter().enumerate() {
            let log_folded_height = plan.log_global_max_height - r - 1;
            let dims = [Dimensions {
                width: 2 * EXT_DEGREE,
                height: 1 << log_folded_height,
            }];
            let paths = mmcs
                .restore_and_recompute_paths(
                    &dims,
                    &parents_by_round[r],
                    &rows_by_round[r],
                    &round.opening_proof,
                )
                .map_err(|e| FriError::Restore {
                    what: format!("commit-phase round {r}"),
                    error: e.to_string(),
                })?;
            for (query, path) in queries.iter_mut().zip(paths) {
                query.rounds[r].siblings = path.siblings.iter().map(|d| d[0]).collect();
            }
        }
        Ok(FriWitness { queries })
    }
}

// ---------------------------------------------------------------------------------------------
// The verifier
// ---------------------------------------------------------------------------------------------

/// `Π_j (1 + b_j·(c_j − 1))` over bits `b_j ∈ {0, 1}` (as extension elements): the product of
/// the constants `c_j` whose bit is set. Domain points are such products of powers of a root
/// of unity selected by the bits of the query index ([`ExtArithmetic::select_product`]; the
/// circuit computes it in the base field).
pub fn select_product<A: ExtArithmetic>(
    ops: &mut A,
    bits: &[A::Ext],
    factors: &[BabyBear],
) -> A::Ext {
    ops.select_product(bits, factors)
}

/// The row `(lo, hi)` of a binary fold: `(own, sibling)` if `bit` is 0, `(sibling, own)` if 1.
pub fn order_pair<A: ExtArithmetic>(
    ops: &mut A,
    bit: &A::Ext,
    own: &A::Ext,
    sibling: &A::Ext,
) -> (A::Ext, A::Ext) {
    // lo = own + bit·(sibling − own), hi = own + sibling − lo
    let d = ops.sub(sibling, own);
    let t = ops.mul(bit, &d);
    let lo = ops.add(own, &t);
    let sum = ops.add(own, sibling);
    let hi = ops.sub(&sum, &lo);
    (lo, hi)
}

/// `ω^(2^(rev_bits−1−j))` for `j < count`, `ω` of order `2^log_order`: with the low bits of
/// `r` selecting them, the product is `ω^{rev_{rev_bits}(r)}` (`r < 2^count`).
fn reversed_power_factors(log_order: usize, rev_bits: usize, count: usize) -> Vec<BabyBear> {
    let w = BabyBear::two_adic_generator(log_order);
    (0..count)
        .map(|j| w.exp_power_of_2(rev_bits - 1 - j))
        .collect()
}

/// The LDE point `g·ω_h^{rev_h(r)}` of a matrix of `2^log_height` rows at row `r`, from the
/// `log_height` bits of `r` (least significant first) — [`query_point`] over [`ExtArithmetic`].
pub fn lde_point_from_bits<A: ExtArithmetic>(
    ops: &mut A,
    bits: &[A::Ext],
    log_height: usize,
) -> A::Ext {
    let product = select_product(
        ops,
        bits,
        &reversed_power_factors(log_height, log_height, log_height),
    );
    let shift = ops.constant(BabyBear::GENERATOR.into());
    ops.mul(&shift, &product)
}

/// `1/(2s)`, `s = ω_{f+1}^{rev_f(parent)}`, from the `f = log_folded_height` bits of the
/// parent index — [`fold_inv_two_s`] over [`ExtArithmetic`].
pub fn fold_inv_two_s_from_bits<A: ExtArithmetic>(
    ops: &mut A,
    parent_bits: &[A::Ext],
    log_folded_height: usize,
) -> A::Ext {
    let inverse_factors: Vec<BabyBear> =
        reversed_power_factors(log_folded_height + 1, log_folded_height, log_folded_height)
            .into_iter()
            .map(|c| c.inverse())
            .collect();
    let inv_s = select_product(ops, parent_bits, &inverse_factors);
    let half = ops.constant(BabyBear::TWO.inverse().into());
    ops.mul(&inv_s, &half)
}

/// `ω_G^{rev_G(i)}` from the bits of `i` (at most `G = log_global_max_height` of them; the
/// missing high bits are zero) — [`final_point`] over [`ExtArithmetic`].
pub fn final_point_from_bits<A: ExtArithmetic>(
    ops: &mut A,
    bits: &[A::Ext],
    log_global_max_height: usize,
) -> A::Ext {
    select_product(
        ops,
        bits,
        &reversed_power_factors(log_global_max_height, log_global_max_height, bits.len()),
    )
}

/// One opening point of one matrix, with its place on the α ladder of its height.
#[derive(Clone, Debug)]
struct PointClaim {
    batch: usize,
    matrix: usize,
    log_height: usize,
    point: OpeningPoint,
    /// Ladder position of the first column.
    offset: usize,
    /// The claimed evaluations.
    values: Vec<Challenge>,
}

/// Everything FRI fixes before the queries: the input batches and heights from the shape, the
/// claims on their α ladders, the folding rounds.
#[derive(Clone, Debug)]
pub struct FriPlan {
    batches: Vec<InputBatch>,
    log_global_max_height: usize,
    log_final_height: usize,
    log_blowup: usize,
    rounds: usize,
    claims: Vec<PointClaim>,
    ladder: usize,
}

/// The query-independent values: α powers, opening points, `Σ α^k p_k(z)` per claim.
#[derive(Clone, Debug)]
pub struct Prepared<E> {
    powers: Vec<E>,
    points: Vec<E>,
    sums_at_z: Vec<E>,
}

/// A query's folding chain.
#[derive(Clone, Debug)]
pub struct FoldChain<E> {
    /// The reconstructed row `[y₀, y₁]` of every round (to be checked against its commitment).
    pub rows: Vec<[E; 2]>,
    /// The value after the last fold.
    pub folded: E,
}

impl FriPlan {
    /// The plan of a proof of `shape`; `claimed` are the claimed evaluations in PCS order
    /// (`TranscriptReplay::claimed_openings`), checked against the shape's widths and points.
    pub fn new(
        shape: &StarkShape,
        settings: &FriSettings,
        claimed: &[Vec<Vec<&[Challenge]>>],
    ) -> Result<FriPlan, FriError> {
        if settings.max_log_arity != 1 {
            return Err(shape_err(
                "only binary folding (max_log_arity = 1) is supported",
            ));
        }
        if settings.log_blowup == 0 || settings.num_queries == 0 {
            return Err(shape_err("zero blowup or zero queries"));
        }
        let batches = input_batches(shape, settings);
        let heights = input_log_heights(&batches);
        let log_global_max_height = *heights.first().ok_or_else(|| shape_err("no matrices"))?;
        if log_global_max_height > BabyBear::TWO_ADICITY {
            return Err(shape_err("LDE height beyond the two-adicity"));
        }
        let log_final_height = settings.log_blowup + settings.log_final_poly_len;
        let schedule = shape.fold_schedule(settings);
        if schedule.iter().any(|&a| a != 1)
            || schedule.len() + log_final_height != log_global_max_height
        {
            return Err(shape_err(format!("fold schedule {schedule:?}")));
        }
        if claimed.len() != batches.len() {
            return Err(shape_err("claimed batches"));
        }
        let mut claims = Vec::new();
        let mut offsets = BTreeMap::<usize, usize>::new();
        for (b, (batch, cb)) in batches.iter().zip(claimed).enumerate() {
            if cb.len() != batch.matrices.len() {
                return Err(shape_err(format!("claimed matrices of batch {b}")));
            }
            for (m, (matrix, cm)) in batch.matrices.iter().zip(cb).enumerate() {
                if cm.len() != matrix.points.len() || cm.iter().any(|v| v.len() != matrix.width) {
                    return Err(shape_err(format!("claims of batch {b} matrix {m}")));
                }
                for (point, values) in matrix.points.iter().zip(cm) {
                    let offset = offsets.entry(matrix.log_height).or_insert(0);
                    claims.push(PointClaim {
                        batch: b,
                        matrix: m,
                        log_height: matrix.log_height,
                        point: *point,
                        offset: *offset,
                        values: values.to_vec(),
                    });
                    *offset += values.len();
                }
            }
        }
        let ladder = offsets.values().copied().max().unwrap_or(0);
        Ok(FriPlan {
            rounds: schedule.len(),
            batches,
            log_global_max_height,
            log_final_height,
            log_blowup: settings.log_blowup,
            claims,
            ladder,
        })
    }

    /// The input batches.
    pub fn batches(&self) -> &[InputBatch] {
        &self.batches
    }

    /// Bits of a query index (log2 of the tallest LDE).
    pub fn index_bits(&self) -> usize {
        self.log_global_max_height
    }

    /// Number of folding rounds.
    pub fn rounds(&self) -> usize {
        self.rounds
    }

    /// The claimed evaluations, one list per (batch, matrix, point), in claim order.
    pub fn claimed_values(&self) -> Vec<Vec<Challenge>> {
        self.claims.iter().map(|c| c.values.clone()).collect()
    }

    /// The query-independent part: `α^k`, every opening point (ζ, or ζ·ω of the trace domain),
    /// and `Σ_k α^(off+k) p_k(z)` of every claim. `claimed` as [`Self::claimed_values`].
    pub fn prepare<A: ExtArithmetic>(
        &self,
        ops: &mut A,
        alpha: &A::Ext,
        zeta: &A::Ext,
        claimed: &[Vec<A::Ext>],
    ) -> Result<Prepared<A::Ext>, Mismatch> {
        if claimed.len() != self.claims.len()
            || claimed
                .iter()
                .zip(&self.claims)
                .any(|(v, c)| v.len() != c.values.len())
        {
            return Err(Mismatch("claimed evaluations do not have the plan's shape"));
        }
        let powers = powers(ops, alpha, self.ladder);
        let mut points = Vec::with_capacity(self.claims.len());
        let mut sums_at_z = Vec::with_capacity(self.claims.len());
        for (claim, values) in self.claims.iter().zip(claimed) {
            points.push(match claim.point {
                OpeningPoint::Zeta => zeta.clone(),
                OpeningPoint::ZetaNext { degree_bits } => {
                    let w = ops.constant(BabyBear::two_adic_generator(degree_bits).into());
                    ops.mul(zeta, &w)
                }
            });
            let ladder = &powers[claim.offset..claim.offset + values.len()];
            sums_at_z.push(dot(ops, ladder, values));
        }
        Ok(Prepared {
            powers,
            points,
            sums_at_z,
        })
    }

    /// The LDE point `g·ω_h^{rev_h(i >> (global − h))}` of a query, from the index bits
    /// (least significant first, [`Self::index_bits`] of them).
    pub fn query_point<A: ExtArithmetic>(
        &self,
        ops: &mut A,
        bits: &[A::Ext],
        log_height: usize,
    ) -> A::Ext {
        let g = self.log_global_max_height;
        lde_point_from_bits(ops, &bits[g - log_height..], log_height)
    }

    /// The reduced openings of one query, tallest height first. `rows[b][m]` is the opened
    /// row of matrix `m` of batch `b`, lifted to the extension.
    pub fn reduce<A: ExtArithmetic>(
        &self,
        ops: &mut A,
        prepared: &Prepared<A::Ext>,
        bits: &[A::Ext],
        rows: &[Vec<Vec<A::Ext>>],
    ) -> Result<Vec<(usize, A::Ext)>, Mismatch> {
        self.reduce_with(ops, prepared, bits, rows, |ops, ladder, row| {
            dot(ops, ladder, row)
        })
    }

    /// [`Self::reduce`] on rows of any representation `R`, with `dot_row(ops, α-ladder, row)`
    /// computing `Σ α^k p_k(x)` (the circuit passes base-field cells and a lazy inner product,
    /// so that the cells it hashes are the cells it reduces).
    pub fn reduce_with<A: ExtArithmetic, R>(
        &self,
        ops: &mut A,
        prepared: &Prepared<A::Ext>,
        bits: &[A::Ext],
        rows: &[Vec<Vec<R>>],
        mut dot_row: impl FnMut(&mut A, &[A::Ext], &[R]) -> A::Ext,
    ) -> Result<Vec<(usize, A::Ext)>, Mismatch> {
        if bits.len() != self.log_global_max_height {
            return Err(Mismatch("index bit count"));
        }
        let mut xs = BTreeMap::<usize, A::Ext>::new();
        let mut reduced = BTreeMap::<usize, A::Ext>::new();
        for (k, claim) in self.claims.iter().enumerate() {
            let row = rows
                .get(claim.batch)
                .and_then(|b| b.get(claim.matrix))
                .filter(|r| r.len() == claim.values.len())
                .ok_or(Mismatch("opened rows do not have the plan's shape"))?;
            let ladder = &prepared.powers[claim.offset..claim.offset + row.len()];
            let sum_at_x = dot_row(ops, ladder, row);
            let x = match xs.get(&claim.log_height) {
                Some(x) => x.clone(),
                None => {
                    let x = self.query_point(ops, bits, claim.log_height);
                    xs.insert(claim.log_height, x.clone());
                    x
                }
            };
            let q = point_quotient(
                ops,
                &prepared.sums_at_z[k],
                &sum_at_x,
                &prepared.points[k],
                &x,
            );
            let ro = match reduced.remove(&claim.log_height) {
                Some(ro) => ops.add(&ro, &q),
                None => q,
            };
            reduced.insert(claim.log_height, ro);
        }
        if let Some(ro) = reduced.get(&self.log_blowup) {
            let zero = ops.constant(Challenge::ZERO);
            ops.assert_equal(ro, &zero, "a one-row table's reduced opening is not zero")?;
        }
        Ok(reduced.into_iter().rev().collect())
    }

    /// The folding chain of one query: per round, the row `[y₀, y₁]` (the running value and
    /// the sibling, ordered by index bit `r`), the fold with `β_r`, and the roll-in of the
    /// reduced opening of the folded height, if any.
    pub fn fold<A: ExtArithmetic>(
        &self,
        ops: &mut A,
        betas: &[A::Ext],
        bits: &[A::Ext],
        reduced: Vec<(usize, A::Ext)>,
        sibling_values: &[A::Ext],
    ) -> Result<FoldChain<A::Ext>, Mismatch> {
        let g = self.log_global_max_height;
        if betas.len() != self.rounds || sibling_values.len() != self.rounds || bits.len() != g {
            return Err(Mismatch("commit-phase round count"));
        }
        let mut ro = reduced.into_iter().peekable();
        let mut folded = match ro.next() {
            Some((h, v)) if h == g => v,
            _ => return Err(Mismatch("no reduced opening at the tallest height")),
        };
        let half = ops.constant(BabyBear::TWO.inverse().into());
        let mut log_height = g;
        let mut rows = Vec::with_capacity(self.rounds);
        for (r, (beta, sibling)) in betas.iter().zip(sibling_values).enumerate() {
            let (lo, hi) = order_pair(ops, &bits[r], &folded, sibling);
            log_height -= 1;
            // 1/(2s), s = ω_{h+1}^{rev_h(parent)}, parent = index >> (r + 1)
            let inv_two_s = fold_inv_two_s_from_bits(ops, &bits[r + 1..], log_height);
            folded = fold_pair(ops, &lo, &hi, beta, &half, &inv_two_s);
            if let Some((_, v)) = ro.next_if(|(h, _)| *h == log_height) {
                folded = roll_in(ops, &folded, beta, 1, &v);
            }
            rows.push([lo, hi]);
        }
        if log_height != self.log_final_height {
            return Err(Mismatch("folding did not end at the final height"));
        }
        if ro.next().is_some() {
            return Err(Mismatch("a reduced opening was not rolled in"));
        }
        Ok(FoldChain { rows, folded })
    }

    /// The final check: the final polynomial at `ω_global^{rev(index >> rounds)}` equals the
    /// folded value.
    pub fn check_final<A: ExtArithmetic>(
        &self,
        ops: &mut A,
        bits: &[A::Ext],
        folded: &A::Ext,
        final_poly: &[A::Ext],
    ) -> Result<(), Mismatch> {
        let g = self.log_global_max_height;
        let x = final_point_from_bits(ops, &bits[self.rounds..], g);
        let eval = horner(ops, final_poly, &x);
        ops.assert_equal(
            &eval,
            folded,
            "the final polynomial differs from the folded value",
        )
    }

    /// Rejects a query whose LDE point coincides with an opening point (Plonky3's
    /// `OpeningPointMatchesQueryPoint`; the circuit's `inv(0)` would be unsatisfiable).
    fn check_points_native(&self, zeta: Challenge, index: usize) -> Result<(), Mismatch> {
        for claim in &self.claims {
            let x = query_point(index, claim.log_height, self.log_global_max_height);
            if claim.point.at(zeta) == Challenge::from(x) {
                return Err(Mismatch("an opening point equals the query point"));
            }
        }
        Ok(())
    }

    /// Reduced openings and folding chain of one query, natively.
    fn native_chain<A: ExtArithmetic<Ext = Challenge>>(
        &self,
        ops: &mut A,
        prepared: &Prepared<Challenge>,
        challenges: &ReplayedChallenges,
        index: usize,
        inputs: &[InputOpening],
        sibling_values: &[Challenge],
    ) -> Result<FoldChain<Challenge>, Mismatch> {
        self.check_points_native(challenges.zeta, index)?;
        let bits = ext_bits(index, self.log_global_max_height);
        let rows = lift_rows(inputs);
        let reduced = self.reduce(ops, prepared, &bits, &rows)?;
        self.fold(ops, &challenges.fri_betas, &bits, reduced, sibling_values)
    }
}

/// The bits of `index` as extension elements 0 / 1, least significant first.
pub fn ext_bits(index: usize, bits: usize) -> Vec<Challenge> {
    index_bits(index, bits)
        .into_iter()
        .map(|b| if b { Challenge::ONE } else { Challenge::ZERO })
        .collect()
}

fn lift_rows(inputs: &[InputOpening]) -> Vec<Vec<Vec<Challenge>>> {
    inputs
        .iter()
        .map(|i| {
            i.rows
                .iter()
                .map(|r| r.iter().map(|&v| Challenge::from(v)).collect())
                .collect()
        })
        .collect()
}

fn prepare_native<A: ExtArithmetic<Ext = Challenge>>(
    ops: &mut A,
    plan: &FriPlan,
    challenges: &ReplayedChallenges,
) -> Result<Prepared<Challenge>, Mismatch> {
    plan.prepare(
        ops,
        &challenges.fri_alpha,
        &challenges.zeta,
        &plan.claimed_values(),
    )
}

/// Verifies the FRI part of a batch proof natively, given the replayed challenges, the
/// claimed evaluations (`TranscriptReplay::claimed_openings`, PCS order), the transcript data
/// (commitments, final polynomial) and the per-query witnesses.
///
/// `ext` and `hash` work on native values; they are parameters so that tests can count
/// operations.
#[allow(clippy::too_many_arguments)]
pub fn verify_fri_with<A, H>(
    ext: &mut A,
    hash: &mut H,
    shape: &StarkShape,
    settings: &FriSettings,
    data: &TranscriptData,
    challenges: &ReplayedChallenges,
    claimed: &[Vec<Vec<&[Challenge]>>],
    witness: &FriWitness,
) -> Result<(), FriError>
where
    A: ExtArithmetic<Ext = Challenge>,
    H: HashArithmetic<Base = BabyBear, Digest = Bn254, Bit = bool>,
{
    let plan = FriPlan::new(shape, settings, claimed)?;
    let g = plan.log_global_max_height;
    if challenges.query_indices.len() != settings.num_queries
        || witness.queries.len() != settings.num_queries
    {
        return Err(shape_err("query count"));
    }
    if data.fri_commitments.len() != plan.rounds || challenges.fri_betas.len() != plan.rounds {
        return Err(shape_err("commit-phase round count"));
    }
    if data.final_poly.len() != 1 << settings.log_final_poly_len {
        return Err(shape_err("final polynomial length"));
    }
    let commitments: Vec<Bn254> = plan
        .batches
        .iter()
        .map(|b| batch_commitment(b.kind, shape, data))
        .collect::<Result<_, _>>()?;
    let prepared = prepare_native(ext, &plan, challenges)
        .map_err(|check| FriError::Check { query: 0, check })?;
    for (q, (&index, query)) in challenges
        .query_indices
        .iter()
        .zip(&witness.queries)
        .enumerate()
    {
        let fail = |check| FriError::Check { query: q, check };
        if index >> g != 0 {
            return Err(shape_err(format!("query {q}: index out of range")));
        }
        let bits = index_bits(index, g);
        // 1. input openings against their commitments
        if query.inputs.len() != plan.batches.len() {
            return Err(shape_err(format!("query {q}: input batch count")));
        }
        for (b, ((batch, opening), commitment)) in plan
            .batches
            .iter()
            .zip(&query.inputs)
            .zip(&commitments)
            .enumerate()
        {
            let depth = batch.log_max_height();
            let opened = batch
                .opened_rows(&opening.rows, opening.siblings.len())
                .ok_or_else(|| shape_err(format!("query {q}, input batch {b}: opening shape")))?;
            // the leaf index in this tree: index >> (global − depth), its bits the top ones
            verify_batch(
                hash,
                commitment,
                &opened,
                &bits[g - depth..],
                &opening.siblings,
            )
            .map_err(fail)?;
        }
        // 2. reduced openings, 3. folding
        if query.rounds.len() != plan.rounds {
            return Err(shape_err(format!("query {q}: round count")));
        }
        let sibling_values: Vec<Challenge> = query.rounds.iter().map(|r| r.sibling_value).collect();
        let chain = plan
            .native_chain(
                ext,
                &prepared,
                challenges,
                index,
                &query.inputs,
                &sibling_values,
            )
            .map_err(fail)?;
        // each round's row against the round's commitment (leaf index = index >> (r + 1))
        for (r, ((row, round), commitment)) in chain
            .rows
            .iter()
            .zip(&query.rounds)
            .zip(&data.fri_commitments)
            .enumerate()
        {
            let depth = g - r - 1;
            if round.siblings.len() != depth {
                return Err(shape_err(format!("query {q}, round {r}: path length")));
            }
            let row = flatten(row);
            verify_batch(
                hash,
                commitment,
                &[OpenedRow {
                    height: 1 << depth,
                    row: &row,
                }],
                &bits[r + 1..],
                &round.siblings,
            )
            .map_err(fail)?;
        }
        // 4. the final polynomial at the final point
        plan.check_final(ext, &ext_bits(index, g), &chain.folded, &data.final_poly)
            .map_err(fail)?;
    }
    Ok(())
}

/// [`verify_fri_with`] on plain native arithmetic and hashing.
pub fn verify_fri(
    shape: &StarkShape,
    settings: &FriSettings,
    data: &TranscriptData,
    challenges: &ReplayedChallenges,
    claimed: &[Vec<Vec<&[Challenge]>>],
    witness: &FriWitness,
) -> Result<(), FriError> {
    verify_fri_with(
        &mut Native,
        &mut NativeHash::default(),
        shape,
        settings,
        data,
        challenges,
        claimed,
        witness,
    )
}

/// The reduced openings of every query (tallest height first), computed from the witnesses'
/// opened rows: what Plonky3's `open_inputs` returns (tests compare the two).
pub fn reduced_openings(
    shape: &StarkShape,
    settings: &FriSettings,
    challenges: &ReplayedChallenges,
    claimed: &[Vec<Vec<&[Challenge]>>],
    witness: &FriWitness,
) -> Result<Vec<Vec<(usize, Challenge)>>, FriError> {
    let plan = FriPlan::new(shape, settings, claimed)?;
    let prepared = prepare_native(&mut Native, &plan, challenges)
        .map_err(|check| FriError::Check { query: 0, check })?;
    challenges
        .query_indices
        .iter()
        .zip(&witness.queries)
        .enumerate()
        .map(|(q, (&index, query))| {
            let bits = ext_bits(index, plan.log_global_max_height);
            plan.reduce(&mut Native, &prepared, &bits, &lift_rows(&query.inputs))
                .map_err(|check| FriError::Check { query: q, check })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::babybear::BabyBearChip;
    use crate::extension::ExtensionChip;
    use crate::testing::mock;
    use crate::verifier::ops::InCircuit;
    use p3_fri::{FriFoldingStrategy, TwoAdicFriFolding};
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    #[test]
    fn points_from_bits_are_the_native_points() {
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..50 {
            let global = rng.random_range(5..=14usize);
            let index = rng.random_range(0..1usize << global);
            let bits = ext_bits(index, global);
            for h in 1..=global {
                let x = lde_point_from_bits(&mut Native, &bits[global - h..], h);
                assert_eq!(x, Challenge::from(query_point(index, h, global)));
            }
            for r in 0..global - 1 {
                let f = global - r - 1;
                let parent = index >> (r + 1);
                let v = fold_inv_two_s_from_bits(&mut Native, &bits[r + 1..], f);
                assert_eq!(v, Challenge::from(fold_inv_two_s(parent, f)));
                let x = final_point_from_bits(&mut Native, &bits[r + 1..], global);
                assert_eq!(x, Challenge::from(final_point(parent, global)));
            }
        }
    }

    #[test]
    fn binary_fold_is_plonky3s_fold_row() {
        let mut rng = SmallRng::seed_from_u64(2);
        let folding = TwoAdicFriFolding::<(), ()>(std::marker::PhantomData);
        for _ in 0..50 {
            let log_folded = rng.random_range(1..=12usize);
            let parent = rng.random_range(0..1usize << log_folded);
            let (lo, hi, beta): (Challenge, Challenge, Challenge) =
                (rng.random(), rng.random(), rng.random());
            let theirs = FriFoldingStrategy::<BabyBear, Challenge>::fold_row(
                &folding,
                parent,
                log_folded,
                1,
                beta,
                [lo, hi].into_iter(),
            );
            let half = Challenge::from(BabyBear::TWO.inverse());
            let inv_two_s = Challenge::from(fold_inv_two_s(parent, log_folded));
            let ours = fold_pair(&mut Native, &lo, &hi, &beta, &half, &inv_two_s);
            assert_eq!(ours, theirs);
            // the own value at either position of the row
            let (a, b) = order_pair(&mut Native, &Challenge::ONE, &lo, &hi);
            assert_eq!((a, b), (hi, lo));
            let (a, b) = order_pair(&mut Native, &Challenge::ZERO, &lo, &hi);
            assert_eq!((a, b), (lo, hi));
        }
    }

    #[test]
    fn kernels_in_circuit_match_native() {
        let mut rng = SmallRng::seed_from_u64(3);
        let global = 9;
        let index = rng.random_range(0..1usize << global);
        let bits = ext_bits(index, global);
        let (lo, hi, beta, z, s1, s2): (
            Challenge,
            Challenge,
            Challenge,
            Challenge,
            Challenge,
            Challenge,
        ) = (
            rng.random(),
            rng.random(),
            rng.random(),
            rng.random(),
            rng.random(),
            rng.random(),
        );
        let native = {
            let ops = &mut Native;
            let x = lde_point_from_bits(ops, &bits[2..], global - 2);
            let q = point_quotient(ops, &s1, &s2, &z, &x);
            let (l, h) = order_pair(ops, &bits[0], &lo, &hi);
            let half = ops.constant(BabyBear::TWO.inverse().into());
            let inv = fold_inv_two_s_from_bits(ops, &bits[1..], global - 1);
            let f = fold_pair(ops, &l, &h, &beta, &half, &inv);
            let f = roll_in(ops, &f, &beta, 1, &q);
            let x = final_point_from_bits(ops, &bits[1..], global);
            horner(ops, &[f, q, lo], &x)
        };
        for tamper in [false, true] {
            let outcome = mock(|ctx, range| {
                let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
                let mut load = |v: Challenge| chip.load_witness(ctx, v);
                let b: Vec<_> = bits.iter().map(|&v| load(v)).collect();
                let (lo_c, hi_c, beta_c, z_c, s1_c, s2_c) =
                    (load(lo), load(hi), load(beta), load(z), load(s1), load(s2));
                let expected = load(if tamper {
                    native + Challenge::ONE
                } else {
                    native
                });
                let ops = &mut InCircuit { chip: &chip, ctx };
                let x = lde_point_from_bits(ops, &b[2..], global - 2);
                let q = point_quotient(ops, &s1_c, &s2_c, &z_c, &x);
                let (l, h) = order_pair(ops, &b[0], &lo_c, &hi_c);
                let half = ops.constant(BabyBear::TWO.inverse().into());
                let inv = fold_inv_two_s_from_bits(ops, &b[1..], global - 1);
                let f = fold_pair(ops, &l, &h, &beta_c, &half, &inv);
                let f = roll_in(ops, &f, &beta_c, 1, &q);
                let x = final_point_from_bits(ops, &b[1..], global);
                let e = horner(ops, &[f, q, lo_c], &x);
                ops.assert_equal(&e, &expected, "kernels").unwrap();
            });
            if tamper {
                outcome.rejected("wrong expected value");
            } else {
                outcome.satisfied();
            }
        }
    }
}
