// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {Test} from "./utils/Test.sol";
import {MockAcceptOneVerifier} from "./utils/MockVerifiers.sol";
import {KeelVerifierRouter} from "../src/KeelVerifierRouter.sol";
import {FibonacciRecorder} from "../src/examples/FibonacciRecorder.sol";
import {Sha256PreimageBounty} from "../src/examples/Sha256PreimageBounty.sol";

/// @dev Consumers are deployed as users deploy them: pointing at a `KeelVerifierRouter`, whose
///      route leads to a TEST-ONLY mock verifier that accepts exactly one claim.
abstract contract ConsumerTestBase is Test {
    bytes4 internal constant SELECTOR = 0x4b45454c;
    address internal constant ROUTER_OWNER = address(0x0A11CE);

    KeelVerifierRouter internal router;

    function setUp() public virtual {
        router = new KeelVerifierRouter(ROUTER_OWNER);
    }

    /// Routes `SELECTOR` to a mock that accepts exactly (programId, publicValues, proof).
    function _acceptOnly(bytes32 programId, bytes memory publicValues, bytes memory proof) internal {
        MockAcceptOneVerifier mock = new MockAcceptOneVerifier(programId, publicValues, proof);
        vm.prank(ROUTER_OWNER);
        router.addRoute(SELECTOR, mock);
    }
}

contract FibonacciRecorderTest is ConsumerTestBase {
    event FibonacciRecorded(uint32 indexed n, uint32 fibN, address indexed recorder);

    bytes32 internal constant FIB_PROGRAM_ID = bytes32(uint256(0xf1b));
    address internal constant RECORDER = address(0xCAFE);

    FibonacciRecorder internal recorder;
    bytes internal publicValues = abi.encode(uint32(10), uint32(55));
    bytes internal proof = abi.encodePacked(SELECTOR, "mock proof of fib(10)");

    function setUp() public override {
        super.setUp();
        _acceptOnly(FIB_PROGRAM_ID, publicValues, proof);
        recorder = new FibonacciRecorder(router, FIB_PROGRAM_ID);
    }

    function test_RecordsVerifiedFibonacciNumber() public {
        vm.expectEmit(true, true, false, true, address(recorder));
        emit FibonacciRecorded(10, 55, RECORDER);
        vm.prank(RECORDER);
        (uint32 n, uint32 fibN) = recorder.record(publicValues, proof);
        assertEq(n, 10);
        assertEq(fibN, 55);
        assertEq(recorder.fib(10), 55);
        assertTrue(recorder.isRecorded(10));
        assertFalse(recorder.isRecorded(9));
    }

    function test_StoresTheProgramIdAndVerifier() public view {
        assertEq(recorder.programId(), FIB_PROGRAM_ID);
        assertEq(address(recorder.verifier()), address(router));
    }

    function test_RevertWhen_ProofIsForAnotherProgram() public {
        // Same proof and public values, but a recorder that trusts another guest.
        FibonacciRecorder other = new FibonacciRecorder(router, bytes32(uint256(0xbad)));
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        other.record(publicValues, proof);
        assertFalse(other.isRecorded(10));
    }

    function test_RevertWhen_PublicValuesDifferFromProven() public {
        bytes memory forged = abi.encode(uint32(10), uint32(56));
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        recorder.record(forged, proof);
        assertFalse(recorder.isRecorded(10));
        assertEq(recorder.fib(10), 0);
    }

    function test_StateUnchangedAfterFailedVerify() public {
        recorder.record(publicValues, proof);
        // A failing claim about the same n must not touch the recorded value.
        bytes memory forged = abi.encode(uint32(10), uint32(0));
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        recorder.record(forged, abi.encodePacked(SELECTOR, "forged"));
        assertEq(recorder.fib(10), 55);
        assertTrue(recorder.isRecorded(10));
    }

    function test_RevertWhen_ProofHasUnknownSelector() public {
        bytes memory unrouted = abi.encodePacked(bytes4(0xdeadbeef), "mock proof of fib(10)");
        vm.expectRevert(abi.encodeWithSelector(KeelVerifierRouter.UnknownSelector.selector, bytes4(0xdeadbeef)));
        recorder.record(publicValues, unrouted);
        assertFalse(recorder.isRecorded(10));
    }

    function test_RevertWhen_PublicValuesNotSixtyFourBytes() public {
        bytes memory tooLong = abi.encodePacked(publicValues, uint8(0));
        vm.expectRevert(abi.encodeWithSelector(FibonacciRecorder.UnexpectedPublicValuesLength.selector, 64, 65));
        recorder.record(tooLong, proof);
    }

    function test_RevertWhen_PublicValuesWordExceedsUint32() public {
        // Even a verified claim is rejected if it is not a canonical (uint32, uint32) encoding.
        bytes memory wide = abi.encode(uint256(1) << 32, uint256(55));
        FibonacciRecorder wideRecorder = _recorderAcceptingOnly(bytes32(uint256(0x1de)), wide);
        vm.expectRevert();
        wideRecorder.record(wide, proof);
        assertFalse(wideRecorder.isRecorded(0));
    }

    function testFuzz_RecordsAnyVerifiedPair(uint32 n, uint32 fibN) public {
        bytes memory claim = abi.encode(n, fibN);
        FibonacciRecorder fuzzRecorder = _recorderAcceptingOnly(bytes32(uint256(0xf022)), claim);
        fuzzRecorder.record(claim, proof);
        assertEq(fuzzRecorder.fib(n), fibN);
        assertTrue(fuzzRecorder.isRecorded(n));
    }

    /// A recorder behind its own router whose only route accepts `claim` for `programId`.
    function _recorderAcceptingOnly(bytes32 programId, bytes memory claim) internal returns (FibonacciRecorder) {
        KeelVerifierRouter ownRouter = new KeelVerifierRouter(address(this));
        ownRouter.addRoute(SELECTOR, new MockAcceptOneVerifier(programId, claim, proof));
        return new FibonacciRecorder(ownRouter, programId);
    }
}

/// @dev TEST-ONLY attacker: claims the bounty and, when paid, tries to claim again from `receive`.
///      It records the re-entrant call's revert data and accepts the payment.
contract ReentrantClaimant {
    Sha256PreimageBounty internal immutable bounty;
    bytes internal publicValues;
    bytes internal proof;
    bytes public reentryRevertData;
    uint256 public receiveCount;

    constructor(Sha256PreimageBounty target) {
        bounty = target;
    }

    function attack(bytes calldata publicValues_, bytes calldata proof_) external {
        publicValues = publicValues_;
        proof = proof_;
        bounty.claim(publicValues_, proof_);
    }

    receive() external payable {
        receiveCount++;
        try bounty.claim(publicValues, proof) {
            reentryRevertData = "re-entrant claim succeeded";
        } catch (bytes memory revertData) {
            reentryRevertData = revertData;
        }
    }
}

/// @dev TEST-ONLY claimant that refuses ETH, to exercise the failed-payment path.
contract EthRefusingClaimant {
    error NoEthPlease();

    function claim(Sha256PreimageBounty bounty, bytes calldata publicValues, bytes calldata proof) external {
        bounty.claim(publicValues, proof);
    }

    receive() external payable {
        revert NoEthPlease();
    }
}

contract Sha256PreimageBountyTest is ConsumerTestBase {
    event BountyFunded(address indexed from, uint256 amount);
    event BountyClaimed(address indexed claimant, bytes32 indexed digest, uint256 amount);
    event BountyReclaimed(address indexed sponsor, uint256 amount);

    bytes32 internal constant SHA_PROGRAM_ID = bytes32(uint256(0x5a2));
    // sha256("keel"), computed off-chain (Python hashlib).
    bytes32 internal constant DIGEST = 0xd6dba7e8a54d32d2cf8eef5b0e648c5c388079827039a1e56a9bfb282fc883ab;
    uint256 internal constant REWARD = 1 ether;
    uint256 internal constant DEADLINE = 1_000_000;
    address internal constant SPONSOR = address(0x5905);
    address internal constant CLAIMANT = address(0xC1A1);

    Sha256PreimageBounty internal bounty;
    bytes internal publicValues = abi.encodePacked(DIGEST);
    bytes internal proof = abi.encodePacked(SELECTOR, "mock proof of a preimage of DIGEST");

    function setUp() public override {
        super.setUp();
        _acceptOnly(SHA_PROGRAM_ID, publicValues, proof);
        vm.warp(DEADLINE - 1000);
        vm.deal(SPONSOR, 10 ether);
        vm.prank(SPONSOR);
        bounty = new Sha256PreimageBounty{value: REWARD}(router, SHA_PROGRAM_ID, DIGEST, DEADLINE);
    }

    function test_DigestConstantIsSha256OfPreimage() public pure {
        assertEq(sha256("keel"), DIGEST);
    }

    function test_PaysClaimantForVerifiedPreimage() public {
        vm.expectEmit(true, true, false, true, address(bounty));
        emit BountyClaimed(CLAIMANT, DIGEST, REWARD);
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        assertEq(CLAIMANT.balance, REWARD);
        assertEq(address(bounty).balance, 0);
        assertTrue(bounty.claimed());
    }

    function test_ClaimOnTheDeadlineIsAccepted() public {
        vm.warp(DEADLINE);
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        assertEq(CLAIMANT.balance, REWARD);
    }

    function test_RevertWhen_ClaimReplayed() public {
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        vm.deal(address(bounty), 1 ether); // even if ETH arrives later (e.g. selfdestruct)
        vm.prank(address(0xBEEF));
        vm.expectRevert(Sha256PreimageBounty.AlreadyClaimed.selector);
        bounty.claim(publicValues, proof);
        assertEq(address(0xBEEF).balance, 0);
    }

    function test_RevertWhen_DigestIsNotThePostedOne() public {
        bytes32 otherDigest = sha256("not keel");
        vm.prank(CLAIMANT);
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.WrongDigest.selector, DIGEST, otherDigest));
        bounty.claim(abi.encodePacked(otherDigest), proof);
        _assertUnclaimed();
    }

    function test_RevertWhen_ProofIsForAnotherProgram() public {
        // A bounty trusting another guest (e.g. one that commits any digest it is given).
        vm.prank(SPONSOR);
        Sha256PreimageBounty other =
            new Sha256PreimageBounty{value: REWARD}(router, bytes32(uint256(0xbad)), DIGEST, DEADLINE);
        vm.prank(CLAIMANT);
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        other.claim(publicValues, proof);
        assertEq(address(other).balance, REWARD);
        assertFalse(other.claimed());
    }

    function test_StateUnchangedAfterFailedVerify() public {
        vm.prank(CLAIMANT);
        vm.expectRevert(MockAcceptOneVerifier.MockInvalidProof.selector);
        bounty.claim(publicValues, abi.encodePacked(SELECTOR, "forged proof"));
        _assertUnclaimed();
        // The genuine proof still wins afterwards.
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        assertEq(CLAIMANT.balance, REWARD);
    }

    function test_RevertWhen_PublicValuesNotThirtyTwoBytes() public {
        vm.prank(CLAIMANT);
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.UnexpectedPublicValuesLength.selector, 32, 33));
        bounty.claim(abi.encodePacked(DIGEST, uint8(0)), proof);
        _assertUnclaimed();
    }

    function test_RevertWhen_ClaimAfterDeadline() public {
        vm.warp(DEADLINE + 1);
        vm.prank(CLAIMANT);
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.DeadlinePassed.selector, DEADLINE));
        bounty.claim(publicValues, proof);
        _assertUnclaimed();
    }

    function test_ReentrantClaimGetsPaidOnce() public {
        ReentrantClaimant attacker = new ReentrantClaimant(bounty);
        attacker.attack(publicValues, proof);
        assertEq(attacker.receiveCount(), 1);
        assertEq(attacker.reentryRevertData(), abi.encodeWithSelector(Sha256PreimageBounty.AlreadyClaimed.selector));
        assertEq(address(attacker).balance, REWARD);
        assertEq(address(bounty).balance, 0);
    }

    function test_RevertWhen_ClaimantRefusesPayment() public {
        EthRefusingClaimant refuser = new EthRefusingClaimant();
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.PaymentFailed.selector, address(refuser), REWARD));
        refuser.claim(bounty, publicValues, proof);
        _assertUnclaimed();
    }

    function test_FundingWhileOpenAddsToReward() public {
        vm.expectEmit(true, false, false, true, address(bounty));
        emit BountyFunded(SPONSOR, 2 ether);
        vm.prank(SPONSOR);
        (bool ok,) = address(bounty).call{value: 2 ether}("");
        assertTrue(ok, "funding failed");
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        assertEq(CLAIMANT.balance, REWARD + 2 ether);
    }

    function test_RevertWhen_FundingAfterClaim() public {
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        vm.prank(SPONSOR);
        (bool ok, bytes memory revertData) = address(bounty).call{value: 1 ether}("");
        assertFalse(ok, "funding a paid-out bounty succeeded");
        assertEq(revertData, abi.encodeWithSelector(Sha256PreimageBounty.AlreadyClaimed.selector));
    }

    function test_SponsorReclaimsAfterDeadline() public {
        uint256 sponsorBefore = SPONSOR.balance;
        vm.warp(DEADLINE + 1);
        vm.expectEmit(true, false, false, true, address(bounty));
        emit BountyReclaimed(SPONSOR, REWARD);
        vm.prank(SPONSOR);
        bounty.reclaim();
        assertEq(SPONSOR.balance, sponsorBefore + REWARD);
        assertTrue(bounty.claimed());
        vm.prank(SPONSOR);
        vm.expectRevert(Sha256PreimageBounty.AlreadyClaimed.selector);
        bounty.reclaim();
    }

    function test_RevertWhen_ReclaimBeforeDeadline() public {
        vm.warp(DEADLINE);
        vm.prank(SPONSOR);
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.DeadlineNotReached.selector, DEADLINE));
        bounty.reclaim();
        _assertUnclaimed();
    }

    function test_RevertWhen_ReclaimByNonSponsor() public {
        vm.warp(DEADLINE + 1);
        vm.prank(CLAIMANT);
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.NotSponsor.selector, CLAIMANT));
        bounty.reclaim();
        _assertUnclaimed();
    }

    function test_RevertWhen_ReclaimAfterClaim() public {
        vm.prank(CLAIMANT);
        bounty.claim(publicValues, proof);
        vm.warp(DEADLINE + 1);
        vm.prank(SPONSOR);
        vm.expectRevert(Sha256PreimageBounty.AlreadyClaimed.selector);
        bounty.reclaim();
    }

    function testFuzz_RevertWhen_AnyOtherDigestClaimed(bytes32 otherDigest) public {
        vm.assume(otherDigest != DIGEST);
        vm.prank(CLAIMANT);
        vm.expectRevert(abi.encodeWithSelector(Sha256PreimageBounty.WrongDigest.selector, DIGEST, otherDigest));
        bounty.claim(abi.encodePacked(otherDigest), proof);
        _assertUnclaimed();
    }

    function _assertUnclaimed() internal view {
        assertFalse(bounty.claimed());
        assertEq(address(bounty).balance, REWARD);
    }
}
