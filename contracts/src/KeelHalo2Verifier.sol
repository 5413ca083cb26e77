// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {KeelVerifierAdapter} from "./KeelVerifierAdapter.sol";

/// @title KeelHalo2Verifier
/// @notice A keel verifier for one wrap circuit: `IKeelVerifier.verify` through the adapter,
///         checked by the contract `keel verifier` generated for that circuit's verifying key
///         (snark-verifier, SHPLONK over BN254), deployed separately at `snarkVerifier`.
/// @dev The generated contract has no functions: it reads its calldata as the public instances
///      (32-byte big-endian words) followed by the proof, returns nothing when the proof verifies
///      and reverts otherwise. For an aggregation circuit (`keel wrap`'s default) the first
///      `ACCUMULATOR_WORDS` (12) instances are the limbs of a KZG accumulator that only the prover
///      knows: they travel at the start of the SNARK proof bytes, are checked to be canonical
///      limbs (below 2^88: the generated verifier reduces words modulo r, so without this check
///      `limb + r` would be a second valid encoding), and are placed before the statement
///      instances; for a direct wrap circuit `ACCUMULATOR_WORDS` is 0. Every proof of one circuit has the same length, fixed here, so a
///      truncated or padded proof is rejected before the pairing check. A precompile call that
///      fails (a malformed point in a tampered proof) consumes all the gas it was given, and the
///      generated code gives it all it has: the call to the generated verifier is therefore capped
///      at `VERIFY_GAS_LIMIT`, so a bad proof costs at most that much, not the whole transaction's
///      gas limit. Verification gas is the same for every proof of a circuit; set the cap with a
///      margin above it (`keel` measures it).
contract KeelHalo2Verifier is KeelVerifierAdapter {
    /// @notice The generated verifier rejected the proof for these public instances.
    error InvalidProof();
    /// @notice The SNARK proof (after the selector) is not `PROOF_LENGTH` bytes long.
    /// @param expected The circuit's proof length.
    /// @param actual The length given.
    error WrongProofLength(uint256 expected, uint256 actual);
    /// @notice The generated verifier's address holds no code.
    /// @param verifier The address given.
    error NoVerifierCode(address verifier);
    /// @notice Accumulator limb `index` is not below 2^88.
    /// @param index The limb's position (0-based) among the accumulator words.
    error NonCanonicalAccumulator(uint256 index);
    /// @notice The accumulator words do not fit in the proof length given to the constructor.
    error AccumulatorLongerThanProof();

    /// @notice Bits of one accumulator limb (snark-verifier's encoding: 3 limbs per coordinate).
    uint256 public constant ACCUMULATOR_LIMB_BITS = 88;

    /// @notice The generated verifier contract.
    address public immutable snarkVerifier;
    /// @notice The length in bytes of every SNARK proof of this circuit (selector excluded,
    ///         accumulator words included).
    uint256 public immutable PROOF_LENGTH;
    /// @notice The number of 32-byte accumulator limbs at the start of the SNARK proof: 12 for an
    ///         aggregation circuit, 0 for a direct wrap circuit.
    uint256 public immutable ACCUMULATOR_WORDS;
    /// @notice The most gas the generated verifier may use for one proof.
    uint256 public immutable VERIFY_GAS_LIMIT;
    bytes4 internal immutable SELECTOR;

    /// @param verifier The generated verifier's address.
    /// @param selector The circuit's selector (`keel verifier` prints it; the first 4 bytes of
    ///        the circuit's key id).
    /// @param proofLength The circuit's proof length (the length of any of its proofs after the
    ///        selector, accumulator words included).
    /// @param accumulatorWords The circuit's accumulator limbs (`keel verifier` prints them: 12
    ///        for an aggregation circuit, 0 for a direct wrap).
    /// @param verifyGasLimit The gas cap of one call to the generated verifier.
    constructor(
        address verifier,
        bytes4 selector,
        uint256 proofLength,
        uint256 accumulatorWords,
        uint256 verifyGasLimit
    ) {
        if (verifier.code.length == 0) revert NoVerifierCode(verifier);
        if (accumulatorWords * 32 > proofLength) revert AccumulatorLongerThanProof();
        snarkVerifier = verifier;
        SELECTOR = selector;
        PROOF_LENGTH = proofLength;
        ACCUMULATOR_WORDS = accumulatorWords;
        VERIFY_GAS_LIMIT = verifyGasLimit;
    }

    /// @inheritdoc KeelVerifierAdapter
    function verifierSelector() public view override returns (bytes4) {
        return SELECTOR;
    }

    /// @inheritdoc KeelVerifierAdapter
    function _verifySnark(uint256[PUBLIC_INSTANCE_COUNT] memory instances, bytes calldata snarkProof)
        internal
        view
        override
    {
        if (snarkProof.length != PROOF_LENGTH) revert WrongProofLength(PROOF_LENGTH, snarkProof.length);
        uint256 accumulatorBytes = ACCUMULATOR_WORDS * 32;
        for (uint256 i = 0; i < ACCUMULATOR_WORDS; ++i) {
            uint256 limb = uint256(bytes32(snarkProof[i * 32:(i + 1) * 32]));
            if (limb >> ACCUMULATOR_LIMB_BITS != 0) revert NonCanonicalAccumulator(i);
        }
        (bool ok,) = snarkVerifier.staticcall{gas: VERIFY_GAS_LIMIT}(
            abi.encodePacked(
                snarkProof[:accumulatorBytes],
                instances[0],
                instances[1],
                instances[2],
                snarkProof[accumulatorBytes:]
            )
        );
        if (!ok) revert InvalidProof();
    }
}
