//! The aggregation layer: one more Halo2 circuit (snark-verifier-sdk's `AggregationCircuit`)
//! that verifies a wrap SNARK, so that the contract on Ethereum verifies a proof of a smaller
//! circuit — fewer columns, fewer commitments — than the wrap itself.
//!
//! # How it fits together
//!
//! 1. The wrap circuit ([`crate::wrap`]) is proven with snark-verifier's **Poseidon** transcript
//!    ([`inner_snark`]), the transcript the aggregation circuit can replay cheaply in-circuit.
//! 2. The aggregation circuit verifies that proof in-circuit except for its final pairing: it
//!    reduces the proof's KZG openings to an *accumulator*, two BN254 points `(lhs, rhs)` with
//!    the claim `e(lhs, g2) = e(rhs, s·g2)`, and exposes each point's coordinates as
//!    [`ACCUMULATOR_LIMBS`] public instances (3 limbs of 88 bits per coordinate), followed by the
//!    wrap's own instances (the statement: program id, digest, exit code) unchanged.
//! 3. Its proof is made with the Keccak-256 EVM transcript ([`aggregate`]); a verifier checks
//!    that proof **and** the accumulator's pairing ([`crate::wrap::verify_snark`] does both,
//!    natively; the generated Solidity verifier merges both into one pairing check,
//!    [`crate::evm::solidity_verifier`] with `accumulator_limbs = 12`).
//!
//! The wrap circuit's verifying key is a constant of the aggregation circuit
//! (`VerifierUniversality::None`), so an aggregation key pair serves exactly one wrap circuit.
//!
//! # Keys
//!
//! Cached like the wrap's ([`crate::wrap::default_keys_dir`]), under `dir/<aggregation key
//! id>/`: `pinning.json` ([`AggregationPinning`]: the inner circuit's key id and `k`,
//! halo2-base's configuration and break points), `vk.bin`, `pk.bin`, `checksums.json`. The key
//! id is the Keccak-256 of keel's version, the inner key id (which covers the wrap circuit and
//! the SRS), `k` and the SRS points.
//!
//! Measured on the 2-core machine (`keel wrap` of fibonacci(10)'s outer proof, wrap at `k = 20`,
//! keys cached; debug build with optimized dependencies):
//!
//! | aggregation `k` | columns (advice + lookup) | prove | peak RSS | verify tx gas |
//! |---:|---|---:|---:|---:|
//! | 21 | 3 + 1 | 276 s | 7.2 GB | 419,898 |
//! | 22 (default) | 2 + 1 | 405 s | 12.5 GB | 394,222 |
//! | 23 | 1 + 1 | 579 s | 20.5 GB | 346,268 |
//!
//! The default is the cheapest verifier whose wrap stays within the 16 GB budget.

use std::path::Path;

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_base::halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_base::halo2_proofs::SerdeFormat;
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};
use snark_verifier::loader::native::NativeLoader;
use snark_verifier::pcs::kzg::{Bdfg21, KzgAs, KzgDecidingKey, LimbsEncoding};
use snark_verifier::pcs::{AccumulationDecider, AccumulatorEncoding};
use snark_verifier::system::halo2::{compile, Config};
use snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use snark_verifier_sdk::{CircuitExt, SHPLONK};

use crate::prover::{self, Pk, Vk};
use crate::srs::KzgParams;
use crate::wrap::{
    build_for_proving, read_key, read_pinning, save_keys, KeyId, KeySource, Snark, SnarkKind,
    WrapError, WrapInputs, WrapKeys,
};
use crate::Fr;

/// Limbs per accumulator coordinate (snark-verifier-sdk's encoding).
const LIMBS: usize = 3;
/// Bits per accumulator limb.
const LIMB_BITS: usize = 88;
/// The number of leading public instances of an aggregation SNARK that hold its KZG accumulator:
/// `lhs.x, lhs.y, rhs.x, rhs.y`, each as 3 little-endian limbs of 88 bits.
pub const ACCUMULATOR_LIMBS: usize = 4 * LIMBS;
/// The default `k` of the aggregation circuit: over an RV32IM wrap at `k = 20` it fills 2 advice
/// columns (the verifier's gas grows with columns; the prover's time and memory with rows:
/// `k = 23`, one column, needs 20.5 GB).
pub const DEFAULT_AGGREGATION_K: u32 = 22;
/// The default `k` of the wrap circuit under an aggregation layer: at `k = 20` the wrap has 5
/// advice columns, and each inner column costs the aggregation circuit more than a row does.
pub const DEFAULT_INNER_K: u32 = 20;

/// The native accumulator encoding of snark-verifier-sdk's aggregation circuit.
type Encoding = LimbsEncoding<LIMBS, LIMB_BITS>;
/// SHPLONK as snark-verifier's accumulation scheme.
type Shplonk = KzgAs<Bn256, Bdfg21>;

/// What key generation fixed about an aggregation circuit, beyond its keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AggregationPinning {
    /// The key id of the wrap circuit it verifies.
    pub inner_key_id: KeyId,
    /// `k` of that wrap circuit.
    pub inner_k: u32,
    /// halo2-base's configuration (columns, lookup bits, `k`).
    pub config: AggregationConfigParams,
    /// halo2-base's break points.
    pub break_points: MultiPhaseThreadBreakPoints,
    /// The number of public instances (accumulator limbs + the wrap's).
    pub num_instances: usize,
}

/// The keys of one aggregation circuit.
pub struct AggregationKeys {
    /// The circuit's identity.
    pub id: KeyId,
    /// `k`.
    pub k: u32,
    /// The layout keygen fixed.
    pub pinning: AggregationPinning,
    /// The verifying key.
    pub vk: Vk,
    /// The proving key.
    pub pk: Pk,
}

/// The key id of the aggregation circuit at `k` over the wrap circuit `inner` (see the module
/// documentation).
pub fn key_id(inner: KeyId, k: u32, params: &KzgParams) -> KeyId {
    let mut h = Keccak256::new();
    h.update(b"keel aggregation circuit\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(inner.0);
    h.update(k.to_le_bytes());
    h.update(format!("LIMBS {LIMBS} BITS {LIMB_BITS} SHPLONK").as_bytes());
    let g = params.get_g();
    for point in [&g[0], &g[1]] {
        h.update(format!("{point:?}").as_bytes());
    }
    h.update(format!("{:?}", params.s_g2()).as_bytes());
    KeyId(h.finalize().into())
}

/// A wrap SNARK as the aggregation circuit consumes it.
pub struct InnerSnark {
    /// The wrap circuit's key id.
    pub key_id: KeyId,
    /// The wrap circuit's `k`.
    pub k: u32,
    snark: snark_verifier_sdk::Snark,
}

impl InnerSnark {
    /// The wrap's public instances (the statement).
    pub fn instances(&self) -> &[Fr] {
        &self.snark.instances[0]
    }
}

/// Proves the wrap of `inputs` with the Poseidon transcript, for [`aggregate`].
pub fn inner_snark(
    params: &KzgParams,
    keys: &WrapKeys,
    inputs: &WrapInputs,
) -> Result<InnerSnark, WrapError> {
    let built = build_for_proving(params, keys, inputs)?;
    let instances = vec![built.instances.clone()];
    let proof = prover::prove_poseidon(params, &keys.pk, built.circuit, &instances)?;
    let protocol = compile(
        params,
        &keys.vk,
        Config::kzg().with_num_instance(vec![instances[0].len()]),
    );
    Ok(InnerSnark {
        key_id: keys.id,
        k: keys.k,
        snark: snark_verifier_sdk::Snark::new(protocol, instances, proof),
    })
}

/// The aggregation circuit over `inner` at `config`'s `k`, in `stage`.
fn circuit(
    stage: CircuitBuilderStage,
    config: AggregationConfigParams,
    params: &KzgParams,
    inner: &InnerSnark,
) -> AggregationCircuit {
    let mut circuit = AggregationCircuit::new::<SHPLONK>(
        stage,
        config,
        params,
        [inner.snark.clone()],
        VerifierUniversality::None,
    );
    // Re-expose the wrap's instances after the accumulator (the wrap has no accumulator).
    circuit.expose_previous_instances(false);
    circuit
}

impl AggregationKeys {
    /// Generates the keys of the aggregation circuit at `k` over `inner`'s wrap circuit.
    pub fn generate(inner: &InnerSnark, k: u32, params: &KzgParams) -> Result<Self, WrapError> {
        if params.k() != k {
            return Err(WrapError::SrsSize {
                srs: params.k(),
                circuit: k,
            });
        }
        if !(crate::wrap::MIN_K..=crate::srs::MAX_K).contains(&k) {
            return Err(WrapError::UnsupportedK { k });
        }
        let config = AggregationConfigParams {
            degree: k,
            lookup_bits: k as usize - 1,
            ..Default::default()
        };
        let mut keygen = circuit(CircuitBuilderStage::Keygen, config, params, inner);
        // Rows halo2 reserves for blinding (snark-verifier-sdk's examples use 20).
        let config = keygen.calculate_params(Some(20));
        let (vk, pk) = prover::keygen(params, &keygen)?;
        let pinning = AggregationPinning {
            inner_key_id: inner.key_id,
            inner_k: inner.k,
            config,
            break_points: keygen.break_points(),
            num_instances: keygen.num_instance()[0],
        };
        Ok(AggregationKeys {
            id: key_id(inner.key_id, k, params),
            k,
            pinning,
            vk,
            pk,
        })
    }

    /// Reads the keys of the aggregation circuit at `k` over `inner`'s wrap circuit from
    /// `dir/<key id>/`, or generates and caches them.
    pub fn load_or_generate(
        dir: &Path,
        inner: &InnerSnark,
        k: u32,
        params: &KzgParams,
    ) -> Result<(Self, KeySource), WrapError> {
        let id = key_id(inner.key_id, k, params);
        let key_dir = dir.join(id.to_string());
        if key_dir.join("checksums.json").exists() {
            let (pinning, vk) = Self::load_verifying(&key_dir)?;
            let config = pinning.config;
            let pk = read_key(&key_dir, "pk.bin", |bytes| {
                Pk::from_bytes::<AggregationCircuit>(bytes, SerdeFormat::RawBytes, config)
            })?;
            let keys = AggregationKeys {
                id,
                k,
                pinning,
                vk,
                pk,
            };
            return Ok((keys, KeySource::Cached));
        }
        let keys = Self::generate(inner, k, params)?;
        save_keys(&key_dir, &keys.pinning, &keys.vk, &keys.pk, k)?;
        Ok((keys, KeySource::Generated))
    }

    /// Reads the pinning and the verifying key from a key directory (what verifying needs).
    pub fn load_verifying(key_dir: &Path) -> Result<(AggregationPinning, Vk), WrapError> {
        let pinning: AggregationPinning = read_pinning(key_dir)?;
        let config = pinning.config;
        let vk = read_key(key_dir, "vk.bin", |bytes| {
            Vk::from_bytes::<AggregationCircuit>(bytes, SerdeFormat::RawBytes, config)
        })?;
        Ok((pinning, vk))
    }
}

/// Proves the aggregation of `inner` with `keys` (Keccak-256 EVM transcript) and checks the
/// result natively (proof and accumulator) before returning it.
pub fn aggregate(
    params: &KzgParams,
    keys: &AggregationKeys,
    inner: &InnerSnark,
) -> Result<Snark, WrapError> {
    if keys.pinning.inner_key_id != inner.key_id || keys.pinning.inner_k != inner.k {
        return Err(WrapError::KeyMismatch {
            snark: inner.key_id.to_string(),
            keys: keys.pinning.inner_key_id.to_string(),
        });
    }
    let circuit = circuit(
        CircuitBuilderStage::Prover,
        keys.pinning.config,
        params,
        inner,
    )
    .use_break_points(keys.pinning.break_points.clone());
    let instances = circuit.instances();
    if instances[0].len() != keys.pinning.num_instances
        || instances[0][ACCUMULATOR_LIMBS..] != *inner.instances()
    {
        return Err(WrapError::InstanceMismatch);
    }
    let proof = prover::prove(params, &keys.pk, circuit, &instances)?;
    let snark = Snark {
        key_id: keys.id,
        k: keys.k,
        kind: SnarkKind::Aggregation,
        instances: instances.into_iter().next().unwrap_or_default(),
        proof,
    };
    crate::wrap::verify_snark(params, keys.id, &keys.vk, &snark)?;
    Ok(snark)
}

/// Checks the KZG accumulator in the first [`ACCUMULATOR_LIMBS`] of `instances`: limbs below
/// 2^88, coordinates canonical, points on the curve, and `e(lhs, g2) = e(rhs, s·g2)` for
/// `params`' SRS.
pub(crate) fn decide(params: &KzgParams, instances: &[Fr]) -> Result<(), WrapError> {
    let limbs: Vec<&Fr> = instances
        .get(..ACCUMULATOR_LIMBS)
        .ok_or_else(|| WrapError::Accumulator("fewer instances than accumulator limbs".into()))?
        .iter()
        .collect();
    let accumulator = <Encoding as AccumulatorEncoding<G1Affine, NativeLoader>>::from_repr(&limbs)
        .map_err(|e| WrapError::Accumulator(format!("{e:?}")))?;
    let dk: KzgDecidingKey<Bn256> = (params.get_g()[0], params.g2(), params.s_g2()).into();
    <Shplonk as AccumulationDecider<G1Affine, NativeLoader>>::decide(&dk, accumulator)
        .map_err(|e| WrapError::Accumulator(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use halo2_base::halo2_proofs::halo2curves::bn256::Fq;
    use halo2_base::halo2_proofs::halo2curves::ff::Field;
    use halo2_base::halo2_proofs::halo2curves::group::Curve;
    use halo2_base::halo2_proofs::halo2curves::CurveAffine;
    use snark_verifier::util::arithmetic::fe_to_limbs;

    use super::*;
    use crate::srs::{insecure_dev_srs, insecure_dev_tau};

    /// A point's coordinates as snark-verifier-sdk's accumulator limbs.
    fn limbs(point: G1Affine) -> Vec<Fr> {
        let xy = point.coordinates().unwrap();
        [*xy.x(), *xy.y()]
            .into_iter()
            .flat_map(fe_to_limbs::<Fq, Fr, LIMBS, LIMB_BITS>)
            .collect()
    }

    /// `(lhs, rhs)` as instances, followed by a statement instance.
    fn instances(lhs: G1Affine, rhs: G1Affine) -> Vec<Fr> {
        let mut out = limbs(lhs);
        out.extend(limbs(rhs));
        out.push(Fr::from(7u64));
        out
    }

    /// The native decider accepts an accumulator exactly when `lhs = τ·rhs` (τ of the
    /// INSECURE development SRS, known here), and rejects malformed encodings without panicking.
    #[test]
    fn accumulators_pass_exactly_when_their_pairing_holds() {
        let params = insecure_dev_srs(4).unwrap();
        let tau = insecure_dev_tau();
        let b = Fr::from(123_456_789u64);
        let g = G1Affine::generator();
        let rhs = (g * b).to_affine();
        let lhs = (g * (b * tau)).to_affine();
        decide(&params, &instances(lhs, rhs)).unwrap();

        // Wrong points: swapped, or lhs off by one multiple of G.
        assert!(decide(&params, &instances(rhs, lhs)).is_err());
        let off = (g * (b * tau + Fr::ONE)).to_affine();
        assert!(decide(&params, &instances(off, rhs)).is_err());

        // The same integer with a limb of 2^88 or more is not an encoding.
        let mut carried = instances(lhs, rhs);
        carried[0] += Fr::from(2u64).pow_vartime([LIMB_BITS as u64]);
        carried[1] -= Fr::ONE;
        assert!(decide(&params, &carried).is_err());

        // A point off the curve, and too few limbs.
        let mut off_curve = instances(lhs, rhs);
        off_curve[3] += Fr::ONE;
        assert!(decide(&params, &off_curve).is_err());
        assert!(decide(&params, &instances(lhs, rhs)[..ACCUMULATOR_LIMBS - 1]).is_err());
    }
}
