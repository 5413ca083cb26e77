//! Real (non-mock) Halo2 key generation, proving and verification: KZG over BN254 with the
//! SHPLONK multi-opening scheme, halo2-axiom's APIs used directly.
//!
//! - Keys: [`keygen`] runs `keygen_vk` (halo2-axiom's default, selector compression **off**,
//!   as snark-verifier-sdk's `gen_pk`) and `keygen_pk`; deterministic, no randomness.
//! - Transcript: snark-verifier's **Keccak-256 EVM transcript** (`EvmTranscript`: points written
//!   uncompressed as two 32-byte big-endian coordinates, scalars as 32-byte big-endian words,
//!   challenges from Keccak-256 of everything absorbed) — the transcript the generated Solidity
//!   verifier ([`crate::evm`]) replays, so a proof's bytes are exactly what a contract reads.
//! - Blinding: [`prove`] draws the prover's blinding factors from ChaCha20 seeded from the
//!   operating system's entropy (`OsRng`); [`prove_with_rng`] takes a caller's cryptographic RNG
//!   (a fixed seed makes proofs reproducible, and must never be reused across witnesses when
//!   zero knowledge matters).
//! - [`verify`] uses `SingleStrategy` and also rejects trailing bytes after the proof.
//!
//! Instances are passed per instance column: `instances[c][r]` is row `r` of column `c`.

use std::io::Cursor;

use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_base::halo2_proofs::plonk::{
    create_proof, keygen_pk, keygen_vk, verify_proof, Circuit, Error as Halo2Error, ProvingKey,
    VerifyingKey,
};
use halo2_base::halo2_proofs::poly::commitment::ParamsProver;
use halo2_base::halo2_proofs::poly::kzg::commitment::KZGCommitmentScheme;
use halo2_base::halo2_proofs::poly::kzg::multiopen::{ProverSHPLONK, VerifierSHPLONK};
use halo2_base::halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_base::halo2_proofs::transcript::{
    EncodedChallenge, TranscriptWrite, TranscriptWriterBuffer,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, OsRng, RngCore, SeedableRng};
use snark_verifier::loader::native::NativeLoader;
use snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier_sdk::halo2::{PoseidonTranscript, POSEIDON_SPEC};
use thiserror::Error;

use crate::srs::KzgParams;

/// A verifying key over BN254.
pub type Vk = VerifyingKey<G1Affine>;
/// A proving key over BN254.
pub type Pk = ProvingKey<G1Affine>;

/// Errors of key generation, proving and verification.
#[derive(Debug, Error)]
pub enum ProverError {
    /// `keygen_vk` or `keygen_pk` failed (typically: the circuit does not fit 2^k rows).
    #[error("key generation failed: {0}")]
    Keygen(#[source] Halo2Error),
    /// `create_proof` failed (e.g. synthesis error, wrong number of instance columns).
    #[error("proving failed: {0}")]
    Prove(#[source] Halo2Error),
    /// The proof does not verify against the key and instances.
    #[error("the proof is invalid: {0}")]
    Invalid(#[source] Halo2Error),
    /// The proof verified but bytes follow it.
    #[error("{0} bytes follow the proof")]
    TrailingBytes(usize),
    /// The OS entropy source failed while seeding the blinding RNG.
    #[error("seeding the blinding RNG from OS entropy failed: {0}")]
    Entropy(#[source] rand_core::Error),
}

/// Generates the verifying and proving keys of `circuit` (in its keygen stage) for `params`.
pub fn keygen<C: Circuit<Fr>>(params: &KzgParams, circuit: &C) -> Result<(Vk, Pk), ProverError> {
    let vk = keygen_vk(params, circuit).map_err(ProverError::Keygen)?;
    let pk = keygen_pk(params, vk.clone(), circuit).map_err(ProverError::Keygen)?;
    Ok((vk, pk))
}

/// Proves `circuit` (in its prover stage) with public `instances` (one vector per instance
/// column); blinding from ChaCha20 seeded by the OS's entropy. Returns the proof bytes.
pub fn prove<C: Circuit<Fr>>(
    params: &KzgParams,
    pk: &Pk,
    circuit: C,
    instances: &[Vec<Fr>],
) -> Result<Vec<u8>, ProverError> {
    prove_with_rng(params, pk, circuit, instances, os_rng()?)
}

/// ChaCha20 seeded from the operating system's entropy.
fn os_rng() -> Result<ChaCha20Rng, ProverError> {
    ChaCha20Rng::from_rng(OsRng).map_err(ProverError::Entropy)
}

/// [`prove`] with the caller's cryptographic RNG for the blinding factors.
pub fn prove_with_rng<C: Circuit<Fr>>(
    params: &KzgParams,
    pk: &Pk,
    circuit: C,
    instances: &[Vec<Fr>],
    rng: impl RngCore + CryptoRng,
) -> Result<Vec<u8>, ProverError> {
    let mut transcript =
        <EvmTranscript<G1Affine, NativeLoader, Vec<u8>, Vec<u8>> as TranscriptWriterBuffer<
            _,
            G1Affine,
            _,
        >>::init(Vec::new());
    create(params, pk, circuit, instances, rng, &mut transcript)?;
    Ok(TranscriptWriterBuffer::finalize(transcript))
}

/// [`prove`] with snark-verifier's **Poseidon** transcript (the one its aggregation circuit
/// replays in-circuit) instead of the Keccak-256 EVM transcript: the proof of a SNARK that an
/// aggregation layer verifies ([`crate::aggregation`]), never one a contract reads.
pub fn prove_poseidon<C: Circuit<Fr>>(
    params: &KzgParams,
    pk: &Pk,
    circuit: C,
    instances: &[Vec<Fr>],
) -> Result<Vec<u8>, ProverError> {
    let mut transcript =
        PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(Vec::new(), POSEIDON_SPEC.clone());
    create(params, pk, circuit, instances, os_rng()?, &mut transcript)?;
    Ok(transcript.finalize())
}

/// `create_proof` (SHPLONK) into `transcript`.
fn create<C: Circuit<Fr>, E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
    params: &KzgParams,
    pk: &Pk,
    circuit: C,
    instances: &[Vec<Fr>],
    rng: impl RngCore + CryptoRng,
    transcript: &mut T,
) -> Result<(), ProverError> {
    let columns: Vec<&[Fr]> = instances.iter().map(Vec::as_slice).collect();
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&columns],
        rng,
        transcript,
    )
    .map_err(ProverError::Prove)
}

/// Verifies `proof` against `vk` and the public `instances` (one vector per instance
/// column). Any malformed or altered proof is an error, never a panic; so are trailing bytes.
pub fn verify(
    params: &KzgParams,
    vk: &Vk,
    proof: &[u8],
    instances: &[Vec<Fr>],
) -> Result<(), ProverError> {
    let columns: Vec<&[Fr]> = instances.iter().map(Vec::as_slice).collect();
    let mut reader = Cursor::new(proof);
    {
        let mut transcript = EvmTranscript::<G1Affine, NativeLoader, _, Vec<u8>>::new(&mut reader);
        verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
            params.verifier_params(),
            vk,
            SingleStrategy::new(params),
            &[&columns],
            &mut transcript,
        )
        .map_err(ProverError::Invalid)?;
    }
    let trailing = proof.len() - reader.position() as usize;
    if trailing != 0 {
        return Err(ProverError::TrailingBytes(trailing));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
    use halo2_base::gates::circuit::CircuitBuilderStage;
    use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
    use halo2_base::gates::{GateInstructions, RangeInstructions};
    use halo2_base::halo2_proofs::dev::MockProver;
    use halo2_base::halo2_proofs::halo2curves::ff::Field;
    use halo2_base::QuantumCell::{Constant, Existing};

    use super::*;
    use crate::poseidon2_gate::{Poseidon2CircuitBuilder, Poseidon2CircuitParams};
    use crate::srs::insecure_dev_srs;

    const K: u32 = 10;

    /// A few Poseidon2 permutations (custom gate) chained with halo2-base arithmetic and a
    /// range check; the public instance is lane 0 of the last permutation's output.
    fn circuit(
        stage: CircuitBuilderStage,
        pinning: Option<&(Poseidon2CircuitParams, MultiPhaseThreadBreakPoints)>,
        input: [u64; 3],
    ) -> (Poseidon2CircuitBuilder, Vec<Vec<Fr>>) {
        let mut base = BaseCircuitBuilder::<Fr>::from_stage(stage)
            .use_k(K as usize)
            .use_lookup_bits(K as usize - 1)
            .use_instance_columns(1);
        if let Some((params, break_points)) = pinning {
            base = base
                .use_params(params.base.clone())
                .use_break_points(break_points.clone());
        }
        let mut circuit = Poseidon2CircuitBuilder::new(base);
        let range = circuit.base.range_chip();
        let ctx = circuit.base.main(0);
        let mut state = input.map(|x| ctx.load_witness(Fr::from(x)));
        for round in 0..4u64 {
            state = circuit.poseidon2.permute(ctx, &state);
            let gate = range.gate();
            state[1] = gate.mul_add(
                ctx,
                Existing(state[1]),
                Existing(state[2]),
                Constant(Fr::from(round)),
            );
            state[2] = gate.add(ctx, state[2], Constant(Fr::from(7)));
        }
        let small = ctx.load_witness(Fr::from(input[0] % 256));
        range.range_check(ctx, small, 8);
        let output = state[0];
        circuit.base.assigned_instances[0].push(output);
        match pinning {
            None => {
                circuit.calculate_params(Some(9));
            }
            Some((params, _)) => circuit.poseidon2_column_sets = params.poseidon2_column_sets,
        }
        (circuit, vec![vec![*output.value()]])
    }

    fn flip(proof: &[u8], at: usize) -> Vec<u8> {
        let mut bad = proof.to_vec();
        bad[at] ^= 0x01;
        bad
    }

    #[test]
    fn keygen_prove_verify_with_the_poseidon2_circuit() {
        let start = Instant::now();
        let params = insecure_dev_srs(K).expect("dev SRS");
        let t_srs = start.elapsed();

        let input = [1, 2, 3];
        let (keygen_circuit, instances) = circuit(CircuitBuilderStage::Keygen, None, input);
        // The honest circuit is satisfied (MockProver on a Mock-stage twin).
        let (mock, mock_instances) = circuit(CircuitBuilderStage::Mock, None, input);
        assert_eq!(mock_instances, instances);
        MockProver::run(K, &mock, instances.clone())
            .expect("MockProver runs")
            .assert_satisfied();

        let start = Instant::now();
        let (vk, pk) = keygen(&params, &keygen_circuit).expect("keygen");
        let t_keygen = start.elapsed();
        let pinning = (keygen_circuit.params(), keygen_circuit.base.break_points());

        let (prover_circuit, prover_instances) =
            circuit(CircuitBuilderStage::Prover, Some(&pinning), input);
        assert_eq!(prover_instances, instances);
        let start = Instant::now();
        let proof = prove(&params, &pk, prover_circuit, &instances).expect("proof");
        let t_prove = start.elapsed();

        let start = Instant::now();
        verify(&params, &vk, &proof, &instances).expect("the proof verifies");
        let t_verify = start.elapsed();
        println!(
            "k = {K}: dev SRS {t_srs:?}, keygen {t_keygen:?}, prove {t_prove:?}, verify \
             {t_verify:?}, proof {} bytes",
            proof.len()
        );

        // Altered proofs: a point of the first commitment, a scalar near the end, and bytes
        // in between; each must be rejected without a panic.
        for at in [
            0,
            1,
            31,
            100,
            proof.len() / 2,
            proof.len() - 33,
            proof.len() - 1,
        ] {
            let result = verify(&params, &vk, &flip(&proof, at), &instances);
            assert!(result.is_err(), "flipped byte {at} accepted");
            println!("flipped byte {at}: {}", result.unwrap_err());
        }
        // Truncated, extended and empty proofs.
        assert!(verify(&params, &vk, &proof[..proof.len() - 1], &instances).is_err());
        let mut extended = proof.clone();
        extended.push(0);
        assert!(matches!(
            verify(&params, &vk, &extended, &instances),
            Err(ProverError::TrailingBytes(1))
        ));
        assert!(verify(&params, &vk, &[], &instances).is_err());

        // Wrong public instance, wrong instance shape.
        let wrong = vec![vec![instances[0][0] + Fr::ONE]];
        let result = verify(&params, &vk, &proof, &wrong);
        println!("wrong instance: {}", result.as_ref().unwrap_err());
        assert!(matches!(result, Err(ProverError::Invalid(_))));
        assert!(verify(&params, &vk, &proof, &[]).is_err());
        assert!(verify(&params, &vk, &proof, &[vec![]]).is_err());

        // Another witness (input) gives another instance; the proof of one does not verify
        // the other's.
        let other_input = [4, 5, 6];
        let (other, other_instances) =
            circuit(CircuitBuilderStage::Prover, Some(&pinning), other_input);
        assert_ne!(other_instances, instances);
        let other_proof = prove(&params, &pk, other, &other_instances).expect("proof");
        verify(&params, &vk, &other_proof, &other_instances).expect("verifies");
        assert!(verify(&params, &vk, &other_proof, &instances).is_err());
    }

    #[test]
    fn a_seeded_rng_does_not_make_proofs_reproducible() {
        // halo2-axiom draws the vanishing argument's random polynomial from `thread_rng()`,
        // whatever RNG the caller passes: two proofs of one witness with one seed differ.
        let params = insecure_dev_srs(K).expect("dev SRS");
        let (keygen_circuit, instances) = circuit(CircuitBuilderStage::Keygen, None, [9, 8, 7]);
        let (vk, pk) = keygen(&params, &keygen_circuit).expect("keygen");
        let pinning = (keygen_circuit.params(), keygen_circuit.base.break_points());
        let proof = || {
            let (c, _) = circuit(CircuitBuilderStage::Prover, Some(&pinning), [9, 8, 7]);
            prove_with_rng(&params, &pk, c, &instances, ChaCha20Rng::from_seed([1; 32]))
                .expect("proof")
        };
        let (a, b) = (proof(), proof());
        assert_ne!(a, b);
        for p in [&a, &b] {
            verify(&params, &vk, p, &instances).expect("verifies");
        }
    }
}
