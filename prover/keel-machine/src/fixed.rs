//! The fixed lookup tables — 16-bit range and byte pairs with AND/OR/XOR — as main traces
//! whose content the constraints pin (the first and last rows and the step between rows), not as
//! preprocessed columns. Their content is the same for every program, so committing to them in
//! the program's preprocessed data would only make every program id (and every verifier's
//! keygen) pay for hashing two 2^16-row tables; pinned by constraints they cost the prover a few
//! columns and the verifier nothing.
//!
//! - `Range16`: `value` starts at 0, steps by 1 and ends at 2^16 − 1, so the table has exactly
//!   2^16 rows holding `0..2^16` (no wrap modulo p is possible so far below p).
//! - `Bytes`: `x` and `y` are given by 8 boolean bits each; `y` steps by 1 and wraps to 0 (with
//!   `wrap = 1`) exactly when `x` steps by 1; first row `(0, 0)`, last row `(255, 255)` — so the
//!   rows are all 2^16 pairs in order — and `AND`, `OR`, `XOR` are computed from the bits.

use keel_stark::config::Val;
use p3_air::{AirBuilder, PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::{AluOpcode, BYTE_OP_BUS, BYTE_PAIR_BUS};
use crate::RANGE16_BUS;

/// Columns of the range table: multiplicity, value.
pub const RANGE16_WIDTH: usize = 2;
/// Multiplicity columns of the byte table (pair, AND, OR, XOR lookups), which come first.
pub const BYTES_MULTIPLICITIES: usize = 4;
/// Columns of the byte table: 4 multiplicities, `x`, `y`, 8 + 8 bits, `wrap`, AND, OR, XOR.
pub const BYTES_WIDTH: usize = BYTES_MULTIPLICITIES + 2 + 16 + 1 + 3;

/// The operations of the byte table's [`BYTE_OP_BUS`], in multiplicity-column order (after the
/// pair lookups' column 0).
const BYTE_OPS: [AluOpcode; 3] = [AluOpcode::And, AluOpcode::Or, AluOpcode::Xor];

/// The byte table's multiplicity column of the `op` lookups (`None` if it is not a byte op).
pub(crate) fn byte_op_column(op: AluOpcode) -> Option<usize> {
    BYTE_OPS.iter().position(|&o| o == op).map(|i| 1 + i)
}

const X: usize = BYTES_MULTIPLICITIES;
const Y: usize = X + 1;
const XB: usize = Y + 1;
const YB: usize = XB + 8;
const WRAP: usize = YB + 8;
const AND: usize = WRAP + 1;
const OR: usize = AND + 1;
const XOR: usize = OR + 1;

/// The range table's trace from `counts[v]` = lookups of `v` (2^16 entries).
pub fn range16_trace(counts: &[u32]) -> RowMajorMatrix<Val> {
    debug_assert_eq!(counts.len(), 1 << 16);
    let values = counts
        .iter()
        .enumerate()
        .flat_map(|(v, &m)| [Val::from_u32(m), Val::from_u32(v as u32)])
        .collect();
    RowMajorMatrix::new(values, RANGE16_WIDTH)
}

/// The byte table's trace from `counts[256·x + y]` = lookups of the pair `(x, y)` on the pair,
/// AND, OR and XOR buses.
pub fn bytes_trace(counts: &[[u32; BYTES_MULTIPLICITIES]]) -> RowMajorMatrix<Val> {
    debug_assert_eq!(counts.len(), 1 << 16);
    let mut values = Vec::with_capacity((1 << 16) * BYTES_WIDTH);
    for (i, m) in counts.iter().enumerate() {
        let (x, y) = ((i >> 8) as u32, (i & 0xff) as u32);
        values.extend(m.map(Val::from_u32));
        values.extend([x, y].map(Val::from_u32));
        values.extend((0..8).map(|b| Val::from_u32((x >> b) & 1)));
        values.extend((0..8).map(|b| Val::from_u32((y >> b) & 1)));
        values.push(Val::from_bool(y == 255));
        values.extend([x & y, x | y, x ^ y].map(Val::from_u32));
    }
    RowMajorMatrix::new(values, BYTES_WIDTH)
}

/// Adds the multiplicity columns (the first `count`) of `other` to `acc`.
pub(crate) fn add_multiplicities(
    acc: &mut RowMajorMatrix<Val>,
    other: &RowMajorMatrix<Val>,
    count: usize,
) {
    let width = acc.width;
    for (a, b) in acc.values.chunks_mut(width).zip(other.values.chunks(width)) {
        for k in 0..count {
            a[k] += b[k];
        }
    }
}

/// The range table.
pub(crate) fn eval_range16<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let n: Vec<AB::Var> = builder.main().next_slice().to_vec();
    builder.when_first_row().assert_zero(l[1]);
    builder
        .when_transition()
        .assert_eq(n[1], l[1].into() + AB::Expr::ONE);
    builder
        .when_last_row()
        .assert_eq(l[1], AB::Expr::from_u32(0xffff));
    LookupBus::new(RANGE16_BUS).table_entry(builder, [l[1]], l[0]);
}

/// The byte table.
pub(crate) fn eval_bytes<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let n: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let from_bits = |base: usize| {
        (0..8).fold(AB::Expr::ZERO, |acc, b| {
            acc + e(base + b) * AB::Expr::from_u32(1 << b)
        })
    };
    let (mut and, mut xor) = (AB::Expr::ZERO, AB::Expr::ZERO);
    for b in 0..8 {
        builder.assert_bool(l[XB + b]);
        builder.assert_bool(l[YB + b]);
        let (xb, yb) = (e(XB + b), e(YB + b));
        let weight = AB::Expr::from_u32(1 << b);
        and += xb.clone() * yb.clone() * weight.clone();
        xor += (xb.clone() + yb.clone() - xb * yb * AB::Expr::TWO) * weight;
    }
    builder.assert_eq(e(X), from_bits(XB));
    builder.assert_eq(e(Y), from_bits(YB));
    builder.assert_eq(e(AND), and);
    builder.assert_eq(e(XOR), xor);
    builder.assert_eq(e(OR), e(AND) + e(XOR));
    builder.assert_bool(l[WRAP]);
    builder.when_first_row().assert_zero(l[X]);
    builder.when_first_row().assert_zero(l[Y]);
    builder
        .when_last_row()
        .assert_eq(l[X], AB::Expr::from_u32(255));
    builder
        .when_last_row()
        .assert_eq(l[Y], AB::Expr::from_u32(255));
    builder.when_transition().assert_eq(n[X], e(X) + e(WRAP));
    builder.when_transition().assert_eq(
        n[Y],
        e(Y) + AB::Expr::ONE - e(WRAP) * AB::Expr::from_u32(256),
    );
    let m = |k: usize| l[k];
    LookupBus::new(BYTE_PAIR_BUS).table_entry(builder, [l[X], l[Y]], m(0));
    // One bus for the three operations, the ALU-bus code first (so that a table can select the
    // operation with its flags and pack its byte lookups into few columns).
    let ops = LookupBus::new(BYTE_OP_BUS);
    for (i, (code, value)) in BYTE_OPS.into_iter().zip([AND, OR, XOR]).enumerate() {
        let code = AB::Expr::from_u32(code as u32);
        ops.table_entry(builder, [code, e(X), e(Y), e(value)], m(1 + i));
    }
}
