//! The CPU table: one row per executed instruction (then inactive padding rows).
//!
//! A row holds `pc`, the clock `clk` (= row + 1) and the instruction, which it looks up in the
//! program table ([`PROGRAM_BUS`]) as `(pc, class, alu_op, rd, rs1, rs2, imm, target, writes_rd,
//! first)`: the one-hot class flags, the registers and the immediate are bound to the committed
//! program, and the first row must be the entry row. Words are 16-bit halves as on every bus.
//!
//! Four memory accesses per cycle at timestamps `4·clk + slot` (see [`crate::memory`]): read
//! `rs1` (slot 0), read `rs2` (slot 1), the data access (slot 2), write `rd` (slot 3, only when
//! `writes_rd`). Each receives `(key, prev, prev_ts)` and sends `(key, new, ts)` with
//! `ts − prev_ts − 1 ∈ [0, 2^24)` checked by a 16-bit limb and a byte (the bytes of slots 0
//! and 1, and of slots 2 and 3, in one byte-pair lookup each).
//!
//! - ALU, MUL, DIV, and the address adder of loads, stores and JALR: a request
//!   `(alu_op, res, rs1, c)` on the ALU bus with `c = imm` or `rs2`; the receiving table proves
//!   `res` and range-checks every byte. An ADD — most requests — is proven by the row itself
//!   (`is_add`: two carries and two range lookups) instead of being sent.
//! - Loads and stores: `res = rs1 + imm = 4·w + offset` (`w < 2^14` range-checked, the offset
//!   one-hot), key `w + 2^14·res_hi + 32`; natural alignment enforced; loads pick and extend
//!   bytes or halves of the word read, stores merge bytes or halves into it.
//! - Branches: BEQ/BNE by an equality flag with inverse witnesses, BLT/BGE/BLTU/BGEU by an
//!   SLT/SLTU request; `next_pc` is `target` when taken, else `pc + 4`. JAL: `target`; JALR:
//!   `(rs1 + imm) & !1`, which must be word-aligned and below 2^30. `rd = pc + 4` for both.
//! - The next active row's `pc` is this row's `next_pc`; the last active row must be a `halt`
//!   or `exit` ecall (sent to the halt table), and no row follows it.
//! - `ecall`: `rs1 = a7` is the syscall number (one-hot syscall flags, each fixing the number);
//!   `rs2 = a0`; the data slot reads `a1` (`a2` for `write`); `rd = a0` receives the result:
//!   `a0` unchanged (`commit`, `halt`, `exit`), `a2` (`write`), or the host's answer
//!   (`input_len`, private). `write` and `commit` touch no proven state: debug output is not
//!   part of the claim, and the public values bind through the digest the guest passes to
//!   `halt` (computed by the guest itself, as RISC Zero's journal digest). `input_read` sends
//!   `(clk, ptr, len, extra)` to the input table, which writes the frame's words at the
//!   `extra` clock values after this one (`clk' = clk + 1 + extra`).

use keel_isa::abi;
use p3_air::{AirBuilder, PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{InteractionBuilder, LookupBus};

use crate::alu::{ALU_BUS, BYTE_PAIR_BUS};
use crate::halt::HALT_BUS;
use crate::memory::{eval_accesses, StoreAccess};
use crate::program::{InstrClass, PROGRAM_BUS};
use crate::{flag_count, RANGE16_BUS};

/// The syscalls the CPU proves, in flag-column order.
pub const SYSCALLS: [u32; 6] = [
    abi::SYS_HALT,
    abi::SYS_EXIT,
    abi::SYS_WRITE,
    abi::SYS_INPUT_LEN,
    abi::SYS_COMMIT,
    abi::SYS_INPUT_READ,
];

/// Column layout of a CPU row.
pub mod col {
    /// 1 on rows that execute an instruction (a prefix of the table).
    pub const ACTIVE: usize = 0;
    /// 1 on the first row only.
    pub const FIRST: usize = 1;
    /// The clock: row index + 1.
    pub const CLK: usize = 2;
    /// The instruction's address.
    pub const PC: usize = 3;
    /// The address of the next instruction.
    pub const NEXT_PC: usize = 4;
    /// One-hot class flags ([`crate::program::InstrClass::ALL`] order).
    pub const FLAGS: usize = 5;
    /// ALU-bus operation code.
    pub const ALU_OP: usize = 26;
    /// Destination register index.
    pub const RD: usize = 27;
    /// First source register index.
    pub const RS1: usize = 28;
    /// Second source register index.
    pub const RS2: usize = 29;
    /// Immediate, low half.
    pub const IMM_LO: usize = 30;
    /// Immediate, high half.
    pub const IMM_HI: usize = 31;
    /// Jump or branch target.
    pub const TARGET: usize = 32;
    /// Whether `rd` is written.
    pub const WRITES_RD: usize = 33;
    /// `rs1`'s value (lo, hi).
    pub const RS1V: usize = 34;
    /// `rs2`'s value (lo, hi).
    pub const RS2V: usize = 36;
    /// `rd`'s new value (lo, hi).
    pub const RDV: usize = 38;
    /// `rd`'s previous value (lo, hi).
    pub const RD_PREV: usize = 40;
    /// Previous timestamps of the four slots.
    pub const PREV_TS: usize = 42;
    /// Low limbs of `ts − prev_ts − 1` per slot.
    pub const T_LO: usize = 46;
    /// High limbs (below 2^9) per slot.
    pub const T_HI: usize = 50;
    /// The data slot's key.
    pub const MKEY: usize = 54;
    /// The data slot's previous value (lo, hi).
    pub const MPREV: usize = 55;
    /// The data slot's new value (lo, hi).
    pub const MNEW: usize = 57;
    /// The ALU operand `c` (lo, hi): `imm` or `rs2`.
    pub const C: usize = 59;
    /// The ALU result (lo, hi).
    pub const RES: usize = 61;
    /// Address word index bits below 2^14: `res_lo = 4·w + offset`.
    pub const W: usize = 63;
    /// One-hot byte offset within the word (4 columns).
    pub const OFF: usize = 64;
    /// Bytes of the data slot's previous word (4 columns).
    pub const M: usize = 68;
    /// Bytes of `rs2`'s low half (2 columns).
    pub const R: usize = 72;
    /// Sign bit of the loaded byte or half.
    pub const SIGN: usize = 74;
    /// The loaded sign byte's low seven bits.
    pub const SIGN_LOW: usize = 75;
    /// `rs1 = rs2` (BEQ/BNE).
    pub const IS_EQ: usize = 76;
    /// Inverse witnesses of the halves' differences (2 columns).
    pub const INV: usize = 77;
    /// The branch is taken.
    pub const TAKEN: usize = 79;
    /// One-hot syscall flags ([`super::SYSCALLS`] order).
    pub const SYS: usize = 80;
    /// Clock cycles an `input_read` borrows for its word writes (0 otherwise).
    pub const EXTRA: usize = 86;
    /// The data slot's key is in a writable range (carried by its memory messages).
    pub const MW: usize = 87;
    /// The ALU request is an ADD, proven by this row instead of being sent.
    pub const IS_ADD: usize = 88;
    /// Carries out of the low and the high half of that addition.
    pub const CARRY: usize = 89;
    /// Columns of a CPU row.
    pub const WIDTH: usize = 91;
}

/// Columns of a CPU row.
pub const CPU_WIDTH: usize = col::WIDTH;

/// Column names, for mutation tests.
pub fn column_names() -> Vec<String> {
    let mut names = vec![String::new(); CPU_WIDTH];
    let mut set = |c: usize, n: String| names[c] = n;
    for (c, n) in [
        (col::ACTIVE, "active"),
        (col::FIRST, "first"),
        (col::CLK, "clk"),
        (col::PC, "pc"),
        (col::NEXT_PC, "next_pc"),
        (col::ALU_OP, "alu_op"),
        (col::RD, "rd"),
        (col::RS1, "rs1"),
        (col::RS2, "rs2"),
        (col::IMM_LO, "imm_lo"),
        (col::IMM_HI, "imm_hi"),
        (col::TARGET, "target"),
        (col::WRITES_RD, "writes_rd"),
        (col::MKEY, "mkey"),
        (col::W, "w"),
        (col::SIGN, "sign"),
        (col::SIGN_LOW, "sign_low"),
        (col::IS_EQ, "is_eq"),
        (col::TAKEN, "taken"),
        (col::EXTRA, "extra"),
        (col::MW, "mem_writable"),
        (col::IS_ADD, "is_add"),
    ] {
        set(c, n.to_string());
    }
    for (i, class) in InstrClass::ALL.iter().enumerate() {
        set(col::FLAGS + i, format!("flag_{class:?}"));
    }
    for (base, n) in [
        (col::RS1V, "rs1v"),
        (col::RS2V, "rs2v"),
        (col::RDV, "rdv"),
        (col::RD_PREV, "rd_prev"),
        (col::MPREV, "mprev"),
        (col::MNEW, "mnew"),
        (col::C, "c"),
        (col::RES, "res"),
        (col::INV, "inv"),
        (col::CARRY, "carry"),
    ] {
        set(base, format!("{n}_lo"));
        set(base + 1, format!("{n}_hi"));
    }
    for s in 0..4 {
        set(col::PREV_TS + s, format!("prev_ts{s}"));
        set(col::T_LO + s, format!("t_lo{s}"));
        set(col::T_HI + s, format!("t_hi{s}"));
        set(col::OFF + s, format!("off{s}"));
        set(col::M + s, format!("m{s}"));
    }
    set(col::R, "r0".into());
    set(col::R + 1, "r1".into());
    for (i, n) in SYSCALLS.iter().enumerate() {
        set(
            col::SYS + i,
            format!("sys_{}", abi::syscall_name(*n).unwrap_or("?")),
        );
    }
    names
}

/// The CPU table (see the module documentation).
pub(crate) fn eval_cpu<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    use col::*;
    let l: Vec<AB::Var> = builder.main().current_slice().to_vec();
    let n: Vec<AB::Var> = builder.main().next_slice().to_vec();
    let e = |i: usize| -> AB::Expr { l[i].into() };
    let c = |v: u32| AB::Expr::from_u32(v);
    let flag = |class: InstrClass| e(FLAGS + class.index());
    let sum = |classes: &[InstrClass]| classes.iter().fold(AB::Expr::ZERO, |acc, &k| acc + flag(k));
    use InstrClass as K;
    let active = e(ACTIVE);

    // Activity, clock, first row.
    builder.assert_bool(l[ACTIVE]);
    builder.assert_bool(l[FIRST]);
    builder.when_first_row().assert_one(l[FIRST]);
    builder.when_first_row().assert_one(l[ACTIVE]);
    builder.when_first_row().assert_one(l[CLK]);
    builder.when_transition().assert_zero(n[FIRST]);
    builder
        .when_transition()
        .assert_eq(n[CLK], e(CLK) + AB::Expr::ONE + e(EXTRA));
    builder
        .when_transition()
        .assert_zero(n[ACTIVE].into() * (AB::Expr::ONE - active.clone()));

    // One class per active row.
    let mut class_sum = AB::Expr::ZERO;
    let mut class_code = AB::Expr::ZERO;
    for class in InstrClass::ALL {
        builder.assert_bool(l[FLAGS + class.index()]);
        class_sum += flag(class);
        class_code += flag(class) * c(class.code());
    }
    builder.assert_eq(class_sum, active.clone());
    builder.assert_bool(l[WRITES_RD]);

    // The instruction is the program's at pc.
    PROGRAM_BUS.send(
        builder,
        [
            e(PC),
            class_code,
            e(ALU_OP),
            e(RD),
            e(RS1),
            e(RS2),
            e(IMM_LO),
            e(IMM_HI),
            e(TARGET),
            e(WRITES_RD),
            e(FIRST),
        ],
        flag_count(active.clone()),
    );

    // Termination: the last active row is halt or exit, and nothing follows it.
    let sys = |k: usize| e(SYS + k);
    let terminal = sys(0) + sys(1);
    builder
        .when_transition()
        .assert_zero(terminal.clone() * n[ACTIVE].into());
    builder.when_transition().assert_zero(
        active.clone() * (AB::Expr::ONE - n[ACTIVE].into()) * (AB::Expr::ONE - terminal.clone()),
    );
    builder
        .when_last_row()
        .assert_zero(active.clone() * (AB::Expr::ONE - terminal.clone()));
    builder
        .when_transition()
        .when(n[ACTIVE])
        .assert_eq(n[PC], e(NEXT_PC));

    // Syscalls: the number in a7 (rs1) picks exactly one flag.
    let ecall = flag(K::Ecall);
    let mut sys_sum = AB::Expr::ZERO;
    let (mut num_lo, mut num_hi) = (AB::Expr::ZERO, AB::Expr::ZERO);
    for (k, &number) in SYSCALLS.iter().enumerate() {
        builder.assert_bool(l[SYS + k]);
        sys_sum += sys(k);
        num_lo += sys(k) * c(number & 0xffff);
        num_hi += sys(k) * c(number >> 16);
    }
    builder.assert_eq(sys_sum, ecall.clone());
    builder.assert_eq(ecall.clone() * e(RS1V), num_lo);
    builder.assert_eq(ecall.clone() * e(RS1V + 1), num_hi);
    HALT_BUS.send(
        builder,
        [e(CLK), sys(0), e(RS2V), e(RS2V + 1), e(MPREV), e(MPREV + 1)],
        flag_count(terminal.clone()),
    );

    // The ALU request.
    let loads = sum(&[K::Lb, K::Lh, K::Lw, K::Lbu, K::Lhu]);
    let stores = sum(&[K::Sb, K::Sh, K::Sw]);
    let use_imm = sum(&[K::AluImm, K::Jalr]) + loads.clone() + stores.clone();
    let compare = sum(&[K::Blt, K::Bge, K::Bltu, K::Bgeu]);
    let uses_alu = sum(&[K::AluReg]) + use_imm.clone() + compare.clone();
    let uses_alu_pin = uses_alu.clone();
    for h in 0..2 {
        builder.assert_eq(
            e(C + h),
            use_imm.clone() * e(IMM_LO + h) + (AB::Expr::ONE - use_imm.clone()) * e(RS2V + h),
        );
    }
    ALU_BUS.send(
        builder,
        [
            e(ALU_OP),
            e(RES),
            e(RES + 1),
            e(RS1V),
            e(RS1V + 1),
            e(C),
            e(C + 1),
        ],
        flag_count(uses_alu.clone() - e(IS_ADD)),
    );
    // An ADD (ADD, ADDI, and the address of every load, store and JALR: most requests) is
    // proven here instead: `rs1 + c = res + 2^32·k₁` on halves with boolean carries and the
    // result's halves range-checked. The operands are 16-bit halves (a register and `imm` or
    // `rs2`), so both sides stay below 2^17 + 1 < p and the equations hold over the integers.
    // `is_add` may be 0 on an ADD (the request is then sent, and another table proves it), but
    // never 1 on another operation (ADD's code is 0).
    let is_add = e(IS_ADD);
    builder.assert_bool(l[IS_ADD]);
    builder.assert_zero(is_add.clone() * e(ALU_OP));
    builder.assert_zero(is_add.clone() * (AB::Expr::ONE - uses_alu_pin.clone()));
    let half = c(1 << 16);
    for h in 0..2 {
        builder.assert_bool(l[CARRY + h]);
        let carry_in = if h == 0 { AB::Expr::ZERO } else { e(CARRY) };
        builder.assert_zero(
            is_add.clone()
                * (e(RS1V + h) + e(C + h) + carry_in - e(RES + h) - half.clone() * e(CARRY + h)),
        );
    }
    let range = LookupBus::new(RANGE16_BUS);
    range.lookup_key(builder, [e(RES)], flag_count(is_add.clone()));
    range.lookup_key(builder, [e(RES + 1)], flag_count(is_add.clone()));

    // Addresses: res = 4·w + offset for loads, stores and JALR.
    let addressed = loads.clone() + stores.clone() + flag(K::Jalr);
    let off = |i: usize| e(OFF + i);
    let mut off_sum = AB::Expr::ZERO;
    for i in 0..4 {
        builder.assert_bool(l[OFF + i]);
        off_sum += off(i);
    }
    builder.assert_eq(off_sum, addressed.clone());
    let offset = off(1) + off(2) * c(2) + off(3) * c(3);
    builder.assert_zero(addressed.clone() * (e(RES) - e(W) * c(4) - offset));
    // `res_lo` is a 16-bit half (proven so above or by the table answering the request), so
    // with `w < 2^16` the equation holds over the integers and `w < 2^14` follows.
    range.lookup_key(builder, [e(W)], flag_count(addressed.clone()));
    // Alignment: words at offset 0, halves at 0 or 2; JALR's target (bit 0 cleared) at 0.
    builder.assert_zero(sum(&[K::Lw, K::Sw]) * (AB::Expr::ONE - off(0)));
    builder.assert_zero(sum(&[K::Lh, K::Lhu, K::Sh]) * (off(1) + off(3)));
    builder.assert_zero(flag(K::Jalr) * (off(2) + off(3)));

    // The data slot: key and value.
    let mem = loads.clone() + stores.clone();
    let data_slot = mem.clone() + ecall.clone();
    let data_slot_pin = data_slot.clone();
    builder.assert_zero(mem.clone() * (e(MKEY) - e(W) - e(RES + 1) * c(1 << 14) - c(32)));
    builder.assert_zero(ecall.clone() * (e(MKEY) - c(abi::reg::A1 as u32) - sys(2)));
    let reads = loads.clone() + ecall.clone();
    for h in 0..2 {
        builder.assert_zero(reads.clone() * (e(MNEW + h) - e(MPREV + h)));
    }
    let m = |i: usize| e(M + i);
    let bytes_used = sum(&[K::Lb, K::Lh, K::Lbu, K::Lhu, K::Sb, K::Sh]);
    let bytes_used_pin = bytes_used.clone();
    builder.assert_zero(bytes_used.clone() * (e(MPREV) - m(0) - m(1) * c(256)));
    builder.assert_zero(bytes_used.clone() * (e(MPREV + 1) - m(2) - m(3) * c(256)));
    let pairs = LookupBus::new(BYTE_PAIR_BUS);
    pairs.lookup_key(builder, [m(0), m(1)], flag_count(bytes_used.clone()));
    pairs.lookup_key(builder, [m(2), m(3)], flag_count(bytes_used));

    // Loads.
    let byte = (0..4).fold(AB::Expr::ZERO, |acc, i| acc + off(i) * m(i));
    let half = off(0) * e(MPREV) + off(2) * e(MPREV + 1);
    let signed = sum(&[K::Lb, K::Lh]);
    builder.assert_bool(l[SIGN]);
    builder.assert_zero(
        flag(K::Lb) * (byte.clone() - e(SIGN) * c(128) - e(SIGN_LOW))
            + flag(K::Lh) * (off(0) * m(1) + off(2) * m(3) - e(SIGN) * c(128) - e(SIGN_LOW)),
    );
    pairs.lookup_key(
        builder,
        [e(SIGN_LOW) * c(2), AB::Expr::ZERO],
        flag_count(signed),
    );
    let rd_lo = e(RDV);
    let rd_hi = e(RDV + 1);
    builder.assert_zero(flag(K::Lw) * (rd_lo.clone() - e(MPREV)));
    builder.assert_zero(flag(K::Lw) * (rd_hi.clone() - e(MPREV + 1)));
    builder.assert_zero(flag(K::Lhu) * (rd_lo.clone() - half.clone()));
    builder.assert_zero(flag(K::Lh) * (rd_lo.clone() - half));
    builder.assert_zero(flag(K::Lbu) * (rd_lo.clone() - byte.clone()));
    builder.assert_zero(flag(K::Lb) * (rd_lo.clone() - byte - e(SIGN) * c(0xff00)));
    builder.assert_zero(sum(&[K::Lhu, K::Lbu]) * rd_hi.clone());
    builder.assert_zero(sum(&[K::Lh, K::Lb]) * (rd_hi.clone() - e(SIGN) * c(0xffff)));

    // Stores: only to writable ranges.
    builder.assert_zero(stores.clone() * (AB::Expr::ONE - e(MW)));
    let r = |i: usize| e(R + i);
    builder.assert_zero(flag(K::Sb) * (e(RS2V) - r(0) - r(1) * c(256)));
    pairs.lookup_key(builder, [r(0), r(1)], flag_count(flag(K::Sb)));
    for h in 0..2 {
        builder.assert_zero(flag(K::Sw) * (e(MNEW + h) - e(RS2V + h)));
    }
    builder.assert_zero(flag(K::Sh) * (e(MNEW) - off(0) * e(RS2V) - off(2) * e(MPREV)));
    builder.assert_zero(flag(K::Sh) * (e(MNEW + 1) - off(0) * e(MPREV + 1) - off(2) * e(RS2V)));
    let merged = |i: usize| off(i) * r(0) + (AB::Expr::ONE - off(i)) * m(i);
    builder.assert_zero(flag(K::Sb) * (e(MNEW) - merged(0) - merged(1) * c(256)));
    builder.assert_zero(flag(K::Sb) * (e(MNEW + 1) - merged(2) - merged(3) * c(256)));

    // Results of ALU, immediates, jumps and syscalls.
    let alu = sum(&[K::AluReg, K::AluImm]);
    let unchanged = sys(0) + sys(1) + sys(4) + sys(5);
    // input_read: the input table writes the words, at the `extra` cycles after this one.
    crate::input::INPUT_BUS.send(
        builder,
        [
            e(CLK),
            e(RS2V),
            e(RS2V + 1),
            e(MPREV),
            e(MPREV + 1),
            e(EXTRA),
        ],
        flag_count(sys(5)),
    );
    builder.assert_zero((AB::Expr::ONE - sys(5)) * e(EXTRA));
    for h in 0..2 {
        builder.assert_zero(alu.clone() * (e(RDV + h) - e(RES + h)));
        builder.assert_zero(flag(K::LoadImm) * (e(RDV + h) - e(IMM_LO + h)));
        builder.assert_zero(unchanged.clone() * (e(RDV + h) - e(RS2V + h)));
        builder.assert_zero(sys(2) * (e(RDV + h) - e(MPREV + h)));
    }
    let link = sum(&[K::Jal, K::Jalr]);
    builder.assert_zero(link.clone() * (rd_lo.clone() + rd_hi.clone() * c(1 << 16) - e(PC) - c(4)));
    // Halves not proven canonical by another table: the link address and input_len's answer.
    let free_rd = link + sys(3);
    range.lookup_key(builder, [rd_lo], flag_count(free_rd.clone()));
    range.lookup_key(builder, [rd_hi], flag_count(free_rd));

    // Branches.
    builder.assert_bool(l[IS_EQ]);
    let d_lo = e(RS1V) - e(RS2V);
    let d_hi = e(RS1V + 1) - e(RS2V + 1);
    builder.assert_zero(e(IS_EQ) * d_lo.clone());
    builder.assert_zero(e(IS_EQ) * d_hi.clone());
    builder.assert_zero(
        sum(&[K::Beq, K::Bne]) * (AB::Expr::ONE - e(IS_EQ) - d_lo * e(INV) - d_hi * e(INV + 1)),
    );
    builder.assert_eq(
        e(TAKEN),
        flag(K::Beq) * e(IS_EQ)
            + flag(K::Bne) * (AB::Expr::ONE - e(IS_EQ))
            + sum(&[K::Blt, K::Bltu]) * e(RES)
            + sum(&[K::Bge, K::Bgeu]) * (AB::Expr::ONE - e(RES)),
    );

    // The next pc.
    let fall = e(PC) + c(4);
    let jalr_target = e(W) * c(4) + e(RES + 1) * c(1 << 16);
    builder.assert_eq(
        e(NEXT_PC),
        fall.clone()
            + (flag(K::Jal) + e(TAKEN)) * (e(TARGET) - fall.clone())
            + flag(K::Jalr) * (jalr_target - fall),
    );
    // JALR's target below 2^30: its high half below 2^14.
    range.lookup_key(builder, [e(RES + 1) * c(4)], flag_count(flag(K::Jalr)));

    // The four accesses.
    type Slot<E> = (E, [E; 2], [E; 2], E, E);
    let slots: [Slot<AB::Expr>; 4] = [
        (
            e(RS1),
            [e(RS1V), e(RS1V + 1)],
            [e(RS1V), e(RS1V + 1)],
            active.clone(),
            AB::Expr::ONE,
        ),
        (
            e(RS2),
            [e(RS2V), e(RS2V + 1)],
            [e(RS2V), e(RS2V + 1)],
            active.clone(),
            AB::Expr::ONE,
        ),
        (
            e(MKEY),
            [e(MPREV), e(MPREV + 1)],
            [e(MNEW), e(MNEW + 1)],
            data_slot,
            e(MW),
        ),
        (
            e(RD),
            [e(RD_PREV), e(RD_PREV + 1)],
            [e(RDV), e(RDV + 1)],
            e(WRITES_RD),
            AB::Expr::ONE,
        ),
    ];
    builder.assert_zero(e(WRITES_RD) * (AB::Expr::ONE - active.clone()));

    // Cells an instruction does not use are zero, so an honest trace is unique.
    let branch_eq = sum(&[K::Beq, K::Bne]);
    let pin = |builder: &mut AB, used: AB::Expr, cells: &[usize]| {
        for &cell in cells {
            builder.assert_zero((AB::Expr::ONE - used.clone()) * e(cell));
        }
    };
    pin(
        builder,
        active.clone(),
        &[
            PC,
            ALU_OP,
            RD,
            RS1,
            RS2,
            IMM_LO,
            IMM_HI,
            TARGET,
            RS1V,
            RS1V + 1,
            RS2V,
            RS2V + 1,
            RDV,
            RDV + 1,
        ],
    );
    pin(builder, branch_eq, &[IS_EQ, INV, INV + 1]);
    pin(builder, addressed.clone(), &[W]);
    pin(builder, bytes_used_pin, &[M, M + 1, M + 2, M + 3]);
    pin(builder, flag(K::Sb), &[R, R + 1]);
    pin(builder, sum(&[K::Lb, K::Lh]), &[SIGN, SIGN_LOW]);
    pin(
        builder,
        data_slot_pin.clone(),
        &[MKEY, MPREV, MPREV + 1, MNEW, MNEW + 1, MW],
    );
    pin(builder, uses_alu_pin, &[RES, RES + 1]);
    pin(builder, is_add, &[CARRY, CARRY + 1]);
    pin(builder, e(WRITES_RD), &[RD_PREV, RD_PREV + 1]);
    let no_rd = sum(&[
        K::Beq,
        K::Bne,
        K::Blt,
        K::Bge,
        K::Bltu,
        K::Bgeu,
        K::Sb,
        K::Sh,
        K::Sw,
        K::Fence,
    ]);
    builder.assert_zero(no_rd.clone() * e(RDV));
    builder.assert_zero(no_rd * e(RDV + 1));
    let slot_used = [active.clone(), active.clone(), data_slot_pin, e(WRITES_RD)];
    for (s, used) in slot_used.into_iter().enumerate() {
        pin(builder, used, &[PREV_TS + s, T_LO + s, T_HI + s]);
    }
    let accesses = slots
        .into_iter()
        .enumerate()
        .map(|(s, (key, prev, new, count, writable))| StoreAccess {
            key,
            prev,
            new,
            prev_ts: e(PREV_TS + s),
            ts: e(CLK) * c(4) + c(s as u32),
            t: [e(T_LO + s), e(T_HI + s)],
            count,
            writable,
        })
        .collect();
    eval_accesses(builder, accesses, active);
}
