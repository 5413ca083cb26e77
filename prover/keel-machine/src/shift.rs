//! The shift table: SLL, SRL and SRA.
//!
//! Hash functions rotate words, and RV32IM rotates with two shifts and an OR, so shifts are a
//! large share of their instructions. They get a table of their own: 34 columns and 8 byte-pair
//! lookups a row.
//!
//! A row receives `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` on [`ALU_BUS`](crate::alu::ALU_BUS)
//! (codes 7 = SLL, 8 = SRL, 9 = SRA) and proves `a = b op (c mod 32)`:
//!
//! - the shift amount: `c_lo = r₀ + 2r₁ + 4r₂ + 8q + 32h + 256·c₁` with `r` bits, `q` given by
//!   one-hot selectors `sel₀..sel₃`, and `(c₁, 32h)`, `(h, ·)` byte pairs, so `h < 8` and the
//!   decomposition is unique (`c_hi` takes no part: the amount is `c mod 32`);
//! - `b`'s bytes are range-checked in pairs, and every byte is multiplied by `2^r` (SLL) or
//!   `2^(8−r)` (SRL, SRA) and split into a low and a high byte (`b_i·m = lo_i + 256·hi_i`, both
//!   range-checked, so the split is unique);
//! - the bit-shifted bytes `t_i = lo_i + hi_{i−1}` (left) or `u_i = hi_i + lo_{i+1}` (right; the
//!   top byte's vacated bits filled with the sign for SRA: `fill₃ = s_b·(256 − 2^(8−r))`, the
//!   sign bit from `b₃ = 128·s_b + low`, `low < 128`) are moved by `q` bytes with the selectors,
//!   vacated bytes 0 (or `0xff` for a negative SRA).
//!
//! The result's bytes are fixed by these equations from range-checked bytes, so they need no
//! range check of their own. Padding rows are zero but for `pow = 2^0`; cells an operation does
//! not use are zero. Results are computed by `keel_isa::AluOp::apply` (the executor's
//! semantics); the constraints are tested against it on edge and random operands.

use keel_stark::config::Val;
use p3_air::{PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::{bytes, operation_flags, receive_request, AluOpcode, AluPortRows, BYTE_PAIR_BUS};
use crate::fixed::{bytes_trace, BYTES_MULTIPLICITIES};
use crate::flag_count;

/// Columns of a shift row.
pub const SHIFT_WIDTH: usize = 34;

/// The operations of this table, in flag-column order.
pub const OPS: [AluOpcode; 3] = [AluOpcode::Sll, AluOpcode::Srl, AluOpcode::Sra];

const FLAGS: usize = 0; // sll, srl, sra
const A: usize = 3;
const B: usize = 7;
const C1: usize = 11;
const C_HI: usize = 12;
const H: usize = 13;
const R: usize = 14; // r0, r1, r2
const SEL: usize = 17; // 4 one-hot byte-shift selectors
const POW: usize = 21;
const RPOW: usize = 22;
const LO: usize = 23;
const HI: usize = 27;
const SB: usize = 31;
const B3_LOW: usize = 32;
const FILL3: usize = 33;

/// Column names of a shift row, for mutation tests.
pub const SHIFT_COLUMNS: [&str; SHIFT_WIDTH] = [
    "sll", "srl", "sra", "a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3", "c1", "c_hi", "h", "r0",
    "r1", "r2", "sel0", "sel1", "sel2", "sel3", "pow", "rpow", "lo0", "lo1", "lo2", "lo3", "hi0",
    "hi1", "hi2", "hi3", "sb", "b3_low", "fill3",
];

/// Whether the shift table proves `op`.
pub fn handles(op: AluOpcode) -> bool {
    OPS.contains(&op)
}

/// The shift, port and byte-multiplicity traces of a list of SLL/SRL/SRA operations.
#[derive(Clone, Debug)]
pub struct ShiftTraces {
    /// The shift table.
    pub shift: RowMajorMatrix<Val>,
    /// The port (stand-in for the CPU's requests).
    pub port: RowMajorMatrix<Val>,
    /// The byte table's multiplicities.
    pub bytes: RowMajorMatrix<Val>,
    /// Each operation's result.
    pub results: Vec<u32>,
}

impl ShiftTraces {
    /// Computes each `b op c` with `AluOp::apply` and fills the tables; every `op` must be SLL,
    /// SRL or SRA ([`handles`]).
    pub fn generate(ops: &[(AluOpcode, u32, u32)]) -> Self {
        let height = ops.len().next_power_of_two().max(4);
        let mut shift = vec![Val::ZERO; height * SHIFT_WIDTH];
        for row in shift.chunks_mut(SHIFT_WIDTH) {
            row[POW] = Val::ONE;
        }
        let mut port = AluPortRows::new(height);
        let mut counts = vec![[0u32; BYTES_MULTIPLICITIES]; 1 << 16];
        let mut pair = |x: u32, y: u32| counts[(x * 256 + y) as usize][0] += 1;
        let mut results = Vec::with_capacity(ops.len());
        for (r, &(op, b, c)) in ops.iter().enumerate() {
            let Some(flag) = OPS.iter().position(|&o| o == op) else {
                panic!("the shift table proves SLL, SRL and SRA, not {op:?}");
            };
            let a = op.isa().apply(b, c);
            results.push(a);
            let row = &mut shift[r * SHIFT_WIDTH..(r + 1) * SHIFT_WIDTH];
            let mut set = |col: usize, v: u32| row[col] = Val::from_u32(v);
            set(FLAGS + flag, 1);
            let (ab, bb) = (bytes(a), bytes(b));
            for i in 0..4 {
                set(A + i, ab[i]);
                set(B + i, bb[i]);
            }
            let c_lo = c & 0xffff;
            let (s, h, c1) = (c_lo & 31, (c_lo >> 5) & 7, c_lo >> 8);
            set(C1, c1);
            set(C_HI, c >> 16);
            set(H, h);
            let (r, q) = (s & 7, s >> 3);
            for k in 0..3 {
                set(R + k, (r >> k) & 1);
            }
            set(SEL + q as usize, 1);
            let (pow, rpow) = (1u32 << r, 256 >> r);
            set(POW, pow);
            set(RPOW, rpow);
            let factor = if op == AluOpcode::Sll { pow } else { rpow };
            for (i, &byte) in bb.iter().enumerate() {
                let product = byte * factor;
                set(LO + i, product & 0xff);
                set(HI + i, product >> 8);
                pair(product & 0xff, product >> 8);
            }
            let (sb, b3_low) = if op == AluOpcode::Sra {
                (bb[3] >> 7, bb[3] & 0x7f)
            } else {
                (0, 0)
            };
            set(SB, sb);
            set(B3_LOW, b3_low);
            set(FILL3, sb * (256 - rpow));
            pair(bb[0], bb[1]);
            pair(bb[2], bb[3]);
            pair(c1, 32 * h);
            pair(h, 2 * b3_low);
            port.push(op as u32, a, b, c);
        }
        ShiftTraces {
            shift: RowMajorMatrix::new(shift, SHIFT_WIDTH),
            port: port.finish(),
            bytes: bytes_trace(&counts),
            results,
        }
    }
}

/// The shift table (see the module documentation).
pub(crate) fn eval_shift<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let one = AB::Expr::ONE;
    let byte = AB::Expr::from_u32(256);
    let [sll, srl, sra] = std::array::from_fn(|k| e(FLAGS + k));
    let (active, op) = operation_flags(builder, &l, FLAGS, &OPS);
    let right = srl.clone() + sra.clone();
    // Padding rows are zero but for `pow` (= 2^0 there: its constraint holds on every row).
    for c in (A..SHIFT_WIDTH).filter(|&c| c != POW) {
        builder.assert_zero((one.clone() - active.clone()) * e(c));
    }

    // The amount: c_lo = r0 + 2r1 + 4r2 + 8q + 32h + 256·c1, h < 8.
    for k in 0..3 {
        builder.assert_bool(l[R + k]);
    }
    let mut q = AB::Expr::ZERO;
    let mut selected = AB::Expr::ZERO;
    for k in 0..4 {
        builder.assert_bool(l[SEL + k]);
        q += AB::Expr::from_u32(k as u32) * e(SEL + k);
        selected += e(SEL + k);
    }
    builder.assert_eq(selected, active.clone());
    let c0 = e(R)
        + AB::Expr::from_u32(2) * e(R + 1)
        + AB::Expr::from_u32(4) * e(R + 2)
        + AB::Expr::from_u32(8) * q
        + AB::Expr::from_u32(32) * e(H);
    let pairs = LookupBus::new(BYTE_PAIR_BUS);
    let count = || flag_count(active.clone());
    pairs.lookup_key(builder, [e(C1), AB::Expr::from_u32(32) * e(H)], count());
    pairs.lookup_key(builder, [e(H), AB::Expr::from_u32(2) * e(B3_LOW)], count());

    // The bit shift: b_i · 2^r (left) or b_i · 2^(8−r) (right) = lo_i + 256·hi_i.
    let pow = (one.clone() + e(R))
        * (one.clone() + AB::Expr::from_u32(3) * e(R + 1))
        * (one.clone() + AB::Expr::from_u32(15) * e(R + 2));
    builder.assert_eq(e(POW), pow);
    builder.assert_zero(e(RPOW) * e(POW) - byte.clone() * active.clone());
    let factor = sll.clone() * e(POW) + right.clone() * e(RPOW);
    for i in 0..4 {
        builder.assert_zero(e(B + i) * factor.clone() - e(LO + i) - byte.clone() * e(HI + i));
        pairs.lookup_key(builder, [e(LO + i), e(HI + i)], count());
    }
    for j in [0, 2] {
        pairs.lookup_key(builder, [e(B + j), e(B + j + 1)], count());
    }

    // SRA's sign: b3 = 128·sb + low, low < 128 (the pair above); the vacated bits of the top
    // byte are filled with it.
    builder.assert_bool(l[SB]);
    builder.assert_zero(sra.clone() * (e(B + 3) - AB::Expr::from_u32(128) * e(SB) - e(B3_LOW)));
    builder.assert_zero((one.clone() - sra.clone()) * e(SB));
    builder.assert_zero((one.clone() - sra.clone()) * e(B3_LOW));
    builder.assert_eq(e(FILL3), sra * e(SB) * (byte.clone() - e(RPOW)));

    // The byte shift. Left: t_i = lo_i + hi_{i−1}; a_j = t_{j−k} for the selected k, 0 below.
    let t = |i: usize| -> AB::Expr {
        if i == 0 {
            e(LO)
        } else {
            e(LO + i) + e(HI + i - 1)
        }
    };
    // Right: u_i = hi_i + lo_{i+1}, u_3 = hi_3 + fill; bytes above 3 are the sign fill.
    let u = |i: usize| -> AB::Expr {
        if i < 3 {
            e(HI + i) + e(LO + i + 1)
        } else {
            e(HI + 3) + e(FILL3)
        }
    };
    let sign_byte = AB::Expr::from_u32(255) * e(SB);
    for j in 0..4 {
        let left = (0..=j)
            .map(|k| e(SEL + k) * t(j - k))
            .fold(AB::Expr::ZERO, |acc, x| acc + x);
        builder.assert_zero(sll.clone() * (e(A + j) - left));
        let shifted = (0..4)
            .map(|k| {
                let source = if j + k <= 3 {
                    u(j + k)
                } else {
                    sign_byte.clone()
                };
                e(SEL + k) * source
            })
            .fold(AB::Expr::ZERO, |acc, x| acc + x);
        builder.assert_zero(right.clone() * (e(A + j) - shifted));
    }

    // The request; c as bytes (c0, c1) and the high half (c_hi, 0).
    let word = |base: usize| std::array::from_fn(|i| e(base + i));
    let c = [c0, e(C1), e(C_HI), AB::Expr::ZERO];
    receive_request(builder, op, [word(A), word(B), c], active);
}
