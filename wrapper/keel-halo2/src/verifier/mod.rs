//! The STARK verifier, written once over small arithmetic interfaces ([`ops`]) and instantiated
//! natively (the oracle, checked against Plonky3's own verifier) and in-circuit.

pub mod circuit;
pub mod constraints;
pub mod fri;
pub mod fri_circuit;
pub mod merkle;
pub mod ood;
pub mod ops;
pub mod transcript;
pub mod transcript_circuit;
