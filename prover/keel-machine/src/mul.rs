//! The multiplication table: MUL, MULH, MULHSU, MULHU (DIV/REM come next).
//!
//! A row receives `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` on
//! [`ALU_BUS`](crate::alu::ALU_BUS) (codes 10–13) and
//! computes the 64-bit product of `b` and `c`, each extended to 8 bytes — with its sign byte
//! (`0xff·s`, `s` the top bit) where the operation reads it as signed, with 0 otherwise — by a
//! byte convolution with carries:
//! `Σ_{i+j=k} B_i·C_j + carry_{k−1} = p_k + 256·carry_k` for `k < 8` (terms with `i + j ≥ 8`
//! vanish modulo 2^64, which is exactly the two's-complement product). MUL returns `p_0..p_3`,
//! the others `p_4..p_7`. Bytes are range-checked in pairs on the byte table, carries (< 2^12)
//! on the 16-bit range table; cells an operation does not use are zero.

use keel_isa::AluOp;
use keel_stark::config::Val;
use p3_air::{PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::{bytes, pair_multiplicities, receive_request, AluPortRows, BYTE_PAIR_BUS};
use crate::{flag_count, RANGE16_BUS};

/// The operations of this table, with their codes on [`ALU_BUS`](crate::alu::ALU_BUS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MulOpcode {
    /// Low word of `b·c`.
    Mul = 10,
    /// High word, both signed.
    Mulh = 11,
    /// High word, `b` signed, `c` unsigned.
    Mulhsu = 12,
    /// High word, both unsigned.
    Mulhu = 13,
}

impl MulOpcode {
    /// Every operation, in flag-column order.
    pub const ALL: [MulOpcode; 4] = [
        MulOpcode::Mul,
        MulOpcode::Mulh,
        MulOpcode::Mulhsu,
        MulOpcode::Mulhu,
    ];

    /// The ISA operation it implements.
    pub fn isa(self) -> AluOp {
        match self {
            MulOpcode::Mul => AluOp::Mul,
            MulOpcode::Mulh => AluOp::Mulh,
            MulOpcode::Mulhsu => AluOp::Mulhsu,
            MulOpcode::Mulhu => AluOp::Mulhu,
        }
    }

    fn signs(self) -> (bool, bool) {
        match self {
            MulOpcode::Mul | MulOpcode::Mulhu => (false, false),
            MulOpcode::Mulh => (true, true),
            MulOpcode::Mulhsu => (true, false),
        }
    }
}

/// Columns of a multiplication row.
pub const MUL_WIDTH: usize = 36;

const FLAGS: usize = 0; // mul, mulh, mulhsu, mulhu
const A: usize = 4;
const B: usize = 8;
const C: usize = 12;
const SB: usize = 16;
const SC: usize = 17;
const B3_LOW: usize = 18;
const C3_LOW: usize = 19;
const P: usize = 20;
const CARRY: usize = 28;

/// Column names of a multiplication row, for mutation tests.
pub const MUL_COLUMNS: [&str; MUL_WIDTH] = [
    "mul", "mulh", "mulhsu", "mulhu", "a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3", "c0", "c1",
    "c2", "c3", "sb", "sc", "b3_low", "c3_low", "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7",
    "carry0", "carry1", "carry2", "carry3", "carry4", "carry5", "carry6", "carry7",
];

/// The multiplication, port, byte-multiplicity and range-multiplicity traces of a list of
/// operations `(op, b, c)`.
#[derive(Clone, Debug)]
pub struct MulTraces {
    /// The multiplication table.
    pub mul: RowMajorMatrix<Val>,
    /// The port (stand-in for the CPU's requests).
    pub port: RowMajorMatrix<Val>,
    /// The byte table's multiplicities.
    pub bytes: RowMajorMatrix<Val>,
    /// The 16-bit range table's multiplicities.
    pub range16: RowMajorMatrix<Val>,
    /// Each operation's result.
    pub results: Vec<u32>,
}

impl MulTraces {
    /// Computes each `b op c` with `AluOp::apply` and fills the tables.
    pub fn generate(ops: &[(MulOpcode, u32, u32)]) -> Self {
        let height = ops.len().next_power_of_two().max(4);
        let mut mul = vec![Val::ZERO; height * MUL_WIDTH];
        let mut port = AluPortRows::new(height);
        let mut pairs = vec![0u32; 1 << 16];
        let mut range = vec![0u32; 1 << 16];
        let mut results = Vec::with_capacity(ops.len());
        for (r, &(op, b, c)) in ops.iter().enumerate() {
            let a = op.isa().apply(b, c);
            results.push(a);
            let row = &mut mul[r * MUL_WIDTH..(r + 1) * MUL_WIDTH];
            let mut set = |col: usize, v: u32| row[col] = Val::from_u32(v);
            let flag = MulOpcode::ALL.iter().position(|&o| o == op).expect("an op");
            set(FLAGS + flag, 1);
            let (ab, bb, cb) = (bytes(a), bytes(b), bytes(c));
            for i in 0..4 {
                set(A + i, ab[i]);
                set(B + i, bb[i]);
                set(C + i, cb[i]);
            }
            let (signed_b, signed_c) = op.signs();
            let sb = if signed_b { bb[3] >> 7 } else { 0 };
            let sc = if signed_c { cb[3] >> 7 } else { 0 };
            let b3_low = if signed_b { bb[3] & 0x7f } else { 0 };
            let c3_low = if signed_c { cb[3] & 0x7f } else { 0 };
            set(SB, sb);
            set(SC, sc);
            set(B3_LOW, b3_low);
            set(C3_LOW, c3_low);
            let ext = |bytes: [u32; 4], sign: u32| -> [u64; 8] {
                std::array::from_fn(|i| u64::from(if i < 4 { bytes[i] } else { 255 * sign }))
            };
            let (be, ce) = (ext(bb, sb), ext(cb, sc));
            let mut carry = 0u64;
            let mut product = [0u32; 8];
            for k in 0..8 {
                let sum: u64 = (0..=k).map(|i| be[i] * ce[k - i]).sum::<u64>() + carry;
                product[k] = (sum & 0xff) as u32;
                carry = sum >> 8;
                set(P + k, product[k]);
                set(CARRY + k, carry as u32);
                range[carry as usize] += 1;
            }
            let expected = if op == MulOpcode::Mul {
                &product[..4]
            } else {
                &product[4..]
            };
            debug_assert_eq!(expected, &ab[..]);

            let mut pair = |x: u32, y: u32| pairs[(x * 256 + y) as usize] += 1;
            for bytes in [ab, bb, cb] {
                pair(bytes[0], bytes[1]);
                pair(bytes[2], bytes[3]);
            }
            for k in [0, 2, 4, 6] {
                pair(product[k], product[k + 1]);
            }
            if signed_b {
                pair(2 * b3_low, 2 * c3_low);
            }
            port.push(op as u32, a, b, c);
        }
        MulTraces {
            mul: RowMajorMatrix::new(mul, MUL_WIDTH),
            port: port.finish(),
            bytes: pair_multiplicities(&pairs),
            range16: crate::fixed::range16_trace(&range),
            results,
        }
    }
}

/// The multiplication table (see the module documentation).
pub(crate) fn eval_mul<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let [mul, mulh, mulhsu, mulhu] = std::array::from_fn(|k| e(FLAGS + k));
    let active = mul.clone() + mulh.clone() + mulhsu.clone() + mulhu.clone();
    for k in 0..MulOpcode::ALL.len() {
        builder.assert_bool(l[FLAGS + k]);
    }
    builder.assert_bool(active.clone());
    let signed_b = mulh.clone() + mulhsu.clone();
    let signed_c = mulh.clone();

    // Sign bits of the operands read as signed; zero otherwise.
    builder.assert_bool(l[SB]);
    builder.assert_bool(l[SC]);
    let high = AB::Expr::from_u32(128);
    builder.assert_zero(signed_b.clone() * (e(B + 3) - high.clone() * e(SB) - e(B3_LOW)));
    builder.assert_zero(signed_c.clone() * (e(C + 3) - high * e(SC) - e(C3_LOW)));
    let one = AB::Expr::ONE;
    builder.assert_zero((one.clone() - signed_b.clone()) * e(SB));
    builder.assert_zero((one.clone() - signed_b.clone()) * e(B3_LOW));
    builder.assert_zero((one.clone() - signed_c.clone()) * e(SC));
    builder.assert_zero((one - signed_c) * e(C3_LOW));

    // The convolution.
    let fill = AB::Expr::from_u32(255);
    let ext = |base: usize, sign: usize, i: usize| -> AB::Expr {
        if i < 4 {
            e(base + i)
        } else {
            fill.clone() * e(sign)
        }
    };
    let byte = AB::Expr::from_u32(256);
    for k in 0..8 {
        let sum = (0..=k)
            .map(|i| ext(B, SB, i) * ext(C, SC, k - i))
            .fold(AB::Expr::ZERO, |acc, t| acc + t);
        let cin = if k == 0 {
            AB::Expr::ZERO
        } else {
            e(CARRY + k - 1)
        };
        builder.assert_eq(sum + cin, e(P + k) + byte.clone() * e(CARRY + k));
    }
    let high_word = mulh + mulhsu + mulhu;
    for j in 0..4 {
        builder.assert_zero(mul.clone() * (e(A + j) - e(P + j)));
        builder.assert_zero(high_word.clone() * (e(A + j) - e(P + 4 + j)));
    }

    // Ranges.
    let pairs = LookupBus::new(BYTE_PAIR_BUS);
    for (base, count) in [(A, 4), (B, 4), (C, 4), (P, 8)] {
        for j in (0..count).step_by(2) {
            pairs.lookup_key(
                builder,
                [e(base + j), e(base + j + 1)],
                flag_count(active.clone()),
            );
        }
    }
    let two = AB::Expr::from_u32(2);
    pairs.lookup_key(
        builder,
        [two.clone() * e(B3_LOW), two * e(C3_LOW)],
        flag_count(signed_b),
    );
    let range = LookupBus::new(RANGE16_BUS);
    for k in 0..8 {
        range.lookup_key(builder, [e(CARRY + k)], flag_count(active.clone()));
    }

    // The request.
    let op = (0..MulOpcode::ALL.len())
        .map(|k| AB::Expr::from_u32(MulOpcode::ALL[k] as u32) * e(FLAGS + k))
        .fold(AB::Expr::ZERO, |acc, t| acc + t);
    let word = |base: usize| std::array::from_fn(|i| e(base + i));
    receive_request(builder, op, [word(A), word(B), word(C)], active);
}
