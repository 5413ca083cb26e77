//! The whole STARK verifier of a batch proof in one circuit: the Fiat–Shamir transcript
//! ([`replay_circuit`]), every table's out-of-domain identity ([`super::ood`] on
//! [`super::constraints`]) with the LogUp terminal sum, and every FRI query
//! ([`super::fri_circuit`]) — all on the same cells:
//!
//! - the transcript values are witnessed once ([`AssignedTranscriptData::load`]); the opened
//!   values the transcript absorbs are the values the out-of-domain check reads and the
//!   claimed evaluations FRI reduces; the commitments it absorbs are the roots the Merkle paths
//!   are checked against; the final polynomial it absorbs is the one FRI evaluates;
//! - every challenge (LogUp α_L / β_L, α, ζ, the FRI batching α, the β's, the query indices
//!   and their bits) is a cell computed by the in-circuit sponge, none is a witness;
//! - each query's index is the transcript's `sample_bits` index cell; [`verify_query`]
//!   decomposes it again into boolean cells that must recompose to it (a second copy of the
//!   bits `sample_bits` already constrained: a few cells per bit, kept so that the FRI code
//!   is unchanged), and those bits steer the Merkle paths and build the domain points.
//!
//! The per-query openings (rows, sibling values, sibling digests) are the only other
//! witnesses: [`FriWitness`], one full authentication path per query restored natively.

use super::constraints::{evaluate_constraints, ConstraintInputs, EvalError};
use super::fri::{BatchKind, FriError, FriPlan, FriWitness};
use super::fri_circuit::{load_query, verify_query, FriProofCells};
use super::ood::{
    check_quotient_identity, fold_constraints, recompose_quotient, trace_selectors, ChunkDomain,
};
use super::ops::{ExtArithmetic, InCircuit, Mismatch};
use super::transcript::{TranscriptData, TranscriptError, TranscriptReplay, WIDTH};
use super::transcript_circuit::{replay_circuit, AssignedTranscriptData, CircuitChallenges};
use crate::babybear::AssignedBabyBear;
use crate::extension::{AssignedExt, ExtensionChip, NativeExt as Challenge, EXT_DEGREE};
use crate::poseidon2_gate::Permuter;
use crate::Fr;
use halo2_base::{AssignedValue, Context};
use keel_stark::config::OuterConfig;
use p3_air::symbolic::{AirLayout, ConstraintLayout, SymbolicExpression, SymbolicExpressionExt};
use p3_air::Air;
use p3_baby_bear::BabyBear;
use p3_batch_stark::symbolic::{get_constraint_layout, get_symbolic_constraints};
use p3_batch_stark::CommonData;
use p3_bn254::Bn254;
use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};
use p3_lookup::logup::LogUpGadget;
use p3_lookup::InteractionSymbolicBuilder;
use p3_symmetric::Permutation;

/// One table's constraints, as Plonky3's symbolic expressions
/// (`p3_batch_stark::symbolic::get_symbolic_constraints` and `get_constraint_layout`).
#[derive(Debug)]
pub struct TableConstraints {
    /// Base-field constraints.
    pub base: Vec<SymbolicExpression<BabyBear>>,
    /// Extension-field constraints (LogUp).
    pub ext: Vec<SymbolicExpressionExt<BabyBear, Challenge>>,
    /// Where each constraint sits in the α-fold.
    pub layout: ConstraintLayout,
}

impl Clone for TableConstraints {
    fn clone(&self) -> Self {
        // Plonky3's `ConstraintLayout` is not `Clone`; its fields are public.
        TableConstraints {
            base: self.base.clone(),
            ext: self.ext.clone(),
            layout: ConstraintLayout {
                base_indices: self.layout.base_indices.clone(),
                ext_indices: self.layout.ext_indices.clone(),
            },
        }
    }
}

impl TableConstraints {
    /// Every table's constraints, read from Plonky3's symbolic evaluation of `airs` with the
    /// lookups of the keygen output `common` (the same calls the prover and verifier make).
    pub fn from_airs<A>(airs: &[A], common: &CommonData<OuterConfig>) -> Vec<TableConstraints>
    where
        A: Air<InteractionSymbolicBuilder<BabyBear, Challenge>>,
    {
        let gadget = LogUpGadget::new();
        airs.iter()
            .zip(&common.lookups)
            .map(|(air, lookups)| {
                let layout = AirLayout::from_air::<BabyBear>(air);
                let (base, ext) = get_symbolic_constraints::<BabyBear, Challenge, A, _>(
                    air, layout, lookups, &gadget,
                );
                let layout = get_constraint_layout::<BabyBear, Challenge, A, _>(
                    air, layout, lookups, &gadget,
                );
                TableConstraints { base, ext, layout }
            })
            .collect()
    }
}

/// Why the circuit could not be built. A wrong proof value never gives an `Err` (it leaves
/// the circuit unsatisfied); these are shape errors of the proof, the witness or the AIRs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CircuitError {
    /// The proof does not have the verifying key's shape.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The FRI witness or plan does not have the expected shape.
    #[error(transparent)]
    Fri(#[from] FriError),
    /// A constraint reads an input that is not there.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A shape check of the out-of-domain step (never a value check in the circuit).
    #[error(transparent)]
    Check(#[from] Mismatch),
    /// Anything else of the wrong shape.
    #[error("circuit shape: {0}")]
    Shape(String),
}

/// What the verifier circuit exposes.
#[derive(Clone, Debug)]
pub struct PublicCells {
    /// Each table's public values: the canonical cells the transcript absorbed and the
    /// constraints read.
    pub public_values: Vec<Vec<AssignedBabyBear>>,
    /// The preprocessed (program) commitment the transcript observed and the preprocessed
    /// Merkle paths were checked against, if the proof has preprocessed columns.
    pub preprocessed_commitment: Option<AssignedValue<Fr>>,
}

/// Advice cells of each step (measured on the context), and the sponge's permutations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StarkCircuitCost {
    /// Loading the transcript values and replaying the transcript.
    pub transcript: usize,
    /// Out-of-domain checks and the LogUp terminal sum.
    pub out_of_domain: usize,
    /// FRI: the per-proof part and all queries.
    pub fri: usize,
    /// Poseidon2 permutations of the transcript sponge.
    pub transcript_permutations: usize,
}

/// Extension-valued columns from their opened coordinates (4 per column): `Σ_k c_k·X^k`.
fn ext_columns(ops: &mut InCircuit<'_, '_, '_>, coordinates: &[AssignedExt]) -> Vec<AssignedExt> {
    coordinates
        .chunks(EXT_DEGREE)
        .map(|c| {
            let mut acc = ops.constant(Challenge::ZERO);
            for (k, v) in c.iter().enumerate() {
                let basis = ops.constant(
                    <Challenge as BasedVectorSpace<BabyBear>>::ith_basis_element(k)
                        .expect("k < dimension"),
                );
                let term = ops.mul(v, &basis);
                acc = ops.add(&acc, &term);
            }
            acc
        })
        .collect()
}

/// One table's opened values, as the cells of [`AssignedTranscriptData::claimed`].
#[derive(Clone, Debug, Default)]
struct TableCells {
    main_local: Vec<AssignedExt>,
    main_next: Vec<AssignedExt>,
    preprocessed_local: Vec<AssignedExt>,
    preprocessed_next: Vec<AssignedExt>,
    quotient_chunks: Vec<Vec<AssignedExt>>,
    permutation_local: Vec<AssignedExt>,
    permutation_next: Vec<AssignedExt>,
}

/// Splits the claimed cells (PCS order, as `TranscriptReplay::claimed_openings` builds it)
/// back into per-table openings.
fn table_cells<P: Permutation<[Bn254; WIDTH]> + Clone>(
    replay: &TranscriptReplay<P>,
    claimed: &[Vec<Vec<Vec<AssignedExt>>>],
) -> Result<Vec<TableCells>, CircuitError> {
    let shape = replay.shape();
    let err = |what: &str| CircuitError::Shape(format!("claimed openings: {what}"));
    let mut tables = vec![TableCells::default(); shape.tables.len()];
    let mut batches = claimed.iter();
    let main = batches.next().ok_or_else(|| err("no main batch"))?;
    let quotient = batches.next().ok_or_else(|| err("no quotient batch"))?;
    if main.len() != tables.len() {
        return Err(err("main matrices"));
    }
    let mut chunk = 0;
    for ((t, cells), points) in shape.tables.iter().zip(&mut tables).zip(main) {
        cells.main_local = points.first().ok_or_else(|| err("main point"))?.clone();
        if t.main_next_row {
            cells.main_next = points.get(1).ok_or_else(|| err("main next"))?.clone();
        }
        for _ in 0..1usize << t.log_num_quotient_chunks {
            let c = quotient.get(chunk).ok_or_else(|| err("quotient chunks"))?;
            cells
                .quotient_chunks
                .push(c.first().ok_or_else(|| err("quotient point"))?.clone());
            chunk += 1;
        }
    }
    if chunk != quotient.len() {
        return Err(err("quotient chunk count"));
    }
    if let Some(pre) = &shape.preprocessed {
        let matrices = batches.next().ok_or_else(|| err("no preprocessed batch"))?;
        if matrices.len() != pre.matrix_to_instance.len() {
            return Err(err("preprocessed matrices"));
        }
        for (&i, points) in pre.matrix_to_instance.iter().zip(matrices) {
            let cells = tables.get_mut(i).ok_or_else(|| err("preprocessed table"))?;
            cells.preprocessed_local = points.first().cloned().unwrap_or_default();
            if shape.tables[i].preprocessed_next_row {
                cells.preprocessed_next = points.get(1).cloned().unwrap_or_default();
            }
        }
    }
    if shape.num_lookup_instances() > 0 {
        let matrices = batches.next().ok_or_else(|| err("no LogUp batch"))?;
        let mut m = matrices.iter();
        for (t, cells) in shape.tables.iter().zip(&mut tables) {
            if t.has_lookups() {
                let points = m.next().ok_or_else(|| err("LogUp matrices"))?;
                if points.len() != 2 {
                    return Err(err("LogUp points"));
                }
                cells.permutation_local = points[0].clone();
                cells.permutation_next = points[1].clone();
            }
        }
        if m.next().is_some() {
            return Err(err("LogUp matrix count"));
        }
    }
    if batches.next().is_some() {
        return Err(err("batch count"));
    }
    Ok(tables)
}

/// Every table's out-of-domain identity `folded(ζ) = Q(ζ)·Z_H(ζ)` and, with lookups, the
/// LogUp terminals summing to zero, on the transcript's cells and challenges.
fn out_of_domain<P: Permutation<[Bn254; WIDTH]> + Clone>(
    ops: &mut InCircuit<'_, '_, '_>,
    replay: &TranscriptReplay<P>,
    cells: &AssignedTranscriptData,
    challenges: &CircuitChallenges,
    constraints: &[TableConstraints],
) -> Result<(), CircuitError> {
    let shape = replay.shape();
    if constraints.len() != shape.tables.len() {
        return Err(CircuitError::Shape(format!(
            "{} constraint sets for {} tables",
            constraints.len(),
            shape.tables.len()
        )));
    }
    let tables = table_cells(replay, &cells.claimed)?;
    for (i, ((t, c), o)) in shape
        .tables
        .iter()
        .zip(constraints)
        .zip(&tables)
        .enumerate()
    {
        let log_n = t.degree_bits;
        let sels = trace_selectors(ops, &challenges.zeta, log_n);
        let public_values = cells.public_values[i]
            .iter()
            .map(|v| ops.chip.from_base(ops.ctx, v))
            .collect();
        let inputs = ConstraintInputs {
            main_local: o.main_local.clone(),
            main_next: o.main_next.clone(),
            preprocessed_local: o.preprocessed_local.clone(),
            preprocessed_next: o.preprocessed_next.clone(),
            public_values,
            is_first_row: sels.is_first_row,
            is_last_row: sels.is_last_row,
            is_transition: sels.is_transition,
            permutation_local: ext_columns(ops, &o.permutation_local),
            permutation_next: ext_columns(ops, &o.permutation_next),
            challenges: challenges.lookup_challenges[i].clone(),
            permutation_values: cells.lookup_terminals[i].into_iter().collect(),
        };
        let values = evaluate_constraints(ops, &c.base, &c.ext, &inputs)?;
        let folded = fold_constraints(ops, &values, &c.layout, &challenges.alpha)?;
        let domains = ChunkDomain::for_table(log_n, o.quotient_chunks.len());
        let quotient = recompose_quotient(ops, &domains, &o.quotient_chunks, &challenges.zeta)?;
        check_quotient_identity(ops, &folded, &quotient, &sels.vanishing)?;
    }
    let terminals: Vec<&AssignedExt> = cells.lookup_terminals.iter().flatten().collect();
    if !terminals.is_empty() {
        let mut sum = ops.constant(Challenge::ZERO);
        for t in terminals {
            sum = ops.add(&sum, t);
        }
        let zero = ops.constant(Challenge::ZERO);
        ops.assert_equal(&sum, &zero, "LogUp terminals do not sum to zero")?;
    }
    Ok(())
}

/// Verifies a batch STARK proof in the circuit: loads the transcript values of `data` and
/// `public_values`, replays the transcript, checks every table's out-of-domain identity (and
/// the LogUp sum) and every FRI query of `fri_witness`. Returns the public-value cells and
/// the cells each step took. `Err` only for inputs of the wrong shape; a wrong value leaves
/// the circuit unsatisfied.
#[allow(clippy::too_many_arguments)]
pub fn verify_stark_in_circuit<P: Permutation<[Bn254; WIDTH]> + Clone>(
    ctx: &mut Context<Fr>,
    chip: &ExtensionChip<'_>,
    poseidon: &Permuter,
    replay: &TranscriptReplay<P>,
    data: &TranscriptData,
    public_values: &[Vec<BabyBear>],
    constraints: &[TableConstraints],
    fri_witness: &FriWitness,
) -> Result<(PublicCells, StarkCircuitCost), CircuitError> {
    let shape = replay.shape();
    let settings = replay.settings();
    let mut cost = StarkCircuitCost::default();

    // 1. transcript: the challenges are cells of the sponge
    let start = ctx.advice.len();
    let cells = AssignedTranscriptData::load(ctx, chip, replay, data, public_values)?;
    let (challenges, sponge) = replay_circuit(ctx, chip, poseidon, shape, settings, &cells);
    cost.transcript_permutations = sponge.permutations();
    cost.transcript = ctx.advice.len() - start;

    // 2. out-of-domain identities on the absorbed openings
    let start = ctx.advice.len();
    out_of_domain(
        &mut InCircuit { chip, ctx },
        replay,
        &cells,
        &challenges,
        constraints,
    )?;
    cost.out_of_domain = ctx.advice.len() - start;

    // 3. FRI with the transcript's α, ζ, β's, final polynomial, commitments and indices
    let start = ctx.advice.len();
    let claimed_native = replay.claimed_openings(data);
    let plan = FriPlan::new(shape, settings, &claimed_native)?;
    if challenges.query_indices.len() != fri_witness.queries.len() {
        return Err(CircuitError::Shape(format!(
            "{} query openings for {} queries",
            fri_witness.queries.len(),
            challenges.query_indices.len()
        )));
    }
    if challenges
        .query_indices
        .iter()
        .any(|q| q.bits.len() != plan.index_bits())
    {
        return Err(CircuitError::Shape(
            "sampled index bits differ from the LDE height".into(),
        ));
    }
    let claimed: Vec<Vec<AssignedExt>> =
        cells.claimed.iter().flatten().flatten().cloned().collect();
    let prepared = plan
        .prepare(
            &mut InCircuit { chip, ctx },
            &challenges.fri_alpha,
            &challenges.zeta,
            &claimed,
        )
        .map_err(|check| FriError::Check { query: 0, check })?;
    let mut input_commitments = Vec::with_capacity(plan.batches().len());
    for batch in plan.batches() {
        input_commitments.push(match batch.kind {
            BatchKind::Main => cells.main_commitment,
            BatchKind::Quotient => cells.quotient_commitment,
            BatchKind::LogUp => cells
                .permutation_commitment
                .ok_or_else(|| CircuitError::Shape("no LogUp commitment".into()))?,
            // The cell the transcript observed (a public instance of the wrap).
            BatchKind::Preprocessed => cells
                .preprocessed_commitment
                .ok_or_else(|| CircuitError::Shape("no preprocessed commitment".into()))?,
        });
    }
    let proof = FriProofCells {
        prepared,
        betas: challenges.fri_betas.clone(),
        final_poly: cells.final_poly.clone(),
        input_commitments,
        round_commitments: cells.fri_commitments.clone(),
    };
    for (q, (sampled, opening)) in challenges
        .query_indices
        .iter()
        .zip(&fri_witness.queries)
        .enumerate()
    {
        // The index cell is the transcript's `sample_bits` index; `verify_query` decomposes it
        // again into boolean cells that must recompose to it.
        let query = load_query(chip, ctx, sampled.index, opening);
        verify_query(chip, poseidon, ctx, &plan, &proof, &query).map_err(|e| match e {
            FriError::Check { check, .. } => FriError::Check { query: q, check },
            e => e,
        })?;
    }
    cost.fri = ctx.advice.len() - start;
    Ok((
        PublicCells {
            public_values: cells.public_values,
            preprocessed_commitment: cells.preprocessed_commitment,
        },
        cost,
    ))
}

#[cfg(test)]
mod tests;
