//! Errors from loading an ELF and from running a guest.

/// Why an ELF file cannot be loaded as a keel program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The file ends before a structure that must be inside it.
    #[error("truncated ELF: {what} needs bytes {start}..{end} but the file has {len}")]
    Truncated {
        /// The structure that does not fit.
        what: &'static str,
        /// First byte needed.
        start: u64,
        /// One past the last byte needed.
        end: u64,
        /// File length.
        len: u64,
    },
    /// The file does not start with `\x7fELF`.
    #[error("not an ELF file (bad magic bytes)")]
    BadMagic,
    /// `EI_CLASS` is not ELFCLASS32.
    #[error("64-bit ELF (class {0}): keel runs 32-bit RV32IM programs; build for riscv32im-unknown-none-elf")]
    Not32Bit(u8),
    /// `EI_DATA` is not little-endian.
    #[error("big-endian ELF: RISC-V programs must be little-endian")]
    NotLittleEndian,
    /// `e_machine` is not EM_RISCV (243).
    #[error("wrong machine {0} in ELF header: expected RISC-V (243)")]
    WrongMachine(u16),
    /// `e_type` is not ET_EXEC.
    #[error("ELF type {0} is not an executable (ET_EXEC); relocatable objects and shared libraries cannot run")]
    NotExecutable(u16),
    /// `e_flags` asks for an ISA or ABI keel does not provide.
    #[error("ELF flags 0x{0:x} need {1}; keel runs RV32IM with the soft-float ilp32 ABI")]
    UnsupportedFlags(u32, &'static str),
    /// A header field has an impossible value.
    #[error("malformed ELF header: {0}")]
    Malformed(String),
    /// The program has no loadable segment.
    #[error("the ELF has no loadable (PT_LOAD) segment")]
    NoSegments,
    /// A loadable segment's memory size is smaller than its file size.
    #[error("segment {index}: file size {file_size} exceeds memory size {mem_size}")]
    FileSizeExceedsMemSize {
        /// Program-header index.
        index: usize,
        /// `p_filesz`.
        file_size: u32,
        /// `p_memsz`.
        mem_size: u32,
    },
    /// A segment extends past the end of the 32-bit address space.
    #[error("segment {index} at 0x{vaddr:08x} with size {mem_size} runs past the end of the 32-bit address space")]
    SegmentOutOfAddressSpace {
        /// Program-header index.
        index: usize,
        /// `p_vaddr`.
        vaddr: u32,
        /// `p_memsz`.
        mem_size: u32,
    },
    /// Two loadable segments overlap in memory.
    #[error("segments {first} (0x{first_start:08x}..0x{first_end:08x}) and {second} (0x{second_start:08x}..0x{second_end:08x}) overlap")]
    OverlappingSegments {
        /// First segment's program-header index.
        first: usize,
        /// Its start address.
        first_start: u64,
        /// Its end address (exclusive).
        first_end: u64,
        /// Second segment's program-header index.
        second: usize,
        /// Its start address.
        second_start: u64,
        /// Its end address (exclusive).
        second_end: u64,
    },
    /// A segment is both writable and executable: keel keeps code immutable.
    #[error("segment {0} is both writable and executable; keel requires read-only code (link text and data into separate segments)")]
    WritableCode(usize),
    /// An executable segment does not start on a 4-byte boundary.
    #[error("executable segment {index} starts at unaligned address 0x{vaddr:08x}")]
    UnalignedCode {
        /// Program-header index.
        index: usize,
        /// `p_vaddr`.
        vaddr: u32,
    },
    /// An executable segment and a non-executable one share a memory page.
    #[error("executable segment {code} and data segment {data} share the page at 0x{page:08x}; align data segments to {page_size} bytes")]
    SharedCodePage {
        /// The executable segment.
        code: usize,
        /// The other segment.
        data: usize,
        /// Start of the shared page.
        page: u32,
        /// The page size.
        page_size: u32,
    },
    /// The entry point is not inside an executable segment's initialised bytes.
    #[error("entry point 0x{0:08x} is not inside an executable segment")]
    EntryOutsideCode(u32),
    /// The entry point is not 4-byte aligned.
    #[error("entry point 0x{0:08x} is not 4-byte aligned")]
    UnalignedEntry(u32),
}

/// Why execution stopped with an error (rather than by `exit` or `halt`).
///
/// Every variant names the `pc` of the instruction that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The word at `pc` is not an RV32IM instruction.
    #[error("illegal instruction 0x{word:08x} at pc 0x{pc:08x}")]
    IllegalInstruction {
        /// Address of the instruction.
        pc: u32,
        /// The instruction word.
        word: u32,
    },
    /// EBREAK was executed (keel has no debugger to hand control to).
    #[error("ebreak at pc 0x{pc:08x}")]
    Breakpoint {
        /// Address of the instruction.
        pc: u32,
    },
    /// Control reached an address with no code.
    #[error("jump to 0x{target:08x}, outside executable memory (from pc 0x{from:08x})")]
    PcOutsideCode {
        /// The address control was transferred to.
        target: u32,
        /// The instruction that transferred control.
        from: u32,
    },
    /// Control reached an address that is not 4-byte aligned.
    #[error("jump to misaligned address 0x{target:08x} (from pc 0x{from:08x})")]
    MisalignedPc {
        /// The address control was transferred to.
        target: u32,
        /// The instruction that transferred control.
        from: u32,
    },
    /// A load or store at an address not a multiple of its size.
    #[error("misaligned {size}-byte access at 0x{addr:08x} (pc 0x{pc:08x}); keel requires natural alignment")]
    MisalignedAccess {
        /// The instruction.
        pc: u32,
        /// The accessed address.
        addr: u32,
        /// Access size in bytes.
        size: u32,
    },
    /// A load or store outside every loaded segment.
    #[error("access to unmapped memory at 0x{addr:08x} (pc 0x{pc:08x})")]
    UnmappedAccess {
        /// The instruction.
        pc: u32,
        /// The accessed address.
        addr: u32,
    },
    /// A store into a read-only (code or read-only data) segment.
    #[error("store to read-only memory at 0x{addr:08x} (pc 0x{pc:08x})")]
    ReadOnlyWrite {
        /// The instruction.
        pc: u32,
        /// The accessed address.
        addr: u32,
    },
    /// `ecall` with a number keel does not know.
    #[error("unknown syscall {number} (0x{number:08x}) at pc 0x{pc:08x}")]
    UnknownSyscall {
        /// The `ecall`.
        pc: u32,
        /// The value of `a7`.
        number: u32,
    },
    /// A syscall's arguments are invalid.
    #[error("bad {name} syscall at pc 0x{pc:08x}: {reason}")]
    BadSyscall {
        /// The `ecall`.
        pc: u32,
        /// Syscall name.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The guest committed public values and then ended with plain `exit`, which carries no digest.
    #[error("guest committed {committed} bytes of public values, then called exit instead of halt (no digest binds them)")]
    CommitWithoutHalt {
        /// Number of committed bytes.
        committed: usize,
    },
    /// The digest passed to `halt` is not the SHA-256 of the committed bytes.
    #[error(
        "halt digest {claimed} does not match sha256 of the {committed} committed bytes ({actual})"
    )]
    DigestMismatch {
        /// Hex of the digest the guest passed.
        claimed: String,
        /// Hex of the digest of the committed bytes.
        actual: String,
        /// Number of committed bytes.
        committed: usize,
    },
    /// The cycle limit was reached before the guest halted.
    #[error("cycle limit of {limit} reached at pc 0x{pc:08x} without halting (raise it with --max-cycles)")]
    CycleLimit {
        /// The limit.
        limit: u64,
        /// The next instruction to execute.
        pc: u32,
    },
}
