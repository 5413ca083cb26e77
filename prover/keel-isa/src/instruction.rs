//! RV32IM instruction decoding (unprivileged ISA, version 20191213).

use serde::{Deserialize, Serialize};

/// Every RV32IM operation keel executes, plus the two system instructions.
///
/// Field `imm` of [`Instruction`] holds the sign-extended immediate for the I/S/B/U/J formats
/// (for shifts by immediate, the shift amount).
#[allow(missing_docs)] // the variant names are the ISA mnemonics
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Opcode {
    // U-type
    Lui,
    Auipc,
    // jumps
    Jal,
    Jalr,
    // branches
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    // loads
    Lb,
    Lh,
    Lw,
    Lbu,
    Lhu,
    // stores
    Sb,
    Sh,
    Sw,
    // register-immediate ALU
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    // register-register ALU
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    // M extension
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    // system
    /// FENCE and FENCE.I: no-ops on a single hart with no caches to synchronise.
    Fence,
    Ecall,
    Ebreak,
}

impl Opcode {
    /// The assembler mnemonic.
    pub fn mnemonic(self) -> &'static str {
        use Opcode::*;
        match self {
            Lui => "lui",
            Auipc => "auipc",
            Jal => "jal",
            Jalr => "jalr",
            Beq => "beq",
            Bne => "bne",
            Blt => "blt",
            Bge => "bge",
            Bltu => "bltu",
            Bgeu => "bgeu",
            Lb => "lb",
            Lh => "lh",
            Lw => "lw",
            Lbu => "lbu",
            Lhu => "lhu",
            Sb => "sb",
            Sh => "sh",
            Sw => "sw",
            Addi => "addi",
            Slti => "slti",
            Sltiu => "sltiu",
            Xori => "xori",
            Ori => "ori",
            Andi => "andi",
            Slli => "slli",
            Srli => "srli",
            Srai => "srai",
            Add => "add",
            Sub => "sub",
            Sll => "sll",
            Slt => "slt",
            Sltu => "sltu",
            Xor => "xor",
            Srl => "srl",
            Sra => "sra",
            Or => "or",
            And => "and",
            Mul => "mul",
            Mulh => "mulh",
            Mulhsu => "mulhsu",
            Mulhu => "mulhu",
            Div => "div",
            Divu => "divu",
            Rem => "rem",
            Remu => "remu",
            Fence => "fence",
            Ecall => "ecall",
            Ebreak => "ebreak",
        }
    }

    /// The ALU operation this opcode performs on its two operands, if it is a pure ALU
    /// instruction (register-register, register-immediate or M extension).
    pub fn alu_op(self) -> Option<crate::AluOp> {
        use crate::AluOp as A;
        use Opcode::*;
        Some(match self {
            Add | Addi => A::Add,
            Sub => A::Sub,
            Sll | Slli => A::Sll,
            Slt | Slti => A::Slt,
            Sltu | Sltiu => A::Sltu,
            Xor | Xori => A::Xor,
            Srl | Srli => A::Srl,
            Sra | Srai => A::Sra,
            Or | Ori => A::Or,
            And | Andi => A::And,
            Mul => A::Mul,
            Mulh => A::Mulh,
            Mulhsu => A::Mulhsu,
            Mulhu => A::Mulhu,
            Div => A::Div,
            Divu => A::Divu,
            Rem => A::Rem,
            Remu => A::Remu,
            _ => return None,
        })
    }
}

/// A decoded instruction. Register fields that the format lacks are 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Instruction {
    /// The operation.
    pub opcode: Opcode,
    /// Destination register (0..32).
    pub rd: u8,
    /// First source register (0..32).
    pub rs1: u8,
    /// Second source register (0..32).
    pub rs2: u8,
    /// Sign-extended immediate (U-type: already shifted left by 12; shifts: the shift amount).
    pub imm: i32,
}

/// Why a 32-bit word is not an RV32IM instruction keel executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The low two bits are not `11`: a compressed (C extension) encoding.
    #[error(
        "compressed instruction 0x{0:08x} (the C extension is not supported; build for riscv32im)"
    )]
    Compressed(u32),
    /// Any other encoding outside RV32IM (F/D/A/CSR/reserved fields).
    #[error("illegal or unsupported instruction 0x{0:08x}")]
    Illegal(u32),
}

fn bits(word: u32, hi: u32, lo: u32) -> u32 {
    (word >> lo) & ((1 << (hi - lo + 1)) - 1)
}

fn imm_i(word: u32) -> i32 {
    (word as i32) >> 20
}

fn imm_s(word: u32) -> i32 {
    (((word & 0xfe00_0000) as i32) >> 20) | bits(word, 11, 7) as i32
}

fn imm_b(word: u32) -> i32 {
    (((word & 0x8000_0000) as i32) >> 19)
        | ((bits(word, 7, 7) << 11) | (bits(word, 30, 25) << 5) | (bits(word, 11, 8) << 1)) as i32
}

fn imm_u(word: u32) -> i32 {
    (word & 0xffff_f000) as i32
}

fn imm_j(word: u32) -> i32 {
    (((word & 0x8000_0000) as i32) >> 11)
        | ((bits(word, 19, 12) << 12) | (bits(word, 20, 20) << 11) | (bits(word, 30, 21) << 1))
            as i32
}

/// Decodes one 32-bit instruction word.
///
/// Reserved encodings are rejected rather than guessed at: a shift-immediate with a non-zero
/// `imm[11:5]` other than SRAI's `0100000`, a FENCE with a non-zero funct3 other than FENCE.I,
/// and any ECALL/EBREAK encoding other than the two canonical words.
pub fn decode(word: u32) -> Result<Instruction, DecodeError> {
    use Opcode::*;
    if word & 0b11 != 0b11 {
        return Err(DecodeError::Compressed(word));
    }
    let illegal = DecodeError::Illegal(word);
    let rd = bits(word, 11, 7) as u8;
    let rs1 = bits(word, 19, 15) as u8;
    let rs2 = bits(word, 24, 20) as u8;
    let funct3 = bits(word, 14, 12);
    let funct7 = bits(word, 31, 25);
    let make = |opcode, rd, rs1, rs2, imm| Instruction {
        opcode,
        rd,
        rs1,
        rs2,
        imm,
    };
    let inst = match word & 0x7f {
        0b011_0111 => make(Lui, rd, 0, 0, imm_u(word)),
        0b001_0111 => make(Auipc, rd, 0, 0, imm_u(word)),
        0b110_1111 => make(Jal, rd, 0, 0, imm_j(word)),
        0b110_0111 if funct3 == 0 => make(Jalr, rd, rs1, 0, imm_i(word)),
        0b110_0011 => {
            let op = match funct3 {
                0b000 => Beq,
                0b001 => Bne,
                0b100 => Blt,
                0b101 => Bge,
                0b110 => Bltu,
                0b111 => Bgeu,
                _ => return Err(illegal),
            };
            make(op, 0, rs1, rs2, imm_b(word))
        }
        0b000_0011 => {
            let op = match funct3 {
                0b000 => Lb,
                0b001 => Lh,
                0b010 => Lw,
                0b100 => Lbu,
                0b101 => Lhu,
                _ => return Err(illegal),
            };
            make(op, rd, rs1, 0, imm_i(word))
        }
        0b010_0011 => {
            let op = match funct3 {
                0b000 => Sb,
                0b001 => Sh,
                0b010 => Sw,
                _ => return Err(illegal),
            };
            make(op, 0, rs1, rs2, imm_s(word))
        }
        0b001_0011 => {
            let op = match (funct3, funct7) {
                (0b000, _) => Addi,
                (0b010, _) => Slti,
                (0b011, _) => Sltiu,
                (0b100, _) => Xori,
                (0b110, _) => Ori,
                (0b111, _) => Andi,
                (0b001, 0) => Slli,
                (0b101, 0) => Srli,
                (0b101, 0b010_0000) => Srai,
                _ => return Err(illegal),
            };
            let imm = match op {
                Slli | Srli | Srai => rs2 as i32,
                _ => imm_i(word),
            };
            make(op, rd, rs1, 0, imm)
        }
        0b011_0011 => {
            let op = match (funct7, funct3) {
                (0, 0b000) => Add,
                (0b010_0000, 0b000) => Sub,
                (0, 0b001) => Sll,
                (0, 0b010) => Slt,
                (0, 0b011) => Sltu,
                (0, 0b100) => Xor,
                (0, 0b101) => Srl,
                (0b010_0000, 0b101) => Sra,
                (0, 0b110) => Or,
                (0, 0b111) => And,
                (1, 0b000) => Mul,
                (1, 0b001) => Mulh,
                (1, 0b010) => Mulhsu,
                (1, 0b011) => Mulhu,
                (1, 0b100) => Div,
                (1, 0b101) => Divu,
                (1, 0b110) => Rem,
                (1, 0b111) => Remu,
                _ => return Err(illegal),
            };
            make(op, rd, rs1, rs2, 0)
        }
        // FENCE (funct3 0) and FENCE.I (funct3 1): no architectural effect for keel.
        0b000_1111 if funct3 <= 1 => make(Fence, 0, 0, 0, 0),
        0b111_0011 => match word {
            0x0000_0073 => make(Ecall, 0, 0, 0, 0),
            0x0010_0073 => make(Ebreak, 0, 0, 0, 0),
            _ => return Err(illegal),
        },
        _ => return Err(illegal),
    };
    Ok(inst)
}
