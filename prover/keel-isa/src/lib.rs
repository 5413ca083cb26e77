//! keel's view of the RV32IM instruction set: decoding ([`decode`]), the value semantics of ALU
//! operations ([`AluOp::apply`]), and the guest ABI ([`abi`]: syscall numbers and memory map).
//!
//! Everything downstream — the executor, trace generation, the AIR tables — takes its
//! instruction semantics from here, so there is one definition of each instruction.
#![deny(missing_docs)]

pub mod abi;
mod alu;
pub mod encode;
mod instruction;

pub use alu::AluOp;
pub use encode::EncodeError;
pub use instruction::{decode, DecodeError, Instruction, Opcode};

#[cfg(test)]
mod tests;
