// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {IKeelVerifier} from "../../src/IKeelVerifier.sol";

// TEST-ONLY mock verifiers shared by the router and consumer tests. They do no cryptography and
// must never be deployed: they stand in for the SNARK verifier so that tests exercise routing
// and consumer logic.

/// @dev TEST-ONLY MOCK, no cryptography: accepts exactly one (programId, publicValues, proof)
///      triple and reverts with `MockInvalidProof` for anything else. It stands in for a real
///      verifier so these tests check routing, not proofs.
contract MockAcceptOneVerifier is IKeelVerifier {
    error MockInvalidProof();

    bytes32 internal immutable acceptedProgramId;
    bytes32 internal immutable acceptedClaimHash;

    constructor(bytes32 programId, bytes memory publicValues, bytes memory proof) {
        acceptedProgramId = programId;
        acceptedClaimHash = keccak256(abi.encode(publicValues, proof));
    }

    function verify(bytes32 programId, bytes calldata publicValues, bytes calldata proof) external view {
        if (programId != acceptedProgramId || keccak256(abi.encode(publicValues, proof)) != acceptedClaimHash) {
            revert MockInvalidProof();
        }
    }
}

/// @dev TEST-ONLY MOCK, no cryptography: always reverts with `MockReceived` carrying exactly the
///      arguments it was called with. `verify` is `view` (the router calls it with STATICCALL), so a
///      mock cannot record calls in storage; echoing them in the revert data lets a test check
///      what the router forwarded, byte for byte.
contract MockEchoVerifier is IKeelVerifier {
    error MockReceived(bytes32 programId, bytes publicValues, bytes proof);

    function verify(bytes32 programId, bytes calldata publicValues, bytes calldata proof) external pure {
        revert MockReceived(programId, publicValues, proof);
    }
}
