//! Trace generation: from a program and the record of its run to every table of the machine.
//!
//! The generator replays the run against its own register file and memory (keyed as the memory
//! argument keys them), so every value it writes into a trace is the one the constraints
//! require; the executor's record supplies the pc sequence and the host's answers to syscalls,
//! and is cross-checked (a disagreement is a [`TraceError::Diverged`], a bug, never a proof).

use std::collections::BTreeMap;

use keel_executor::{mapped_ranges, ExecutionRecord, Program, RunResult, Termination};
use keel_isa::{abi, AluOp};
use keel_stark::config::Val;
use p3_field::{PrimeCharacteristicRing, PrimeField32};
use p3_matrix::dense::RowMajorMatrix;

use crate::add::AddTraces;
use crate::alu::{bytes, AluOpcode, AluTraces};
use crate::cpu::{col, CPU_WIDTH, SYSCALLS};
use crate::div::{DivOpcode, DivTraces};
use crate::fixed::{add_multiplicities, range16_trace, BYTES_MULTIPLICITIES};
use crate::halt::{self, HALT_WIDTH};
use crate::input::INPUT_WIDTH;
use crate::logic::LogicTraces;
use crate::memory::{
    boundary_trace, memory_key, pow2_height, ImageTable, KeyRange, MemoryError, RangeCounts,
};
use crate::mul::{MulOpcode, MulTraces};
use crate::program::{InstrClass, ProgramError, ProgramTable};
use crate::shift::ShiftTraces;
use crate::MachineAir;

/// The most cycles one proof covers (one segment): 2^22 − 3 clock values, one per instruction
/// plus one per word an `input_read` writes. Timestamps (`4·clk + slot`, halt's reads up to
/// `4·clk + 11`) then stay below 2^24, the bound the timestamp limbs check.
pub const MAX_CYCLES: usize = (1 << 22) - 3;

/// Why a run cannot be turned into traces.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The program cannot be committed (code placement, entry).
    #[error(transparent)]
    Program(#[from] ProgramError),
    /// The memory image is malformed.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// The run is longer than one segment.
    #[error(
        "the run takes {cycles} cycles (instructions, plus one per word of input read); one proof \
         covers at most {max} (2^22 − 3) — continuations, \
         which split longer runs, are not implemented yet"
    )]
    TooLong {
        /// Cycles of the run.
        cycles: usize,
        /// [`MAX_CYCLES`].
        max: usize,
    },
    /// The run uses something the machine cannot prove yet.
    #[error("not provable yet: {0}")]
    Unsupported(String),
    /// The replay disagrees with the executor's record (a bug in keel).
    #[error("trace generation diverged from the executor at cycle {cycle}: {what}")]
    Diverged {
        /// The cycle.
        cycle: usize,
        /// What differed.
        what: String,
    },
}

/// The machine's tables for one run, in proof order, with their traces and public values.
#[derive(Clone, Debug)]
pub struct MachineTraces {
    /// The tables.
    pub airs: Vec<MachineAir>,
    /// One main trace per table.
    pub traces: Vec<RowMajorMatrix<Val>>,
    /// One public-value vector per table (only the halt table has any).
    pub public_values: Vec<Vec<Val>>,
}

/// Indices of the tables in [`MachineTraces`] (and in every machine proof).
pub mod table {
    /// 16-bit range table.
    pub const RANGE16: usize = 0;
    /// Byte table.
    pub const BYTES: usize = 1;
    /// Program table.
    pub const PROGRAM: usize = 2;
    /// Memory image.
    pub const IMAGE: usize = 3;
    /// Memory boundary.
    pub const BOUNDARY: usize = 4;
    /// CPU.
    pub const CPU: usize = 5;
    /// ALU.
    pub const ALU: usize = 6;
    /// Multiplication.
    pub const MUL: usize = 7;
    /// Division.
    pub const DIV: usize = 8;
    /// Halt.
    pub const HALT: usize = 9;
    /// Input writes.
    pub const INPUT: usize = 10;
    /// The adder (ADD and SUB).
    pub const ADD: usize = 11;
    /// The logic table (XOR, OR, AND).
    pub const LOGIC: usize = 12;
    /// The shift table (SLL, SRL, SRA).
    pub const SHIFT: usize = 13;
    /// Number of tables.
    pub const COUNT: usize = 14;
}

/// The program-dependent tables of `program` (program table, memory image): everything the
/// program id commits besides the fixed tables.
pub fn program_airs(program: &Program) -> Result<Vec<MachineAir>, TraceError> {
    let table = ProgramTable::new(program)?;
    let image = image_of(program)?;
    Ok(vec![
        MachineAir::Range16,
        MachineAir::Bytes,
        MachineAir::Program(table),
        MachineAir::MemoryImage(image),
        MachineAir::MemoryBoundary,
        MachineAir::Cpu,
        MachineAir::Alu,
        MachineAir::Mul,
        MachineAir::Div,
        MachineAir::Halt,
        MachineAir::Input,
        MachineAir::Add,
        MachineAir::Logic,
        MachineAir::Shift,
    ])
}

/// The initial memory: every nonzero word of the loadable segments (zero words need no entry:
/// untouched memory starts at zero), and the memory map (the registers, then the executor's
/// mapped page ranges as key ranges).
pub fn image_of(program: &Program) -> Result<ImageTable, MemoryError> {
    let mut words: BTreeMap<u32, u32> = BTreeMap::new();
    for segment in &program.segments {
        for (i, &byte) in segment.data.iter().enumerate() {
            if byte == 0 {
                continue;
            }
            let addr = segment.vaddr.wrapping_add(i as u32);
            let word = words.entry(addr >> 2).or_insert(0);
            *word |= u32::from(byte) << ((addr & 3) * 8);
        }
    }
    let offset = crate::memory::MEMORY_KEY_OFFSET;
    let ranges = std::iter::once(KeyRange::REGISTERS)
        .chain(mapped_ranges(program).into_iter().map(|r| KeyRange {
            start: (r.start >> 2) + offset,
            // At most 2^30 + 32: fits.
            end: ((r.end >> 2) as u32) + offset,
            writable: r.writable,
        }))
        .collect();
    ImageTable::new(
        words
            .into_iter()
            .map(|(index, value)| (index + offset, value))
            .collect(),
        ranges,
    )
}

/// Registers and memory during the replay: key → (value, timestamp of the last access).
struct Store {
    state: BTreeMap<u32, (u32, u32)>,
}

impl Store {
    /// One access at `ts`: returns `(previous value, previous timestamp)` and leaves `new` (or
    /// the previous value, for a read).
    fn access(&mut self, image: &ImageTable, key: u32, ts: u32, new: Option<u32>) -> (u32, u32) {
        let entry = self
            .state
            .entry(key)
            .or_insert_with(|| (image.get(key).unwrap_or(0), 0));
        let prev = *entry;
        *entry = (new.unwrap_or(prev.0), ts);
        prev
    }

    fn peek(&self, image: &ImageTable, key: u32) -> u32 {
        self.state
            .get(&key)
            .map(|&(v, _)| v)
            .unwrap_or_else(|| image.get(key).unwrap_or(0))
    }
}

fn set_word(row: &mut [Val], base: usize, value: u32) {
    row[base] = Val::from_u32(value & 0xffff);
    row[base + 1] = Val::from_u32(value >> 16);
}

/// The limbs of `ts − prev_ts − 1`, with the low limb's range lookup counted (the high limbs
/// go to byte-pair lookups, see [`count_high_limbs`]).
fn ts_limbs(range: &mut RangeCounts, ts: u32, prev_ts: u32) -> [u32; 2] {
    let t = ts - prev_ts - 1;
    debug_assert!(t < 1 << 24, "timestamps stay below 2^24");
    range.add(t & 0xffff);
    [t & 0xffff, t >> 16]
}

/// Counts the byte-pair lookups of one row's high timestamp limbs: two at a time, an odd one
/// with 0 (as `memory::eval_accesses` makes them).
fn count_high_limbs(pairs: &mut [u32], highs: &[u32]) {
    for pair in highs.chunks(2) {
        let y = pair.get(1).copied().unwrap_or(0);
        pairs[(pair[0] * 256 + y) as usize] += 1;
    }
}

/// Fills the timestamp columns of `slot` and counts its range lookups.
fn set_slot(row: &mut [Val], range: &mut RangeCounts, slot: usize, ts: u32, prev_ts: u32) {
    let [t_lo, t_hi] = ts_limbs(range, ts, prev_ts);
    row[col::PREV_TS + slot] = Val::from_u32(prev_ts);
    row[col::T_LO + slot] = Val::from_u32(t_lo);
    row[col::T_HI + slot] = Val::from_u32(t_hi);
}

/// Writes the frame of an `input_read` at `ptr` (CPU clock `clk`) into the input table's rows;
/// returns the number of words (the clock values the call borrows).
#[allow(clippy::too_many_arguments)]
fn input_read(
    rows: &mut Vec<[u32; INPUT_WIDTH]>,
    store: &mut Store,
    image: &ImageTable,
    range: &mut RangeCounts,
    pairs: &mut [u32],
    clk: u32,
    ptr: u32,
    frame: &[u8],
) -> Result<u32, TraceError> {
    use crate::input::col as c;
    let len = frame.len() as u32;
    if len >= 1 << 24 {
        return Err(TraceError::Unsupported(format!(
            "an input frame of {len} bytes (at most 2^24 - 1 per read)"
        )));
    }
    let words = len.div_ceil(4);
    let mut start = [0u32; INPUT_WIDTH];
    start[c::ACTIVE] = 1;
    start[c::START] = 1;
    start[c::CLK] = clk;
    start[c::NW] = words;
    start[c::PTR] = ptr & 0xffff;
    start[c::PTR + 1] = ptr >> 16;
    start[c::LEN] = len & 0xffff;
    start[c::LEN + 1] = len >> 16;
    start[c::REMAIN] = len;
    range.add((len >> 16) << 8);
    if words == 0 {
        start[c::KIND + 1] = 1;
        rows.push(start);
        return Ok(0);
    }
    if ptr & 3 != 0 {
        return Err(TraceError::Unsupported(format!(
            "input_read to the unaligned address {ptr:#x}"
        )));
    }
    let w = (ptr & 0xffff) >> 2;
    start[c::W] = w;
    range.add(w);
    range.add(4 * w);
    let key0 = memory_key(ptr);
    for j in 0..words {
        let mut row = if j == 0 { start } else { [0u32; INPUT_WIDTH] };
        let remain = len - 4 * j;
        row[c::ACTIVE] = 1;
        row[c::CLK] = clk;
        row[c::J] = j;
        row[c::NW] = words;
        row[c::KEY] = key0 + j;
        row[c::REMAIN] = remain;
        let kind = if remain > 4 { 0 } else { 1 + remain as usize };
        row[c::KIND + kind] = 1;
        let ts = 4 * (clk + 1 + j);
        let prev_word = store.peek(image, key0 + j);
        let mut new = bytes(prev_word);
        for (i, b) in new.iter_mut().enumerate().take(remain.min(4) as usize) {
            *b = u32::from(frame[(4 * j) as usize + i]);
        }
        let new_word = new[0] | new[1] << 8 | new[2] << 16 | new[3] << 24;
        let (prev, prev_ts) = store.access(image, key0 + j, ts, Some(new_word));
        let p = bytes(prev);
        row[c::PREV] = prev & 0xffff;
        row[c::PREV + 1] = prev >> 16;
        row[c::P..c::P + 4].copy_from_slice(&p);
        row[c::N..c::N + 4].copy_from_slice(&new);
        row[c::PREV_TS] = prev_ts;
        [row[c::T_LO], row[c::T_HI]] = ts_limbs(range, ts, prev_ts);
        count_high_limbs(pairs, &[row[c::T_HI]]);
        for (x, y) in [
            (p[0], p[1]),
            (p[2], p[3]),
            (new[0], new[1]),
            (new[2], new[3]),
        ] {
            pairs[(x * 256 + y) as usize] += 1;
        }
        rows.push(row);
    }
    Ok(words)
}

fn input_trace(rows: &[[u32; INPUT_WIDTH]]) -> RowMajorMatrix<Val> {
    let height = pow2_height(rows.len());
    let mut values: Vec<Val> = rows.iter().flatten().map(|&v| Val::from_u32(v)).collect();
    values.resize(height * INPUT_WIDTH, Val::ZERO);
    RowMajorMatrix::new(values, INPUT_WIDTH)
}

/// Builds every table of the machine for `program`'s run (`result`, `record`).
pub fn generate(
    program: &Program,
    result: &RunResult,
    record: &ExecutionRecord,
) -> Result<MachineTraces, TraceError> {
    generate_checked(program, result, record, true)
}

/// [`generate`] from a record the executor did not produce (an edited one): the replay follows
/// the record's pcs even where they do not follow from the instructions, and the public values
/// are the replay's. For soundness tests: the traces of a forged run, consistent everywhere
/// except where the forgery must break a constraint.
#[cfg(test)]
pub(crate) fn generate_forged(
    program: &Program,
    result: &RunResult,
    record: &ExecutionRecord,
) -> Result<MachineTraces, TraceError> {
    generate_checked(program, result, record, false)
}

fn generate_checked(
    program: &Program,
    result: &RunResult,
    record: &ExecutionRecord,
    strict: bool,
) -> Result<MachineTraces, TraceError> {
    let steps = &record.steps;
    if steps.len() > MAX_CYCLES {
        return Err(TraceError::TooLong {
            cycles: steps.len(),
            max: MAX_CYCLES,
        });
    }
    let airs = program_airs(program)?;
    let (table, image) = match (&airs[table::PROGRAM], &airs[table::IMAGE]) {
        (MachineAir::Program(t), MachineAir::MemoryImage(i)) => (t, i),
        _ => unreachable!("program_airs lists the program and image tables there"),
    };
    let diverged = |cycle: usize, what: String| TraceError::Diverged { cycle, what };

    let mut store = Store {
        state: BTreeMap::new(),
    };
    let mut range = RangeCounts::new();
    let mut pairs = vec![0u32; 1 << 16];
    let mut program_counts = vec![0u32; table.height()];
    let mut alu_ops: Vec<(AluOpcode, u32, u32)> = Vec::new();
    let mut add_ops: Vec<(AluOpcode, u32, u32)> = Vec::new();
    let mut logic_ops: Vec<(AluOpcode, u32, u32)> = Vec::new();
    let mut shift_ops: Vec<(AluOpcode, u32, u32)> = Vec::new();
    let mut mul_ops: Vec<(MulOpcode, u32, u32)> = Vec::new();
    let mut div_ops: Vec<(DivOpcode, u32, u32)> = Vec::new();
    let mut request = |op: AluOp, b: u32, c: u32| -> u32 {
        if let Some(&o) = AluOpcode::ALL.iter().find(|o| o.isa() == op) {
            if o == AluOpcode::Add {
                // The CPU row proves it (`is_add`, filled below).
            } else if crate::add::handles(o) {
                add_ops.push((o, b, c));
            } else if crate::logic::handles(o) {
                logic_ops.push((o, b, c));
            } else if crate::shift::handles(o) {
                shift_ops.push((o, b, c));
            } else {
                alu_ops.push((o, b, c));
            }
        } else if let Some(&o) = MulOpcode::ALL.iter().find(|o| o.isa() == op) {
            mul_ops.push((o, b, c));
        } else if let Some(&o) = DivOpcode::ALL.iter().find(|o| o.isa() == op) {
            div_ops.push((o, b, c));
        }
        op.apply(b, c)
    };
    let mut syscalls = record.syscalls.iter().peekable();

    let height = pow2_height(steps.len());
    let mut cpu = vec![Val::ZERO; height * CPU_WIDTH];
    let mut last_clk = 0u32;
    let mut clk = 1u32;
    let mut input_rows: Vec<[u32; INPUT_WIDTH]> = Vec::new();
    let mut halt_info: Option<(bool, u32, u32)> = None;
    for (i, step) in steps.iter().enumerate() {
        let row = &mut cpu[i * CPU_WIDTH..(i + 1) * CPU_WIDTH];
        if clk as usize > MAX_CYCLES {
            return Err(TraceError::TooLong {
                cycles: clk as usize,
                max: MAX_CYCLES,
            });
        }
        last_clk = clk;
        let mut extra = 0u32;
        let pc = step.pc;
        let prog = *table
            .row_at(pc)
            .ok_or_else(|| diverged(i, format!("no instruction at pc {pc:#x}")))?;
        let index = if i == 0 {
            table.rows().len()
        } else {
            table.index_of(pc).expect("row_at found it")
        };
        program_counts[index] += 1;
        let class = prog.class;
        let set = |row: &mut [Val], c: usize, v: u32| row[c] = Val::from_u32(v);
        set(row, col::ACTIVE, 1);
        set(row, col::FIRST, u32::from(i == 0));
        set(row, col::CLK, clk);
        set(row, col::PC, pc);
        set(row, col::FLAGS + class.index(), 1);
        set(row, col::ALU_OP, prog.alu_op);
        set(row, col::RD, prog.rd);
        set(row, col::RS1, prog.rs1);
        set(row, col::RS2, prog.rs2);
        set_word(row, col::IMM_LO, prog.imm);
        set(row, col::TARGET, prog.target);
        set(row, col::WRITES_RD, u32::from(prog.writes_rd));

        let ts = |slot: u32| 4 * clk + slot;
        let (a, prev_ts) = store.access(image, prog.rs1, ts(0), None);
        set_word(row, col::RS1V, a);
        set_slot(row, &mut range, 0, ts(0), prev_ts);
        let (b, prev_ts) = store.access(image, prog.rs2, ts(1), None);
        set_word(row, col::RS2V, b);
        set_slot(row, &mut range, 1, ts(1), prev_ts);

        let imm = prog.imm;
        let mut next = pc.wrapping_add(4);
        let mut rd_value = 0u32;
        let inst_op = prog.instruction.opcode;
        use InstrClass as K;
        let address = |row: &mut [Val], res: u32, range: &mut RangeCounts| {
            let w = (res & 0xffff) >> 2;
            set(row, col::W, w);
            set(row, col::OFF + (res & 3) as usize, 1);
            range.add(w);
        };
        match class {
            K::AluReg | K::AluImm => {
                let alu = inst_op.alu_op().expect("an ALU instruction");
                let c = if class == K::AluImm { imm } else { b };
                let res = request(alu, a, c);
                set_word(row, col::RES, res);
                rd_value = res;
            }
            K::LoadImm => rd_value = imm,
            K::Jal => {
                next = prog.target;
                rd_value = pc.wrapping_add(4);
            }
            K::Jalr => {
                let res = request(AluOp::Add, a, imm);
                set_word(row, col::RES, res);
                // The executor faults on a misaligned target, so bit 1 is clear here and the
                // offset one-hot holds bit 0 only.
                address(row, res, &mut range);
                next = res & !1;
                rd_value = pc.wrapping_add(4);
                range.add(4 * (res >> 16));
            }
            K::Beq | K::Bne | K::Blt | K::Bge | K::Bltu | K::Bgeu => {
                let taken = match class {
                    K::Beq | K::Bne => {
                        let eq = a == b;
                        set(row, col::IS_EQ, u32::from(eq));
                        if !eq {
                            let d_lo = Val::from_u32(a & 0xffff) - Val::from_u32(b & 0xffff);
                            let d_hi = Val::from_u32(a >> 16) - Val::from_u32(b >> 16);
                            use p3_field::Field;
                            if let Some(inv) = d_lo.try_inverse() {
                                row[col::INV] = inv;
                            } else {
                                row[col::INV + 1] = d_hi.inverse();
                            }
                        }
                        eq == (class == K::Beq)
                    }
                    _ => {
                        let op = if matches!(class, K::Blt | K::Bge) {
                            AluOp::Slt
                        } else {
                            AluOp::Sltu
                        };
                        let lt = request(op, a, b);
                        set_word(row, col::RES, lt);
                        (lt == 1) == matches!(class, K::Blt | K::Bltu)
                    }
                };
                set(row, col::TAKEN, u32::from(taken));
                if taken {
                    next = prog.target;
                }
            }
            K::Lb | K::Lh | K::Lw | K::Lbu | K::Lhu | K::Sb | K::Sh | K::Sw => {
                let addr = request(AluOp::Add, a, imm);
                set_word(row, col::RES, addr);
                address(row, addr, &mut range);
                let key = memory_key(addr);
                let off = addr & 3;
                let prev_word = store.peek(image, key);
                let m = bytes(prev_word);
                let loads = matches!(class, K::Lb | K::Lh | K::Lw | K::Lbu | K::Lhu);
                let new_word = match class {
                    K::Sw => b,
                    K::Sh => {
                        let shift = off * 8;
                        (prev_word & !(0xffff << shift)) | ((b & 0xffff) << shift)
                    }
                    K::Sb => {
                        let shift = off * 8;
                        (prev_word & !(0xff << shift)) | ((b & 0xff) << shift)
                    }
                    _ => prev_word,
                };
                let (prev, prev_ts) = store.access(image, key, ts(2), (!loads).then_some(new_word));
                debug_assert_eq!(prev, prev_word);
                set(row, col::MKEY, key);
                set(row, col::MW, u32::from(image.writable(key)));
                set_word(row, col::MPREV, prev);
                set_word(row, col::MNEW, new_word);
                set_slot(row, &mut range, 2, ts(2), prev_ts);
                if !matches!(class, K::Lw | K::Sw) {
                    for (k, &byte) in m.iter().enumerate() {
                        set(row, col::M + k, byte);
                    }
                    pairs[(m[0] * 256 + m[1]) as usize] += 1;
                    pairs[(m[2] * 256 + m[3]) as usize] += 1;
                }
                let shifted = prev >> (off * 8);
                rd_value = match class {
                    K::Lw => prev,
                    K::Lhu => shifted & 0xffff,
                    K::Lh => shifted as u16 as i16 as i32 as u32,
                    K::Lbu => shifted & 0xff,
                    K::Lb => shifted as u8 as i8 as i32 as u32,
                    _ => 0,
                };
                if matches!(class, K::Lb | K::Lh) {
                    let sign_byte = if class == K::Lb {
                        m[off as usize]
                    } else {
                        m[off as usize + 1]
                    };
                    set(row, col::SIGN, sign_byte >> 7);
                    set(row, col::SIGN_LOW, sign_byte & 0x7f);
                    pairs[(2 * (sign_byte & 0x7f) * 256) as usize] += 1;
                }
                if class == K::Sb {
                    let (r0, r1) = (b & 0xff, (b >> 8) & 0xff);
                    set(row, col::R, r0);
                    set(row, col::R + 1, r1);
                    pairs[(r0 * 256 + r1) as usize] += 1;
                }
            }
            K::Ecall => {
                let number = a;
                let k = SYSCALLS.iter().position(|&n| n == number).ok_or_else(|| {
                    TraceError::Unsupported(format!(
                        "syscall {} at pc {pc:#x}",
                        abi::syscall_name(number)
                            .map_or_else(|| format!("{number:#x}"), str::to_string)
                    ))
                })?;
                set(row, col::SYS + k, 1);
                let reg = if number == abi::SYS_WRITE { 12 } else { 11 };
                let (arg, prev_ts) = store.access(image, reg, ts(2), None);
                set(row, col::MKEY, reg);
                set(row, col::MW, 1);
                set_word(row, col::MPREV, arg);
                set_word(row, col::MNEW, arg);
                set_slot(row, &mut range, 2, ts(2), prev_ts);
                let record = syscalls.next();
                rd_value =
                    match number {
                        abi::SYS_WRITE => arg,
                        abi::SYS_INPUT_LEN => record
                            .filter(|r| r.step == i as u64)
                            .map(|r| r.result)
                            .ok_or_else(|| diverged(i, "no record of input_len".into()))?,
                        _ => b,
                    };
                if number == abi::SYS_HALT || number == abi::SYS_EXIT {
                    halt_info = Some((number == abi::SYS_HALT, b, arg));
                }
                if number == abi::SYS_INPUT_READ {
                    let frame = record
                        .filter(|r| r.step == i as u64)
                        .map(|r| r.bytes.as_slice())
                        .ok_or_else(|| diverged(i, "no record of input_read".into()))?;
                    extra = input_read(
                        &mut input_rows,
                        &mut store,
                        image,
                        &mut range,
                        &mut pairs,
                        clk,
                        b,
                        frame,
                    )?;
                    set(row, col::EXTRA, extra);
                }
            }
            K::Fence => {}
        }
        if matches!(class, K::Jal | K::Jalr) || (class == K::Ecall && a == abi::SYS_INPUT_LEN) {
            range.add(rd_value & 0xffff);
            range.add(rd_value >> 16);
        }
        set_word(row, col::RDV, rd_value);
        if prog.writes_rd {
            let (prev, prev_ts) = store.access(image, prog.rd, ts(3), Some(rd_value));
            set_word(row, col::RD_PREV, prev);
            set_slot(row, &mut range, 3, ts(3), prev_ts);
            // (The executor records an ecall's result in its syscall record, not the step.)
            if strict && class != K::Ecall && step.rd_value != rd_value {
                return Err(diverged(
                    i,
                    format!("rd = {rd_value:#x}, executor {:#x}", step.rd_value),
                ));
            }
        }
        let use_imm = matches!(
            class,
            K::AluImm | K::Jalr | K::Lb | K::Lh | K::Lw | K::Lbu | K::Lhu | K::Sb | K::Sh | K::Sw
        );
        let c = if use_imm { imm } else { b };
        set_word(row, col::C, c);
        let uses_alu = use_imm || matches!(class, K::AluReg | K::Blt | K::Bge | K::Bltu | K::Bgeu);
        if uses_alu && prog.alu_op == AluOpcode::Add as u32 {
            let [k0, k1] = crate::add::half_carries(a, c);
            let res = a.wrapping_add(c);
            set(row, col::IS_ADD, 1);
            set(row, col::CARRY, k0);
            set(row, col::CARRY + 1, k1);
            range.add(res & 0xffff);
            range.add(res >> 16);
        }
        set(row, col::NEXT_PC, next);
        if let Some(following) = steps.get(i + 1) {
            if strict && following.pc != next {
                return Err(diverged(
                    i,
                    format!("next pc {next:#x}, executor {:#x}", following.pc),
                ));
            }
        }
        let highs = [0, 1, 2, 3].map(|s| row[col::T_HI + s].as_canonical_u32());
        count_high_limbs(&mut pairs, &highs);
        clk += 1 + extra;
    }
    // Padding rows: pc 0, next pc 4 (the fall-through constraint holds on every row).
    for i in steps.len()..height {
        cpu[i * CPU_WIDTH + col::CLK] = Val::from_u32(clk);
        clk += 1;
        cpu[i * CPU_WIDTH + col::NEXT_PC] = Val::from_u32(4);
    }

    // The halt row.
    let (is_halt, exit_code, ptr) = halt_info
        .ok_or_else(|| TraceError::Unsupported("the run does not end with halt or exit".into()))?;
    if strict
        && (exit_code != result.exit_code || is_halt != (result.termination == Termination::Halt))
    {
        return Err(diverged(steps.len(), "exit code or termination".into()));
    }
    let mut halt_rows = vec![Val::ZERO; 4 * HALT_WIDTH];
    {
        use halt::col as h;
        let row = &mut halt_rows[..HALT_WIDTH];
        row[h::ACTIVE] = Val::ONE;
        row[h::CLK] = Val::from_u32(last_clk);
        row[h::IS_HALT] = Val::from_bool(is_halt);
        set_word(row, h::EXIT, exit_code);
        set_word(row, h::PTR, ptr);
        if is_halt {
            if ptr & 3 != 0 {
                return Err(TraceError::Unsupported(format!(
                    "halt's digest pointer {ptr:#x} is not word-aligned"
                )));
            }
            let w = (ptr & 0xffff) >> 2;
            row[h::W] = Val::from_u32(w);
            range.add(w);
            range.add(4 * w);
            let mut highs = [0u32; 8];
            for j in 0..8u32 {
                let ts = 4 * last_clk + 4 + j;
                let key = memory_key(ptr) + j;
                let (value, prev_ts) = store.access(image, key, ts, None);
                set_word(row, h::DIGEST + 2 * j as usize, value);
                let j = j as usize;
                row[h::WRITABLE + j] = Val::from_bool(image.writable(key));
                let [t_lo, t_hi] = ts_limbs(&mut range, ts, prev_ts);
                row[h::PREV_TS + j] = Val::from_u32(prev_ts);
                row[h::T_LO + j] = Val::from_u32(t_lo);
                row[h::T_HI + j] = Val::from_u32(t_hi);
                highs[j] = t_hi;
            }
            count_high_limbs(&mut pairs, &highs);
        } else {
            for (k, v) in halt::public_values(0, &halt::EMPTY_DIGEST)[2..]
                .iter()
                .enumerate()
            {
                row[h::DIGEST + k] = Val::from_u32(*v);
            }
        }
    }
    let public_values: Vec<Val> = if strict {
        halt::public_values(exit_code, &result.public_values_digest)
            .into_iter()
            .map(Val::from_u32)
            .collect()
    } else {
        let cells = [halt::col::EXIT, halt::col::EXIT + 1];
        cells
            .into_iter()
            .chain(halt::col::DIGEST..halt::col::DIGEST + 16)
            .map(|c| halt_rows[c])
            .collect()
    };
    for (k, v) in public_values.iter().enumerate() {
        let cell = if k < 2 {
            halt::col::EXIT + k
        } else {
            halt::col::DIGEST + k - 2
        };
        if halt_rows[cell] != *v {
            return Err(diverged(
                steps.len(),
                "the digest in memory differs from the executor's".into(),
            ));
        }
    }

    // Operation tables; their byte and range multiplicities join the CPU's.
    let alu = AluTraces::generate(&alu_ops);
    let add = AddTraces::generate(&add_ops);
    let logic = LogicTraces::generate(&logic_ops);
    let shift = ShiftTraces::generate(&shift_ops);
    let mul = MulTraces::generate(&mul_ops);
    let div = DivTraces::generate(&div_ops);
    // Every image word needs its boundary row (the image table sends each exactly once), touched
    // or not: an untouched one opens and closes its chain at timestamp 0.
    for &(key, value) in image.words() {
        store.state.entry(key).or_insert((value, 0));
    }
    let (boundary, segment_uses, unmapped) = boundary_trace(image, &store.state, &mut range);
    if let (true, Some(&key)) = (strict, unmapped.first()) {
        return Err(MemoryError::Unmapped(key).into());
    }
    let mut bytes_trace = crate::alu::pair_multiplicities(&pairs);
    for m in [
        &alu.bytes,
        &mul.bytes,
        &div.bytes,
        &logic.bytes,
        &shift.bytes,
    ] {
        add_multiplicities(&mut bytes_trace, m, BYTES_MULTIPLICITIES);
    }
    let mut range16 = range16_trace(&range.0);
    for m in [&mul.range16, &div.range16, &add.range16] {
        add_multiplicities(&mut range16, m, 1);
    }
    let traces = vec![
        range16,
        bytes_trace,
        RowMajorMatrix::new(program_counts.into_iter().map(Val::from_u32).collect(), 1),
        segment_uses,
        boundary,
        RowMajorMatrix::new(cpu, CPU_WIDTH),
        alu.alu,
        mul.mul,
        div.div,
        RowMajorMatrix::new(halt_rows, HALT_WIDTH),
        input_trace(&input_rows),
        add.add,
        logic.logic,
        shift.shift,
    ];
    let mut pvs = vec![vec![]; table::COUNT];
    pvs[table::HALT] = public_values;
    Ok(MachineTraces {
        airs,
        traces,
        public_values: pvs,
    })
}
