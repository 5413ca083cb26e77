// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {IKeelVerifier} from "../IKeelVerifier.sol";

/// @title Sha256PreimageBounty
/// @notice Example consumer (copy it): holds ETH for whoever proves they know a preimage of a
///         posted SHA-256 digest, without revealing the preimage on chain.
/// @dev The guest (identified by `programId`) reads the preimage as private input, hashes it with
///      SHA-256 and commits the 32-byte digest as its public values. The program id is what makes
///      this sound: it pins a guest that really hashes its input, not one that commits any
///      digest it likes.
///      Life cycle: the sponsor deploys with the digest, a deadline and the reward (more can be
///      sent until it is claimed). Before the deadline, the first caller with a verified proof
///      for `targetDigest` gets the whole balance; after it, the sponsor may take the balance
///      back. Each path pays at most once.
///      Safety: checks-effects-interactions — `claimed` is set before ETH is sent, so a re-entrant
///      `claim` or `reclaim` from the recipient reverts with `AlreadyClaimed`.
///      Limitation (front-running): the proof is not bound to the claimant, so anyone who sees a
///      pending claim can copy its proof. A production bounty should have the guest also commit
///      the recipient, e.g. `abi.encode(digest, recipient)`, and pay that address.
contract Sha256PreimageBounty {
    /// @notice The verifier (usually a `KeelVerifierRouter`) that checks proofs.
    IKeelVerifier public immutable verifier;

    /// @notice The program id of the guest that commits `sha256(private input)`.
    bytes32 public immutable programId;

    /// @notice The SHA-256 digest whose preimage is wanted.
    bytes32 public immutable targetDigest;

    /// @notice After this timestamp, claims are refused and the sponsor may reclaim the balance.
    uint256 public immutable deadline;

    /// @notice Who deployed (and funded) the bounty; the only one who may `reclaim`.
    address public immutable sponsor;

    /// @notice True once the bounty was paid out (to a claimant or back to the sponsor).
    bool public claimed;

    /// @notice The bounty was already paid out.
    error AlreadyClaimed();

    /// @notice The public values are not one 32-byte digest.
    /// @param expected 32.
    /// @param actual The length given.
    error UnexpectedPublicValuesLength(uint256 expected, uint256 actual);

    /// @notice The proven digest is not the posted one.
    /// @param expected `targetDigest`.
    /// @param actual The digest in the public values.
    error WrongDigest(bytes32 expected, bytes32 actual);

    /// @notice The deadline has passed; only the sponsor's `reclaim` remains.
    /// @param deadline The deadline.
    error DeadlinePassed(uint256 deadline);

    /// @notice `reclaim` was called before the deadline.
    /// @param deadline The deadline.
    error DeadlineNotReached(uint256 deadline);

    /// @notice `reclaim` was called by someone other than the sponsor.
    /// @param caller The address that called it.
    error NotSponsor(address caller);

    /// @notice Sending the ETH failed (the recipient reverted); nothing changed.
    /// @param recipient The address that was to be paid.
    /// @param amount The amount in wei.
    error PaymentFailed(address recipient, uint256 amount);

    /// @notice ETH was added to the bounty.
    /// @param from The sender.
    /// @param amount The amount in wei.
    event BountyFunded(address indexed from, uint256 amount);

    /// @notice A preimage was proven and the bounty paid.
    /// @param claimant Who was paid.
    /// @param digest The digest whose preimage was proven.
    /// @param amount The amount paid, in wei.
    event BountyClaimed(address indexed claimant, bytes32 indexed digest, uint256 amount);

    /// @notice The sponsor took the unclaimed bounty back after the deadline.
    /// @param sponsor The sponsor.
    /// @param amount The amount returned, in wei.
    event BountyReclaimed(address indexed sponsor, uint256 amount);

    /// @notice Posts a bounty for a preimage of `digest`, funded with the ETH sent.
    /// @param keelVerifier The verifier to check proofs with (usually a `KeelVerifierRouter`).
    /// @param sha256GuestProgramId The program id of the hashing guest.
    /// @param digest The SHA-256 digest whose preimage is wanted.
    /// @param claimDeadline The last timestamp at which a claim is accepted.
    constructor(IKeelVerifier keelVerifier, bytes32 sha256GuestProgramId, bytes32 digest, uint256 claimDeadline)
        payable {
        verifier = keelVerifier;
        programId = sha256GuestProgramId;
        targetDigest = digest;
        deadline = claimDeadline;
        sponsor = msg.sender;
        if (msg.value != 0) emit BountyFunded(msg.sender, msg.value);
    }

    /// @notice Adds ETH to the bounty while it is open.
    /// @dev Reverts with `AlreadyClaimed` once paid out, so no ETH gets stuck.
    receive() external payable {
        if (claimed) revert AlreadyClaimed();
        emit BountyFunded(msg.sender, msg.value);
    }

    /// @notice Pays the whole balance to the caller, who proves knowledge of a preimage of
    ///         `targetDigest`.
    /// @dev Reverts with `AlreadyClaimed`, `DeadlinePassed`, `UnexpectedPublicValuesLength`,
    ///      `WrongDigest`, the verifier's error for an invalid proof, or `PaymentFailed`; in each
    ///      case nothing changes.
    /// @param publicValues The guest's public values: the 32-byte SHA-256 digest it computed.
    /// @param proof The keel EVM proof.
    function claim(bytes calldata publicValues, bytes calldata proof) external {
        // Checks.
        if (claimed) revert AlreadyClaimed();
        // A validator can shift the timestamp by seconds; the deadline is meant in days.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert DeadlinePassed(deadline);
        if (publicValues.length != 32) revert UnexpectedPublicValuesLength(32, publicValues.length);
        // Casting to bytes32 is exact: the length was just checked to be 32.
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes32 provenDigest = bytes32(publicValues);
        if (provenDigest != targetDigest) revert WrongDigest(targetDigest, provenDigest);
        verifier.verify(programId, publicValues, proof);
        // Effects.
        claimed = true;
        uint256 amount = address(this).balance;
        emit BountyClaimed(msg.sender, provenDigest, amount);
        // Interactions.
        _pay(msg.sender, amount);
    }

    /// @notice Returns the unclaimed balance to the sponsor after the deadline.
    /// @dev Reverts with `NotSponsor`, `DeadlineNotReached`, `AlreadyClaimed` or `PaymentFailed`.
    function reclaim() external {
        if (msg.sender != sponsor) revert NotSponsor(msg.sender);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp <= deadline) revert DeadlineNotReached(deadline);
        if (claimed) revert AlreadyClaimed();
        claimed = true;
        uint256 amount = address(this).balance;
        emit BountyReclaimed(msg.sender, amount);
        _pay(msg.sender, amount);
    }

    /// @dev Sends `amount` wei to `recipient`, forwarding all gas; reverts with `PaymentFailed`
    ///      (undoing the caller's effects) if the recipient reverts.
    function _pay(address recipient, uint256 amount) private {
        (bool ok,) = recipient.call{value: amount}("");
        if (!ok) revert PaymentFailed(recipient, amount);
    }
}
