// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {IKeelVerifier} from "../src/IKeelVerifier.sol";
import {KeelVerifierRouter} from "../src/KeelVerifierRouter.sol";
import {MockAcceptOneVerifier, MockEchoVerifier} from "./utils/MockVerifiers.sol";

contract KeelVerifierRouterTest is Test {
    // Events re-declared so the tests can emit the expected ones for `vm.expectEmit`.
    event RouteAdded(bytes4 indexed selector, IKeelVerifier indexed verifier);
    event RouteRemoved(bytes4 indexed selector, IKeelVerifier indexed verifier);
    event RouteFrozenForever(bytes4 indexed selector, IKeelVerifier indexed verifier);
    event RouteEmergencyStopped(bytes4 indexed selector, IKeelVerifier indexed verifier);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    address internal constant OWNER = address(0x0A11CE);
    address internal constant STRANGER = address(0xBAD);
    address internal constant NEW_OWNER = address(0xB0B);

    bytes4 internal constant SELECTOR = 0x4b45454c; // "KEEL"
    bytes4 internal constant OTHER_SELECTOR = 0xdeadbeef;
    bytes32 internal constant PROGRAM_ID = bytes32(uint256(0x1234));
    bytes internal constant PUBLIC_VALUES = "public values";
    bytes internal constant PROOF = hex"4b45454c0102030405";
    bytes internal constant OTHER_PROOF = hex"deadbeef0a0b0c";

    KeelVerifierRouter internal router;
    MockAcceptOneVerifier internal verifier;
    MockAcceptOneVerifier internal otherVerifier;
    MockEchoVerifier internal echo;

    function setUp() public {
        router = new KeelVerifierRouter(OWNER);
        verifier = new MockAcceptOneVerifier(PROGRAM_ID, PUBLIC_VALUES, PROOF);
        otherVerifier = new MockAcceptOneVerifier(PROGRAM_ID, PUBLIC_VALUES, OTHER_PROOF);
        echo = new MockEchoVerifier();
    }

    function _addRoute(bytes4 selector, IKeelVerifier routed) internal {
        vm.prank(OWNER);
        router.addRoute(selector, routed);
    }

    function _assertRoute(bytes4 selector, address expectedVerifier, bool expectedFrozen, bool expectedEstopped)
        internal
        view
    {
        (address routed, bool frozen, bool estopped) = router.getRoute(selector);
        assertEq(routed, expectedVerifier);
        assertEq(frozen, expectedFrozen);
        assertEq(estopped, expectedEstopped);
    }

    // ------------------------------------------------------------------ routing

    function test_RouteAddedAndUsed() public {
        _addRoute(SELECTOR, verifier);
        _assertRoute(SELECTOR, address(verifier), false, false);
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    function test_ForwardsWholeProofIncludingSelector() public {
        _addRoute(SELECTOR, echo);
        vm.expectCall(
            address(echo), abi.encodeWithSelector(IKeelVerifier.verify.selector, PROGRAM_ID, PUBLIC_VALUES, PROOF)
        );
        vm.expectRevert(
            abi.encodeWithSelector(MockEchoVerifier.MockReceived.selector, PROGRAM_ID, PUBLIC_VALUES, PROOF)
        );
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    function test_DispatchesEachProofToTheVerifierOfItsSelector() public {
        _addRoute(SELECTOR, verifier);
        _addRoute(OTHER_SELECTOR, otherVerifier);
        vm.expectCall(
            address(otherVerifier),
            abi.encodeWithSelector(IKeelVerifier.verify.selector, PROGRAM_ID, PUBLIC_VALUES, OTHER_PROOF)
        );
        router.verify(PROGRAM_ID, PUBLIC_VALUES, OTHER_PROOF);
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    function test_RevertWhen_RoutedVerifierRejectsProgramId() public {
        _addRoute(SELECTOR, verifier);
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        router.verify(bytes32(uint256(0x1235)), PUBLIC_VALUES, PROOF);
    }

    function test_RevertWhen_RoutedVerifierRejectsPublicValues() public {
        _addRoute(SELECTOR, verifier);
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        router.verify(PROGRAM_ID, "public valueS", PROOF);
    }

    function test_RevertWhen_SelectorUnknown() public {
        _addRoute(SELECTOR, verifier);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, OTHER_SELECTOR));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, OTHER_PROOF);
    }

    function test_RevertWhen_ProofShorterThanFourBytes() public {
        _addRoute(SELECTOR, verifier);
        bytes memory proof = new bytes(0);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.ProofTooShort.selector, 0));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, proof);
        // Three bytes of a routed selector are still too short.
        proof = hex"4b4545";
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.ProofTooShort.selector, 3));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, proof);
    }

    function test_ProofOfExactlyTheSelectorIsRouted() public {
        _addRoute(SELECTOR, echo);
        bytes memory proof = abi.encodePacked(SELECTOR);
        vm.expectRevert(
            abi.encodeWithSelector(MockEchoVerifier.MockReceived.selector, PROGRAM_ID, PUBLIC_VALUES, proof)
        );
        router.verify(PROGRAM_ID, PUBLIC_VALUES, proof);
    }

    function test_GetRouteOfUnknownSelectorIsEmpty() public view {
        _assertRoute(SELECTOR, address(0), false, false);
    }

    // ------------------------------------------------------------------ addRoute / removeRoute

    function test_RevertWhen_AddingExistingRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteExists.selector, SELECTOR));
        router.addRoute(SELECTOR, otherVerifier);
        _assertRoute(SELECTOR, address(verifier), false, false);
    }

    function test_RevertWhen_AddingZeroAddressVerifier() public {
        vm.prank(OWNER);
        vm.expectRevert(KeelVerifierRouter.ZeroAddress.selector);
        router.addRoute(SELECTOR, IKeelVerifier(address(0)));
    }

    function test_RevertWhen_AddingVerifierWithoutCode() public {
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.VerifierHasNoCode.selector, STRANGER));
        router.addRoute(SELECTOR, IKeelVerifier(STRANGER));
    }

    function test_RemovedRouteIsUnknownAndCanBeAddedAgain() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(OWNER);
        router.removeRoute(SELECTOR);
        _assertRoute(SELECTOR, address(0), false, false);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, SELECTOR));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);

        _addRoute(SELECTOR, echo);
        _assertRoute(SELECTOR, address(echo), false, false);
    }

    function test_RevertWhen_RemovingUnknownRoute() public {
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, SELECTOR));
        router.removeRoute(SELECTOR);
    }

    // ------------------------------------------------------------------ freezeRoute

    function test_FrozenRouteKeepsVerifying() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(OWNER);
        router.freezeRoute(SELECTOR);
        _assertRoute(SELECTOR, address(verifier), true, false);
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    function test_RevertWhen_ChangingFrozenRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.freezeRoute(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteFrozen.selector, SELECTOR));
        router.addRoute(SELECTOR, otherVerifier);
        vm.stopPrank();
        _assertRoute(SELECTOR, address(verifier), true, false);
    }

    function test_RevertWhen_RemovingFrozenRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.freezeRoute(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteFrozen.selector, SELECTOR));
        router.removeRoute(SELECTOR);
        vm.stopPrank();
        _assertRoute(SELECTOR, address(verifier), true, false);
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    function test_RevertWhen_FreezingFrozenRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.freezeRoute(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteFrozen.selector, SELECTOR));
        router.freezeRoute(SELECTOR);
        vm.stopPrank();
    }

    function test_RevertWhen_FreezingUnknownRoute() public {
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, SELECTOR));
        router.freezeRoute(SELECTOR);
    }

    // ------------------------------------------------------------------ estop

    function test_RevertWhen_VerifyingThroughEstoppedRoute() public {
        _addRoute(SELECTOR, verifier);
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
        vm.prank(OWNER);
        router.estop(SELECTOR);
        _assertRoute(SELECTOR, address(verifier), false, true);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
        // Other routes are unaffected.
        _addRoute(OTHER_SELECTOR, otherVerifier);
        router.verify(PROGRAM_ID, PUBLIC_VALUES, OTHER_PROOF);
    }

    function test_RevertWhen_ReaddingEstoppedRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.estop(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.addRoute(SELECTOR, otherVerifier);
        vm.stopPrank();
        _assertRoute(SELECTOR, address(verifier), false, true);
    }

    function test_RevertWhen_FreezingEstoppedRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.estop(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.freezeRoute(SELECTOR);
        vm.stopPrank();
        _assertRoute(SELECTOR, address(verifier), false, true);
    }

    function test_RevertWhen_RemovingEstoppedRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.estop(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.removeRoute(SELECTOR);
        vm.stopPrank();
    }

    function test_RevertWhen_EstoppingTwice() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.estop(SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.estop(SELECTOR);
        vm.stopPrank();
    }

    function test_RevertWhen_EstoppingUnknownRoute() public {
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, SELECTOR));
        router.estop(SELECTOR);
    }

    function test_EstopDisablesFrozenRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.startPrank(OWNER);
        router.freezeRoute(SELECTOR);
        router.estop(SELECTOR);
        vm.stopPrank();
        _assertRoute(SELECTOR, address(verifier), true, true);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    function test_EstopSurvivesOwnershipTransfer() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(OWNER);
        router.estop(SELECTOR);
        vm.prank(OWNER);
        router.transferOwnership(NEW_OWNER);
        vm.startPrank(NEW_OWNER);
        router.acceptOwnership();
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.addRoute(SELECTOR, otherVerifier);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.RouteEstopped.selector, SELECTOR));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, PROOF);
    }

    // ------------------------------------------------------------------ access control

    function test_RevertWhen_NonOwnerAddsRoute() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, STRANGER));
        router.addRoute(SELECTOR, verifier);
        _assertRoute(SELECTOR, address(0), false, false);
    }

    function test_RevertWhen_NonOwnerRemovesRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, STRANGER));
        router.removeRoute(SELECTOR);
        _assertRoute(SELECTOR, address(verifier), false, false);
    }

    function test_RevertWhen_NonOwnerFreezesRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, STRANGER));
        router.freezeRoute(SELECTOR);
        _assertRoute(SELECTOR, address(verifier), false, false);
    }

    function test_RevertWhen_NonOwnerEstopsRoute() public {
        _addRoute(SELECTOR, verifier);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, STRANGER));
        router.estop(SELECTOR);
        _assertRoute(SELECTOR, address(verifier), false, false);
    }

    function test_RevertWhen_NonOwnerTransfersOwnership() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, STRANGER));
        router.transferOwnership(STRANGER);
        assertEq(router.pendingOwner(), address(0));
    }

    // ------------------------------------------------------------------ ownership

    function test_OwnershipTransferIsTwoStep() public {
        vm.prank(OWNER);
        router.transferOwnership(NEW_OWNER);
        // Step one only nominates: the old owner still administers, the nominee does not.
        assertEq(router.owner(), OWNER);
        assertEq(router.pendingOwner(), NEW_OWNER);
        vm.prank(NEW_OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, NEW_OWNER));
        router.addRoute(SELECTOR, verifier);
        _addRoute(SELECTOR, verifier);

        vm.prank(NEW_OWNER);
        router.acceptOwnership();
        assertEq(router.owner(), NEW_OWNER);
        assertEq(router.pendingOwner(), address(0));

        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, OWNER));
        router.freezeRoute(SELECTOR);
        vm.prank(NEW_OWNER);
        router.freezeRoute(SELECTOR);
        _assertRoute(SELECTOR, address(verifier), true, false);
    }

    function test_RevertWhen_AcceptOwnershipByNonPendingOwner() public {
        vm.prank(OWNER);
        router.transferOwnership(NEW_OWNER);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotPendingOwner.selector, STRANGER));
        router.acceptOwnership();
        // The owner cannot accept on the nominee's behalf either.
        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotPendingOwner.selector, OWNER));
        router.acceptOwnership();
        assertEq(router.owner(), OWNER);
    }

    function test_RevertWhen_AcceptOwnershipWithNoTransferPending() public {
        vm.prank(NEW_OWNER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotPendingOwner.selector, NEW_OWNER));
        router.acceptOwnership();
    }

    function test_NewNominationReplacesPendingOne() public {
        vm.startPrank(OWNER);
        router.transferOwnership(STRANGER);
        router.transferOwnership(NEW_OWNER);
        vm.stopPrank();
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.NotPendingOwner.selector, STRANGER));
        router.acceptOwnership();
        vm.prank(NEW_OWNER);
        router.acceptOwnership();
        assertEq(router.owner(), NEW_OWNER);
    }

    function test_RevertWhen_TransferringOwnershipToZeroAddress() public {
        vm.prank(OWNER);
        vm.expectRevert(KeelVerifierRouter.ZeroAddress.selector);
        router.transferOwnership(address(0));
    }

    function test_RevertWhen_DeployingWithZeroOwner() public {
        vm.expectRevert(KeelVerifierRouter.ZeroAddress.selector);
        new KeelVerifierRouter(address(0));
    }

    // ------------------------------------------------------------------ events

    function test_EmitsOwnershipTransferredOnDeployment() public {
        vm.expectEmit(true, true, false, true);
        emit OwnershipTransferred(address(0), NEW_OWNER);
        new KeelVerifierRouter(NEW_OWNER);
    }

    function test_EmitsRouteAdded() public {
        vm.expectEmit(true, true, false, true, address(router));
        emit RouteAdded(SELECTOR, verifier);
        _addRoute(SELECTOR, verifier);
    }

    function test_EmitsRouteRemoved() public {
        _addRoute(SELECTOR, verifier);
        vm.expectEmit(true, true, false, true, address(router));
        emit RouteRemoved(SELECTOR, verifier);
        vm.prank(OWNER);
        router.removeRoute(SELECTOR);
    }

    function test_EmitsRouteFrozenForever() public {
        _addRoute(SELECTOR, verifier);
        vm.expectEmit(true, true, false, true, address(router));
        emit RouteFrozenForever(SELECTOR, verifier);
        vm.prank(OWNER);
        router.freezeRoute(SELECTOR);
    }

    function test_EmitsRouteEmergencyStopped() public {
        _addRoute(SELECTOR, verifier);
        vm.expectEmit(true, true, false, true, address(router));
        emit RouteEmergencyStopped(SELECTOR, verifier);
        vm.prank(OWNER);
        router.estop(SELECTOR);
    }

    function test_EmitsOwnershipEventsOnTransfer() public {
        vm.expectEmit(true, true, false, true, address(router));
        emit OwnershipTransferStarted(OWNER, NEW_OWNER);
        vm.prank(OWNER);
        router.transferOwnership(NEW_OWNER);

        vm.expectEmit(true, true, false, true, address(router));
        emit OwnershipTransferred(OWNER, NEW_OWNER);
        vm.prank(NEW_OWNER);
        router.acceptOwnership();
    }

    // ------------------------------------------------------------------ fuzz

    function testFuzz_RevertWhen_SelectorHasNoRoute(bytes calldata proof) public {
        _addRoute(SELECTOR, verifier);
        vm.assume(proof.length >= 4 && bytes4(proof[:4]) != SELECTOR);
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, bytes4(proof[:4])));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, proof);
    }

    function testFuzz_RevertWhen_ProofShorterThanSelector(bytes4 prefix, uint8 length) public {
        _addRoute(prefix, verifier);
        uint256 shortLength = length % 4;
        bytes memory proof = new bytes(shortLength);
        for (uint256 i = 0; i < shortLength; i++) {
            proof[i] = prefix[i];
        }
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.ProofTooShort.selector, shortLength));
        router.verify(PROGRAM_ID, PUBLIC_VALUES, proof);
    }

    function testFuzz_ForwardsArgumentsUnchanged(bytes32 programId, bytes calldata publicValues, bytes calldata tail)
        public
    {
        _addRoute(SELECTOR, echo);
        bytes memory proof = abi.encodePacked(SELECTOR, tail);
        vm.expectRevert(abi.encodeWithSelector(MockEchoVerifier.MockReceived.selector, programId, publicValues, proof));
        router.verify(programId, publicValues, proof);
    }

    function testFuzz_RevertWhen_NonOwnerCallsAdminFunctions(address caller) public {
        vm.assume(caller != OWNER);
        _addRoute(SELECTOR, verifier);
        bytes memory notOwner = abi.encodeWithSelector(KeelVerifierRouter.NotOwner.selector, caller);
        vm.startPrank(caller);
        vm.expectRevert(notOwner);
        router.addRoute(OTHER_SELECTOR, otherVerifier);
        vm.expectRevert(notOwner);
        router.removeRoute(SELECTOR);
        vm.expectRevert(notOwner);
        router.freezeRoute(SELECTOR);
        vm.expectRevert(notOwner);
        router.estop(SELECTOR);
        vm.expectRevert(notOwner);
        router.transferOwnership(caller);
        vm.stopPrank();
        _assertRoute(SELECTOR, address(verifier), false, false);
        _assertRoute(OTHER_SELECTOR, address(0), false, false);
    }
}
