//! The Poseidon2-BN254 (t = 3) permutation of keel's outer configuration as a custom Halo2 gate:
//! 37 rows × 6 advice columns per permutation instead of the flex-gate chip's 2 212 cells
//! ([`crate::poseidon2`]), with the same round constants and bit-identical output.
//!
//! # Layout
//!
//! A *column set* is three state columns `s0, s1, s2` and three auxiliary columns `a0, a1, a2`;
//! all sets share three fixed columns `c0, c1, c2` (round constants) and three selectors. A
//! permutation takes [`ROWS_PER_PERMUTATION`] consecutive rows of one set; row `r + 1`'s state
//! is the state after row `r`'s round(s). With `y` the S-box inputs and `y²` held in `a`:
//!
//! ```text
//! row      selector   state            a                       next state
//! 0        q_first    x (the input)    a_i = (M_E·x + c)_i²     M_E·(y·a²)      y = M_E·x + c
//! 1..=3    q_full     s                a_i = (s_i + c_i)²       M_E·(y·a²)      y = s + c
//! 4..=31   q_partial  s                a0 = (s0 + c0)²          two partial rounds:
//!                                      a1 = t0                  t = M_I·(y0·a0², s1, s2),
//!                                      a2 = (a1 + c1)²          next = M_I·((a1 + c1)·a2², t1, t2)
//! 32..=35  q_full     s                a_i = (s_i + c_i)²       M_E·(y·a²)
//! 36       —          the output
//! ```
//!
//! Row 0 folds Plonky3's initial linear layer `M_E` into the first full round; each partial-round
//! row computes two partial rounds (56 = 28 × 2), with `a1` carrying the lane-0 value between
//! them so that every constraint is a polynomial of degree 3 in the cells, 4 with its selector.
//! That is halo2-base's own degree once it has a lookup table (its range checks), so the gate
//! leaves the circuit's degree and its 4× extended evaluation domain unchanged; a direct
//! `(s + c)^5` would be degree 6 and double the domain. (A halo2-base circuit without lookups
//! has degree 3; adding the gate to it makes it 4, i.e. doubles its extended domain.)
//!
//! Constraints are written once (`relations`) and evaluated either on field elements (the
//! witness generator, [`Poseidon2GateSchedule::permute_native`], tested against
//! `keel_stark::config::outer_perm()`) or on column queries (the gate). Every cell is
//! determined by the previous row, so the output is the permutation of the input.
//!
//! # Use with halo2-base
//!
//! [`Poseidon2CircuitBuilder`] is a [`BaseCircuitBuilder`] plus this gate: during witness
//! generation [`Poseidon2GateBuilder::permute`] takes three halo2-base cells and returns three
//! halo2-base cells holding the output (3 advice cells in the context); at synthesis the
//! permutations are laid out in the gate's columns and their input and output cells are
//! copy-constrained to those halo2-base cells. Only the state columns have equality enabled.

use std::ops::{Add, Mul};
use std::sync::{Arc, Mutex, MutexGuard};

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::{BaseCircuitParams, BaseConfig};
use halo2_base::halo2_proofs::circuit::{Cell, Layouter, Region, SimpleFloorPlanner, Value};
use halo2_base::halo2_proofs::halo2curves::ff::Field;
use halo2_base::halo2_proofs::plonk::{
    Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Selector,
};
use halo2_base::halo2_proofs::poly::Rotation;
use halo2_base::{AssignedValue, Context};
use p3_bn254::{BN254_POSEIDON2_HALF_FULL_ROUNDS, BN254_POSEIDON2_PARTIAL_ROUNDS_3};

use crate::poseidon2::{Poseidon2Chip, Poseidon2Constants, WIDTH};
use crate::{ChipError, Fr};

/// Rows one permutation takes in a column set: 8 full rounds, 28 rows of two partial rounds,
/// and the output row.
pub const ROWS_PER_PERMUTATION: usize =
    2 * BN254_POSEIDON2_HALF_FULL_ROUNDS + BN254_POSEIDON2_PARTIAL_ROUNDS_3 / 2 + 1;

/// Advice columns of one column set (`s0, s1, s2, a0, a1, a2`).
pub const ADVICE_COLUMNS_PER_SET: usize = 2 * WIDTH;

/// What a row of the layout computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowKind {
    /// Initial `M_E` and the first full round.
    First,
    /// A full round.
    Full,
    /// Two partial rounds.
    PartialPair,
    /// The output: no constraint on this row.
    Output,
}

/// One row of the layout: what it computes and the constants in its fixed columns.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ScheduleRow {
    kind: RowKind,
    constants: [Fr; WIDTH],
}

/// The relations between a row's cells and the next row's state, on field elements or on
/// expressions. Returns `(a, next)`: what the auxiliary cells `a` and the next row's state must
/// equal. Each `a_i` depends only on `s` and on `a_j` for `j < i`, so the witness is generated
/// by evaluating this left to right ([`row_witness`]); the gate constrains `a_i − a_i(s, a, c)`
/// and `next_i − next_i(s, a, c)`. Degree 3 in the cells (an S-box output `y·(y²)²` with `y²` a
/// cell), so 4 with the selector.
fn relations<T>(
    kind: RowKind,
    s: &[T; WIDTH],
    a: &[T; WIDTH],
    c: &[T; WIDTH],
) -> ([T; WIDTH], [T; WIDTH])
where
    T: Clone + Add<Output = T> + Mul<Output = T>,
{
    let square = |y: &T| y.clone() * y.clone();
    // y^5 = y·(y²)², with y² the auxiliary cell that holds it.
    let sbox = |y: &T, y_squared: &T| y.clone() * y_squared.clone() * y_squared.clone();
    let sum = |v: &[T; WIDTH]| v[0].clone() + v[1].clone() + v[2].clone();
    match kind {
        RowKind::First | RowKind::Full => {
            // M_E·x = x + Σx (M_E = I + J).
            let y: [T; WIDTH] = if kind == RowKind::First {
                let total = sum(s);
                std::array::from_fn(|i| s[i].clone() + total.clone() + c[i].clone())
            } else {
                std::array::from_fn(|i| s[i].clone() + c[i].clone())
            };
            let z: [T; WIDTH] = std::array::from_fn(|i| sbox(&y[i], &a[i]));
            let sigma = sum(&z);
            (y.each_ref().map(square), z.map(|z| z + sigma.clone()))
        }
        RowKind::PartialPair => {
            // M_I·(z, s1, s2) = (σ + z, σ + s1, σ + 2·s2), σ = z + s1 + s2.
            let y = s[0].clone() + c[0].clone();
            let z = sbox(&y, &a[0]);
            let sigma = z.clone() + s[1].clone() + s[2].clone();
            let t0 = z + sigma.clone();
            let t1 = sigma.clone() + s[1].clone();
            let t2 = sigma + s[2].clone() + s[2].clone();
            // The second round's lane 0 is the cell a1 (= t0), keeping the degree at 3.
            let y2 = a[1].clone() + c[1].clone();
            let w = sbox(&y2, &a[2]);
            let sigma2 = w.clone() + t1.clone() + t2.clone();
            (
                [square(&y), t0, square(&y2)],
                [
                    w + sigma2.clone(),
                    sigma2.clone() + t1,
                    sigma2 + t2.clone() + t2,
                ],
            )
        }
        RowKind::Output => (a.clone(), s.clone()),
    }
}

/// The auxiliary cells of a row and the next row's state, from the row's state.
fn row_witness(kind: RowKind, s: &[Fr; WIDTH], c: &[Fr; WIDTH]) -> ([Fr; WIDTH], [Fr; WIDTH]) {
    // a_i depends on a_j for j < i only: fill left to right.
    let a = (0..WIDTH).fold([Fr::ZERO; WIDTH], |mut a, i| {
        a[i] = relations(kind, s, &a, c).0[i];
        a
    });
    (a, relations(kind, s, &a, c).1)
}

/// The witness of one permutation: per row `[s0, s1, s2, a0, a1, a2]`.
type Trace = Vec<[Fr; ADVICE_COLUMNS_PER_SET]>;

/// The rows of one permutation: what each row computes and its round constants, derived from
/// the same [`Poseidon2Constants`] as the flex-gate chip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poseidon2GateSchedule {
    rows: Vec<ScheduleRow>,
}

impl Default for Poseidon2GateSchedule {
    fn default() -> Self {
        Self::new()
    }
}

impl Poseidon2GateSchedule {
    /// keel's outer configuration (HorizenLabs' constants, as `keel_stark::config::outer_perm`).
    pub fn new() -> Self {
        Self::from_constants(&Poseidon2Constants::horizen_labs())
            .expect("HorizenLabs' constants have Plonky3's 4 + 56 + 4 shape")
    }

    /// The layout for other round constants of the same shape (4 + 56 + 4 rounds).
    pub fn from_constants(constants: &Poseidon2Constants) -> Result<Self, ChipError> {
        constants.check_shape()?;
        let full = |kind, constants: &[Fr; WIDTH]| ScheduleRow {
            kind,
            constants: *constants,
        };
        let mut rows = Vec::with_capacity(ROWS_PER_PERMUTATION);
        for (round, c) in constants.initial.iter().enumerate() {
            let kind = if round == 0 {
                RowKind::First
            } else {
                RowKind::Full
            };
            rows.push(full(kind, c));
        }
        for pair in constants.internal.chunks_exact(2) {
            rows.push(ScheduleRow {
                kind: RowKind::PartialPair,
                constants: [pair[0], pair[1], Fr::ZERO],
            });
        }
        for c in &constants.terminal {
            rows.push(full(RowKind::Full, c));
        }
        rows.push(full(RowKind::Output, &[Fr::ZERO; WIDTH]));
        debug_assert_eq!(rows.len(), ROWS_PER_PERMUTATION);
        Ok(Poseidon2GateSchedule { rows })
    }

    /// The witness the gate's rows hold for `input`.
    fn trace(&self, input: [Fr; WIDTH]) -> Trace {
        let mut state = input;
        self.rows
            .iter()
            .map(|row| {
                let (a, next) = row_witness(row.kind, &state, &row.constants);
                let cells = [state[0], state[1], state[2], a[0], a[1], a[2]];
                state = next;
                cells
            })
            .collect()
    }

    /// The permutation computed natively, row by row as the gate lays it out.
    pub fn permute_native(&self, input: &[Fr; WIDTH]) -> [Fr; WIDTH] {
        let output = *self.trace(*input).last().expect("the layout has rows");
        [output[0], output[1], output[2]]
    }
}

/// The advice columns of one column set.
#[derive(Clone, Copy, Debug)]
struct ColumnSet {
    /// `s0, s1, s2`: the state entering the row's round(s); equality enabled.
    state: [Column<Advice>; WIDTH],
    /// `a0, a1, a2`: squares of S-box inputs (and the lane-0 value between two partial rounds).
    aux: [Column<Advice>; WIDTH],
}

/// A permutation laid out by the gate: its input and output cells (in the state columns, which
/// have equality enabled) and their values.
#[derive(Clone, Copy, Debug)]
pub struct AssignedPermutation {
    /// The input state's cells (the first row of the permutation).
    pub input: [Cell; WIDTH],
    /// The output state's cells (the last row of the permutation).
    pub output: [Cell; WIDTH],
    /// The input values.
    pub input_value: [Fr; WIDTH],
    /// The output values.
    pub output_value: [Fr; WIDTH],
}

/// Columns, selectors and gates of the Poseidon2 permutation.
#[derive(Clone, Debug)]
pub struct Poseidon2GateConfig {
    sets: Vec<ColumnSet>,
    /// `c0, c1, c2`, shared by all column sets.
    round_constants: [Column<Fixed>; WIDTH],
    q_first: Selector,
    q_full: Selector,
    q_partial: Selector,
    schedule: Poseidon2GateSchedule,
}

impl Poseidon2GateConfig {
    /// One column set (6 advice columns), 3 fixed columns and 3 selectors, with keel's outer
    /// configuration's constants.
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self::configure_with(meta, Poseidon2GateSchedule::new(), 1)
    }

    /// `column_sets` sets of 6 advice columns (permutations are dealt round-robin over them,
    /// so a circuit of 2^k rows holds `column_sets · ⌊usable rows / 37⌋` permutations), sharing
    /// 3 fixed columns and 3 selectors, with the constants of `schedule`.
    ///
    /// # Panics
    /// If `column_sets` is 0.
    pub fn configure_with(
        meta: &mut ConstraintSystem<Fr>,
        schedule: Poseidon2GateSchedule,
        column_sets: usize,
    ) -> Self {
        assert!(column_sets > 0, "the Poseidon2 gate needs a column set");
        let sets: Vec<ColumnSet> = (0..column_sets)
            .map(|_| {
                let state = [(); WIDTH].map(|_| meta.advice_column());
                let aux = [(); WIDTH].map(|_| meta.advice_column());
                for column in state {
                    meta.enable_equality(column);
                }
                ColumnSet { state, aux }
            })
            .collect();
        let round_constants = [(); WIDTH].map(|_| meta.fixed_column());
        let config = Poseidon2GateConfig {
            sets,
            round_constants,
            q_first: meta.selector(),
            q_full: meta.selector(),
            q_partial: meta.selector(),
            schedule,
        };
        for set in &config.sets {
            config.create_gates(meta, set);
        }
        config
    }

    fn create_gates(&self, meta: &mut ConstraintSystem<Fr>, set: &ColumnSet) {
        const FULL: [&str; 2 * WIDTH] = [
            "a0 = y0²",
            "a1 = y1²",
            "a2 = y2²",
            "next s0 = (M_E·y^5)_0",
            "next s1 = (M_E·y^5)_1",
            "next s2 = (M_E·y^5)_2",
        ];
        const PARTIAL: [&str; 2 * WIDTH] = [
            "a0 = (s0 + c0)²",
            "a1 = lane 0 after the first round",
            "a2 = (a1 + c1)²",
            "next s0 after the second round",
            "next s1 after the second round",
            "next s2 after the second round",
        ];
        let gates = [
            (
                "poseidon2 initial M_E and first full round",
                self.q_first,
                RowKind::First,
                FULL,
            ),
            ("poseidon2 full round", self.q_full, RowKind::Full, FULL),
            (
                "poseidon2 two partial rounds",
                self.q_partial,
                RowKind::PartialPair,
                PARTIAL,
            ),
        ];
        for (name, selector, kind, constraint_names) in gates {
            meta.create_gate(name, |meta| {
                let q = meta.query_selector(selector);
                let s = set.state.map(|col| meta.query_advice(col, Rotation::cur()));
                let a = set.aux.map(|col| meta.query_advice(col, Rotation::cur()));
                let next = set
                    .state
                    .map(|col| meta.query_advice(col, Rotation::next()));
                let c = self
                    .round_constants
                    .map(|col| meta.query_fixed(col, Rotation::cur()));
                let (expected_a, expected_next) = relations(kind, &s, &a, &c);
                let cells = a.into_iter().chain(next);
                let expected = expected_a.into_iter().chain(expected_next);
                constraint_names
                    .into_iter()
                    .zip(cells.zip(expected))
                    .map(|(name, (cell, expected))| (name, q.clone() * (cell - expected)))
                    .collect::<Vec<_>>()
            });
        }
    }

    /// Number of column sets.
    pub fn column_sets(&self) -> usize {
        self.sets.len()
    }

    /// The schedule (round constants) the gate's fixed columns are assigned from.
    pub fn schedule(&self) -> &Poseidon2GateSchedule {
        &self.schedule
    }

    /// Rows `permutations` permutations take (in every column set).
    pub fn rows_for(&self, permutations: usize) -> usize {
        permutations.div_ceil(self.sets.len()) * ROWS_PER_PERMUTATION
    }

    /// Lays out the permutations of `inputs` from row `offset` on (rows `offset` to
    /// `offset + self.rows_for(inputs.len())`), permutation `i` in column set
    /// `i mod column_sets`; returns their input and output cells in the order of `inputs`. If
    /// the last rows are not filled by the inputs, the remaining column sets hold the
    /// permutation of zero (its cells are connected to nothing).
    pub fn assign_permutations(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        inputs: &[[Fr; WIDTH]],
    ) -> Result<Vec<AssignedPermutation>, Error> {
        let traces: Vec<Trace> = inputs.iter().map(|x| self.schedule.trace(*x)).collect();
        self.assign_traces(region, offset, &traces)
    }

    /// Lays out given witnesses (the tests tamper with them).
    fn assign_traces(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        traces: &[Trace],
    ) -> Result<Vec<AssignedPermutation>, Error> {
        let sets = self.sets.len();
        let padding = (traces.len() % sets != 0).then(|| self.schedule.trace([Fr::ZERO; WIDTH]));
        let mut assigned = Vec::with_capacity(traces.len());
        for slot in 0..traces.len().div_ceil(sets) {
            let start = offset + slot * ROWS_PER_PERMUTATION;
            self.assign_constants(region, start)?;
            for (set_index, set) in self.sets.iter().enumerate() {
                let index = slot * sets + set_index;
                let Some(trace) = traces.get(index).or(padding.as_ref()) else {
                    unreachable!("a partly filled slot has padding");
                };
                let (input, output) = Self::assign_trace(region, set, start, trace);
                if index < traces.len() {
                    let state = |row: &[Fr; ADVICE_COLUMNS_PER_SET]| [row[0], row[1], row[2]];
                    assigned.push(AssignedPermutation {
                        input,
                        output,
                        input_value: state(&trace[0]),
                        output_value: state(&trace[ROWS_PER_PERMUTATION - 1]),
                    });
                }
            }
        }
        Ok(assigned)
    }

    /// Round constants and selectors of one permutation's rows from `start` on.
    fn assign_constants(&self, region: &mut Region<'_, Fr>, start: usize) -> Result<(), Error> {
        for (r, row) in self.schedule.rows.iter().enumerate() {
            let selector = match row.kind {
                RowKind::First => self.q_first,
                RowKind::Full => self.q_full,
                RowKind::PartialPair => self.q_partial,
                RowKind::Output => continue,
            };
            selector.enable(region, start + r)?;
            for (column, constant) in self.round_constants.iter().zip(row.constants) {
                region.assign_fixed(*column, start + r, constant);
            }
        }
        Ok(())
    }

    /// One permutation's advice cells from `start` on; returns its input and output cells.
    fn assign_trace(
        region: &mut Region<'_, Fr>,
        set: &ColumnSet,
        start: usize,
        trace: &Trace,
    ) -> ([Cell; WIDTH], [Cell; WIDTH]) {
        let mut state_cells = Vec::with_capacity(trace.len());
        for (r, cells) in trace.iter().enumerate() {
            let state: [Cell; WIDTH] = std::array::from_fn(|i| {
                region
                    .assign_advice(set.state[i], start + r, Value::known(cells[i]))
                    .cell()
            });
            if r + 1 < trace.len() {
                for (i, column) in set.aux.iter().enumerate() {
                    region.assign_advice(*column, start + r, Value::known(cells[WIDTH + i]));
                }
            }
            state_cells.push(state);
        }
        let first = *state_cells.first().expect("the layout has rows");
        let last = *state_cells.last().expect("the layout has rows");
        (first, last)
    }
}

/// A permutation requested during witness generation: halo2-base cells of its input and output.
#[derive(Clone, Copy, Debug)]
struct PermutationCall {
    input: [AssignedValue<Fr>; WIDTH],
    output: [AssignedValue<Fr>; WIDTH],
}

/// Collects the permutations a halo2-base circuit computes, and lays them out in the gate at
/// synthesis, copy-constrained to the halo2-base cells ([`Poseidon2CircuitBuilder`] does this).
///
/// **The output cells [`Self::permute`] returns are unconstrained witnesses until
/// [`Self::assign`] runs in the circuit's `synthesize`**: use this through
/// [`Poseidon2CircuitBuilder`], or call [`Self::assign`] from your own `Circuit`.
///
/// Clones share the list of requested permutations (as halo2-base's contexts share their copy
/// manager), so a clone can be handed to the code that hashes ([`Permuter::Gate`]) while the
/// circuit keeps the original to lay the permutations out.
#[derive(Clone, Debug, Default)]
pub struct Poseidon2GateBuilder {
    schedule: Poseidon2GateSchedule,
    calls: Arc<Mutex<Vec<PermutationCall>>>,
}

impl Poseidon2GateBuilder {
    /// Permutes three halo2-base cells: returns three new cells of `ctx` (3 advice cells) that
    /// [`Self::assign`] constrains to the gate's output, the gate's input being constrained to
    /// `state`.
    pub fn permute(
        &self,
        ctx: &mut Context<Fr>,
        state: &[AssignedValue<Fr>; WIDTH],
    ) -> [AssignedValue<Fr>; WIDTH] {
        let output = self.schedule.permute_native(&state.map(|x| *x.value()));
        let output = output.map(|x| ctx.load_witness(x));
        self.lock_calls().push(PermutationCall {
            input: *state,
            output,
        });
        output
    }

    /// The requested permutations. A panic while the lock was held left the list whole (each
    /// push is one call), so a poisoned lock is taken over.
    fn lock_calls(&self) -> MutexGuard<'_, Vec<PermutationCall>> {
        self.calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of permutations requested.
    pub fn len(&self) -> usize {
        self.lock_calls().len()
    }

    /// Whether no permutation was requested.
    pub fn is_empty(&self) -> bool {
        self.lock_calls().is_empty()
    }

    /// Clears the requested permutations (as [`BaseCircuitBuilder::clear`]), for every clone.
    pub fn clear(&self) {
        self.lock_calls().clear();
    }

    /// Lays out the requested permutations in the gate's columns from row 0 on and, unless
    /// `base` only generates witnesses, constrains their input and output cells equal to the
    /// halo2-base cells. Call after `base` has been synthesized (its cells must be assigned);
    /// `usable_rows` is the circuit's (halo2-base's `max_rows`).
    pub fn assign(
        &self,
        config: &Poseidon2GateConfig,
        base: &BaseCircuitBuilder<Fr>,
        usable_rows: usize,
        layouter: &mut impl Layouter<Fr>,
    ) -> Result<(), Error> {
        if self.schedule != config.schedule {
            return Err(Error::Synthesis);
        }
        let calls = self.lock_calls().clone();
        if config.rows_for(calls.len()) > usable_rows {
            return Err(Error::NotEnoughRowsAvailable {
                current_k: usable_rows.next_power_of_two().trailing_zeros(),
            });
        }
        let inputs: Vec<[Fr; WIDTH]> = calls
            .iter()
            .map(|call| call.input.map(|x| *x.value()))
            .collect();
        let copy_manager = base.core().copy_manager.clone();
        layouter.assign_region(
            || "Poseidon2 gate",
            |mut region| {
                let assigned = config.assign_permutations(&mut region, 0, &inputs)?;
                if base.witness_gen_only() {
                    return Ok(());
                }
                let copy_manager = copy_manager.lock().expect("copy manager lock");
                for (call, gate) in calls.iter().zip(&assigned) {
                    let pairs = call.input.iter().zip(gate.input);
                    for (value, gate_cell) in pairs.chain(call.output.iter().zip(gate.output)) {
                        // A cell of a context that records constraints (keygen, mock).
                        let context_cell = value.cell.ok_or(Error::Synthesis)?;
                        let base_cell = copy_manager
                            .assigned_advices
                            .get(&context_cell)
                            .ok_or(Error::Synthesis)?;
                        region.constrain_equal(gate_cell, *base_cell);
                    }
                }
                Ok(())
            },
        )
    }
}

/// Where a circuit's Poseidon2 permutations go: the flex-gate chip (2 212 advice cells each, any
/// halo2-base circuit) or the custom gate (3 advice cells in the context plus 37 rows of the
/// gate's columns; needs a [`Poseidon2CircuitBuilder`] or a circuit that calls
/// [`Poseidon2GateBuilder::assign`]). Both compute the same permutation.
#[derive(Clone, Debug)]
pub enum Permuter {
    /// halo2-base's flex gate ([`Poseidon2Chip`]).
    Chip(Poseidon2Chip),
    /// The custom gate, through a (shared) [`Poseidon2GateBuilder`].
    Gate(Poseidon2GateBuilder),
}

impl Default for Permuter {
    fn default() -> Self {
        Permuter::Chip(Poseidon2Chip::new())
    }
}

impl Permuter {
    /// Permutes three cells; returns the output cells.
    pub fn permute(
        &self,
        ctx: &mut Context<Fr>,
        state: &[AssignedValue<Fr>; WIDTH],
    ) -> [AssignedValue<Fr>; WIDTH] {
        match self {
            Permuter::Chip(chip) => chip.permute(ctx, state),
            Permuter::Gate(gate) => gate.permute(ctx, state),
        }
    }
}

/// Parameters of a [`Poseidon2CircuitBuilder`]: halo2-base's and the gate's column sets.
#[derive(Clone, Debug, Hash)]
pub struct Poseidon2CircuitParams {
    /// halo2-base's parameters.
    pub base: BaseCircuitParams,
    /// Column sets of the Poseidon2 gate (6 advice columns each).
    pub poseidon2_column_sets: usize,
}

impl Default for Poseidon2CircuitParams {
    fn default() -> Self {
        Poseidon2CircuitParams {
            base: BaseCircuitParams::default(),
            poseidon2_column_sets: 1,
        }
    }
}

/// Configuration of a [`Poseidon2CircuitBuilder`].
#[derive(Clone, Debug)]
pub struct Poseidon2CircuitConfig {
    /// halo2-base's columns, gates and lookup table.
    pub base: BaseConfig<Fr>,
    /// The Poseidon2 gate.
    pub poseidon2: Poseidon2GateConfig,
}

/// A halo2-base circuit with the Poseidon2 gate: build the circuit in `base` as usual and hash
/// with `poseidon2.permute(base.main(0), &state)`; the struct is a [`Circuit`] that synthesizes
/// both and connects them.
#[derive(Clone, Debug)]
pub struct Poseidon2CircuitBuilder {
    /// The halo2-base circuit.
    pub base: BaseCircuitBuilder<Fr>,
    /// The permutations requested.
    pub poseidon2: Poseidon2GateBuilder,
    /// Column sets the gate is configured with (see [`Self::calculate_params`]).
    pub poseidon2_column_sets: usize,
}

impl Poseidon2CircuitBuilder {
    /// Wraps a halo2-base builder (configure `k` and lookup bits on it as usual).
    pub fn new(base: BaseCircuitBuilder<Fr>) -> Self {
        Poseidon2CircuitBuilder {
            base,
            poseidon2: Poseidon2GateBuilder::default(),
            poseidon2_column_sets: 1,
        }
    }

    /// Calculates halo2-base's parameters ([`BaseCircuitBuilder::calculate_params`]) and the
    /// fewest column sets that hold the requested permutations in the circuit's usable rows.
    ///
    /// # Panics
    /// If 2^k rows cannot hold a single permutation.
    pub fn calculate_params(&mut self, minimum_rows: Option<usize>) -> Poseidon2CircuitParams {
        let base = self.base.calculate_params(minimum_rows);
        let mut params = Poseidon2CircuitParams {
            base,
            poseidon2_column_sets: 1,
        };
        // The usable rows as the configured circuit will have them (blinding rows included).
        let mut meta = ConstraintSystem::default();
        let config = Self::configure_with_params(&mut meta, params.clone());
        let per_set = config.base.gate().max_rows / ROWS_PER_PERMUTATION;
        assert!(per_set > 0, "2^{} rows hold no permutation", params.base.k);
        params.poseidon2_column_sets = self.poseidon2.len().div_ceil(per_set).max(1);
        self.poseidon2_column_sets = params.poseidon2_column_sets;
        params
    }
}

impl Circuit<Fr> for Poseidon2CircuitBuilder {
    type Config = Poseidon2CircuitConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Poseidon2CircuitParams;

    fn params(&self) -> Self::Params {
        Poseidon2CircuitParams {
            base: self.base.params(),
            poseidon2_column_sets: self.poseidon2_column_sets,
        }
    }

    fn without_witnesses(&self) -> Self {
        unimplemented!("as halo2-base's BaseCircuitBuilder")
    }

    fn configure_with_params(
        meta: &mut ConstraintSystem<Fr>,
        params: Self::Params,
    ) -> Self::Config {
        let k = params.base.k;
        let mut base = BaseConfig::configure(meta, params.base);
        let poseidon2 = Poseidon2GateConfig::configure_with(
            meta,
            Poseidon2GateSchedule::new(),
            params.poseidon2_column_sets,
        );
        // The gate's columns could change the blinding rows; keep halo2-base's view exact.
        base.set_usable_rows((1 << k) - meta.minimum_rows());
        Poseidon2CircuitConfig { base, poseidon2 }
    }

    fn configure(_: &mut ConstraintSystem<Fr>) -> Self::Config {
        unreachable!("configured with params, as halo2-base's BaseCircuitBuilder")
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let usable_rows = config.base.gate().max_rows;
        self.base
            .synthesize(config.base, layouter.namespace(|| "halo2-base"))?;
        self.poseidon2
            .assign(&config.poseidon2, &self.base, usable_rows, &mut layouter)
    }
}

#[cfg(test)]
mod tests {
    use halo2_base::gates::circuit::CircuitBuilderStage;
    use halo2_base::gates::{GateInstructions, RangeInstructions};
    use halo2_base::halo2_proofs::dev::{MockProver, VerifyFailure};
    use halo2_base::halo2_proofs::plonk::Instance;
    use halo2_base::QuantumCell::Constant;
    use keel_stark::config::outer_perm;
    use p3_bn254::Bn254;
    use p3_field::PrimeCharacteristicRing;
    use p3_symmetric::Permutation;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};

    use super::*;
    use crate::convert::{bn254_to_fr, fr_to_bn254};

    /// Plonky3's permutation (keel's outer configuration) on an `Fr` state.
    fn plonky3(state: [Fr; WIDTH]) -> [Fr; WIDTH] {
        let mut native: [Bn254; WIDTH] = state.map(|x| fr_to_bn254(&x));
        outer_perm().permute_mut(&mut native);
        native.map(|x| bn254_to_fr(&x))
    }

    fn random_states(seed: u64, n: usize) -> Vec<[Fr; WIDTH]> {
        let mut rng = SmallRng::seed_from_u64(seed);
        (0..n)
            .map(|_| rng.random::<[Bn254; WIDTH]>().map(|x| bn254_to_fr(&x)))
            .collect()
    }

    /// HorizenLabs' known answer for the input [0, 1, 2] (`poseidon2_instance_bn256`).
    const HORIZEN_LABS_KAT: [&str; WIDTH] = [
        "0bb61d24daca55eebcb1929a82650f328134334da98ea4f847f760054f4a3033",
        "303b6f7c86d043bfcbcc80214f26a30277a15d3f74ca654992defe7ff8d03570",
        "1ed25194542b12eef8617361c3ba7c52e660b145994427cc86296242cf766ec8",
    ];

    fn from_hex(hex: &str) -> Fr {
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().rev().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex digits");
        }
        Fr::from_bytes(&bytes).expect("a canonical field element")
    }

    fn kat_input() -> [Fr; WIDTH] {
        [Fr::ZERO, Fr::ONE, Fr::from(2u64)]
    }

    /// Random states, the known-answer input and edge states.
    fn test_states(seed: u64, random: usize) -> Vec<[Fr; WIDTH]> {
        let mut states = random_states(seed, random);
        states.push(kat_input());
        states.push([Fr::ZERO; WIDTH]);
        states.push([bn254_to_fr(&Bn254::NEG_ONE); WIDTH]);
        states
    }

    #[test]
    fn layout_has_37_rows_and_the_plonky3_shape() {
        let schedule = Poseidon2GateSchedule::new();
        assert_eq!(ROWS_PER_PERMUTATION, 37);
        assert_eq!(schedule.rows.len(), ROWS_PER_PERMUTATION);
        let count = |kind| schedule.rows.iter().filter(|r| r.kind == kind).count();
        assert_eq!(count(RowKind::First), 1);
        assert_eq!(count(RowKind::Full), 7);
        assert_eq!(count(RowKind::PartialPair), 28);
        assert_eq!(count(RowKind::Output), 1);
        let mut short = Poseidon2Constants::horizen_labs();
        short.terminal.pop();
        assert_eq!(
            Poseidon2GateSchedule::from_constants(&short),
            Err(ChipError::Poseidon2Shape {
                initial: 4,
                internal: 56,
                terminal: 3
            })
        );
    }

    #[test]
    fn native_schedule_matches_plonky3_and_the_known_answer() {
        let schedule = Poseidon2GateSchedule::new();
        let chip = Poseidon2Chip::new();
        for state in test_states(40, 200) {
            let output = schedule.permute_native(&state);
            assert_eq!(output, plonky3(state));
            assert_eq!(output, chip.permute_native(&state));
        }
        assert_eq!(
            schedule.permute_native(&kat_input()),
            HORIZEN_LABS_KAT.map(from_hex)
        );
    }

    #[test]
    fn every_constraint_has_degree_at_most_4() {
        let mut meta = ConstraintSystem::<Fr>::default();
        Poseidon2GateConfig::configure_with(&mut meta, Poseidon2GateSchedule::new(), 2);
        let degrees: Vec<usize> = meta
            .gates()
            .iter()
            .flat_map(|gate| gate.polynomials().iter().map(|p| p.degree()))
            .collect();
        assert_eq!(degrees.len(), 2 * 3 * 2 * WIDTH);
        assert_eq!(degrees.iter().max(), Some(&4));
        assert_eq!(meta.num_advice_columns(), 2 * ADVICE_COLUMNS_PER_SET);
        assert_eq!(meta.num_fixed_columns(), WIDTH);
        assert_eq!(meta.num_selectors(), 3);
    }

    /// halo2-base's parameters for a small circuit with one lookup column.
    fn small_base_params(k: usize) -> BaseCircuitParams {
        BaseCircuitParams {
            k,
            num_advice_per_phase: vec![2],
            num_fixed: 1,
            num_lookup_advice_per_phase: vec![1],
            lookup_bits: Some(k - 1),
            num_instance_columns: 1,
        }
    }

    #[test]
    fn gate_keeps_halo2_base_degree_with_lookups() {
        let base_degree = |params: BaseCircuitParams| {
            let mut meta = ConstraintSystem::<Fr>::default();
            BaseConfig::configure(&mut meta, params);
            meta.degree()
        };
        let with_gate = |params: BaseCircuitParams| {
            let mut meta = ConstraintSystem::<Fr>::default();
            Poseidon2CircuitBuilder::configure_with_params(
                &mut meta,
                Poseidon2CircuitParams {
                    base: params,
                    poseidon2_column_sets: 1,
                },
            );
            (meta.degree(), meta.minimum_rows())
        };
        let with_lookups = small_base_params(10);
        let mut meta = ConstraintSystem::<Fr>::default();
        BaseConfig::configure(&mut meta, with_lookups.clone());
        let base_minimum_rows = meta.minimum_rows();
        assert_eq!(base_degree(with_lookups.clone()), 4);
        assert_eq!(with_gate(with_lookups), (4, base_minimum_rows));
        // Without a lookup table halo2-base is degree 3: the gate raises it to 4.
        let without_lookups = BaseCircuitParams {
            num_lookup_advice_per_phase: vec![],
            lookup_bits: None,
            ..small_base_params(10)
        };
        assert_eq!(base_degree(without_lookups.clone()), 3);
        assert_eq!(with_gate(without_lookups).0, 4);
    }

    /// How a test cheats in [`GateCircuit`].
    #[derive(Clone, Copy, Debug)]
    enum Tamper {
        Nothing,
        /// Adds 1 to a witness cell: `(permutation, row, column)`, columns `s0..s2, a0..a2`.
        Cell(usize, usize, usize),
        /// Adds 1 to a round constant in the fixed columns: `(row, column)` of every permutation.
        Constant(usize, usize),
    }

    /// The gate alone: inputs and outputs exposed in an instance column (6 per permutation).
    #[derive(Clone, Debug)]
    struct GateCircuit {
        inputs: Vec<[Fr; WIDTH]>,
        column_sets: usize,
        tamper: Tamper,
    }

    #[derive(Clone, Debug)]
    struct GateCircuitConfig {
        gate: Poseidon2GateConfig,
        instance: Column<Instance>,
    }

    impl Circuit<Fr> for GateCircuit {
        type Config = GateCircuitConfig;
        type FloorPlanner = SimpleFloorPlanner;
        type Params = usize;

        fn params(&self) -> usize {
            self.column_sets
        }

        fn without_witnesses(&self) -> Self {
            self.clone()
        }

        fn configure_with_params(
            meta: &mut ConstraintSystem<Fr>,
            column_sets: usize,
        ) -> Self::Config {
            let gate = Poseidon2GateConfig::configure_with(
                meta,
                Poseidon2GateSchedule::new(),
                column_sets,
            );
            let instance = meta.instance_column();
            meta.enable_equality(instance);
            GateCircuitConfig { gate, instance }
        }

        fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
            Self::configure_with_params(meta, 1)
        }

        fn synthesize(
            &self,
            config: Self::Config,
            mut layouter: impl Layouter<Fr>,
        ) -> Result<(), Error> {
            let mut gate = config.gate.clone();
            // The honest witness, then the cheat.
            let mut traces: Vec<Trace> = self
                .inputs
                .iter()
                .map(|x| gate.schedule.trace(*x))
                .collect();
            match self.tamper {
                Tamper::Nothing => {}
                Tamper::Cell(permutation, row, column) => {
                    traces[permutation][row][column] += Fr::ONE;
                }
                Tamper::Constant(row, column) => {
                    gate.schedule.rows[row].constants[column] += Fr::ONE;
                }
            }
            let assigned = layouter.assign_region(
                || "Poseidon2 gate",
                |mut region| gate.assign_traces(&mut region, 0, &traces),
            )?;
            for (p, permutation) in assigned.iter().enumerate() {
                let cells = permutation.input.iter().chain(&permutation.output);
                for (i, cell) in cells.enumerate() {
                    layouter.constrain_instance(*cell, config.instance, 2 * WIDTH * p + i);
                }
            }
            Ok(())
        }
    }

    /// 2^9 rows: 506 usable (the gate alone has 5 blinding rows), 13 permutations per set.
    const GATE_K: u32 = 9;

    /// Runs the gate circuit with public inputs and claimed outputs.
    fn run_gate(circuit: &GateCircuit, claimed: &[[Fr; WIDTH]]) -> Result<(), Vec<VerifyFailure>> {
        let instance = circuit
            .inputs
            .iter()
            .zip(claimed)
            .flat_map(|(input, output)| input.iter().chain(output).copied())
            .collect();
        MockProver::run(GATE_K, circuit, vec![instance])
            .expect("MockProver runs")
            .verify()
    }

    fn honest(inputs: Vec<[Fr; WIDTH]>, column_sets: usize) -> (GateCircuit, Vec<[Fr; WIDTH]>) {
        let outputs = inputs.iter().map(|x| plonky3(*x)).collect();
        let circuit = GateCircuit {
            inputs,
            column_sets,
            tamper: Tamper::Nothing,
        };
        (circuit, outputs)
    }

    /// Asserts that MockProver rejects with a failure of the given kind mentioning `what`.
    fn assert_rejected(verdict: Result<(), Vec<VerifyFailure>>, kind: &str, what: &str) {
        let failures = verdict.expect_err("MockProver must reject the cheat");
        let text: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
        let matching = failures.iter().zip(&text).any(|(f, t)| {
            let kind_matches = match f {
                VerifyFailure::ConstraintNotSatisfied { .. } => kind == "constraint",
                VerifyFailure::Permutation { .. } => kind == "copy",
                _ => false,
            };
            kind_matches && t.contains(what)
        });
        assert!(
            matching,
            "expected a {kind} failure mentioning {what:?}, got:\n{}",
            text.join("\n")
        );
        println!(
            "{} failure(s), first: {}",
            text.len(),
            text[0].lines().next().unwrap_or_default()
        );
    }

    #[test]
    fn gate_matches_plonky3_on_several_permutations_in_one_region() {
        // 9 permutations in one column set, chained inputs included.
        let mut inputs = test_states(41, 3);
        inputs.push(plonky3(inputs[0]));
        inputs.push(plonky3(inputs[1]));
        inputs.push(plonky3(inputs[4]));
        let (circuit, outputs) = honest(inputs, 1);
        assert_eq!(outputs[3], HORIZEN_LABS_KAT.map(from_hex));
        run_gate(&circuit, &outputs).expect("the honest gate is satisfied");
    }

    #[test]
    fn gate_matches_plonky3_over_three_column_sets_with_padding() {
        // 7 permutations over 3 sets: 3 slots, the last with two padding permutations.
        let (circuit, outputs) = honest(test_states(42, 4), 3);
        run_gate(&circuit, &outputs).expect("the honest gate is satisfied");
    }

    #[test]
    fn rejects_a_wrong_output() {
        let (circuit, outputs) = honest(test_states(43, 2), 1);
        for lane in 0..WIDTH {
            let mut claimed = outputs.clone();
            claimed[1][lane] += Fr::ONE;
            // The output cell is copy-constrained to the instance cell holding the claim.
            assert_rejected(run_gate(&circuit, &claimed), "copy", "");
        }
    }

    #[test]
    fn rejects_a_tampered_auxiliary_cell() {
        let (mut circuit, outputs) = honest(test_states(44, 2), 2);
        // a0 of a full round, a1 (the carried lane) and a2 of a partial-round row.
        for (row, column, gate) in [
            (2, 3, "poseidon2 full round"),
            (10, 4, "poseidon2 two partial rounds"),
            (20, 5, "poseidon2 two partial rounds"),
            (0, 5, "poseidon2 initial M_E and first full round"),
        ] {
            circuit.tamper = Tamper::Cell(1, row, column);
            assert_rejected(run_gate(&circuit, &outputs), "constraint", gate);
        }
    }

    #[test]
    fn rejects_a_tampered_next_row_state() {
        let (mut circuit, outputs) = honest(test_states(45, 2), 1);
        // The state entering a partial-round row, and the one entering a terminal full round:
        // the previous row's transition breaks (and this row's own relations).
        for (row, column, gate) in [
            (10, 1, "poseidon2 two partial rounds"),
            (32, 0, "poseidon2 two partial rounds"),
            (34, 2, "poseidon2 full round"),
        ] {
            circuit.tamper = Tamper::Cell(2, row, column);
            assert_rejected(run_gate(&circuit, &outputs), "constraint", gate);
        }
        // The output row: only the last full round's transition covers it.
        circuit.tamper = Tamper::Cell(0, ROWS_PER_PERMUTATION - 1, 1);
        assert_rejected(
            run_gate(&circuit, &outputs),
            "constraint",
            "poseidon2 full round",
        );
    }

    #[test]
    fn rejects_a_wrong_round_constant() {
        let (mut circuit, outputs) = honest(test_states(46, 1), 1);
        for (row, column, gate) in [
            (0, 2, "poseidon2 initial M_E and first full round"),
            (5, 0, "poseidon2 two partial rounds"),
            (5, 1, "poseidon2 two partial rounds"),
            (33, 1, "poseidon2 full round"),
        ] {
            circuit.tamper = Tamper::Constant(row, column);
            assert_rejected(run_gate(&circuit, &outputs), "constraint", gate);
        }
    }

    /// A halo2-base circuit with the gate; `f` builds it in the main context.
    fn base_circuit(
        k: usize,
        f: impl FnOnce(&mut Context<Fr>, &mut Poseidon2GateBuilder, &halo2_base::gates::RangeChip<Fr>),
    ) -> Poseidon2CircuitBuilder {
        let base = BaseCircuitBuilder::<Fr>::from_stage(CircuitBuilderStage::Mock)
            .use_k(k)
            .use_lookup_bits(k - 1);
        let mut circuit = Poseidon2CircuitBuilder::new(base);
        let range = circuit.base.range_chip();
        f(circuit.base.main(0), &mut circuit.poseidon2, &range);
        circuit.calculate_params(Some(9));
        circuit
    }

    fn mock_base(k: usize, circuit: &Poseidon2CircuitBuilder) -> Result<(), Vec<VerifyFailure>> {
        MockProver::run(k as u32, circuit, vec![])
            .expect("MockProver runs")
            .verify()
    }

    /// A sponge-like chain in halo2-base: permute, add a value to the output, permute again;
    /// every output constrained equal to Plonky3's; range checks so the lookup table is used.
    fn chain(
        ctx: &mut Context<Fr>,
        poseidon2: &mut Poseidon2GateBuilder,
        range: &halo2_base::gates::RangeChip<Fr>,
        states: &[[Fr; WIDTH]],
    ) {
        let gate = range.gate();
        for start in states {
            let mut state = start.map(|x| ctx.load_witness(x));
            let mut native = *start;
            for step in 0..3u64 {
                state = poseidon2.permute(ctx, &state);
                native = plonky3(native);
                for (cell, want) in state.iter().zip(native) {
                    let want = ctx.load_constant(want);
                    ctx.constrain_equal(cell, &want);
                }
                state[0] = gate.add(ctx, state[0], Constant(Fr::from(step)));
                native[0] += Fr::from(step);
            }
        }
        let small = ctx.load_witness(Fr::from(200u64));
        range.range_check(ctx, small, 8);
    }

    #[test]
    fn halo2_base_circuit_with_the_gate_matches_plonky3() {
        let states = test_states(47, 2);
        let k = 10;
        let circuit = base_circuit(k, |ctx, poseidon2, range| {
            chain(ctx, poseidon2, range, &states)
        });
        assert_eq!(circuit.poseidon2.len(), 3 * states.len());
        assert_eq!(circuit.poseidon2_column_sets, 1);
        mock_base(k, &circuit).expect("the honest circuit is satisfied");
    }

    #[test]
    fn calculate_params_adds_column_sets_when_rows_run_out() {
        // 2^9 rows: 503 usable, 13 permutations per set; 15 permutations need 2 sets.
        let states = test_states(48, 2);
        let k = 9;
        let circuit = base_circuit(k, |ctx, poseidon2, range| {
            chain(ctx, poseidon2, range, &states)
        });
        assert_eq!(circuit.poseidon2.len(), 15);
        assert_eq!(circuit.poseidon2_column_sets, 2);
        mock_base(k, &circuit).expect("the honest circuit is satisfied");
        // One set is too few: synthesis reports it instead of overflowing.
        let mut one_set = circuit.clone();
        one_set.poseidon2_column_sets = 1;
        assert!(matches!(
            MockProver::run(k as u32, &one_set, vec![]),
            Err(Error::NotEnoughRowsAvailable { current_k: 9 })
        ));
    }

    #[test]
    fn rejects_a_halo2_base_output_cell_that_differs_from_the_gate() {
        let state = random_states(49, 1)[0];
        for lane in 0..WIDTH {
            let k = 10;
            let circuit = base_circuit(k, |ctx, poseidon2, _| {
                let input = state.map(|x| ctx.load_witness(x));
                let output = poseidon2.permute(ctx, &input);
                // The halo2-base cell claims another value; the gate still computes the real one.
                output[lane].debug_prank(ctx, *output[lane].value() + Fr::ONE);
            });
            assert_rejected(mock_base(k, &circuit), "copy", "");
        }
    }

    #[test]
    fn rejects_a_halo2_base_input_cell_that_differs_from_the_gate() {
        let state = random_states(50, 1)[0];
        let k = 10;
        let circuit = base_circuit(k, |ctx, poseidon2, _| {
            let input = state.map(|x| ctx.load_witness(x));
            poseidon2.permute(ctx, &input);
            // The gate permutes the original input; the halo2-base cell now holds another.
            input[1].debug_prank(ctx, state[1] + Fr::ONE);
        });
        assert_rejected(mock_base(k, &circuit), "copy", "");
    }

    #[test]
    fn cells_and_columns_per_permutation() {
        // The fixed columns the gate adds once MockProver has compressed the selectors, as
        // keygen does: the same halo2-base circuit with and without the gate. Two advice
        // columns, so that halo2-base has separate lookup columns and degree 4 (with a single
        // advice column its lookup is degree 5 and the compression pairs the gate's selectors).
        let k = 10;
        let mut circuit = base_circuit(k, |ctx, poseidon2, range| {
            chain(ctx, poseidon2, range, &random_states(51, 1));
        });
        circuit.base.config_params.num_advice_per_phase = vec![2];
        let fixed_columns = |prover: MockProver<Fr>| {
            prover.verify().expect("satisfied");
            prover.fixed().len()
        };
        let with_gate = MockProver::run(k as u32, &circuit, vec![]).expect("MockProver runs");
        let base_only = MockProver::run(k as u32, &circuit.base, vec![]).expect("MockProver runs");
        let added_fixed = fixed_columns(with_gate) - fixed_columns(base_only);
        let mut meta = ConstraintSystem::<Fr>::default();
        let config = Poseidon2GateConfig::configure(&mut meta);
        println!(
            "Poseidon2 gate: {ROWS_PER_PERMUTATION} rows x {ADVICE_COLUMNS_PER_SET} advice columns \
             = {} cells per permutation ({} of them assigned), {} fixed columns after selector \
             compression, {} advice columns per column set, degree {}",
            ROWS_PER_PERMUTATION * ADVICE_COLUMNS_PER_SET,
            (ROWS_PER_PERMUTATION - 1) * ADVICE_COLUMNS_PER_SET + WIDTH,
            added_fixed,
            meta.num_advice_columns(),
            meta.degree(),
        );
        assert_eq!(config.rows_for(1), 37);
        assert_eq!(config.rows_for(7), 7 * 37);
        assert_eq!(added_fixed, 6);
    }
}
