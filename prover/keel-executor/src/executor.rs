//! The RV32IM interpreter: one loop over pre-decoded instructions, shared by fast mode and
//! recording mode through the [`Tracer`] parameter.

use crate::elf::Program;
use crate::error::ExecError;
use crate::io::Input;
use crate::memory::{Fault, Memory};
use crate::record::{ExecutionRecord, NoTrace, StepRecord, SyscallRecord, Tracer};
use keel_isa::abi::{self, reg};
use keel_isa::{decode, AluOp, DecodeError, Instruction, Opcode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Cycle limit used when none is given: enough for about ten seconds of fast-mode execution.
pub const DEFAULT_MAX_CYCLES: u64 = 1_000_000_000;

/// Options for a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Execution stops with [`ExecError::CycleLimit`] after this many instructions.
    pub max_cycles: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_cycles: DEFAULT_MAX_CYCLES,
        }
    }
}

/// How the guest ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// keel's `halt` syscall, carrying the public-values digest.
    Halt,
    /// Linux `exit`: allowed only when nothing was committed.
    Exit,
}

/// The outcome of a run that ended by `halt` or `exit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    /// The guest's exit code (`a0` of `halt`/`exit`). Part of the public claim.
    pub exit_code: u32,
    /// Instructions executed, the final `ecall` included.
    pub cycles: u64,
    /// How the guest ended.
    pub termination: Termination,
    /// Bytes the guest wrote to fd 1.
    pub stdout: Vec<u8>,
    /// Bytes the guest wrote to fd 2.
    pub stderr: Vec<u8>,
    /// The committed public values.
    pub public_values: Vec<u8>,
    /// SHA-256 of `public_values`, as passed to `halt` (checked by the executor).
    pub public_values_digest: [u8; 32],
}

/// Runs `program` on `input` as fast as possible, recording nothing.
pub fn run(program: &Program, input: Input, options: &RunOptions) -> Result<RunResult, ExecError> {
    Machine::new(program, input).execute(options, &mut NoTrace)
}

/// Runs `program` on `input`, keeping the [`ExecutionRecord`] trace generation needs.
pub fn run_recorded(
    program: &Program,
    input: Input,
    options: &RunOptions,
) -> Result<(RunResult, ExecutionRecord), ExecError> {
    let mut record = ExecutionRecord::default();
    let result = Machine::new(program, input).execute(options, &mut record)?;
    Ok((result, record))
}

/// One pre-decoded word of the code region.
#[derive(Clone, Copy)]
enum Slot {
    Inst(Instruction),
    Illegal(u32),
    /// A gap between code segments, or bytes past a segment's initialised data.
    NoCode,
}

/// All executable segments, decoded once: `slots[i]` is the word at `base + 4 * i`.
struct Code {
    base: u32,
    slots: Vec<Slot>,
}

impl Code {
    fn new(program: &Program) -> Code {
        let code_segments = || program.segments.iter().filter(|s| s.executable);
        let base = code_segments().map(|s| s.vaddr).min().unwrap_or(0);
        let end = code_segments()
            .map(|s| s.vaddr as u64 + s.data.len() as u64)
            .max()
            .unwrap_or(0);
        let mut slots = vec![Slot::NoCode; (end.saturating_sub(base as u64) / 4) as usize];
        for segment in code_segments() {
            let first = ((segment.vaddr - base) / 4) as usize;
            for (i, word) in segment.data.chunks_exact(4).enumerate() {
                let word = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
                slots[first + i] = match decode(word) {
                    Ok(inst) => Slot::Inst(inst),
                    Err(DecodeError::Compressed(w) | DecodeError::Illegal(w)) => Slot::Illegal(w),
                };
            }
        }
        Code { base, slots }
    }
}

struct Machine {
    regs: [u32; 32],
    pc: u32,
    code: Code,
    memory: Memory,
    input: Input,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    public_values: Vec<u8>,
    cycles: u64,
}

/// What an `ecall` asks of the loop.
enum SyscallOutcome {
    Continue,
    Stop(Termination, u32, [u8; 32]),
}

fn mem_error(fault: Fault, pc: u32) -> ExecError {
    match fault {
        Fault::Unmapped(addr) => ExecError::UnmappedAccess { pc, addr },
        Fault::ReadOnly(addr) => ExecError::ReadOnlyWrite { pc, addr },
    }
}

fn check_aligned(pc: u32, addr: u32, size: u32) -> Result<(), ExecError> {
    if addr & (size - 1) != 0 {
        return Err(ExecError::MisalignedAccess { pc, addr, size });
    }
    Ok(())
}

impl Machine {
    fn new(program: &Program, input: Input) -> Machine {
        Machine {
            regs: [0; 32],
            pc: program.entry,
            code: Code::new(program),
            memory: Memory::new(program),
            input,
            stdout: Vec::new(),
            stderr: Vec::new(),
            public_values: Vec::new(),
            cycles: 0,
        }
    }

    fn execute<T: Tracer>(
        mut self,
        options: &RunOptions,
        tracer: &mut T,
    ) -> Result<RunResult, ExecError> {
        let limit = options.max_cycles;
        // Keep the hot state in locals; `self` holds it again around syscalls.
        let mut regs = self.regs;
        let mut pc = self.pc;
        let mut from = pc;
        let mut cycles = self.cycles;
        loop {
            if cycles >= limit {
                return Err(ExecError::CycleLimit { limit, pc });
            }
            // pc is always 4-aligned here: the entry is checked at load, and every jump checks
            // its target, so the index below names exactly the word at pc.
            let slot = self
                .code
                .slots
                .get((pc.wrapping_sub(self.code.base) >> 2) as usize);
            let inst = match slot {
                Some(Slot::Inst(inst)) => *inst,
                Some(Slot::Illegal(word)) => {
                    return Err(ExecError::IllegalInstruction { pc, word: *word })
                }
                Some(Slot::NoCode) | None => {
                    return Err(ExecError::PcOutsideCode { target: pc, from })
                }
            };
            let a = regs[(inst.rs1 & 31) as usize];
            let b = regs[(inst.rs2 & 31) as usize];
            let imm = inst.imm as u32;
            let mut next = pc.wrapping_add(4);
            let mut mem_value = 0;
            let rd_value = match inst.opcode {
                Opcode::Lui => imm,
                Opcode::Auipc => pc.wrapping_add(imm),
                Opcode::Jal => {
                    next = pc.wrapping_add(imm);
                    pc.wrapping_add(4)
                }
                Opcode::Jalr => {
                    next = a.wrapping_add(imm) & !1;
                    pc.wrapping_add(4)
                }
                Opcode::Beq
                | Opcode::Bne
                | Opcode::Blt
                | Opcode::Bge
                | Opcode::Bltu
                | Opcode::Bgeu => {
                    let taken = match inst.opcode {
                        Opcode::Beq => a == b,
                        Opcode::Bne => a != b,
                        Opcode::Blt => (a as i32) < (b as i32),
                        Opcode::Bge => (a as i32) >= (b as i32),
                        Opcode::Bltu => a < b,
                        _ => a >= b,
                    };
                    if taken {
                        next = pc.wrapping_add(imm);
                    }
                    0
                }
                Opcode::Lb | Opcode::Lh | Opcode::Lw | Opcode::Lbu | Opcode::Lhu => {
                    let addr = a.wrapping_add(imm);
                    let size = match inst.opcode {
                        Opcode::Lw => 4,
                        Opcode::Lh | Opcode::Lhu => 2,
                        _ => 1,
                    };
                    check_aligned(pc, addr, size)?;
                    let word = self.memory.load_word(addr).map_err(|f| mem_error(f, pc))?;
                    mem_value = word;
                    let shifted = word >> ((addr & 3) * 8);
                    match inst.opcode {
                        Opcode::Lw => word,
                        Opcode::Lh => shifted as u16 as i16 as i32 as u32,
                        Opcode::Lhu => shifted as u16 as u32,
                        Opcode::Lb => shifted as u8 as i8 as i32 as u32,
                        _ => shifted as u8 as u32,
                    }
                }
                Opcode::Sb | Opcode::Sh | Opcode::Sw => {
                    let addr = a.wrapping_add(imm);
                    let (size, mask) = match inst.opcode {
                        Opcode::Sw => (4, u32::MAX),
                        Opcode::Sh => (2, 0xffff),
                        _ => (1, 0xff),
                    };
                    check_aligned(pc, addr, size)?;
                    let shift = (addr & 3) * 8;
                    mem_value = self
                        .memory
                        .store_word_masked(addr, b << shift, mask << shift)
                        .map_err(|f| mem_error(f, pc))?;
                    0
                }
                Opcode::Addi => AluOp::Add.apply(a, imm),
                Opcode::Slti => AluOp::Slt.apply(a, imm),
                Opcode::Sltiu => AluOp::Sltu.apply(a, imm),
                Opcode::Xori => AluOp::Xor.apply(a, imm),
                Opcode::Ori => AluOp::Or.apply(a, imm),
                Opcode::Andi => AluOp::And.apply(a, imm),
                Opcode::Slli => AluOp::Sll.apply(a, imm),
                Opcode::Srli => AluOp::Srl.apply(a, imm),
                Opcode::Srai => AluOp::Sra.apply(a, imm),
                Opcode::Add => AluOp::Add.apply(a, b),
                Opcode::Sub => AluOp::Sub.apply(a, b),
                Opcode::Sll => AluOp::Sll.apply(a, b),
                Opcode::Slt => AluOp::Slt.apply(a, b),
                Opcode::Sltu => AluOp::Sltu.apply(a, b),
                Opcode::Xor => AluOp::Xor.apply(a, b),
                Opcode::Srl => AluOp::Srl.apply(a, b),
                Opcode::Sra => AluOp::Sra.apply(a, b),
                Opcode::Or => AluOp::Or.apply(a, b),
                Opcode::And => AluOp::And.apply(a, b),
                Opcode::Mul => AluOp::Mul.apply(a, b),
                Opcode::Mulh => AluOp::Mulh.apply(a, b),
                Opcode::Mulhsu => AluOp::Mulhsu.apply(a, b),
                Opcode::Mulhu => AluOp::Mulhu.apply(a, b),
                Opcode::Div => AluOp::Div.apply(a, b),
                Opcode::Divu => AluOp::Divu.apply(a, b),
                Opcode::Rem => AluOp::Rem.apply(a, b),
                Opcode::Remu => AluOp::Remu.apply(a, b),
                Opcode::Fence => 0,
                Opcode::Ebreak => return Err(ExecError::Breakpoint { pc }),
                Opcode::Ecall => {
                    self.regs = regs;
                    self.pc = pc;
                    self.cycles = cycles;
                    let outcome = self.syscall(tracer)?;
                    regs = self.regs;
                    if let SyscallOutcome::Stop(termination, exit_code, digest) = outcome {
                        if T::ENABLED {
                            tracer.step(StepRecord {
                                pc,
                                rs1_value: a,
                                rs2_value: b,
                                rd_value: 0,
                                mem_value: 0,
                            });
                        }
                        return Ok(RunResult {
                            exit_code,
                            cycles: cycles + 1,
                            termination,
                            stdout: self.stdout,
                            stderr: self.stderr,
                            public_values: self.public_values,
                            public_values_digest: digest,
                        });
                    }
                    0
                }
            };
            let rd = (inst.rd & 31) as usize;
            regs[rd] = rd_value;
            regs[0] = 0;
            if T::ENABLED {
                tracer.step(StepRecord {
                    pc,
                    rs1_value: a,
                    rs2_value: b,
                    rd_value: regs[rd],
                    mem_value,
                });
            }
            if next & 3 != 0 {
                return Err(ExecError::MisalignedPc {
                    target: next,
                    from: pc,
                });
            }
            from = pc;
            pc = next;
            cycles += 1;
        }
    }

    /// Handles the `ecall` at `self.pc`; `a0` receives the result in `self.regs`.
    #[inline(never)]
    fn syscall<T: Tracer>(&mut self, tracer: &mut T) -> Result<SyscallOutcome, ExecError> {
        let pc = self.pc;
        let number = self.regs[reg::A7];
        let args = [self.regs[reg::A0], self.regs[reg::A1], self.regs[reg::A2]];
        let name = abi::syscall_name(number).ok_or(ExecError::UnknownSyscall { pc, number })?;
        let bad = |reason: String| ExecError::BadSyscall { pc, name, reason };
        let mut bytes = Vec::new();
        let mut result = args[0];
        let mut outcome = SyscallOutcome::Continue;
        match number {
            abi::SYS_WRITE => {
                let (fd, ptr, len) = (args[0], args[1], args[2]);
                bytes = self
                    .memory
                    .read_bytes(ptr, len)
                    .map_err(|f| mem_error(f, pc))?;
                match fd {
                    abi::FD_STDOUT => self.stdout.extend_from_slice(&bytes),
                    abi::FD_STDERR => self.stderr.extend_from_slice(&bytes),
                    _ => return Err(bad(format!("file descriptor {fd} (only 1 and 2 exist)"))),
                }
                result = len;
            }
            abi::SYS_INPUT_LEN => {
                result = match self.input.front() {
                    Some(frame) => u32::try_from(frame.len())
                        .map_err(|_| bad("input frame longer than 4 GiB".into()))?,
                    None => abi::NO_MORE_INPUT,
                };
            }
            abi::SYS_INPUT_READ => {
                let (ptr, len) = (args[0], args[1]);
                let frame_len = match self.input.front() {
                    Some(frame) => frame.len(),
                    None => return Err(bad("no input frame left".into())),
                };
                if frame_len != len as usize {
                    return Err(bad(format!(
                        "asked for {len} bytes, the next frame has {frame_len}"
                    )));
                }
                if len > 0 && ptr & 3 != 0 {
                    return Err(bad(format!(
                        "destination {ptr:#x} is not word-aligned (keel's proofs write input \
                         by words)"
                    )));
                }
                let frame = self.input.pop().unwrap_or_default();
                self.memory
                    .write_bytes(ptr, &frame)
                    .map_err(|f| mem_error(f, pc))?;
                bytes = frame;
            }
            abi::SYS_COMMIT => {
                bytes = self
                    .memory
                    .read_bytes(args[0], args[1])
                    .map_err(|f| mem_error(f, pc))?;
                self.public_values.extend_from_slice(&bytes);
            }
            abi::SYS_HALT => {
                if args[1] & 3 != 0 {
                    return Err(bad(format!(
                        "digest pointer {:#x} is not word-aligned",
                        args[1]
                    )));
                }
                bytes = self
                    .memory
                    .read_bytes(args[1], 32)
                    .map_err(|f| mem_error(f, pc))?;
                let claimed: [u8; 32] = bytes.as_slice().try_into().unwrap_or([0; 32]);
                let actual: [u8; 32] = Sha256::digest(&self.public_values).into();
                if claimed != actual {
                    return Err(ExecError::DigestMismatch {
                        claimed: to_hex(&claimed),
                        actual: to_hex(&actual),
                        committed: self.public_values.len(),
                    });
                }
                outcome = SyscallOutcome::Stop(Termination::Halt, args[0], actual);
            }
            abi::SYS_EXIT => {
                if !self.public_values.is_empty() {
                    return Err(ExecError::CommitWithoutHalt {
                        committed: self.public_values.len(),
                    });
                }
                let digest: [u8; 32] = Sha256::digest([]).into();
                outcome = SyscallOutcome::Stop(Termination::Exit, args[0], digest);
            }
            _ => return Err(ExecError::UnknownSyscall { pc, number }),
        }
        self.regs[reg::A0] = result;
        tracer.syscall(SyscallRecord {
            step: self.cycles,
            number,
            args,
            result,
            bytes,
        });
        Ok(outcome)
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
