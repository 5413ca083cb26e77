//! keel's in-circuit building blocks for verifying Plonky3 STARK proofs (BabyBear values,
//! Poseidon2-BN254 hashing) inside a Halo2 circuit over BN254 (KZG), written as halo2-base chips:
//!
//! - [`babybear`]: canonical BabyBear elements ([`babybear::AssignedBabyBear`]) and their
//!   arithmetic;
//! - [`extension`]: the degree-4 challenge field BabyBear\[X\] / (X^4 − 11);
//! - [`poseidon2`]: the Poseidon2-BN254 width-3 permutation of keel's outer configuration;
//! - [`convert`]: conversions between Plonky3's field types and halo2's `Fr`;
//! - [`verifier`]: the STARK verifier in-circuit, and [`wrap`]: its circuit per proof shape,
//!   keys, SNARK file;
//! - [`aggregation`]: one more layer over the wrap (snark-verifier-sdk's aggregation circuit),
//!   whose verifier costs less gas; [`evm`]: the Solidity verifier of either.
//!
//! Every chip has a native twin (the Plonky3 type it mirrors) and is tested against it on random
//! inputs with `MockProver`; the README lists the measured cell counts.
#![deny(missing_docs)]

pub mod aggregation;
pub mod babybear;
pub mod convert;
mod error;
pub mod evm;
pub mod extension;
pub mod poseidon2;
pub mod poseidon2_gate;
pub mod prover;
pub mod srs;
pub mod verifier;
pub mod wrap;

#[cfg(test)]
mod cost_table;
#[cfg(test)]
mod testing;

pub use error::{ChipError, ConvertError};
/// The BN254 scalar field: the native field of the Halo2 circuits.
pub use halo2_base::halo2_proofs::halo2curves::bn256::Fr;
