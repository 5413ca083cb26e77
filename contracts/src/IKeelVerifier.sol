// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

/// @title IKeelVerifier
/// @notice Verifies that a keel guest program, identified by `programId`, ran to completion and
///         committed exactly `publicValues`.
/// @dev One verifier serves every program: the program id is an input, never a constant baked
///      into the verifier. The proof binds the public values through
///      `PublicValues.digest(publicValues)` (`sha256(publicValues)` with its top 3 bits cleared,
///      so that it fits one BN254 scalar field element).
interface IKeelVerifier {
    /// @notice Checks a proof of execution of program `programId` with public values
    ///         `publicValues`.
    /// @dev Reverts (with a custom error naming the reason) if the proof is not valid for this
    ///      program id and these public values, or if any input is malformed or non-canonical;
    ///      returns nothing. Callers treat "did not revert" as "verified".
    /// @param programId The program's id as printed by `keel program-id` for its ELF: a commitment
    ///        to the initial memory image and entry point, less than the BN254 scalar modulus.
    /// @param publicValues The bytes the guest committed, exactly as committed (not the digest).
    /// @param proof The EVM proof bytes produced by keel; they start with a 4-byte selector that
    ///        names the verifying key and version (routers dispatch on it).
    function verify(bytes32 programId, bytes calldata publicValues, bytes calldata proof) external view;
}
