//! The logic table: XOR, OR and AND, a byte at a time.
//!
//! Hash functions and bit manipulation are mostly logic operations, which get a table of their
//! own: 15 columns and 5 lookups a row instead of the general ALU's 56 and 14 (the ALU still
//! accepts them; both tables receive on the same [`ALU_BUS`](crate::alu::ALU_BUS)).
//!
//! A row receives `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` (codes 2 = XOR, 3 = OR, 4 = AND)
//! with the words held as bytes, and looks up `(op, b_i, c_i, a_i)` for each byte `i` on the
//! byte table's [`BYTE_OP_BUS`], whose entries are exactly `(op, x, y, x op y)` for bytes `x, y`:
//! so every byte is a byte and `a = b op c`. Cells of inactive rows are zero.

use keel_stark::config::Val;
use p3_air::{PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::{bytes, operation_flags, receive_request, AluOpcode, AluPortRows, BYTE_OP_BUS};
use crate::fixed::{byte_op_column, bytes_trace, BYTES_MULTIPLICITIES};
use crate::flag_count;

/// Columns of a logic row.
pub const LOGIC_WIDTH: usize = 15;

/// The operations of this table, in flag-column order.
pub const OPS: [AluOpcode; 3] = [AluOpcode::Xor, AluOpcode::Or, AluOpcode::And];

const FLAGS: usize = 0;
const A: usize = 3;
const B: usize = 7;
const C: usize = 11;

/// Column names of a logic row, for mutation tests.
pub const LOGIC_COLUMNS: [&str; LOGIC_WIDTH] = [
    "xor", "or", "and", "a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3", "c0", "c1", "c2", "c3",
];

/// Whether the logic table proves `op`.
pub fn handles(op: AluOpcode) -> bool {
    OPS.contains(&op)
}

/// The logic, port and byte-multiplicity traces of a list of XOR/OR/AND operations.
#[derive(Clone, Debug)]
pub struct LogicTraces {
    /// The logic table.
    pub logic: RowMajorMatrix<Val>,
    /// The port (stand-in for the CPU's requests).
    pub port: RowMajorMatrix<Val>,
    /// The byte table's multiplicities.
    pub bytes: RowMajorMatrix<Val>,
    /// Each operation's result.
    pub results: Vec<u32>,
}

impl LogicTraces {
    /// Computes each `b op c` with `AluOp::apply` and fills the tables; every `op` must be XOR,
    /// OR or AND ([`handles`]).
    pub fn generate(ops: &[(AluOpcode, u32, u32)]) -> Self {
        let height = ops.len().next_power_of_two().max(4);
        let mut logic = vec![Val::ZERO; height * LOGIC_WIDTH];
        let mut port = AluPortRows::new(height);
        let mut counts = vec![[0u32; BYTES_MULTIPLICITIES]; 1 << 16];
        let mut results = Vec::with_capacity(ops.len());
        for (r, &(op, b, c)) in ops.iter().enumerate() {
            let flag = OPS.iter().position(|&o| o == op);
            let (Some(flag), Some(k)) = (flag, byte_op_column(op)) else {
                panic!("the logic table proves XOR, OR and AND, not {op:?}");
            };
            let a = op.isa().apply(b, c);
            results.push(a);
            let row = &mut logic[r * LOGIC_WIDTH..(r + 1) * LOGIC_WIDTH];
            row[FLAGS + flag] = Val::ONE;
            let (ab, bb, cb) = (bytes(a), bytes(b), bytes(c));
            for i in 0..4 {
                row[A + i] = Val::from_u32(ab[i]);
                row[B + i] = Val::from_u32(bb[i]);
                row[C + i] = Val::from_u32(cb[i]);
                counts[(bb[i] * 256 + cb[i]) as usize][k] += 1;
            }
            port.push(op as u32, a, b, c);
        }
        LogicTraces {
            logic: RowMajorMatrix::new(logic, LOGIC_WIDTH),
            port: port.finish(),
            bytes: bytes_trace(&counts),
            results,
        }
    }
}

/// The logic table (see the module documentation).
pub(crate) fn eval_logic<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let (active, op) = operation_flags(builder, &l, FLAGS, &OPS);
    // Inactive rows are zero, so every row has exactly one witness.
    for cell in A..LOGIC_WIDTH {
        builder.assert_zero((AB::Expr::ONE - active.clone()) * e(cell));
    }
    let bus = LookupBus::new(BYTE_OP_BUS);
    for i in 0..4 {
        bus.lookup_key(
            builder,
            [op.clone(), e(B + i), e(C + i), e(A + i)],
            flag_count(active.clone()),
        );
    }
    let word = |base: usize| std::array::from_fn(|i| e(base + i));
    receive_request(builder, op, [word(A), word(B), word(C)], active);
}
