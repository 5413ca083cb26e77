//! The program table: one preprocessed row per instruction word of the ELF's code (plus one row
//! marking the entry), which the CPU looks up on [`PROGRAM_BUS`] for every executed instruction.
//!
//! A row is `(pc, class, alu_op, rd, rs1, rs2, imm_lo, imm_hi, target, writes_rd, entry)`:
//! the decoded instruction in the form the CPU's constraints use. Everything that depends only
//! on the instruction and its pc is computed here, once, and committed with the program:
//! AUIPC's `pc + imm` becomes a plain immediate ([`InstrClass::LoadImm`], like LUI), jumps and
//! branches carry their `target = pc + imm`, the ALU operation code the CPU requests is fixed
//! per instruction, and `writes_rd` is 0 for `rd = x0` (so x0 is never written).
//!
//! Code must lie below 2^30 (then a pc is one BabyBear element and pc arithmetic cannot wrap
//! modulo p); a target that leaves `[0, 2^30)` is replaced by [`NO_TARGET`], which no row has
//! as its pc, so a proof cannot follow it — as the executor, which faults there.

use keel_isa::{decode, AluOp, Instruction, Opcode};
use p3_air::{PermutationAirBuilder, WindowAccess};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::InteractionBuilder;
use p3_matrix::dense::RowMajorMatrix;

use crate::alu::AluOpcode;
use crate::div::DivOpcode;
use crate::mul::MulOpcode;

/// The program channel: the fields of a program row, in column order.
pub const PROGRAM_BUS: crate::Channel = crate::Channel::new(1);
/// Preprocessed columns of the program table.
pub const PROGRAM_PREPROCESSED_WIDTH: usize = 11;
/// Code addresses (and jump targets) are below this bound.
pub const PC_LIMIT: u32 = 1 << 30;
/// The target of a jump or branch whose destination is not below [`PC_LIMIT`].
pub const NO_TARGET: u32 = PC_LIMIT;

/// How the CPU executes an instruction: one flag column per class, code = index + 1 (0 marks
/// padding rows, which no active CPU row can match).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // ISA mnemonics
pub enum InstrClass {
    /// Register-register ALU, MUL or DIV operation.
    AluReg,
    /// Register-immediate ALU operation.
    AluImm,
    /// LUI and AUIPC: `rd = imm` (AUIPC's `pc + imm` precomputed).
    LoadImm,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Lbu,
    Lhu,
    Sb,
    Sh,
    Sw,
    Ecall,
    Fence,
}

impl InstrClass {
    /// Every class, in flag-column order.
    pub const ALL: [InstrClass; 21] = [
        InstrClass::AluReg,
        InstrClass::AluImm,
        InstrClass::LoadImm,
        InstrClass::Jal,
        InstrClass::Jalr,
        InstrClass::Beq,
        InstrClass::Bne,
        InstrClass::Blt,
        InstrClass::Bge,
        InstrClass::Bltu,
        InstrClass::Bgeu,
        InstrClass::Lb,
        InstrClass::Lh,
        InstrClass::Lw,
        InstrClass::Lbu,
        InstrClass::Lhu,
        InstrClass::Sb,
        InstrClass::Sh,
        InstrClass::Sw,
        InstrClass::Ecall,
        InstrClass::Fence,
    ];

    /// The flag column index of this class.
    pub fn index(self) -> usize {
        Self::ALL
            .iter()
            .position(|&c| c == self)
            .expect("every class is listed")
    }

    /// The class code on the program bus (never 0).
    pub fn code(self) -> u32 {
        self.index() as u32 + 1
    }
}

/// The code of an ALU-bus operation (the ALU, MUL and DIV tables' codes).
pub fn alu_bus_code(op: AluOp) -> u32 {
    let found = AluOpcode::ALL
        .iter()
        .find(|o| o.isa() == op)
        .map(|&o| o as u32)
        .or_else(|| {
            MulOpcode::ALL
                .iter()
                .find(|o| o.isa() == op)
                .map(|&o| o as u32)
        })
        .or_else(|| {
            DivOpcode::ALL
                .iter()
                .find(|o| o.isa() == op)
                .map(|&o| o as u32)
        });
    found.expect("every AluOp has a table")
}

/// One decoded row of the program table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramRow {
    /// Address of the instruction.
    pub pc: u32,
    /// The instruction as decoded by the executor's decoder.
    pub instruction: Instruction,
    /// Its execution class.
    pub class: InstrClass,
    /// The ALU-bus operation the CPU requests (0 when it requests none).
    pub alu_op: u32,
    /// Destination register (0 when the instruction writes none).
    pub rd: u32,
    /// First source register.
    pub rs1: u32,
    /// Second source register.
    pub rs2: u32,
    /// The immediate the CPU uses (AUIPC: `pc + imm`).
    pub imm: u32,
    /// Jump or branch target, [`NO_TARGET`] when out of range, 0 for other classes.
    pub target: u32,
    /// Whether `rd` is written (false for `rd = x0`).
    pub writes_rd: bool,
}

/// Why a program cannot be put in a program table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// Code at or above 2^30.
    #[error(
        "code at {0:#010x} is not below 2^30 (keel proves programs whose code lies below 2^30)"
    )]
    CodeTooHigh(u32),
    /// The entry is not an instruction of the code.
    #[error("the entry point {0:#010x} is not an instruction in the code")]
    BadEntry(u32),
}

fn target(pc: u32, imm: i32) -> u32 {
    let t = pc.wrapping_add(imm as u32);
    if t < PC_LIMIT {
        t
    } else {
        NO_TARGET
    }
}

impl ProgramRow {
    /// Decodes the word at `pc`; `None` for words the executor cannot execute (illegal encodings
    /// and EBREAK, which always fault).
    pub fn decode(pc: u32, word: u32) -> Option<ProgramRow> {
        let inst = decode(word).ok()?;
        use InstrClass as C;
        use Opcode::*;
        let (rd, rs1, rs2) = (u32::from(inst.rd), u32::from(inst.rs1), u32::from(inst.rs2));
        let imm = inst.imm as u32;
        let add = alu_bus_code(AluOp::Add);
        // (class, alu_op, rd, rs1, rs2, imm, target)
        let (class, alu_op, rd, rs1, rs2, imm, target) = match inst.opcode {
            Lui => (C::LoadImm, 0, rd, 0, 0, imm, 0),
            Auipc => (C::LoadImm, 0, rd, 0, 0, pc.wrapping_add(imm), 0),
            Jal => (C::Jal, 0, rd, 0, 0, 0, target(pc, inst.imm)),
            Jalr => (C::Jalr, add, rd, rs1, 0, imm, 0),
            Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                let (class, op) = match inst.opcode {
                    Beq => (C::Beq, 0),
                    Bne => (C::Bne, 0),
                    Blt => (C::Blt, alu_bus_code(AluOp::Slt)),
                    Bge => (C::Bge, alu_bus_code(AluOp::Slt)),
                    Bltu => (C::Bltu, alu_bus_code(AluOp::Sltu)),
                    _ => (C::Bgeu, alu_bus_code(AluOp::Sltu)),
                };
                (class, op, 0, rs1, rs2, 0, target(pc, inst.imm))
            }
            Lb | Lh | Lw | Lbu | Lhu => {
                let class = match inst.opcode {
                    Lb => C::Lb,
                    Lh => C::Lh,
                    Lw => C::Lw,
                    Lbu => C::Lbu,
                    _ => C::Lhu,
                };
                (class, add, rd, rs1, 0, imm, 0)
            }
            Sb | Sh | Sw => {
                let class = match inst.opcode {
                    Sb => C::Sb,
                    Sh => C::Sh,
                    _ => C::Sw,
                };
                (class, add, 0, rs1, rs2, imm, 0)
            }
            Ecall => (C::Ecall, 0, 10, 17, 10, 0, 0),
            Fence => (C::Fence, 0, 0, 0, 0, 0, 0),
            Ebreak => return None,
            op => {
                let alu = op
                    .alu_op()
                    .expect("the remaining opcodes are ALU operations");
                let uses_imm = matches!(
                    op,
                    Addi | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai
                );
                if uses_imm {
                    (C::AluImm, alu_bus_code(alu), rd, rs1, 0, imm, 0)
                } else {
                    (C::AluReg, alu_bus_code(alu), rd, rs1, rs2, 0, 0)
                }
            }
        };
        Some(ProgramRow {
            pc,
            instruction: inst,
            class,
            alu_op,
            rd,
            rs1,
            rs2,
            imm,
            target,
            writes_rd: rd != 0,
        })
    }

    fn fields(&self, entry: bool) -> [u32; PROGRAM_PREPROCESSED_WIDTH] {
        [
            self.pc,
            self.class.code(),
            self.alu_op,
            self.rd,
            self.rs1,
            self.rs2,
            self.imm & 0xffff,
            self.imm >> 16,
            self.target,
            u32::from(self.writes_rd),
            u32::from(entry),
        ]
    }
}

/// The program: its executable rows (sorted by pc) and the entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramTable {
    rows: Vec<ProgramRow>,
    entry: u32,
}

impl ProgramTable {
    /// The table of `program`'s executable segments.
    pub fn new(program: &keel_executor::Program) -> Result<Self, ProgramError> {
        let mut rows = Vec::new();
        for segment in program.segments.iter().filter(|s| s.executable) {
            for (i, word) in segment.data.chunks_exact(4).enumerate() {
                let pc = segment.vaddr + 4 * i as u32;
                if pc >= PC_LIMIT {
                    return Err(ProgramError::CodeTooHigh(pc));
                }
                let word = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
                rows.extend(ProgramRow::decode(pc, word));
            }
        }
        rows.sort_unstable_by_key(|r| r.pc);
        if rows.binary_search_by_key(&program.entry, |r| r.pc).is_err() {
            return Err(ProgramError::BadEntry(program.entry));
        }
        Ok(ProgramTable {
            rows,
            entry: program.entry,
        })
    }

    /// The rows, sorted by pc (the entry row is extra, after them).
    pub fn rows(&self) -> &[ProgramRow] {
        &self.rows
    }

    /// The entry pc.
    pub fn entry(&self) -> u32 {
        self.entry
    }

    /// The row at `pc`.
    pub fn row_at(&self, pc: u32) -> Option<&ProgramRow> {
        self.rows
            .binary_search_by_key(&pc, |r| r.pc)
            .ok()
            .map(|i| &self.rows[i])
    }

    /// Index of the row at `pc` in the table (the main trace's multiplicity row).
    pub fn index_of(&self, pc: u32) -> Option<usize> {
        self.rows.binary_search_by_key(&pc, |r| r.pc).ok()
    }

    /// Rows of the trace: every instruction, then the entry row, then padding.
    pub fn height(&self) -> usize {
        (self.rows.len() + 1).next_power_of_two().max(4)
    }

    /// The preprocessed columns.
    pub fn preprocessed<F: PrimeCharacteristicRing + Clone + Send + Sync>(
        &self,
    ) -> RowMajorMatrix<F> {
        let height = self.height();
        let mut values = Vec::with_capacity(height * PROGRAM_PREPROCESSED_WIDTH);
        for row in &self.rows {
            values.extend(row.fields(false).map(F::from_u32));
        }
        let entry = self.row_at(self.entry).expect("checked in new");
        values.extend(entry.fields(true).map(F::from_u32));
        values.resize(height * PROGRAM_PREPROCESSED_WIDTH, F::ZERO);
        RowMajorMatrix::new(values, PROGRAM_PREPROCESSED_WIDTH)
    }
}

/// The program table: provides its rows with the multiplicity in its one main column.
pub(crate) fn eval_program<AB: PermutationAirBuilder + InteractionBuilder>(builder: &mut AB) {
    let pre: Vec<AB::Var> = builder.preprocessed().current_slice().to_vec();
    let multiplicity = builder.main().current_slice()[0];
    PROGRAM_BUS.provide(builder, pre, multiplicity.into());
}
