//! The adder table: ADD and SUB on 16-bit halves.
//!
//! Most ALU requests a program makes are additions — ADD/ADDI, and the address of every load,
//! store and JALR — so they get a table of their own, 10 columns and 3 lookups a row instead of
//! the general ALU's 56 and 14 (which still accepts them: both tables receive on the same
//! [`ALU_BUS`], each proving the operations it is given).
//!
//! A row receives `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` (codes 0 = ADD, 1 = SUB) and
//! proves `x + c = z + 2^32·k₁` with `(x, z) = (b, a)` for ADD and `(a, b)` for SUB:
//! `x_lo + c_lo = z_lo + 2^16·k₀`, `x_hi + c_hi + k₀ = z_hi + 2^16·k₁`, carries boolean. The
//! result's halves are range-checked below 2^16 on the 16-bit range table; the operands are
//! 16-bit halves already, as on every [`ALU_BUS`] request (its senders guarantee it). So both
//! sides are below 2^17 + 1 < p and the equations hold over the integers: `a = b ± c mod 2^32`
//! exactly. Cells of inactive rows are zero.

use keel_stark::config::Val;
use p3_air::{PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::{AluOpcode, AluPortRows, ALU_BUS};
use crate::{flag_count, RANGE16_BUS};

/// Columns of an adder row.
pub const ADD_WIDTH: usize = 10;

const ADD: usize = 0;
const SUB: usize = 1;
const A: usize = 2;
const B: usize = 4;
const C: usize = 6;
const CARRY: usize = 8;

/// Column names of an adder row, for mutation tests.
pub const ADD_COLUMNS: [&str; ADD_WIDTH] = [
    "add", "sub", "a_lo", "a_hi", "b_lo", "b_hi", "c_lo", "c_hi", "carry_lo", "carry_hi",
];

/// Whether the adder table proves `op`.
pub fn handles(op: AluOpcode) -> bool {
    matches!(op, AluOpcode::Add | AluOpcode::Sub)
}

/// The carries out of the low and the high half of `x + c` (each 0 or 1): the witness of an
/// addition on 16-bit halves, here and in the CPU's own ADD rows.
pub(crate) fn half_carries(x: u32, c: u32) -> [u32; 2] {
    let k0 = ((x & 0xffff) + (c & 0xffff)) >> 16;
    let k1 = ((x >> 16) + (c >> 16) + k0) >> 16;
    [k0, k1]
}

/// The adder, port and 16-bit range-multiplicity traces of a list of ADD/SUB operations.
#[derive(Clone, Debug)]
pub struct AddTraces {
    /// The adder table.
    pub add: RowMajorMatrix<Val>,
    /// The port (stand-in for the CPU's requests).
    pub port: RowMajorMatrix<Val>,
    /// The 16-bit range table's multiplicities.
    pub range16: RowMajorMatrix<Val>,
    /// Each operation's result.
    pub results: Vec<u32>,
}

impl AddTraces {
    /// Computes each `b op c` with `AluOp::apply` and fills the tables; every `op` must be ADD or
    /// SUB ([`handles`]).
    pub fn generate(ops: &[(AluOpcode, u32, u32)]) -> Self {
        let height = ops.len().next_power_of_two().max(4);
        let mut add = vec![Val::ZERO; height * ADD_WIDTH];
        let mut port = AluPortRows::new(height);
        let mut range = vec![0u32; 1 << 16];
        let mut results = Vec::with_capacity(ops.len());
        for (r, &(op, b, c)) in ops.iter().enumerate() {
            assert!(
                handles(op),
                "the adder table proves ADD and SUB, not {op:?}"
            );
            let a = op.isa().apply(b, c);
            results.push(a);
            let (x, z) = if op == AluOpcode::Add { (b, a) } else { (a, b) };
            let [k0, k1] = half_carries(x, c);
            debug_assert_eq!(x.wrapping_add(c), z);
            let row = &mut add[r * ADD_WIDTH..(r + 1) * ADD_WIDTH];
            row[if op == AluOpcode::Add { ADD } else { SUB }] = Val::ONE;
            for (base, word) in [(A, a), (B, b), (C, c)] {
                for (h, half) in [word & 0xffff, word >> 16].into_iter().enumerate() {
                    row[base + h] = Val::from_u32(half);
                }
            }
            range[(a & 0xffff) as usize] += 1;
            range[(a >> 16) as usize] += 1;
            row[CARRY] = Val::from_u32(k0);
            row[CARRY + 1] = Val::from_u32(k1);
            port.push(op as u32, a, b, c);
        }
        AddTraces {
            add: RowMajorMatrix::new(add, ADD_WIDTH),
            port: port.finish(),
            range16: crate::fixed::range16_trace(&range),
            results,
        }
    }
}

/// The adder table (see the module documentation).
pub(crate) fn eval_add<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let (add, sub) = (e(ADD), e(SUB));
    let active = add.clone() + sub.clone();
    builder.assert_bool(l[ADD]);
    builder.assert_bool(l[SUB]);
    builder.assert_bool(active.clone());
    builder.assert_bool(l[CARRY]);
    builder.assert_bool(l[CARRY + 1]);

    // x + c + k_in = z + 2^16·k_out per half, (x, z) = (b, a) for ADD and (a, b) for SUB.
    let half = AB::Expr::from_u32(1 << 16);
    for h in 0..2 {
        let cin = if h == 0 { AB::Expr::ZERO } else { e(CARRY) };
        let cout = half.clone() * e(CARRY + h);
        let lane = |x: AB::Expr, z: AB::Expr| x + e(C + h) + cin.clone() - z - cout.clone();
        builder.assert_zero(
            add.clone() * lane(e(B + h), e(A + h)) + sub.clone() * lane(e(A + h), e(B + h)),
        );
    }

    // Inactive rows are zero, so every row has exactly one witness.
    for cell in A..ADD_WIDTH {
        builder.assert_zero((AB::Expr::ONE - active.clone()) * e(cell));
    }

    // The result's halves; the operands arrive canonical (see the module documentation).
    let range = LookupBus::new(RANGE16_BUS);
    for cell in [A, A + 1] {
        range.lookup_key(builder, [e(cell)], flag_count(active.clone()));
    }

    // The request; ADD's code is 0 and SUB's 1, so the code is the SUB flag.
    debug_assert_eq!((AluOpcode::Add as u32, AluOpcode::Sub as u32), (0, 1));
    ALU_BUS.receive(
        builder,
        [sub, e(A), e(A + 1), e(B), e(B + 1), e(C), e(C + 1)],
        flag_count(active),
    );
}
