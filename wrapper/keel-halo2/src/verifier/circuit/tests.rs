//! The whole verifier of the Fibonacci outer proof in one `MockProver` circuit; tampered
//! public values, openings, grinding witnesses and final polynomials rejected.

use super::*;
use crate::babybear::BabyBearChip;
use crate::testing::{count_only, lookups, mock, MockOutcome, K, LOOKUP_BITS};
use crate::verifier::fri::verify_fri_with;
use crate::verifier::merkle::{HashArithmetic, NativeHash};
use crate::verifier::ops::Native;
use crate::verifier::transcript::tests::{fibonacci, lookup, Proven};
use crate::verifier::transcript::ReplayedChallenges;
use halo2_base::gates::RangeChip;
use keel_stark::config::Val;

/// Everything the circuit takes for one proof, honest.
struct Fixture {
    replay: TranscriptReplay,
    data: TranscriptData,
    public_values: Vec<Vec<Val>>,
    constraints: Vec<TableConstraints>,
    witness: FriWitness,
    challenges: ReplayedChallenges,
}

fn constraints_of(p: &Proven) -> Vec<TableConstraints> {
    TableConstraints::from_airs(p.airs(), &p.common)
}

fn fixture(p: &Proven) -> Fixture {
    let proof = p.proof();
    let data = TranscriptData::from_proof(&proof).unwrap();
    let replay = p.replay();
    let challenges = replay.replay(&data, p.pvs()).unwrap();
    let claimed = replay.claimed_openings(&data);
    let witness = FriWitness::restore(
        &proof,
        replay.shape(),
        replay.settings(),
        &challenges,
        &claimed,
    )
    .unwrap();
    drop(claimed);
    Fixture {
        public_values: p.pvs().to_vec(),
        constraints: constraints_of(p),
        replay,
        data,
        witness,
        challenges,
    }
}

/// What the circuit was built from, changed in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tamper {
    None,
    /// The first public value.
    PublicValue,
    /// An opened main-trace value at ζ (absorbed, read by the constraints, reduced by FRI).
    OpenedValue,
    /// The query proof-of-work witness.
    QueryPowWitness,
    /// The final polynomial's first coefficient.
    FinalPoly,
    /// Table 0's LogUp terminal (the terminals no longer sum to zero).
    LogUpTerminal,
}

/// Circuit size and step costs of a built circuit.
#[derive(Clone, Copy, Debug)]
struct Built {
    cost: StarkCircuitCost,
    advice: usize,
    lookups: usize,
    public_values: usize,
}

fn build(f: &Fixture, tamper: Tamper, ctx: &mut Context<Fr>, range: &RangeChip<Fr>) -> Built {
    let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
    let poseidon = Permuter::default();
    let mut data = f.data.clone();
    let mut public_values = f.public_values.clone();
    match tamper {
        Tamper::None => {}
        Tamper::PublicValue => public_values[0][0] += Val::ONE,
        Tamper::OpenedValue => data.openings[0].trace_local[0] += Challenge::ONE,
        Tamper::QueryPowWitness => data.query_pow_witness += Val::ONE,
        Tamper::FinalPoly => data.final_poly[0] += Challenge::ONE,
        Tamper::LogUpTerminal => {
            *data.lookup_terminals[0]
                .as_mut()
                .expect("a table with lookups") += Challenge::ONE
        }
    }
    let (cells, cost) = verify_stark_in_circuit(
        ctx,
        &chip,
        &poseidon,
        &f.replay,
        &data,
        &public_values,
        &f.constraints,
        &f.witness,
    )
    .unwrap();
    Built {
        cost,
        advice: ctx.advice.len(),
        lookups: lookups(range),
        public_values: cells.public_values.iter().map(Vec::len).sum(),
    }
}

fn run(f: &Fixture, tamper: Tamper) -> MockOutcome<Built> {
    mock(|ctx, range| build(f, tamper, ctx, range))
}

/// Counts the permutations of the FRI Merkle paths (per-query paths, natively).
struct CountHash<'a>(&'a mut usize, NativeHash);

impl HashArithmetic for CountHash<'_> {
    type Base = Val;
    type Digest = Bn254;
    type Bit = bool;
    fn permute(&mut self, state: [Bn254; 3]) -> [Bn254; 3] {
        *self.0 += 1;
        self.1.permute(state)
    }
    fn pack(&mut self, limbs: &[Val]) -> Bn254 {
        self.1.pack(limbs)
    }
    fn zero(&mut self) -> Bn254 {
        self.1.zero()
    }
    fn order(&mut self, bit: &bool, a: &Bn254, b: &Bn254) -> (Bn254, Bn254) {
        self.1.order(bit, a, b)
    }
    fn assert_digest_equal(
        &mut self,
        a: &Bn254,
        b: &Bn254,
        what: &'static str,
    ) -> Result<(), Mismatch> {
        self.1.assert_digest_equal(a, b, what)
    }
}

fn fri_permutations(f: &Fixture) -> usize {
    let mut perms = 0;
    let claimed = f.replay.claimed_openings(&f.data);
    verify_fri_with(
        &mut Native,
        &mut CountHash(&mut perms, NativeHash::default()),
        f.replay.shape(),
        f.replay.settings(),
        &f.data,
        &f.challenges,
        &claimed,
        &f.witness,
    )
    .unwrap();
    perms
}

#[test]
fn honest_fibonacci_proof_is_verified_in_one_circuit() {
    honest("fibonacci", fibonacci());
}

/// Preprocessed columns, LogUp columns and the terminal sum on the same cells.
#[test]
fn honest_lookup_proof_is_verified_in_one_circuit() {
    honest("lookup", lookup());
}

#[test]
fn unbalanced_logup_terminal_is_rejected() {
    // The terminal is absorbed before α: the sum, the table's identity, the grinding and the
    // paths fail. (The lookup machine's transcript cells overflow advice column 0, so the
    // failures are not classified by step here.)
    let b = rejected_proof(lookup(), Tamper::LogUpTerminal, "changed LogUp terminal");
    assert!(b.roots > 0, "{b:?}");
}

fn honest(name: &str, p: &Proven) {
    let f = fixture(p);
    let built = run(&f, Tamper::None).satisfied();
    assert_eq!(
        built.public_values,
        f.public_values.iter().map(Vec::len).sum::<usize>()
    );
    let transcript = built.cost.transcript_permutations;
    let fri = fri_permutations(&f);
    eprintln!(
        "STARK verifier in-circuit, {name}, k = {K}: {} advice cells ({} transcript + {} out-of-domain + {} FRI), {} lookup cells; {} Poseidon2 permutations ({transcript} transcript + {fri} FRI paths)",
        built.advice,
        built.cost.transcript,
        built.cost.out_of_domain,
        built.cost.fri,
        built.lookups,
        transcript + fri,
    );
}

/// Where a failure sits: the step whose cells it names (the transcript and out-of-domain
/// cells fill the start of advice column 0, so a context offset there is the row).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Breaks {
    /// The commitment cells the Merkle paths are checked against.
    roots: usize,
    /// Other transcript cells: the grinding checks.
    transcript: usize,
    out_of_domain: usize,
    /// FRI cells of column 0, cells of other columns, gates and lookups.
    rest: usize,
}

fn classify(failures: &[String], cost: &StarkCircuitCost, roots: &[usize]) -> Breaks {
    let needle = "(Column('Advice', 0 - ), outside any region, on row ";
    // Offsets are rows of column 0 only while the steps fit in it (conservatively).
    let fits = cost.transcript + cost.out_of_domain < (1 << K) - 64;
    let mut breaks = Breaks::default();
    for f in failures {
        let row = f.find(needle).and_then(|at| {
            let tail = &f[at + needle.len()..];
            let end = tail.find(')')?;
            tail[..end].parse::<usize>().ok()
        });
        match row {
            Some(r) if roots.contains(&r) => breaks.roots += 1,
            Some(r) if fits && r < cost.transcript => breaks.transcript += 1,
            Some(r) if fits && r < cost.transcript + cost.out_of_domain => {
                breaks.out_of_domain += 1
            }
            _ => breaks.rest += 1,
        }
    }
    breaks
}

/// The context offsets (= rows of advice column 0) of the commitment cells: loading the
/// transcript values comes first in the circuit and its layout does not depend on the values.
fn root_rows(f: &Fixture) -> Vec<usize> {
    count_only(LOOKUP_BITS, |ctx, range| {
        let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
        let cells =
            AssignedTranscriptData::load(ctx, &chip, &f.replay, &f.data, &f.public_values).unwrap();
        let offset = |c: &AssignedValue<Fr>| c.cell.expect("a context cell").offset;
        [cells.main_commitment, cells.quotient_commitment]
            .iter()
            .chain(&cells.permutation_commitment)
            .chain(&cells.fri_commitments)
            .map(offset)
            .collect()
    })
}

/// Builds the tampered circuit, asserts it is rejected, and says where.
fn rejected(tamper: Tamper, what: &str) -> Breaks {
    rejected_proof(fibonacci(), tamper, what)
}

fn rejected_proof(p: &Proven, tamper: Tamper, what: &str) -> Breaks {
    let f = fixture(p);
    let outcome = run(&f, tamper);
    let cost = outcome.value.cost;
    let failures = outcome.rejected(what);
    let breaks = classify(&failures, &cost, &root_rows(&f));
    eprintln!("{what}: {breaks:?}");
    breaks
}

#[test]
fn changed_public_value_is_rejected() {
    // The constraints read the changed cell (the boundary constraint and the quotient
    // identity fail); the challenges and query indices change, so the honest paths (opened
    // at the honest indices) fail against the roots, and the honest grinding witnesses no
    // longer grind the changed sponge states.
    let b = rejected(Tamper::PublicValue, "changed public value");
    assert!(b.out_of_domain > 0 && b.roots > 0 && b.rest > 0, "{b:?}");
}

#[test]
fn changed_opened_value_is_rejected() {
    // One cell, absorbed by the transcript, read by the constraints, reduced by FRI.
    let b = rejected(Tamper::OpenedValue, "changed opened main-trace value");
    assert!(b.out_of_domain > 0 && b.roots > 0 && b.rest > 0, "{b:?}");
}

#[test]
fn changed_pow_witness_is_rejected() {
    // The grinding check before the query indices fails in the transcript; the indices it
    // then samples differ, so the paths fail; ζ and α are unchanged, so the out-of-domain
    // identities hold. (Every tamper of a value absorbed before a grinding step also fails
    // that step: the honest witness no longer grinds the changed sponge state.)
    let b = rejected(
        Tamper::QueryPowWitness,
        "changed query proof-of-work witness",
    );
    assert!(
        b.transcript > 0 && b.out_of_domain == 0 && b.roots > 0,
        "{b:?}"
    );
}

#[test]
fn changed_final_polynomial_is_rejected() {
    // Absorbed after ζ: the out-of-domain identities hold; the query grinding (absorbed
    // after it) fails, the final-polynomial check and the paths at the changed indices fail.
    let b = rejected(Tamper::FinalPoly, "changed final-polynomial coefficient");
    assert!(
        b.transcript > 0 && b.out_of_domain == 0 && b.roots > 0,
        "{b:?}"
    );
}
