//! keel's STARK layer on Plonky3: configurations ([`config`]), proving and verification of
//! multi-table proofs ([`stark`]), and toy AIRs that exercise every feature the zkVM uses
//! ([`toy`]).
#![deny(missing_docs)]

pub mod config;
pub mod cost;
pub mod proof_file;
pub mod security;
pub mod stark;
pub mod toy;

use p3_air::Air;
use p3_batch_stark::StarkGenericConfig;
use p3_lookup::InteractionSymbolicBuilder;
use p3_uni_stark::Val;

/// What `prove_batch` needs of an AIR type (the debug builder only in debug builds, where
/// Plonky3 checks every constraint on the trace before proving).
#[cfg(debug_assertions)]
pub trait ProvableAir<SC: StarkGenericConfig>:
    for<'a> Air<p3_air::DebugConstraintBuilder<'a, Val<SC>, SC::Challenge>>
    + Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>
    + for<'a> Air<p3_batch_stark::folder::ProverConstraintFolderWithLookups<'a, SC>>
    + Clone
{
}
#[cfg(debug_assertions)]
impl<SC: StarkGenericConfig, A> ProvableAir<SC> for A where
    A: for<'a> Air<p3_air::DebugConstraintBuilder<'a, Val<SC>, SC::Challenge>>
        + Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>
        + for<'a> Air<p3_batch_stark::folder::ProverConstraintFolderWithLookups<'a, SC>>
        + Clone
{
}

/// What `prove_batch` needs of an AIR type.
#[cfg(not(debug_assertions))]
pub trait ProvableAir<SC: StarkGenericConfig>:
    Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>
    + for<'a> Air<p3_batch_stark::folder::ProverConstraintFolderWithLookups<'a, SC>>
    + Clone
{
}
#[cfg(not(debug_assertions))]
impl<SC: StarkGenericConfig, A> ProvableAir<SC> for A where
    A: Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>
        + for<'a> Air<p3_batch_stark::folder::ProverConstraintFolderWithLookups<'a, SC>>
        + Clone
{
}

/// What `verify_batch` needs of an AIR type.
pub trait VerifiableAir<SC: StarkGenericConfig>:
    Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>
    + for<'a> Air<p3_batch_stark::folder::VerifierConstraintFolderWithLookups<'a, SC>>
{
}
impl<SC: StarkGenericConfig, A> VerifiableAir<SC> for A where
    A: Air<InteractionSymbolicBuilder<Val<SC>, SC::Challenge>>
        + for<'a> Air<p3_batch_stark::folder::VerifierConstraintFolderWithLookups<'a, SC>>
{
}

#[cfg(test)]
mod tests;
