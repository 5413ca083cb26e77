//! keel's versioned, self-describing proof file: what was proven (the statement), with which
//! configuration, its public values, and the batch proof.
//!
//! Layout: `b"KEELPROF"`, then the [`ProofFile`] encoded with postcard (a version number first,
//! checked before anything else is read). Decoding rejects bad magic, unknown versions,
//! malformed bytes and trailing bytes, and never panics.
//!
//! The statement is either a run of an RV32IM program on keel's machine ([`Statement::Rv32im`]:
//! program id, exit code, public values, and the program itself, so that the file verifies on
//! its own) or a toy machine of [`crate::toy`] (the AIRs the Halo2 wrapper is tested on).

use p3_batch_stark::{BatchProof, StarkGenericConfig};
use p3_field::PrimeField32;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigKind, Val};
use crate::stark::{decode_proof, encode_proof, StarkError};
use crate::toy::ToyKind;

/// File magic.
pub const PROOF_MAGIC: &[u8; 8] = b"KEELPROF";
/// The version this keel writes and reads.
pub const PROOF_VERSION: u32 = 1;

/// What a proof proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Statement {
    /// A run of an RV32IM program on keel's machine.
    Rv32im(RunStatement),
    /// A toy machine (a test AIR) with its largest table at `2^log_height` rows.
    Toy {
        /// Which machine.
        kind: ToyKind,
        /// log2 of its largest table's height.
        log_height: u8,
    },
}

/// The claim of a machine proof: the program with this id, run to its end, exited with
/// `exit_code` after committing `public_values`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStatement {
    /// The program id (a BN254 field element, big-endian).
    pub program_id: [u8; 32],
    /// The exit code.
    pub exit_code: u32,
    /// The committed bytes (their SHA-256 is what the proof binds).
    pub public_values: Vec<u8>,
    /// Instructions executed.
    pub cycles: u64,
    /// The program (keel-executor's `Program`, postcard-encoded): the verifier rebuilds the
    /// program's tables from it and checks that they have `program_id`.
    pub program: Vec<u8>,
}

/// A proof file's contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// Format version ([`PROOF_VERSION`]).
    pub version: u32,
    /// The configuration the proof was made with.
    pub config: ConfigKind,
    /// What it proves.
    pub statement: Statement,
    /// Each table's public values (canonical BabyBear values).
    pub public_values: Vec<Vec<u32>>,
    /// The batch proof ([`encode_proof`]).
    pub proof: Vec<u8>,
}

impl ProofFile {
    /// A proof file for `proof` of `statement`.
    pub fn new<SC: StarkGenericConfig>(
        config: ConfigKind,
        statement: Statement,
        public_values: &[Vec<Val>],
        proof: &BatchProof<SC>,
    ) -> Result<Self, StarkError> {
        Ok(ProofFile {
            version: PROOF_VERSION,
            config,
            statement,
            public_values: public_values
                .iter()
                .map(|vs| vs.iter().map(|v| v.as_canonical_u32()).collect())
                .collect(),
            proof: encode_proof(proof)?,
        })
    }

    /// The file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = PROOF_MAGIC.to_vec();
        out.extend(postcard::to_allocvec(self).expect("plain data serializes"));
        out
    }

    /// Decodes [`Self::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StarkError> {
        let body = bytes
            .strip_prefix(PROOF_MAGIC.as_slice())
            .ok_or_else(|| StarkError::Decode("not a keel proof file (bad magic)".into()))?;
        let (version, _) = postcard::take_from_bytes::<u32>(body)
            .map_err(|e| StarkError::Decode(format!("version: {e}")))?;
        if version != PROOF_VERSION {
            return Err(StarkError::Decode(format!(
                "proof file version {version} (this keel reads version {PROOF_VERSION})"
            )));
        }
        let (file, rest) = postcard::take_from_bytes::<ProofFile>(body)
            .map_err(|e| StarkError::Decode(e.to_string()))?;
        if !rest.is_empty() {
            return Err(StarkError::Decode(format!(
                "{} bytes after the proof file",
                rest.len()
            )));
        }
        Ok(file)
    }

    /// The public values as field elements; a non-canonical value is an error.
    pub fn public_values(&self) -> Result<Vec<Vec<Val>>, StarkError> {
        self.public_values
            .iter()
            .map(|vs| {
                vs.iter()
                    .map(|&v| {
                        (v < Val::ORDER_U32)
                            .then(|| Val::new(v))
                            .ok_or_else(|| StarkError::Decode(format!("public value {v}")))
                    })
                    .collect()
            })
            .collect()
    }

    /// The batch proof, decoded for configuration `SC` (which must be `self.config`'s).
    pub fn proof<SC: StarkGenericConfig>(&self) -> Result<BatchProof<SC>, StarkError> {
        decode_proof(&self.proof)
    }

    /// [`Self::proof`] with `SC` inferred from a configuration value.
    pub fn proof_with<SC: StarkGenericConfig>(
        &self,
        _config: &SC,
    ) -> Result<BatchProof<SC>, StarkError> {
        decode_proof(&self.proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{fast_config, FastConfig};
    use crate::stark::verify;

    fn sample() -> ProofFile {
        let machine = ToyKind::Fibonacci.machine(4);
        let (_, proof) = machine.prove_fast().unwrap();
        ProofFile::new(
            ConfigKind::Fast,
            Statement::Toy {
                kind: ToyKind::Fibonacci,
                log_height: 4,
            },
            &machine.public_values,
            &proof,
        )
        .unwrap()
    }

    #[test]
    fn round_trips_and_the_decoded_proof_verifies() {
        let file = sample();
        let decoded = ProofFile::from_bytes(&file.to_bytes()).unwrap();
        assert_eq!(decoded, file);
        let machine = ToyKind::Fibonacci.machine(4);
        let (data, _) = machine.prove_fast().unwrap();
        let proof = decoded.proof::<FastConfig>().unwrap();
        let pvs = decoded.public_values().unwrap();
        assert_eq!(pvs, machine.public_values);
        verify(&fast_config(), &machine.airs, &proof, &pvs, &data.common).unwrap();
    }

    #[test]
    fn malformed_files_are_errors() {
        let bytes = sample().to_bytes();
        assert!(ProofFile::from_bytes(&bytes[..7]).is_err(), "short magic");
        let mut wrong_magic = bytes.clone();
        wrong_magic[0] ^= 1;
        assert!(ProofFile::from_bytes(&wrong_magic).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(ProofFile::from_bytes(&trailing).is_err());
        let mut version = sample();
        version.version = 2;
        let err = ProofFile::from_bytes(&version.to_bytes()).unwrap_err();
        assert!(err.to_string().contains("version 2"), "{err}");
        for cut in (0..bytes.len()).step_by(97) {
            assert!(
                ProofFile::from_bytes(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut bad_value = sample();
        bad_value.public_values[0][0] = Val::ORDER_U32;
        assert!(bad_value.public_values().is_err());
    }
}
