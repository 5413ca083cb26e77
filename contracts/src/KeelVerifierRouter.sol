// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

import {IKeelVerifier} from "./IKeelVerifier.sol";

/// @title KeelVerifierRouter
/// @notice The one address consumers call: it dispatches each proof to the verifier contract for
///         the verifying key (and version) the proof was made for, so a new verifier can be
///         deployed without redeploying consumers, while old proofs keep verifying.
/// @dev Routing:
///      - A keel EVM proof starts with a 4-byte selector: the first 4 bytes of keccak256 of the
///        verifying key and version, computed off-chain by keel. The router reads it, looks the
///        route up and forwards the call with the **whole** `proof`, selector included. The
///        routed verifier checks that the selector is its own (see `KeelVerifierAdapter`), so the
///        same proof bytes verify through the router and against the verifier directly, and a
///        route registered under the wrong selector cannot serve proofs.
///      - The router adds no trust of its own beyond the owner's choice of routes: it never
///        inspects `programId` or `publicValues`, and every revert of the routed verifier is
///        passed on unchanged.
///      Administration (owner only; every action emits an event):
///      - `addRoute` registers a verifier under a fresh selector; `removeRoute` unregisters a
///        route that is neither frozen nor e-stopped (the selector may then be added again).
///      - `freezeRoute` is irreversible: a frozen route can never be changed or removed, so
///        consumers need not trust the owner not to swap its verifier.
///      - `estop` permanently disables a route (frozen or not): verification through it reverts
///        forever with `RouteEstopped`, and the selector can never be re-added, removed or
///        frozen. It is the response to a soundness bug in a verifier; disabling only ever makes
///        the router accept less, never more, which is why it is allowed on frozen routes too.
///      - Ownership moves in two steps (`transferOwnership`, then `acceptOwnership` by the new
///        owner). There is no renounce: an owner-less router could no longer e-stop a broken
///        verifier.
///      There is no upgradeable proxy; the router's code is fixed at deployment.
contract KeelVerifierRouter is IKeelVerifier {
    /// @notice One route: the verifier serving a selector and its two one-way flags.
    /// @dev Packed into one storage slot (20 + 1 + 1 bytes), so `verify` costs one cold SLOAD.
    /// @param verifier The verifier contract proofs with this selector are forwarded to; zero if
    ///        the selector has no route.
    /// @param frozen True once `freezeRoute` was called: the route can never change again.
    /// @param estopped True once `estop` was called: the route is disabled forever.
    struct Route {
        IKeelVerifier verifier;
        bool frozen;
        bool estopped;
    }

    /// @notice The number of leading proof bytes that form the selector.
    uint256 public constant SELECTOR_LENGTH = 4;

    /// @notice The current owner, the only address allowed to change routes.
    address public owner;

    /// @notice The address `transferOwnership` nominated, which may call `acceptOwnership`; zero
    ///         when no transfer is pending.
    address public pendingOwner;

    /// @dev Routes by selector.
    mapping(bytes4 selector => Route route) private routes;

    /// @notice The proof has no route: nothing was ever added (or it was removed) under `selector`.
    /// @param selector The first 4 bytes of the proof.
    error UnknownSelector(bytes4 selector);

    /// @notice `addRoute` was called for a selector that already has a route.
    /// @param selector The selector that is already routed.
    error RouteExists(bytes4 selector);

    /// @notice The route is frozen, so it cannot be changed or removed (or frozen again).
    /// @param selector The frozen route's selector.
    error RouteFrozen(bytes4 selector);

    /// @notice The route was e-stopped: it cannot verify, be re-added, removed or frozen, ever.
    /// @param selector The e-stopped route's selector.
    error RouteEstopped(bytes4 selector);

    /// @notice An owner-only function was called by someone else.
    /// @param caller The address that called it.
    error NotOwner(address caller);

    /// @notice `acceptOwnership` was called by an address other than the pending owner.
    /// @param caller The address that called it.
    error NotPendingOwner(address caller);

    /// @notice The proof is too short to contain a selector.
    /// @param length The proof's length in bytes (less than 4).
    error ProofTooShort(uint256 length);

    /// @notice The zero address was given where an owner or a verifier is required.
    error ZeroAddress();

    /// @notice The verifier address given to `addRoute` holds no code, so it cannot verify.
    /// @param verifier The address given.
    error VerifierHasNoCode(address verifier);

    /// @notice A route was added.
    /// @param selector The selector proofs for `verifier` start with.
    /// @param verifier The verifier now serving `selector`.
    event RouteAdded(bytes4 indexed selector, IKeelVerifier indexed verifier);

    /// @notice A (non-frozen, non-e-stopped) route was removed; its selector may be added again.
    /// @param selector The selector that no longer has a route.
    /// @param verifier The verifier that served it.
    event RouteRemoved(bytes4 indexed selector, IKeelVerifier indexed verifier);

    /// @notice A route was frozen: it can never be changed or removed.
    /// @dev Named apart from the error `RouteFrozen` (Solidity does not allow an event and an
    ///      error of the same name in one contract).
    /// @param selector The frozen route's selector.
    /// @param verifier The verifier that serves it for good.
    event RouteFrozenForever(bytes4 indexed selector, IKeelVerifier indexed verifier);

    /// @notice A route was e-stopped: verification through it reverts from now on, forever.
    /// @param selector The disabled route's selector.
    /// @param verifier The verifier that served it.
    event RouteEmergencyStopped(bytes4 indexed selector, IKeelVerifier indexed verifier);

    /// @notice The owner nominated a new owner, who must call `acceptOwnership`.
    /// @param previousOwner The current owner.
    /// @param newOwner The nominated owner.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    /// @notice Ownership changed (at deployment, `previousOwner` is zero).
    /// @param previousOwner The former owner.
    /// @param newOwner The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @dev Reverts with `NotOwner(msg.sender)` unless the caller is the owner.
    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Deploys a router with no routes.
    /// @param initialOwner The owner; must not be zero.
    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ZeroAddress();
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    // ------------------------------------------------------------------ verification

    /// @inheritdoc IKeelVerifier
    /// @dev Reverts with `ProofTooShort` if `proof` has fewer than 4 bytes, `RouteEstopped` or
    ///      `UnknownSelector` if its selector cannot be served, and otherwise with whatever the
    ///      routed verifier reverts with. The routed verifier receives `proof` unchanged,
    ///      selector included.
    function verify(bytes32 programId, bytes calldata publicValues, bytes calldata proof) external view {
        if (proof.length < SELECTOR_LENGTH) revert ProofTooShort(proof.length);
        bytes4 selector = bytes4(proof[:SELECTOR_LENGTH]);
        Route memory route = routes[selector];
        if (route.estopped) revert RouteEstopped(selector);
        if (address(route.verifier) == address(0)) revert UnknownSelector(selector);
        route.verifier.verify(programId, publicValues, proof);
    }

    /// @notice The route for `selector`.
    /// @param selector A proof selector.
    /// @return verifier The verifier serving `selector` (after an e-stop: the one that served it);
    ///         zero if the selector has no route.
    /// @return frozen Whether the route is frozen.
    /// @return estopped Whether the route is e-stopped (then `verify` rejects its proofs).
    function getRoute(bytes4 selector) external view returns (address verifier, bool frozen, bool estopped) {
        Route memory route = routes[selector];
        return (address(route.verifier), route.frozen, route.estopped);
    }

    // ------------------------------------------------------------------ route administration

    /// @notice Routes proofs starting with `selector` to `verifier`.
    /// @dev Owner only. Reverts with `ZeroAddress` / `VerifierHasNoCode` for an unusable verifier,
    ///      `RouteEstopped` if the selector was ever e-stopped, `RouteFrozen` if it is frozen and
    ///      `RouteExists` if it already has a route (remove it first to replace a non-frozen one).
    /// @param selector The first 4 bytes of keccak256 of the verifying key and version, as keel
    ///        prints it for `verifier`.
    /// @param verifier The verifier contract for that verifying key.
    function addRoute(bytes4 selector, IKeelVerifier verifier) external onlyOwner {
        if (address(verifier) == address(0)) revert ZeroAddress();
        if (address(verifier).code.length == 0) revert VerifierHasNoCode(address(verifier));
        Route storage route = routes[selector];
        if (route.estopped) revert RouteEstopped(selector);
        if (route.frozen) revert RouteFrozen(selector);
        if (address(route.verifier) != address(0)) revert RouteExists(selector);
        route.verifier = verifier;
        emit RouteAdded(selector, verifier);
    }

    /// @notice Removes the route for `selector`; proofs with it then revert with `UnknownSelector`.
    /// @dev Owner only. Reverts with `RouteEstopped`, `RouteFrozen` or `UnknownSelector` if the
    ///      selector is e-stopped, frozen or has no route.
    /// @param selector The route to remove.
    function removeRoute(bytes4 selector) external onlyOwner {
        Route storage route = routes[selector];
        if (route.estopped) revert RouteEstopped(selector);
        if (route.frozen) revert RouteFrozen(selector);
        IKeelVerifier verifier = route.verifier;
        if (address(verifier) == address(0)) revert UnknownSelector(selector);
        delete routes[selector];
        emit RouteRemoved(selector, verifier);
    }

    /// @notice Freezes the route for `selector`, irreversibly: it can never be changed or removed.
    /// @dev Owner only. Reverts with `RouteEstopped`, `RouteFrozen` or `UnknownSelector` if the
    ///      selector is e-stopped, already frozen or has no route. A frozen route can still be
    ///      e-stopped (see the contract's notes).
    /// @param selector The route to freeze.
    function freezeRoute(bytes4 selector) external onlyOwner {
        Route storage route = routes[selector];
        if (route.estopped) revert RouteEstopped(selector);
        if (route.frozen) revert RouteFrozen(selector);
        IKeelVerifier verifier = route.verifier;
        if (address(verifier) == address(0)) revert UnknownSelector(selector);
        route.frozen = true;
        emit RouteFrozenForever(selector, verifier);
    }

    /// @notice Disables the route for `selector` permanently: every later `verify` of a proof with
    ///         this selector reverts with `RouteEstopped`, and the selector can never be re-added,
    ///         removed or frozen.
    /// @dev Owner only. Works on frozen routes. Reverts with `RouteEstopped` if already e-stopped
    ///      and `UnknownSelector` if the selector has no route.
    /// @param selector The route to disable.
    function estop(bytes4 selector) external onlyOwner {
        Route storage route = routes[selector];
        if (route.estopped) revert RouteEstopped(selector);
        IKeelVerifier verifier = route.verifier;
        if (address(verifier) == address(0)) revert UnknownSelector(selector);
        route.estopped = true;
        emit RouteEmergencyStopped(selector, verifier);
    }

    // ------------------------------------------------------------------ ownership

    /// @notice Nominates `newOwner`; ownership moves when `newOwner` calls `acceptOwnership`.
    /// @dev Owner only. A later call replaces the nomination (nominate the current owner to
    ///      cancel). Reverts with `ZeroAddress` for the zero address: the router cannot be left
    ///      without an owner.
    /// @param newOwner The address that may accept ownership.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    /// @notice Completes a transfer started by `transferOwnership`; the caller becomes the owner.
    /// @dev Reverts with `NotPendingOwner` unless the caller is the pending owner.
    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert NotPendingOwner(msg.sender);
        address previousOwner = owner;
        owner = msg.sender;
        delete pendingOwner;
        emit OwnershipTransferred(previousOwner, msg.sender);
    }
}
