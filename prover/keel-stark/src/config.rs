//! keel's two STARK configurations over the same AIRs.
//!
//! Both use BabyBear values, its degree-4 binomial extension for challenges, and FRI over
//! two-adic domains. They differ in the hash used for Merkle trees and Fiat–Shamir:
//!
//! - **fast** — Poseidon2 over BabyBear (width 16), what executions are proven with;
//! - **outer** — Poseidon2 over BN254 (width 3, HorizenLabs' published constants), so that a
//!   Halo2 circuit over BN254 verifies the proof with native-field hashing. About 30× slower to
//!   prove (scalar BN254 Poseidon2), so it is meant for small final proofs.

use p3_baby_bear::{default_babybear_poseidon2_16, BabyBear, Poseidon2BabyBear};
use p3_bn254::{
    Bn254, Poseidon2Bn254, BN254_POSEIDON2_HALF_FULL_ROUNDS, BN254_POSEIDON2_PARTIAL_ROUNDS_3,
};
use p3_challenger::{DuplexChallenger, MultiField32Challenger};
use p3_commit::ExtensionMmcs;
use p3_dft::Radix2DitParallel;
use p3_field::extension::BinomialExtensionField;
use p3_field::Field;
use p3_fri::{FriParameters, TwoAdicFriPcs};
use p3_merkle_tree::MerkleTreeMmcs;
use p3_poseidon2::ExternalLayerConstants;
use p3_symmetric::{MultiField32PaddingFreeSponge, PaddingFreeSponge, TruncatedPermutation};
use p3_uni_stark::StarkConfig;
use serde::{Deserialize, Serialize};

/// The base field of every trace.
pub type Val = BabyBear;
/// The challenge field: BabyBear\[X\] / (X^4 - 11).
pub type Challenge = BinomialExtensionField<Val, 4>;
type Dft = Radix2DitParallel<Val>;

/// Poseidon2 over BabyBear, width 16 (Plonky3's default constants).
pub type FastPerm = Poseidon2BabyBear<16>;
type FastHash = PaddingFreeSponge<FastPerm, 16, 8, 8>;
type FastCompress = TruncatedPermutation<FastPerm, 2, 8, 16>;
type FastValMmcs =
    MerkleTreeMmcs<<Val as Field>::Packing, <Val as Field>::Packing, FastHash, FastCompress, 2, 8>;
type FastChallengeMmcs = ExtensionMmcs<Val, Challenge, FastValMmcs>;
type FastChallenger = DuplexChallenger<Val, FastPerm, 16, 8>;
type FastPcs = TwoAdicFriPcs<Val, Dft, FastValMmcs, FastChallengeMmcs>;
/// The fast configuration (Poseidon2-BabyBear Merkle trees and challenger).
pub type FastConfig = StarkConfig<FastPcs, Challenge, FastChallenger>;

/// Poseidon2 over BN254, width 3, x^5 S-box, 8 full and 56 partial rounds.
pub type OuterPerm = Poseidon2Bn254<3>;
/// Leaf hash: 8 BabyBear values packed per BN254 element, rate 2, output 1 element.
pub type OuterHash<P = OuterPerm> = MultiField32PaddingFreeSponge<Val, Bn254, P, 3, 2, 1>;
/// 2-to-1 compression: one permutation, first element kept.
pub type OuterCompress<P = OuterPerm> = TruncatedPermutation<P, 2, 1, 3>;
/// Merkle trees of BabyBear matrices with one-BN254-element digests, binary.
pub type OuterValMmcs<P = OuterPerm> =
    MerkleTreeMmcs<Val, Bn254, OuterHash<P>, OuterCompress<P>, 2, 1>;
type OuterChallengeMmcs<P> = ExtensionMmcs<Val, Challenge, OuterValMmcs<P>>;
/// Fiat–Shamir over a BN254 duplex sponge.
pub type OuterChallenger<P = OuterPerm> = MultiField32Challenger<Val, Bn254, P, 3, 2>;
type OuterPcs<P> = TwoAdicFriPcs<Val, Dft, OuterValMmcs<P>, OuterChallengeMmcs<P>>;
/// The outer configuration over any implementation `P` of the Poseidon2-BN254 permutation
/// (the real one, or an instrumented one that counts calls).
pub type OuterConfigOf<P> = StarkConfig<OuterPcs<P>, Challenge, OuterChallenger<P>>;
/// The outer configuration (Poseidon2-BN254 Merkle trees and challenger).
pub type OuterConfig = OuterConfigOf<OuterPerm>;

/// Which configuration a proof uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    /// Poseidon2-BabyBear.
    Fast,
    /// Poseidon2-BN254.
    Outer,
}

/// The FRI and grinding parameters of a configuration, in one place so that the prover, the
/// verifier, `keel info` and the security estimate read the same numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriSettings {
    /// log2 of the blowup (rate = 2^-log_blowup).
    pub log_blowup: usize,
    /// Number of FRI queries.
    pub num_queries: usize,
    /// Proof-of-work bits before sampling the query indices.
    pub query_pow_bits: usize,
    /// Proof-of-work bits before each commit-phase folding challenge.
    pub commit_pow_bits: usize,
    /// Proof-of-work bits before the challenge that batches the openings.
    pub batch_pow_bits: usize,
    /// Proof-of-work bits before the DEEP out-of-domain point.
    pub ood_pow_bits: usize,
    /// Proof-of-work bits before the LogUp challenges.
    pub lookup_pow_bits: usize,
    /// log2 of the final polynomial's length.
    pub log_final_poly_len: usize,
    /// log2 of the maximum folding arity (1 = binary folding).
    pub max_log_arity: usize,
}

impl FriSettings {
    /// The fast configuration: Plonky3's benchmark FRI shape (blowup 2, 100 queries, 16-bit
    /// query grinding) plus 10-bit grinding before the out-of-domain point, the opening batching
    /// and the LogUp challenges, and 4 bits before each folding challenge. Without them the
    /// field-size terms cap the conjectured level at ~95–97 bits, and the commit-phase term
    /// binds for tall traces (see `security` and its tests).
    pub const FAST: FriSettings = FriSettings {
        log_blowup: 1,
        num_queries: 100,
        query_pow_bits: 16,
        commit_pow_bits: 4,
        batch_pow_bits: 10,
        ood_pow_bits: 10,
        lookup_pow_bits: 10,
        log_final_poly_len: 0,
        max_log_arity: 1,
    };

    /// The outer configuration, chosen for the Halo2 verifier rather than the prover: its cost is
    /// roughly queries × Merkle-path hashes, so a large blowup (16) buys few queries (21), and
    /// grinding — one hash each in the circuit — buys the rest: 20 bits before the queries, 12
    /// before the out-of-domain point, the opening batching and the LogUp challenges, 4 before
    /// each folding challenge. ≥ 100 conjectured bits up to 2^22-row tables.
    pub const OUTER: FriSettings = FriSettings {
        log_blowup: 4,
        num_queries: 21,
        query_pow_bits: 20,
        commit_pow_bits: 4,
        batch_pow_bits: 12,
        ood_pow_bits: 12,
        lookup_pow_bits: 12,
        log_final_poly_len: 0,
        max_log_arity: 1,
    };

    /// The settings of `kind`.
    pub const fn of(kind: ConfigKind) -> FriSettings {
        match kind {
            ConfigKind::Fast => FriSettings::FAST,
            ConfigKind::Outer => FriSettings::OUTER,
        }
    }

    fn fri_parameters<M>(&self, mmcs: M) -> FriParameters<M> {
        FriParameters {
            log_blowup: self.log_blowup,
            log_final_poly_len: self.log_final_poly_len,
            max_log_arity: self.max_log_arity,
            num_queries: self.num_queries,
            batch_proof_of_work_bits: self.batch_pow_bits,
            commit_proof_of_work_bits: self.commit_pow_bits,
            query_proof_of_work_bits: self.query_pow_bits,
            mmcs,
        }
    }
}

/// Poseidon2 over BN254 (t = 3) with the round constants published by HorizenLabs with the
/// Poseidon2 paper's reference implementation (`RC3` of its `poseidon2_instance_bn256`, taken
/// from the `zkhash-axiom` crate): 4 initial full rounds, 56 partial rounds (only the first
/// constant of each of those rows is used), 4 final full rounds.
pub fn outer_perm() -> OuterPerm {
    use zkhash::ark_ff::{BigInteger, PrimeField as _};
    use zkhash::poseidon2::poseidon2_instance_bn256::RC3;
    let to_bn254 = |x: &zkhash::fields::bn256::FpBN256| {
        let le = num_bigint::BigUint::from_bytes_le(&x.into_bigint().to_bytes_le());
        Bn254::from_biguint(le).expect("a BN254 constant is below the modulus")
    };
    let half_full = BN254_POSEIDON2_HALF_FULL_ROUNDS;
    let mut rows: Vec<[Bn254; 3]> = RC3
        .iter()
        .map(|r| [to_bn254(&r[0]), to_bn254(&r[1]), to_bn254(&r[2])])
        .collect();
    let terminal = rows.split_off(half_full + BN254_POSEIDON2_PARTIAL_ROUNDS_3);
    let internal: Vec<Bn254> = rows
        .split_off(half_full)
        .into_iter()
        .map(|r| r[0])
        .collect();
    Poseidon2Bn254::<3>::new(ExternalLayerConstants::new(rows, terminal), internal)
}

/// The fast configuration.
pub fn fast_config() -> FastConfig {
    let settings = FriSettings::FAST;
    let perm = default_babybear_poseidon2_16();
    let val_mmcs = FastValMmcs::new(
        FastHash::new(perm.clone()),
        FastCompress::new(perm.clone()),
        0,
    );
    let challenge_mmcs = FastChallengeMmcs::new(val_mmcs.clone());
    let pcs = FastPcs::new(
        Dft::default(),
        val_mmcs,
        settings.fri_parameters(challenge_mmcs),
    );
    StarkConfig::new(pcs, FastChallenger::new(perm))
        .with_ood_proof_of_work_bits(settings.ood_pow_bits)
        .with_lookup_proof_of_work_bits(settings.lookup_pow_bits)
}

/// The outer configuration.
pub fn outer_config() -> OuterConfig {
    outer_config_with(outer_perm())
}

/// The outer configuration over the permutation `perm`, which must compute Poseidon2-BN254
/// (tests pass an instrumented wrapper of [`outer_perm`]).
pub fn outer_config_with<P>(perm: P) -> OuterConfigOf<P>
where
    P: p3_symmetric::CryptographicPermutation<[Bn254; 3]> + Clone,
{
    let settings = FriSettings::OUTER;
    // `new` fails only for parameters that cannot pack 8 BabyBear values into one BN254
    // element, which these constant types can.
    let hash = OuterHash::new(perm.clone()).expect("BabyBear packs into BN254");
    let val_mmcs = OuterValMmcs::new(hash, OuterCompress::new(perm.clone()), 0);
    let challenge_mmcs = OuterChallengeMmcs::new(val_mmcs.clone());
    let pcs = OuterPcs::new(
        Dft::default(),
        val_mmcs,
        settings.fri_parameters(challenge_mmcs),
    );
    let challenger = OuterChallenger::new(perm).expect("BabyBear packs into BN254");
    StarkConfig::new(pcs, challenger)
        .with_ood_proof_of_work_bits(settings.ood_pow_bits)
        .with_lookup_proof_of_work_bits(settings.lookup_pow_bits)
}
