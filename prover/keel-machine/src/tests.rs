//! The memory argument proven with the fast configuration: honest access sequences verify;
//! forged reads, double initialisation, unsorted boundaries, timestamp reversals and every
//! single-cell mutation tried are rejected by the verifier (proofs forced through the prover:
//! the workspace's dev profile builds Plonky3's batch prover without its debug checks).

use keel_stark::config::{fast_config, FastConfig, Val};
use std::collections::HashMap;

use keel_stark::stark::{prove, setup, verify, StarkError};
use p3_batch_stark::ProverData;
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use rand_p3::rngs::SmallRng;
use rand_p3::{RngExt, SeedableRng};

use crate::memory::{
    columns, memory_key, register_key, Access, ImageTable, KeyRange, MemoryError, MemoryTraces,
    KEY_LIMIT,
};
use crate::MachineAir;

/// The tables and traces of one memory-argument proof.
#[derive(Clone)]
struct Statement {
    airs: Vec<MachineAir>,
    traces: Vec<RowMajorMatrix<Val>>,
}

const RANGE: usize = 0;
const BOUNDARY: usize = 2;
const PORT: usize = 3;

fn statement(image: &ImageTable, traces: &MemoryTraces) -> Statement {
    Statement {
        airs: vec![
            MachineAir::Range16,
            MachineAir::MemoryImage(image.clone()),
            MachineAir::MemoryBoundary,
            MachineAir::MemoryPort,
        ],
        traces: vec![
            traces.range16.clone(),
            traces.image.clone(),
            traces.boundary.clone(),
            traces.port.clone(),
        ],
    }
}

/// Proves (no prover-side checks in this profile) and verifies.
/// Keygen per table set and heights, once per test binary (the preprocessed 2^16-row tables
/// make it the slow part of a small proof; mutations keep the shape).
fn prover_data(
    airs: &[MachineAir],
    heights: &[usize],
) -> Result<std::sync::Arc<ProverData<FastConfig>>, StarkError> {
    type Cache = std::sync::Mutex<HashMap<String, std::sync::Arc<ProverData<FastConfig>>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let key = format!("{airs:?} {heights:?}");
    let cache = CACHE.get_or_init(Default::default);
    if let Some(data) = cache.lock().expect("cache lock").get(&key) {
        return Ok(data.clone());
    }
    let data = std::sync::Arc::new(setup(&fast_config(), airs, heights)?);
    cache.lock().expect("cache lock").insert(key, data.clone());
    Ok(data)
}

fn prove_and_verify(s: &Statement) -> Result<(), StarkError> {
    let config = fast_config();
    let heights: Vec<usize> = s
        .traces
        .iter()
        .map(|t| t.height().trailing_zeros() as usize)
        .collect();
    let data = prover_data(&s.airs, &heights)?;
    let public_values = vec![vec![]; s.airs.len()];
    let outcome = keel_stark::stark::quietly(|| {
        prove::<FastConfig, _>(&config, &s.airs, &s.traces, &public_values, &data)
    });
    let proof = match outcome {
        Ok(proof) => proof?,
        Err(_) => return Err(StarkError::Proving("the prover panicked".into())),
    };
    verify(&config, &s.airs, &proof, &public_values, &data.common)
}

fn image() -> ImageTable {
    ImageTable::new(
        (0..12u32)
            .map(|i| {
                (
                    memory_key(0x1_0000 + 4 * i),
                    0x0101_0101u32.wrapping_mul(i + 1),
                )
            })
            .collect(),
        KeyRange::everything(),
    )
    .unwrap()
}

/// Random reads and writes over registers, image words and zero-initialised words.
fn random_accesses(seed: u64, n: usize) -> Vec<Access> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let keys: Vec<u32> = (1..8)
        .map(register_key)
        .chain((0..6).map(|i| memory_key(0x1_0000 + 4 * i)))
        .chain((0..6).map(|i| memory_key(0x20_0000 + 4 * i)))
        .collect();
    (0..n)
        .map(|_| Access {
            key: keys[rng.random_range(0..keys.len())],
            write: rng.random_bool(0.4).then(|| rng.random()),
        })
        .collect()
}

/// The reference: a map from keys to values, image first.
fn reference(image: &ImageTable, accesses: &[Access]) -> Vec<u32> {
    let mut memory: std::collections::HashMap<u32, u32> = image.words().iter().copied().collect();
    accesses
        .iter()
        .map(|a| {
            let v = a
                .write
                .unwrap_or_else(|| memory.get(&a.key).copied().unwrap_or(0));
            memory.insert(a.key, v);
            v
        })
        .collect()
}

#[test]
fn honest_access_sequences_verify() {
    let image = image();
    for (seed, n) in [(1, 3), (2, 40), (3, 100)] {
        let accesses = random_accesses(seed, n);
        let traces = MemoryTraces::generate(&image, &accesses).unwrap();
        assert_eq!(traces.values, reference(&image, &accesses));
        prove_and_verify(&statement(&image, &traces)).unwrap();
    }
}

#[test]
fn trace_generation_rejects_bad_keys_and_images() {
    let image = image();
    let too_large = [Access {
        key: KEY_LIMIT,
        write: None,
    }];
    assert!(MemoryTraces::generate(&image, &too_large).is_err());
    assert!(ImageTable::new(vec![(40, 1), (40, 2)], KeyRange::everything()).is_err());
    assert!(ImageTable::new(vec![(KEY_LIMIT, 1)], KeyRange::everything()).is_err());
}

fn range(start: u32, end: u32, writable: bool) -> KeyRange {
    KeyRange {
        start,
        end,
        writable,
    }
}

#[test]
fn key_ranges_are_validated_split_and_looked_up() {
    // Overlapping, unsorted, empty, too high: rejected. A word outside every range: rejected.
    for bad in [
        vec![range(0, 40, true), range(39, 50, false)],
        vec![range(100, 200, true), range(0, 40, true)],
        vec![range(40, 40, true)],
        vec![range(40, KEY_LIMIT + 33, true)],
    ] {
        assert!(matches!(
            ImageTable::new(vec![], bad),
            Err(MemoryError::BadRanges(_))
        ));
    }
    assert_eq!(
        ImageTable::new(vec![(64, 1)], vec![range(0, 64, true)]),
        Err(MemoryError::Unmapped(64))
    );
    // Ranges longer than 2^29 keys are split; lookups find the holder.
    let table = ImageTable::new(
        vec![(40, 1)],
        vec![
            range(0, 32, true),
            range(32, 48, false),
            range(48, KEY_LIMIT, true),
        ],
    )
    .unwrap();
    assert_eq!(table.ranges().len(), 4);
    assert!(table.ranges().iter().all(|r| r.end - r.start <= 1 << 29));
    assert_eq!(table.range_of(31), Some(0));
    assert_eq!(table.range_of(40), Some(1));
    assert!(!table.writable(40));
    assert!(table.writable(48) && table.writable(KEY_LIMIT - 1));
    let gap = ImageTable::new(vec![], vec![range(0, 32, true), range(64, 96, true)]).unwrap();
    assert_eq!(gap.range_of(40), None);
    assert!(!gap.writable(40));
    // An access outside every range: no trace.
    assert_eq!(
        MemoryTraces::generate(
            &gap,
            &[Access {
                key: 40,
                write: None
            }]
        )
        .unwrap_err(),
        MemoryError::Unmapped(40)
    );
}

/// A write to a read-only range (the port stands in for writable accesses): the boundary row
/// opens the chain with `writable = 0`, the port's messages carry 1, the bus does not balance.
#[test]
fn write_to_read_only_range_is_rejected() {
    let image = ImageTable::new(vec![], vec![range(0, 32, true), range(32, 64, false)]).unwrap();
    for write in [None, Some(9)] {
        let traces = MemoryTraces::generate(&image, &[Access { key: 40, write }]).unwrap();
        assert!(prove_and_verify(&statement(&image, &traces)).is_err());
    }
    let writable = ImageTable::new(vec![], vec![range(0, 64, true)]).unwrap();
    let traces = MemoryTraces::generate(
        &writable,
        &[Access {
            key: 40,
            write: Some(9),
        }],
    )
    .unwrap();
    prove_and_verify(&statement(&writable, &traces)).unwrap();
}

fn set(trace: &mut RowMajorMatrix<Val>, row: usize, col: usize, value: Val) {
    let width = trace.width();
    trace.values[row * width + col] = value;
}

fn get(trace: &RowMajorMatrix<Val>, row: usize, col: usize) -> Val {
    trace.values[row * trace.width() + col]
}

fn col(names: &[&str], name: &str) -> usize {
    names.iter().position(|n| *n == name).unwrap()
}

/// A read (row `read_row` of the port) returning a value the last write did not leave.
#[test]
fn forged_read_is_rejected() {
    let image = image();
    let key = memory_key(0x20_0000);
    let accesses = [
        Access {
            key,
            write: Some(7),
        },
        Access { key, write: None },
    ];
    let traces = MemoryTraces::generate(&image, &accesses).unwrap();
    let honest = statement(&image, &traces);
    prove_and_verify(&honest).unwrap();
    // The read claims 8: as its own result only, and consistently (prev = new = 8).
    let lo = col(&columns::PORT, "lo");
    let prev_lo = col(&columns::PORT, "prev_lo");
    for cols in [vec![lo], vec![lo, prev_lo]] {
        let mut forged = statement(&image, &traces);
        for &c in &cols {
            set(&mut forged.traces[PORT], 1, c, Val::from_u32(8));
        }
        assert!(prove_and_verify(&forged).is_err(), "forged read {cols:?}");
    }
}

/// Two boundary rows for one key (a second chain starting from another initial value).
#[test]
fn double_initialisation_is_rejected() {
    let image = image();
    let key = memory_key(0x20_0000);
    let accesses = [Access { key, write: None }];
    let traces = MemoryTraces::generate(&image, &accesses).unwrap();
    prove_and_verify(&statement(&image, &traces)).unwrap();
    let mut forged = statement(&image, &traces);
    let b = &mut forged.traces[BOUNDARY];
    // Rows 0.. are sorted keys; append a duplicate of the last active row with init 5.
    let width = b.width();
    let active_rows = (0..b.height())
        .filter(|&r| get(b, r, col(&columns::BOUNDARY, "active")) == Val::ONE)
        .count();
    let last: Vec<Val> = b.values[(active_rows - 1) * width..active_rows * width].to_vec();
    b.values[active_rows * width..(active_rows + 1) * width].copy_from_slice(&last);
    set(
        b,
        active_rows,
        col(&columns::BOUNDARY, "init_lo"),
        Val::from_u32(5),
    );
    assert!(prove_and_verify(&forged).is_err());
}

/// Every single-cell change of an active port or boundary row (each column, two random rows,
/// +1 or a random amount) and of the range table's multiplicities is rejected. (Cells of
/// inactive padding rows that no constraint or interaction reads are free, by design.)
#[test]
fn mutation_harness_port_and_boundary() {
    let image = image();
    let accesses = random_accesses(9, 24);
    let traces = MemoryTraces::generate(&image, &accesses).unwrap();
    prove_and_verify(&statement(&image, &traces)).unwrap();
    let mut rng = SmallRng::seed_from_u64(99);
    let (mut tried, mut rejected) = (0, 0);
    for (table, names) in [
        (PORT, &columns::PORT[..]),
        (BOUNDARY, &columns::BOUNDARY[..]),
    ] {
        let active = active_rows(&traces, table, names);
        for (c, name) in names.iter().enumerate() {
            for _ in 0..2 {
                let row = rng.random_range(0..active);
                let mut mutated = statement(&image, &traces);
                let old = get(&mutated.traces[table], row, c);
                let delta = if rng.random_bool(0.5) {
                    Val::ONE
                } else {
                    Val::from_u32(rng.random_range(2..1 << 20))
                };
                set(&mut mutated.traces[table], row, c, old + delta);
                tried += 1;
                match prove_and_verify(&mutated) {
                    Err(_) => rejected += 1,
                    Ok(()) => panic!("mutation of {name} (table {table}, row {row}) accepted"),
                }
            }
        }
    }
    // The range table's multiplicities too.
    for value in [0usize, 1, 255, 1 << 15] {
        let mut mutated = statement(&image, &traces);
        let old = get(&mutated.traces[RANGE], value, 0);
        set(&mut mutated.traces[RANGE], value, 0, old + Val::ONE);
        tried += 1;
        assert!(
            prove_and_verify(&mutated).is_err(),
            "range multiplicity {value}"
        );
        rejected += 1;
    }
    eprintln!("memory mutation harness: {tried} single-cell mutations, {rejected} rejected");
    assert_eq!(tried, rejected);
}

fn active_rows(traces: &MemoryTraces, table: usize, names: &[&str]) -> usize {
    let trace = if table == PORT {
        &traces.port
    } else {
        &traces.boundary
    };
    let active = col(names, "active");
    (0..trace.height())
        .filter(|&r| get(trace, r, active) == Val::ONE)
        .count()
}

/// A key limb that only the unscaled lookup catches: for the key `16,416 = 2^14 + 32`, the
/// limbs `k_lo = 32`, `k_hi = 1/4` recompose it (`32 + 2^16/4`), `k_lo` is in range and
/// `4·k_hi = 1` is in the range table; only the lookup of `k_hi` itself fails.
#[test]
fn field_element_limb_is_rejected() {
    let image = image();
    let key = memory_key(0x1_0000);
    assert_eq!(key, (1 << 14) + 32);
    let traces = MemoryTraces::generate(&image, &[Access { key, write: None }]).unwrap();
    prove_and_verify(&statement(&image, &traces)).unwrap();
    let mut forged = statement(&image, &traces);
    let b = &mut forged.traces[BOUNDARY];
    let row = (0..b.height())
        .find(|&r| get(b, r, col(&columns::BOUNDARY, "key")) == Val::from_u32(key))
        .unwrap();
    set(b, row, col(&columns::BOUNDARY, "k_lo"), Val::from_u32(32));
    set(
        b,
        row,
        col(&columns::BOUNDARY, "k_hi"),
        Val::from_u32(4).inverse(),
    );
    // The range multiplicities follow the forged limbs, so only the k_hi lookup is unmatched.
    let range = &mut forged.traces[RANGE];
    let bump = |range: &mut RowMajorMatrix<Val>, value: usize, delta: Val| {
        let old = get(range, value, 0);
        set(range, value, 0, old + delta);
    };
    bump(range, (key & 0xffff) as usize, -Val::ONE); // old k_lo
    bump(range, 32, Val::ONE); // new k_lo
    bump(range, 0, -Val::ONE); // old k_hi (0)
                               // old 4·k_hi = 0, new 4·k_hi = 1
    bump(range, 0, -Val::ONE);
    bump(range, 1, Val::ONE);
    assert!(prove_and_verify(&forged).is_err());
}

// ---------------------------------------------------------------------------------------------
// ALU
// ---------------------------------------------------------------------------------------------

use crate::alu::{AluOpcode, AluTraces, ALU_COLUMNS};

const ALU: usize = 1;

fn alu_statement(t: &AluTraces) -> Statement {
    Statement {
        airs: vec![MachineAir::Bytes, MachineAir::Alu, MachineAir::AluPort],
        traces: vec![t.bytes.clone(), t.alu.clone(), t.port.clone()],
    }
}

/// Random and edge operands for every operation.
fn alu_ops(seed: u64, random: usize) -> Vec<(AluOpcode, u32, u32)> {
    let edges = [
        0u32,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x0000_00ff,
        0xff00_0000,
    ];
    // Shift amounts: every bit and byte position, and amounts above 31 (taken mod 32).
    let amounts = [0u32, 1, 7, 8, 9, 15, 16, 23, 24, 31, 32, 33, 0xffff_ffe1];
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut ops = Vec::new();
    for op in AluOpcode::ALL {
        let shift = matches!(op, AluOpcode::Sll | AluOpcode::Srl | AluOpcode::Sra);
        for &b in &edges {
            if shift {
                ops.extend(amounts.iter().map(|&c| (op, b, c)));
            } else {
                ops.extend(edges[..4].iter().map(|&c| (op, b, c)));
            }
        }
        for _ in 0..random {
            ops.push((op, rng.random(), rng.random()));
        }
    }
    ops
}

/// Sets the result of row 0 of an operation table (table 1 of `statement`, its port table 2) to
/// the limbs `wrong` (bytes, or not bytes), in the table's `a0..a3` columns and in the request.
fn forge_byte_result(statement: &mut Statement, names: &[&str], wrong: [u32; 4]) {
    for (i, &byte) in wrong.iter().enumerate() {
        set(
            &mut statement.traces[1],
            0,
            col(names, &format!("a{i}")),
            Val::from_u32(byte),
        );
    }
    let port = &mut statement.traces[2];
    set(port, 0, 1, Val::from_u32(wrong[0] + 256 * wrong[1]));
    set(port, 0, 2, Val::from_u32(wrong[2] + 256 * wrong[3]));
}

/// For each case `(op, b, c, wrong)`: the honest one-operation statement (`statement_of`, with
/// its result) verifies, and the same with the result limbs set to `wrong` (another word, or
/// limbs that are not bytes) in the table and the request is rejected.
fn assert_forged_results_rejected(
    cases: &[(AluOpcode, u32, u32, [u32; 4])],
    names: &[&str],
    statement_of: impl Fn((AluOpcode, u32, u32)) -> (Statement, u32),
) {
    for &(op, b, c, wrong) in cases {
        let (honest, result) = statement_of((op, b, c));
        prove_and_verify(&honest).unwrap();
        let claimed = wrong[0] + 256 * wrong[1] + 65536 * (wrong[2] + 256 * wrong[3]);
        assert!(wrong.iter().any(|&x| x > 255) || claimed != result);
        let mut forged = honest;
        forge_byte_result(&mut forged, names, wrong);
        assert!(
            prove_and_verify(&forged).is_err(),
            "{op:?} {b:#x} {c:#x} = {wrong:?}"
        );
    }
}

/// Each result is what the ISA computes for its operation (`isa` maps a table's opcode to it).
fn assert_isa_results<Op: Copy + std::fmt::Debug>(
    ops: &[(Op, u32, u32)],
    results: &[u32],
    isa: impl Fn(Op) -> keel_isa::AluOp,
) {
    assert_eq!(ops.len(), results.len());
    for (&(op, b, c), &a) in ops.iter().zip(results) {
        assert_eq!(a, isa(op).apply(b, c), "{op:?} {b:#x} {c:#x}");
    }
}

/// [`alu_ops`] of the operations a table proves (`handles`).
fn ops_for(handles: fn(AluOpcode) -> bool, seed: u64, random: usize) -> Vec<(AluOpcode, u32, u32)> {
    alu_ops(seed, random)
        .into_iter()
        .filter(|&(op, _, _)| handles(op))
        .collect()
}

#[test]
fn alu_results_match_the_isa_and_verify() {
    let ops = ops_for(crate::alu::handles, 1, 8);
    let traces = AluTraces::generate(&ops);
    assert_isa_results(&ops, &traces.results, AluOpcode::isa);
    prove_and_verify(&alu_statement(&traces)).unwrap();
}

/// A wrong result claimed consistently by the ALU row and the request (ADD off by one, SLT and
/// SLTU flipped, AND with one result byte changed) is rejected.
#[test]
fn wrong_alu_results_are_rejected() {
    for (op, b, c, wrong) in [
        (AluOpcode::Add, 5u32, 7u32, 13u32),
        (AluOpcode::Sub, 5, 7, 0xffff_fffd),
        (AluOpcode::Slt, 0xffff_ffff, 1, 0),
        (AluOpcode::Sltu, 0xffff_ffff, 1, 1),
        (AluOpcode::And, 0xf0f0, 0xff00, 0xf100),
        (AluOpcode::Xor, 3, 5, 7),
    ] {
        let honest = AluTraces::generate(&[(op, b, c)]);
        assert_ne!(honest.results[0], wrong);
        prove_and_verify(&alu_statement(&honest)).unwrap();
        let mut forged = alu_statement(&honest);
        forge_byte_result(
            &mut forged,
            &ALU_COLUMNS,
            wrong.to_le_bytes().map(u32::from),
        );
        assert!(
            prove_and_verify(&forged).is_err(),
            "{op:?} {b:#x} {c:#x} = {wrong:#x}"
        );
    }
}

/// Each ALU column, in rows of several operations, +1 or a random amount: rejected.
#[test]
fn mutation_harness_alu() {
    let ops = ops_for(crate::alu::handles, 2, 1);
    let traces = AluTraces::generate(&ops);
    prove_and_verify(&alu_statement(&traces)).unwrap();
    let mut rng = SmallRng::seed_from_u64(7);
    let mut tried = 0;
    for (c, name) in ALU_COLUMNS.iter().enumerate() {
        let row = rng.random_range(0..ops.len());
        let mut mutated = alu_statement(&traces);
        let old = get(&mutated.traces[ALU], row, c);
        let delta = if rng.random_bool(0.5) {
            Val::ONE
        } else {
            Val::from_u32(rng.random_range(2..1 << 20))
        };
        set(&mut mutated.traces[ALU], row, c, old + delta);
        tried += 1;
        assert!(
            prove_and_verify(&mutated).is_err(),
            "mutation of {name} in row {row} ({:?}) accepted",
            ops[row].0
        );
    }
    eprintln!("ALU mutation harness: {tried} single-cell mutations, all rejected");
}

/// Mutates each column of table `table` of `statement` in each of `rows` by +1 or a random
/// amount, one cell at a time, and asserts that every mutation is rejected; returns the count.
fn sweep_columns(
    statement: &Statement,
    table: usize,
    names: &[&str],
    rows: &[usize],
    seed: u64,
) -> usize {
    prove_and_verify(statement).unwrap();
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut tried = 0;
    for (c, name) in names.iter().enumerate() {
        for &row in rows {
            let mut mutated = statement.clone();
            let old = get(&mutated.traces[table], row, c);
            let delta = if rng.random_bool(0.5) {
                Val::ONE
            } else {
                Val::from_u32(rng.random_range(2..1 << 20))
            };
            set(&mut mutated.traces[table], row, c, old + delta);
            tried += 1;
            assert!(
                prove_and_verify(&mutated).is_err(),
                "mutation of {name} in row {row} accepted"
            );
        }
    }
    tried
}

/// Two random active rows and the first padding row of a table with `active` rows (`ops` is
/// extended by `spare` if it fills the table exactly).
fn harness_rows(
    ops: &mut Vec<(AluOpcode, u32, u32)>,
    spare: (AluOpcode, u32, u32),
    seed: u64,
) -> Vec<usize> {
    if ops.len().is_power_of_two() {
        ops.push(spare);
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    vec![
        rng.random_range(0..ops.len()),
        rng.random_range(0..ops.len()),
        ops.len(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Adder
// ---------------------------------------------------------------------------------------------

use crate::add::{AddTraces, ADD_COLUMNS};

const ADDER: usize = 1;

fn add_statement(t: &AddTraces) -> Statement {
    Statement {
        airs: vec![MachineAir::Range16, MachineAir::Add, MachineAir::AluPort],
        traces: vec![t.range16.clone(), t.add.clone(), t.port.clone()],
    }
}

/// ADD and SUB over edge operands (every carry and borrow pattern) and random ones.
fn add_ops(seed: u64, random: usize) -> Vec<(AluOpcode, u32, u32)> {
    ops_for(crate::add::handles, seed, random)
        .into_iter()
        .chain([
            (AluOpcode::Add, 0xffff, 1),
            (AluOpcode::Add, 0xffff_ffff, 0xffff_ffff),
            (AluOpcode::Sub, 0x1_0000, 1),
            (AluOpcode::Sub, 0, 0xffff_ffff),
        ])
        .collect()
}

#[test]
fn add_results_match_the_isa_and_verify() {
    let ops = add_ops(5, 8);
    let traces = AddTraces::generate(&ops);
    assert_isa_results(&ops, &traces.results, AluOpcode::isa);
    prove_and_verify(&add_statement(&traces)).unwrap();
}

/// A wrong result claimed consistently by the adder row and the request is rejected: off by one,
/// off by 2^16 (a carry between the halves dropped or invented), a SUB answered with the ADD
/// result; and a low "half" of 2^16 with no carry (the equations hold, the range check fails).
#[test]
fn wrong_add_results_are_rejected() {
    for (op, b, c, wrong) in [
        (AluOpcode::Add, 5u32, 7u32, 13u32),
        (AluOpcode::Add, 0xffff, 1, 0),
        (AluOpcode::Sub, 0x1_0000, 1, 0x1_ffff),
        (AluOpcode::Sub, 9, 2, 11),
    ] {
        let honest = AddTraces::generate(&[(op, b, c)]);
        assert_ne!(honest.results[0], wrong);
        prove_and_verify(&add_statement(&honest)).unwrap();
        let mut forged = add_statement(&honest);
        for (h, half) in [wrong & 0xffff, wrong >> 16].into_iter().enumerate() {
            let name = ["a_lo", "a_hi"][h];
            set(
                &mut forged.traces[ADDER],
                0,
                col(&ADD_COLUMNS, name),
                Val::from_u32(half),
            );
            set(&mut forged.traces[2], 0, 1 + h, Val::from_u32(half));
        }
        assert!(
            prove_and_verify(&forged).is_err(),
            "{op:?} {b:#x} {c:#x} = {wrong:#x}"
        );
    }
    // 0xffff + 1 with the low half "0x10000" (not a half) and no carry: the equations hold
    // over the field, the range check does not.
    let honest = AddTraces::generate(&[(AluOpcode::Add, 0xffff, 1)]);
    let mut forged = add_statement(&honest);
    let t = &mut forged.traces[ADDER];
    set(t, 0, col(&ADD_COLUMNS, "a_lo"), Val::from_u32(0x1_0000));
    set(t, 0, col(&ADD_COLUMNS, "a_hi"), Val::ZERO);
    set(t, 0, col(&ADD_COLUMNS, "carry_lo"), Val::ZERO);
    set(&mut forged.traces[2], 0, 1, Val::from_u32(0x1_0000));
    set(&mut forged.traces[2], 0, 2, Val::ZERO);
    assert!(prove_and_verify(&forged).is_err());
}

/// Each adder column, in rows of ADD and SUB and in a padding row, +1 or a random amount:
/// rejected.
#[test]
fn mutation_harness_add() {
    let mut ops = add_ops(6, 2);
    let rows = harness_rows(&mut ops, (AluOpcode::Sub, 3, 4), 13);
    let traces = AddTraces::generate(&ops);
    let tried = sweep_columns(&add_statement(&traces), ADDER, &ADD_COLUMNS, &rows, 13);
    eprintln!("adder mutation harness: {tried} single-cell mutations, all rejected");
}

// ---------------------------------------------------------------------------------------------
// Logic
// ---------------------------------------------------------------------------------------------

use crate::logic::{LogicTraces, LOGIC_COLUMNS};

const LOGIC: usize = 1;

fn logic_statement(t: &LogicTraces) -> Statement {
    Statement {
        airs: vec![MachineAir::Bytes, MachineAir::Logic, MachineAir::AluPort],
        traces: vec![t.bytes.clone(), t.logic.clone(), t.port.clone()],
    }
}

#[test]
fn logic_results_match_the_isa_and_verify() {
    let ops = ops_for(crate::logic::handles, 7, 8);
    let traces = LogicTraces::generate(&ops);
    assert_isa_results(&ops, &traces.results, AluOpcode::isa);
    prove_and_verify(&logic_statement(&traces)).unwrap();
}

/// A wrong result claimed consistently by the logic row and the request is rejected: one byte
/// changed, another operation's result, and a "byte" of 256 with its neighbour one less (the
/// same halves on the bus).
#[test]
fn wrong_logic_results_are_rejected() {
    let relimb = |w: u32| -> [u32; 4] { [w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, w >> 24] };
    let cases: Vec<(AluOpcode, u32, u32, [u32; 4])> = vec![
        (AluOpcode::And, 0xf0f0, 0xff00, relimb(0xf100)),
        (AluOpcode::Xor, 3, 5, relimb(7)),
        (AluOpcode::Or, 0x1200, 0x0034, relimb(0x1200 ^ 0x0034 ^ 0x1)),
        (AluOpcode::Xor, 0xff, 0x0f, relimb(0xff | 0x0f)),
        // 0x0100 OR 0x00ff = 0x01ff, its low half written as the "bytes" (0x1ff, 0): the right
        // word on the bus, a limb that is not a byte.
        (AluOpcode::Or, 0x0100, 0x00ff, [0x1ff, 0, 0, 0]),
    ];
    assert_forged_results_rejected(&cases, &LOGIC_COLUMNS, |op| {
        let t = LogicTraces::generate(&[op]);
        (logic_statement(&t), t.results[0])
    });
}

/// Each logic column, in rows of every operation and in a padding row, +1 or a random amount:
/// rejected.
#[test]
fn mutation_harness_logic() {
    let mut ops = ops_for(crate::logic::handles, 8, 2);
    let rows = harness_rows(&mut ops, (AluOpcode::And, 3, 6), 17);
    let traces = LogicTraces::generate(&ops);
    let tried = sweep_columns(&logic_statement(&traces), LOGIC, &LOGIC_COLUMNS, &rows, 17);
    eprintln!("logic mutation harness: {tried} single-cell mutations, all rejected");
}

// ---------------------------------------------------------------------------------------------
// Shifts
// ---------------------------------------------------------------------------------------------

use crate::shift::{ShiftTraces, SHIFT_COLUMNS};

const SHIFT: usize = 1;

fn shift_statement(t: &ShiftTraces) -> Statement {
    Statement {
        airs: vec![MachineAir::Bytes, MachineAir::Shift, MachineAir::AluPort],
        traces: vec![t.bytes.clone(), t.shift.clone(), t.port.clone()],
    }
}

/// Every amount 0..64 and amounts with high bits set, on edge and random words.
#[test]
fn shift_results_match_the_isa_and_verify() {
    let mut ops = ops_for(crate::shift::handles, 9, 8);
    let mut rng = SmallRng::seed_from_u64(9);
    for op in crate::shift::OPS {
        for amount in 0..64 {
            ops.push((op, rng.random(), amount));
        }
        ops.push((op, 0x8765_4321, 0xffff_ffe7));
        ops.push((op, 0x8765_4321, 0x0001_0107));
    }
    let traces = ShiftTraces::generate(&ops);
    assert_isa_results(&ops, &traces.results, AluOpcode::isa);
    prove_and_verify(&shift_statement(&traces)).unwrap();
}

/// A wrong result claimed consistently by the shift row and the request is rejected: the amount
/// not taken mod 32, a logical shift answered for an arithmetic one and back, a bit lost, and a
/// result "byte" of 256 with its neighbour one less (the right halves on the bus).
#[test]
fn wrong_shift_results_are_rejected() {
    let limbs = |w: u32| w.to_le_bytes().map(u32::from);
    let cases: Vec<(AluOpcode, u32, u32, [u32; 4])> = vec![
        (AluOpcode::Sll, 1, 33, limbs(4)),
        (AluOpcode::Sll, 0x8000_0001, 1, limbs(3)),
        (AluOpcode::Srl, 0x8000_0000, 4, limbs(0xf800_0000)),
        (AluOpcode::Sra, 0x8000_0000, 4, limbs(0x0800_0000)),
        (AluOpcode::Srl, 0x0000_0300, 8, limbs(0x0000_0001)),
        // 0x100 >> 0 = 0x100, written as the "bytes" (0x100, 0): the right word on the bus.
        (AluOpcode::Srl, 0x100, 0, [0x100, 0, 0, 0]),
    ];
    assert_forged_results_rejected(&cases, &SHIFT_COLUMNS, |op| {
        let t = ShiftTraces::generate(&[op]);
        (shift_statement(&t), t.results[0])
    });
}

/// The amount decomposed another way: `c = 5` read as `h = 5/32` and no bits — a shift by 0
/// (`32h = 5` is a byte and every equation holds over the field). Every byte pair is accounted
/// for in the byte table as for an honest shift by 0, except `(h, 0)`, which is no byte pair: the
/// range lookup of `h` alone rejects it.
#[test]
fn shift_amount_high_bits_are_small() {
    let (b, c) = (0xff00u32, 5u32);
    let honest = ShiftTraces::generate(&[(AluOpcode::Srl, b, c)]);
    prove_and_verify(&shift_statement(&honest)).unwrap();
    // The rows of a shift by 0, with the request's amount kept at 5.
    let by_zero = ShiftTraces::generate(&[(AluOpcode::Srl, b, 0)]);
    let mut forged = shift_statement(&by_zero);
    set(&mut forged.traces[2], 0, 5, Val::from_u32(c));
    let h = Val::from_u32(c) * Val::from_u32(32).inverse();
    set(&mut forged.traces[SHIFT], 0, col(&SHIFT_COLUMNS, "h"), h);
    // (c1, 32h) is now (0, 5) instead of (0, 0); (h, 0) stays counted as (0, 0).
    let bytes = &mut forged.traces[0];
    set(bytes, 0, 0, get(bytes, 0, 0) - Val::ONE);
    set(bytes, c as usize, 0, get(bytes, c as usize, 0) + Val::ONE);
    assert!(prove_and_verify(&forged).is_err());
}

/// Each shift column, in rows of every operation and in a padding row, +1 or a random amount:
/// rejected.
#[test]
fn mutation_harness_shift() {
    // A negative SRA with a bit and a byte shift, a random row and a padding row.
    let mut ops = vec![(AluOpcode::Sra, 0x9234_5678, 11)];
    ops.extend(ops_for(crate::shift::handles, 10, 2));
    let mut rows = harness_rows(&mut ops, (AluOpcode::Sra, 0x8000_1234, 13), 19);
    rows[0] = 0;
    let traces = ShiftTraces::generate(&ops);
    let tried = sweep_columns(&shift_statement(&traces), SHIFT, &SHIFT_COLUMNS, &rows, 19);
    eprintln!("shift mutation harness: {tried} single-cell mutations, all rejected");
}

// ---------------------------------------------------------------------------------------------
// Multiplication
// ---------------------------------------------------------------------------------------------

use crate::mul::{MulOpcode, MulTraces, MUL_COLUMNS};

const MUL: usize = 2;

fn mul_statement(t: &MulTraces) -> Statement {
    Statement {
        airs: vec![
            MachineAir::Range16,
            MachineAir::Bytes,
            MachineAir::Mul,
            MachineAir::AluPort,
        ],
        traces: vec![
            t.range16.clone(),
            t.bytes.clone(),
            t.mul.clone(),
            t.port.clone(),
        ],
    }
}

fn mul_ops(seed: u64, random: usize) -> Vec<(MulOpcode, u32, u32)> {
    let edges = [
        0u32,
        1,
        2,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x0001_0000,
    ];
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut ops = Vec::new();
    for op in MulOpcode::ALL {
        for &b in &edges {
            ops.extend(edges.iter().map(|&c| (op, b, c)));
        }
        ops.extend((0..random).map(|_| (op, rng.random(), rng.random())));
    }
    ops
}

#[test]
fn mul_results_match_the_isa_and_verify() {
    let ops = mul_ops(3, 8);
    let traces = MulTraces::generate(&ops);
    assert_isa_results(&ops, &traces.results, MulOpcode::isa);
    prove_and_verify(&mul_statement(&traces)).unwrap();
}

/// A wrong MUL high word (and low word), claimed consistently by the row and the request.
#[test]
fn wrong_mul_words_are_rejected() {
    for (op, b, c) in [
        (MulOpcode::Mulh, 0xffff_ffffu32, 0xffff_ffffu32),
        (MulOpcode::Mulhu, 0xffff_ffff, 0xffff_ffff),
        (MulOpcode::Mulhsu, 0x8000_0000, 3),
        (MulOpcode::Mul, 0x1234_5678, 0x9abc_def0),
    ] {
        let honest = MulTraces::generate(&[(op, b, c)]);
        prove_and_verify(&mul_statement(&honest)).unwrap();
        // The other signedness's high word, or the low word + 1.
        let wrong = match op {
            MulOpcode::Mulh => MulOpcode::Mulhu.isa().apply(b, c),
            MulOpcode::Mulhu => MulOpcode::Mulh.isa().apply(b, c),
            MulOpcode::Mulhsu => MulOpcode::Mulhu.isa().apply(b, c),
            MulOpcode::Mul => honest.results[0].wrapping_add(1),
        };
        assert_ne!(wrong, honest.results[0]);
        let mut forged = mul_statement(&honest);
        for (i, &byte) in wrong.to_le_bytes().iter().enumerate() {
            set(
                &mut forged.traces[MUL],
                0,
                col(&MUL_COLUMNS, &format!("a{i}")),
                Val::from_u8(byte),
            );
        }
        set(&mut forged.traces[3], 0, 1, Val::from_u32(wrong & 0xffff));
        set(&mut forged.traces[3], 0, 2, Val::from_u32(wrong >> 16));
        assert!(
            prove_and_verify(&forged).is_err(),
            "{op:?} {b:#x} {c:#x} = {wrong:#x}"
        );
    }
}

#[test]
fn mutation_harness_mul() {
    let ops = mul_ops(4, 1);
    let traces = MulTraces::generate(&ops);
    prove_and_verify(&mul_statement(&traces)).unwrap();
    let mut rng = SmallRng::seed_from_u64(11);
    let mut tried = 0;
    for (c, name) in MUL_COLUMNS.iter().enumerate() {
        let row = rng.random_range(0..ops.len());
        let mut mutated = mul_statement(&traces);
        let old = get(&mutated.traces[MUL], row, c);
        let delta = if rng.random_bool(0.5) {
            Val::ONE
        } else {
            Val::from_u32(rng.random_range(2..1 << 20))
        };
        set(&mut mutated.traces[MUL], row, c, old + delta);
        tried += 1;
        assert!(
            prove_and_verify(&mutated).is_err(),
            "mutation of {name} in row {row} ({:?}) accepted",
            ops[row].0
        );
    }
    eprintln!("MUL mutation harness: {tried} single-cell mutations, all rejected");
}

// ---------------------------------------------------------------------------------------------
// Division
// ---------------------------------------------------------------------------------------------

use crate::div::{div_columns, DivOpcode, DivTraces};

fn div_statement(t: &DivTraces) -> Statement {
    Statement {
        airs: vec![
            MachineAir::Range16,
            MachineAir::Bytes,
            MachineAir::Div,
            MachineAir::AluPort,
        ],
        traces: vec![
            t.range16.clone(),
            t.bytes.clone(),
            t.div.clone(),
            t.port.clone(),
        ],
    }
}

fn div_ops(seed: u64, random: usize) -> Vec<(DivOpcode, u32, u32)> {
    // Zero divisors, the signed overflow −2^31 / −1, signs of every combination.
    let edges = [
        0u32,
        1,
        7,
        0xffff_fff9,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        2,
    ];
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut ops = Vec::new();
    for op in DivOpcode::ALL {
        for &b in &edges {
            ops.extend(edges.iter().map(|&c| (op, b, c)));
        }
        ops.extend((0..random).map(|_| {
            (
                op,
                rng.random(),
                rng.random::<u32>() >> rng.random_range(0..32),
            )
        }));
    }
    ops
}

#[test]
fn div_results_match_the_isa_and_verify() {
    let ops = div_ops(5, 8);
    let traces = DivTraces::generate(&ops);
    for (&(op, b, c), &a) in ops.iter().zip(&traces.results) {
        assert_eq!(a, op.isa().apply(b, c), "{op:?} {b:#x} {c:#x}");
    }
    prove_and_verify(&div_statement(&traces)).unwrap();
}

/// Forged quotient/remainder pairs with every other cell filled consistently: `c·q + r = b`
/// holds but the remainder is too large, has the wrong sign, or the zero-divisor quotient is
/// not all ones.
#[test]
fn forged_divisions_are_rejected() {
    let cases: [(DivOpcode, u32, u32, (u32, u32)); 4] = [
        (DivOpcode::Divu, 7, 2, (2, 3)),                          // r = 3 ≥ c
        (DivOpcode::Div, (-7i32) as u32, 2, ((-4i32) as u32, 1)), // r > 0, b < 0
        (
            DivOpcode::Rem,
            7,
            (-2i32) as u32,
            ((-4i32) as u32, (-1i32) as u32),
        ), // r < 0, b > 0
        (DivOpcode::Divu, 9, 0, (0, 9)),                          // 9 / 0 claimed 0
    ];
    for (op, b, c, (q, r)) in cases {
        let honest = DivTraces::generate(&[(op, b, c)]);
        prove_and_verify(&div_statement(&honest)).unwrap();
        let forged = DivTraces::generate_with(&[(op, b, c)], |_, _, _, _| (q, r));
        assert!(
            prove_and_verify(&div_statement(&forged)).is_err(),
            "{op:?} {b:#x} {c:#x} with q = {q:#x}, r = {r:#x}"
        );
    }
}

#[test]
fn mutation_harness_div() {
    let ops = div_ops(6, 1);
    let traces = DivTraces::generate(&ops);
    prove_and_verify(&div_statement(&traces)).unwrap();
    let names = div_columns();
    let mut rng = SmallRng::seed_from_u64(13);
    let mut tried = 0;
    for (c, name) in names.iter().enumerate() {
        let row = rng.random_range(0..ops.len());
        let mut mutated = div_statement(&traces);
        let old = get(&mutated.traces[2], row, c);
        let delta = if rng.random_bool(0.5) {
            Val::ONE
        } else {
            Val::from_u32(rng.random_range(2..1 << 20))
        };
        set(&mut mutated.traces[2], row, c, old + delta);
        tried += 1;
        assert!(
            prove_and_verify(&mutated).is_err(),
            "mutation of {name} in row {row} ({:?}) accepted",
            ops[row]
        );
    }
    eprintln!("DIV mutation harness: {tried} single-cell mutations, all rejected");
}
