//! keel's RV32IM machine AIR (design: `prover/MACHINE.md`). So far: the memory-checking
//! argument ([`memory`]) — registers and memory as one keyed store whose every read sees the
//! last write, through a LogUp multiset bus with range-checked timestamps — and the 16-bit
//! range table it uses — and the ALU for ADD/SUB/logic/comparisons/shifts ([`alu`]) with the
//! preprocessed byte table, multiplication ([`mul`]) and division ([`div`]). The CPU, program and
//! syscall tables come next; until
//! then [`MachineAir::MemoryPort`] and [`MachineAir::AluPort`] stand in for the CPU's requests.
#![deny(missing_docs)]

pub mod add;
pub mod alu;
pub mod cpu;
pub mod div;
pub mod fixed;
pub mod halt;
pub mod input;
pub mod logic;
pub mod memory;
pub mod mul;
pub mod program;
pub mod rv32im;
pub mod trace;

use alu::{ALU_PORT_WIDTH, ALU_WIDTH};
use memory::{ImageTable, BOUNDARY_WIDTH, PORT_WIDTH};
use p3_air::{Air, BaseAir, PermutationAirBuilder};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder};
use p3_matrix::dense::RowMajorMatrix;
use program::ProgramTable;

/// The 16-bit range bus: `[x]` with `0 ≤ x < 2^16`.
pub const RANGE16_BUS: &str = "range16";

/// The machine's tables. One enum, because a batch proof takes one AIR type for all its tables.
#[derive(Clone, Debug)]
pub enum MachineAir {
    /// 2^16 rows: preprocessed `value = row`, main `multiplicity`; provides `[value]` on
    /// [`RANGE16_BUS`].
    Range16,
    /// The program's initial memory image (preprocessed), sent once per word on the image bus.
    MemoryImage(ImageTable),
    /// One row per touched key, keys strictly increasing: opens and closes each key's chain.
    MemoryBoundary,
    /// One memory access per row (stand-in for the CPU's accesses).
    MemoryPort,
    /// 2^16 rows: preprocessed byte pairs with their AND, OR, XOR; main multiplicities.
    Bytes,
    /// One ALU operation per row.
    Alu,
    /// One ADD or SUB per row.
    Add,
    /// One XOR, OR or AND per row.
    Logic,
    /// One ALU request per row (stand-in for the CPU's requests).
    AluPort,
    /// One MUL/MULH/MULHSU/MULHU per row.
    Mul,
    /// One DIV/DIVU/REM/REMU per row.
    Div,
    /// The program's instructions (preprocessed), looked up by the CPU.
    Program(ProgramTable),
    /// One executed instruction per row.
    Cpu,
    /// The end of the execution: exit code and public-values digest.
    Halt,
    /// The memory writes of `input_read`.
    Input,
}

impl<F: PrimeCharacteristicRing + Send + Sync + Clone> BaseAir<F> for MachineAir {
    fn width(&self) -> usize {
        match self {
            MachineAir::Range16 => fixed::RANGE16_WIDTH,
            MachineAir::MemoryImage(_) => 1,
            MachineAir::MemoryBoundary => BOUNDARY_WIDTH,
            MachineAir::MemoryPort => PORT_WIDTH,
            MachineAir::Bytes => fixed::BYTES_WIDTH,
            MachineAir::Alu => ALU_WIDTH,
            MachineAir::Add => add::ADD_WIDTH,
            MachineAir::Logic => logic::LOGIC_WIDTH,
            MachineAir::AluPort => ALU_PORT_WIDTH,
            MachineAir::Mul => mul::MUL_WIDTH,
            MachineAir::Div => div::DIV_WIDTH,
            MachineAir::Program(_) => 1,
            MachineAir::Cpu => cpu::CPU_WIDTH,
            MachineAir::Halt => halt::HALT_WIDTH,
            MachineAir::Input => input::INPUT_WIDTH,
        }
    }

    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        match self {
            MachineAir::MemoryImage(image) => Some(image.preprocessed()),
            MachineAir::Program(program) => Some(program.preprocessed()),
            _ => None,
        }
    }

    fn preprocessed_width(&self) -> usize {
        match self {
            MachineAir::MemoryImage(_) => memory::IMAGE_PREPROCESSED_WIDTH,
            MachineAir::Program(_) => program::PROGRAM_PREPROCESSED_WIDTH,
            _ => 0,
        }
    }

    fn num_public_values(&self) -> usize {
        match self {
            MachineAir::Halt => halt::NUM_PUBLIC_VALUES,
            _ => 0,
        }
    }

    fn preprocessed_next_row_columns(&self) -> Vec<usize> {
        vec![]
    }
}

impl<AB: PermutationAirBuilder + InteractionBuilder> Air<AB> for MachineAir {
    fn eval(&self, builder: &mut AB) {
        match self {
            MachineAir::Range16 => fixed::eval_range16(builder),
            MachineAir::MemoryImage(_) => memory::eval_image(builder),
            MachineAir::MemoryBoundary => memory::eval_boundary(builder),
            MachineAir::MemoryPort => memory::eval_port(builder),
            MachineAir::Bytes => fixed::eval_bytes(builder),
            MachineAir::Alu => alu::eval_alu(builder),
            MachineAir::Add => add::eval_add(builder),
            MachineAir::Logic => logic::eval_logic(builder),
            MachineAir::AluPort => alu::eval_alu_port(builder),
            MachineAir::Mul => mul::eval_mul(builder),
            MachineAir::Div => div::eval_div(builder),
            MachineAir::Program(_) => program::eval_program(builder),
            MachineAir::Cpu => cpu::eval_cpu(builder),
            MachineAir::Halt => halt::eval_halt(builder),
            MachineAir::Input => input::eval_input(builder),
        }
    }
}

/// The count of an interaction gated by a boolean `flag` (bound 1).
pub(crate) fn flag_count<E>(flag: E) -> Count<E> {
    Count::bounded(flag, 1)
}

#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod tests;
