//! keel's STARK layer on Plonky3: configurations ([`config`]), example AIRs, proving and
//! verification of multi-table (batch) proofs.
#![deny(missing_docs)]

pub mod config;

#[cfg(test)]
mod tests;
