//! Proving and verifying multi-table (batch) STARKs with either configuration, and the proof's
//! byte encoding.

use p3_air::Air;
use p3_batch_stark::{
    prove_batch, verify_batch, BatchProof, CommonData, ProverData, StarkGenericConfig,
    StarkInstance,
};
use p3_challenger::GrindingChallenger;
use p3_field::{Algebra, BasedVectorSpace, PrimeField64};
use p3_lookup::InteractionSymbolicBuilder;
use p3_matrix::dense::RowMajorMatrix;
use p3_uni_stark::{Domain, SymbolicExpressionExt, Val};

/// Why proving or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum StarkError {
    /// The tables, traces and public values do not line up.
    #[error("malformed statement: {0}")]
    Shape(String),
    /// Plonky3's prover failed (for example, a trace that violates a constraint).
    #[error("proving failed: {0}")]
    Proving(String),
    /// The proof does not verify against the statement.
    #[error("proof rejected: {0}")]
    Rejected(String),
    /// The proof bytes do not decode.
    #[error("malformed proof bytes: {0}")]
    Decode(String),
}

/// A proof together with the verifier-side data its AIRs commit to (the preprocessed commitment
/// and the lookup layout), which the verifier recomputes from the AIRs and heights.
pub struct Proven<SC: StarkGenericConfig> {
    /// The batch proof.
    pub proof: BatchProof<SC>,
    /// Verifier data derived from the AIRs (keygen output).
    pub common: CommonData<SC>,
}

/// Keygen: the verifier data for `airs` at the given log heights.
pub fn setup<SC, A>(
    config: &SC,
    airs: &[A],
    log_heights: &[usize],
) -> Result<ProverData<SC>, StarkError>
where
    SC: StarkGenericConfig,
    SymbolicExpressionExt<Val<SC>, SC::Challenge>: Algebra<SC::Challenge>,
    A: Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>,
{
    if airs.len() != log_heights.len() {
        return Err(StarkError::Shape(format!(
            "{} tables but {} heights",
            airs.len(),
            log_heights.len()
        )));
    }
    ProverData::from_airs_and_degrees(config, airs, log_heights)
        .map_err(|e| StarkError::Proving(format!("{e:?}")))
}

/// Proves that each trace satisfies its AIR with its public values, all tables in one proof.
pub fn prove<SC, A>(
    config: &SC,
    airs: &[A],
    traces: &[RowMajorMatrix<Val<SC>>],
    public_values: &[Vec<Val<SC>>],
    prover_data: &ProverData<SC>,
) -> Result<BatchProof<SC>, StarkError>
where
    SC: StarkGenericConfig,
    Val<SC>: PrimeField64,
    SymbolicExpressionExt<Val<SC>, SC::Challenge>: Algebra<SC::Challenge>,
    Domain<SC>: Send + Sync,
    SC::Pcs: Sync,
    p3_uni_stark::PcsProverError<SC>: Send,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    <SC::Pcs as p3_commit::Pcs<SC::Challenge, SC::Challenger>>::ProverData: Sync,
    <SC::Pcs as p3_commit::Pcs<SC::Challenge, SC::Challenger>>::Commitment: Sync,
    A: crate::ProvableAir<SC>,
{
    if airs.len() != traces.len() || airs.len() != public_values.len() {
        return Err(StarkError::Shape(format!(
            "{} tables, {} traces, {} public-value vectors",
            airs.len(),
            traces.len(),
            public_values.len()
        )));
    }
    let trace_refs: Vec<&RowMajorMatrix<Val<SC>>> = traces.iter().collect();
    let instances = StarkInstance::new_multiple(airs, &trace_refs, public_values);
    prove_batch(config, &instances, prover_data).map_err(|e| StarkError::Proving(format!("{e:?}")))
}

/// Verifies a batch proof of `airs` with the given public values.
pub fn verify<SC, A>(
    config: &SC,
    airs: &[A],
    proof: &BatchProof<SC>,
    public_values: &[Vec<Val<SC>>],
    common: &CommonData<SC>,
) -> Result<(), StarkError>
where
    SC: StarkGenericConfig,
    Val<SC>: PrimeField64,
    SymbolicExpressionExt<Val<SC>, SC::Challenge>: Algebra<SC::Challenge>,
    SC::Challenge: BasedVectorSpace<Val<SC>>,
    SC::Challenger: GrindingChallenger<Witness = Val<SC>>,
    A: crate::VerifiableAir<SC>,
{
    if airs.len() != public_values.len() {
        return Err(StarkError::Shape(format!(
            "{} tables but {} public-value vectors",
            airs.len(),
            public_values.len()
        )));
    }
    verify_batch(config, airs, proof, public_values, common)
        .map_err(|e| StarkError::Rejected(format!("{e:?}")))
}

/// Encodes a proof as bytes (postcard).
pub fn encode_proof<SC: StarkGenericConfig>(proof: &BatchProof<SC>) -> Result<Vec<u8>, StarkError> {
    postcard::to_allocvec(proof).map_err(|e| StarkError::Decode(e.to_string()))
}

/// Decodes proof bytes; any malformed input is an error, never a panic.
pub fn decode_proof<SC: StarkGenericConfig>(bytes: &[u8]) -> Result<BatchProof<SC>, StarkError> {
    postcard::from_bytes(bytes).map_err(|e| StarkError::Decode(e.to_string()))
}
