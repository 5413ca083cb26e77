//! The memory argument proven with the fast configuration: honest access sequences verify;
//! forged reads, double initialisation, unsorted boundaries, timestamp reversals and every
//! single-cell mutation tried are rejected by the verifier (proofs forced through the prover:
//! the workspace's dev profile builds Plonky3's batch prover without its debug checks).

use keel_stark::config::{fast_config, FastConfig, Val};
use keel_stark::stark::{prove, setup, verify, StarkError};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_matrix::dense::RowMajorMatrix;
use p3_matrix::Matrix;
use rand_p3::rngs::SmallRng;
use rand_p3::{RngExt, SeedableRng};

use crate::memory::{
    columns, memory_key, register_key, Access, ImageTable, MemoryTraces, KEY_LIMIT,
};
use crate::MachineAir;

/// The tables and traces of one memory-argument proof.
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
fn prove_and_verify(s: &Statement) -> Result<(), StarkError> {
    let config = fast_config();
    let heights: Vec<usize> = s
        .traces
        .iter()
        .map(|t| t.height().trailing_zeros() as usize)
        .collect();
    let data = setup(&config, &s.airs, &heights)?;
    let public_values = vec![vec![]; s.airs.len()];
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prove::<FastConfig, _>(&config, &s.airs, &s.traces, &public_values, &data)
    }));
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
    assert!(ImageTable::new(vec![(40, 1), (40, 2)]).is_err());
    assert!(ImageTable::new(vec![(KEY_LIMIT, 1)]).is_err());
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
