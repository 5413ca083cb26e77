// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {PublicValues} from "../src/PublicValues.sol";

/// @dev `PublicValues.digest` takes calldata, so tests call it through an external function.
contract PublicValuesHarness {
    function digest(bytes calldata publicValues) external pure returns (bytes32) {
        return PublicValues.digest(publicValues);
    }
}

contract PublicValuesTest is Test {
    PublicValuesHarness internal harness = new PublicValuesHarness();

    // Expected values below were computed off-chain (Python hashlib), not with this contract:
    // sha256 of the input, then the top 3 bits of the first byte cleared.

    function test_DigestOfAbcIsSha256WithTopThreeBitsCleared() public view {
        // sha256("abc") = ba7816bf...f20015ad (FIPS 180-2 example); 0xba & 0x1f = 0x1a.
        assertEq(harness.digest("abc"), 0x1a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad);
    }

    function test_DigestOfEmptyInput() public view {
        // sha256("") = e3b0c442...7852b855; 0xe3 & 0x1f = 0x03.
        assertEq(harness.digest(""), 0x03b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855);
    }

    function test_DigestOfTwoBlockInput() public view {
        // The 448-bit FIPS 180-2 example, which pads to two SHA-256 blocks:
        // sha256 = 248d6a61...19db06c1; 0x24 & 0x1f = 0x04.
        assertEq(
            harness.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            0x048d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1
        );
    }

    function test_DigestKeepsHashWhoseTopBitsAreAlreadyZero() public view {
        // sha256("keel public values 2") = 04342e40...a444c11c already has its top 3 bits clear.
        assertEq(
            harness.digest("keel public values 2"), 0x04342e400a1829eb39bfc86c5c3161832b3b26bef51583e046eefb5ea444c11c
        );
    }

    function test_DigestClearsAllThreeTopBitsWhenAllAreSet() public view {
        // sha256("keel public values 1") = f5f8321b...a90d655d starts with bits 111; 0xf5 & 0x1f = 0x15.
        assertEq(
            harness.digest("keel public values 1"), 0x15f8321b1cba1b3d001600ac1e1b799b2e27fd6fcd6a810b08d2a4dfa90d655d
        );
    }

    function test_DigestMaskIsTwoTo253MinusOne() public pure {
        assertEq(uint256(PublicValues.DIGEST_MASK), 2 ** 253 - 1);
    }

    function testFuzz_DigestIsBelowTwoTo253(bytes calldata publicValues) public view {
        assertLt(uint256(harness.digest(publicValues)), 2 ** 253);
    }

    function testFuzz_DigestIsSha256ModTwoTo253(bytes calldata publicValues) public view {
        // Same value, stated as a reduction rather than a mask.
        assertEq(uint256(harness.digest(publicValues)), uint256(sha256(publicValues)) % 2 ** 253);
    }
}
