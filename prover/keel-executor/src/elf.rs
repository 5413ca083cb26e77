//! ELF32 loading with validation: a keel [`Program`] is the initial memory image plus entry pc.

use crate::error::ElfError;
use keel_isa::abi::PAGE_SIZE;
use serde::{Deserialize, Serialize};

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const ET_EXEC: u16 = 2;
const EM_RISCV: u16 = 243;
const EF_RISCV_RVC: u32 = 0x1;
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
const EF_RISCV_RVE: u32 = 0x8;
/// Program headers beyond this many are rejected before they drive any loop.
const MAX_PROGRAM_HEADERS: u16 = 256;

/// One loadable segment: `data` is placed at `vaddr`, and the rest of `mem_size` is zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Start address.
    pub vaddr: u32,
    /// Size in memory (≥ `data.len()`); the tail is zero-filled.
    pub mem_size: u32,
    /// Initialised bytes.
    pub data: Vec<u8>,
    /// The segment may be written (PF_W).
    pub writable: bool,
    /// The segment holds code (PF_X). Code is never writable.
    pub executable: bool,
}

impl Segment {
    /// One past the last address (as u64, so a segment ending at 2^32 is representable).
    pub fn end(&self) -> u64 {
        self.vaddr as u64 + self.mem_size as u64
    }
}

/// A validated RV32IM program: its loadable segments (the initial memory image) and entry pc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Address of the first instruction.
    pub entry: u32,
    /// Loadable segments, sorted by address, pairwise disjoint.
    pub segments: Vec<Segment>,
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn slice(&self, what: &'static str, start: u64, len: u64) -> Result<&[u8], ElfError> {
        let end = start + len;
        if end > self.bytes.len() as u64 {
            return Err(ElfError::Truncated {
                what,
                start,
                end,
                len: self.bytes.len() as u64,
            });
        }
        Ok(&self.bytes[start as usize..end as usize])
    }
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl Program {
    /// Parses and validates an ELF32 RISC-V executable.
    ///
    /// Checks, in order: magic, class (32-bit), data encoding (little-endian), machine (RISC-V),
    /// type (executable), flags (no compressed, no hardware float ABI, no RV32E), program-header
    /// table bounds, every PT_LOAD segment's file range, size and address-space bounds, that no
    /// two segments overlap, that code is not writable nor shares a page with data, and that the
    /// entry point is an aligned address inside a code segment's initialised bytes.
    pub fn from_elf(bytes: &[u8]) -> Result<Program, ElfError> {
        let r = Reader { bytes };
        let ident = r.slice("ELF identification", 0, 16)?;
        if &ident[..4] != b"\x7fELF" {
            return Err(ElfError::BadMagic);
        }
        match ident[4] {
            1 => {}
            class => return Err(ElfError::Not32Bit(class)),
        }
        if ident[5] != 1 {
            return Err(ElfError::NotLittleEndian);
        }
        let header = r.slice("ELF header", 0, 52)?;
        let e_type = u16_at(header, 16);
        let e_machine = u16_at(header, 18);
        let e_entry = u32_at(header, 24);
        let e_phoff = u32_at(header, 28);
        let e_flags = u32_at(header, 36);
        let e_phentsize = u16_at(header, 42);
        let e_phnum = u16_at(header, 44);
        if e_machine != EM_RISCV {
            return Err(ElfError::WrongMachine(e_machine));
        }
        if e_type != ET_EXEC {
            return Err(ElfError::NotExecutable(e_type));
        }
        if e_flags & EF_RISCV_RVC != 0 {
            return Err(ElfError::UnsupportedFlags(
                e_flags,
                "compressed instructions (RVC)",
            ));
        }
        if e_flags & EF_RISCV_FLOAT_ABI != 0 {
            return Err(ElfError::UnsupportedFlags(
                e_flags,
                "a hardware floating-point ABI",
            ));
        }
        if e_flags & EF_RISCV_RVE != 0 {
            return Err(ElfError::UnsupportedFlags(e_flags, "the RV32E base ISA"));
        }
        if e_phnum == 0 {
            return Err(ElfError::NoSegments);
        }
        if e_phentsize != 32 {
            return Err(ElfError::Malformed(format!(
                "program header entry size is {e_phentsize}, expected 32"
            )));
        }
        if e_phnum > MAX_PROGRAM_HEADERS {
            return Err(ElfError::Malformed(format!(
                "{e_phnum} program headers (at most {MAX_PROGRAM_HEADERS} supported)"
            )));
        }
        let table = r.slice("program header table", e_phoff as u64, e_phnum as u64 * 32)?;

        let mut segments: Vec<(usize, Segment)> = Vec::new();
        for index in 0..e_phnum as usize {
            let ph = &table[index * 32..index * 32 + 32];
            if u32_at(ph, 0) != PT_LOAD {
                continue;
            }
            let (offset, vaddr, file_size, mem_size, flags) = (
                u32_at(ph, 4),
                u32_at(ph, 8),
                u32_at(ph, 16),
                u32_at(ph, 20),
                u32_at(ph, 24),
            );
            if mem_size == 0 {
                continue;
            }
            if file_size > mem_size {
                return Err(ElfError::FileSizeExceedsMemSize {
                    index,
                    file_size,
                    mem_size,
                });
            }
            if vaddr as u64 + mem_size as u64 > 1 << 32 {
                return Err(ElfError::SegmentOutOfAddressSpace {
                    index,
                    vaddr,
                    mem_size,
                });
            }
            let data = r
                .slice("segment data", offset as u64, file_size as u64)?
                .to_vec();
            let executable = flags & PF_X != 0;
            let writable = flags & PF_W != 0;
            if executable && writable {
                return Err(ElfError::WritableCode(index));
            }
            if executable && vaddr % 4 != 0 {
                return Err(ElfError::UnalignedCode { index, vaddr });
            }
            segments.push((
                index,
                Segment {
                    vaddr,
                    mem_size,
                    data,
                    writable,
                    executable,
                },
            ));
        }
        if segments.is_empty() {
            return Err(ElfError::NoSegments);
        }
        segments.sort_by_key(|(_, s)| s.vaddr);
        for pair in segments.windows(2) {
            let ((i, a), (j, b)) = (&pair[0], &pair[1]);
            if a.end() > b.vaddr as u64 {
                return Err(ElfError::OverlappingSegments {
                    first: *i,
                    first_start: a.vaddr as u64,
                    first_end: a.end(),
                    second: *j,
                    second_start: b.vaddr as u64,
                    second_end: b.end(),
                });
            }
            // Page permissions are per page: code must not share one with anything else.
            let last_page_of_a = ((a.end() - 1) / PAGE_SIZE as u64) as u32;
            let first_page_of_b = b.vaddr / PAGE_SIZE;
            if a.executable != b.executable && last_page_of_a == first_page_of_b {
                let (code, data) = if a.executable { (*i, *j) } else { (*j, *i) };
                return Err(ElfError::SharedCodePage {
                    code,
                    data,
                    page: first_page_of_b * PAGE_SIZE,
                    page_size: PAGE_SIZE,
                });
            }
        }
        if e_entry % 4 != 0 {
            return Err(ElfError::UnalignedEntry(e_entry));
        }
        let entry_in_code = segments.iter().any(|(_, s)| {
            s.executable
                && e_entry >= s.vaddr
                && (e_entry as u64) + 4 <= s.vaddr as u64 + s.data.len() as u64
        });
        if !entry_in_code {
            return Err(ElfError::EntryOutsideCode(e_entry));
        }
        Ok(Program {
            entry: e_entry,
            segments: segments.into_iter().map(|(_, s)| s).collect(),
        })
    }
}
