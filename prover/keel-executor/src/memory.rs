//! Sparse paged memory over the 32-bit address space.
//!
//! Memory is word-addressed internally (the STARK's memory argument works on words). A page
//! table with one `u32` entry per 4 KiB page says whether the page is unmapped (any access
//! faults), mapped but never written (reads as zero, no storage), or backed by a page of words.
//! Mapping follows the ELF segments: code and read-only data pages reject stores.

use crate::elf::Program;
use keel_isa::abi::PAGE_SIZE;

const WORDS_PER_PAGE: usize = (PAGE_SIZE / 4) as usize;
const PAGE_SHIFT: u32 = PAGE_SIZE.trailing_zeros();
const NUM_PAGES: usize = 1 << (32 - PAGE_SHIFT);

/// Page-table entry: no mapping.
const UNMAPPED: u32 = 0;
/// Page-table entry: mapped, all zero, no storage yet.
const ZERO_PAGE: u32 = 1;
/// Page-table flag: stores are allowed.
const WRITABLE: u32 = 1 << 31;
/// Page-table entries `>= FIRST_BACKED` (after masking WRITABLE) index `pages` at `entry - 2`.
const FIRST_BACKED: u32 = 2;

/// Why a memory access failed; the executor adds the pc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No segment maps the address.
    Unmapped(u32),
    /// The address is in a read-only segment.
    ReadOnly(u32),
}

type Page = Box<[u32; WORDS_PER_PAGE]>;

/// A run of consecutive mapped pages with one permission: byte addresses `[start, end)`, both
/// page-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MappedRange {
    /// First byte address.
    pub start: u32,
    /// One past the last byte address (up to 2^32).
    pub end: u64,
    /// Stores are allowed.
    pub writable: bool,
}

/// The memory map of `program`, as [`Memory::new`] maps it: every page a loadable segment
/// touches is mapped, writable if a writable segment touches it; maximal runs of pages with the
/// same permission, sorted by address. Everything else is unmapped.
pub fn mapped_ranges(program: &Program) -> Vec<MappedRange> {
    let mut pages: std::collections::BTreeMap<u32, bool> = std::collections::BTreeMap::new();
    for segment in &program.segments {
        if segment.mem_size == 0 {
            continue;
        }
        let first = segment.vaddr >> PAGE_SHIFT;
        let last = ((segment.end() - 1) >> PAGE_SHIFT) as u32;
        for page in first..=last {
            *pages.entry(page).or_insert(false) |= segment.writable;
        }
    }
    let mut ranges: Vec<MappedRange> = Vec::new();
    for (page, writable) in pages {
        let start = page << PAGE_SHIFT;
        let end = u64::from(start) + u64::from(PAGE_SIZE);
        match ranges.last_mut() {
            Some(last) if last.end == u64::from(start) && last.writable == writable => {
                last.end = end
            }
            _ => ranges.push(MappedRange {
                start,
                end,
                writable,
            }),
        }
    }
    ranges
}

/// The guest's memory.
#[derive(Clone)]
pub struct Memory {
    table: Vec<u32>,
    pages: Vec<Page>,
}

impl Memory {
    /// Memory holding `program`'s initial image: every page a segment touches is mapped (code and
    /// read-only pages without [`WRITABLE`]), the initialised bytes are copied in.
    pub fn new(program: &Program) -> Memory {
        let mut memory = Memory {
            table: vec![UNMAPPED; NUM_PAGES],
            pages: Vec::new(),
        };
        for range in mapped_ranges(program) {
            let entry = if range.writable {
                ZERO_PAGE | WRITABLE
            } else {
                ZERO_PAGE
            };
            let pages = (range.start >> PAGE_SHIFT) as usize..(range.end >> PAGE_SHIFT) as usize;
            memory.table[pages].fill(entry);
        }
        for segment in &program.segments {
            for (i, &byte) in segment.data.iter().enumerate() {
                if byte != 0 {
                    memory.poke_byte(segment.vaddr + i as u32, byte);
                }
            }
        }
        memory
    }

    /// Writes a byte ignoring permissions (image loading only). The page must be mapped.
    fn poke_byte(&mut self, addr: u32, byte: u8) {
        let slot = self.backed_page(addr);
        let word = &mut self.pages[slot][((addr >> 2) as usize) % WORDS_PER_PAGE];
        let shift = (addr & 3) * 8;
        *word = (*word & !(0xff << shift)) | ((byte as u32) << shift);
    }

    /// Index into `pages` for `addr`'s page, allocating storage for a zero page.
    fn backed_page(&mut self, addr: u32) -> usize {
        let entry = &mut self.table[(addr >> PAGE_SHIFT) as usize];
        let index = *entry & !WRITABLE;
        debug_assert!(index != UNMAPPED, "backing an unmapped page");
        if index >= FIRST_BACKED {
            return (index - FIRST_BACKED) as usize;
        }
        let slot = self.pages.len();
        self.pages.push(Box::new([0; WORDS_PER_PAGE]));
        *entry = (*entry & WRITABLE) | (slot as u32 + FIRST_BACKED);
        slot
    }

    /// Reads the aligned word containing `addr`.
    #[inline(always)]
    pub fn load_word(&self, addr: u32) -> Result<u32, Fault> {
        let index = self.table[(addr >> PAGE_SHIFT) as usize] & !WRITABLE;
        if index >= FIRST_BACKED {
            Ok(
                self.pages[(index - FIRST_BACKED) as usize]
                    [((addr >> 2) as usize) % WORDS_PER_PAGE],
            )
        } else if index == ZERO_PAGE {
            Ok(0)
        } else {
            Err(Fault::Unmapped(addr))
        }
    }

    /// Replaces the bits selected by `mask` in the aligned word containing `addr` with those of
    /// `value`, returning the word's previous value.
    #[inline(always)]
    pub fn store_word_masked(&mut self, addr: u32, value: u32, mask: u32) -> Result<u32, Fault> {
        let entry = self.table[(addr >> PAGE_SHIFT) as usize];
        if entry & WRITABLE == 0 {
            return Err(if entry == UNMAPPED {
                Fault::Unmapped(addr)
            } else {
                Fault::ReadOnly(addr)
            });
        }
        let index = entry & !WRITABLE;
        let slot = if index >= FIRST_BACKED {
            (index - FIRST_BACKED) as usize
        } else {
            self.backed_page(addr)
        };
        let word = &mut self.pages[slot][((addr >> 2) as usize) % WORDS_PER_PAGE];
        let old = *word;
        *word = (old & !mask) | (value & mask);
        Ok(old)
    }

    /// Reads `len` bytes starting at `addr` (any alignment), for syscalls.
    pub fn read_bytes(&self, addr: u32, len: u32) -> Result<Vec<u8>, Fault> {
        if addr as u64 + len as u64 > 1 << 32 {
            return Err(Fault::Unmapped(u32::MAX));
        }
        let mut out = Vec::with_capacity(len.min(1 << 20) as usize);
        for i in 0..len {
            let a = addr + i;
            out.push((self.load_word(a)? >> ((a & 3) * 8)) as u8);
        }
        Ok(out)
    }

    /// Writes `bytes` starting at `addr` (any alignment), for syscalls. Checks every page first,
    /// so a failing write changes nothing.
    pub fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> Result<(), Fault> {
        if bytes.is_empty() {
            // Touches no memory: any pointer is fine (Rust passes a dangling one for empty buffers).
            return Ok(());
        }
        let end = addr as u64 + bytes.len() as u64;
        if end > 1 << 32 {
            return Err(Fault::Unmapped(u32::MAX));
        }
        let mut page = addr as u64 >> PAGE_SHIFT;
        while page << PAGE_SHIFT < end {
            let entry = self.table[page as usize];
            let at = ((page << PAGE_SHIFT) as u32).max(addr);
            if entry == UNMAPPED {
                return Err(Fault::Unmapped(at));
            }
            if entry & WRITABLE == 0 {
                return Err(Fault::ReadOnly(at));
            }
            page += 1;
        }
        for (i, &byte) in bytes.iter().enumerate() {
            let a = addr + i as u32;
            let shift = (a & 3) * 8;
            self.store_word_masked(a, (byte as u32) << shift, 0xff << shift)?;
        }
        Ok(())
    }
}
