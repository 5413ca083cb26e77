//! Small AIRs that exercise every feature the zkVM's machine uses, so the STARK layer and the
//! Halo2 verifier can be built and tested before the RV32IM tables exist:
//!
//! - [`ToyAir::Fibonacci`]: one table, transition constraints and public values;
//! - [`ToyAir::Decompose`] + [`ToyAir::Bytes`]: two tables joined by a LogUp bus, the second
//!   with a preprocessed column (the byte range table);
//! - [`ToyAir::Wide`]: many columns with degree-3 transition constraints, used in
//!   [`ToyMachine::zkvm_like`] (several tables of different heights, ≥ 100 columns in all).

use crate::config::Val;
use crate::config::{fast_config, outer_config, FastConfig, OuterConfig};
use crate::stark::{prove, setup, StarkError};
use p3_air::{Air, AirBuilder, BaseAir, PermutationAirBuilder, WindowAccess};
use p3_batch_stark::{BatchProof, ProverData};
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;

/// Name of the byte-range LogUp bus.
pub const BYTE_BUS: &str = "byte";

/// The toy tables. One enum, because a batch proof takes one AIR type for all its tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToyAir {
    /// Columns `[a, b]`: `a' = b`, `b' = a + b`; first row `(a, b) = (pv0, pv1)`, last row `b = pv2`.
    Fibonacci,
    /// Columns `[x, b0, b1, b2]`: `x = b0 + 2^8 b1 + 2^16 b2`, each `b_i` looked up on [`BYTE_BUS`].
    Decompose,
    /// 256 rows: preprocessed column `value = row index`, main column `multiplicity`; provides
    /// `value` on [`BYTE_BUS`] `multiplicity` times.
    Bytes,
    /// `width` columns: `x_i' = x_i · x_{i+1} · x_{i+2} + x_{i+3} + i` (indices mod `width`), and
    /// `x_0 = pv0` on the first row.
    Wide {
        /// Number of columns (at least 4).
        width: usize,
    },
}

impl<F: PrimeCharacteristicRing + Send + Sync + Clone> BaseAir<F> for ToyAir {
    fn width(&self) -> usize {
        match self {
            ToyAir::Fibonacci => 2,
            ToyAir::Decompose => 4,
            ToyAir::Bytes => 1,
            ToyAir::Wide { width } => *width,
        }
    }

    fn num_public_values(&self) -> usize {
        match self {
            ToyAir::Fibonacci => 3,
            ToyAir::Wide { .. } => 1,
            ToyAir::Decompose | ToyAir::Bytes => 0,
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        match self {
            ToyAir::Bytes => Some(RowMajorMatrix::new(
                (0..256u64).map(F::from_u64).collect(),
                1,
            )),
            _ => None,
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            ToyAir::Bytes => 1,
            _ => 0,
        }
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: PermutationAirBuilder + InteractionBuilder> Air<AB> for ToyAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: Vec<AB::Var> = main.current_slice().to_vec();
        let next: Vec<AB::Var> = main.next_slice().to_vec();
        match self {
            ToyAir::Fibonacci => {
                let pv: Vec<AB::PublicVar> = builder.public_values().to_vec();
                let (a, b) = (local[0], local[1]);
                let mut first = builder.when_first_row();
                first.assert_eq(a, pv[0]);
                first.assert_eq(b, pv[1]);
                let mut transition = builder.when_transition();
                transition.assert_eq(next[0], b);
                transition.assert_eq(next[1], a + b);
                builder.when_last_row().assert_eq(b, pv[2]);
            }
            ToyAir::Decompose => {
                let (x, bytes) = (local[0], [local[1], local[2], local[3]]);
                let recomposed = bytes[0].into()
                    + bytes[1].into() * AB::Expr::from_u32(1 << 8)
                    + bytes[2].into() * AB::Expr::from_u32(1 << 16);
                builder.assert_eq(x, recomposed);
                let bus = LookupBus::new(BYTE_BUS);
                for byte in bytes {
                    bus.lookup_key(builder, [byte], 1);
                }
            }
            ToyAir::Bytes => {
                let value = builder.preprocessed().current_slice()[0];
                LookupBus::new(BYTE_BUS).table_entry(builder, [value], local[0]);
            }
            ToyAir::Wide { width } => {
                let pv0 = builder.public_values()[0];
                builder.when_first_row().assert_eq(local[0], pv0);
                let mut transition = builder.when_transition();
                for i in 0..*width {
                    let x = |k: usize| local[(i + k) % width];
                    let product = x(0).into() * x(1).into() * x(2).into();
                    transition.assert_eq(next[i], product + x(3).into() + AB::Expr::from_usize(i));
                }
            }
        }
    }
}

/// A set of toy tables with their traces and public values: what one batch proof covers.
#[derive(Clone, Debug)]
pub struct ToyMachine {
    /// The tables.
    pub airs: Vec<ToyAir>,
    /// One trace per table.
    pub traces: Vec<RowMajorMatrix<Val>>,
    /// One public-value vector per table.
    pub public_values: Vec<Vec<Val>>,
}

/// `(a, b)` after `steps` Fibonacci steps from `(a, b)` in BabyBear.
fn fib_trace(log_height: usize, a: u32, b: u32) -> (RowMajorMatrix<Val>, Vec<Val>) {
    let height = 1 << log_height;
    let mut values = Vec::with_capacity(2 * height);
    let (mut x, mut y) = (Val::from_u32(a), Val::from_u32(b));
    for _ in 0..height {
        values.extend([x, y]);
        (x, y) = (y, x + y);
    }
    let last_b = values[2 * height - 1];
    (
        RowMajorMatrix::new(values, 2),
        vec![Val::from_u32(a), Val::from_u32(b), last_b],
    )
}

/// Decomposition of `height` pseudo-random 24-bit values, and the byte table's multiplicities.
fn decompose_traces(log_height: usize, seed: u32) -> (RowMajorMatrix<Val>, RowMajorMatrix<Val>) {
    let mut counts = [0u32; 256];
    let mut values = Vec::new();
    let mut state = seed | 1;
    for _ in 0..1usize << log_height {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let x = state & 0x00ff_ffff;
        let bytes = [x & 0xff, (x >> 8) & 0xff, x >> 16];
        values.push(Val::from_u32(x));
        for b in bytes {
            values.push(Val::from_u32(b));
            counts[b as usize] += 1;
        }
    }
    let multiplicities = counts.iter().map(|&c| Val::from_u32(c)).collect();
    (
        RowMajorMatrix::new(values, 4),
        RowMajorMatrix::new(multiplicities, 1),
    )
}

/// A `width`-column trace of the [`ToyAir::Wide`] recurrence from a seeded first row.
fn wide_trace(log_height: usize, width: usize, seed: u32) -> (RowMajorMatrix<Val>, Vec<Val>) {
    let mut row: Vec<Val> = (0..width as u32)
        .map(|i| Val::from_u32(seed.wrapping_mul(31).wrapping_add(i * 7919)))
        .collect();
    let mut values = Vec::with_capacity(width << log_height);
    for _ in 0..1usize << log_height {
        values.extend_from_slice(&row);
        row = (0..width)
            .map(|i| {
                row[i] * row[(i + 1) % width] * row[(i + 2) % width]
                    + row[(i + 3) % width]
                    + Val::from_usize(i)
            })
            .collect();
    }
    let pv0 = values[0];
    (RowMajorMatrix::new(values, width), vec![pv0])
}

impl ToyMachine {
    /// (a) One Fibonacci table of `2^log_height` rows starting from `(0, 1)`.
    pub fn fibonacci(log_height: usize) -> ToyMachine {
        let (trace, pv) = fib_trace(log_height, 0, 1);
        ToyMachine {
            airs: vec![ToyAir::Fibonacci],
            traces: vec![trace],
            public_values: vec![pv],
        }
    }

    /// (b) A decomposition table (`2^log_height` rows) and the 256-row byte table it looks up
    /// into, joined by a LogUp bus.
    pub fn lookup(log_height: usize) -> ToyMachine {
        let (decompose, bytes) = decompose_traces(log_height, 0x1234_5678);
        ToyMachine {
            airs: vec![ToyAir::Decompose, ToyAir::Bytes],
            traces: vec![decompose, bytes],
            public_values: vec![vec![], vec![]],
        }
    }

    /// (c) A stand-in for the zkVM's shape: two wide degree-3 tables (64 and 40 columns) of
    /// different heights, the Fibonacci table, and the LogUp pair — 111 columns in all.
    pub fn zkvm_like(log_height: usize) -> ToyMachine {
        let (wide_a, pv_a) = wide_trace(log_height, 64, 1);
        let (wide_b, pv_b) = wide_trace(log_height.saturating_sub(2).max(3), 40, 2);
        let (fib, pv_fib) = fib_trace(log_height.saturating_sub(1).max(3), 0, 1);
        let (decompose, bytes) = decompose_traces(log_height.saturating_sub(1).max(3), 7);
        ToyMachine {
            airs: vec![
                ToyAir::Wide { width: 64 },
                ToyAir::Wide { width: 40 },
                ToyAir::Fibonacci,
                ToyAir::Decompose,
                ToyAir::Bytes,
            ],
            traces: vec![wide_a, wide_b, fib, decompose, bytes],
            public_values: vec![pv_a, pv_b, pv_fib, vec![], vec![]],
        }
    }

    /// One [`ToyAir::Wide`] table of `width` columns and `2^log_height` rows: the floor a
    /// benchmark compares a machine with — what Plonky3 alone takes to prove a single table of
    /// the same area, with degree-3 constraints and no buses.
    pub fn floor(log_height: usize, width: usize) -> ToyMachine {
        let (trace, pv) = wide_trace(log_height, width.max(4), 3);
        ToyMachine {
            airs: vec![ToyAir::Wide {
                width: width.max(4),
            }],
            traces: vec![trace],
            public_values: vec![pv],
        }
    }

    /// log2 of every table's height.
    pub fn log_heights(&self) -> Vec<usize> {
        self.traces
            .iter()
            .map(|t| p3_util::log2_strict_usize(t.height()))
            .collect()
    }

    /// Keygen and a proof of this machine in the outer configuration.
    pub fn prove_outer(
        &self,
    ) -> Result<(ProverData<OuterConfig>, BatchProof<OuterConfig>), StarkError> {
        let config = outer_config();
        let data = setup(&config, &self.airs, &self.log_heights())?;
        let proof = prove(
            &config,
            &self.airs,
            &self.traces,
            &self.public_values,
            &data,
        )?;
        Ok((data, proof))
    }

    /// Keygen and a proof of this machine in the fast configuration.
    pub fn prove_fast(
        &self,
    ) -> Result<(ProverData<FastConfig>, BatchProof<FastConfig>), StarkError> {
        let config = fast_config();
        let data = setup(&config, &self.airs, &self.log_heights())?;
        let proof = prove(
            &config,
            &self.airs,
            &self.traces,
            &self.public_values,
            &data,
        )?;
        Ok((data, proof))
    }

    /// Total number of main-trace columns.
    pub fn total_width(&self) -> usize {
        self.traces.iter().map(|t| t.width()).sum()
    }
}

/// The toy machines by name, for files and command lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ToyKind {
    /// [`ToyMachine::fibonacci`].
    Fibonacci,
    /// [`ToyMachine::lookup`].
    Lookup,
    /// [`ToyMachine::zkvm_like`].
    ZkvmLike,
}

impl ToyKind {
    /// Every toy machine.
    pub const ALL: [ToyKind; 3] = [ToyKind::Fibonacci, ToyKind::Lookup, ToyKind::ZkvmLike];

    /// The machine at `2^log_height` rows (its largest table).
    pub fn machine(self, log_height: usize) -> ToyMachine {
        match self {
            ToyKind::Fibonacci => ToyMachine::fibonacci(log_height),
            ToyKind::Lookup => ToyMachine::lookup(log_height),
            ToyKind::ZkvmLike => ToyMachine::zkvm_like(log_height),
        }
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            ToyKind::Fibonacci => "fibonacci",
            ToyKind::Lookup => "lookup",
            ToyKind::ZkvmLike => "zkvm-like",
        }
    }
}

impl std::str::FromStr for ToyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ToyKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown toy machine {s:?} (fibonacci, lookup, zkvm-like)"))
    }
}

/// The claimed Fibonacci number of a [`ToyMachine::fibonacci`] proof (its third public value).
pub fn fibonacci_result(machine: &ToyMachine) -> u32 {
    machine.public_values[0][2].as_canonical_u32()
}
