//! Building small ELF files in memory, for tests and generated programs: one read-only code
//! segment and optional writable data segments, with no sections or symbols.

use keel_isa::Instruction;

/// One `PT_LOAD` segment to emit.
#[derive(Clone, Debug)]
pub struct RawSegment {
    /// Load address.
    pub vaddr: u32,
    /// Initialised bytes.
    pub data: Vec<u8>,
    /// Memory size (≥ `data.len()`).
    pub mem_size: u32,
    /// `p_flags` (1 = X, 2 = W, 4 = R).
    pub flags: u32,
}

/// Assembles `code` into an ELF whose single code segment starts at `code_addr` (also the entry
/// point), followed by `data` segments.
///
/// # Panics
/// If an instruction cannot be encoded: callers build programs from known-good instructions.
pub fn elf_from_instructions(code_addr: u32, code: &[Instruction], data: &[RawSegment]) -> Vec<u8> {
    let bytes: Vec<u8> = code
        .iter()
        .flat_map(|inst| {
            inst.encode()
                .expect("test program instruction")
                .to_le_bytes()
        })
        .collect();
    let mut segments = vec![RawSegment {
        vaddr: code_addr,
        mem_size: bytes.len() as u32,
        data: bytes,
        flags: 5,
    }];
    segments.extend_from_slice(data);
    write_elf(code_addr, &segments)
}

/// Writes an ELF32 little-endian RISC-V executable with the given segments (file contents laid
/// out after the program-header table, in order).
pub fn write_elf(entry: u32, segments: &[RawSegment]) -> Vec<u8> {
    let phoff = 52u32;
    let headers_end = phoff + 32 * segments.len() as u32;
    // File offsets are congruent to addresses modulo the page size, as mmap-based loaders
    // (qemu-user's among them) require.
    let mut offsets = Vec::with_capacity(segments.len());
    let mut offset = headers_end;
    for segment in segments {
        offset += (segment.vaddr.wrapping_sub(offset)) % 4096;
        offsets.push(offset);
        offset += segment.data.len() as u32;
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"\x7fELF");
    out.extend_from_slice(&[1, 1, 1, 0]); // ELFCLASS32, little-endian, version 1, SysV ABI
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    out.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    out.extend_from_slice(&1u32.to_le_bytes()); // e_version
    out.extend_from_slice(&entry.to_le_bytes());
    out.extend_from_slice(&phoff.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // e_shoff
    out.extend_from_slice(&0u32.to_le_bytes()); // e_flags: soft-float, no RVC
    out.extend_from_slice(&52u16.to_le_bytes()); // e_ehsize
    out.extend_from_slice(&32u16.to_le_bytes()); // e_phentsize
    out.extend_from_slice(&(segments.len() as u16).to_le_bytes());
    out.extend_from_slice(&40u16.to_le_bytes()); // e_shentsize
    out.extend_from_slice(&[0; 4]); // e_shnum, e_shstrndx
    for (segment, &offset) in segments.iter().zip(&offsets) {
        for field in [
            1, // PT_LOAD
            offset,
            segment.vaddr,
            segment.vaddr,
            segment.data.len() as u32,
            segment.mem_size,
            segment.flags,
            4096,
        ] {
            out.extend_from_slice(&field.to_le_bytes());
        }
    }
    for (segment, &offset) in segments.iter().zip(&offsets) {
        out.resize(offset as usize, 0);
        out.extend_from_slice(&segment.data);
    }
    out
}

/// A small deterministic generator (SplitMix64), so generated programs depend only on a seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform value in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A 32-bit value biased towards the edge cases of RV32 arithmetic.
    pub fn interesting_u32(&mut self) -> u32 {
        const EDGES: [u32; 10] = [
            0,
            1,
            2,
            31,
            32,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0xffff_fffe,
            0x8000_0001,
        ];
        match self.below(4) {
            0 => EDGES[self.below(EDGES.len() as u64) as usize],
            1 => self.below(64) as u32,
            _ => self.next_u64() as u32,
        }
    }
}

/// Layout of the programs [`random_program`] generates.
pub mod random_layout {
    /// Code address (and entry point).
    pub const CODE: u32 = 0x0001_0000;
    /// Data buffer address, held in x31 throughout.
    pub const DATA: u32 = 0x0002_0000;
    /// Bytes of the data buffer that random loads and stores touch.
    pub const SCRATCH_BYTES: u32 = 1024;
    /// Offset of the register dump (x1..x31) in the data buffer.
    pub const DUMP_OFFSET: u32 = SCRATCH_BYTES;
    /// Bytes the program writes to stdout before exiting: scratch area then register dump.
    pub const OUTPUT_BYTES: u32 = SCRATCH_BYTES + 31 * 4;
}

/// Generates a random terminating RV32IM program as an ELF, for differential testing against
/// another implementation (qemu-riscv32).
///
/// The program loads random (edge-biased) values into x1..x30, runs `body_len` random
/// instructions — every RV32IM ALU/M operation, LUI/AUIPC, aligned loads and stores of every
/// width into a 1 KiB scratch buffer, forward branches of every kind, JAL and JALR (sometimes
/// with an odd offset, exercising JALR's bit-0 clearing) — then stores x1..x31 after the
/// scratch buffer, writes scratch + dump to stdout with `write`, and exits with the low 7 bits
/// of x5. Branches only go forward, so the program always terminates.
pub fn random_program(seed: u64, body_len: usize) -> Vec<u8> {
    use keel_isa::encode::asm::{addi, ecall, inst, li};
    use keel_isa::Opcode::{self, *};
    use random_layout::*;

    let mut rng = SplitMix64::new(seed);
    let mut code: Vec<Instruction> = Vec::new();
    const BASE: u8 = 31;
    code.extend(li(BASE, DATA));
    for r in 1..=30 {
        code.extend(li(r, rng.interesting_u32()));
    }
    // Body: jumps are generated as (index, skip) and patched once lengths are known.
    const R_OPS: [Opcode; 18] = [
        Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And, Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem,
        Remu,
    ];
    const I_OPS: [Opcode; 6] = [Addi, Slti, Sltiu, Xori, Ori, Andi];
    const SHIFT_OPS: [Opcode; 3] = [Slli, Srli, Srai];
    const BRANCHES: [Opcode; 6] = [Beq, Bne, Blt, Bge, Bltu, Bgeu];
    const LOADS: [(Opcode, u32); 5] = [(Lb, 1), (Lbu, 1), (Lh, 2), (Lhu, 2), (Lw, 4)];
    const STORES: [(Opcode, u32); 3] = [(Sb, 1), (Sh, 2), (Sw, 4)];
    let body_start = code.len();
    let body_end = body_start + body_len;
    let pick = |rng: &mut SplitMix64, ops: &[Opcode]| ops[rng.below(ops.len() as u64) as usize];
    // Destinations: mostly x1..x30, sometimes x0 (writes must be discarded); never the base.
    let dest = |rng: &mut SplitMix64| {
        if rng.below(16) == 0 {
            0
        } else {
            1 + rng.below(30) as u8
        }
    };
    let src = |rng: &mut SplitMix64| rng.below(32) as u8;
    // Forward jumps as (index, target index), patched at the end; a jump must not land between
    // an AUIPC and the JALR that uses its result, so such targets move past the JALR.
    let mut jumps: Vec<(usize, usize)> = Vec::new();
    let mut jalrs: Vec<usize> = Vec::new();
    while code.len() < body_end {
        let here = code.len();
        let room = (body_end - here) as u64; // instructions left, this one included
        let skip = |rng: &mut SplitMix64, used: u64| {
            rng.below(room.saturating_sub(used).min(8) + 1) as i32
        };
        match rng.below(20) {
            0..=6 => code.push(inst(
                pick(&mut rng, &R_OPS),
                dest(&mut rng),
                src(&mut rng),
                src(&mut rng),
                0,
            )),
            7..=8 => {
                let imm = (rng.next_u64() as i32) >> 20;
                code.push(inst(
                    pick(&mut rng, &I_OPS),
                    dest(&mut rng),
                    src(&mut rng),
                    0,
                    imm,
                ));
            }
            9 => code.push(inst(
                pick(&mut rng, &SHIFT_OPS),
                dest(&mut rng),
                src(&mut rng),
                0,
                rng.below(32) as i32,
            )),
            10 => {
                let op = if rng.below(2) == 0 { Lui } else { Auipc };
                code.push(inst(
                    op,
                    dest(&mut rng),
                    0,
                    0,
                    (rng.next_u64() as i32) & !0xfff,
                ));
            }
            11..=12 => {
                let (op, size) = LOADS[rng.below(5) as usize];
                let offset = (rng.below((SCRATCH_BYTES / size) as u64) as u32 * size) as i32;
                code.push(inst(op, dest(&mut rng), BASE, 0, offset));
            }
            13..=14 => {
                let (op, size) = STORES[rng.below(3) as usize];
                let offset = (rng.below((SCRATCH_BYTES / size) as u64) as u32 * size) as i32;
                code.push(inst(op, 0, BASE, src(&mut rng), offset));
            }
            15..=17 => {
                // Skip k instructions forward (k = 0 is a branch to the next instruction).
                let k = skip(&mut rng, 1);
                jumps.push((here, here + 1 + k as usize));
                code.push(inst(
                    pick(&mut rng, &BRANCHES),
                    0,
                    src(&mut rng),
                    src(&mut rng),
                    0,
                ));
            }
            18 => {
                let k = skip(&mut rng, 1);
                jumps.push((here, here + 1 + k as usize));
                code.push(inst(Jal, dest(&mut rng), 0, 0, 0));
            }
            _ if room >= 2 => {
                // auipc t, 0 ; jalr rd, t, 8 + 4k (+1: bit 0 is cleared by JALR)
                let k = skip(&mut rng, 2);
                let t = 1 + rng.below(30) as u8;
                let odd = rng.below(2) as i32;
                code.push(inst(Auipc, t, 0, 0, 0));
                code.push(inst(Jalr, dest(&mut rng), t, 0, odd));
                jalrs.push(here + 1);
                jumps.push((here + 1, here + 2 + k as usize));
            }
            _ => code.push(addi(0, 0, 0)),
        }
    }
    for (at, mut target) in jumps {
        if jalrs.contains(&target) {
            target += 1;
        }
        if code[at].opcode == Jalr {
            // relative to the AUIPC before it; keeps the odd bit JALR must clear
            code[at].imm += 4 * (target - (at - 1)) as i32;
        } else {
            code[at].imm = 4 * (target - at) as i32;
        }
    }
    // Epilogue: dump registers, write scratch + dump to stdout, exit with x5's low 7 bits.
    for r in 1..=31u8 {
        code.push(inst(
            Sw,
            0,
            BASE,
            r,
            (DUMP_OFFSET + 4 * (r as u32 - 1)) as i32,
        ));
    }
    code.push(inst(Andi, 5, 5, 0, 0x7f));
    code.extend(li(10, 1));
    code.push(addi(11, BASE, 0));
    code.extend(li(12, OUTPUT_BYTES));
    code.extend(li(17, keel_isa::abi::SYS_WRITE));
    code.push(ecall());
    code.push(addi(10, 5, 0));
    code.extend(li(17, keel_isa::abi::SYS_EXIT));
    code.push(ecall());

    let initial: Vec<u8> = (0..SCRATCH_BYTES).map(|_| rng.next_u64() as u8).collect();
    let data = RawSegment {
        vaddr: DATA,
        mem_size: 4096,
        data: initial,
        flags: 6,
    };
    elf_from_instructions(CODE, &code, &[data])
}

/// The directory of the self-checking assembly programs (`tests/asm`, one per instruction
/// group; see its README).
pub fn asm_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/asm")
}

/// Assembles `source` (with `tests/asm/test_macros.h` and its linker script) into the ELF
/// `out` with the distro's `riscv64-unknown-elf-gcc` (installed by `scripts/install.sh`).
pub fn assemble(source: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    let dir = asm_dir();
    let status = std::process::Command::new("riscv64-unknown-elf-gcc")
        .args([
            "-march=rv32im",
            "-mabi=ilp32",
            "-nostdlib",
            "-nostartfiles",
            "-static",
            "-I",
        ])
        .arg(&dir)
        .arg("-T")
        .arg(dir.join("link.ld"))
        .arg("-o")
        .arg(out)
        .arg(source)
        .status()
        .map_err(|e| {
            format!("riscv64-unknown-elf-gcc not runnable ({e}): run scripts/install.sh")
        })?;
    if !status.success() {
        return Err(format!("assembling {} failed", source.display()));
    }
    Ok(())
}

/// Assembles every self-checking program into `out_dir`: `(name, ELF path)`, sorted by name.
pub fn assemble_asm_programs(
    out_dir: &std::path::Path,
) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let mut sources: Vec<std::path::PathBuf> = std::fs::read_dir(asm_dir())
        .map_err(|e| format!("{}: {e}", asm_dir().display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "S"))
        .collect();
    sources.sort();
    sources
        .iter()
        .map(|source| {
            let name = source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let elf = out_dir.join(format!("{name}.elf"));
            assemble(source, &elf)?;
            Ok((name, elf))
        })
        .collect()
}
