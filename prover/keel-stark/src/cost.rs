//! What verifying an outer-configuration proof costs, counted natively: the number of
//! Poseidon2-BN254 permutations the verifier computes (Merkle leaves and paths, FRI layers,
//! transcript, proof-of-work checks). In the Halo2 verifier circuit these permutations dominate
//! the cell count, so this number times the cells of one in-circuit permutation estimates the
//! circuit before it exists — and tells which FRI parameters make it fit.

use crate::config::{outer_config_with, outer_perm, OuterPerm};
use crate::stark::{encode_proof, prove, setup, verify, StarkError};
use crate::toy::ToyMachine;
use p3_bn254::Bn254;
use p3_symmetric::{CryptographicPermutation, Permutation};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Poseidon2-BN254 that counts how often it is applied.
#[derive(Clone, Debug)]
pub struct CountingPerm {
    inner: OuterPerm,
    calls: Arc<AtomicU64>,
}

impl CountingPerm {
    /// The published permutation, with a fresh counter.
    pub fn new() -> CountingPerm {
        CountingPerm {
            inner: outer_perm(),
            calls: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Calls so far (shared by every clone).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Resets the shared counter to zero.
    pub fn reset(&self) {
        self.calls.store(0, Ordering::Relaxed);
    }
}

impl Default for CountingPerm {
    fn default() -> Self {
        CountingPerm::new()
    }
}

impl Permutation<[Bn254; 3]> for CountingPerm {
    fn permute_mut(&self, state: &mut [Bn254; 3]) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.permute_mut(state);
    }
}

impl CryptographicPermutation<[Bn254; 3]> for CountingPerm {}

/// The cost of verifying one outer proof.
#[derive(Clone, Debug, Serialize)]
pub struct VerifierCost {
    /// log2 of each table's height.
    pub log_heights: Vec<usize>,
    /// Main-trace columns over all tables.
    pub total_width: usize,
    /// Serialized proof size.
    pub proof_bytes: usize,
    /// Poseidon2-BN254 permutations computed by the verifier.
    pub verifier_permutations: u64,
    /// Poseidon2-BN254 permutations computed by the prover (grinding included).
    pub prover_permutations: u64,
}

/// Proves `machine` in the outer configuration and counts the verifier's permutations.
pub fn outer_verifier_cost(machine: &ToyMachine) -> Result<VerifierCost, StarkError> {
    let perm = CountingPerm::new();
    let config = outer_config_with(perm.clone());
    let data = setup(&config, &machine.airs, &machine.log_heights())?;
    perm.reset();
    let proof = prove(
        &config,
        &machine.airs,
        &machine.traces,
        &machine.public_values,
        &data,
    )?;
    let prover_permutations = perm.calls();
    perm.reset();
    verify(
        &config,
        &machine.airs,
        &proof,
        &machine.public_values,
        &data.common,
    )?;
    Ok(VerifierCost {
        log_heights: machine.log_heights(),
        total_width: machine.total_width(),
        proof_bytes: encode_proof(&proof)?.len(),
        verifier_permutations: perm.calls(),
        prover_permutations,
    })
}
