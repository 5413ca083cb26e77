// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {IKeelVerifier} from "../src/IKeelVerifier.sol";

/// @dev A stand-in verifier that accepts exactly one (programId, publicValues, proof) triple, to
///      show the interface's contract: success returns nothing, failure reverts with a custom error.
contract AcceptOneVerifier is IKeelVerifier {
    error InvalidProof();

    bytes32 internal immutable acceptedProgramId;
    bytes32 internal immutable acceptedClaim;

    constructor(bytes32 programId, bytes memory publicValues, bytes memory proof) {
        acceptedProgramId = programId;
        acceptedClaim = keccak256(abi.encode(publicValues, proof));
    }

    function verify(bytes32 programId, bytes calldata publicValues, bytes calldata proof) external view {
        if (programId != acceptedProgramId || keccak256(abi.encode(publicValues, proof)) != acceptedClaim) {
            revert InvalidProof();
        }
    }
}

contract IKeelVerifierTest is Test {
    bytes32 internal constant PROGRAM_ID = bytes32(uint256(0x1234));
    IKeelVerifier internal verifier = new AcceptOneVerifier(PROGRAM_ID, "out", hex"00112233");

    function test_VerifySelectorMatchesTheDocumentedSignature() public pure {
        // Off-chain callers (Rust bindings, routers) depend on this exact signature.
        assertEq(IKeelVerifier.verify.selector, bytes4(keccak256("verify(bytes32,bytes,bytes)")));
    }

    function test_VerifyReturnsNothingOnSuccess() public view {
        verifier.verify(PROGRAM_ID, "out", hex"00112233");
    }

    function test_RevertWhen_ProgramIdDiffers() public {
        vm.expectRevert(AcceptOneVerifier.InvalidProof.selector);
        verifier.verify(bytes32(uint256(0x1235)), "out", hex"00112233");
    }

    function test_RevertWhen_PublicValuesDiffer() public {
        vm.expectRevert(AcceptOneVerifier.InvalidProof.selector);
        verifier.verify(PROGRAM_ID, "ouT", hex"00112233");
    }
}
