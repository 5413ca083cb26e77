// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

/// @title PublicValues
/// @notice The on-chain form of a guest's public values: one 253-bit field element.
/// @dev A guest's public values are arbitrary bytes; the proof exposes only their digest,
///      `sha256(publicValues) & (2^253 - 1)`. Clearing the top 3 bits makes the digest smaller than
///      the BN254 scalar modulus (~2^253.6), so it is one public input of the final SNARK without a
///      reduction. This is the convention SP1 and Pico use, so consumers already know it.
library PublicValues {
    /// @notice 2^253 - 1: keeps the low 253 bits of a SHA-256 hash.
    bytes32 internal constant DIGEST_MASK = bytes32((uint256(1) << 253) - 1);

    /// @notice The digest of `publicValues` that keel proofs bind: `sha256(publicValues) & (2^253 - 1)`.
    function digest(bytes calldata publicValues) internal pure returns (bytes32) {
        return sha256(publicValues) & DIGEST_MASK;
    }
}
