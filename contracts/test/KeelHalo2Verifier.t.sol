// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {KeelHalo2Verifier} from "../src/KeelHalo2Verifier.sol";
import {KeelVerifierAdapter} from "../src/KeelVerifierAdapter.sol";
import {KeelVerifierRouter} from "../src/KeelVerifierRouter.sol";
import {FibonacciRecorder} from "../src/examples/FibonacciRecorder.sol";

/// @notice A real keel proof against the verifier keel generated for its circuit: the fixture
///         (`contracts/fixtures/rv32im.json`, written by `scripts/fixtures.sh` from the
///         fibonacci guest: `keel prove --config outer`, `keel wrap` — the wrap and its
///         aggregation layer, the default —, `keel verifier`, `keel fixture`, solc without the
///         optimizer) carries the generated verifier's creation code, the program id, the public
///         values, the number of accumulator words and the proof.
contract KeelHalo2VerifierTest is Test {
    string internal constant FIXTURE = "/contracts/fixtures/rv32im.json";
    /// Far above the ~350k gas the aggregation circuit's verifier uses (and the ~1.5M of a direct
    /// k = 17 wrap's).
    uint256 internal constant VERIFY_GAS_LIMIT = 3_000_000;

    KeelHalo2Verifier internal verifier;
    bytes32 internal programId;
    bytes internal publicValues;
    bytes internal proof;
    uint256 internal accumulatorWords;

    function setUp() public {
        string memory path = string.concat(vm.projectRoot(), FIXTURE);
        assertTrue(vm.exists(path), "no fixture: run scripts/fixtures.sh (scripts/test.sh does)");
        string memory json = vm.readFile(path);
        bytes memory creation = vm.parseJsonBytes(json, ".verifierBytecode");
        programId = vm.parseJsonBytes32(json, ".programId");
        publicValues = vm.parseJsonBytes(json, ".publicValues");
        proof = vm.parseJsonBytes(json, ".proof");
        assertEq(vm.parseJsonUint(json, ".exitCode"), 0);
        accumulatorWords = vm.parseJsonUint(json, ".accumulatorWords");
        address generated;
        assembly {
            generated := create(0, add(creation, 0x20), mload(creation))
        }
        assertTrue(generated != address(0), "the generated verifier did not deploy");
        verifier = new KeelHalo2Verifier(generated, bytes4(proof), proof.length - 4, accumulatorWords, VERIFY_GAS_LIMIT);
    }

    function testValidProofVerifies() public view {
        verifier.verify(programId, publicValues, proof);
    }

    function testValidProofVerifiesThroughTheRouter() public {
        KeelVerifierRouter router = new KeelVerifierRouter(address(this));
        router.addRoute(bytes4(proof), verifier);
        router.verify(programId, publicValues, proof);
    }

    /// The example consumer, as a user deploys it (router → this verifier), records the real
    /// fibonacci result; a tampered proof reverts and records nothing.
    function testFibonacciRecorderRecordsTheRealProof() public {
        KeelVerifierRouter router = new KeelVerifierRouter(address(this));
        router.addRoute(bytes4(proof), verifier);
        FibonacciRecorder recorder = new FibonacciRecorder(router, programId);
        bytes memory bad = bytes.concat(proof);
        bad[bad.length / 3] = bad[bad.length / 3] ^ 0x01;
        try recorder.record(publicValues, bad) {
            revert("a tampered proof was recorded");
        } catch {}
        assertTrue(!recorder.isRecorded(10), "nothing recorded");
        (uint32 n, uint32 fibN) = recorder.record(publicValues, proof);
        assertEq(uint256(n), 10);
        assertEq(uint256(fibN), 55);
        assertEq(uint256(recorder.fib(10)), 55);
    }

    function testFlippedProofBytesAreRejected() public {
        // Early (the first commitment, after the accumulator limbs), middle and last bytes of
        // the SNARK proof.
        uint256[3] memory at = [4 + 32 * accumulatorWords + 7, proof.length / 2, proof.length - 1];
        for (uint256 i = 0; i < at.length; i++) {
            bytes memory bad = bytes.concat(proof);
            bad[at[i]] = bad[at[i]] ^ 0x01;
            try verifier.verify(programId, publicValues, bad) {
                revert("a flipped proof byte verified");
            } catch (bytes memory reason) {
                assertEq(bytes4(reason), KeelHalo2Verifier.InvalidProof.selector);
            }
        }
    }

    function testTruncatedProofIsRejected() public {
        bytes memory shorter = new bytes(proof.length - 32);
        for (uint256 i = 0; i < shorter.length; i++) {
            shorter[i] = proof[i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(KeelHalo2Verifier.WrongProofLength.selector, proof.length - 4, shorter.length - 4)
        );
        verifier.verify(programId, publicValues, shorter);
    }

    /// A rejected proof costs at most the cap (plus the adapter's own work), not the gas limit.
    function testRejectedProofCostsAtMostTheCap() public {
        bytes memory bad = bytes.concat(proof);
        bad[proof.length / 2] = bad[proof.length / 2] ^ 0x01;
        uint256 before = gasleft();
        try verifier.verify(programId, publicValues, bad) {
            revert("a flipped proof byte verified");
        } catch {}
        assertTrue(before - gasleft() < VERIFY_GAS_LIMIT + 200_000, "bounded gas");
    }

    function testWrongProgramIdIsRejected() public {
        vm.expectRevert(KeelHalo2Verifier.InvalidProof.selector);
        verifier.verify(bytes32(uint256(programId) ^ 1), publicValues, proof);
    }

    function testWrongPublicValuesAreRejected() public {
        bytes memory other = bytes.concat(publicValues, hex"00");
        vm.expectRevert(KeelHalo2Verifier.InvalidProof.selector);
        verifier.verify(programId, other, proof);
    }

    function testOtherSelectorIsRejected() public {
        bytes memory bad = bytes.concat(proof);
        bad[0] = bad[0] ^ 0x01;
        vm.expectRevert(
            abi.encodeWithSelector(KeelVerifierAdapter.WrongVerifierSelector.selector, bytes4(proof), bytes4(bad))
        );
        verifier.verify(programId, publicValues, bad);
    }

    function testNonCanonicalProgramIdIsRejected() public {
        bytes32 big = bytes32(verifier.BN254_SCALAR_MODULUS() + uint256(programId));
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierAdapter.NonCanonicalProgramId.selector, big));
        verifier.verify(big, publicValues, proof);
    }

    function testVerifierAddressMustHoldCode() public {
        vm.expectRevert(abi.encodeWithSelector(KeelHalo2Verifier.NoVerifierCode.selector, address(0xbeef)));
        new KeelHalo2Verifier(address(0xbeef), bytes4(proof), proof.length - 4, 0, VERIFY_GAS_LIMIT);
    }

    function testAccumulatorMustFitTheProof() public {
        vm.expectRevert(KeelHalo2Verifier.AccumulatorLongerThanProof.selector);
        new KeelHalo2Verifier(address(verifier), bytes4(proof), 32 * 12 - 1, 12, VERIFY_GAS_LIMIT);
    }

    /// `keel wrap`'s default (the fixture's) is the aggregation layer: 12 accumulator limbs lead
    /// the SNARK proof.
    function testTheFixtureIsAnAggregation() public view {
        assertEq(accumulatorWords, 12);
        assertEq(verifier.ACCUMULATOR_WORDS(), 12);
    }

    /// A changed accumulator limb (still a canonical limb) breaks the proof's binding to its
    /// instances and the accumulator's pairing.
    function testTamperedAccumulatorIsRejected() public {
        for (uint256 i = 0; i < accumulatorWords; i += 5) {
            bytes memory bad = bytes.concat(proof);
            uint256 last = 4 + 32 * i + 31;
            bad[last] = bad[last] ^ 0x01;
            vm.expectRevert(KeelHalo2Verifier.InvalidProof.selector);
            verifier.verify(programId, publicValues, bad);
        }
    }

    /// `limb + r` reduces to the same field element in the generated verifier, so it would verify
    /// as a second encoding of the same proof; `limb + 2^88` is not a limb. Both are rejected
    /// before the verifier runs.
    function testNonCanonicalAccumulatorLimbsAreRejected() public {
        assertEq(accumulatorWords, 12);
        uint256[2] memory offsets = [verifier.BN254_SCALAR_MODULUS(), uint256(1) << 88];
        for (uint256 k = 0; k < offsets.length; k++) {
            for (uint256 i = 0; i < accumulatorWords; i += 11) {
                bytes memory bad = bytes.concat(proof);
                uint256 at = 4 + 32 * i;
                uint256 limb;
                assembly {
                    limb := mload(add(add(bad, 0x20), at))
                }
                uint256 changed = limb + offsets[k];
                assembly {
                    mstore(add(add(bad, 0x20), at), changed)
                }
                vm.expectRevert(abi.encodeWithSelector(KeelHalo2Verifier.NonCanonicalAccumulator.selector, i));
                verifier.verify(programId, publicValues, bad);
            }
        }
    }
}
