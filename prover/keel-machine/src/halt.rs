//! The halt table: one active row, the end of the execution, which binds the exit code and the
//! public-values digest to the proof's public values.
//!
//! The CPU's last instruction (an `ecall` of `halt` or `exit`) sends `(clk, is_halt, a0, a1)` on
//! [`HALT_BUS`]; the table's first row receives it, and no other row is active. For `halt` the
//! row reads the 32-byte digest at `a1` (word-aligned: eight words, at timestamps after the last
//! cycle, `4·clk + 4 + j`) from memory; for `exit` the digest is SHA-256 of the empty string
//! (nothing may be committed before `exit`). Public values: the exit code's two halves, then the
//! digest's eight little-endian words as halves — [`public_values`].

use p3_air::{AirBuilder, PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;

use crate::memory::{eval_accesses, StoreAccess};
use crate::{flag_count, RANGE16_BUS};
use p3_lookup::LookupBus;

/// The halt channel: `(clk, is_halt, exit_lo, exit_hi, ptr_lo, ptr_hi)`.
pub const HALT_BUS: crate::Channel = crate::Channel::new(3);
/// Number of public values: exit code halves, then 16 digest halves.
pub const NUM_PUBLIC_VALUES: usize = 18;
/// SHA-256 of the empty string: the digest of a run that ends with `exit`.
pub const EMPTY_DIGEST: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Column layout of the halt row.
pub mod col {
    /// 1 on the first row only.
    pub const ACTIVE: usize = 0;
    /// The CPU clock of the final `ecall`.
    pub const CLK: usize = 1;
    /// 1 for `halt`, 0 for `exit`.
    pub const IS_HALT: usize = 2;
    /// Exit code halves.
    pub const EXIT: usize = 3;
    /// Digest pointer halves.
    pub const PTR: usize = 5;
    /// `ptr_lo / 4`.
    pub const W: usize = 7;
    /// Digest words as halves (16 columns).
    pub const DIGEST: usize = 8;
    /// Previous timestamps of the eight reads.
    pub const PREV_TS: usize = 24;
    /// Low limbs of the timestamp differences.
    pub const T_LO: usize = 32;
    /// High limbs (below 2^9).
    pub const T_HI: usize = 40;
    /// Whether each digest word is in a writable range (carried by its memory messages).
    pub const WRITABLE: usize = 48;
    /// Columns.
    pub const WIDTH: usize = 56;
}

/// Columns of the halt table.
pub const HALT_WIDTH: usize = col::WIDTH;

/// The public values of a run: exit code and digest, as the halt table exposes them.
pub fn public_values(exit_code: u32, digest: &[u8; 32]) -> Vec<u32> {
    let mut values = vec![exit_code & 0xffff, exit_code >> 16];
    for word in digest.chunks_exact(4) {
        let w = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        values.extend([w & 0xffff, w >> 16]);
    }
    values
}

/// The halt table (see the module documentation).
pub(crate) fn eval_halt<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    use col::*;
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let n: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let pvs: Vec<AB::PublicVar> = builder.public_values().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let c = |v: u32| AB::Expr::from_u32(v);
    builder.assert_bool(l[ACTIVE]);
    builder.assert_bool(l[IS_HALT]);
    builder.when_first_row().assert_one(l[ACTIVE]);
    builder.when_transition().assert_zero(n[ACTIVE]);
    builder.assert_zero(e(IS_HALT) * (AB::Expr::ONE - e(ACTIVE)));

    HALT_BUS.receive(
        builder,
        [e(CLK), e(IS_HALT), e(EXIT), e(EXIT + 1), e(PTR), e(PTR + 1)],
        flag_count(e(ACTIVE)),
    );

    // Public values on the active (first) row.
    for (i, pv) in pvs.iter().enumerate().take(NUM_PUBLIC_VALUES) {
        let cell = if i < 2 { EXIT + i } else { DIGEST + i - 2 };
        builder.when_first_row().assert_eq(l[cell], (*pv).into());
    }

    // exit: the empty string's digest.
    let is_exit = e(ACTIVE) - e(IS_HALT);
    for (i, v) in public_values(0, &EMPTY_DIGEST)[2..].iter().enumerate() {
        builder.assert_zero(is_exit.clone() * (e(DIGEST + i) - c(*v)));
    }

    // Unused cells are zero: everything on inactive rows, the reads' cells on `exit` (the
    // pointer is `a1` as the CPU sends it).
    for cell in [CLK, EXIT, EXIT + 1, PTR, PTR + 1]
        .into_iter()
        .chain(DIGEST..DIGEST + 16)
    {
        builder.assert_zero((AB::Expr::ONE - e(ACTIVE)) * e(cell));
    }
    for cell in [W].into_iter().chain(PREV_TS..WIDTH) {
        builder.assert_zero((AB::Expr::ONE - e(IS_HALT)) * e(cell));
    }

    // halt: eight word reads at the aligned pointer.
    let halt = e(IS_HALT);
    builder.assert_zero(halt.clone() * (e(PTR) - e(W) * c(4)));
    let range = LookupBus::new(RANGE16_BUS);
    range.lookup_key(builder, [e(W)], flag_count(halt.clone()));
    range.lookup_key(builder, [e(W) * c(4)], flag_count(halt.clone()));
    let accesses = (0..8)
        .map(|j| {
            let digest = [e(DIGEST + 2 * j), e(DIGEST + 2 * j + 1)];
            StoreAccess {
                key: e(W) + e(PTR + 1) * c(1 << 14) + c(32 + j as u32),
                prev: digest.clone(),
                new: digest,
                prev_ts: e(PREV_TS + j),
                ts: e(CLK) * c(4) + c(4 + j as u32),
                t: [e(T_LO + j), e(T_HI + j)],
                count: halt.clone(),
                writable: e(WRITABLE + j),
            }
        })
        .collect();
    eval_accesses(builder, accesses, halt);
}
