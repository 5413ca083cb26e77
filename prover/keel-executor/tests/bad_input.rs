//! Malformed ELFs and misbehaving programs end in a clear error, never a panic.

use keel_executor::testing::{elf_from_instructions, random_program, write_elf, RawSegment};
use keel_executor::{run, run_recorded, ElfError, ExecError, Input, Program, RunOptions};
use keel_isa::abi::{SYS_COMMIT, SYS_EXIT, SYS_HALT, SYS_INPUT_LEN, SYS_INPUT_READ, SYS_WRITE};
use keel_isa::encode::asm::{addi, ecall, inst, li};
use keel_isa::{Instruction, Opcode};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const CODE: u32 = 0x1_0000;
const DATA: u32 = 0x2_0000;

fn data_segment(bytes: &[u8]) -> RawSegment {
    RawSegment {
        vaddr: DATA,
        data: bytes.to_vec(),
        mem_size: 4096,
        flags: 6,
    }
}

fn program(code: &[Instruction]) -> Program {
    Program::from_elf(&elf_from_instructions(CODE, code, &[data_segment(&[])])).unwrap()
}

fn run_code(code: &[Instruction]) -> Result<keel_executor::RunResult, ExecError> {
    run(&program(code), Input::new(), &RunOptions::default())
}

/// `li a7, number; ecall`
fn syscall(number: u32) -> Vec<Instruction> {
    let mut v = li(17, number).to_vec();
    v.push(ecall());
    v
}

fn exit(code: u32) -> Vec<Instruction> {
    let mut v = li(10, code).to_vec();
    v.extend(syscall(SYS_EXIT));
    v
}

fn valid_elf() -> Vec<u8> {
    random_program(7, 40)
}

#[test]
fn rejects_truncated_elf_at_every_length() {
    let elf = valid_elf();
    for len in 0..elf.len() {
        match Program::from_elf(&elf[..len]) {
            Err(ElfError::Truncated { .. }) => {}
            other => panic!("length {len}: expected a truncation error, got {other:?}"),
        }
    }
    assert!(Program::from_elf(&elf).is_ok());
}

#[test]
fn rejects_64_bit_big_endian_and_foreign_elfs() {
    let elf = valid_elf();
    let patched = |offset: usize, bytes: &[u8]| {
        let mut e = elf.clone();
        e[offset..offset + bytes.len()].copy_from_slice(bytes);
        Program::from_elf(&e)
    };
    assert_eq!(patched(0, b"\x7fELG"), Err(ElfError::BadMagic));
    assert_eq!(patched(4, &[2]), Err(ElfError::Not32Bit(2)));
    assert_eq!(patched(5, &[2]), Err(ElfError::NotLittleEndian));
    assert_eq!(
        patched(18, &62u16.to_le_bytes()),
        Err(ElfError::WrongMachine(62))
    );
    assert_eq!(
        patched(16, &1u16.to_le_bytes()),
        Err(ElfError::NotExecutable(1))
    );
    assert!(matches!(
        patched(36, &1u32.to_le_bytes()),
        Err(ElfError::UnsupportedFlags(1, _))
    ));
    assert!(matches!(
        patched(36, &4u32.to_le_bytes()),
        Err(ElfError::UnsupportedFlags(4, _))
    ));
    let message = patched(4, &[2]).unwrap_err().to_string();
    assert!(message.contains("64-bit"), "{message}");
}

#[test]
fn rejects_bad_segment_layouts() {
    let code = RawSegment {
        vaddr: CODE,
        data: inst(Opcode::Jal, 0, 0, 0, 0)
            .encode()
            .unwrap()
            .to_le_bytes()
            .to_vec(),
        mem_size: 4,
        flags: 5,
    };
    let with = |extra: RawSegment| Program::from_elf(&write_elf(CODE, &[code.clone(), extra]));
    let overlapping = RawSegment {
        vaddr: CODE,
        data: vec![],
        mem_size: 8,
        flags: 6,
    };
    assert!(matches!(
        with(overlapping),
        Err(ElfError::OverlappingSegments { .. })
    ));
    let sharing_page = RawSegment {
        vaddr: CODE + 8,
        data: vec![],
        mem_size: 8,
        flags: 6,
    };
    assert!(matches!(
        with(sharing_page),
        Err(ElfError::SharedCodePage { .. })
    ));
    let past_end = RawSegment {
        vaddr: 0xffff_f000,
        data: vec![],
        mem_size: 0x2000,
        flags: 6,
    };
    assert!(matches!(
        with(past_end),
        Err(ElfError::SegmentOutOfAddressSpace { .. })
    ));
    let rwx = RawSegment {
        vaddr: DATA,
        data: vec![],
        mem_size: 8,
        flags: 7,
    };
    assert_eq!(with(rwx), Err(ElfError::WritableCode(1)));
    let file_too_big = RawSegment {
        vaddr: DATA,
        data: vec![1; 16],
        mem_size: 8,
        flags: 6,
    };
    assert!(matches!(
        with(file_too_big),
        Err(ElfError::FileSizeExceedsMemSize { .. })
    ));

    assert_eq!(
        Program::from_elf(&write_elf(DATA, &[code.clone(), data_segment(&[0; 8])])),
        Err(ElfError::EntryOutsideCode(DATA))
    );
    assert_eq!(
        Program::from_elf(&write_elf(CODE + 2, std::slice::from_ref(&code))),
        Err(ElfError::UnalignedEntry(CODE + 2))
    );
    assert_eq!(
        Program::from_elf(&write_elf(CODE, &[])),
        Err(ElfError::NoSegments)
    );
}

#[test]
fn jump_to_unmapped_memory_names_both_addresses() {
    let mut code = li(5, 0x5000_0000).to_vec();
    code.push(inst(Opcode::Jalr, 0, 5, 0, 0));
    let err = run_code(&code).unwrap_err();
    assert_eq!(
        err,
        ExecError::PcOutsideCode {
            target: 0x5000_0000,
            from: CODE + 8
        }
    );
    assert!(err.to_string().contains("0x50000000"), "{err}");
}

#[test]
fn jump_into_data_is_not_execution() {
    // Data pages are mapped but never executable.
    let mut code = li(5, DATA).to_vec();
    code.push(inst(Opcode::Jalr, 0, 5, 0, 0));
    assert!(matches!(
        run_code(&code),
        Err(ExecError::PcOutsideCode { target: DATA, .. })
    ));
}

#[test]
fn memory_faults_name_the_pc() {
    let mut load = li(5, 0x7000_0000).to_vec();
    load.push(inst(Opcode::Lw, 6, 5, 0, 0));
    assert_eq!(
        run_code(&load),
        Err(ExecError::UnmappedAccess {
            pc: CODE + 8,
            addr: 0x7000_0000
        })
    );

    let mut store_code = li(5, CODE).to_vec();
    store_code.push(inst(Opcode::Sw, 0, 5, 0, 0));
    assert_eq!(
        run_code(&store_code),
        Err(ExecError::ReadOnlyWrite {
            pc: CODE + 8,
            addr: CODE
        })
    );

    let mut misaligned = li(5, DATA + 2).to_vec();
    misaligned.push(inst(Opcode::Lw, 6, 5, 0, 0));
    assert_eq!(
        run_code(&misaligned),
        Err(ExecError::MisalignedAccess {
            pc: CODE + 8,
            addr: DATA + 2,
            size: 4
        })
    );
}

#[test]
fn illegal_instruction_and_ebreak_name_the_pc() {
    let elf = {
        let mut e = elf_from_instructions(CODE, &[addi(0, 0, 0), addi(0, 0, 0)], &[]);
        // Overwrite the second instruction with `unimp` (0xc0001073, a CSR access).
        let at = e.len() - 4;
        e[at..].copy_from_slice(&0xc000_1073u32.to_le_bytes());
        e
    };
    let err = run(
        &Program::from_elf(&elf).unwrap(),
        Input::new(),
        &RunOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ExecError::IllegalInstruction {
            pc: CODE + 4,
            word: 0xc000_1073
        }
    );
    assert_eq!(
        run_code(&[inst(Opcode::Ebreak, 0, 0, 0, 0)]),
        Err(ExecError::Breakpoint { pc: CODE })
    );
}

#[test]
fn misaligned_jump_target_is_an_error() {
    // jal to pc + 2: legal encoding, but keel has no compressed instructions.
    assert_eq!(
        run_code(&[inst(Opcode::Jal, 0, 0, 0, 2)]),
        Err(ExecError::MisalignedPc {
            target: CODE + 2,
            from: CODE
        })
    );
}

#[test]
fn cycle_limit_stops_an_infinite_loop() {
    let options = RunOptions { max_cycles: 1000 };
    let err = run(
        &program(&[inst(Opcode::Jal, 0, 0, 0, 0)]),
        Input::new(),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ExecError::CycleLimit {
            limit: 1000,
            pc: CODE
        }
    );
    assert!(err.to_string().contains("--max-cycles"));
}

#[test]
fn unknown_syscall_and_bad_fd_are_errors() {
    assert!(matches!(
        run_code(&syscall(0x4b45_00ff)),
        Err(ExecError::UnknownSyscall {
            number: 0x4b45_00ff,
            ..
        })
    ));
    let mut code = li(10, 3).to_vec();
    code.extend(syscall(SYS_WRITE));
    assert!(matches!(
        run_code(&code),
        Err(ExecError::BadSyscall { name: "write", .. })
    ));
}

/// `commit(DATA, 4)`, then `halt(7, DATA + 64)` with the 32 bytes at DATA + 64 as the digest.
fn commit_then_halt() -> Vec<Instruction> {
    let mut code = li(10, DATA).to_vec();
    code.extend(li(11, 4));
    code.extend(syscall(SYS_COMMIT));
    code.extend(li(10, 7));
    code.extend(li(11, DATA + 64));
    code.extend(syscall(SYS_HALT));
    code
}

fn data_with_digest(digest: [u8; 32]) -> Vec<u8> {
    let mut data = vec![0u8; 96];
    data[..4].copy_from_slice(b"keel");
    data[64..96].copy_from_slice(&digest);
    data
}

#[test]
fn halt_binds_the_digest_of_committed_bytes() {
    let digest: [u8; 32] = Sha256::digest(b"keel").into();
    let elf = elf_from_instructions(
        CODE,
        &commit_then_halt(),
        &[data_segment(&data_with_digest(digest))],
    );
    let result = run(
        &Program::from_elf(&elf).unwrap(),
        Input::new(),
        &RunOptions::default(),
    )
    .unwrap();
    assert_eq!(result.public_values, b"keel");
    assert_eq!(result.public_values_digest, digest);
    assert_eq!(result.exit_code, 7);

    let mut wrong = digest;
    wrong[31] ^= 1;
    let elf = elf_from_instructions(
        CODE,
        &commit_then_halt(),
        &[data_segment(&data_with_digest(wrong))],
    );
    let err = run(
        &Program::from_elf(&elf).unwrap(),
        Input::new(),
        &RunOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ExecError::DigestMismatch { committed: 4, .. }),
        "{err}"
    );
}

#[test]
fn exit_after_commit_is_rejected() {
    let mut code = li(10, DATA).to_vec();
    code.extend(li(11, 4));
    code.extend(syscall(SYS_COMMIT));
    code.extend(exit(0));
    assert_eq!(
        run_code(&code),
        Err(ExecError::CommitWithoutHalt { committed: 4 })
    );
}

#[test]
fn input_frames_are_read_in_order_and_recorded() {
    // len = input_len(); input_read(DATA, len); write(1, DATA, len); then the same for frame 2;
    // then input_len() must say "no more input" (0xffffffff), which becomes the exit code.
    let mut code = Vec::new();
    for _ in 0..2 {
        code.extend(syscall(SYS_INPUT_LEN));
        code.push(addi(12, 10, 0)); // a2 = len
        code.extend(li(10, DATA));
        code.push(addi(11, 12, 0)); // a1 = len
        code.extend(syscall(SYS_INPUT_READ));
        code.extend(li(10, 1));
        code.extend(li(11, DATA));
        code.extend(syscall(SYS_WRITE));
    }
    code.extend(syscall(SYS_INPUT_LEN));
    code.extend(syscall(SYS_EXIT));
    let mut input = Input::new();
    input
        .write_bytes(b"hello ".to_vec())
        .write_bytes(b"world".to_vec());
    let (result, record) = run_recorded(&program(&code), input, &RunOptions::default()).unwrap();
    assert_eq!(result.stdout, b"hello world");
    assert_eq!(result.exit_code, u32::MAX);
    assert_eq!(record.steps.len() as u64, result.cycles);
    let reads: Vec<&[u8]> = record
        .syscalls
        .iter()
        .filter(|s| s.number == SYS_INPUT_READ)
        .map(|s| s.bytes.as_slice())
        .collect();
    assert_eq!(reads, [b"hello ".as_slice(), b"world"]);
}

#[test]
fn reading_past_the_input_or_with_a_wrong_length_is_an_error() {
    let mut code = li(10, DATA).to_vec();
    code.extend(li(11, 3));
    code.extend(syscall(SYS_INPUT_READ));
    let err = run(&program(&code), Input::new(), &RunOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ExecError::BadSyscall {
                name: "input_read",
                ..
            }
        ),
        "{err}"
    );
    let mut input = Input::new();
    input.write_bytes(vec![1, 2]);
    let err = run(&program(&code), input, &RunOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("asked for 3 bytes, the next frame has 2"),
        "{err}"
    );
}

#[test]
fn recording_mode_matches_fast_mode() {
    for seed in 0..20 {
        let program = Program::from_elf(&random_program(seed, 200)).unwrap();
        let fast = run(&program, Input::new(), &RunOptions::default()).unwrap();
        let (recorded, record) =
            run_recorded(&program, Input::new(), &RunOptions::default()).unwrap();
        assert_eq!(fast, recorded);
        assert_eq!(record.steps.len() as u64, fast.cycles);
        assert_eq!(record.steps[0].pc, program.entry);
        // x0 is never recorded as written.
        for step in &record.steps {
            let word = u32::from_le_bytes(
                program.segments[0].data[(step.pc - CODE) as usize..][..4]
                    .try_into()
                    .unwrap(),
            );
            if keel_isa::decode(word).unwrap().rd == 0 {
                assert_eq!(step.rd_value, 0);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Random byte mutations of a valid ELF: loading and (bounded) running return errors, never panic.
    #[test]
    fn mutated_elfs_never_panic(
        mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut elf = valid_elf();
        for (at, byte) in mutations {
            let i = at.index(elf.len());
            elf[i] = byte;
        }
        if truncate {
            elf.truncate(cut.index(elf.len()));
        }
        if let Ok(program) = Program::from_elf(&elf) {
            let _ = run(&program, Input::new(), &RunOptions { max_cycles: 10_000 });
        }
    }
}

#[test]
fn empty_input_frame_and_empty_commit_accept_a_dangling_pointer() {
    // Rust passes the address 1 (a dangling, aligned pointer) for empty buffers.
    let mut code = li(10, 1).to_vec();
    code.extend(li(11, 0));
    code.extend(syscall(SYS_INPUT_READ));
    code.extend(li(10, 1));
    code.extend(li(11, 0));
    code.extend(syscall(SYS_COMMIT));
    code.extend(exit(0));
    let mut input = Input::new();
    input.write_bytes(Vec::new());
    let result = run(&program(&code), input, &RunOptions::default()).unwrap();
    assert_eq!(result.exit_code, 0);
}
