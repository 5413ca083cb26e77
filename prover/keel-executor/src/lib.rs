//! The keel executor: loads an RV32IM ELF ([`Program::from_elf`]) and runs it, either as fast as
//! possible ([`run`]) or keeping the [`ExecutionRecord`] that trace generation needs
//! ([`run_recorded`]).
//!
//! Semantics follow the RISC-V unprivileged spec (RV32I + M) with these keel rules:
//! - **Alignment**: loads and stores must be naturally aligned (word accesses on 4-byte
//!   boundaries, halfwords on 2); a misaligned access is an error naming the pc. Compilers for
//!   `riscv32im` emit aligned accesses, and the memory argument of the proof works on words.
//! - **Memory**: only addresses inside the ELF's loadable segments are mapped (the SDK's linker
//!   script reserves stack and heap as zero-filled segments); code and read-only data reject stores.
//! - **Control**: a jump to a misaligned address or outside the code segments is an error;
//!   EBREAK and illegal encodings are errors naming the pc; FENCE is a no-op.
//! - **Syscalls** per [`keel_isa::abi`]; the run ends at `halt` or `exit`, or with
//!   [`ExecError::CycleLimit`].
#![deny(missing_docs)]

mod elf;
mod error;
mod executor;
mod io;
mod memory;
mod record;
pub mod testing;

pub use elf::{Program, Segment};
pub use error::{ElfError, ExecError};
pub use executor::{run, run_recorded, RunOptions, RunResult, Termination, DEFAULT_MAX_CYCLES};
pub use io::Input;
pub use memory::{mapped_ranges, MappedRange};
pub use record::{ExecutionRecord, StepRecord, SyscallRecord};
