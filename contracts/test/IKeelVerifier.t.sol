// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {IKeelVerifier} from "../src/IKeelVerifier.sol";
import {MockAcceptOneVerifier} from "./utils/MockVerifiers.sol";

contract IKeelVerifierTest is Test {
    bytes32 internal constant PROGRAM_ID = bytes32(uint256(0x1234));
    IKeelVerifier internal verifier = new MockAcceptOneVerifier(PROGRAM_ID, "out", hex"00112233");

    function test_VerifySelectorMatchesTheDocumentedSignature() public pure {
        // Off-chain callers (Rust bindings, routers) depend on this exact signature.
        assertEq(IKeelVerifier.verify.selector, bytes4(keccak256("verify(bytes32,bytes,bytes)")));
    }

    function test_VerifyReturnsNothingOnSuccess() public view {
        verifier.verify(PROGRAM_ID, "out", hex"00112233");
    }

    function test_RevertWhen_ProgramIdDiffers() public {
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        verifier.verify(bytes32(uint256(0x1235)), "out", hex"00112233");
    }

    function test_RevertWhen_PublicValuesDiffer() public {
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        verifier.verify(PROGRAM_ID, "ouT", hex"00112233");
    }
}
