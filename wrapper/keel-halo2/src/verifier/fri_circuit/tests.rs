//! All queries of a real outer proof verified in a `MockProver`; tampered witnesses rejected.

use super::*;
use crate::babybear::BabyBearChip;
use crate::testing::{count_only, mock, MockOutcome, LOOKUP_BITS};
use crate::verifier::fri::{BatchKind, FriWitness};
use crate::verifier::transcript::tests::{fibonacci, zkvm_like, Proven};
use crate::verifier::transcript::{ReplayedChallenges, TranscriptData};
use keel_stark::config::FriSettings;
use p3_bn254::Bn254;

const SETTINGS: FriSettings = FriSettings::OUTER;

/// A real proof's FRI inputs, restored and accepted by the native verifier.
struct Fixture {
    plan: FriPlan,
    data: TranscriptData,
    ch: ReplayedChallenges,
    witness: FriWitness,
    input_commitments: Vec<Bn254>,
}

fn fixture(p: &Proven) -> Fixture {
    let proof = p.proof();
    let data = TranscriptData::from_proof(&proof).unwrap();
    let replay = p.replay();
    let ch = replay.replay(&data, p.pvs()).unwrap();
    let claimed = replay.claimed_openings(&data);
    let plan = FriPlan::new(&p.shape, &SETTINGS, &claimed).unwrap();
    let witness = FriWitness::restore(&proof, &p.shape, &SETTINGS, &ch, &claimed).unwrap();
    crate::verifier::fri::verify_fri(&p.shape, &SETTINGS, &data, &ch, &claimed, &witness)
        .expect("the native verifier accepts the honest proof");
    let input_commitments = plan
        .batches()
        .iter()
        .map(|b| match b.kind {
            BatchKind::Main => data.main_commitment,
            BatchKind::Quotient => data.quotient_commitment,
            BatchKind::Preprocessed => p.shape.preprocessed.as_ref().unwrap().commitment,
            BatchKind::LogUp => data.permutation_commitment.unwrap(),
        })
        .collect();
    drop(claimed);
    Fixture {
        plan,
        data,
        ch,
        witness,
        input_commitments,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tamper {
    None,
    /// An opened value of the main trace (the cell hashed and reduced).
    OpenedRow,
    /// The sibling value of commit-phase round 1.
    SiblingValue,
    /// A sibling digest of the quotient batch's path.
    PathDigest,
    /// Index bit 0 flipped (the index cell unchanged).
    IndexBit,
    /// The final polynomial's first coefficient.
    FinalPoly,
}

/// Where some cells of a built circuit sit (offsets in the context = rows of advice column 0
/// while the context is shorter than a column).
#[derive(Clone, Debug, Default)]
struct Probes {
    input_commitments: Vec<usize>,
    round_commitments: Vec<usize>,
    first_index: usize,
    total_cells: usize,
}

fn offset(cell: &AssignedValue<Fr>) -> usize {
    cell.cell.expect("a context cell").offset
}

/// Builds one circuit verifying `queries` of `f`'s proof (with `tamper` applied to the first)
/// and returns the proof-wide cells, the per-query costs and some cell positions.
fn build(
    f: &Fixture,
    queries: &[usize],
    tamper: Tamper,
    ctx: &mut Context<Fr>,
    range: &halo2_base::gates::RangeChip<Fr>,
) -> (usize, Vec<QueryCost>, Probes) {
    let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
    let poseidon = Permuter::default();
    let mut final_poly = f.data.final_poly.clone();
    if tamper == Tamper::FinalPoly {
        final_poly[0] += crate::extension::NativeExt::ONE;
    }
    let before = ctx.advice.len();
    let proof = load_proof_cells(
        &chip,
        ctx,
        &f.plan,
        f.ch.fri_alpha,
        f.ch.zeta,
        &f.ch.fri_betas,
        &final_poly,
        &f.input_commitments,
        &f.data.fri_commitments,
    )
    .unwrap();
    let once = ctx.advice.len() - before;
    let mut probes = Probes {
        input_commitments: proof.input_commitments.iter().map(offset).collect(),
        round_commitments: proof.round_commitments.iter().map(offset).collect(),
        ..Probes::default()
    };
    let costs = queries
        .iter()
        .enumerate()
        .map(|(n, &q)| {
            let tamper = if n == 0 { tamper } else { Tamper::None };
            let mut opening = f.witness.queries[q].clone();
            match tamper {
                Tamper::OpenedRow => opening.inputs[0].rows[0][0] += BabyBear::ONE,
                Tamper::SiblingValue => {
                    opening.rounds[1].sibling_value += crate::extension::NativeExt::ONE
                }
                Tamper::PathDigest => opening.inputs[1].siblings[2] += Bn254::ONE,
                _ => {}
            }
            let index = ctx.load_witness(Fr::from(f.ch.query_indices[q] as u64));
            if n == 0 {
                probes.first_index = offset(&index);
            }
            let cells = load_query(&chip, ctx, index, &opening);
            if tamper == Tamper::IndexBit {
                let mut bits = witness_bits(&index, f.plan.index_bits());
                bits[0] = !bits[0];
                let bits = constrain_index_bits(&chip, ctx, index, &bits);
                verify_query_with_bits(&chip, &poseidon, ctx, &f.plan, &proof, &cells, &bits)
                    .unwrap()
            } else {
                verify_query(&chip, &poseidon, ctx, &f.plan, &proof, &cells).unwrap()
            }
        })
        .collect();
    probes.total_cells = ctx.advice.len();
    (once, costs, probes)
}

type Built = (usize, Vec<QueryCost>, Probes);

fn run(f: &Fixture, queries: &[usize], tamper: Tamper) -> MockOutcome<Built> {
    mock(|ctx, range| build(f, queries, tamper, ctx, range))
}

fn report(name: &str, once: usize, costs: &[QueryCost]) {
    let n = costs.len();
    let sum = |g: fn(&QueryCost) -> usize| costs.iter().map(g).sum::<usize>() / n;
    eprintln!(
        "FRI in-circuit, {name}: {once} advice cells once; per query (mean of {n}) {} = {} hashing + {} arithmetic + {} index bits",
        sum(QueryCost::total),
        sum(|c| c.hashing),
        sum(|c| c.arithmetic),
        sum(|c| c.bits),
    );
}

#[test]
fn all_fibonacci_queries_verify_in_one_circuit() {
    let f = fixture(fibonacci());
    let queries: Vec<usize> = (0..SETTINGS.num_queries).collect();
    let (once, costs, probes) = run(&f, &queries, Tamper::None).satisfied();
    report("fibonacci", once, &costs);
    eprintln!(
        "FRI in-circuit, fibonacci: {} queries in one circuit at k = {}: {} advice cells",
        queries.len(),
        crate::testing::K,
        probes.total_cells
    );
}

/// Whether a failure of `failures` is the copy constraint of the cell at `row` (advice
/// column 0, where the proof-wide and first query's cells sit).
fn breaks(failures: &[String], row: usize) -> bool {
    let needle = format!("(Column('Advice', 0 - ), outside any region, on row {row})");
    failures.iter().any(|f| f.contains(&needle))
}

#[test]
fn tampered_query_witnesses_are_rejected() {
    let f = fixture(fibonacci());
    let q = 5;
    let (_, _, probes) = run(&f, &[q], Tamper::None).satisfied();
    let main = probes.input_commitments[0];
    let quotient = probes.input_commitments[1];
    let round1 = probes.round_commitments[1];
    let round0 = probes.round_commitments[0];
    // (tamper, what, rows whose copy constraint must fail, rows whose must not)
    let cases: [(Tamper, &str, Vec<usize>, Vec<usize>); 5] = [
        // the hashed cell is the reduced cell: the main root fails (and the fold downstream)
        (
            Tamper::OpenedRow,
            "opened main-trace value",
            vec![main],
            vec![quotient],
        ),
        // round 1's leaf, hence its root; round 0 is untouched
        (
            Tamper::SiblingValue,
            "sibling value of round 1",
            vec![round1],
            vec![round0, main],
        ),
        (
            Tamper::PathDigest,
            "sibling digest of the quotient path",
            vec![quotient],
            vec![main, round0],
        ),
        // the recomposition to the index cell (and the paths the bit steers)
        (
            Tamper::IndexBit,
            "index bit 0 flipped",
            vec![probes.first_index],
            vec![],
        ),
        // only the final equality: every root holds
        (
            Tamper::FinalPoly,
            "final polynomial coefficient",
            vec![],
            vec![main, quotient, round0, round1],
        ),
    ];
    for (tamper, what, fail, hold) in cases {
        let failures = run(&f, &[q], tamper).rejected(what);
        for row in fail {
            assert!(breaks(&failures, row), "{what}: row {row} holds");
        }
        for row in hold {
            assert!(!breaks(&failures, row), "{what}: row {row} fails");
        }
    }
}

#[test]
fn zkvm_like_query_cost() {
    let f = fixture(zkvm_like());
    let (once, costs, _) = count_only(LOOKUP_BITS, |ctx, range| {
        build(&f, &[0, 1], Tamper::None, ctx, range)
    });
    report("zkvm-like", once, &costs);
}
