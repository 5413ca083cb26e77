//! The circuit sponge against the native [`OuterSponge`] (itself checked against Plonky3's
//! `MultiField32Challenger` in `transcript/tests.rs`): random operation scripts cell for cell,
//! the whole transcript of a real Fibonacci proof, and cheating provers (forged squeeze
//! decompositions, wrong grinding witnesses, tampered observations).

use super::*;
use crate::convert::fr_to_bn254;
use crate::extension::NativeExt as Challenge;
use crate::testing::{count_only, measure, mock, Cost, LOOKUP_BITS};
use crate::verifier::transcript::{OuterSponge, ReplayedChallenges, StarkShape, TranscriptReplay};
use keel_stark::config::{outer_config, outer_perm, OuterConfig, OuterPerm};
use keel_stark::stark::{decode_proof, encode_proof, prove, setup, verify};
use keel_stark::toy::ToyMachine;
use p3_batch_stark::BatchProof;
use p3_field::BasedVectorSpace;
use rand_p3::rngs::SmallRng;
use rand_p3::{RngExt, SeedableRng};

const SETTINGS: FriSettings = FriSettings::OUTER;
/// Cells of one flex-gate Poseidon2 permutation (`poseidon2.rs`).
const PERMUTATION_CELLS: usize = 2_212;

fn random_babybear(rng: &mut SmallRng) -> BabyBear {
    match rng.random_range(0..4) {
        0 => BabyBear::ZERO,
        1 => BabyBear::NEG_ONE,
        _ => BabyBear::from_u32(rng.random_range(0..BabyBear::ORDER_U32)),
    }
}

fn random_bn254(rng: &mut SmallRng) -> Bn254 {
    Bn254::new([
        rng.random(),
        rng.random(),
        rng.random(),
        rng.random::<u64>() >> 2,
    ])
}

fn ext_value(e: &AssignedExt) -> Challenge {
    e.to_native().expect("canonical cells")
}

/// Both sponges side by side; every operation is applied to both and compared.
struct Pair<'a, 'r> {
    native: OuterSponge<OuterPerm>,
    circuit: CircuitSponge<'r>,
    ext: &'a ExtensionChip<'r>,
    step: String,
}

impl Pair<'_, '_> {
    fn same_state(&self) {
        let cells: Vec<Bn254> = self
            .circuit
            .state()
            .iter()
            .map(|c| fr_to_bn254(c.value()))
            .collect();
        assert_eq!(cells, self.native.state().to_vec(), "{}: state", self.step);
        assert_eq!(
            self.circuit.pending_len(),
            self.native.pending().len(),
            "{}: pending",
            self.step
        );
        assert_eq!(
            self.circuit.permutations(),
            self.native.permutations(),
            "{}: permutations",
            self.step
        );
    }

    fn observe(&mut self, ctx: &mut Context<Fr>, v: BabyBear) {
        self.native.observe(v);
        let cell = self.ext.base().load_witness(ctx, v);
        self.circuit.observe(ctx, cell);
    }
}

/// A random script of operations on both sponges; every output and state compared.
fn run_script(ctx: &mut Context<Fr>, ext: &ExtensionChip<'_>, seed: u64, steps: usize) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut pair = Pair {
        native: OuterSponge::new(outer_perm()),
        circuit: CircuitSponge::new(ctx, ext.base()),
        ext,
        step: String::new(),
    };
    for step in 0..steps {
        let op = rng.random_range(0..10);
        pair.step = format!("seed {seed}, step {step}, op {op}");
        match op {
            0 | 1 => {
                let v = random_babybear(&mut rng);
                pair.observe(ctx, v);
            }
            2 => {
                // a run crossing (often) the 16-value flush
                for _ in 0..rng.random_range(5..20) {
                    let v = random_babybear(&mut rng);
                    pair.observe(ctx, v);
                }
            }
            3 => {
                let v = Challenge::from_basis_coefficients_fn(|_| random_babybear(&mut rng));
                pair.native.observe_ext(&v);
                let cells = ext.load_witness(ctx, v);
                pair.circuit.observe_ext(ctx, &cells);
            }
            4 => {
                let w = random_bn254(&mut rng);
                pair.native.observe_digest(w);
                let cell = ctx.load_witness(bn254_to_fr(&w));
                pair.circuit.observe_digest(ctx, cell);
            }
            5 => {
                let want = pair.native.sample();
                let got = pair.circuit.sample(ctx);
                assert_eq!(got.to_babybear().unwrap(), want, "{}", pair.step);
            }
            6 => {
                let want = pair.native.sample_ext();
                let got = pair.circuit.sample_ext(ctx);
                assert_eq!(ext_value(&got), want, "{}", pair.step);
            }
            7 => {
                let bits = rng.random_range(0..31);
                let want = pair.native.sample_bits(bits);
                let got = pair.circuit.sample_bits(ctx, bits);
                assert_eq!(got.bits.len(), bits);
                assert_eq!(*got.index.value(), Fr::from(want as u64), "{}", pair.step);
                for (i, b) in got.bits.iter().enumerate() {
                    assert_eq!(
                        *b.value(),
                        Fr::from((want >> i & 1) as u64),
                        "{}",
                        pair.step
                    );
                }
            }
            8 => {
                let len = rng.random_range(0..40);
                let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                pair.native.observe_seed(&bytes);
                pair.circuit.observe_seed(ctx, &bytes);
            }
            _ => {
                // a grinding check with a natively ground witness (1–6 bits)
                let bits = rng.random_range(1..7);
                let witness = (0..)
                    .map(BabyBear::from_u32)
                    .find(|&w| pair.native.clone().check_witness(bits, w))
                    .unwrap();
                assert!(pair.native.check_witness(bits, witness));
                let cell = ext.base().load_witness(ctx, witness);
                pair.circuit.check_witness(ctx, bits, &cell);
            }
        }
        pair.same_state();
    }
    // The same continuation: 30 more samples agree.
    pair.step = format!("seed {seed}, tail");
    for _ in 0..30 {
        let want = pair.native.sample();
        assert_eq!(pair.circuit.sample(ctx).to_babybear().unwrap(), want);
    }
    pair.same_state();
}

#[test]
fn random_scripts_match_the_native_sponge_cell_for_cell() {
    let permutations = mock(|ctx, range| {
        let ext = ExtensionChip::new(BabyBearChip::new(range).unwrap());
        for seed in 0..4 {
            run_script(ctx, &ext, seed, 50);
        }
        ctx.advice.len() / PERMUTATION_CELLS
    })
    .satisfied();
    println!("random scripts: ≈ {permutations} permutations' worth of cells");
}

// ---------------------------------------------------------------------------------------------
// The squeeze split: edge words and forged decompositions
// ---------------------------------------------------------------------------------------------

/// `R·p^7` and `r − 1`: the words with the largest top part.
fn max_top_words() -> (Fr, Fr) {
    let c = SplitConstants::new();
    let p7 = c.powers[LIMBS_PER_WORD];
    (Fr::from(c.max_top) * p7, -Fr::ONE)
}

/// Splits `words[0..2]` (as fresh output) and returns the 14 samples, native order.
fn squeeze_words(
    ctx: &mut Context<Fr>,
    chip: &BabyBearChip<'_>,
    words: [Fr; WIDTH],
) -> Vec<BabyBear> {
    let mut sponge = CircuitSponge::with_fresh_output(ctx, chip, words);
    let out: Vec<BabyBear> = (0..2 * LIMBS_PER_WORD)
        .map(|_| {
            let v = sponge.sample(ctx);
            // a forged limb may not be a BabyBear value; report it reduced
            BabyBear::from_u64(
                fe_to_biguint(v.value())
                    .iter_u64_digits()
                    .next()
                    .unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(sponge.permutations(), 0);
    out
}

/// The samples the native sponge takes from these rate words.
fn native_squeeze(words: [Fr; WIDTH]) -> Vec<BabyBear> {
    let mut limbs: Vec<BabyBear> = words[..RATE]
        .iter()
        .flat_map(|w| crate::verifier::transcript::split_limbs(fr_to_bn254(w)))
        .collect();
    limbs.reverse();
    limbs
}

#[test]
fn squeeze_split_is_the_native_one_on_edge_words() {
    let (at_max, r_minus_1) = max_top_words();
    let mut rng = SmallRng::seed_from_u64(7);
    let random = bn254_to_fr(&random_bn254(&mut rng));
    let p7_minus_1 = SplitConstants::new().low_bound;
    for words in [
        [r_minus_1, at_max, Fr::ZERO],
        [Fr::ZERO, Fr::from(BABYBEAR_MODULUS - 1), Fr::ZERO],
        [p7_minus_1, random, Fr::ZERO],
        [at_max - Fr::ONE, p7_minus_1 + Fr::ONE, Fr::ZERO],
    ] {
        let got = mock(|ctx, range| squeeze_words(ctx, &BabyBearChip::new(range).unwrap(), words))
            .satisfied();
        assert_eq!(got, native_squeeze(words));
    }
}

fn forged(
    split: forge::Split,
    skip: bool,
    words: [Fr; WIDTH],
) -> crate::testing::MockOutcome<Vec<BabyBear>> {
    forge::with(split, skip, || {
        mock(|ctx, range| squeeze_words(ctx, &BabyBearChip::new(range).unwrap(), words))
    })
}

#[test]
fn forged_squeeze_decompositions_are_rejected() {
    let mut rng = SmallRng::seed_from_u64(11);
    let mut random = || {
        let mut rng = SmallRng::seed_from_u64(rng.random());
        [
            bn254_to_fr(&random_bn254(&mut rng)),
            bn254_to_fr(&random_bn254(&mut rng)),
            Fr::ZERO,
        ]
    };
    // limb_i + p, limb_{i+1} − 1 (or top − 1): same sum, a non-canonical limb.
    for i in [0, 3, 6] {
        let words = random();
        forged(forge::Split::LimbPlusP(i), false, words)
            .rejected(&format!("limb {i} + p (canonicity check)"));
    }
    // word + r of a typical word: its top part exceeds R.
    let words = random();
    forged(forge::Split::WordPlusR, false, words).rejected("word + r, top > R (top range check)");
    // word + r of small words: top = R, canonical limbs, the identity holds modulo r — only
    // the extra comparison at t = R catches it; without it the forged limbs go through.
    let small = [Fr::from(5u64), Fr::from(1u64 << 40), Fr::ZERO];
    forged(forge::Split::WordPlusR, false, small).rejected("word + r, top = R (wrap comparison)");
    let accepted = forged(forge::Split::WordPlusR, true, small).satisfied();
    assert_ne!(
        accepted,
        native_squeeze(small),
        "without the comparison a forged split gives other challenges"
    );
}

// ---------------------------------------------------------------------------------------------
// Grinding
// ---------------------------------------------------------------------------------------------

#[test]
fn a_wrong_grinding_witness_is_unsatisfiable() {
    const BITS: usize = 8;
    let mut native = OuterSponge::new(outer_perm());
    native.observe_seed(b"grinding test");
    let good = (0..)
        .map(BabyBear::from_u32)
        .find(|&w| native.clone().check_witness(BITS, w))
        .unwrap();
    let bad = (good.as_canonical_u32() + 1..)
        .map(BabyBear::from_u32)
        .find(|&w| !native.clone().check_witness(BITS, w))
        .unwrap();
    for (witness, honest) in [(good, true), (bad, false)] {
        let outcome = mock(|ctx, range| {
            let chip = BabyBearChip::new(range).unwrap();
            let mut sponge = CircuitSponge::new(ctx, &chip);
            sponge.observe_seed(ctx, b"grinding test");
            let w = chip.load_witness(ctx, witness);
            sponge.check_witness(ctx, BITS, &w);
        });
        if honest {
            outcome.satisfied();
        } else {
            outcome.rejected("grinding witness without 8 zero bits");
        }
    }
    // zero difficulty pins the witness to 0
    mock(|ctx, range| {
        let chip = BabyBearChip::new(range).unwrap();
        let mut sponge = CircuitSponge::new(ctx, &chip);
        let w = chip.load_witness(ctx, BabyBear::ONE);
        sponge.check_witness(ctx, 0, &w);
    })
    .rejected("non-zero witness at zero difficulty");
}

// ---------------------------------------------------------------------------------------------
// The real Fibonacci proof
// ---------------------------------------------------------------------------------------------

/// An outer proof of a toy machine.
struct Proven {
    machine: ToyMachine,
    proof: BatchProof<OuterConfig>,
    shape: StarkShape,
}

fn fibonacci() -> &'static Proven {
    static P: std::sync::OnceLock<Proven> = std::sync::OnceLock::new();
    P.get_or_init(|| proven("fibonacci-5", ToyMachine::fibonacci(5)))
}

fn lookup() -> &'static Proven {
    static P: std::sync::OnceLock<Proven> = std::sync::OnceLock::new();
    P.get_or_init(|| proven("lookup-5", ToyMachine::lookup(5)))
}

/// The proof of `machine` from the cache `transcript/tests.rs` keeps in `target/tmp` (the same
/// file, reused only if Plonky3's verifier accepts it), else proved here and cached.
fn proven(name: &str, machine: ToyMachine) -> Proven {
    {
        let config = outer_config();
        let heights = machine.log_heights();
        let setup_data = setup(&config, &machine.airs, &heights).unwrap();
        let accepts = |proof: &BatchProof<OuterConfig>| {
            verify(
                &config,
                &machine.airs,
                proof,
                &machine.public_values,
                &setup_data.common,
            )
            .is_ok()
        };
        let cache = std::env::current_exe().ok().and_then(|exe| {
            Some(
                exe.parent()?
                    .parent()?
                    .parent()?
                    .join("tmp")
                    .join(format!("keel-halo2-transcript-{name}.proof")),
            )
        });
        let cached = cache
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| decode_proof::<OuterConfig>(&bytes).ok())
            .filter(|proof| accepts(proof));
        let proof = cached.unwrap_or_else(|| {
            let proof = prove(
                &config,
                &machine.airs,
                &machine.traces,
                &machine.public_values,
                &setup_data,
            )
            .unwrap();
            assert!(accepts(&proof));
            if let (Some(path), Ok(bytes)) = (&cache, encode_proof(&proof)) {
                let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
                if std::fs::create_dir_all(path.parent().unwrap()).is_ok()
                    && std::fs::write(&tmp, &bytes).is_ok()
                {
                    let _ = std::fs::rename(&tmp, path);
                }
            }
            proof
        });
        let shape = StarkShape::from_airs(&machine.airs, &heights, &setup_data.common).unwrap();
        Proven {
            machine,
            proof,
            shape,
        }
    }
}

/// What a tampering does to the witnessed transcript data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tamper {
    None,
    PublicValue,
    OodPowWitness,
}

/// Replays the Fibonacci transcript in a circuit, constrains every challenge equal to the
/// native replay of the honest proof, and returns the challenge values with the cell count.
fn replay_machine(
    p: &Proven,
    tamper: Tamper,
) -> crate::testing::MockOutcome<(ReplayedChallenges, Cost, usize)> {
    let replay = TranscriptReplay::new(SETTINGS, p.shape.clone());
    let data = TranscriptData::from_proof(&p.proof).unwrap();
    let honest = replay.replay(&data, &p.machine.public_values).unwrap();
    let mut data = data;
    let mut public_values = p.machine.public_values.clone();
    match tamper {
        Tamper::None => {}
        Tamper::PublicValue => public_values[0][0] += BabyBear::ONE,
        Tamper::OodPowWitness => data.ood_pow_witness += BabyBear::ONE,
    }
    mock(|ctx, range| {
        let ext = ExtensionChip::new(BabyBearChip::new(range).unwrap());
        let cells =
            AssignedTranscriptData::load(ctx, &ext, &replay, &data, &public_values).unwrap();
        let ((ch, sponge), cost) = measure(ctx, range, |ctx| {
            replay_circuit(ctx, &ext, &Permuter::default(), &p.shape, &SETTINGS, &cells)
        });
        let values = ReplayedChallenges {
            lookup_alpha: ch.lookup_alpha.as_ref().map(ext_value),
            lookup_beta: ch.lookup_beta.as_ref().map(ext_value),
            lookup_challenges: ch
                .lookup_challenges
                .iter()
                .map(|t| t.iter().map(ext_value).collect())
                .collect(),
            alpha: ext_value(&ch.alpha),
            zeta: ext_value(&ch.zeta),
            fri_alpha: ext_value(&ch.fri_alpha),
            fri_betas: ch.fri_betas.iter().map(ext_value).collect(),
            query_indices: ch
                .query_indices
                .iter()
                .map(|q| {
                    let index = fe_to_biguint(q.index.value());
                    let bits: usize = q
                        .bits
                        .iter()
                        .enumerate()
                        .map(|(i, b)| usize::from(*b.value() == Fr::ONE) << i)
                        .sum();
                    assert_eq!(index, BigUint::from(bits));
                    bits
                })
                .collect(),
        };
        // The verifier's later steps use these cells; here they must equal the oracle's.
        let pin = |ctx: &mut Context<Fr>, cell: &AssignedExt, want: &Challenge| {
            let want = ext.load_constant(ctx, *want);
            ext.assert_equal(ctx, cell, &want);
        };
        for (cells, wants) in ch.lookup_challenges.iter().zip(&honest.lookup_challenges) {
            for (cell, want) in cells.iter().zip(wants) {
                pin(ctx, cell, want);
            }
        }
        pin(ctx, &ch.alpha, &honest.alpha);
        pin(ctx, &ch.zeta, &honest.zeta);
        pin(ctx, &ch.fri_alpha, &honest.fri_alpha);
        for (cell, want) in ch.fri_betas.iter().zip(&honest.fri_betas) {
            pin(ctx, cell, want);
        }
        for (q, &want) in ch.query_indices.iter().zip(&honest.query_indices) {
            ext.base()
                .gate()
                .assert_is_const(ctx, &q.index, &Fr::from(want as u64));
        }
        (values, cost, sponge.permutations())
    })
}

#[test]
fn fibonacci_transcript_in_circuit_gives_the_native_challenges() {
    same_challenges_as_native("fibonacci", fibonacci());
}

#[test]
fn lookup_transcript_in_circuit_gives_the_native_challenges() {
    same_challenges_as_native("lookup", lookup());
}

fn same_challenges_as_native(name: &str, p: &Proven) {
    let replay = TranscriptReplay::new(SETTINGS, p.shape.clone());
    let data = TranscriptData::from_proof(&p.proof).unwrap();
    let native = replay.replay_all(&data, &p.machine.public_values).unwrap();
    assert!(native.pow_failures.is_empty());
    let (values, cost, permutations) = replay_machine(p, Tamper::None).satisfied();
    assert_eq!(values, native.challenges);
    assert_eq!(permutations, native.permutations);
    println!(
        "{name} transcript: {permutations} permutations, {} advice cells ({} outside the \
         permutations), {} lookups, {} query indices of {} bits",
        cost.advice,
        cost.advice - permutations * PERMUTATION_CELLS,
        cost.lookups,
        values.query_indices.len(),
        p.shape.query_index_bits(&SETTINGS),
    );
}

#[test]
fn tampered_fibonacci_transcripts_are_rejected() {
    let p = fibonacci();
    let replay = TranscriptReplay::new(SETTINGS, p.shape.clone());
    let data = TranscriptData::from_proof(&p.proof).unwrap();
    let honest = replay.replay(&data, &p.machine.public_values).unwrap();
    // A public value moves α and everything after it (and fails a grind).
    let outcome = replay_machine(p, Tamper::PublicValue);
    assert_ne!(outcome.value.0.alpha, honest.alpha);
    assert_ne!(outcome.value.0.zeta, honest.zeta);
    outcome.rejected("tampered public value");
    // A wrong out-of-domain grinding witness: ζ moves too (the witness is observed) and the
    // grinding constraint fails.
    let outcome = replay_machine(p, Tamper::OodPowWitness);
    assert_eq!(outcome.value.0.alpha, honest.alpha);
    assert_ne!(outcome.value.0.zeta, honest.zeta);
    outcome.rejected("out-of-domain grinding witness + 1");
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

#[test]
fn cells_per_operation() {
    count_only(LOOKUP_BITS, |ctx, range| {
        let ext = ExtensionChip::new(BabyBearChip::new(range).unwrap());
        let chip = ext.base();
        let mut s = CircuitSponge::new(ctx, chip);
        let v = chip.load_witness(ctx, BabyBear::from_u32(7));
        let row = |name: &str,
                   s: &mut CircuitSponge<'_>,
                   ctx: &mut Context<Fr>,
                   f: &mut dyn FnMut(&mut CircuitSponge<'_>, &mut Context<Fr>)| {
            let before = s.permutations();
            let ((), cost) = measure(ctx, range, |ctx| f(s, ctx));
            let perms = s.permutations() - before;
            println!(
                "{name:<44} {:>6} advice cells {:>4} lookups (+ {perms} permutation(s))",
                cost.advice - perms * PERMUTATION_CELLS,
                cost.lookups
            );
        };
        row("observe (buffered)", &mut s, ctx, &mut |s, ctx| {
            s.observe(ctx, v)
        });
        for _ in 0..14 {
            s.observe(ctx, v);
        }
        row(
            "observe, 16th value: pack 2×8 + tag",
            &mut s,
            ctx,
            &mut |s, ctx| s.observe(ctx, v),
        );
        let d = ctx.load_witness(Fr::from(3u64));
        row(
            "observe digest (nothing pending)",
            &mut s,
            ctx,
            &mut |s, ctx| s.observe_digest(ctx, d),
        );
        row(
            "sample after absorb: split 2 words",
            &mut s,
            ctx,
            &mut |s, ctx| {
                s.sample(ctx);
            },
        );
        row("sample from the queue", &mut s, ctx, &mut |s, ctx| {
            s.sample(ctx);
        });
        row("sample_ext from the queue", &mut s, ctx, &mut |s, ctx| {
            s.sample_ext(ctx);
        });
        row(
            "sample_bits(9) from the queue",
            &mut s,
            ctx,
            &mut |s, ctx| {
                s.sample_bits(ctx, 9);
            },
        );
        row(
            "check_witness(20): observe, flush, split",
            &mut s,
            ctx,
            &mut |s, ctx| s.check_witness(ctx, 20, &v),
        );
    });
}
