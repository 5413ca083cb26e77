// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {IKeelVerifier} from "../IKeelVerifier.sol";

/// @title FibonacciRecorder
/// @notice Example consumer (copy it): records Fibonacci numbers that a keel guest computed, so
///         the chain learns `fib(n)` without computing it.
/// @dev The pattern every consumer follows:
///        1. store the program id of the guest you trust (here: in the constructor);
///        2. call `IKeelVerifier.verify(programId, publicValues, proof)`; it reverts unless the
///           proof shows that this program ran to completion and committed exactly
///           `publicValues`;
///        3. decode `publicValues` and act on them.
///      The guest commits `abi.encode(uint32 n, uint32 fibN)` (64 bytes). Anyone may record: the
///      proof, not the caller, is what makes a value trustworthy. Recording the same `n` again
///      is harmless (the guest is deterministic, so the value is the same).
contract FibonacciRecorder {
    /// @notice The verifier (usually a `KeelVerifierRouter`) that checks proofs.
    IKeelVerifier public immutable verifier;

    /// @notice The program id of the Fibonacci guest, as printed by `keel program-id`.
    bytes32 public immutable programId;

    /// @notice `fib[n]` = the n-th Fibonacci number as the guest computed it (a `uint32`), once
    ///         recorded; check `isRecorded[n]`, since `fib[0]` is 0 either way.
    mapping(uint32 n => uint32 fibN) public fib;

    /// @notice Whether `fib[n]` was recorded from a verified proof.
    mapping(uint32 n => bool recorded) public isRecorded;

    /// @notice The public values are not the 64 bytes of `abi.encode(uint32, uint32)`.
    /// @param expected 64.
    /// @param actual The length given.
    error UnexpectedPublicValuesLength(uint256 expected, uint256 actual);

    /// @notice A verified Fibonacci number was recorded.
    /// @param n The index.
    /// @param fibN The n-th Fibonacci number.
    /// @param recorder Who submitted the proof.
    event FibonacciRecorded(uint32 indexed n, uint32 fibN, address indexed recorder);

    /// @notice Deploys a recorder that trusts the guest `fibonacciProgramId`.
    /// @param keelVerifier The verifier to check proofs with (usually a `KeelVerifierRouter`).
    /// @param fibonacciProgramId The Fibonacci guest's program id.
    constructor(IKeelVerifier keelVerifier, bytes32 fibonacciProgramId) {
        verifier = keelVerifier;
        programId = fibonacciProgramId;
    }

    /// @notice Verifies a proof of the Fibonacci guest and records the number it committed.
    /// @dev Reverts with `UnexpectedPublicValuesLength` unless the public values are exactly 64
    ///      bytes, and with the verifier's error if the proof does not verify for this program id
    ///      and these public values; nothing is stored then. `abi.decode` also rejects words
    ///      that do not fit a `uint32` (with empty revert data).
    /// @param publicValues The bytes the guest committed: `abi.encode(uint32 n, uint32 fibN)`.
    /// @param proof The keel EVM proof.
    /// @return n The index recorded.
    /// @return fibN The value recorded.
    function record(bytes calldata publicValues, bytes calldata proof) external returns (uint32 n, uint32 fibN) {
        if (publicValues.length != 64) revert UnexpectedPublicValuesLength(64, publicValues.length);
        verifier.verify(programId, publicValues, proof);
        (n, fibN) = abi.decode(publicValues, (uint32, uint32));
        fib[n] = fibN;
        isRecorded[n] = true;
        emit FibonacciRecorded(n, fibN, msg.sender);
    }
}
