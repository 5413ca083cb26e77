//! The example guests, built with the real guest toolchain and run by the executor, produce the
//! outputs computed here independently (host-side sha2/sha3 crates, a host Fibonacci and Merkle
//! tree).

use keel_e2e::example_program;
use keel_executor::{run, Input, RunOptions, RunResult, Termination};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sha3::Keccak256;

fn run_guest(name: &str, input: Input) -> RunResult {
    run(&example_program(name), input, &RunOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_halted_with(result: &RunResult, public_values: &[u8]) {
    assert_eq!(result.termination, Termination::Halt);
    assert_eq!(
        result.exit_code,
        0,
        "stderr: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert_eq!(
        hex::encode(&result.public_values),
        hex::encode(public_values)
    );
    let digest: [u8; 32] = Sha256::digest(public_values).into();
    assert_eq!(result.public_values_digest, digest);
}

fn fib(n: u32) -> u32 {
    let (mut a, mut b) = (0u32, 1u32);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

#[test]
fn fibonacci_commits_abi_encoded_n_and_fib() {
    for n in [0u32, 1, 2, 10, 47, 48, 1000] {
        let mut input = Input::new();
        input.write(&n).unwrap();
        let result = run_guest("fibonacci", input);
        let mut expected = [0u8; 64];
        expected[28..32].copy_from_slice(&n.to_be_bytes());
        expected[60..64].copy_from_slice(&fib(n).to_be_bytes());
        assert_halted_with(&result, &expected);
        assert_eq!(
            String::from_utf8_lossy(&result.stdout),
            format!("fib({n}) = {}\n", fib(n))
        );
    }
}

#[test]
fn sha256_and_keccak256_match_host_hashes() {
    let long: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 3) as u8).collect();
    for data in [&b""[..], b"abc", &[0x5a; 55], &[0xa5; 64], &long] {
        let mut input = Input::new();
        input.write_bytes(data.to_vec());
        assert_halted_with(&run_guest("sha256", input.clone()), &Sha256::digest(data));
        assert_halted_with(&run_guest("keccak256", input), &Keccak256::digest(data));
    }
}

#[test]
fn guest_without_input_panics_with_exit_code_101() {
    let result = run_guest("sha256", Input::new());
    assert_eq!(result.exit_code, 101);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("no more private input frames"), "{stderr}");
    assert!(result.public_values.is_empty());
}

#[derive(Serialize)]
struct InclusionClaim {
    leaf: Vec<u8>,
    index: u32,
    siblings: Vec<[u8; 32]>,
    root: [u8; 32],
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct InclusionResult {
    root: [u8; 32],
    leaf_hash: [u8; 32],
    index: u32,
    included: bool,
}

fn h(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update(p);
    }
    hasher.finalize().into()
}

/// A depth-3 tree over 8 leaves; returns (leaves, levels) with levels[0] the leaf hashes.
fn tree() -> (Vec<Vec<u8>>, Vec<Vec<[u8; 32]>>) {
    let leaves: Vec<Vec<u8>> = (0..8u8)
        .map(|i| format!("account-{i}").into_bytes())
        .collect();
    let mut levels = vec![leaves.iter().map(|l| h(&[&[0], l])).collect::<Vec<_>>()];
    while levels.last().unwrap().len() > 1 {
        let next = levels
            .last()
            .unwrap()
            .chunks(2)
            .map(|p| h(&[&[1], &p[0], &p[1]]))
            .collect();
        levels.push(next);
    }
    (leaves, levels)
}

fn claim_for(index: usize) -> InclusionClaim {
    let (leaves, levels) = tree();
    let siblings = (0..3)
        .map(|level| levels[level][(index >> level) ^ 1])
        .collect();
    InclusionClaim {
        leaf: leaves[index].clone(),
        index: index as u32,
        siblings,
        root: levels[3][0],
    }
}

fn run_merkle(claim: &InclusionClaim) -> RunResult {
    let mut input = Input::new();
    input.write(claim).unwrap();
    run_guest("merkle", input)
}

#[test]
fn merkle_proves_inclusion_of_every_leaf() {
    let (_, levels) = tree();
    for index in 0..8 {
        let claim = claim_for(index);
        let expected = InclusionResult {
            root: levels[3][0],
            leaf_hash: levels[0][index],
            index: index as u32,
            included: true,
        };
        assert_halted_with(
            &run_merkle(&claim),
            &postcard::to_allocvec(&expected).unwrap(),
        );
    }
}

#[test]
fn merkle_reports_a_wrong_leaf_as_not_included() {
    let mut claim = claim_for(5);
    claim.leaf = b"account-6".to_vec();
    let result = run_merkle(&claim);
    let decoded: InclusionResult = postcard::from_bytes(&result.public_values).unwrap();
    assert!(!decoded.included);
    assert_ne!(decoded.root, claim.root);
    assert_eq!(decoded.leaf_hash, h(&[&[0], b"account-6"]));
}

#[test]
fn merkle_rejects_an_index_deeper_than_the_path() {
    let mut claim = claim_for(1);
    claim.index = 8; // bit 3 set, but the path has 3 levels
    let result = run_merkle(&claim);
    assert_eq!(result.exit_code, 101);
    assert!(result.public_values.is_empty());
}

/// Every example guest proves (fast configuration) and verifies on keel's machine, and the
/// verified claim is the executor's exit code and public values.
#[test]
fn every_example_guest_proves_and_verifies() {
    use keel_machine::rv32im::{self, ProveOptions};
    let mut n = Input::new();
    n.write(&20u32).unwrap();
    let mut bytes = Input::new();
    bytes.write_bytes(b"keel proves this".to_vec());
    let mut merkle = Input::new();
    merkle.write(&claim_for(5)).unwrap();
    let mut rounds = Input::new();
    rounds.write_bytes(1u32.to_le_bytes().to_vec());
    let cases = [
        ("fibonacci", n),
        ("sha256", bytes.clone()),
        ("keccak256", bytes),
        ("merkle", merkle),
        ("bench", rounds),
    ];
    for (name, input) in cases {
        let program = example_program(name);
        let expected = run(&program, input.clone(), &RunOptions::default()).unwrap();
        let start = std::time::Instant::now();
        let proven = rv32im::prove(&program, input, &ProveOptions::default(), |_| {})
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let proved = start.elapsed();
        let verified = rv32im::verify(&proven.file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.program_id, rv32im::program_id(&program).unwrap());
        assert_eq!(verified.exit_code, expected.exit_code, "{name}");
        assert_eq!(verified.public_values, expected.public_values, "{name}");
        eprintln!(
            "{name}: {} cycles proved in {proved:.2?}, {} proof bytes",
            expected.cycles,
            proven.file.proof.len()
        );
    }
}
