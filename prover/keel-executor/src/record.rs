//! What recording mode keeps of an execution: enough for trace generation to rebuild every
//! table without re-running the guest.
//!
//! Per executed instruction, one [`StepRecord`] of 20 bytes; the clock is the step's index.
//! The instruction itself is not stored: it is the program's word at `pc`. Syscalls (which move
//! bytes between the host and guest memory) get a [`SyscallRecord`] each.

use serde::{Deserialize, Serialize};

/// One executed instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Address of the instruction.
    pub pc: u32,
    /// Value of `rs1` before the instruction.
    pub rs1_value: u32,
    /// Value of `rs2` before the instruction.
    pub rs2_value: u32,
    /// Value of `rd` after the instruction (0 when `rd` is x0).
    pub rd_value: u32,
    /// For loads, the aligned word read; for stores, the aligned word's value before the store;
    /// otherwise 0.
    pub mem_value: u32,
}

/// One `ecall`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallRecord {
    /// Index of the `ecall` step in [`ExecutionRecord::steps`].
    pub step: u64,
    /// Syscall number (`a7`).
    pub number: u32,
    /// Arguments `a0`, `a1`, `a2`.
    pub args: [u32; 3],
    /// Value left in `a0` (the argument itself for syscalls without a result).
    pub result: u32,
    /// Bytes moved between host and guest memory: read from the guest by `write`/`commit`/`halt`,
    /// written into it by `input_read`.
    pub bytes: Vec<u8>,
}

/// Everything recording mode keeps of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// One entry per executed instruction, in order.
    pub steps: Vec<StepRecord>,
    /// One entry per `ecall`, in order.
    pub syscalls: Vec<SyscallRecord>,
}

/// Receives the events of a run. The fast mode uses [`NoTrace`], whose empty, inlined methods
/// compile away, so both modes share one interpreter loop.
pub(crate) trait Tracer {
    /// Whether this tracer wants step records at all (lets the loop skip building them).
    const ENABLED: bool;
    fn step(&mut self, step: StepRecord);
    fn syscall(&mut self, record: SyscallRecord);
}

/// Fast mode: records nothing.
pub(crate) struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;
    #[inline(always)]
    fn step(&mut self, _: StepRecord) {}
    #[inline(always)]
    fn syscall(&mut self, _: SyscallRecord) {}
}

impl Tracer for ExecutionRecord {
    const ENABLED: bool = true;
    #[inline(always)]
    fn step(&mut self, step: StepRecord) {
        self.steps.push(step);
    }
    fn syscall(&mut self, record: SyscallRecord) {
        self.syscalls.push(record);
    }
}
