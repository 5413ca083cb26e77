//! The whole machine: runs of real programs prove and verify; forged runs are rejected.

use keel_executor::{run_recorded, testing, Input, Program, RunOptions};
use keel_stark::config::{fast_config, Val};
use keel_stark::stark::{check_traces, prove, setup, verify};
use p3_lookup::Lookups;
use p3_matrix::Matrix;

use crate::trace::{generate, MachineTraces};
use crate::MachineAir;

fn traces_of(elf: &[u8]) -> MachineTraces {
    let program = Program::from_elf(elf).expect("a valid ELF");
    let (result, record) =
        run_recorded(&program, Input::new(), &RunOptions::default()).expect("the program runs");
    generate(&program, &result, &record).expect("traces")
}

fn lookups(airs: &[MachineAir]) -> Vec<Lookups<Val>> {
    airs.iter()
        .map(Lookups::from_air::<keel_stark::config::Challenge, _>)
        .collect()
}

fn check(t: &MachineTraces) -> Result<(), keel_stark::stark::StarkError> {
    check_traces(&t.airs, &t.traces, &t.public_values, &lookups(&t.airs))
}

fn prove_verify(t: &MachineTraces) -> Result<(), keel_stark::stark::StarkError> {
    let config = fast_config();
    let heights: Vec<usize> = t
        .traces
        .iter()
        .map(|m| m.height().trailing_zeros() as usize)
        .collect();
    let data = setup(&config, &t.airs, &heights)?;
    let proof = prove(&config, &t.airs, &t.traces, &t.public_values, &data)?;
    verify(&config, &t.airs, &proof, &t.public_values, &data.common)
}

#[test]
fn random_programs_check_and_prove() {
    for seed in 0..3 {
        let t = traces_of(&testing::random_program(seed, 300));
        check(&t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        if seed == 0 {
            prove_verify(&t).expect("an honest run proves and verifies");
        }
    }
}

mod api {
    use super::*;
    use crate::rv32im::{self, ProveOptions};
    use keel_stark::proof_file::{ProofFile, Statement};

    fn program(seed: u64) -> Program {
        Program::from_elf(&testing::random_program(seed, 100)).expect("a valid ELF")
    }

    fn statement(file: &mut ProofFile) -> &mut keel_stark::proof_file::RunStatement {
        match &mut file.statement {
            Statement::Rv32im(s) => s,
            _ => unreachable!("a machine proof"),
        }
    }

    #[test]
    fn proof_files_verify_and_bind_program_exit_code_and_public_values() {
        let p = program(7);
        let t0 = std::time::Instant::now();
        let id = rv32im::program_id(&p).unwrap();
        eprintln!("program id {id} in {:?}", t0.elapsed());
        let proven = rv32im::prove(&p, Input::new(), &ProveOptions::default(), |_| {}).unwrap();
        assert_eq!(proven.program_id, id);
        let file = ProofFile::from_bytes(&proven.file.to_bytes()).unwrap();
        let verified = rv32im::verify(&file).unwrap();
        assert_eq!(verified.program_id, id);
        assert_eq!(verified.exit_code, proven.result.exit_code);

        // Another exit code, or other public values: the statement no longer matches the proof.
        let mut wrong = file.clone();
        statement(&mut wrong).exit_code ^= 1;
        assert!(rv32im::verify(&wrong).is_err());
        let mut wrong = file.clone();
        statement(&mut wrong).public_values.push(0);
        assert!(rv32im::verify(&wrong).is_err());
        // ... also when the public values in the file are changed to match the claim.
        let mut wrong = file.clone();
        statement(&mut wrong).exit_code ^= 1;
        let s = statement(&mut wrong).clone();
        wrong.public_values = rv32im::expected_public_values(s.exit_code, &s.public_values);
        assert!(matches!(
            rv32im::verify(&wrong),
            Err(rv32im::MachineError::Stark(_))
        ));

        // Another program (with its own, correct id) under this proof: rejected by the STARK.
        let other = program(8);
        let other_id = rv32im::program_id(&other).unwrap();
        assert_ne!(other_id, id);
        let mut wrong = file.clone();
        statement(&mut wrong).program = postcard::to_allocvec(&other).unwrap();
        statement(&mut wrong).program_id = other_id.0;
        assert!(matches!(
            rv32im::verify(&wrong),
            Err(rv32im::MachineError::Stark(_))
        ));
        // The right program under a wrong id: rejected before the STARK.
        let mut wrong = file.clone();
        statement(&mut wrong).program_id = other_id.0;
        assert!(matches!(
            rv32im::verify(&wrong),
            Err(rv32im::MachineError::Statement(_))
        ));
    }
}

mod soundness {
    use super::*;
    use crate::cpu::{col, column_names};
    use crate::halt;
    use crate::program::InstrClass;
    use crate::trace::{generate_forged, table};
    use keel_executor::ExecutionRecord;
    use keel_isa::encode::asm::{addi, ecall, inst};
    use keel_isa::{Instruction, Opcode};
    use keel_stark::stark::StarkError;
    use p3_field::{Field, PrimeCharacteristicRing, PrimeField32};

    /// `check_traces` rejects the traces, and a proof forced through the prover (which in this
    /// profile does not check them) does not verify.
    fn assert_rejected(t: &MachineTraces, what: &str) {
        assert!(check(t).is_err(), "{what}: the trace check accepted");
        assert_forced_rejected(t, what);
    }

    fn assert_forced_rejected(t: &MachineTraces, what: &str) {
        let outcome = keel_stark::stark::quietly(|| prove_verify(t));
        match outcome {
            Ok(Ok(())) => panic!("{what}: a proof of the forged trace verified"),
            Ok(Err(StarkError::Rejected(_) | StarkError::Proving(_))) | Err(_) => {}
            Ok(Err(e)) => panic!("{what}: unexpected error {e}"),
        }
    }

    fn run(code: &[Instruction]) -> (Program, keel_executor::RunResult, ExecutionRecord) {
        let elf = testing::elf_from_instructions(0x1_0000, code, &[]);
        let program = Program::from_elf(&elf).unwrap();
        let (result, record) =
            run_recorded(&program, Input::new(), &RunOptions::default()).unwrap();
        (program, result, record)
    }

    fn exit_with_a0() -> Vec<Instruction> {
        vec![addi(17, 0, 93), ecall()]
    }

    #[test]
    fn skipped_instruction_is_rejected() {
        // a0 = 5; a0 += 1; exit(a0): exit code 6.
        let mut code = vec![addi(10, 0, 5), addi(10, 10, 1)];
        code.extend(exit_with_a0());
        let (program, result, mut record) = run(&code);
        assert_eq!(result.exit_code, 6);
        let honest = generate_forged(&program, &result, &record).unwrap();
        check(&honest).expect("the unedited record is honest");
        // Skip `a0 += 1`: everything is consistent except the pc chain, and the claim is 5.
        record.steps.remove(1);
        let forged = generate_forged(&program, &result, &record).unwrap();
        assert_eq!(
            forged.public_values[table::HALT][0],
            Val::from_u32(5),
            "the forgery claims exit code 5"
        );
        assert_rejected(&forged, "skipped instruction");
    }

    #[test]
    fn wrong_branch_target_is_rejected() {
        // a0 = 1; beq x0, x0, +8 (over the next); a0 += 10; exit(a0): exit code 1.
        let mut code = vec![
            addi(10, 0, 1),
            inst(Opcode::Beq, 0, 0, 0, 8),
            addi(10, 10, 10),
        ];
        code.extend(exit_with_a0());
        let (program, result, mut record) = run(&code);
        assert_eq!(result.exit_code, 1);
        // Fall through instead of taking the branch: claim exit code 11.
        let mut fall = record.steps[2];
        fall.pc = 0x1_0000 + 8;
        fall.rs1_value = 1;
        fall.rd_value = 11;
        record.steps.insert(2, fall);
        let forged = generate_forged(&program, &result, &record).unwrap();
        assert_eq!(forged.public_values[table::HALT][0], Val::from_u32(11));
        assert_rejected(&forged, "branch taken, next row falls through");
        // The same with the branch row claiming "not taken" (pc chain intact, TAKEN wrong).
        let mut forged = forged;
        let cpu = &mut forged.traces[table::CPU];
        let w = cpu.width;
        cpu.values[w + col::TAKEN] = Val::ZERO;
        cpu.values[w + col::NEXT_PC] = Val::from_u32(0x1_0000 + 8);
        assert_rejected(&forged, "branch claimed not taken");
    }

    #[test]
    fn wrong_mul_high_word_and_wrong_exit_claims_are_rejected() {
        // a0 = mulh(-3, 7) = -1 (high word), exit(a0 & 0xff).
        let mut code = vec![
            addi(5, 0, -3),
            addi(6, 0, 7),
            inst(Opcode::Mulh, 10, 5, 6, 0),
            inst(Opcode::Andi, 10, 10, 0, 0xff),
        ];
        code.extend(exit_with_a0());
        let (program, result, record) = run(&code);
        assert_eq!(result.exit_code, 0xff);
        let honest = generate_forged(&program, &result, &record).unwrap();
        check(&honest).unwrap();
        // MULH answered with MULHU's high word (6) in both the ALU result and rd.
        let mut forged = honest.clone();
        let w = forged.traces[table::CPU].width;
        let row = 2 * w;
        assert_eq!(
            forged.traces[table::CPU].values[row + col::FLAGS + InstrClass::AluReg.index()],
            Val::ONE
        );
        for c in [col::RES, col::RDV] {
            forged.traces[table::CPU].values[row + c] = Val::from_u32(6);
            forged.traces[table::CPU].values[row + c + 1] = Val::ZERO;
        }
        assert_rejected(&forged, "wrong MULH high word");
        // The exit code in the public values (and the halt row) changed.
        let mut forged = honest.clone();
        forged.public_values[table::HALT][0] = Val::from_u32(0xfe);
        forged.traces[table::HALT].values[halt::col::EXIT] = Val::from_u32(0xfe);
        assert_rejected(&forged, "wrong exit code");
        // A digest word changed.
        let mut forged = honest;
        forged.public_values[table::HALT][5] += Val::ONE;
        forged.traces[table::HALT].values[halt::col::DIGEST + 3] += Val::ONE;
        assert_rejected(&forged, "wrong digest");
    }

    /// Stores `a0 = 7` to a zero-initialised data page at 0x2_0000, loads it back and exits
    /// with it: the program the permission tests edit.
    fn store_load_program() -> (Program, keel_executor::RunResult, ExecutionRecord) {
        use keel_executor::testing::RawSegment;
        use keel_isa::encode::asm::li;
        let mut code = li(5, 0x2_0000).to_vec();
        code.push(addi(6, 0, 7));
        code.push(inst(Opcode::Sw, 0, 5, 6, 4));
        code.push(inst(Opcode::Lw, 10, 5, 0, 4));
        code.extend(exit_with_a0());
        let data = RawSegment {
            vaddr: 0x2_0000,
            data: Vec::new(),
            mem_size: 4096,
            flags: 6,
        };
        let elf = testing::elf_from_instructions(0x1_0000, &code, &[data]);
        let program = Program::from_elf(&elf).unwrap();
        let (result, record) =
            run_recorded(&program, Input::new(), &RunOptions::default()).unwrap();
        assert_eq!(result.exit_code, 7);
        (program, result, record)
    }

    /// The same run claimed for the program whose data page is read-only (the executor faults
    /// on its store): the store's row shows the page is not writable, and lying about it breaks
    /// the memory bus (the boundary row carries the range's permission).
    #[test]
    fn store_to_read_only_memory_is_rejected() {
        let (mut program, result, record) = store_load_program();
        let honest = generate(&program, &result, &record).unwrap();
        check(&honest).unwrap();
        program.segments[1].writable = false;
        assert!(
            run_recorded(&program, Input::new(), &RunOptions::default()).is_err(),
            "the executor faults on the store"
        );
        let forged = generate_forged(&program, &result, &record).unwrap();
        let w = forged.traces[table::CPU].width;
        let store_row = (0..record.steps.len())
            .find(|&r| {
                forged.traces[table::CPU].values[r * w + col::FLAGS + InstrClass::Sw.index()]
                    == Val::ONE
            })
            .unwrap();
        assert_eq!(
            forged.traces[table::CPU].values[store_row * w + col::MW],
            Val::ZERO
        );
        assert_rejected(&forged, "store to a read-only page");
        let mut lying = forged;
        lying.traces[table::CPU].values[store_row * w + col::MW] = Val::ONE;
        assert_rejected(&lying, "store to a read-only page claimed writable");
    }

    /// The same run claimed for the program without its data page (the executor faults on the
    /// store): no mapped range holds the key, so its boundary row's range checks fail.
    #[test]
    fn access_to_unmapped_memory_is_rejected() {
        let (mut program, result, record) = store_load_program();
        program.segments.truncate(1);
        assert!(run_recorded(&program, Input::new(), &RunOptions::default()).is_err());
        assert!(
            matches!(
                generate(&program, &result, &record),
                Err(crate::trace::TraceError::Memory(
                    crate::memory::MemoryError::Unmapped(_)
                ))
            ),
            "trace generation names the unmapped key"
        );
        let forged = generate_forged(&program, &result, &record).unwrap();
        assert_rejected(&forged, "access to an unmapped page");
    }

    /// Every column of the CPU and halt tables: single-cell changes at random active rows (and a
    /// padding row) are caught by the trace check; a sample (every column in the bench with
    /// `KEEL_MACHINE_FORCED=1`) is also proven anyway and rejected by the verifier.
    /// Reads a 7-byte frame (the last word partial) and an empty frame into a data segment and
    /// exits with the first byte read.
    fn input_program() -> (Program, keel_executor::RunResult, ExecutionRecord) {
        use keel_executor::testing::RawSegment;
        use keel_isa::abi::{SYS_INPUT_LEN, SYS_INPUT_READ};
        use keel_isa::encode::asm::li;
        const DATA: u32 = 0x2_0000;
        let mut code = Vec::new();
        for _ in 0..2 {
            code.extend(li(17, SYS_INPUT_LEN));
            code.push(ecall());
            code.push(addi(11, 10, 0));
            code.extend(li(10, DATA));
            code.extend(li(17, SYS_INPUT_READ));
            code.push(ecall());
        }
        code.extend(li(5, DATA));
        code.push(inst(Opcode::Lbu, 10, 5, 0, 0));
        code.extend(exit_with_a0());
        let data = RawSegment {
            vaddr: DATA,
            data: vec![0xaa; 8],
            mem_size: 4096,
            flags: 6,
        };
        let elf = testing::elf_from_instructions(0x1_0000, &code, &[data]);
        let program = Program::from_elf(&elf).unwrap();
        let mut input = Input::new();
        input.write_bytes(b"\x2akeel!!".to_vec());
        input.write_bytes(Vec::new());
        let (result, record) = run_recorded(&program, input, &RunOptions::default()).unwrap();
        assert_eq!(result.exit_code, 0x2a);
        (program, result, record)
    }

    #[test]
    fn input_reads_prove_and_their_placement_is_bound() {
        let (program, result, record) = input_program();
        let honest = crate::trace::generate(&program, &result, &record).unwrap();
        assert_eq!(
            honest.traces[table::INPUT].values[crate::input::col::NW],
            Val::TWO
        );
        check(&honest).unwrap();
        prove_verify(&honest).unwrap();
        // A byte past the frame's end (the 8th, in the partial last word) overwritten.
        let mut forged = honest.clone();
        let w = crate::input::INPUT_WIDTH;
        forged.traces[table::INPUT].values[w + crate::input::col::N + 3] = Val::from_u32(0x55);
        assert_rejected(&forged, "a byte past the frame overwritten");
    }

    /// Moves one lookup of `value` in the 16-bit range table's multiplicities by `delta`, so a
    /// forgery stays balanced everywhere but in the constraint it targets.
    fn move_range_count(t: &mut MachineTraces, value: u32, delta: i32) {
        let cell = &mut t.traces[table::RANGE16].values[value as usize * 2];
        if delta >= 0 {
            *cell += Val::from_u32(delta as u32);
        } else {
            *cell -= Val::from_u32(delta.unsigned_abs());
        }
    }

    fn cpu_row(t: &MachineTraces, class: InstrClass, nth: usize) -> usize {
        let w = t.traces[table::CPU].width;
        (0..t.traces[table::CPU].height())
            .filter(|&r| {
                t.traces[table::CPU].values[r * w + col::FLAGS + class.index()] == Val::ONE
            })
            .nth(nth)
            .expect("the program has the row")
            * w
    }

    /// ADDs the CPU proves itself (`is_add`): a result that satisfies the equations only over
    /// the field, a result off by one, and an ADD claimed on a SUB row are rejected, each with
    /// every other bus kept balanced.
    #[test]
    fn inline_adds_are_bound() {
        // x5 = -1; x0 = x5 + 1 (carries out of both halves, nothing written); x0 = x5 - x5.
        let mut code = vec![addi(5, 0, -1), addi(0, 5, 1), inst(Opcode::Sub, 0, 5, 5, 0)];
        code.extend(exit_with_a0());
        let (program, result, record) = run(&code);
        let honest = generate_forged(&program, &result, &record).unwrap();
        check(&honest).expect("honest");
        let add = cpu_row(&honest, InstrClass::AluImm, 1);
        let cpu = |t: &MachineTraces, c: usize| t.traces[table::CPU].values[add + c];
        assert_eq!(cpu(&honest, col::IS_ADD), Val::ONE);
        assert_eq!(cpu(&honest, col::WRITES_RD), Val::ZERO);
        assert_eq!(
            [col::RES, col::RES + 1, col::CARRY, col::CARRY + 1].map(|c| cpu(&honest, c)),
            [Val::ZERO, Val::ZERO, Val::ONE, Val::ONE]
        );

        // 0xffff + 1 = 0x10000 in the low "half", no carries: the equations hold in the field.
        let mut forged = honest.clone();
        let row = &mut forged.traces[table::CPU].values[add..];
        row[col::RES] = Val::from_u32(0x10000);
        row[col::RES + 1] = Val::from_u32(0xffff);
        row.copy_within(col::RES..col::RES + 2, col::RDV);
        row[col::CARRY] = Val::ZERO;
        row[col::CARRY + 1] = Val::ZERO;
        move_range_count(&mut forged, 0, -2);
        move_range_count(&mut forged, 0xffff, 1);
        assert_rejected(&forged, "an ADD result with a non-16-bit half");

        let mut forged = honest.clone();
        forged.traces[table::CPU].values[add + col::RES] = Val::ONE;
        forged.traces[table::CPU].values[add + col::RDV] = Val::ONE;
        move_range_count(&mut forged, 0, -1);
        move_range_count(&mut forged, 1, 1);
        assert_rejected(&forged, "an ADD result off by one");

        // The SUB row claims ADD semantics (x5 + x5) and the adder table drops its row.
        let sub = cpu_row(&honest, InstrClass::AluReg, 0);
        assert_eq!(
            honest.traces[table::CPU].values[sub + col::ALU_OP],
            Val::ONE
        );
        let mut forged = honest.clone();
        let row = &mut forged.traces[table::CPU].values[sub..];
        row[col::IS_ADD] = Val::ONE;
        row[col::RES] = Val::from_u32(0xfffe);
        row[col::RES + 1] = Val::from_u32(0xffff);
        row.copy_within(col::RES..col::RES + 2, col::RDV);
        row[col::CARRY] = Val::ONE;
        row[col::CARRY + 1] = Val::ONE;
        move_range_count(&mut forged, 0xfffe, 1);
        move_range_count(&mut forged, 0xffff, 1);
        let adder = &mut forged.traces[table::ADD];
        assert_eq!(adder.values[1], Val::ONE, "the adder's one row is the SUB");
        // Its result (0, 0) loses its two range lookups.
        adder.values[..crate::add::ADD_WIDTH].fill(Val::ZERO);
        move_range_count(&mut forged, 0, -2);
        assert_rejected(&forged, "ADD claimed on a SUB row");
    }

    /// The high timestamp limb is a byte: another decomposition of the same difference, with a
    /// valid low limb and a high limb that is not a byte, is rejected.
    #[test]
    fn timestamp_high_limbs_are_bytes() {
        let (program, result, record) = run(&exit_with_a0());
        let honest = generate_forged(&program, &result, &record).unwrap();
        check(&honest).expect("honest");
        let row = cpu_row(&honest, InstrClass::Ecall, 0);
        let mut forged = honest.clone();
        let cells = &mut forged.traces[table::CPU].values[row..];
        let t_lo = cells[col::T_LO].as_canonical_u32();
        assert!(t_lo < 0xffff);
        // t_lo + 1 and t_hi − 2^-16 describe the same difference.
        cells[col::T_LO] += Val::ONE;
        cells[col::T_HI] -= Val::from_u32(1 << 16).inverse();
        move_range_count(&mut forged, t_lo, -1);
        move_range_count(&mut forged, t_lo + 1, 1);
        let error = check(&forged).unwrap_err().to_string();
        assert!(
            error.contains("'byte_pair'"),
            "rejected for another reason: {error}"
        );
        assert_rejected(&forged, "a timestamp high limb that is not a byte");
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // `c` indexes cells and names alike
    fn mutation_harness_cpu_halt_and_input() {
        use rand_p3::rngs::SmallRng;
        use rand_p3::{RngExt, SeedableRng};
        let honest = traces_of(&testing::random_program(11, 60));
        check(&honest).unwrap();
        let (program, result, record) = input_program();
        let with_input = crate::trace::generate(&program, &result, &record).unwrap();
        check(&with_input).unwrap();
        let forced_every = if std::env::var("KEEL_MACHINE_FORCED").is_ok() {
            1
        } else {
            9
        };
        let mut rng = SmallRng::seed_from_u64(5);
        let cpu_rows = honest.traces[table::CPU].height();
        let active = honest.traces[table::CPU]
            .values
            .chunks(crate::cpu::CPU_WIDTH)
            .filter(|r| r[col::ACTIVE] == Val::ONE)
            .count();
        let names = column_names();
        let (mut tried, mut forced) = (0, 0);
        for (t, width) in [
            (table::CPU, crate::cpu::CPU_WIDTH),
            (table::HALT, halt::HALT_WIDTH),
            (table::INPUT, crate::input::INPUT_WIDTH),
        ] {
            for c in 0..width {
                for k in 0..3 {
                    let row = match (t, k) {
                        (table::HALT, _) => 0,
                        // The input program's rows: the two words of the first read, the empty
                        // read, a padding row.
                        (table::INPUT, _) => rng.random_range(0..4),
                        (_, 2) if active < cpu_rows => rng.random_range(active..cpu_rows),
                        _ => rng.random_range(0..active),
                    };
                    let base = if t == table::INPUT {
                        &with_input
                    } else {
                        &honest
                    };
                    let mut forged = base.clone();
                    let cell = &mut forged.traces[t].values[row * width + c];
                    let delta = if k == 0 {
                        1
                    } else {
                        rng.random_range(2..1u32 << 30)
                    };
                    *cell += Val::from_u32(delta);
                    let what = match t {
                        table::CPU => format!("cpu {} row {row} +{delta}", names[c]),
                        table::HALT => format!("halt column {c} +{delta}"),
                        _ => format!("input column {c} row {row} +{delta}"),
                    };
                    assert!(check(&forged).is_err(), "{what}: the trace check accepted");
                    tried += 1;
                    if tried % forced_every == 0 {
                        assert_forced_rejected(&forged, &what);
                        forced += 1;
                    }
                }
            }
        }
        eprintln!(
            "{tried} single-cell mutations of the CPU, halt and input tables rejected by the trace \
             check, {forced} of them also proven anyway and rejected by the verifier"
        );
        let _ = Val::ORDER_U32;
    }
}

/// Random single-byte flips of a serialized proof file: every one is an error (no flip is
/// accepted, none panics). `KEEL_PROOF_FLIPS` sets the count (the bench runs 1,000).
#[test]
fn flipped_proof_bytes_are_rejected_without_panics() {
    use crate::rv32im::{self, ProveOptions};
    use keel_stark::proof_file::ProofFile;
    use rand_p3::rngs::SmallRng;
    use rand_p3::{RngExt, SeedableRng};
    let flips: usize = std::env::var("KEEL_PROOF_FLIPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let program = Program::from_elf(&testing::random_program(21, 40)).unwrap();
    let proven = rv32im::prove(&program, Input::new(), &ProveOptions::default(), |_| {}).unwrap();
    let bytes = proven.file.to_bytes();
    rv32im::verify(&ProofFile::from_bytes(&bytes).unwrap()).unwrap();
    let mut rng = SmallRng::seed_from_u64(99);
    let (mut decode_errors, mut rejected, mut panics) = (0, 0, 0);
    for _ in 0..flips {
        let mut tampered = bytes.clone();
        let at = rng.random_range(0..tampered.len());
        tampered[at] ^= rng.random_range(1..=255u8);
        let outcome = std::panic::catch_unwind(|| match ProofFile::from_bytes(&tampered) {
            Err(_) => Err(true),
            Ok(file) => rv32im::verify(&file).map(|_| ()).map_err(|_| false),
        });
        match outcome {
            Ok(Ok(())) => panic!("a proof with byte {at} flipped verified"),
            Ok(Err(true)) => decode_errors += 1,
            Ok(Err(false)) => rejected += 1,
            Err(_) => panics += 1,
        }
    }
    eprintln!(
        "{flips} byte flips over {} bytes: {decode_errors} malformed files, {rejected} rejected \
         proofs, {panics} panics, 0 accepted",
        bytes.len()
    );
    assert_eq!(panics, 0, "verification panicked on garbage");
}

/// Keys built once prove and verify repeatedly, and are bound to their program and
/// configuration: a proof of another program, or in the other configuration, is rejected.
#[test]
fn program_keys_are_reused_and_bound_to_their_program() {
    use crate::rv32im::{self, ProgramKeys, ProveOptions};
    use keel_stark::config::ConfigKind;
    let a = Program::from_elf(&testing::random_program(31, 30)).unwrap();
    let b = Program::from_elf(&testing::random_program(32, 30)).unwrap();
    let keys_a = ProgramKeys::new(&a, ConfigKind::Fast).unwrap();
    let keys_b = ProgramKeys::new(&b, ConfigKind::Fast).unwrap();
    assert_eq!(keys_a.program_id(), rv32im::program_id(&a).unwrap());
    assert_ne!(keys_a.program_id(), keys_b.program_id());
    assert!(keys_a.outer_common().is_none());
    let options = ProveOptions::default();
    let first = rv32im::prove_with_keys(&keys_a, Input::new(), &options, |_| {}).unwrap();
    let second = rv32im::prove_with_keys(&keys_a, Input::new(), &options, |_| {}).unwrap();
    for file in [&first.file, &second.file] {
        let verified = rv32im::verify_with_keys(&keys_a, file).unwrap();
        assert_eq!(verified.program_id, keys_a.program_id());
        assert_eq!(rv32im::verify(file).unwrap(), verified);
    }
    let other = rv32im::verify_with_keys(&keys_b, &first.file).unwrap_err();
    assert!(other.to_string().contains("another program"), "{other}");
    let outer_a = ProgramKeys::new(&a, ConfigKind::Outer).unwrap();
    assert_eq!(outer_a.program_id(), keys_a.program_id());
    assert!(outer_a.outer_common().is_some());
    let config = rv32im::verify_with_keys(&outer_a, &first.file).unwrap_err();
    assert!(config.to_string().contains("configuration"), "{config}");
}
