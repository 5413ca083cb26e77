//! The input table: the memory writes of `input_read` — one row per word of each frame.
//!
//! The CPU's `input_read` at clock `clk` sends `(clk, ptr, len, n)` on [`INPUT_BUS`] and jumps
//! its clock to `clk + 1 + n`; the `n` rows of that call (a chain: same `clk`, word index `j`
//! and key increasing by 1, bytes remaining `len − 4j` decreasing by 4) write word `j` at
//! timestamp `4·(clk + 1 + j)`, inside the clock values the CPU skipped. The chain's first row
//! receives the message (`j = 0`, remaining = `len`, `ptr = 4·w` word-aligned, key from `ptr`,
//! `len < 2^24`); only its last row may end it, with `r ∈ 1..=4` bytes left, `j = n − 1`, and
//! the bytes past `r` of that word keep their previous value. A zero-length read is one row
//! that writes nothing (`n = 0`). The bytes written are the prover's private input: only their
//! placement is constrained.

use p3_air::{AirBuilder, PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};

use crate::alu::BYTE_PAIR_BUS;
use crate::memory::{eval_accesses, StoreAccess};
use crate::{flag_count, RANGE16_BUS};

/// The input channel: `(clk, ptr_lo, ptr_hi, len_lo, len_hi, words)`.
pub const INPUT_BUS: crate::Channel = crate::Channel::new(4);

/// Column layout.
pub mod col {
    /// Row in use (a prefix).
    pub const ACTIVE: usize = 0;
    /// First row of a call.
    pub const START: usize = 1;
    /// The call's CPU clock.
    pub const CLK: usize = 2;
    /// Word index within the call.
    pub const J: usize = 3;
    /// Words of the call.
    pub const NW: usize = 4;
    /// The word's memory key.
    pub const KEY: usize = 5;
    /// `ptr_lo / 4` (start rows).
    pub const W: usize = 6;
    /// Pointer halves (start rows).
    pub const PTR: usize = 7;
    /// Length halves (start rows).
    pub const LEN: usize = 9;
    /// Bytes remaining from this word on.
    pub const REMAIN: usize = 11;
    /// Kind flags: continue, then end with 0, 1, 2, 3, 4 bytes in this word.
    pub const KIND: usize = 12;
    /// Previous word halves.
    pub const PREV: usize = 18;
    /// Previous word bytes.
    pub const P: usize = 20;
    /// New word bytes.
    pub const N: usize = 24;
    /// Previous timestamp.
    pub const PREV_TS: usize = 28;
    /// Low limb of the timestamp difference.
    pub const T_LO: usize = 29;
    /// High limb (below 2^9).
    pub const T_HI: usize = 30;
    /// Columns.
    pub const WIDTH: usize = 31;
}

/// Columns of the input table.
pub const INPUT_WIDTH: usize = col::WIDTH;

/// The input table (see the module documentation).
pub(crate) fn eval_input<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    use col::*;
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let n: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let c = |v: u32| AB::Expr::from_u32(v);
    let kind = |k: usize| e(KIND + k);
    let (active, start, cont) = (e(ACTIVE), e(START), kind(0));
    builder.assert_bool(l[ACTIVE]);
    builder.assert_bool(l[START]);
    let mut kinds = AB::Expr::ZERO;
    for k in 0..6 {
        builder.assert_bool(l[KIND + k]);
        kinds += kind(k);
    }
    builder.assert_eq(kinds, active.clone());
    builder.assert_zero(start.clone() * (AB::Expr::ONE - active.clone()));
    builder
        .when_transition()
        .assert_zero(n[ACTIVE].into() * (AB::Expr::ONE - active.clone()));
    builder
        .when_first_row()
        .assert_zero(active.clone() * (AB::Expr::ONE - start.clone()));

    // Chains: a continuing row is followed by its call's next word; an ending row by a new
    // call or by nothing.
    let mut t = builder.when_transition();
    t.assert_zero(cont.clone() * (AB::Expr::ONE - n[ACTIVE].into()));
    t.assert_zero(cont.clone() * n[START].into());
    t.assert_zero(
        (active.clone() - cont.clone()) * n[ACTIVE].into() * (AB::Expr::ONE - n[START].into()),
    );
    t.assert_zero(cont.clone() * (n[CLK].into() - e(CLK)));
    t.assert_zero(cont.clone() * (n[NW].into() - e(NW)));
    t.assert_zero(cont.clone() * (n[J].into() - e(J) - AB::Expr::ONE));
    t.assert_zero(cont.clone() * (n[KEY].into() - e(KEY) - AB::Expr::ONE));
    t.assert_zero(cont.clone() * (n[REMAIN].into() - e(REMAIN) + c(4)));
    builder.when_last_row().assert_zero(cont.clone());

    // Ends: r bytes left in the last word, which is word n − 1; a zero-length call has n = 0.
    for r in 0..5u32 {
        builder.assert_zero(kind(1 + r as usize) * (e(REMAIN) - c(r)));
    }
    let empty = kind(1);
    let writes = active.clone() - empty.clone();
    let ends_with_word = writes.clone() - cont.clone();
    builder.assert_zero(ends_with_word * (e(J) - e(NW) + AB::Expr::ONE));
    builder.assert_zero(empty.clone() * e(NW));
    builder.assert_zero(empty.clone() * (AB::Expr::ONE - start.clone()));

    // The call: received on its first row.
    builder.assert_zero(start.clone() * e(J));
    builder.assert_zero(start.clone() * (e(REMAIN) - e(LEN) - e(LEN + 1) * c(1 << 16)));
    let aligned = start.clone() - empty.clone();
    builder.assert_zero(aligned.clone() * (e(PTR) - e(W) * c(4)));
    builder.assert_zero(aligned.clone() * (e(KEY) - e(W) - e(PTR + 1) * c(1 << 14) - c(32)));
    let range = LookupBus::new(RANGE16_BUS);
    range.lookup_key(builder, [e(W)], flag_count(aligned.clone()));
    range.lookup_key(builder, [e(W) * c(4)], flag_count(aligned.clone()));
    // len < 2^24: its high half below 2^8.
    range.lookup_key(builder, [e(LEN + 1) * c(1 << 8)], flag_count(start.clone()));
    INPUT_BUS.receive(
        builder,
        [e(CLK), e(PTR), e(PTR + 1), e(LEN), e(LEN + 1), e(NW)],
        flag_count(start.clone()),
    );

    // The write.
    let p = |i: usize| e(P + i);
    let nb = |i: usize| e(N + i);
    builder.assert_zero(writes.clone() * (e(PREV) - p(0) - p(1) * c(256)));
    builder.assert_zero(writes.clone() * (e(PREV + 1) - p(2) - p(3) * c(256)));
    let pairs = LookupBus::new(BYTE_PAIR_BUS);
    for (x, y) in [(p(0), p(1)), (p(2), p(3)), (nb(0), nb(1)), (nb(2), nb(3))] {
        pairs.lookup_key(builder, [x, y], flag_count(writes.clone()));
    }
    // Bytes past the frame's end keep their value.
    let (e1, e2, e3) = (kind(2), kind(3), kind(4));
    builder.assert_zero(e1.clone() * (nb(1) - p(1)));
    builder.assert_zero((e1.clone() + e2.clone()) * (nb(2) - p(2)));
    builder.assert_zero((e1 + e2 + e3) * (nb(3) - p(3)));
    eval_accesses(
        builder,
        vec![StoreAccess {
            key: e(KEY),
            prev: [e(PREV), e(PREV + 1)],
            new: [nb(0) + nb(1) * c(256), nb(2) + nb(3) * c(256)],
            prev_ts: e(PREV_TS),
            ts: (e(CLK) + AB::Expr::ONE + e(J)) * c(4),
            t: [e(T_LO), e(T_HI)],
            count: writes.clone(),
            // A store: the word must be in a writable range.
            writable: AB::Expr::ONE,
        }],
        writes.clone(),
    );

    // Unused cells are zero.
    let pin = |builder: &mut AB, used: AB::Expr, cells: &[usize]| {
        for &cell in cells {
            builder.assert_zero((AB::Expr::ONE - used.clone()) * e(cell));
        }
    };
    pin(builder, active, &[CLK, J, NW, REMAIN]);
    pin(builder, start, &[PTR, PTR + 1, LEN, LEN + 1]);
    pin(builder, aligned, &[W]);
    pin(
        builder,
        writes,
        &[
            KEY,
            PREV,
            PREV + 1,
            P,
            P + 1,
            P + 2,
            P + 3,
            N,
            N + 1,
            N + 2,
            N + 3,
            PREV_TS,
            T_LO,
            T_HI,
        ],
    );
}
