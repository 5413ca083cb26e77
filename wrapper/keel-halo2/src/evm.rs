//! The EVM side of the wrap: the Solidity verifier of a wrap circuit's verifying key, generated
//! by snark-verifier (SHPLONK, the Keccak-256 EVM transcript [`crate::prover`] proves with), and
//! the calldata it reads.
//!
//! The generated contract has no function selector: its fallback reads the calldata as
//! `instances ‖ proof` — each public instance as a 32-byte big-endian word, then the proof bytes
//! exactly as [`crate::prover::prove`] wrote them — and reverts unless the proof verifies
//! (pairing check included). It is compiled without the optimizer (solc-js runs out of memory or
//! stack on these contracts with it; `../shared/recipes/halo2.md`). Measured for the RV32IM
//! machine: the wrap circuit at k = 17 gives 80 KB of runtime code (over EIP-170's 24,576 bytes)
//! and ~1.5M execution gas per verification; the aggregation layer over the k = 20 wrap
//! ([`crate::aggregation`]) at k = 21 17.4 KB and ~345k, at k = 22 (`keel wrap`'s default)
//! 16.4 KB and ~324k.

use std::rc::Rc;

use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, Fq, G1Affine};
use halo2_base::halo2_proofs::halo2curves::ff::PrimeField;
use halo2_base::halo2_proofs::poly::commitment::ParamsProver;
use snark_verifier::loader::evm::EvmLoader;
use snark_verifier::pcs::kzg::{Bdfg21, KzgAs, KzgDecidingKey, LimbsEncoding};
use snark_verifier::system::halo2::{compile, transcript::evm::EvmTranscript, Config};
use snark_verifier::verifier::{plonk::PlonkVerifier, SnarkVerifier};

use crate::prover::Vk;
use crate::srs::KzgParams;
use crate::Fr;

/// SHPLONK (BDFG21) as snark-verifier's accumulation scheme.
type Shplonk = KzgAs<Bn256, Bdfg21>;
/// snark-verifier-sdk's accumulator encoding (3 limbs of 88 bits per coordinate).
type Verifier = PlonkVerifier<Shplonk, LimbsEncoding<3, 88>>;

/// Why a verifier could not be generated.
#[derive(Debug, thiserror::Error)]
#[error("generating the Solidity verifier failed: {0}")]
pub struct CodegenError(String);

/// The Solidity source of the verifier of `vk` (one instance column of `num_instances` rows)
/// over `params`' SRS. Deterministic: the same key and SRS give the same bytes.
///
/// `accumulator_limbs` is 0 for a wrap circuit, and
/// [`crate::aggregation::ACCUMULATOR_LIMBS`] for an aggregation circuit: its first instances are
/// then a KZG accumulator whose pairing check the verifier performs too (merged with the proof's
/// own into one pairing).
pub fn solidity_verifier(
    params: &KzgParams,
    vk: &Vk,
    num_instances: usize,
    accumulator_limbs: usize,
) -> Result<String, CodegenError> {
    let accumulator =
        (accumulator_limbs > 0).then(|| (0..accumulator_limbs).map(|i| (0, i)).collect());
    let protocol = compile(
        params,
        vk,
        Config::kzg()
            .with_num_instance(vec![num_instances])
            .with_accumulator_indices(accumulator),
    );
    let dk: KzgDecidingKey<Bn256> = (params.get_g()[0], params.g2(), params.s_g2()).into();
    let loader = EvmLoader::new::<Fq, Fr>();
    let protocol = protocol.loaded(&loader);
    let mut transcript = EvmTranscript::<G1Affine, Rc<EvmLoader>, _, _>::new(&loader);
    let instances = transcript.load_instances(vec![num_instances]);
    let proof = Verifier::read_proof(&dk, &protocol, &instances, &mut transcript)
        .map_err(|e| CodegenError(format!("{e:?}")))?;
    Verifier::verify(&dk, &protocol, &instances, &proof)
        .map_err(|e| CodegenError(format!("{e:?}")))?;
    // snark-verifier pins solc 0.8.19 exactly; the code compiles unchanged with later 0.8
    // releases (keel's solc is 0.8.37).
    Ok(loader
        .solidity_code()
        .replacen("pragma solidity 0.8.19;", "pragma solidity ^0.8.19;", 1))
}

/// The generated verifier's calldata: every instance as a 32-byte big-endian word, then the
/// proof.
pub fn calldata(instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * instances.len() + proof.len());
    for instance in instances {
        let mut word = instance.to_repr();
        word.as_mut().reverse();
        out.extend_from_slice(word.as_ref());
    }
    out.extend_from_slice(proof);
    out
}
