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

/// Checks traces against their AIRs without proving: every constraint on every row (the first
/// few failures reported with their table, row and constraint index) and the balance of every
/// bus (LogUp multisets). The prover would otherwise only find out after committing — or, in a
/// build without Plonky3's debug checks, produce a proof the verifier rejects.
pub fn check_traces<F, A>(
    airs: &[A],
    traces: &[RowMajorMatrix<F>],
    public_values: &[Vec<F>],
    lookups: &[p3_lookup::Lookups<F>],
) -> Result<(), StarkError>
where
    F: p3_field::Field,
    A: for<'a> Air<p3_air::DebugConstraintBuilder<'a, F>>,
{
    if airs.len() != traces.len()
        || airs.len() != public_values.len()
        || airs.len() != lookups.len()
    {
        return Err(StarkError::Shape(format!(
            "{} tables, {} traces, {} public-value vectors, {} lookup sets",
            airs.len(),
            traces.len(),
            public_values.len(),
            lookups.len()
        )));
    }
    let mut failures = Vec::new();
    for (i, ((air, trace), pvs)) in airs.iter().zip(traces).zip(public_values).enumerate() {
        let report = p3_air::check_all_constraints(air, trace, pvs, Some(5));
        for failure in report.failures.iter().take(5) {
            failures.push(format!(
                "table {i} row {} constraint {}",
                failure.row, failure.constraint
            ));
        }
    }
    if !failures.is_empty() {
        return Err(StarkError::Proving(format!(
            "constraints violated: {}",
            failures.join("; ")
        )));
    }
    let preprocessed: Vec<_> = airs.iter().map(|a| a.preprocessed_trace()).collect();
    let instances: Vec<_> = traces
        .iter()
        .zip(&preprocessed)
        .zip(public_values)
        .zip(lookups)
        .map(
            |(((trace, prep), pvs), lookups)| p3_lookup::debug_util::LookupDebugInstance {
                main_trace: trace,
                preprocessed_trace: prep,
                public_values: pvs,
                lookups,
                permutation_challenges: &[],
            },
        )
        .collect();
    quietly(|| p3_lookup::debug_util::check_lookups(&instances)).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unbalanced bus".into());
        StarkError::Proving(format!("buses unbalanced: {message}"))
    })
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into an error (as [`std::panic::catch_unwind`]) without the panic
/// hook printing it: Plonky3 reports unbalanced buses (and, in builds with debug assertions,
/// violated constraints) by panicking, which keel turns into errors. Panics on other threads,
/// and on this one outside `f`, are printed as usual (a process-wide hook, installed on first
/// use, stays silent only while this thread runs `f`).
pub fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    outcome
}
