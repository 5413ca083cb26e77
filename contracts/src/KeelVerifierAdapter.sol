// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {IKeelVerifier} from "./IKeelVerifier.sol";
import {PublicValues} from "./PublicValues.sol";

/// @title KeelVerifierAdapter
/// @notice The half of a keel verifier that does not depend on the generated SNARK verifier: it
///         implements `IKeelVerifier.verify` by checking the proof's selector and turning
///         `(programId, publicValues)` into the SNARK's public instances, then hands both to
///         `_verifySnark`, which a concrete verifier implements for one verifying key.
/// @dev Public instances, in this order (each one BN254 scalar field element):
///        0. `programId`, which must already be canonical (< r, the BN254 scalar modulus);
///        1. `PublicValues.digest(publicValues)` = `sha256(publicValues) & (2^253 - 1)`;
///        2. the exit code the guest passed to `exit`.
///      Instances that only the prover knows (e.g. the KZG accumulator limbs of an aggregation
///      layer) travel inside the proof bytes; the concrete verifier places them where its circuit
///      expects them.
///
///      Exit code: `verify` always proves exit code 0. A run that exited with another code did not
///      succeed, so its public values are not a result a consumer may act on; fixing the instance
///      to 0 means such a proof simply does not verify through this interface. `publicInstances`
///      takes the exit code as a parameter so other entry points (and tests) can build the
///      instances for any code.
///
///      Proof layout: `proof = selector (4 bytes) ‖ snarkProof`. The selector is the first 4
///      bytes of keccak256 of the verifying key and version (computed off-chain by keel);
///      `KeelVerifierRouter` forwards the whole proof, selector included, and this adapter
///      checks that the selector is its own before stripping it. So the same proof bytes work
///      through the router and against the verifier directly.
abstract contract KeelVerifierAdapter is IKeelVerifier {
    /// @notice r, the BN254 scalar field modulus: every public instance is an integer below it.
    uint256 public constant BN254_SCALAR_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The number of public instances `publicInstances` builds.
    uint256 public constant PUBLIC_INSTANCE_COUNT = 3;

    /// @notice The exit code `verify` requires: the guest ran to completion successfully.
    uint32 public constant SUCCESS_EXIT_CODE = 0;

    /// @notice The number of leading proof bytes that form the selector.
    uint256 public constant SELECTOR_LENGTH = 4;

    /// @notice `programId` is not a canonical BN254 scalar (it is >= r); keel never prints such an
    ///         id, so the caller passed a wrong value.
    /// @param programId The value given.
    error NonCanonicalProgramId(bytes32 programId);

    /// @notice The proof is too short to contain a selector.
    /// @param length The proof's length in bytes (less than 4).
    error ProofTooShort(uint256 length);

    /// @notice The proof was made for another verifying key or version than this verifier's.
    /// @param expected This verifier's selector.
    /// @param actual The first 4 bytes of the proof.
    error WrongVerifierSelector(bytes4 expected, bytes4 actual);

    /// @notice This verifier's selector: the first 4 bytes of keccak256 of its verifying key and
    ///         version, as keel computes it when generating the verifier.
    /// @return The selector proofs for this verifier start with.
    function verifierSelector() public view virtual returns (bytes4);

    /// @inheritdoc IKeelVerifier
    /// @dev Reverts with `ProofTooShort`, `WrongVerifierSelector` or `NonCanonicalProgramId` for
    ///      malformed input, and with whatever `_verifySnark` reverts with for an invalid proof.
    ///      The exit code instance is fixed to `SUCCESS_EXIT_CODE` (0).
    function verify(bytes32 programId, bytes calldata publicValues, bytes calldata proof) external view {
        if (proof.length < SELECTOR_LENGTH) revert ProofTooShort(proof.length);
        bytes4 selector = bytes4(proof[:SELECTOR_LENGTH]);
        bytes4 expected = verifierSelector();
        if (selector != expected) revert WrongVerifierSelector(expected, selector);
        uint256[PUBLIC_INSTANCE_COUNT] memory instances = publicInstances(programId, publicValues, SUCCESS_EXIT_CODE);
        _verifySnark(instances, proof[SELECTOR_LENGTH:]);
    }

    /// @notice The SNARK's public instances for a claim "program `programId` exited with
    ///         `exitCode` after committing `publicValues`".
    /// @dev Reverts with `NonCanonicalProgramId` if `programId` >= r. The digest is below 2^253 < r
    ///      and a `uint32` exit code is far below r, so every instance is canonical.
    /// @param programId The program id, as printed by `keel program-id`.
    /// @param publicValues The bytes the guest committed.
    /// @param exitCode The guest's exit code.
    /// @return instances `[programId, sha256(publicValues) & (2^253 - 1), exitCode]`.
    function publicInstances(bytes32 programId, bytes calldata publicValues, uint32 exitCode)
        public
        pure
        returns (uint256[PUBLIC_INSTANCE_COUNT] memory instances)
    {
        if (uint256(programId) >= BN254_SCALAR_MODULUS) revert NonCanonicalProgramId(programId);
        instances[0] = uint256(programId);
        instances[1] = uint256(PublicValues.digest(publicValues));
        instances[2] = exitCode;
    }

    /// @notice Checks the SNARK proof against the public instances; reverts if it is invalid.
    /// @dev Implemented by the concrete verifier for one verifying key, typically by calling the
    ///      generated verifier contract with the instances (and any accumulator limbs taken from
    ///      `snarkProof`) and the proof, and reverting with a custom error unless it accepts.
    /// @param instances The public instances from `publicInstances`.
    /// @param snarkProof The proof bytes after the 4-byte selector.
    function _verifySnark(uint256[PUBLIC_INSTANCE_COUNT] memory instances, bytes calldata snarkProof)
        internal
        view
        virtual;
}
