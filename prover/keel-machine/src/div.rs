//! The division table: DIV, DIVU, REM, REMU, with RISC-V's division by zero and signed overflow.
//!
//! A row receives `(op, a, b, c)` on [`ALU_BUS`](crate::alu::ALU_BUS) (codes 14–17; words as
//! 16-bit halves) and holds
//! the quotient `q` and remainder `r` as bytes (`a` is `q` for DIV/DIVU, `r` for REM/REMU):
//!
//! - `c·q + r ≡ b (mod 2^64)` by an 8-byte convolution of the operands extended with their sign
//!   bytes (signed operations) or zeros; for signed operations `|c·q + r| < 2^63`, so the identity
//!   holds over the integers. Only the low four lanes are checked in the overflow case
//!   (`ov = 1` only when `b = −2^31`, `c = −1`; then `q = −2^31`, `r = 0`).
//! - division by zero: `cz = 1` iff `c = 0` (`cz·c_i = 0`, `(Σ c_i)·inv = 1 − cz` on active
//!   rows); then `q = 0xffff_ffff` and the identity gives `r = b`;
//! - otherwise `|r| < |c|`: absolute values as bytes (`|x| = x`, or `|x| + x = 2^32` for a
//!   negative `x`), then `|r| + 1 + d = |c|` without carry out;
//! - signed remainders take the dividend's sign: `s_r ≤ s_b`, and `s_b ≠ s_r ⇒ r = 0`.
//!
//! Bytes are range-checked in pairs, product carries on the 16-bit table, other carries are
//! boolean; cells an operation does not use are zero.

use keel_isa::AluOp;
use keel_stark::config::Val;
use p3_air::{PermutationAirBuilder, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::{bytes, pair_multiplicities, receive_request, AluPortRows, BYTE_PAIR_BUS};
use crate::{flag_count, RANGE16_BUS};

/// The operations of this table, with their codes on [`ALU_BUS`](crate::alu::ALU_BUS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivOpcode {
    /// Signed quotient.
    Div = 14,
    /// Unsigned quotient.
    Divu = 15,
    /// Signed remainder.
    Rem = 16,
    /// Unsigned remainder.
    Remu = 17,
}

impl DivOpcode {
    /// Every operation, in flag-column order.
    pub const ALL: [DivOpcode; 4] = [
        DivOpcode::Div,
        DivOpcode::Divu,
        DivOpcode::Rem,
        DivOpcode::Remu,
    ];

    /// The ISA operation it implements.
    pub fn isa(self) -> AluOp {
        match self {
            DivOpcode::Div => AluOp::Div,
            DivOpcode::Divu => AluOp::Divu,
            DivOpcode::Rem => AluOp::Rem,
            DivOpcode::Remu => AluOp::Remu,
        }
    }

    fn signed(self) -> bool {
        matches!(self, DivOpcode::Div | DivOpcode::Rem)
    }
}

/// Columns of a division row.
pub const DIV_WIDTH: usize = 67;

const FLAGS: usize = 0; // div, divu, rem, remu
const A: usize = 4;
const B: usize = 8;
const C: usize = 12;
const Q: usize = 16;
const R: usize = 20;
const SIGN: usize = 24; // s_b, s_c, s_q, s_r
const LOW: usize = 28; // low 7 bits of the top byte of b, c, q, r
const PCARRY: usize = 32; // 8 product carries
const CZ: usize = 40;
const INV: usize = 41;
const OV: usize = 42;
const ABS_C: usize = 43;
const ABS_R: usize = 47;
const NCARRY_C: usize = 51;
const NCARRY_R: usize = 55;
const D: usize = 59;
const LCARRY: usize = 63;

/// Column names of a division row, for mutation tests.
pub fn div_columns() -> Vec<String> {
    let mut names: Vec<String> = ["div", "divu", "rem", "remu"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for word in ["a", "b", "c", "q", "r"] {
        names.extend((0..4).map(|i| format!("{word}{i}")));
    }
    names.extend(["s_b", "s_c", "s_q", "s_r"].map(String::from));
    names.extend(["low_b", "low_c", "low_q", "low_r"].map(String::from));
    names.extend((0..8).map(|i| format!("pcarry{i}")));
    names.extend(["cz", "inv", "ov"].map(String::from));
    for word in ["abs_c", "abs_r", "ncarry_c", "ncarry_r", "d", "lcarry"] {
        names.extend((0..4).map(|i| format!("{word}{i}")));
    }
    names
}

/// The division, port, byte-multiplicity and range-multiplicity traces of `(op, b, c)`s.
#[derive(Clone, Debug)]
pub struct DivTraces {
    /// The division table.
    pub div: RowMajorMatrix<Val>,
    /// The port (stand-in for the CPU's requests).
    pub port: RowMajorMatrix<Val>,
    /// The byte table's multiplicities.
    pub bytes: RowMajorMatrix<Val>,
    /// The 16-bit range table's multiplicities.
    pub range16: RowMajorMatrix<Val>,
    /// Each operation's result.
    pub results: Vec<u32>,
}

impl DivTraces {
    /// Computes each `b op c` with `AluOp::apply` and fills the tables.
    pub fn generate(ops: &[(DivOpcode, u32, u32)]) -> Self {
        Self::generate_with(ops, |_, _, _, honest| honest)
    }

    /// [`Self::generate`] with the quotient and remainder of each row chosen by `choose(op, b,
    /// c, honest)` — for tests that forge a witness and fill every other cell consistently.
    pub fn generate_with(
        ops: &[(DivOpcode, u32, u32)],
        choose: impl Fn(DivOpcode, u32, u32, (u32, u32)) -> (u32, u32),
    ) -> Self {
        let height = ops.len().next_power_of_two().max(4);
        let mut div = vec![Val::ZERO; height * DIV_WIDTH];
        let mut port = AluPortRows::new(height);
        let mut pairs = vec![0u32; 1 << 16];
        let mut range = vec![0u32; 1 << 16];
        let mut results = Vec::with_capacity(ops.len());
        for (row_index, &(op, b, c)) in ops.iter().enumerate() {
            let signed = op.signed();
            let overflow = signed && b == 0x8000_0000 && c == 0xffff_ffff;
            let honest = if c == 0 {
                (u32::MAX, b)
            } else if overflow {
                (b, 0)
            } else if signed {
                (
                    (b as i32).wrapping_div(c as i32) as u32,
                    (b as i32).wrapping_rem(c as i32) as u32,
                )
            } else {
                (b / c, b % c)
            };
            debug_assert_eq!(
                op.isa().apply(b, c),
                if matches!(op, DivOpcode::Div | DivOpcode::Divu) {
                    honest.0
                } else {
                    honest.1
                }
            );
            let (q, r) = choose(op, b, c, honest);
            let a = if matches!(op, DivOpcode::Div | DivOpcode::Divu) {
                q
            } else {
                r
            };
            results.push(a);
            let row = &mut div[row_index * DIV_WIDTH..(row_index + 1) * DIV_WIDTH];
            let mut set = |col: usize, v: u32| row[col] = Val::from_u32(v);
            let flag = DivOpcode::ALL.iter().position(|&o| o == op).expect("an op");
            set(FLAGS + flag, 1);
            let words = [a, b, c, q, r];
            for (w, base) in words.iter().zip([A, B, C, Q, R]) {
                for (i, byte) in bytes(*w).into_iter().enumerate() {
                    set(base + i, byte);
                }
            }
            let sign = |x: u32| if signed { x >> 31 } else { 0 };
            let low = |x: u32| if signed { (x >> 24) & 0x7f } else { 0 };
            for (k, &x) in [b, c, q, r].iter().enumerate() {
                set(SIGN + k, sign(x));
                set(LOW + k, low(x));
            }
            // c·q + r over 8 sign-extended bytes.
            let ext = |x: u32| -> [u64; 8] {
                let bytes = bytes(x);
                std::array::from_fn(|i| u64::from(if i < 4 { bytes[i] } else { 255 * sign(x) }))
            };
            let (ce, qe, re) = (ext(c), ext(q), ext(r));
            let mut carry = 0u64;
            for k in 0..8 {
                let sum: u64 = (0..=k).map(|i| ce[i] * qe[k - i]).sum::<u64>() + re[k] + carry;
                carry = sum >> 8;
                let value = if overflow && k >= 4 { 0 } else { carry as u32 };
                set(PCARRY + k, value);
                range[value as usize] += 1;
            }
            let cz = u32::from(c == 0);
            set(CZ, cz);
            let byte_sum: u32 = bytes(c).iter().sum();
            if byte_sum != 0 {
                row[INV] = Val::from_u32(byte_sum).inverse();
            }
            let row = &mut div[row_index * DIV_WIDTH..(row_index + 1) * DIV_WIDTH];
            let mut set = |col: usize, v: u32| row[col] = Val::from_u32(v);
            set(OV, u32::from(overflow));
            // Absolute values and their negation carries.
            let abs = |x: u32| if sign(x) == 1 { x.wrapping_neg() } else { x };
            let (abs_c, abs_r) = (abs(c), abs(r));
            for (x, abs_x, abs_base, carry_base) in
                [(c, abs_c, ABS_C, NCARRY_C), (r, abs_r, ABS_R, NCARRY_R)]
            {
                let (xb, ab) = (bytes(x), bytes(abs_x));
                let mut carry = 0;
                for i in 0..4 {
                    set(abs_base + i, ab[i]);
                    if sign(x) == 1 {
                        let sum = xb[i] + ab[i] + carry;
                        carry = sum >> 8;
                        set(carry_base + i, carry);
                    }
                }
            }
            // |r| + 1 + d = |c| unless c = 0.
            let mut compare = [0u32; 4];
            if c != 0 {
                // (Wraps only for a forged remainder, which the constraints then reject.)
                let d = abs_c.wrapping_sub(abs_r).wrapping_sub(1);
                compare = bytes(d);
                let (rb, db) = (bytes(abs_r), bytes(d));
                let mut carry = 1;
                for i in 0..4 {
                    let sum = rb[i] + db[i] + carry;
                    carry = sum >> 8;
                    set(LCARRY + i, carry);
                }
            }
            for (i, &byte) in compare.iter().enumerate() {
                set(D + i, byte);
            }
            let mut pair = |x: u32, y: u32| pairs[(x * 256 + y) as usize] += 1;
            for w in [a, b, c, q, r, abs_c, abs_r] {
                let bytes = bytes(w);
                pair(bytes[0], bytes[1]);
                pair(bytes[2], bytes[3]);
            }
            pair(compare[0], compare[1]);
            pair(compare[2], compare[3]);
            pair(2 * low(b), 2 * low(c));
            pair(2 * low(q), 2 * low(r));
            port.push(op as u32, a, b, c);
        }
        DivTraces {
            div: RowMajorMatrix::new(div, DIV_WIDTH),
            port: port.finish(),
            bytes: pair_multiplicities(&pairs),
            range16: crate::fixed::range16_trace(&range),
            results,
        }
    }
}

/// The division table (see the module documentation).
pub(crate) fn eval_div<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let [div, divu, rem, remu] = std::array::from_fn(|k| e(FLAGS + k));
    let active = div.clone() + divu.clone() + rem.clone() + remu.clone();
    for k in 0..DivOpcode::ALL.len() {
        builder.assert_bool(l[FLAGS + k]);
    }
    builder.assert_bool(active.clone());
    let signed = div.clone() + rem.clone();
    let one = AB::Expr::ONE;
    let byte = AB::Expr::from_u32(256);

    // Signs (signed operations only).
    let words = [B, C, Q, R];
    let high = AB::Expr::from_u32(128);
    for (k, &base) in words.iter().enumerate() {
        builder.assert_bool(l[SIGN + k]);
        builder
            .assert_zero(signed.clone() * (e(base + 3) - high.clone() * e(SIGN + k) - e(LOW + k)));
        builder.assert_zero((one.clone() - signed.clone()) * e(SIGN + k));
        builder.assert_zero((one.clone() - signed.clone()) * e(LOW + k));
    }
    let (s_b, s_c, s_q, s_r) = (e(SIGN), e(SIGN + 1), e(SIGN + 2), e(SIGN + 3));

    // Overflow: only for DIV/REM of −2^31 by −1.
    let ov = e(OV);
    builder.assert_bool(l[OV]);
    builder.assert_zero(ov.clone() * (one.clone() - signed.clone()));
    for i in 0..3 {
        builder.assert_zero(ov.clone() * e(B + i));
    }
    builder.assert_zero(ov.clone() * (e(B + 3) - high));
    let ff = AB::Expr::from_u32(255);
    for i in 0..4 {
        builder.assert_zero(ov.clone() * (e(C + i) - ff.clone()));
    }

    // c·q + r ≡ b (mod 2^64), sign-extended; lanes 4..7 skipped on overflow.
    let ext = |base: usize, sign: AB::Expr, i: usize| -> AB::Expr {
        if i < 4 {
            e(base + i)
        } else {
            ff.clone() * sign
        }
    };
    for k in 0..8 {
        let product = (0..=k)
            .map(|i| ext(C, s_c.clone(), i) * ext(Q, s_q.clone(), k - i))
            .fold(AB::Expr::ZERO, |acc, t| acc + t);
        let cin = if k == 0 {
            AB::Expr::ZERO
        } else {
            e(PCARRY + k - 1)
        };
        let lane = product + ext(R, s_r.clone(), k) + cin
            - ext(B, s_b.clone(), k)
            - byte.clone() * e(PCARRY + k);
        if k < 4 {
            builder.assert_zero(lane);
        } else {
            builder.assert_zero((one.clone() - ov.clone()) * lane);
            builder.assert_zero(ov.clone() * e(PCARRY + k));
        }
    }

    // Division by zero.
    let cz = e(CZ);
    builder.assert_bool(l[CZ]);
    let c_sum = (0..4).fold(AB::Expr::ZERO, |acc, i| acc + e(C + i));
    for i in 0..4 {
        builder.assert_zero(cz.clone() * e(C + i));
        builder.assert_zero(cz.clone() * (e(Q + i) - ff.clone()));
    }
    builder.assert_eq(c_sum * e(INV), active.clone() - cz.clone());
    builder.assert_zero(cz.clone() * e(INV));

    // Absolute values: |x| = x, or |x| + x = 2^32 when x is negative.
    for (sign, x, abs_x, carries) in [
        (s_c.clone(), C, ABS_C, NCARRY_C),
        (s_r.clone(), R, ABS_R, NCARRY_R),
    ] {
        for i in 0..4 {
            builder.assert_bool(l[carries + i]);
            let cin = if i == 0 {
                AB::Expr::ZERO
            } else {
                e(carries + i - 1)
            };
            builder.assert_zero(
                sign.clone() * (e(x + i) + e(abs_x + i) + cin - byte.clone() * e(carries + i))
                    + (one.clone() - sign.clone()) * (e(abs_x + i) - e(x + i)),
            );
            builder.assert_zero((one.clone() - sign.clone()) * e(carries + i));
        }
        builder.assert_zero(sign * (e(carries + 3) - one.clone()));
    }

    // |r| < |c| unless c = 0: |r| + 1 + d = |c| with no carry out.
    let check = active.clone() - cz.clone();
    for i in 0..4 {
        builder.assert_bool(l[LCARRY + i]);
        let cin = if i == 0 {
            one.clone()
        } else {
            e(LCARRY + i - 1)
        };
        builder.assert_zero(
            check.clone()
                * (e(ABS_R + i) + e(D + i) + cin - e(ABS_C + i) - byte.clone() * e(LCARRY + i)),
        );
        builder.assert_zero(cz.clone() * e(D + i));
        builder.assert_zero((one.clone() - check.clone()) * e(LCARRY + i));
    }
    builder.assert_zero(e(LCARRY + 3));

    // Signed remainders take the dividend's sign (or are zero).
    let r_sum = (0..4).fold(AB::Expr::ZERO, |acc, i| acc + e(R + i));
    builder.assert_zero(s_r.clone() * (one.clone() - s_b.clone()));
    builder.assert_zero((s_b - s_r) * r_sum);

    // The result.
    for i in 0..4 {
        builder.assert_zero((div.clone() + divu.clone()) * (e(A + i) - e(Q + i)));
        builder.assert_zero((rem.clone() + remu.clone()) * (e(A + i) - e(R + i)));
    }

    // Ranges.
    let pairs = LookupBus::new(BYTE_PAIR_BUS);
    for base in [A, B, C, Q, R, ABS_C, ABS_R, D] {
        for j in [0, 2] {
            pairs.lookup_key(
                builder,
                [e(base + j), e(base + j + 1)],
                flag_count(active.clone()),
            );
        }
    }
    let two = AB::Expr::from_u32(2);
    for k in [0, 2] {
        pairs.lookup_key(
            builder,
            [two.clone() * e(LOW + k), two.clone() * e(LOW + k + 1)],
            flag_count(active.clone()),
        );
    }
    let range = LookupBus::new(RANGE16_BUS);
    for k in 0..8 {
        range.lookup_key(builder, [e(PCARRY + k)], flag_count(active.clone()));
    }

    // The request.
    let op = (0..DivOpcode::ALL.len())
        .map(|k| AB::Expr::from_u32(DivOpcode::ALL[k] as u32) * e(FLAGS + k))
        .fold(AB::Expr::ZERO, |acc, t| acc + t);
    let word = |base: usize| std::array::from_fn(|i| e(base + i));
    receive_request(builder, op, [word(A), word(B), word(C)], active);
}
