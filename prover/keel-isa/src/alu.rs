//! The value semantics of RV32IM's arithmetic, logic, shift, compare, multiply and divide
//! operations, shared by the executor and (later) trace generation so both agree by construction.

use serde::{Deserialize, Serialize};

/// A two-operand ALU operation on 32-bit words.
#[allow(missing_docs)] // the variant names are the ISA mnemonics
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AluOp {
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
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
}

impl AluOp {
    /// Computes `a op b` as the unprivileged spec defines it.
    ///
    /// Shifts use only the low 5 bits of `b`. Division never traps: `x / 0` is all ones
    /// (`-1` signed), `x % 0` is `x`, and the signed overflow `i32::MIN / -1` is `i32::MIN` with
    /// remainder 0.
    #[inline(always)]
    pub fn apply(self, a: u32, b: u32) -> u32 {
        let (sa, sb) = (a as i32, b as i32);
        match self {
            AluOp::Add => a.wrapping_add(b),
            AluOp::Sub => a.wrapping_sub(b),
            AluOp::Sll => a << (b & 31),
            AluOp::Slt => (sa < sb) as u32,
            AluOp::Sltu => (a < b) as u32,
            AluOp::Xor => a ^ b,
            AluOp::Srl => a >> (b & 31),
            AluOp::Sra => (sa >> (b & 31)) as u32,
            AluOp::Or => a | b,
            AluOp::And => a & b,
            AluOp::Mul => a.wrapping_mul(b),
            AluOp::Mulh => ((sa as i64 * sb as i64) >> 32) as u32,
            AluOp::Mulhsu => ((sa as i64 * b as i64) >> 32) as u32,
            AluOp::Mulhu => ((a as u64 * b as u64) >> 32) as u32,
            AluOp::Div => {
                if b == 0 {
                    u32::MAX
                } else {
                    sa.wrapping_div(sb) as u32
                }
            }
            AluOp::Divu => a.checked_div(b).unwrap_or(u32::MAX),
            AluOp::Rem => {
                if b == 0 {
                    a
                } else {
                    sa.wrapping_rem(sb) as u32
                }
            }
            AluOp::Remu => a.checked_rem(b).unwrap_or(a),
        }
    }
}
