// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {KeelVerifierAdapter} from "../src/KeelVerifierAdapter.sol";
import {KeelVerifierRouter} from "../src/KeelVerifierRouter.sol";

/// @dev TEST-ONLY MOCK, no cryptography: a concrete adapter whose "SNARK check" accepts exactly one
///      (instances, snarkProof) pair and otherwise reverts with `MockSnarkRejected`, echoing what it
///      received. It tests the adapter's selector check and instance mapping, not proofs.
contract MockSnarkAdapter is KeelVerifierAdapter {
    error MockSnarkRejected(uint256[3] instances, bytes snarkProof);

    bytes4 internal immutable selector;
    bytes32 internal immutable acceptedHash;

    constructor(bytes4 verifierSelector_, uint256[3] memory acceptedInstances, bytes memory acceptedSnarkProof) {
        selector = verifierSelector_;
        acceptedHash = keccak256(abi.encode(acceptedInstances, acceptedSnarkProof));
    }

    function verifierSelector() public view override returns (bytes4) {
        return selector;
    }

    function _verifySnark(uint256[3] memory instances, bytes calldata snarkProof) internal view override {
        if (keccak256(abi.encode(instances, snarkProof)) != acceptedHash) {
            revert MockSnarkRejected(instances, snarkProof);
        }
    }
}

contract KeelVerifierAdapterTest is Test {
    /// r, the BN254 scalar modulus, written out independently of the contract's constant.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    bytes4 internal constant SELECTOR = 0x4b45454c;
    bytes32 internal constant PROGRAM_ID = bytes32(uint256(0x1234));
    bytes internal constant SNARK_PROOF = hex"0102030405060708";

    // The Fibonacci guest's public values abi.encode(uint32(10), uint32(55)); computed off-chain
    // (Python hashlib): sha256 = c58b3290...a49297da, and 0xc5 & 0x1f = 0x05.
    bytes internal constant FIB_PUBLIC_VALUES =
        hex"000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000037";
    uint256 internal constant FIB_DIGEST = 0x058b3290151dee55251e6cf3b31c28484ce5ee594dbf97b65a061659a49297da;

    MockSnarkAdapter internal adapter;

    function setUp() public {
        adapter = new MockSnarkAdapter(SELECTOR, [uint256(PROGRAM_ID), FIB_DIGEST, 0], SNARK_PROOF);
    }

    function _expectedInstances(bytes32 programId, bytes memory publicValues, uint32 exitCode)
        internal
        pure
        returns (uint256[3] memory)
    {
        // Independent of PublicValues.digest: a reduction mod 2^253 instead of a mask.
        return [uint256(programId), uint256(sha256(publicValues)) % 2 ** 253, uint256(exitCode)];
    }

    function _assertInstances(uint256[3] memory actual, uint256[3] memory expected) internal pure {
        for (uint256 i = 0; i < 3; i++) {
            assertEq(actual[i], expected[i]);
        }
    }

    // ------------------------------------------------------------------ instances

    function test_ModulusMatchesBn254ScalarField() public view {
        assertEq(adapter.BN254_SCALAR_MODULUS(), R);
        assertEq(
            adapter.BN254_SCALAR_MODULUS(),
            21888242871839275222246405745257275088548364400416034343698204186575808495617
        );
    }

    function test_PublicInstancesOfFibonacciClaim() public view {
        assertEq(FIB_PUBLIC_VALUES, abi.encode(uint32(10), uint32(55)));
        uint256[3] memory instances = adapter.publicInstances(PROGRAM_ID, FIB_PUBLIC_VALUES, 0);
        _assertInstances(instances, [uint256(0x1234), FIB_DIGEST, 0]);
    }

    function test_PublicInstancesCarryExitCode() public view {
        // sha256("abc") & (2^253 - 1) = 0x1a7816bf...f20015ad (FIPS 180-2 example, top bits cleared).
        uint256[3] memory instances = adapter.publicInstances(bytes32(R - 1), "abc", type(uint32).max);
        _assertInstances(
            instances, [R - 1, 0x1a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad, 0xffffffff]
        );
    }

    function test_RevertWhen_ProgramIdEqualsModulus() public {
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierAdapter.NonCanonicalProgramId.selector, bytes32(R)));
        adapter.publicInstances(bytes32(R), "", 0);
    }

    function test_RevertWhen_ProgramIdIsAllOnes() public {
        bytes32 programId = bytes32(type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierAdapter.NonCanonicalProgramId.selector, programId));
        adapter.publicInstances(programId, "", 0);
    }

    function testFuzz_PublicInstancesMatchIndependentComputation(
        bytes32 programId,
        bytes calldata publicValues,
        uint32 exitCode
    ) public view {
        programId = bytes32(uint256(programId) % R);
        _assertInstances(
            adapter.publicInstances(programId, publicValues, exitCode),
            _expectedInstances(programId, publicValues, exitCode)
        );
    }

    function testFuzz_RevertWhen_ProgramIdNotCanonical(uint256 seed) public {
        uint256 programId = R + seed % (type(uint256).max - R + 1); // uniform-ish over [R, 2^256)
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierAdapter.NonCanonicalProgramId.selector, bytes32(programId)));
        adapter.publicInstances(bytes32(programId), "public values", 0);
    }

    // ------------------------------------------------------------------ verify

    function test_VerifyStripsSelectorAndFixesExitCodeToZero() public view {
        adapter.verify(PROGRAM_ID, FIB_PUBLIC_VALUES, abi.encodePacked(SELECTOR, SNARK_PROOF));
    }

    function test_VerifyPassesInstancesAndSnarkProofToSnarkCheck() public {
        bytes memory publicValues = "other public values";
        bytes memory proof = abi.encodePacked(SELECTOR, hex"aabb");
        vm.expectRevert(
            abi.encodeWithSelector(
                MockSnarkAdapter.MockSnarkRejected.selector,
                _expectedInstances(PROGRAM_ID, publicValues, 0),
                bytes(hex"aabb")
            )
        );
        adapter.verify(PROGRAM_ID, publicValues, proof);
    }

    function test_RevertWhen_ProofMadeForAnotherVerifier() public {
        bytes memory proof = abi.encodePacked(bytes4(0xdeadbeef), SNARK_PROOF);
        vm.expectRevert(
            abi.encodeWithSelector(KeelVerifierAdapter.WrongVerifierSelector.selector, SELECTOR, bytes4(0xdeadbeef))
        );
        adapter.verify(PROGRAM_ID, FIB_PUBLIC_VALUES, proof);
    }

    function test_RevertWhen_AdapterProofShorterThanSelector() public {
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierAdapter.ProofTooShort.selector, 3));
        adapter.verify(PROGRAM_ID, FIB_PUBLIC_VALUES, hex"4b4545");
    }

    function test_RevertWhen_VerifyingNonCanonicalProgramId() public {
        bytes32 programId = bytes32(R + uint256(PROGRAM_ID)); // the same residue, not canonical
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierAdapter.NonCanonicalProgramId.selector, programId));
        adapter.verify(programId, FIB_PUBLIC_VALUES, abi.encodePacked(SELECTOR, SNARK_PROOF));
    }

    // ------------------------------------------------------------------ router + adapter

    function test_RouterForwardsProofTheAdapterAccepts() public {
        // The router forwards the proof with its selector; the adapter checks and strips it, so the
        // same bytes verify directly and through the router.
        KeelVerifierRouter router = new KeelVerifierRouter(address(this));
        router.addRoute(SELECTOR, adapter);
        bytes memory proof = abi.encodePacked(SELECTOR, SNARK_PROOF);
        router.verify(PROGRAM_ID, FIB_PUBLIC_VALUES, proof);
        adapter.verify(PROGRAM_ID, FIB_PUBLIC_VALUES, proof);
    }

    function test_RevertWhen_RouteRegisteredUnderWrongSelector() public {
        // An owner mistake (adapter added under another selector) cannot make it serve proofs.
        KeelVerifierRouter router = new KeelVerifierRouter(address(this));
        router.addRoute(0xdeadbeef, adapter);
        vm.expectRevert(
            abi.encodeWithSelector(KeelVerifierAdapter.WrongVerifierSelector.selector, SELECTOR, bytes4(0xdeadbeef))
        );
        router.verify(PROGRAM_ID, FIB_PUBLIC_VALUES, abi.encodePacked(bytes4(0xdeadbeef), SNARK_PROOF));
    }
}
