//! The replay against Plonky3, three ways:
//!
//! 1. the sponge against `MultiField32Challenger` itself, on random scripts of observations,
//!    samples and grinding checks;
//! 2. the challenges against an oracle that drives Plonky3's own public transcript drivers
//!    (`BatchVerifierTranscript`, `PcsVerifierTranscript`, `p3_fri::VerifierTranscript`) on a
//!    real `MultiField32Challenger`, call for call as `verify_batch` does;
//! 3. the permutation inputs against those of `verify_batch` itself (an instrumented
//!    permutation records every state Plonky3's verifier permutes; the replay's must be exactly
//!    the first ones).
//!
//! Then tampering: a commitment, an opened value and each proof-of-work witness, each compared
//! with the oracle's verdict.
//!
//! The three outer proofs are made once per test binary and kept in `target/tmp` between runs
//! (reused only if Plonky3's verifier accepts them for the current AIRs): the 20-bit query
//! grinding alone is ~2^20 Poseidon2-BN254 calls per proof.

use super::*;
use keel_stark::config::{outer_config, outer_config_with, OuterChallenger, OuterPerm, Val};
use keel_stark::stark::{decode_proof, encode_proof, prove, setup, verify};
use keel_stark::toy::{ToyAir, ToyMachine};
use p3_batch_stark::verifier::commitments_with_opening_points;
use p3_batch_stark::{BatchVerifierTranscript, StarkGenericConfig};
use p3_challenger::{CanObserve, CanSample, CanSampleBits, FieldChallenger, GrindingChallenger};
use p3_field::PrimeCharacteristicRing;
use p3_fri::{FriParameters, FriShape, PcsShape, PcsVerifierTranscript, VerifierTranscript};
use p3_symmetric::CryptographicPermutation;
use rand_p3::rngs::SmallRng;
use rand_p3::{RngExt, SeedableRng};
use std::sync::{Arc, Mutex, OnceLock};

const SETTINGS: FriSettings = FriSettings::OUTER;

// ---------------------------------------------------------------------------------------------
// Encoding and sponge against Plonky3
// ---------------------------------------------------------------------------------------------

#[test]
fn encoding_constants_are_plonky3s() {
    assert_eq!(p3_field::absorb_radix_bits::<BabyBear>(), ABSORB_RADIX_BITS);
    assert_eq!(
        p3_field::max_absorb_injective_limbs::<BabyBear, Bn254>(),
        DIGITS_PER_WORD
    );
    assert_eq!(
        p3_field::squeeze_field_order_num_limbs::<Bn254, BabyBear>(),
        LIMBS_PER_WORD
    );
    let challenger = OuterChallenger::<OuterPerm>::new(outer_perm()).unwrap();
    assert_eq!(challenger.absorb_num_f_elms(), DIGITS_PER_WORD);
    assert_eq!(challenger.squeeze_num_f_elms(), LIMBS_PER_WORD);
}

fn outer_perm() -> OuterPerm {
    keel_stark::config::outer_perm()
}

fn random_bn254(rng: &mut SmallRng) -> Bn254 {
    Bn254::new([
        rng.random(),
        rng.random(),
        rng.random(),
        rng.random::<u64>() >> 2,
    ])
}

fn random_babybear(rng: &mut SmallRng) -> BabyBear {
    match rng.random_range(0..4) {
        0 => BabyBear::ZERO,
        1 => BabyBear::NEG_ONE,
        _ => BabyBear::from_u32(rng.random_range(0..BabyBear::ORDER_U32)),
    }
}

#[test]
fn packing_and_limb_split_match_plonky3() {
    let mut rng = SmallRng::seed_from_u64(7);
    for len in 0..=DIGITS_PER_WORD {
        for _ in 0..20 {
            let digits: Vec<BabyBear> = (0..len).map(|_| random_babybear(&mut rng)).collect();
            let want: Bn254 = p3_field::reduce_packed(&digits, ABSORB_RADIX_BITS);
            assert_eq!(pack_digits(&digits), want);
        }
    }
    let max = [BabyBear::NEG_ONE; DIGITS_PER_WORD];
    assert_eq!(
        pack_digits(&max),
        p3_field::reduce_packed(&max, ABSORB_RADIX_BITS)
    );
    for word in
        (0..200)
            .map(|_| random_bn254(&mut rng))
            .chain([Bn254::ZERO, Bn254::ONE, Bn254::NEG_ONE])
    {
        let want: Vec<BabyBear> = p3_field::split_pf_to_field_order_limbs(word, LIMBS_PER_WORD);
        assert_eq!(split_limbs(word).to_vec(), want);
    }
}

/// Collects what a domain separator observes.
#[derive(Default)]
struct Recorder(Vec<BabyBear>);
impl CanObserve<BabyBear> for Recorder {
    fn observe(&mut self, value: BabyBear) {
        self.0.push(value);
    }
}

/// One step of a random script, run on both sponges.
fn run_script(seed: u64, steps: usize) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut theirs = OuterChallenger::<OuterPerm>::new(outer_perm()).unwrap();
    let mut ours = OuterSponge::new(outer_perm());
    for step in 0..steps {
        let ctx = format!("seed {seed}, step {step}");
        match rng.random_range(0..10) {
            0..=2 => {
                let v = random_babybear(&mut rng);
                theirs.observe(v);
                ours.observe(v);
            }
            3 => {
                let v = Challenge::from_basis_coefficients_fn(|_| random_babybear(&mut rng));
                theirs.observe_algebra_element(v);
                ours.observe_ext(&v);
            }
            4 => {
                let w = random_bn254(&mut rng);
                theirs.observe(MerkleCap::<BabyBear, [Bn254; 1]>::new(vec![[w]]));
                ours.observe_digest(w);
            }
            5 => {
                let a: BabyBear = theirs.sample();
                assert_eq!(ours.sample(), a, "{ctx}");
            }
            6 => {
                let a: Challenge = theirs.sample_algebra_element();
                assert_eq!(ours.sample_ext(), a, "{ctx}");
            }
            7 => {
                let bits = rng.random_range(1..27);
                assert_eq!(ours.sample_bits(bits), theirs.sample_bits(bits), "{ctx}");
            }
            8 => {
                let bits = rng.random_range(1..4);
                let w = random_babybear(&mut rng);
                assert_eq!(
                    ours.check_witness(bits, w),
                    theirs.check_witness(bits, w),
                    "{ctx}"
                );
            }
            _ => {
                let bits = rng.random_range(1..7);
                let w = theirs.grind(bits);
                assert!(
                    ours.check_witness(bits, w),
                    "{ctx}: grinding witness rejected"
                );
            }
        }
    }
    // Both end in the same state: the next 30 samples agree.
    for _ in 0..30 {
        let a: BabyBear = theirs.sample();
        assert_eq!(ours.sample(), a);
    }
}

#[test]
fn sponge_matches_multi_field_challenger_on_random_scripts() {
    for seed in 0..40 {
        run_script(seed, 120);
    }
}

#[test]
fn sponge_edge_cases_match_multi_field_challenger() {
    // Exactly 16 observations flush by themselves; 15 wait for the sample; 17 leave one.
    for n in [0usize, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33] {
        let mut theirs = OuterChallenger::<OuterPerm>::new(outer_perm()).unwrap();
        let mut ours = OuterSponge::new(outer_perm());
        for i in 0..n {
            let v = BabyBear::from_usize(i * 977 + 1);
            theirs.observe(v);
            ours.observe(v);
        }
        // Sample through two whole squeezes (14 limbs each) and into a third.
        for k in 0..40 {
            let a: BabyBear = theirs.sample();
            assert_eq!(ours.sample(), a, "n = {n}, sample {k}");
        }
    }
    // A digest right after a partial squeeze discards the unused limbs.
    let mut theirs = OuterChallenger::<OuterPerm>::new(outer_perm()).unwrap();
    let mut ours = OuterSponge::new(outer_perm());
    let a: BabyBear = theirs.sample();
    assert_eq!(ours.sample(), a);
    theirs.observe(MerkleCap::<BabyBear, [Bn254; 1]>::new(vec![[Bn254::TWO]]));
    ours.observe_digest(Bn254::TWO);
    for _ in 0..20 {
        let a: BabyBear = theirs.sample();
        assert_eq!(ours.sample(), a);
    }
}

// ---------------------------------------------------------------------------------------------
// Proofs of the toy machines
// ---------------------------------------------------------------------------------------------

/// An outer proof of a toy machine, made once per test binary.
pub(crate) struct Proven {
    machine: ToyMachine,
    bytes: Vec<u8>,
    pub(crate) common: CommonData<OuterConfig>,
    pub(crate) shape: StarkShape,
}

impl Proven {
    pub(crate) fn proof(&self) -> BatchProof<OuterConfig> {
        decode_proof(&self.bytes).unwrap()
    }
    pub(crate) fn replay(&self) -> TranscriptReplay {
        TranscriptReplay::new(SETTINGS, self.shape.clone())
    }
    pub(crate) fn airs(&self) -> &[ToyAir] {
        &self.machine.airs
    }
    pub(crate) fn pvs(&self) -> &[Vec<Val>] {
        &self.machine.public_values
    }
}

/// Where proofs are kept between test runs: `target/tmp` (cleared by `cargo clean`).
fn proof_cache(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/<test binary>
    let target = exe.parent()?.parent()?.parent()?;
    Some(
        target
            .join("tmp")
            .join(format!("keel-halo2-transcript-{name}.proof")),
    )
}

/// Proves `machine` in the outer configuration, or reuses the proof a previous run left in
/// the cache if Plonky3's verifier still accepts it for the same AIRs and public values (an
/// outer proof costs ~2^20 Poseidon2-BN254 calls of query grinding, 10–30 s here).
fn make(name: &str, machine: ToyMachine) -> Proven {
    let config = outer_config();
    let heights = machine.log_heights();
    let data = setup(&config, &machine.airs, &heights).unwrap();
    let accepts = |bytes: &[u8]| {
        decode_proof::<OuterConfig>(bytes).is_ok_and(|proof| {
            verify(
                &config,
                &machine.airs,
                &proof,
                &machine.public_values,
                &data.common,
            )
            .is_ok()
        })
    };
    let cache = proof_cache(name);
    let cached = cache
        .as_ref()
        .and_then(|path| std::fs::read(path).ok())
        .filter(|bytes| accepts(bytes));
    let bytes = cached.unwrap_or_else(|| {
        let proof = prove(
            &config,
            &machine.airs,
            &machine.traces,
            &machine.public_values,
            &data,
        )
        .unwrap();
        let bytes = encode_proof(&proof).unwrap();
        assert!(accepts(&bytes));
        if let Some(path) = &cache {
            // Write-then-rename, so a concurrent run never reads half a file.
            let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
            if std::fs::create_dir_all(path.parent().unwrap()).is_ok()
                && std::fs::write(&tmp, &bytes).is_ok()
            {
                let _ = std::fs::rename(&tmp, path);
            }
        }
        bytes
    });
    let shape = StarkShape::from_airs(&machine.airs, &heights, &data.common).unwrap();
    Proven {
        bytes,
        common: data.common,
        shape,
        machine,
    }
}

pub(crate) fn fibonacci() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| make("fibonacci-5", ToyMachine::fibonacci(5)))
}

pub(crate) fn lookup() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| make("lookup-5", ToyMachine::lookup(5)))
}

pub(crate) fn zkvm_like() -> &'static Proven {
    static P: OnceLock<Proven> = OnceLock::new();
    P.get_or_init(|| make("zkvm-like-5", ToyMachine::zkvm_like(5)))
}

// ---------------------------------------------------------------------------------------------
// The oracle: Plonky3's own transcript drivers, called as verify_batch calls them
// ---------------------------------------------------------------------------------------------

/// What the oracle saw: the challenges (lookup ones as laid out), or the failing grind.
#[derive(Debug, PartialEq, Eq)]
struct OracleRun {
    lookup_challenges: Vec<Vec<Challenge>>,
    alpha: Challenge,
    zeta: Challenge,
    claimed: Vec<Vec<Vec<Vec<Challenge>>>>,
    fri_alpha: Challenge,
    fri_betas: Vec<Challenge>,
    query_indices: Vec<usize>,
}

/// Runs the transcript part of `verify_batch` (p3-batch-stark src/verifier/mod.rs:629-711,
/// p3-fri src/two_adic_pcs.rs:832-874 and src/verifier.rs:694-714) with Plonky3's drivers on
/// `outer_config()`'s challenger. `Err` names the grinding step that failed.
fn oracle(p: &Proven, proof: &BatchProof<OuterConfig>) -> Result<OracleRun, &'static str> {
    use p3_air::symbolic::AirLayout;
    let config = outer_config();
    let airs = p.airs();
    let common = &p.common;
    let preprocessed_widths: Vec<usize> = (0..airs.len())
        .map(|i| {
            common
                .preprocessed
                .as_ref()
                .and_then(|g| g.instances[i].as_ref().map(|m| m.width))
                .unwrap_or(0)
        })
        .collect();
    let log_num_quotient_chunks: Vec<usize> =
        airs.iter()
            .enumerate()
            .map(|(i, air)| {
                let layout = AirLayout {
                    preprocessed_width: preprocessed_widths[i],
                    main_width: BaseAir::<Val>::width(air),
                    num_public_values: BaseAir::<Val>::num_public_values(air),
                    ..Default::default()
                };
                p3_batch_stark::symbolic::get_log_num_quotient_chunks_for_domain::<
                    Val,
                    Challenge,
                    _,
                    _,
                >(
                    air,
                    layout,
                    TwoAdicMultiplicativeCoset::new(Val::ONE, proof.degree_bits[i]).unwrap(),
                    &common.lookups[i],
                    0,
                    &LogUpGadget::new(),
                )
            })
            .collect();
    let shape = BatchShape {
        trace_widths: airs.iter().map(BaseAir::<Val>::width).collect(),
        public_value_counts: airs.iter().map(BaseAir::<Val>::num_public_values).collect(),
        preprocessed_widths: preprocessed_widths.clone(),
        has_preprocessed_commitment: common.preprocessed.is_some(),
        num_lookup_instances: common.lookups.iter().filter(|l| !l.is_empty()).count(),
        lookup_pow_bits: config.lookup_proof_of_work_bits(),
        has_randomization_commitment: false,
        ood_pow_bits: config.ood_proof_of_work_bits(),
    };
    let mut challenger = config.initialise_challenger();
    let mut t =
        BatchVerifierTranscript::<OuterChallenger, Val, Challenge, _>::new(&mut challenger, shape);
    t.instance_bindings(&proof.degree_bits);
    t.main_phase(proof.commitments.main.clone(), p.pvs());
    t.preprocessed_phase(common.preprocessed.as_ref().map(|g| g.commitment.clone()));
    let lookup_challenges = t
        .lookup_phase(
            &common.lookups,
            &LogUpGadget::new(),
            proof.lookup_pow_witness,
        )
        .map_err(|_| "lookup")?;
    let terminals: Vec<Challenge> = proof
        .lookup_terminals
        .iter()
        .flatten()
        .map(|t| t.0)
        .collect();
    let alpha = t.permutation_phase(proof.commitments.permutation.clone(), &terminals);
    t.quotient_phase(proof.commitments.quotient_chunks.clone(), None);
    let zeta = t.ood_phase(proof.ood_pow_witness).map_err(|_| "ood")?;
    let (claims, _, _) = commitments_with_opening_points(
        &config,
        airs,
        zeta,
        &proof.commitments,
        &proof.opened_values,
        common,
        &proof.degree_bits,
        &preprocessed_widths,
        &log_num_quotient_chunks,
    )
    .unwrap();
    let claimed = claims
        .iter()
        .map(|c| {
            c.matrices
                .iter()
                .map(|m| m.points.iter().map(|pt| pt.values.clone()).collect())
                .collect()
        })
        .collect();
    let params = FriParameters {
        log_blowup: SETTINGS.log_blowup,
        log_final_poly_len: SETTINGS.log_final_poly_len,
        max_log_arity: SETTINGS.max_log_arity,
        num_queries: SETTINGS.num_queries,
        batch_proof_of_work_bits: SETTINGS.batch_pow_bits,
        commit_proof_of_work_bits: SETTINGS.commit_pow_bits,
        query_proof_of_work_bits: SETTINGS.query_pow_bits,
        mmcs: (),
    };
    let fri = &proof.opening_proof;
    let result = t.delegate(|ch| {
        let mut pt = PcsVerifierTranscript::<OuterChallenger, Val, Challenge>::new(
            ch,
            PcsShape::from_claims(&params, &claims),
        );
        pt.claimed_openings(&claims).unwrap();
        let fri_alpha = match pt.batch_phase(Some(fri.batch_pow_witness)) {
            Ok(a) => a,
            Err(_) => return Err("batch"),
        };
        // verify_fri: heights of every claimed matrix, tallest first, deduplicated.
        let mut heights: Vec<usize> = claims
            .iter()
            .flat_map(|c| {
                c.matrices
                    .iter()
                    .map(|m| m.domain.log_size() + params.log_blowup)
            })
            .collect();
        heights.sort_unstable_by(|a, b| b.cmp(a));
        heights.dedup();
        let schedule = p3_fri::fold_schedule(
            &heights,
            params.log_blowup + params.log_final_poly_len,
            params.max_log_arity,
        );
        let inner = pt.delegate(|ch| {
            let mut ft = VerifierTranscript::<OuterChallenger, Val, Challenge>::new(
                ch,
                FriShape::with_schedule(&params, schedule, heights[0]),
            );
            let betas = ft
                .commit_rounds(&fri.commit_phase_commits, &fri.commit_pow_witnesses)
                .map_err(|_| "commit")?;
            let indices = ft
                .query_phase(&fri.final_poly, Some(fri.query_pow_witness))
                .map_err(|_| "query")?;
            ft.finish();
            Ok((betas, indices))
        });
        pt.finish();
        inner.map(|(betas, indices)| (fri_alpha, betas, indices))
    });
    t.finish();
    let (fri_alpha, fri_betas, query_indices) = result?;
    Ok(OracleRun {
        lookup_challenges,
        alpha,
        zeta,
        claimed,
        fri_alpha,
        fri_betas,
        query_indices,
    })
}

fn phase_name(phase: PowPhase) -> &'static str {
    match phase {
        PowPhase::Lookup => "lookup",
        PowPhase::OutOfDomain => "ood",
        PowPhase::Batch => "batch",
        PowPhase::Commit(_) => "commit",
        PowPhase::Query => "query",
    }
}

/// Replays `proof` both ways and asserts they agree (challenges, or the failing grind).
fn compare(
    p: &Proven,
    proof: &BatchProof<OuterConfig>,
) -> Result<ReplayedChallenges, TranscriptError> {
    let replay = p.replay();
    let data = TranscriptData::from_proof(proof).unwrap();
    let ours = replay.replay(&data, p.pvs());
    match (&ours, oracle(p, proof)) {
        (Ok(ch), Ok(run)) => {
            assert_eq!(ch.lookup_challenges, run.lookup_challenges);
            assert_eq!(ch.alpha, run.alpha);
            assert_eq!(ch.zeta, run.zeta);
            assert_eq!(ch.fri_alpha, run.fri_alpha);
            assert_eq!(ch.fri_betas, run.fri_betas);
            assert_eq!(ch.query_indices, run.query_indices);
            let claimed: Vec<Vec<Vec<Vec<Challenge>>>> = replay
                .claimed_openings(&data)
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|m| m.iter().map(|v| v.to_vec()).collect())
                        .collect()
                })
                .collect();
            assert_eq!(claimed, run.claimed);
            if let (Some(beta), Some(first)) = (
                ch.lookup_beta,
                ch.lookup_challenges.iter().find(|c| !c.is_empty()),
            ) {
                assert_eq!(first[1], beta);
            }
        }
        (Err(TranscriptError::PowWitness { phase, .. }), Err(name)) => {
            assert_eq!(phase_name(*phase), name);
        }
        (a, b) => panic!("replay {a:?} but Plonky3's drivers {b:?}"),
    }
    ours
}

// ---------------------------------------------------------------------------------------------
// Honest proofs: equal to Plonky3's drivers and to verify_batch's own permutations
// ---------------------------------------------------------------------------------------------

/// Poseidon2-BN254 that records every input state.
#[derive(Clone, Debug)]
struct RecordingPerm {
    inner: OuterPerm,
    log: Arc<Mutex<Vec<[Bn254; WIDTH]>>>,
}

impl RecordingPerm {
    fn new() -> Self {
        RecordingPerm {
            inner: outer_perm(),
            log: Arc::default(),
        }
    }
    fn take(&self) -> Vec<[Bn254; WIDTH]> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Permutation<[Bn254; WIDTH]> for RecordingPerm {
    fn permute_mut(&self, state: &mut [Bn254; WIDTH]) {
        self.log.lock().unwrap().push(*state);
        self.inner.permute_mut(state);
    }
}
impl CryptographicPermutation<[Bn254; WIDTH]> for RecordingPerm {}

/// The replay's permutation inputs are exactly the first ones of `verify_batch`'s run (after
/// them, Plonky3's verifier only hashes Merkle paths).
fn permutations_match_verify_batch(p: &Proven) {
    let perm = RecordingPerm::new();
    let config = outer_config_with(perm.clone());
    let data = setup(&config, p.airs(), &p.machine.log_heights()).unwrap();
    let proof = decode_proof(&p.bytes).unwrap();
    perm.take();
    verify(&config, p.airs(), &proof, p.pvs(), &data.common).unwrap();
    let theirs = perm.take();

    let replay = TranscriptReplay::with_permutation(SETTINGS, p.shape.clone(), perm.clone());
    let run = replay
        .replay_all(&TranscriptData::from_proof(&p.proof()).unwrap(), p.pvs())
        .unwrap();
    assert!(run.pow_failures.is_empty());
    let ours = perm.take();
    assert_eq!(ours.len(), run.permutations);
    assert!(
        theirs.len() > ours.len(),
        "{} vs {}",
        theirs.len(),
        ours.len()
    );
    for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "permutation {k} of {}", ours.len());
    }
    eprintln!(
        "transcript: {} permutations of verify_batch's {}",
        ours.len(),
        theirs.len()
    );
}

fn honest(p: &Proven) {
    let ch = compare(p, &p.proof()).expect("the honest proof is accepted");
    let rounds = p.shape.log_max_height();
    assert_eq!(ch.fri_betas.len(), rounds);
    assert_eq!(ch.query_indices.len(), SETTINGS.num_queries);
    let bits = p.shape.query_index_bits(&SETTINGS);
    assert!(ch.query_indices.iter().all(|&i| i < 1 << bits));
    permutations_match_verify_batch(p);
}

#[test]
fn fibonacci_challenges_match_plonky3() {
    honest(fibonacci());
    assert!(fibonacci().shape.preprocessed.is_none());
    assert_eq!(fibonacci().shape.num_lookup_instances(), 0);
}

#[test]
fn lookup_challenges_match_plonky3() {
    honest(lookup());
    assert!(lookup().shape.preprocessed.is_some());
    assert_eq!(lookup().shape.num_lookup_instances(), 2);
}

#[test]
fn zkvm_like_challenges_match_plonky3() {
    honest(zkvm_like());
    let heights: Vec<usize> = zkvm_like()
        .shape
        .tables
        .iter()
        .map(|t| t.degree_bits)
        .collect();
    assert!(
        heights.iter().any(|&h| h != heights[0]),
        "tables of several heights"
    );
}

#[test]
fn seeds_are_what_plonky3s_domain_separators_absorb() {
    for p in [fibonacci(), lookup(), zkvm_like()] {
        let separators = [
            (
                p.shape.batch_seed(&SETTINGS),
                p.shape
                    .batch_shape(&SETTINGS)
                    .domain_separator::<BabyBear, Challenge>(),
            ),
            (
                p.shape.pcs_seed(&SETTINGS),
                p.shape
                    .pcs_shape(&SETTINGS)
                    .domain_separator::<BabyBear, Challenge>(),
            ),
            (
                p.shape.fri_seed(&SETTINGS),
                p.shape
                    .fri_shape(&SETTINGS)
                    .domain_separator::<BabyBear, Challenge>(),
            ),
        ];
        for (bytes, ds) in separators {
            let mut rec = Recorder::default();
            ds.seed(&mut rec);
            assert_eq!(seed_elements(&bytes), rec.0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------------------------

fn honest_challenges(p: &Proven) -> ReplayedChallenges {
    p.replay()
        .replay(&TranscriptData::from_proof(&p.proof()).unwrap(), p.pvs())
        .unwrap()
}

fn replay_all(p: &Proven, proof: &BatchProof<OuterConfig>) -> Replay {
    p.replay()
        .replay_all(&TranscriptData::from_proof(proof).unwrap(), p.pvs())
        .unwrap()
}

fn cap(word: Bn254) -> MerkleCap<BabyBear, [Bn254; 1]> {
    MerkleCap::new(vec![[word]])
}

#[test]
fn a_tampered_main_commitment_changes_every_challenge_and_fails_a_grind() {
    for p in [fibonacci(), lookup()] {
        let honest = honest_challenges(p);
        let mut proof = p.proof();
        let root = proof.commitments.main.roots()[0][0];
        proof.commitments.main = cap(root + Bn254::ONE);
        let run = replay_all(p, &proof);
        assert_ne!(run.challenges.alpha, honest.alpha);
        assert_ne!(run.challenges.zeta, honest.zeta);
        assert_ne!(run.challenges.fri_alpha, honest.fri_alpha);
        assert_ne!(run.challenges.query_indices, honest.query_indices);
        if p.shape.num_lookup_instances() > 0 {
            assert_ne!(run.challenges.lookup_challenges, honest.lookup_challenges);
        }
        // The grinding witnesses were found for the honest transcript.
        assert!(!run.pow_failures.is_empty());
        assert!(compare(p, &proof).is_err());
    }
}

#[test]
fn a_different_public_value_changes_alpha_and_fails_a_grind() {
    let p = fibonacci();
    let honest = honest_challenges(p);
    let data = TranscriptData::from_proof(&p.proof()).unwrap();
    let mut pvs = p.pvs().to_vec();
    pvs[0][2] += Val::ONE;
    let run = p.replay().replay_all(&data, &pvs).unwrap();
    assert_ne!(run.challenges.alpha, honest.alpha);
    assert_ne!(run.challenges.zeta, honest.zeta);
    assert_eq!(
        run.pow_failures.first().map(|f| f.0),
        Some(PowPhase::OutOfDomain)
    );
    assert!(verify(&outer_config(), p.airs(), &p.proof(), &pvs, &p.common).is_err());
}

#[test]
fn a_tampered_fri_commitment_changes_the_later_challenges() {
    let p = zkvm_like();
    let honest = honest_challenges(p);
    let mut proof = p.proof();
    let r = 3;
    let root = proof.opening_proof.commit_phase_commits[r].roots()[0][0];
    proof.opening_proof.commit_phase_commits[r] = cap(root + Bn254::ONE);
    let run = replay_all(p, &proof);
    let c = &run.challenges;
    assert_eq!(
        (c.alpha, c.zeta, c.fri_alpha),
        (honest.alpha, honest.zeta, honest.fri_alpha)
    );
    assert_eq!(c.fri_betas[..r], honest.fri_betas[..r]);
    assert!(c.fri_betas[r..]
        .iter()
        .zip(&honest.fri_betas[r..])
        .all(|(a, b)| a != b));
    assert_ne!(c.query_indices, honest.query_indices);
    assert!(run
        .pow_failures
        .iter()
        .any(|(phase, _)| *phase == PowPhase::Query));
    assert!(matches!(
        compare(p, &proof),
        Err(TranscriptError::PowWitness { .. })
    ));
}

#[test]
fn a_tampered_opened_value_changes_the_opening_challenges() {
    for p in [fibonacci(), zkvm_like()] {
        let honest = honest_challenges(p);
        let mut proof = p.proof();
        proof.opened_values.instances[0]
            .base_opened_values
            .trace_local[0] += Challenge::ONE;
        let run = replay_all(p, &proof);
        let c = &run.challenges;
        // Openings are absorbed after ζ: α and ζ stay, everything after moves.
        assert_eq!((c.alpha, c.zeta), (honest.alpha, honest.zeta));
        assert_ne!(c.fri_alpha, honest.fri_alpha);
        assert_ne!(c.fri_betas, honest.fri_betas);
        assert_ne!(c.query_indices, honest.query_indices);
        assert_eq!(run.pow_failures.first().map(|f| f.0), Some(PowPhase::Batch));
        assert_eq!(
            compare(p, &proof),
            Err(TranscriptError::PowWitness {
                phase: PowPhase::Batch,
                bits: SETTINGS.batch_pow_bits
            })
        );
    }
}

#[test]
fn a_tampered_lookup_terminal_changes_alpha() {
    let p = lookup();
    let honest = honest_challenges(p);
    let mut proof = p.proof();
    proof.lookup_terminals[0].as_mut().unwrap().0 += Challenge::ONE;
    let run = replay_all(p, &proof);
    // The LogUp challenges come before the terminals; α after them.
    assert_eq!(run.challenges.lookup_challenges, honest.lookup_challenges);
    assert_ne!(run.challenges.alpha, honest.alpha);
    assert_ne!(run.challenges.zeta, honest.zeta);
    assert!(compare(p, &proof).is_err());
}

/// `witness + 1`, as a tampered grinding witness.
fn bump(w: &mut BabyBear) {
    *w += BabyBear::ONE;
}

#[test]
fn tampered_grinding_witnesses_are_rejected() {
    type Tamper = fn(&mut BatchProof<OuterConfig>);
    let cases: [(&str, Tamper, PowPhase, usize); 4] = [
        (
            "lookup",
            |p| bump(p.lookup_pow_witness.as_mut().unwrap()),
            PowPhase::Lookup,
            SETTINGS.lookup_pow_bits,
        ),
        (
            "ood",
            |p| bump(&mut p.ood_pow_witness),
            PowPhase::OutOfDomain,
            SETTINGS.ood_pow_bits,
        ),
        (
            "batch",
            |p| bump(&mut p.opening_proof.batch_pow_witness),
            PowPhase::Batch,
            SETTINGS.batch_pow_bits,
        ),
        (
            "query",
            |p| bump(&mut p.opening_proof.query_pow_witness),
            PowPhase::Query,
            SETTINGS.query_pow_bits,
        ),
    ];
    let p = lookup();
    for (what, tamper, phase, bits) in cases {
        let mut proof = p.proof();
        tamper(&mut proof);
        assert_eq!(
            compare(p, &proof),
            Err(TranscriptError::PowWitness { phase, bits }),
            "{what}"
        );
        let mut config_proof = p.proof();
        tamper(&mut config_proof);
        assert!(
            verify(&outer_config(), p.airs(), &config_proof, p.pvs(), &p.common).is_err(),
            "{what}: Plonky3's verifier accepts"
        );
    }
}

#[test]
fn commit_phase_witnesses_are_checked_like_plonky3() {
    // 4-bit grinding: about one in 16 other values also passes. Walk the neighbours of one
    // round's witness and check the replay and Plonky3's drivers agree on each.
    let p = fibonacci();
    let round = 2;
    let honest = p.proof().opening_proof.commit_pow_witnesses[round];
    let (mut accepted, mut rejected) = (0, 0);
    for k in 1..=40u32 {
        let mut proof = p.proof();
        proof.opening_proof.commit_pow_witnesses[round] = honest + BabyBear::from_u32(k);
        match compare(p, &proof) {
            Ok(_) => accepted += 1,
            Err(TranscriptError::PowWitness { phase, bits }) => {
                // A later grind may fail instead when this one passes by luck.
                if phase == PowPhase::Commit(round) {
                    assert_eq!(bits, SETTINGS.commit_pow_bits);
                    rejected += 1;
                }
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(rejected > 20, "{rejected} of 40 rejected at the round");
    eprintln!("commit-phase witness neighbours: {rejected} rejected at the round, {accepted} accepted outright");
}

#[test]
fn shape_mismatches_are_rejected_before_replaying() {
    let p = lookup();
    let replay = p.replay();
    let good = TranscriptData::from_proof(&p.proof()).unwrap();
    let mut cases: Vec<(&str, TranscriptData, Vec<Vec<Val>>)> = Vec::new();
    let mut d = good.clone();
    d.degree_bits[0] += 1;
    cases.push(("height", d, p.pvs().to_vec()));
    let mut d = good.clone();
    d.openings[1].trace_local.pop();
    cases.push(("width", d, p.pvs().to_vec()));
    let mut d = good.clone();
    d.lookup_terminals[0] = None;
    cases.push(("terminal", d, p.pvs().to_vec()));
    let mut d = good.clone();
    d.lookup_pow_witness = None;
    cases.push(("lookup witness", d, p.pvs().to_vec()));
    let mut d = good.clone();
    d.fri_commitments.pop();
    cases.push(("FRI rounds", d, p.pvs().to_vec()));
    let mut d = good.clone();
    d.final_poly.push(Challenge::ZERO);
    cases.push(("final polynomial", d, p.pvs().to_vec()));
    let mut pvs = p.pvs().to_vec();
    pvs[0].push(Val::ONE);
    cases.push(("public values", good.clone(), pvs));
    for (what, data, pvs) in cases {
        assert!(
            matches!(replay.replay(&data, &pvs), Err(TranscriptError::Shape(_))),
            "{what}"
        );
    }
    assert!(replay.replay(&good, p.pvs()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// The pieces together on real proofs: replayed challenges + opened values + symbolic constraints
// ---------------------------------------------------------------------------------------------

mod out_of_domain_on_real_proofs {
    use super::{fibonacci, lookup, zkvm_like, Proven};
    use crate::verifier::constraints::{evaluate_constraints, ConstraintInputs};
    use crate::verifier::ood::{
        check_quotient_identity, fold_constraints, recompose_quotient, trace_selectors, ChunkDomain,
    };
    use crate::verifier::ops::{ExtArithmetic, Mismatch, Native};
    use crate::verifier::transcript::{TableOpenings, TranscriptData};
    use keel_stark::config::{Challenge, Val};
    use keel_stark::toy::ToyAir;
    use p3_air::symbolic::AirLayout;
    use p3_field::{BasedVectorSpace, PrimeCharacteristicRing};
    use p3_lookup::logup::LogUpGadget;

    /// Extension-valued columns from their opened base-field coordinates (4 per column).
    fn ext_columns(coordinates: &[Challenge]) -> Vec<Challenge> {
        coordinates
            .chunks(4)
            .map(|c| {
                c.iter().enumerate().fold(Challenge::ZERO, |acc, (k, v)| {
                    acc + *v * <Challenge as BasedVectorSpace<Val>>::ith_basis_element(k).unwrap()
                })
            })
            .collect()
    }

    /// Every table's out-of-domain identity at the replayed ζ, α and LogUp challenges, and the
    /// LogUp terminals summing to zero.
    fn check_all(p: &Proven, data: &TranscriptData) -> Result<(), Mismatch> {
        let challenges = p
            .replay()
            .replay(data, p.pvs())
            .map_err(|_| Mismatch("transcript"))?;
        let gadget = LogUpGadget::new();
        let mut terminal_sum = Challenge::ZERO;
        for (i, air) in p.airs().iter().enumerate() {
            let lookups = &p.common.lookups[i];
            let layout = AirLayout::from_air::<Val>(air);
            let (base, ext) =
                p3_batch_stark::symbolic::get_symbolic_constraints::<Val, Challenge, ToyAir, _>(
                    air, layout, lookups, &gadget,
                );
            let constraint_layout =
                p3_batch_stark::symbolic::get_constraint_layout::<Val, Challenge, ToyAir, _>(
                    air, layout, lookups, &gadget,
                );
            let o: &TableOpenings = &data.openings[i];
            let log_n = data.degree_bits[i];
            let sels = trace_selectors(&mut Native, &challenges.zeta, log_n);
            let inputs = ConstraintInputs {
                main_local: o.trace_local.clone(),
                main_next: o.trace_next.clone().unwrap_or_default(),
                preprocessed_local: o.preprocessed_local.clone().unwrap_or_default(),
                preprocessed_next: o.preprocessed_next.clone().unwrap_or_default(),
                public_values: p.pvs()[i].iter().map(|&v| Challenge::from(v)).collect(),
                is_first_row: sels.is_first_row,
                is_last_row: sels.is_last_row,
                is_transition: sels.is_transition,
                permutation_local: ext_columns(&o.permutation_local),
                permutation_next: ext_columns(&o.permutation_next),
                challenges: challenges.lookup_challenges[i].clone(),
                permutation_values: data.lookup_terminals[i].into_iter().collect(),
            };
            let values =
                evaluate_constraints(&mut Native, &base, &ext, &inputs).expect("well-formed AIR");
            let folded =
                fold_constraints(&mut Native, &values, &constraint_layout, &challenges.alpha)?;
            let domains = ChunkDomain::for_table(log_n, o.quotient_chunks.len());
            let quotient =
                recompose_quotient(&mut Native, &domains, &o.quotient_chunks, &challenges.zeta)?;
            check_quotient_identity(&mut Native, &folded, &quotient, &sels.vanishing)?;
            if let Some(t) = data.lookup_terminals[i] {
                terminal_sum += t;
            }
        }
        let zero = Native.constant(Challenge::ZERO);
        Native.assert_equal(&terminal_sum, &zero, "LogUp terminals do not sum to zero")
    }

    fn data_of(p: &Proven) -> TranscriptData {
        TranscriptData::from_proof(&p.proof()).unwrap()
    }

    #[test]
    fn honest_proofs_pass_every_table_s_out_of_domain_check() {
        for p in [fibonacci(), lookup(), zkvm_like()] {
            check_all(p, &data_of(p)).unwrap();
        }
    }

    #[test]
    fn tampered_openings_fail_the_out_of_domain_check() {
        let p = zkvm_like();
        let honest = data_of(p);
        // every kind of opened value, in a table with and one without lookups
        for table in [0, 3] {
            let mut d = honest.clone();
            d.openings[table].trace_local[1] += Challenge::ONE;
            assert!(check_all(p, &d).is_err(), "main local, table {table}");
            let mut d = honest.clone();
            if let Some(next) = d.openings[table].trace_next.as_mut() {
                next[0] += Challenge::ONE;
                assert!(check_all(p, &d).is_err(), "main next, table {table}");
            }
            let mut d = honest.clone();
            d.openings[table].quotient_chunks[0][2] += Challenge::ONE;
            assert!(check_all(p, &d).is_err(), "quotient chunk, table {table}");
        }
        let mut d = honest.clone();
        d.openings[3].permutation_local[0] += Challenge::ONE;
        assert!(check_all(p, &d).is_err(), "LogUp column");
        let mut d = honest.clone();
        d.openings[4].preprocessed_local.as_mut().unwrap()[0] += Challenge::ONE;
        assert!(check_all(p, &d).is_err(), "preprocessed column");
    }

    #[test]
    fn unbalanced_logup_terminals_are_rejected() {
        let p = lookup();
        let mut d = data_of(p);
        let t = d.lookup_terminals[0].as_mut().unwrap();
        *t += Challenge::ONE;
        // (the transcript also changes; either check may fire, both must not pass)
        assert!(check_all(p, &d).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// FRI on real proofs: restored per-query paths, reduced openings, folding, final polynomial
// ---------------------------------------------------------------------------------------------

mod fri_on_real_proofs {
    use super::{fibonacci, lookup, zkvm_like, Proven, SETTINGS};
    use crate::babybear::BabyBearChip;
    use crate::extension::ExtensionChip;
    use crate::testing::mock;
    use crate::verifier::fri::{
        ext_bits, reduced_openings, verify_fri, verify_fri_with, FriError, FriPlan, FriWitness,
    };
    use crate::verifier::merkle::{HashArithmetic, NativeHash};
    use crate::verifier::ops::InCircuit;
    use crate::verifier::ops::{ExtArithmetic, Mismatch, Native};
    use crate::verifier::transcript::{ReplayedChallenges, TranscriptData};
    use keel_stark::config::{
        outer_config, outer_perm, Challenge, OuterCompress, OuterConfig, OuterHash, OuterValMmcs,
        Val,
    };
    use keel_stark::stark::verify;
    use p3_batch_stark::verifier::commitments_with_opening_points;
    use p3_batch_stark::BatchProof;
    use p3_bn254::Bn254;
    use p3_commit::ExtensionMmcs;
    use p3_field::PrimeCharacteristicRing;
    use p3_fri::FriParameters;

    fn val_mmcs() -> OuterValMmcs {
        let perm = outer_perm();
        OuterValMmcs::new(
            OuterHash::new(perm.clone()).unwrap(),
            OuterCompress::new(perm),
            0,
        )
    }

    /// The honest challenges of `p`'s proof (the transcript accepts it).
    fn challenges(p: &Proven) -> ReplayedChallenges {
        p.replay()
            .replay(&TranscriptData::from_proof(&p.proof()).unwrap(), p.pvs())
            .unwrap()
    }

    /// Restores the witnesses of `proof` and runs our FRI verifier with `ch`.
    fn run(
        p: &Proven,
        proof: &BatchProof<OuterConfig>,
        ch: &ReplayedChallenges,
    ) -> Result<(), FriError> {
        let data = TranscriptData::from_proof(proof).unwrap();
        let replay = p.replay();
        let claimed = replay.claimed_openings(&data);
        let witness = FriWitness::restore(proof, &p.shape, &SETTINGS, ch, &claimed)?;
        verify_fri(&p.shape, &SETTINGS, &data, ch, &claimed, &witness)
    }

    /// Runs our verifier on a given witness and transcript data (honest challenges).
    fn run_witness(
        p: &Proven,
        data: &TranscriptData,
        ch: &ReplayedChallenges,
        witness: &FriWitness,
    ) -> Result<(), FriError> {
        let replay = p.replay();
        let claimed = replay.claimed_openings(data);
        verify_fri(&p.shape, &SETTINGS, data, ch, &claimed, witness)
    }

    fn honest_witness(p: &Proven) -> (TranscriptData, ReplayedChallenges, FriWitness) {
        let proof = p.proof();
        let data = TranscriptData::from_proof(&proof).unwrap();
        let ch = challenges(p);
        let replay = p.replay();
        let claimed = replay.claimed_openings(&data);
        let witness = FriWitness::restore(&proof, &p.shape, &SETTINGS, &ch, &claimed).unwrap();
        (data, ch, witness)
    }

    fn plonky3_accepts(p: &Proven, proof: &BatchProof<OuterConfig>) -> bool {
        verify(&outer_config(), p.airs(), proof, p.pvs(), &p.common).is_ok()
    }

    /// Plonky3's `open_inputs` on the same proof: its reduced openings, per query.
    fn plonky3_reduced_openings(
        p: &Proven,
        proof: &BatchProof<OuterConfig>,
        ch: &ReplayedChallenges,
    ) -> Vec<Vec<(usize, Challenge)>> {
        let config = outer_config();
        let preprocessed_widths: Vec<usize> = p
            .shape
            .tables
            .iter()
            .map(|t| t.preprocessed_width)
            .collect();
        let log_chunks: Vec<usize> = p
            .shape
            .tables
            .iter()
            .map(|t| t.log_num_quotient_chunks)
            .collect();
        let (claims, _, _) = commitments_with_opening_points(
            &config,
            p.airs(),
            ch.zeta,
            &proof.commitments,
            &proof.opened_values,
            &p.common,
            &proof.degree_bits,
            &preprocessed_widths,
            &log_chunks,
        )
        .unwrap();
        let params = FriParameters {
            log_blowup: SETTINGS.log_blowup,
            log_final_poly_len: SETTINGS.log_final_poly_len,
            max_log_arity: SETTINGS.max_log_arity,
            num_queries: SETTINGS.num_queries,
            batch_proof_of_work_bits: SETTINGS.batch_pow_bits,
            commit_proof_of_work_bits: SETTINGS.commit_pow_bits,
            query_proof_of_work_bits: SETTINGS.query_pow_bits,
            mmcs: ExtensionMmcs::<Val, Challenge, _>::new(val_mmcs()),
        };
        p3_fri::verifier::open_inputs(
            &params,
            p.shape.query_index_bits(&SETTINGS),
            &ch.query_indices,
            &proof.opening_proof.input_openings,
            ch.fri_alpha,
            &val_mmcs(),
            &claims,
        )
        .unwrap()
    }

    #[test]
    fn honest_proofs_pass_and_reduced_openings_are_plonky3s() {
        let mut heights = Vec::new();
        for p in [fibonacci(), lookup(), zkvm_like()] {
            let proof = p.proof();
            let ch = challenges(p);
            run(p, &proof, &ch).unwrap();
            let data = TranscriptData::from_proof(&proof).unwrap();
            let replay = p.replay();
            let claimed = replay.claimed_openings(&data);
            let witness = FriWitness::restore(&proof, &p.shape, &SETTINGS, &ch, &claimed).unwrap();
            let ours = reduced_openings(&p.shape, &SETTINGS, &ch, &claimed, &witness).unwrap();
            let theirs = plonky3_reduced_openings(p, &proof, &ch);
            assert_eq!(ours, theirs);
            assert!(ours.iter().all(|ro| !ro.is_empty()));
            heights.push(ours[0].len());
        }
        // the zkVM-like machine rolls in reduced openings of several heights
        assert_eq!(heights[0], 1);
        assert!(heights[2] > 1, "{heights:?}");
    }

    fn check_failure(r: Result<(), FriError>, what: &str) {
        match r {
            Err(e @ (FriError::Check { .. } | FriError::Restore { .. })) => {
                eprintln!("{what}: {e}")
            }
            other => panic!("{what}: expected a failed check, got {other:?}"),
        }
    }

    #[test]
    fn tampered_proofs_are_rejected_by_both_verifiers() {
        let p = zkvm_like();
        let ch = challenges(p);
        let honest = p.proof();
        let batches = honest.opening_proof.input_openings.len();
        // an opened row value of every input batch
        for b in 0..batches {
            let mut proof = p.proof();
            proof.opening_proof.input_openings[b].opened_values[3][0][0] += Val::ONE;
            check_failure(run(p, &proof, &ch), "input row");
            assert!(!plonky3_accepts(p, &proof), "Plonky3, input row {b}");
        }
        // a commit-phase sibling value in the first, a middle and the last round
        let rounds = honest.opening_proof.commit_phase_openings.len();
        for r in [0, rounds / 2, rounds - 1] {
            let mut proof = p.proof();
            proof.opening_proof.commit_phase_openings[r].sibling_values[5][0] += Challenge::ONE;
            check_failure(run(p, &proof, &ch), "sibling value");
            assert!(!plonky3_accepts(p, &proof), "Plonky3, sibling value {r}");
        }
        // a Merkle sibling digest of an input batch's and a round's multi-proof
        for b in 0..batches {
            let mut proof = p.proof();
            proof.opening_proof.input_openings[b]
                .opening_proof
                .sibling_hashes[0][0] += Bn254::ONE;
            check_failure(run(p, &proof, &ch), "input digest");
            assert!(!plonky3_accepts(p, &proof), "Plonky3, input digest {b}");
        }
        for r in [0, rounds - 1] {
            let mut proof = p.proof();
            let hashes = &mut proof.opening_proof.commit_phase_openings[r]
                .opening_proof
                .sibling_hashes;
            let last = hashes.len() - 1;
            hashes[last][0] += Bn254::ONE;
            check_failure(run(p, &proof, &ch), "round digest");
            assert!(!plonky3_accepts(p, &proof), "Plonky3, round digest {r}");
        }
        // the final polynomial and a claimed evaluation: the transcript changes too (Plonky3
        // rejects at a grinding check); with the honest challenges our FRI check fails
        let mut proof = p.proof();
        proof.opening_proof.final_poly[0] += Challenge::ONE;
        assert!(!plonky3_accepts(p, &proof), "Plonky3, final polynomial");
        check_failure(run(p, &proof, &ch), "final polynomial");
        let mut proof = p.proof();
        proof.opened_values.instances[2]
            .base_opened_values
            .trace_local[1] += Challenge::ONE;
        assert!(!plonky3_accepts(p, &proof), "Plonky3, claimed evaluation");
        check_failure(run(p, &proof, &ch), "claimed evaluation");
    }

    #[test]
    fn tampered_witnesses_are_rejected() {
        for p in [lookup(), zkvm_like()] {
            let (data, ch, honest) = honest_witness(p);
            run_witness(p, &data, &ch, &honest).unwrap();
            let q = 7;
            for b in 0..honest.queries[q].inputs.len() {
                let mut w = honest.clone();
                w.queries[q].inputs[b].rows[0][0] += Val::ONE;
                check_failure(run_witness(p, &data, &ch, &w), "witness row");
                let mut w = honest.clone();
                let last = w.queries[q].inputs[b].siblings.len() - 1;
                w.queries[q].inputs[b].siblings[last] += Bn254::ONE;
                check_failure(run_witness(p, &data, &ch, &w), "witness input path");
            }
            for r in 0..honest.queries[q].rounds.len() {
                let mut w = honest.clone();
                w.queries[q].rounds[r].sibling_value += Challenge::ONE;
                check_failure(run_witness(p, &data, &ch, &w), "witness sibling value");
                let mut w = honest.clone();
                w.queries[q].rounds[r].siblings[0] += Bn254::ONE;
                check_failure(run_witness(p, &data, &ch, &w), "witness round path");
            }
            let mut d = data.clone();
            d.final_poly[0] += Challenge::ONE;
            check_failure(run_witness(p, &d, &ch, &honest), "final polynomial");
            let mut d = data.clone();
            d.openings[0].trace_local[0] += Challenge::ONE;
            check_failure(run_witness(p, &d, &ch, &honest), "claimed evaluation");
            let mut d = data.clone();
            d.openings[0].quotient_chunks[0][3] += Challenge::ONE;
            check_failure(run_witness(p, &d, &ch, &honest), "claimed quotient chunk");
            let mut d = data.clone();
            let t = d
                .openings
                .iter()
                .position(|o| !o.permutation_next.is_empty())
                .unwrap();
            d.openings[t].permutation_next[0] += Challenge::ONE;
            check_failure(run_witness(p, &d, &ch, &honest), "claimed LogUp evaluation");
            // a wrong commitment, and a path checked at another query's index
            let mut d = data.clone();
            d.fri_commitments[2] += Bn254::ONE;
            check_failure(run_witness(p, &d, &ch, &honest), "round commitment");
            let mut c = ch.clone();
            c.query_indices[q] ^= 1 << 3;
            check_failure(run_witness(p, &data, &c, &honest), "other index");
            let mut c = ch.clone();
            c.fri_betas[1] += Challenge::ONE;
            check_failure(run_witness(p, &data, &c, &honest), "other β");
            let mut c = ch.clone();
            c.fri_alpha += Challenge::ONE;
            check_failure(run_witness(p, &data, &c, &honest), "other α");
            // a short path is a shape error
            let mut w = honest.clone();
            w.queries[q].rounds[0].siblings.pop();
            assert!(matches!(
                run_witness(p, &data, &ch, &w),
                Err(FriError::Shape(_))
            ));
        }
    }

    #[test]
    fn one_real_query_in_circuit() {
        let p = fibonacci();
        let (data, ch, witness) = honest_witness(p);
        let replay = p.replay();
        let claimed = replay.claimed_openings(&data);
        let plan = FriPlan::new(&p.shape, &SETTINGS, &claimed).unwrap();
        let q = 0;
        let query = &witness.queries[q];
        for tamper in [false, true] {
            let outcome = mock(|ctx, range| {
                let chip = ExtensionChip::new(BabyBearChip::new(range).unwrap());
                let mut load = |v: Challenge| chip.load_witness(ctx, v);
                let alpha = load(ch.fri_alpha);
                let zeta = load(ch.zeta);
                let betas: Vec<_> = ch.fri_betas.iter().map(|&b| load(b)).collect();
                let claimed: Vec<Vec<_>> = plan
                    .claimed_values()
                    .iter()
                    .map(|v| v.iter().map(|&x| load(x)).collect())
                    .collect();
                // (the circuit must constrain these to be bits of the transcript's index)
                let bits: Vec<_> = ext_bits(ch.query_indices[q], plan.index_bits())
                    .into_iter()
                    .map(&mut load)
                    .collect();
                let rows: Vec<Vec<Vec<_>>> = query
                    .inputs
                    .iter()
                    .map(|i| {
                        i.rows
                            .iter()
                            .map(|r| r.iter().map(|&v| load(v.into())).collect())
                            .collect()
                    })
                    .collect();
                let siblings: Vec<_> = query
                    .rounds
                    .iter()
                    .enumerate()
                    .map(|(r, o)| {
                        load(if tamper && r == 2 {
                            o.sibling_value + Challenge::ONE
                        } else {
                            o.sibling_value
                        })
                    })
                    .collect();
                let final_poly: Vec<_> = data.final_poly.iter().map(|&c| load(c)).collect();
                let before = ctx.advice.len();
                let ops = &mut InCircuit { chip: &chip, ctx };
                let prepared = plan.prepare(ops, &alpha, &zeta, &claimed).unwrap();
                let middle = ops.ctx.advice.len();
                let reduced = plan.reduce(ops, &prepared, &bits, &rows).unwrap();
                let chain = plan.fold(ops, &betas, &bits, reduced, &siblings).unwrap();
                plan.check_final(ops, &bits, &chain.folded, &final_poly)
                    .unwrap();
                (middle - before, ctx.advice.len() - middle)
            });
            if tamper {
                outcome.rejected("sibling value of round 2");
            } else {
                let (once, per_query) = outcome.satisfied();
                eprintln!(
                    "fibonacci FRI arithmetic in-circuit: {once} advice cells once (α powers, points, Σ α^k p_k(z)), {per_query} per query"
                );
            }
        }
    }

    /// Counts native operations.
    #[derive(Default)]
    struct Count {
        add: usize,
        mul: usize,
        inv: usize,
        eq: usize,
    }

    impl ExtArithmetic for Count {
        type Ext = Challenge;
        fn constant(&mut self, c: Challenge) -> Challenge {
            c
        }
        fn add(&mut self, a: &Challenge, b: &Challenge) -> Challenge {
            self.add += 1;
            Native.add(a, b)
        }
        fn sub(&mut self, a: &Challenge, b: &Challenge) -> Challenge {
            self.add += 1;
            Native.sub(a, b)
        }
        fn neg(&mut self, a: &Challenge) -> Challenge {
            self.add += 1;
            Native.neg(a)
        }
        fn mul(&mut self, a: &Challenge, b: &Challenge) -> Challenge {
            self.mul += 1;
            Native.mul(a, b)
        }
        fn inv(&mut self, a: &Challenge) -> Challenge {
            self.inv += 1;
            Native.inv(a)
        }
        fn assert_equal(
            &mut self,
            a: &Challenge,
            b: &Challenge,
            what: &'static str,
        ) -> Result<(), Mismatch> {
            self.eq += 1;
            Native.assert_equal(a, b, what)
        }
    }

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
            Bn254::ZERO
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

    #[test]
    fn per_query_cost() {
        for (name, p) in [
            ("fibonacci", fibonacci()),
            ("lookup", lookup()),
            ("zkvm-like", zkvm_like()),
        ] {
            let (data, ch, witness) = honest_witness(p);
            let replay = p.replay();
            let claimed = replay.claimed_openings(&data);
            let mut count = Count::default();
            let mut perms = 0usize;
            let hash = NativeHash::default();
            verify_fri_with(
                &mut count,
                &mut CountHash(&mut perms, hash),
                &p.shape,
                &SETTINGS,
                &data,
                &ch,
                &claimed,
                &witness,
            )
            .unwrap();
            let n = SETTINGS.num_queries;
            let plan = FriPlan::new(&p.shape, &SETTINGS, &claimed).unwrap();
            let mut once = Count::default();
            plan.prepare(&mut once, &ch.fri_alpha, &ch.zeta, &plan.claimed_values())
                .unwrap();
            eprintln!(
                "FRI {name}: once {} ext mul, {} ext add/sub",
                once.mul, once.add
            );
            count.mul -= once.mul;
            count.add -= once.add;
            eprintln!(
                "FRI {name}: {perms} permutations in all; per query {:.1} permutations, {} ext mul, {} ext add/sub, {} ext inv, {} equalities ({} rounds, {} opened columns)",
                perms as f64 / n as f64,
                count.mul / n,
                count.add / n,
                count.inv / n,
                count.eq / n,
                ch.fri_betas.len(),
                witness.queries[0].inputs.iter().flat_map(|i| &i.rows).map(Vec::len).sum::<usize>(),
            );
            assert!(perms > 0 && count.mul > 0);
        }
    }
}
