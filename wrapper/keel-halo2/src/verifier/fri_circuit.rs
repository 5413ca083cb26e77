//! In-circuit verification of one FRI query (the steps of [`super::fri`]'s native driver
//! `verify_fri_with`, as constraints):
//!
//! 1. the query index (a cell; the transcript will produce it) is decomposed into
//!    `log_global_max_height` boolean cells that recompose to it;
//! 2. every input batch's opened rows are canonical BabyBear cells, hashed into the leaf and
//!    injected digests of one full authentication path checked against the batch commitment
//!    ([`verify_batch`] on [`CircuitHash`]), the index bits choosing the sides;
//! 3. the **same** cells enter the reduced openings: `Σ α^k p_k(x)` is, per extension
//!    coefficient, one lazy inner product of the α powers' coefficients with the opened base
//!    cells (one reduction per coefficient instead of one extension product per column), then
//!    [`FriPlan::reduce_with`]'s quotients with the LDE points computed from the index bits;
//! 4. the folding chain ([`FriPlan::fold`]); each round's row `[lo, hi]` is checked against
//!    the round commitment with its eight base coefficient cells — the cells the fold reads —
//!    as the leaf, leaf index `i >> (r + 1)`;
//! 5. the final polynomial at `ω_G^{rev(i >> rounds)}` equals the folded value.
//!
//! Shared by all queries of a proof ([`FriProofCells`]): the α ladder, the opening points and
//! the claimed sums `Σ α^k p_k(z)` ([`FriPlan::prepare`], computed once), the β's, the final
//! polynomial and the commitments. Not yet constrained here: that the index, α, β's, ζ and the
//! commitments are the transcript's (the transcript is not in-circuit yet), and the native
//! `z ≠ x` check (in the circuit `inv(0)` is unsatisfiable, so such a query only costs
//! completeness, with negligible probability).

use super::fri::{FriError, FriPlan, Prepared, QueryOpening};
use super::merkle::{verify_batch, CircuitHash, OpenedRow};
use super::ops::{InCircuit, Mismatch};
use crate::babybear::AssignedBabyBear;
use crate::convert::bn254_to_fr;
use crate::extension::{AssignedExt, ExtensionChip, EXT_DEGREE};
use crate::poseidon2_gate::Permuter;
use crate::Fr;
use halo2_base::gates::GateInstructions;
use halo2_base::{AssignedValue, Context, QuantumCell};
use p3_baby_bear::BabyBear;
use p3_field::PrimeCharacteristicRing;

/// The per-proof cells every query reads.
#[derive(Clone, Debug)]
pub struct FriProofCells {
    /// α powers, opening points and claimed sums at the opening points
    /// ([`FriPlan::prepare`] on [`InCircuit`]).
    pub prepared: Prepared<AssignedExt>,
    /// The folding challenges, one per round.
    pub betas: Vec<AssignedExt>,
    /// The final polynomial's coefficients.
    pub final_poly: Vec<AssignedExt>,
    /// The input batches' commitments, in [`FriPlan::batches`] order.
    pub input_commitments: Vec<AssignedValue<Fr>>,
    /// The commit-phase commitments, one per round.
    pub round_commitments: Vec<AssignedValue<Fr>>,
}

/// One query's opening of one input batch, as cells.
#[derive(Clone, Debug)]
pub struct InputCells {
    /// The opened row of every matrix (canonical BabyBear cells), in commitment order.
    pub rows: Vec<Vec<AssignedBabyBear>>,
    /// Sibling digests, leaf level first.
    pub siblings: Vec<AssignedValue<Fr>>,
}

/// One query's opening of one commit-phase round, as cells.
#[derive(Clone, Debug)]
pub struct RoundCells {
    /// The other value of the queried pair (canonical coefficients).
    pub sibling_value: AssignedExt,
    /// Sibling digests, leaf level first.
    pub siblings: Vec<AssignedValue<Fr>>,
}

/// One query's witnesses, as cells.
#[derive(Clone, Debug)]
pub struct QueryCells {
    /// The query index (for now a witness; the transcript will produce it).
    pub index: AssignedValue<Fr>,
    /// One per input batch.
    pub inputs: Vec<InputCells>,
    /// One per commit-phase round.
    pub rounds: Vec<RoundCells>,
}

/// Advice cells one query added, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryCost {
    /// Index decomposition (bits, booleanity, recomposition, lifting to the extension).
    pub bits: usize,
    /// Merkle paths: packing, Poseidon2 permutations, side selection.
    pub hashing: usize,
    /// Reduced openings, domain points, folding, final polynomial.
    pub arithmetic: usize,
}

impl QueryCost {
    /// All cells.
    pub fn total(&self) -> usize {
        self.bits + self.hashing + self.arithmetic
    }
}

/// Assigns one query's witnesses (opened values and sibling values proven canonical; digests
/// as plain cells). `index` is the query index cell.
pub fn load_query(
    chip: &ExtensionChip<'_>,
    ctx: &mut Context<Fr>,
    index: AssignedValue<Fr>,
    query: &QueryOpening,
) -> QueryCells {
    let base = chip.base();
    let inputs = query
        .inputs
        .iter()
        .map(|i| InputCells {
            rows: i
                .rows
                .iter()
                .map(|r| r.iter().map(|&v| base.load_witness(ctx, v)).collect())
                .collect(),
            siblings: i
                .siblings
                .iter()
                .map(|s| ctx.load_witness(bn254_to_fr(s)))
                .collect(),
        })
        .collect();
    let rounds = query
        .rounds
        .iter()
        .map(|r| RoundCells {
            sibling_value: chip.load_witness(ctx, r.sibling_value),
            siblings: r
                .siblings
                .iter()
                .map(|s| ctx.load_witness(bn254_to_fr(s)))
                .collect(),
        })
        .collect();
    QueryCells {
        index,
        inputs,
        rounds,
    }
}

/// The low `count` bits of `index`'s witness value, least significant first.
fn witness_bits(index: &AssignedValue<Fr>, count: usize) -> Vec<bool> {
    let bytes = index.value().to_bytes();
    (0..count)
        .map(|b| bytes[b / 8] >> (b % 8) & 1 == 1)
        .collect()
}

/// Assigns `bits` as canonical BabyBear cells, constrains each boolean and their
/// recomposition `Σ b_j 2^j` equal to `index`. `bits` are witnesses: an honest prover passes
/// the index's bits ([`decompose_index`]); any other choice leaves the circuit unsatisfied.
pub fn constrain_index_bits(
    chip: &ExtensionChip<'_>,
    ctx: &mut Context<Fr>,
    index: AssignedValue<Fr>,
    bits: &[bool],
) -> Vec<AssignedBabyBear> {
    let base = chip.base();
    let gate = base.gate();
    let cells: Vec<AssignedBabyBear> = bits
        .iter()
        .map(|&b| {
            let cell = base.load_witness(ctx, if b { BabyBear::ONE } else { BabyBear::ZERO });
            gate.assert_bit(ctx, cell.cell());
            cell
        })
        .collect();
    let powers: Vec<QuantumCell<Fr>> = (0..bits.len())
        .map(|j| QuantumCell::Constant(Fr::from(1u64 << j)))
        .collect();
    let recomposed = gate.inner_product(ctx, cells.iter().map(|c| c.cell()), powers);
    ctx.constrain_equal(&recomposed, &index);
    cells
}

/// [`constrain_index_bits`] with the index's own `count` bits (`count` < 64; the index must
/// be below `2^count`, else the recomposition fails).
pub fn decompose_index(
    chip: &ExtensionChip<'_>,
    ctx: &mut Context<Fr>,
    index: AssignedValue<Fr>,
    count: usize,
) -> Vec<AssignedBabyBear> {
    let bits = witness_bits(&index, count);
    constrain_index_bits(chip, ctx, index, &bits)
}

fn shape_err(msg: String) -> FriError {
    FriError::Shape(msg)
}

/// `Σ_k ladder_k · row_k` for base-field `row`: per coefficient one lazy inner product.
fn dot_base(
    chip: &ExtensionChip<'_>,
    ctx: &mut Context<Fr>,
    ladder: &[AssignedExt],
    row: &[AssignedBabyBear],
) -> AssignedExt {
    AssignedExt(std::array::from_fn(|j| {
        let pairs: Vec<(AssignedBabyBear, AssignedBabyBear)> =
            ladder.iter().zip(row).map(|(a, v)| (a.0[j], *v)).collect();
        chip.base()
            .inner_product(ctx, &pairs)
            .expect("a row is far shorter than 2^58 columns")
    }))
}

/// Verifies one query in the circuit: index bits, input paths, reduced openings, folding with
/// the round paths, final polynomial. `Err` only for witnesses not of the plan's shape (a
/// wrong value makes the circuit unsatisfiable instead). Returns the cells it added.
pub fn verify_query(
    chip: &ExtensionChip<'_>,
    poseidon: &Permuter,
    ctx: &mut Context<Fr>,
    plan: &FriPlan,
    proof: &FriProofCells,
    query: &QueryCells,
) -> Result<QueryCost, FriError> {
    let start = ctx.advice.len();
    let bits = decompose_index(chip, ctx, query.index, plan.index_bits());
    let decomposition = ctx.advice.len() - start;
    let mut cost = verify_query_with_bits(chip, poseidon, ctx, plan, proof, query, &bits)?;
    cost.bits += decomposition;
    Ok(cost)
}

/// [`verify_query`] with the index bits given (from [`constrain_index_bits`]; the returned
/// cost then counts only the lifting of the bits, not their decomposition).
pub fn verify_query_with_bits(
    chip: &ExtensionChip<'_>,
    poseidon: &Permuter,
    ctx: &mut Context<Fr>,
    plan: &FriPlan,
    proof: &FriProofCells,
    query: &QueryCells,
    bits: &[AssignedBabyBear],
) -> Result<QueryCost, FriError> {
    let fail = |check: Mismatch| FriError::Check { query: 0, check };
    let g = plan.index_bits();
    let batches = plan.batches();
    if bits.len() != g {
        return Err(shape_err("index bit count".into()));
    }
    if query.inputs.len() != batches.len() || proof.input_commitments.len() != batches.len() {
        return Err(shape_err("input batch count".into()));
    }
    if query.rounds.len() != plan.rounds()
        || proof.round_commitments.len() != plan.rounds()
        || proof.betas.len() != plan.rounds()
    {
        return Err(shape_err("commit-phase round count".into()));
    }
    let mut cost = QueryCost::default();
    let start = ctx.advice.len();
    let bit_cells: Vec<AssignedValue<Fr>> = bits.iter().map(|b| b.cell()).collect();
    let ext_bits: Vec<AssignedExt> = bits.iter().map(|b| chip.from_base(ctx, b)).collect();
    cost.bits = ctx.advice.len() - start;

    let gate = chip.base().gate();
    // 1. input openings against their commitments
    let start = ctx.advice.len();
    for (b, ((batch, opening), commitment)) in batches
        .iter()
        .zip(&query.inputs)
        .zip(&proof.input_commitments)
        .enumerate()
    {
        let depth = batch.log_max_height();
        let opened = batch
            .opened_rows(&opening.rows, opening.siblings.len())
            .ok_or_else(|| shape_err(format!("input batch {b}: opening shape")))?;
        let mut hash = CircuitHash {
            gate,
            poseidon: poseidon.clone(),
            ctx: &mut *ctx,
        };
        verify_batch(
            &mut hash,
            commitment,
            &opened,
            &bit_cells[g - depth..],
            &opening.siblings,
        )
        .map_err(fail)?;
    }
    cost.hashing += ctx.advice.len() - start;

    // 2. reduced openings from the same cells, 3. folding
    let start = ctx.advice.len();
    let rows: Vec<Vec<Vec<AssignedBabyBear>>> =
        query.inputs.iter().map(|i| i.rows.clone()).collect();
    let siblings: Vec<AssignedExt> = query.rounds.iter().map(|r| r.sibling_value).collect();
    let chain = {
        let ops = &mut InCircuit { chip, ctx };
        let reduced = plan
            .reduce_with(
                ops,
                &proof.prepared,
                &ext_bits,
                &rows,
                |ops, ladder, row| dot_base(ops.chip, ops.ctx, ladder, row),
            )
            .map_err(fail)?;
        let chain = plan
            .fold(ops, &proof.betas, &ext_bits, reduced, &siblings)
            .map_err(fail)?;
        // 4. the final polynomial
        plan.check_final(ops, &ext_bits, &chain.folded, &proof.final_poly)
            .map_err(fail)?;
        chain
    };
    cost.arithmetic += ctx.advice.len() - start;

    // each round's row, flattened to the base cells the fold read, against its commitment
    let start = ctx.advice.len();
    for (r, ((row, round), commitment)) in chain
        .rows
        .iter()
        .zip(&query.rounds)
        .zip(&proof.round_commitments)
        .enumerate()
    {
        let depth = g - r - 1;
        if round.siblings.len() != depth {
            return Err(shape_err(format!("round {r}: path length")));
        }
        let flat: Vec<AssignedBabyBear> = row.iter().flat_map(|e| e.0).collect();
        debug_assert_eq!(flat.len(), 2 * EXT_DEGREE);
        let mut hash = CircuitHash {
            gate,
            poseidon: poseidon.clone(),
            ctx: &mut *ctx,
        };
        verify_batch(
            &mut hash,
            commitment,
            &[OpenedRow {
                height: 1 << depth,
                row: &flat,
            }],
            &bit_cells[r + 1..],
            &round.siblings,
        )
        .map_err(fail)?;
    }
    cost.hashing += ctx.advice.len() - start;
    Ok(cost)
}

/// Assigns the per-proof cells from native values and computes the query-independent part
/// ([`FriPlan::prepare`]) in the circuit. The values will come from the in-circuit transcript;
/// here they are witnesses.
#[allow(clippy::too_many_arguments)]
pub fn load_proof_cells(
    chip: &ExtensionChip<'_>,
    ctx: &mut Context<Fr>,
    plan: &FriPlan,
    alpha: crate::extension::NativeExt,
    zeta: crate::extension::NativeExt,
    betas: &[crate::extension::NativeExt],
    final_poly: &[crate::extension::NativeExt],
    input_commitments: &[p3_bn254::Bn254],
    round_commitments: &[p3_bn254::Bn254],
) -> Result<FriProofCells, FriError> {
    let alpha = chip.load_witness(ctx, alpha);
    let zeta = chip.load_witness(ctx, zeta);
    let claimed: Vec<Vec<AssignedExt>> = plan
        .claimed_values()
        .iter()
        .map(|v| v.iter().map(|&x| chip.load_witness(ctx, x)).collect())
        .collect();
    let betas = betas.iter().map(|&b| chip.load_witness(ctx, b)).collect();
    let final_poly = final_poly
        .iter()
        .map(|&c| chip.load_witness(ctx, c))
        .collect();
    let mut load_digests = |ds: &[p3_bn254::Bn254]| -> Vec<AssignedValue<Fr>> {
        ds.iter()
            .map(|d| ctx.load_witness(bn254_to_fr(d)))
            .collect()
    };
    let input_commitments = load_digests(input_commitments);
    let round_commitments = load_digests(round_commitments);
    let ops = &mut InCircuit { chip, ctx };
    let prepared = plan
        .prepare(ops, &alpha, &zeta, &claimed)
        .map_err(|check| FriError::Check { query: 0, check })?;
    Ok(FriProofCells {
        prepared,
        betas,
        final_poly,
        input_commitments,
        round_commitments,
    })
}

#[cfg(test)]
mod tests;
