//! The ALU table (ADD, SUB, XOR, OR, AND, SLT, SLTU), the operation codes of the ALU channel,
//! and the helpers the operation tables share.
//!
//! A row receives `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)` on [`ALU_BUS`] — `a = b op c`,
//! words as 16-bit halves as on the memory bus — and holds the words as bytes:
//!
//! - every byte is range-checked in pairs on [`BYTE_PAIR_BUS`];
//! - ADD: `b + c = a + 2^32·carry₃` byte by byte (`b_i + c_i + carry_{i−1} = a_i + 256·carry_i`,
//!   carries boolean); SUB: the same with `a + c = b`;
//! - XOR / OR / AND: `(op, b_i, c_i, a_i)` looked up on the byte table's [`BYTE_OP_BUS`];
//! - SLTU: `d = b − c` through the adder (`d + c = b + 2^32·carry₃`), so `carry₃ = [b < c]`;
//!   SLT: the sign bits `s_b, s_c` (`b₃ = 128·s_b + low`, `low < 128`) decide when they differ,
//!   else the unsigned comparison does; the result is `(lt, 0, 0, 0)`.
//!
//! In the machine this table answers the comparisons: ADD is proven by the CPU row, SUB by
//! [`crate::add`], the logic operations by [`crate::logic`] and the shifts by [`crate::shift`],
//! all receiving on the same channel.
//!
//! Cells an operation does not use are constrained to zero. Results are computed by
//! `keel_isa::AluOp::apply` (the executor's semantics); the constraints are tested against it on
//! random and edge operands.

use keel_isa::AluOp;
use keel_stark::config::Val;
use p3_air::{AirBuilder, PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};
use p3_matrix::dense::RowMajorMatrix;

use crate::fixed::{bytes_trace, BYTES_MULTIPLICITIES};
use crate::flag_count;

/// The ALU channel: `(op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi)`. Its senders guarantee that the
/// operands `b` and `c` are 16-bit halves (the CPU sends register values, which the memory
/// argument keeps canonical, and the program's immediates); a receiving table proves the result
/// `a` correct and canonical.
pub const ALU_BUS: crate::Channel = crate::Channel::new(2);
/// Byte pairs `(x, y)`, both below 256.
pub const BYTE_PAIR_BUS: &str = "byte_pair";
/// `(op, x, y, x op y)` for bytes `x, y` and `op` the ALU-bus code of XOR (2), OR (3) or
/// AND (4).
pub const BYTE_OP_BUS: &str = "byte_op";

/// The operations of this table, with their codes on [`ALU_BUS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOpcode {
    /// `b + c`.
    Add = 0,
    /// `b − c`.
    Sub = 1,
    /// `b XOR c`.
    Xor = 2,
    /// `b OR c`.
    Or = 3,
    /// `b AND c`.
    And = 4,
    /// `[b < c]` signed.
    Slt = 5,
    /// `[b < c]` unsigned.
    Sltu = 6,
    /// `b << (c mod 32)`.
    Sll = 7,
    /// `b >> (c mod 32)`, logical.
    Srl = 8,
    /// `b >> (c mod 32)`, arithmetic.
    Sra = 9,
}

impl AluOpcode {
    /// Every operation, in flag-column order.
    pub const ALL: [AluOpcode; 10] = [
        AluOpcode::Add,
        AluOpcode::Sub,
        AluOpcode::Xor,
        AluOpcode::Or,
        AluOpcode::And,
        AluOpcode::Slt,
        AluOpcode::Sltu,
        AluOpcode::Sll,
        AluOpcode::Srl,
        AluOpcode::Sra,
    ];

    /// The ISA operation it implements.
    pub fn isa(self) -> AluOp {
        match self {
            AluOpcode::Add => AluOp::Add,
            AluOpcode::Sub => AluOp::Sub,
            AluOpcode::Xor => AluOp::Xor,
            AluOpcode::Or => AluOp::Or,
            AluOpcode::And => AluOp::And,
            AluOpcode::Slt => AluOp::Slt,
            AluOpcode::Sltu => AluOp::Sltu,
            AluOpcode::Sll => AluOp::Sll,
            AluOpcode::Srl => AluOp::Srl,
            AluOpcode::Sra => AluOp::Sra,
        }
    }
}

/// The operations the ALU table proves, in flag-column order: every code but the shifts
/// ([`crate::shift`]).
pub const OPS: &[AluOpcode] = AluOpcode::ALL.split_at(7).0;

/// Whether the ALU table proves `op`.
pub fn handles(op: AluOpcode) -> bool {
    OPS.contains(&op)
}

/// Columns of an ALU row.
pub const ALU_WIDTH: usize = 32;
/// Columns of an ALU port row (`op, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi, active`).
pub const ALU_PORT_WIDTH: usize = 8;

const FLAGS: usize = 0; // 7 flags in OPS order
const A: usize = 7;
const B: usize = 11;
const C: usize = 15;
const D: usize = 19;
const CARRY: usize = 23;
const SB: usize = 27;
const SC: usize = 28;
const B3_LOW: usize = 29;
const C3_LOW: usize = 30;
const EQ_SIGN: usize = 31;

/// Column names of an ALU row, for mutation tests.
pub const ALU_COLUMNS: [&str; ALU_WIDTH] = [
    "add", "sub", "xor", "or", "and", "slt", "sltu", "a0", "a1", "a2", "a3", "b0", "b1", "b2",
    "b3", "c0", "c1", "c2", "c3", "d0", "d1", "d2", "d3", "carry0", "carry1", "carry2", "carry3",
    "sb", "sc", "b3_low", "c3_low", "eq_sign",
];

/// The little-endian bytes of a word.
pub(crate) fn bytes(x: u32) -> [u32; 4] {
    x.to_le_bytes().map(u32::from)
}

/// The ALU, ALU-port and byte-multiplicity traces of a list of operations `(op, b, c)`.
#[derive(Clone, Debug)]
pub struct AluTraces {
    /// The ALU table.
    pub alu: RowMajorMatrix<Val>,
    /// The port (stand-in for the CPU's requests).
    pub port: RowMajorMatrix<Val>,
    /// The byte table's multiplicities.
    pub bytes: RowMajorMatrix<Val>,
    /// Each operation's result.
    pub results: Vec<u32>,
}

impl AluTraces {
    /// Computes `b op c` for each operation (with `AluOp::apply`) and fills the tables; every
    /// `op` must be one of [`OPS`] ([`handles`]).
    pub fn generate(ops: &[(AluOpcode, u32, u32)]) -> Self {
        let height = ops.len().next_power_of_two().max(4);
        let mut alu = vec![Val::ZERO; height * ALU_WIDTH];
        // Padding rows: no operation, equal (zero) signs.
        for row in alu.chunks_mut(ALU_WIDTH) {
            row[EQ_SIGN] = Val::ONE;
        }
        let mut port = AluPortRows::new(height);
        let mut counts = vec![[0u32; BYTES_MULTIPLICITIES]; 1 << 16];
        let pair = |x: u32, y: u32, counts: &mut Vec<[u32; BYTES_MULTIPLICITIES]>| {
            counts[(x * 256 + y) as usize][0] += 1;
        };
        let mut results = Vec::with_capacity(ops.len());
        for (r, &(op, b, c)) in ops.iter().enumerate() {
            let a = op.isa().apply(b, c);
            results.push(a);
            let row = &mut alu[r * ALU_WIDTH..(r + 1) * ALU_WIDTH];
            let mut set = |col: usize, v: u32| row[col] = Val::from_u32(v);
            let Some(flag) = OPS.iter().position(|&o| o == op) else {
                panic!("the ALU table does not prove {op:?}");
            };
            set(FLAGS + flag, 1);
            let (ab, bb, cb) = (bytes(a), bytes(b), bytes(c));
            for i in 0..4 {
                set(A + i, ab[i]);
                set(B + i, bb[i]);
                set(C + i, cb[i]);
            }
            let cmp = matches!(op, AluOpcode::Slt | AluOpcode::Sltu);
            // The adder's operands: x + c = z.
            let (x, z) = match op {
                AluOpcode::Add => (b, a),
                AluOpcode::Sub => (a, b),
                _ if cmp => (b.wrapping_sub(c), b),
                _ => (0, 0),
            };
            if matches!(op, AluOpcode::Add | AluOpcode::Sub) || cmp {
                let (xb, zb) = (bytes(x), bytes(z));
                let mut carry = 0;
                for i in 0..4 {
                    let sum = xb[i] + cb[i] + carry;
                    debug_assert_eq!(sum & 0xff, zb[i]);
                    carry = sum >> 8;
                    set(CARRY + i, carry);
                }
            }
            let db = if cmp { bytes(x) } else { [0; 4] };
            for (i, &d) in db.iter().enumerate() {
                set(D + i, d);
            }
            let slt = op == AluOpcode::Slt;
            let (sb, sc) = if slt {
                (bb[3] >> 7, cb[3] >> 7)
            } else {
                (0, 0)
            };
            set(SB, sb);
            set(SC, sc);
            let (b3_low, c3_low) = if slt {
                (bb[3] & 0x7f, cb[3] & 0x7f)
            } else {
                (0, 0)
            };
            set(B3_LOW, b3_low);
            set(C3_LOW, c3_low);
            set(EQ_SIGN, u32::from(sb == sc));

            for (x, y) in [
                (ab[0], ab[1]),
                (ab[2], ab[3]),
                (bb[0], bb[1]),
                (bb[2], bb[3]),
            ] {
                pair(x, y, &mut counts);
            }
            for (x, y) in [(cb[0], cb[1]), (cb[2], cb[3])] {
                pair(x, y, &mut counts);
            }
            if cmp {
                pair(db[0], db[1], &mut counts);
                pair(db[2], db[3], &mut counts);
            }
            if slt {
                pair(2 * b3_low, 2 * c3_low, &mut counts);
            }
            if let Some(k) = crate::fixed::byte_op_column(op) {
                for i in 0..4 {
                    counts[(bb[i] * 256 + cb[i]) as usize][k] += 1;
                }
            }

            port.push(op as u32, a, b, c);
        }
        AluTraces {
            alu: RowMajorMatrix::new(alu, ALU_WIDTH),
            port: port.finish(),
            bytes: bytes_trace(&counts),
            results,
        }
    }
}

/// Rows of an ALU port trace (the requests `(op, a, b, c)` as halves, then `active = 1`).
pub(crate) struct AluPortRows {
    values: Vec<Val>,
    height: usize,
}

impl AluPortRows {
    pub(crate) fn new(height: usize) -> Self {
        AluPortRows {
            values: Vec::with_capacity(height * ALU_PORT_WIDTH),
            height,
        }
    }

    pub(crate) fn push(&mut self, op: u32, a: u32, b: u32, c: u32) {
        let half = |w: u32| [w & 0xffff, w >> 16];
        let row = [op]
            .into_iter()
            .chain(half(a))
            .chain(half(b))
            .chain(half(c))
            .chain([1]);
        self.values.extend(row.map(Val::from_u32));
    }

    pub(crate) fn finish(mut self) -> RowMajorMatrix<Val> {
        self.values.resize(self.height * ALU_PORT_WIDTH, Val::ZERO);
        RowMajorMatrix::new(self.values, ALU_PORT_WIDTH)
    }
}

/// The byte table's trace for pair lookups only (`pairs[256·x + y]` lookups of `(x, y)`).
pub(crate) fn pair_multiplicities(pairs: &[u32]) -> RowMajorMatrix<Val> {
    let counts: Vec<[u32; BYTES_MULTIPLICITIES]> = pairs.iter().map(|&p| [p, 0, 0, 0]).collect();
    bytes_trace(&counts)
}

/// Receives the request `(op, a, b, c)` on [`ALU_BUS`], each word given as its four bytes
/// (sent as 16-bit halves), once if `active`.
pub(crate) fn receive_request<AB: PermutationAirBuilder + InteractionBuilder>(
    builder: &mut AB,
    op: AB::Expr,
    words: [[AB::Expr; 4]; 3],
    active: AB::Expr,
) {
    let byte = AB::Expr::from_u32(256);
    let mut message = vec![op];
    for [b0, b1, b2, b3] in words {
        message.push(b0 + byte.clone() * b1);
        message.push(b2 + byte.clone() * b3);
    }
    ALU_BUS.receive(builder, message, flag_count(active));
}

/// The one-hot operation flags `l[first..first + ops.len()]` of an operation table: asserts
/// each flag and their sum boolean, and returns `(active, op)` — the sum, and the code of the
/// flagged operation (0 on a row with no flag).
pub(crate) fn operation_flags<AB: AirBuilder>(
    builder: &mut AB,
    l: &[AB::Var],
    first: usize,
    ops: &[AluOpcode],
) -> (AB::Expr, AB::Expr) {
    let mut active = AB::Expr::ZERO;
    let mut op = AB::Expr::ZERO;
    for (k, code) in ops.iter().enumerate() {
        builder.assert_bool(l[first + k]);
        active += l[first + k].into();
        op += AB::Expr::from_u32(*code as u32) * l[first + k].into();
    }
    builder.assert_bool(active.clone());
    (active, op)
}

/// The ALU table (see the module documentation).
pub(crate) fn eval_alu<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let [add, sub, xor, or, and, slt, sltu] = std::array::from_fn(|k| e(FLAGS + k));
    let (active, op) = operation_flags(builder, &l, FLAGS, OPS);
    let cmp = slt.clone() + sltu.clone();

    // The adder.
    let byte = AB::Expr::from_u32(256);
    for i in 0..4 {
        builder.assert_bool(l[CARRY + i]);
        let cin = if i == 0 {
            AB::Expr::ZERO
        } else {
            e(CARRY + i - 1)
        };
        let cout = e(CARRY + i) * byte.clone();
        let lane = |x: AB::Expr, z: AB::Expr| x + e(C + i) + cin.clone() - z - cout.clone();
        builder.assert_zero(
            add.clone() * lane(e(B + i), e(A + i))
                + sub.clone() * lane(e(A + i), e(B + i))
                + cmp.clone() * lane(e(D + i), e(B + i)),
        );
    }

    // Comparisons.
    for i in 1..4 {
        builder.assert_zero(cmp.clone() * e(A + i));
    }
    builder.assert_zero(sltu.clone() * (e(A) - e(CARRY + 3)));
    builder.assert_bool(l[SB]);
    builder.assert_bool(l[SC]);
    let two = AB::Expr::from_u32(2);
    builder.assert_eq(
        e(EQ_SIGN),
        AB::Expr::ONE - e(SB) - e(SC) + two * e(SB) * e(SC),
    );
    let high = AB::Expr::from_u32(128);
    builder.assert_zero(slt.clone() * (e(B + 3) - high.clone() * e(SB) - e(B3_LOW)));
    builder.assert_zero(slt.clone() * (e(C + 3) - high * e(SC) - e(C3_LOW)));
    let lt = e(SB) - e(SB) * e(SC) + e(EQ_SIGN) * e(CARRY + 3);
    builder.assert_zero(slt.clone() * (e(A) - lt));

    // Cells an operation does not use are zero, so every row has exactly one witness (and a
    // changed cell is always caught, which the mutation harness checks).
    let arith = add.clone() + sub.clone() + cmp.clone();
    for i in 0..4 {
        builder.assert_zero((AB::Expr::ONE - cmp.clone()) * e(D + i));
        builder.assert_zero((AB::Expr::ONE - arith.clone()) * e(CARRY + i));
    }
    for c in [SB, SC, B3_LOW, C3_LOW] {
        builder.assert_zero((AB::Expr::ONE - slt.clone()) * e(c));
    }

    // Byte ranges.
    let pairs = LookupBus::new(BYTE_PAIR_BUS);
    for base in [A, B, C] {
        for j in [0, 2] {
            pairs.lookup_key(
                builder,
                [e(base + j), e(base + j + 1)],
                flag_count(active.clone()),
            );
        }
    }
    for j in [0, 2] {
        pairs.lookup_key(builder, [e(D + j), e(D + j + 1)], flag_count(cmp.clone()));
    }
    let two = AB::Expr::from_u32(2);
    pairs.lookup_key(
        builder,
        [two.clone() * e(B3_LOW), two * e(C3_LOW)],
        flag_count(slt),
    );

    // Logic.
    let logic_op = AB::Expr::from_u32(AluOpcode::Xor as u32) * xor.clone()
        + AB::Expr::from_u32(AluOpcode::Or as u32) * or.clone()
        + AB::Expr::from_u32(AluOpcode::And as u32) * and.clone();
    let bus = LookupBus::new(BYTE_OP_BUS);
    for i in 0..4 {
        bus.lookup_key(
            builder,
            [logic_op.clone(), e(B + i), e(C + i), e(A + i)],
            flag_count(xor.clone() + or.clone() + and.clone()),
        );
    }

    // The request.
    let word = |base: usize| std::array::from_fn(|i| e(base + i));
    receive_request(builder, op, [word(A), word(B), word(C)], active);
}

/// The ALU port: sends each request once (stand-in for the CPU).
pub(crate) fn eval_alu_port<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let next: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let active = l[ALU_PORT_WIDTH - 1];
    builder.assert_bool(active);
    builder
        .when_transition()
        .assert_zero(next[ALU_PORT_WIDTH - 1].into() * (AB::Expr::ONE - active.into()));
    ALU_BUS.send(
        builder,
        l[..ALU_PORT_WIDTH - 1].iter().copied(),
        flag_count(active.into()),
    );
}
