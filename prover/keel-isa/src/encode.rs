//! Encoding of [`Instruction`]s back into 32-bit words: the inverse of [`crate::decode`].
//!
//! Used to build test programs without an assembler (the differential tests generate random
//! programs with it) and checked by a round-trip property test.

use crate::{Instruction, Opcode};

/// Why an [`Instruction`] cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A register index is 32 or more.
    #[error("register index out of range in {0:?}")]
    Register(Instruction),
    /// The immediate does not fit the format (or is misaligned for a branch/jump).
    #[error("immediate {imm} does not fit the encoding of {mnemonic}")]
    Immediate {
        /// Instruction mnemonic.
        mnemonic: &'static str,
        /// The offending immediate.
        imm: i32,
    },
}

fn fits_signed(value: i32, bits: u32) -> bool {
    let min = -(1i64 << (bits - 1));
    let max = (1i64 << (bits - 1)) - 1;
    (min..=max).contains(&(value as i64))
}

impl Instruction {
    /// Encodes this instruction as a 32-bit RV32IM word.
    pub fn encode(&self) -> Result<u32, EncodeError> {
        use Opcode::*;
        if self.rd >= 32 || self.rs1 >= 32 || self.rs2 >= 32 {
            return Err(EncodeError::Register(*self));
        }
        let (rd, rs1, rs2) = (self.rd as u32, self.rs1 as u32, self.rs2 as u32);
        let imm = self.imm;
        let bad_imm = EncodeError::Immediate {
            mnemonic: self.opcode.mnemonic(),
            imm,
        };
        let r = |f7: u32, f3: u32| {
            (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33
        };
        let i = |f3: u32, opcode: u32| -> Result<u32, EncodeError> {
            if !fits_signed(imm, 12) {
                return Err(bad_imm);
            }
            Ok(((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode)
        };
        let shift = |f7: u32, f3: u32| -> Result<u32, EncodeError> {
            if !(0..32).contains(&imm) {
                return Err(bad_imm);
            }
            Ok((f7 << 25) | ((imm as u32) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x13)
        };
        let s = |f3: u32| -> Result<u32, EncodeError> {
            if !fits_signed(imm, 12) {
                return Err(bad_imm);
            }
            let u = imm as u32;
            Ok(((u >> 5 & 0x7f) << 25)
                | (rs2 << 20)
                | (rs1 << 15)
                | (f3 << 12)
                | ((u & 0x1f) << 7)
                | 0x23)
        };
        let b = |f3: u32| -> Result<u32, EncodeError> {
            if !fits_signed(imm, 13) || imm & 1 != 0 {
                return Err(bad_imm);
            }
            let u = imm as u32;
            Ok(((u >> 12 & 1) << 31)
                | ((u >> 5 & 0x3f) << 25)
                | (rs2 << 20)
                | (rs1 << 15)
                | (f3 << 12)
                | ((u >> 1 & 0xf) << 8)
                | ((u >> 11 & 1) << 7)
                | 0x63)
        };
        let u_type = |opcode: u32| -> Result<u32, EncodeError> {
            if imm & 0xfff != 0 {
                return Err(bad_imm);
            }
            Ok((imm as u32) | (rd << 7) | opcode)
        };
        Ok(match self.opcode {
            Lui => u_type(0x37)?,
            Auipc => u_type(0x17)?,
            Jal => {
                if !fits_signed(imm, 21) || imm & 1 != 0 {
                    return Err(bad_imm);
                }
                let u = imm as u32;
                ((u >> 20 & 1) << 31)
                    | ((u >> 1 & 0x3ff) << 21)
                    | ((u >> 11 & 1) << 20)
                    | ((u >> 12 & 0xff) << 12)
                    | (rd << 7)
                    | 0x6f
            }
            Jalr => i(0, 0x67)?,
            Beq => b(0)?,
            Bne => b(1)?,
            Blt => b(4)?,
            Bge => b(5)?,
            Bltu => b(6)?,
            Bgeu => b(7)?,
            Lb => i(0, 0x03)?,
            Lh => i(1, 0x03)?,
            Lw => i(2, 0x03)?,
            Lbu => i(4, 0x03)?,
            Lhu => i(5, 0x03)?,
            Sb => s(0)?,
            Sh => s(1)?,
            Sw => s(2)?,
            Addi => i(0, 0x13)?,
            Slti => i(2, 0x13)?,
            Sltiu => i(3, 0x13)?,
            Xori => i(4, 0x13)?,
            Ori => i(6, 0x13)?,
            Andi => i(7, 0x13)?,
            Slli => shift(0, 1)?,
            Srli => shift(0, 5)?,
            Srai => shift(0x20, 5)?,
            Add => r(0, 0),
            Sub => r(0x20, 0),
            Sll => r(0, 1),
            Slt => r(0, 2),
            Sltu => r(0, 3),
            Xor => r(0, 4),
            Srl => r(0, 5),
            Sra => r(0x20, 5),
            Or => r(0, 6),
            And => r(0, 7),
            Mul => r(1, 0),
            Mulh => r(1, 1),
            Mulhsu => r(1, 2),
            Mulhu => r(1, 3),
            Div => r(1, 4),
            Divu => r(1, 5),
            Rem => r(1, 6),
            Remu => r(1, 7),
            Fence => 0x0ff0_000f,
            Ecall => 0x0000_0073,
            Ebreak => 0x0010_0073,
        })
    }
}

/// Shorthand constructors for building programs in tests and generators.
pub mod asm {
    use crate::{Instruction, Opcode};

    /// An instruction from its parts (unused register fields are 0).
    pub fn inst(opcode: Opcode, rd: u8, rs1: u8, rs2: u8, imm: i32) -> Instruction {
        Instruction {
            opcode,
            rd,
            rs1,
            rs2,
            imm,
        }
    }

    /// `addi rd, rs1, imm`.
    pub fn addi(rd: u8, rs1: u8, imm: i32) -> Instruction {
        inst(Opcode::Addi, rd, rs1, 0, imm)
    }

    /// `lui rd, imm` (`imm` is the final value's upper 20 bits, already shifted).
    pub fn lui(rd: u8, imm: i32) -> Instruction {
        inst(Opcode::Lui, rd, 0, 0, imm)
    }

    /// The `lui` + `addi` pair that loads any 32-bit constant into `rd`.
    pub fn li(rd: u8, value: u32) -> [Instruction; 2] {
        let lo = ((value << 20) as i32) >> 20; // sign-extended low 12 bits
        let hi = value.wrapping_sub(lo as u32);
        [lui(rd, hi as i32), addi(rd, rd, lo)]
    }

    /// `ecall`.
    pub fn ecall() -> Instruction {
        inst(Opcode::Ecall, 0, 0, 0, 0)
    }
}
