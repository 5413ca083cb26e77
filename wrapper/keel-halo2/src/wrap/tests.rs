//! The wrap of the three toy machines: real KZG keygen / prove / verify on the INSECURE dev
//! SRS, the key cache, the SNARK file, and `MockProver` on tampered inputs (every kind the
//! issue lists, counted).

use std::sync::OnceLock;

use halo2_base::halo2_proofs::dev::MockProver;
use keel_stark::config::Challenge;
use keel_stark::toy::ToyKind;
use p3_field::PrimeCharacteristicRing;

use super::*;
use crate::srs::{default_srs_dir, load_or_generate_insecure_dev_srs};

const K: u32 = MIN_K;

/// The honest wrap inputs of a toy machine at 2^5 rows, proven once per test binary.
fn honest_inputs(kind: ToyKind) -> &'static WrapInputs {
    static CELLS: [OnceLock<WrapInputs>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = ToyKind::ALL
        .iter()
        .position(|&k| k == kind)
        .expect("a kind");
    CELLS[slot].get_or_init(|| {
        let machine = kind.machine(5);
        let heights = machine.log_heights();
        let (data, proof) = machine.prove_outer().unwrap();
        WrapInputs::new(
            &machine.airs,
            &heights,
            &data.common,
            &proof,
            &machine.public_values,
        )
        .unwrap()
    })
}

fn params() -> &'static KzgParams {
    static P: OnceLock<KzgParams> = OnceLock::new();
    P.get_or_init(|| load_or_generate_insecure_dev_srs(&default_srs_dir(), K).unwrap())
}

/// Keygen, prove, verify; a flipped proof byte, a changed instance and another circuit's
/// key are rejected.
fn real_wrap(kind: ToyKind) -> Snark {
    let inputs = honest_inputs(kind);
    let params = params();
    let keys = WrapKeys::generate(inputs, K, params).unwrap();
    let snark = wrap(params, &keys, inputs).unwrap();
    assert_eq!(snark.instances, inputs.instances());
    verify_snark(params, keys.id, &keys.vk, &snark).unwrap();
    eprintln!(
        "{}: k = {K}, {} public instances, {}-byte proof, gate column sets {}",
        kind.name(),
        snark.instances.len(),
        snark.proof.len(),
        keys.pinning.poseidon2_column_sets
    );

    let mut flipped = snark.clone();
    let middle = flipped.proof.len() / 2;
    flipped.proof[middle] ^= 1;
    assert!(verify_snark(params, keys.id, &keys.vk, &flipped).is_err());
    for i in 0..snark.instances.len() {
        let mut changed = snark.clone();
        changed.instances[i] += Fr::ONE;
        assert!(
            matches!(
                verify_snark(params, keys.id, &keys.vk, &changed),
                Err(WrapError::Prover(ProverError::Invalid(_)))
            ),
            "instance {i} changed"
        );
    }
    let mut other = snark.clone();
    other.key_id.0[0] ^= 1;
    assert!(matches!(
        verify_snark(params, keys.id, &keys.vk, &other),
        Err(WrapError::KeyMismatch { .. })
    ));
    snark
}

#[test]
fn fibonacci_wrap_proves_and_verifies_with_kzg() {
    let snark = real_wrap(ToyKind::Fibonacci);
    // No preprocessed columns: only the packed public values (a, b, fib) in one element.
    assert_eq!(snark.instances.len(), 1);
}

#[test]
fn lookup_wrap_proves_and_verifies_with_kzg() {
    let snark = real_wrap(ToyKind::Lookup);
    // The program (preprocessed byte table) commitment; no public values.
    assert_eq!(snark.instances.len(), 1);
    let pre = honest_inputs(ToyKind::Lookup)
        .replay
        .shape()
        .preprocessed
        .clone();
    assert_eq!(snark.instances[0], bn254_to_fr(&pre.unwrap().commitment));
}

#[test]
fn zkvm_like_wrap_proves_and_verifies_with_kzg() {
    let snark = real_wrap(ToyKind::ZkvmLike);
    // Program commitment + 3 public values packed into one element.
    assert_eq!(snark.instances.len(), 2);
}

#[test]
fn keys_are_cached_checked_and_reused() {
    let inputs = honest_inputs(ToyKind::Fibonacci);
    let params = params();
    let dir = tempfile::tempdir().unwrap();
    let (keys, source) = WrapKeys::load_or_generate(dir.path(), inputs, K, params).unwrap();
    assert_eq!(source, KeySource::Generated);
    let (cached, source) = WrapKeys::load_or_generate(dir.path(), inputs, K, params).unwrap();
    assert_eq!(source, KeySource::Cached);
    assert_eq!(cached.id, keys.id);
    assert_eq!(
        cached.vk.to_bytes(SerdeFormat::RawBytes),
        keys.vk.to_bytes(SerdeFormat::RawBytes)
    );
    // Keys regenerate deterministically: the same verifying key.
    let again = WrapKeys::generate(inputs, K, params).unwrap();
    assert_eq!(
        again.vk.to_bytes(SerdeFormat::RawBytes),
        keys.vk.to_bytes(SerdeFormat::RawBytes)
    );
    // A SNARK proven with the cached proving key verifies with the fresh verifying key.
    let snark = wrap(params, &cached, inputs).unwrap();
    verify_snark(params, keys.id, &again.vk, &snark).unwrap();

    // Another machine shape has another key id; so has another k.
    let lookup = honest_inputs(ToyKind::Lookup);
    assert_ne!(inputs.key_id(K, params), lookup.key_id(K, params));
    assert_ne!(inputs.key_id(K, params), inputs.key_id(K + 1, params));
    // A corrupted key file is an error naming it, not a panic.
    let key_dir = WrapKeys::cache_dir(dir.path(), inputs, K, params);
    let pk_path = key_dir.join("pk.bin");
    let mut pk = fs::read(&pk_path).unwrap();
    let middle = pk.len() / 2;
    pk[middle] ^= 1;
    fs::write(&pk_path, &pk).unwrap();
    match WrapKeys::load_or_generate(dir.path(), inputs, K, params) {
        Err(WrapError::CorruptKeys { path, .. }) => assert_eq!(path, pk_path),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a corrupted proving key was loaded"),
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = fs::read_dir(&key_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn snark_file_round_trips_and_malformed_files_are_errors() {
    let snark = Snark {
        key_id: KeyId([7; 32]),
        k: 17,
        kind: SnarkKind::Wrap,
        instances: vec![Fr::from(5u64), -Fr::ONE],
        proof: (0..200u8).collect(),
    };
    let bytes = snark.to_bytes();
    assert_eq!(Snark::from_bytes(&bytes).unwrap(), snark);
    for cut in 0..bytes.len() {
        assert!(Snark::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(Snark::from_bytes(&trailing).is_err());
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert!(Snark::from_bytes(&magic).is_err());
    let mut version = bytes.clone();
    version[8] = version[8].wrapping_add(1);
    assert!(Snark::from_bytes(&version).is_err());
    // Instance 1 (r − 1) with its top byte set: ≥ r, not canonical.
    let mut non_canonical = bytes.clone();
    let top = 8 + 4 + 32 + 4 + 4 + 4 + 32 + 31;
    non_canonical[top] = 0xff;
    assert!(Snark::from_bytes(&non_canonical).is_err());
    // An unknown circuit kind, and an aggregation with fewer instances than accumulator limbs.
    let mut kind = bytes.clone();
    kind[48..52].copy_from_slice(&2u32.to_le_bytes());
    assert!(Snark::from_bytes(&kind).is_err());
    kind[48..52].copy_from_slice(&1u32.to_le_bytes());
    assert!(Snark::from_bytes(&kind).is_err());
    // A huge instance count is an error, not an allocation.
    let mut count = bytes.clone();
    count[52..56].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(Snark::from_bytes(&count).is_err());
    // An aggregation SNARK round-trips; its statement follows the accumulator limbs.
    let aggregated = Snark {
        kind: SnarkKind::Aggregation,
        instances: (0..15u64).map(Fr::from).collect(),
        ..snark
    };
    let decoded = Snark::from_bytes(&aggregated.to_bytes()).unwrap();
    assert_eq!(decoded, aggregated);
    assert_eq!(decoded.statement(), &aggregated.instances[12..]);
}

#[test]
fn public_values_pack_eight_per_element() {
    let values: Vec<Vec<Val>> = vec![
        (1..=5).map(Val::from_u32).collect(),
        vec![],
        (6..=10).map(Val::from_u32).collect(),
    ];
    let packed = pack_public_values(&values);
    assert_eq!(packed.len(), 2);
    let expected0 = (0..8u64).rev().fold(Fr::ZERO, |acc, j| {
        acc * Fr::from(1u64 << 31) + Fr::from(j + 1)
    });
    assert_eq!(packed[0], expected0);
    assert_eq!(
        packed[1],
        Fr::from(9u64) + Fr::from(10u64) * Fr::from(1u64 << 31)
    );
    // The largest canonical values do not wrap.
    let max = vec![vec![Val::from_u32(Val::ORDER_U32 - 1); 8]];
    let big = pack_public_values(&max)[0];
    assert_ne!(big, Fr::ZERO);
}

// ---------------------------------------------------------------------------------------------
// MockProver: tampered wrap inputs and instances
// ---------------------------------------------------------------------------------------------

/// One change to the honest inputs or instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tamper {
    /// The `i`-th opened value at ζ / ζ·g (all tables, PCS order), + 1.
    OpenedValue(usize),
    /// Query `q`, input batch `b`: sibling digest at `level`, + 1.
    InputSibling { q: usize, b: usize, level: usize },
    /// Query `q`, input batch `b`: the first value of the opened row of matrix 0, + 1.
    InputRow { q: usize, b: usize },
    /// Query `q`, FRI round `r`: the sibling (layer) value, + 1.
    LayerValue { q: usize, r: usize },
    /// Query `q`, FRI round `r`: sibling digest at `level`, + 1.
    LayerSibling { q: usize, r: usize, level: usize },
    /// Final-polynomial coefficient `i`, + 1.
    FinalPoly(usize),
    /// Public value `i` (flattened) changed in the witness: the proof does not verify with it.
    PublicValueWitness(usize),
    /// Public instance `i` changed (the honest witness, another claimed statement).
    Instance(usize),
    /// The program (preprocessed) commitment in the witness changed.
    ProgramCommitmentWitness,
}

impl Tamper {
    fn kind(self) -> &'static str {
        match self {
            Tamper::OpenedValue(_) => "opened value (OOD)",
            Tamper::InputSibling { .. } => "Merkle sibling (input batch)",
            Tamper::InputRow { .. } => "opened row at a query (input batch)",
            Tamper::LayerValue { .. } => "FRI layer value",
            Tamper::LayerSibling { .. } => "Merkle sibling (FRI layer)",
            Tamper::FinalPoly(_) => "final-polynomial coefficient",
            Tamper::PublicValueWitness(_) => "public value (witness)",
            Tamper::Instance(_) => "public instance (value / program commitment)",
            Tamper::ProgramCommitmentWitness => "program commitment (witness)",
        }
    }
}

fn bump_ext(v: &mut Challenge) {
    *v += Challenge::ONE;
}

/// Applies `tamper`; returns the tampered inputs and the instances to check against.
fn tampered(honest: &WrapInputs, tamper: Tamper) -> (WrapInputs, Vec<Fr>) {
    let mut data = honest.data.clone();
    let mut witness = honest.witness.clone();
    let mut public_values = honest.public_values.clone();
    let mut shape = honest.replay.shape().clone();
    let mut instances = honest.instances();
    match tamper {
        Tamper::OpenedValue(i) => {
            let mut all: Vec<&mut Challenge> = Vec::new();
            for t in &mut data.openings {
                all.extend(t.trace_local.iter_mut());
                all.extend(t.trace_next.iter_mut().flatten());
                all.extend(t.preprocessed_local.iter_mut().flatten());
                all.extend(t.preprocessed_next.iter_mut().flatten());
                all.extend(t.quotient_chunks.iter_mut().flatten());
                all.extend(t.permutation_local.iter_mut());
                all.extend(t.permutation_next.iter_mut());
            }
            let n = all.len();
            bump_ext(all.into_iter().nth(i % n).expect("an opened value"));
        }
        Tamper::InputSibling { q, b, level } => {
            witness.queries[q].inputs[b].siblings[level] += p3_bn254::Bn254::ONE
        }
        Tamper::InputRow { q, b } => witness.queries[q].inputs[b].rows[0][0] += Val::ONE,
        Tamper::LayerValue { q, r } => bump_ext(&mut witness.queries[q].rounds[r].sibling_value),
        Tamper::LayerSibling { q, r, level } => {
            witness.queries[q].rounds[r].siblings[level] += p3_bn254::Bn254::ONE
        }
        Tamper::FinalPoly(i) => bump_ext(&mut data.final_poly[i]),
        Tamper::PublicValueWitness(i) => {
            let v = public_values
                .iter_mut()
                .flatten()
                .nth(i)
                .expect("a public value");
            *v += Val::ONE;
        }
        Tamper::Instance(i) => instances[i] += Fr::ONE,
        Tamper::ProgramCommitmentWitness => {
            shape
                .preprocessed
                .as_mut()
                .expect("preprocessed")
                .commitment += p3_bn254::Bn254::ONE
        }
    }
    let inputs = WrapInputs {
        replay: TranscriptReplay::new(*honest.replay.settings(), shape),
        data,
        public_values,
        constraints: honest.constraints.clone(),
        witness,
        commitment_tag: honest.commitment_tag,
        layout: honest.layout,
    };
    (inputs, instances)
}

/// `MockProver`'s verdict on the wrap of `inputs` checked against `instances`.
fn mock_verdict(inputs: &WrapInputs, instances: Vec<Fr>) -> Result<(), usize> {
    let built = build_circuit(inputs, K, CircuitBuilderStage::Mock, None).unwrap();
    let prover = MockProver::run(K, &built.circuit, vec![instances]).unwrap();
    prover.verify().map_err(|failures| failures.len())
}

/// Tampers spread over the proof: `per_kind` positions of each witness kind (first, last and
/// evenly spaced queries, rounds and levels), every final-polynomial coefficient, every
/// instance, every public value and the program commitment.
fn tampers(inputs: &WrapInputs, per_kind: usize) -> Vec<Tamper> {
    let w = &inputs.witness;
    let queries = w.queries.len();
    let spread = |n: usize, i: usize| {
        if per_kind <= 1 {
            0
        } else {
            i * (n - 1) / (per_kind - 1)
        }
    };
    let mut out = Vec::new();
    let opened: usize = inputs
        .data
        .openings
        .iter()
        .map(|t| {
            t.trace_local.len()
                + t.trace_next.as_ref().map_or(0, Vec::len)
                + t.preprocessed_local.as_ref().map_or(0, Vec::len)
                + t.preprocessed_next.as_ref().map_or(0, Vec::len)
                + t.quotient_chunks.iter().map(Vec::len).sum::<usize>()
                + t.permutation_local.len()
                + t.permutation_next.len()
        })
        .sum();
    for i in 0..per_kind {
        out.push(Tamper::OpenedValue(spread(opened, i)));
        let q = spread(queries, i);
        let opening = &w.queries[q];
        let b = i % opening.inputs.len();
        let depth = opening.inputs[b].siblings.len();
        out.push(Tamper::InputSibling {
            q,
            b,
            level: spread(depth, i),
        });
        out.push(Tamper::InputRow { q, b });
        let r = i % opening.rounds.len();
        out.push(Tamper::LayerValue { q, r });
        let depth = opening.rounds[r].siblings.len();
        if depth > 0 {
            out.push(Tamper::LayerSibling {
                q,
                r,
                level: spread(depth, i),
            });
        }
    }
    out.extend((0..inputs.data.final_poly.len()).map(Tamper::FinalPoly));
    let values: usize = inputs.public_values.iter().map(Vec::len).sum();
    out.extend((0..values).map(Tamper::PublicValueWitness));
    out.extend((0..inputs.instances().len()).map(Tamper::Instance));
    if inputs.replay.shape().preprocessed.is_some() {
        out.push(Tamper::ProgramCommitmentWitness);
    }
    out
}

/// Runs every tamper of `kind`'s inputs through `MockProver`; asserts each is rejected and the
/// honest circuit accepted; prints the count per tamper kind.
fn tamper_suite(kind: ToyKind, per_kind: usize) {
    let honest = honest_inputs(kind);
    assert_eq!(mock_verdict(honest, honest.instances()), Ok(()), "honest");
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for tamper in tampers(honest, per_kind) {
        let (inputs, instances) = tampered(honest, tamper);
        let verdict = mock_verdict(&inputs, instances);
        assert!(verdict.is_err(), "{}: {tamper:?} accepted", kind.name());
        match counts.iter_mut().find(|(k, _)| *k == tamper.kind()) {
            Some((_, n)) => *n += 1,
            None => counts.push((tamper.kind(), 1)),
        }
    }
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    eprintln!(
        "{}: {total} tampered wraps, all rejected by MockProver: {counts:?}",
        kind.name()
    );
}

/// Positions per witness kind: `$KEEL_WRAP_TAMPERS` (the bench sets more), else `default`.
fn per_kind(default: usize) -> usize {
    std::env::var("KEEL_WRAP_TAMPERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .max(1)
}

#[test]
fn tampered_fibonacci_wraps_are_rejected() {
    tamper_suite(ToyKind::Fibonacci, per_kind(3));
}

#[test]
fn tampered_lookup_wraps_are_rejected() {
    tamper_suite(ToyKind::Lookup, per_kind(2));
}

#[test]
fn tampered_zkvm_like_wraps_are_rejected() {
    tamper_suite(ToyKind::ZkvmLike, per_kind(1));
}

/// The machine's memory-checking tables (global LogUp multiset buses with sends and receives,
/// a 2^16-row preprocessed range table, a program-specific preprocessed image) go through the
/// same wrap: the circuit is satisfied, and a changed program (image) commitment instance is
/// rejected.
#[test]
fn memory_machine_wrap_is_satisfied() {
    use keel_machine::memory::{memory_key, Access, ImageTable, KeyRange, MemoryTraces};
    use keel_machine::MachineAir;
    use p3_matrix::Matrix;

    let image = ImageTable::new(
        vec![(memory_key(0x1_0000), 0xdead_beef)],
        KeyRange::everything(),
    )
    .unwrap();
    let key = memory_key(0x1_0000);
    let accesses = [
        Access { key, write: None },
        Access {
            key: 5,
            write: Some(0x1234_5678),
        },
        Access {
            key,
            write: Some(7),
        },
        Access {
            key: 5,
            write: None,
        },
    ];
    let traces = MemoryTraces::generate(&image, &accesses).unwrap();
    let airs = vec![
        MachineAir::Range16,
        MachineAir::MemoryImage(image),
        MachineAir::MemoryBoundary,
        MachineAir::MemoryPort,
    ];
    let traces = vec![traces.range16, traces.image, traces.boundary, traces.port];
    let heights: Vec<usize> = traces
        .iter()
        .map(|t| t.height().trailing_zeros() as usize)
        .collect();
    let public_values = vec![vec![]; airs.len()];
    let config = outer_config();
    let data = keel_stark::stark::setup(&config, &airs, &heights).unwrap();
    let proof = keel_stark::stark::prove(&config, &airs, &traces, &public_values, &data).unwrap();
    let inputs = WrapInputs::new(&airs, &heights, &data.common, &proof, &public_values).unwrap();
    let instances = inputs.instances();
    assert_eq!(instances.len(), 1, "the program commitment only");
    assert_eq!(mock_verdict(&inputs, instances.clone()), Ok(()));
    let mut wrong = instances;
    wrong[0] += Fr::ONE;
    assert!(mock_verdict(&inputs, wrong).is_err());
}

/// The whole RV32IM machine (every table, the smallest shape: a three-instruction program) goes
/// through the wrap with the program id as its first instance: the circuit is satisfied, the
/// instance is the id `keel program-id` prints, and a changed program id or exit code instance,
/// or the untagged root in the id's place, is rejected.
#[test]
fn rv32im_machine_wrap_exposes_the_program_id() {
    use keel_executor::{testing, Input, Program};
    use keel_isa::encode::asm::{addi, ecall};
    use keel_machine::rv32im::{self, ProveOptions};
    use keel_stark::config::ConfigKind;

    let code = [addi(10, 0, 7), addi(17, 0, 93), ecall()];
    let program = Program::from_elf(&testing::elf_from_instructions(0x1_0000, &code, &[])).unwrap();
    let options = ProveOptions {
        config: ConfigKind::Outer,
        ..ProveOptions::default()
    };
    let run = rv32im::prove(&program, Input::new(), &options, |_| {}).unwrap();
    assert_eq!(run.result.exit_code, 7);
    let (airs, heights, id) = rv32im::tables_and_heights(&run.file).unwrap();
    assert_eq!(id, rv32im::program_id(&program).unwrap());
    let data = keel_stark::stark::setup(&outer_config(), &airs, &heights).unwrap();
    let proof = run.file.proof::<OuterConfig>().unwrap();
    let public_values = run.file.public_values().unwrap();
    let untagged = WrapInputs::new(&airs, &heights, &data.common, &proof, &public_values).unwrap();
    let root = untagged.instances()[0];
    let inputs = untagged.with_commitment_tag(crate::convert::bn254_to_fr(&rv32im::id_tag(&airs)));
    let instances = inputs.instances();
    let mut id_le = id.0;
    id_le.reverse();
    assert_eq!(
        instances[0].to_bytes(),
        id_le,
        "the first instance is the program id"
    );
    // Exit code and digest: 18 public values, 8 per instance.
    assert_eq!(instances.len(), 4);
    assert_eq!(mock_verdict(&inputs, instances.clone()), Ok(()));
    for (i, what) in [(0, "program id"), (1, "exit code and digest")] {
        let mut wrong = instances.clone();
        wrong[i] += Fr::ONE;
        assert!(mock_verdict(&inputs, wrong).is_err(), "changed {what}");
    }
    let mut raw = instances;
    raw[0] = root;
    assert!(mock_verdict(&inputs, raw).is_err(), "the untagged root");
}
