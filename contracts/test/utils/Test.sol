// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.19;

/// @notice The few forge cheatcodes keel's tests use. forge answers calls to the address
///         `address(uint160(uint256(keccak256("hevm cheat code"))))`; only the selectors matter,
///         so this interface lists just what we call.
interface Vm {
    function expectRevert() external;
    function expectRevert(bytes4 revertSelector) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    function expectCall(address callee, bytes calldata data) external;
    function assume(bool condition) external pure;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function projectRoot() external view returns (string memory path);
    function exists(string calldata path) external view returns (bool result);
    function readFile(string calldata path) external view returns (string memory data);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
}

/// @notice keel's own minimal test base, used instead of forge-std (which npm does not ship in a
///         usable form, and which we do not vendor). forge runs every `test*` function of a
///         contract as a test, and every `testFuzz*`/parameterised one as a fuzz test; a test
///         fails when it reverts, so each assertion reverts with a message naming what differed.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    // ------------------------------------------------------------------ booleans

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "assertTrue failed");
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertFalse(bool condition) internal pure {
        assertFalse(condition, "assertFalse failed");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(message);
    }

    function assertEq(bool left, bool right) internal pure {
        if (left != right) {
            revert(string.concat("assertEq(bool) failed: ", _bool(left), " != ", _bool(right)));
        }
    }

    // ------------------------------------------------------------------ integers

    function assertEq(uint256 left, uint256 right) internal pure {
        if (left != right) {
            revert(string.concat("assertEq(uint256) failed: ", _dec(left), " != ", _dec(right)));
        }
    }

    function assertLt(uint256 left, uint256 right) internal pure {
        if (left >= right) {
            revert(string.concat("assertLt(uint256) failed: ", _dec(left), " >= ", _dec(right)));
        }
    }

    // ------------------------------------------------------------------ bytes and addresses

    function assertEq(bytes32 left, bytes32 right) internal pure {
        if (left != right) {
            revert(string.concat("assertEq(bytes32) failed: ", _hex(left), " != ", _hex(right)));
        }
    }

    function assertEq(address left, address right) internal pure {
        if (left != right) {
            revert(
                string.concat(
                    "assertEq(address) failed: ",
                    _hex(bytes32(uint256(uint160(left)))),
                    " != ",
                    _hex(bytes32(uint256(uint160(right))))
                )
            );
        }
    }

    function assertEq(bytes memory left, bytes memory right) internal pure {
        if (keccak256(left) != keccak256(right)) revert("assertEq(bytes) failed");
    }

    function assertEq(string memory left, string memory right) internal pure {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) {
            revert(string.concat("assertEq(string) failed: \"", left, "\" != \"", right, "\""));
        }
    }

    // ------------------------------------------------------------------ formatting for messages

    function _bool(bool value) private pure returns (string memory) {
        return value ? "true" : "false";
    }

    function _dec(uint256 value) private pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 rest = value; rest != 0; rest /= 10) {
            digits++;
        }
        bytes10 alphabet = "0123456789";
        bytes memory text = new bytes(digits);
        for (; value != 0; value /= 10) {
            text[--digits] = alphabet[value % 10];
        }
        return string(text);
    }

    function _hex(bytes32 value) private pure returns (string memory) {
        bytes16 alphabet = "0123456789abcdef";
        bytes memory text = new bytes(66);
        text[0] = "0";
        text[1] = "x";
        for (uint256 i = 0; i < 32; i++) {
            text[2 + 2 * i] = alphabet[uint8(value[i]) >> 4];
            text[3 + 2 * i] = alphabet[uint8(value[i]) & 0x0f];
        }
        return string(text);
    }
}
