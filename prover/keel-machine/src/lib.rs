//! keel's RV32IM machine AIR (design: `prover/MACHINE.md`): the tables of one execution
//! segment, proven together in one batch STARK, and their trace generation.
//!
//! - [`cpu`]: one row per instruction — fetch from the committed [`program`], four memory
//!   accesses, ADD proven in the row, other work sent on the [`REQUEST_BUS`];
//! - [`memory`]: registers and memory as one keyed store whose every read sees the last write
//!   (offline memory checking on a LogUp multiset bus with range-checked timestamps), the
//!   committed image and the mapped segments with their permissions;
//! - [`alu`], [`add`], [`logic`], [`shift`], [`mul`], [`div`]: the operations the CPU requests;
//! - [`halt`], [`input`]: the end of the run (exit code, public-values digest) and input reads;
//! - [`fixed`]: the 16-bit range table and the byte table (pairs, AND/OR/XOR);
//! - [`trace`]: traces from an execution record; [`rv32im`]: prove, verify, program id.
//!
//! [`MachineAir::MemoryPort`] and [`MachineAir::AluPort`] stand in for the CPU in the tables'
//! own tests.
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
pub mod shift;
pub mod trace;

use alu::{ALU_PORT_WIDTH, ALU_WIDTH};
use memory::{ImageTable, BOUNDARY_WIDTH, PORT_WIDTH};
use p3_air::{Air, BaseAir, PermutationAirBuilder};
use p3_field::PrimeCharacteristicRing;
use p3_lookup::{Count, InteractionBuilder, LookupBus, PermutationCheckBus};
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
    /// One SLL, SRL or SRA per row.
    Shift,
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
            MachineAir::Shift => shift::SHIFT_WIDTH,
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
            MachineAir::Shift => shift::eval_shift(builder),
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

/// The one LogUp bus that carries the CPU's requests to other tables: instruction fetch
/// ([`program::PROGRAM_BUS`]), ALU operations ([`alu::ALU_BUS`]), the end of the run
/// ([`halt::HALT_BUS`]) and input reads ([`input::INPUT_BUS`]), each a [`Channel`]. A message is
/// `(tag, fields…, 0…)`, [`REQUEST_WIDTH`] elements: the channel's tag keeps the kinds apart, and
/// every tuple on the bus has the same width (LogUp folds a bus's tuples under the same
/// challenge powers, so a shorter tuple would alias a longer one). Plonky3 folds only
/// interactions of one bus into a shared fraction column, so one bus lets the CPU's four
/// requests take two columns instead of four.
pub const REQUEST_BUS: &str = "request";

/// Elements of a message on [`REQUEST_BUS`]: the tag and up to 11 fields.
pub const REQUEST_WIDTH: usize = 12;

/// A logical bus carried on [`REQUEST_BUS`], told apart by its tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channel {
    tag: u32,
}

impl Channel {
    /// The channel with this tag (distinct per channel).
    pub const fn new(tag: u32) -> Self {
        Channel { tag }
    }

    /// The message on [`REQUEST_BUS`] for `fields`: the tag, the fields, zeros.
    ///
    /// # Panics
    /// If there are more than `REQUEST_WIDTH − 1` fields (a fixed layout: a bug, not an input).
    pub fn message<E: PrimeCharacteristicRing>(
        self,
        fields: impl IntoIterator<Item = E>,
    ) -> Vec<E> {
        let mut message = vec![E::from_u32(self.tag)];
        message.extend(fields);
        assert!(
            message.len() <= REQUEST_WIDTH,
            "a request of {} fields does not fit the request bus",
            message.len() - 1
        );
        message.resize(REQUEST_WIDTH, E::ZERO);
        message
    }

    /// Sends `fields` on this channel `count` times.
    pub(crate) fn send<AB: InteractionBuilder, E: Into<AB::Expr>>(
        self,
        builder: &mut AB,
        fields: impl IntoIterator<Item = E>,
        count: Count<AB::Expr>,
    ) {
        let message = self.message(fields.into_iter().map(Into::into));
        PermutationCheckBus::new(REQUEST_BUS).send(builder, message, count);
    }

    /// Receives `fields` on this channel `count` times.
    pub(crate) fn receive<AB: InteractionBuilder, E: Into<AB::Expr>>(
        self,
        builder: &mut AB,
        fields: impl IntoIterator<Item = E>,
        count: Count<AB::Expr>,
    ) {
        let message = self.message(fields.into_iter().map(Into::into));
        PermutationCheckBus::new(REQUEST_BUS).receive(builder, message, count);
    }

    /// Provides `fields` as a table entry that is consumed `uses` times (no per-row bound).
    pub(crate) fn provide<AB: InteractionBuilder, E: Into<AB::Expr>>(
        self,
        builder: &mut AB,
        fields: impl IntoIterator<Item = E>,
        uses: AB::Expr,
    ) {
        let message = self.message(fields.into_iter().map(Into::into));
        LookupBus::new(REQUEST_BUS).table_entry(builder, message, uses);
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
