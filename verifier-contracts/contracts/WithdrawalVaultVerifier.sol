// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title WithdrawalVaultVerifier
/// @notice Proves an execution-layer account's balance at the execution block of a beacon
/// block, from the beacon block root alone: the block header's `slot` and the beacon state's
/// `latest_execution_payload_header.state_root` are opened from the root with SHA-256 Merkle
/// proofs (SSZ), then the account is walked down the execution state trie from that state root
/// with an `eth_getProof` account proof (keccak-256, RLP). The post-state of a block holds that
/// block's own payload header, so the balance is the one after the same block's withdrawals:
/// the moment a report of that block's beacon state describes. Stateless; the oracle
/// (`BeaconBalanceOracle.submitVaultBalance`) supplies the root from EIP-4788 and the vault
/// address fixed in its constructor.
/// @dev The state root's generalized index below the block root depends on the fork's layout
/// (Capella 6018, Deneb 12034, Electra and Fulu 23298), so one verifier serves the slots of one
/// layout; the oracle schedules a new one for a fork that moves it, behind its timelock. A
/// verifier refuses slots from UNTIL_SLOT on (the next fork whose layout is not known yet,
/// e.g. Gloas, which replaces the payload header), so a stale one fails closed instead of
/// opening whatever the new layout keeps at its gindex. This
/// contract mirrors the native walk of `stakeproof_beacon::execution` (`verify_account_proof`)
/// rule for rule: references are 32-byte hashes (inline nodes cannot occur in the account
/// trie); a branch never holds a value; the walk ends in the account's leaf, or proves the
/// account absent (an empty branch slot, or a leaf or extension whose path leaves the key,
/// balance 0); nodes after the end, or an end never reached, are refused; integers are
/// canonical (no leading zero; a nonce of at most 8 bytes, a balance of at most 16).
contract WithdrawalVaultVerifier {
    /// @notice Generalized index of the block header's `slot` below the block root.
    uint256 public constant SLOT_GINDEX = 8;
    /// @notice keccak256(rlp("")): the root of the empty trie.
    bytes32 public constant EMPTY_TRIE_ROOT = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;
    /// @notice Generalized index of `latest_execution_payload_header.state_root` below the
    /// beacon block root in the layout this verifier serves.
    uint256 public immutable STATE_ROOT_GINDEX;
    /// @notice The first slot this verifier refuses (type(uint64).max: none).
    uint64 public immutable UNTIL_SLOT;

    /// @dev One node of the walk (`_step`): its outcome `kind`, and the child and nibbles
    /// consumed (DESCEND) or the leaf value's place (FOUND).
    struct Step {
        uint256 kind;
        bytes32 child;
        uint256 consumed;
        uint256 valueStart;
        uint256 valueLength;
    }

    /// @dev The outcomes of one node of the walk (`_step`).
    uint256 private constant DESCEND = 0;
    uint256 private constant ABSENT = 1;
    uint256 private constant FOUND = 2;
    /// @dev `_path`'s length of an invalid hex-prefix encoding.
    uint256 private constant BAD_PATH = type(uint256).max;
    /// @dev What is malformed in a trie node (`MalformedNode`'s `what`).
    uint8 private constant BAD_RLP = 1;
    uint8 private constant NOT_ONE_LIST = 2;
    uint8 private constant INLINE_NODE = 3;
    uint8 private constant ITEM_COUNT = 4;
    uint8 private constant BRANCH_VALUE = 5;
    uint8 private constant REFERENCE_NOT_32 = 6;
    uint8 private constant HEX_PREFIX = 7;
    uint8 private constant LEAF_PATH_LENGTH = 8;
    uint8 private constant EMPTY_EXTENSION = 9;
    uint8 private constant BELOW_KEY_END = 10;
    uint8 private constant BAD_ACCOUNT = 11;

    /// @notice A generalized index below 2 or of 2^64 and above (a depth of 64 or more).
    error BadGindex(uint256 gindex);
    /// @notice The slot is not of the layout this verifier serves (at or after UNTIL_SLOT).
    error SlotOutOfLayout(uint64 slot, uint64 untilSlot);
    /// @notice The slot's proof does not lead from `slot` to the block root.
    error SlotProofInvalid(uint64 slot);
    /// @notice The execution state root's proof does not lead to the block root.
    error StateRootProofInvalid(bytes32 executionStateRoot);
    /// @notice Account-proof node `node`'s keccak-256 is not the reference its parent holds
    /// (the execution state root for node 0).
    error NodeHashMismatch(uint256 node);
    /// @notice Account-proof node `node` is malformed; `what`: 1 bad RLP, 2 not one list
    /// filling the node, 3 an inline child node, 4 neither 2 nor 17 items, 5 a branch holding a
    /// value, 6 a reference that is not 32 bytes, 7 a bad hex-prefix flag, 8 a leaf whose path
    /// is not the rest of the key, 9 an extension with an empty path, 10 a branch or extension
    /// below the key's end, 11 an account that is not [nonce, balance, storageRoot, codeHash]
    /// with canonical integers.
    error MalformedNode(uint256 node, uint8 what);
    /// @notice The account proof stops before it reaches the account or its absence.
    error ProofEndsEarly(uint256 node);
    /// @notice Nodes follow the one that ends the walk (`end`).
    error TrailingNodes(uint256 end);

    /// @param stateRootGindex The generalized index of the payload header's `state_root` below
    /// the beacon block root (Capella 6018, Deneb 12034, Electra and Fulu 23298).
    /// @param untilSlot The first slot of a layout this verifier does not know (the next fork
    /// that may move or replace the payload header); type(uint64).max for none.
    constructor(uint256 stateRootGindex, uint64 untilSlot) {
        if (stateRootGindex < 2 || stateRootGindex >> 64 != 0) revert BadGindex(stateRootGindex);
        STATE_ROOT_GINDEX = stateRootGindex;
        UNTIL_SLOT = untilSlot;
    }

    /// @notice The balance (wei) of `account` at the execution block of the beacon block
    /// `blockRoot`, whose slot must be `slot`; reverts naming the first thing that does not
    /// hold. An account absent from the trie has balance 0.
    /// @param proof `abi.encode(bytes32[3] slotBranch, bytes32 executionStateRoot, bytes32[]
    /// stateRootBranch, bytes[] accountProof)`: the header's slot proof (its three siblings),
    /// the payload header's state root with its siblings up to the block root (leaf first), and
    /// the account proof's nodes as `eth_getProof` returns them (root first).
    function vaultBalance(bytes32 blockRoot, uint64 slot, address account, bytes calldata proof)
        external
        view
        returns (uint256 balanceWei)
    {
        if (slot >= UNTIL_SLOT) revert SlotOutOfLayout(slot, UNTIL_SLOT);
        (bytes32[3] memory slotBranch, bytes32 stateRoot, bytes32[] memory stateRootBranch, bytes[] memory nodes) =
            abi.decode(proof, (bytes32[3], bytes32, bytes32[], bytes[]));
        bytes32[] memory branch = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            branch[i] = slotBranch[i];
        }
        if (!_sszValid(_le64(slot), SLOT_GINDEX, branch, blockRoot)) revert SlotProofInvalid(slot);
        if (!_sszValid(stateRoot, STATE_ROOT_GINDEX, stateRootBranch, blockRoot)) {
            revert StateRootProofInvalid(stateRoot);
        }
        return accountBalance(stateRoot, account, nodes);
    }

    /// @notice Walks `nodes` from `stateRoot` along keccak256(`account`) and returns the
    /// account's balance (0 if the proof shows it absent); reverts on any other proof.
    function accountBalance(bytes32 stateRoot, address account, bytes[] memory nodes)
        public
        pure
        returns (uint256 balanceWei)
    {
        if (nodes.length == 0 || (nodes.length == 1 && nodes[0].length == 1 && uint8(nodes[0][0]) == 0x80)) {
            if (stateRoot == EMPTY_TRIE_ROOT) return 0;
            revert ProofEndsEarly(0);
        }
        bytes32 key = keccak256(abi.encodePacked(account));
        bytes32 expected = stateRoot;
        uint256 at = 0; // nibbles of the key consumed
        for (uint256 i = 0; i < nodes.length; ++i) {
            bytes memory node = nodes[i];
            if (keccak256(node) != expected) revert NodeHashMismatch(i);
            Step memory step = _step(node, i, key, at);
            bool last = i + 1 == nodes.length;
            if (step.kind != DESCEND) {
                if (!last) revert TrailingNodes(i);
                if (step.kind == ABSENT) return 0;
                return _accountBalance(node, step.valueStart, step.valueLength, i);
            }
            at += step.consumed;
            if (at >= 64) revert MalformedNode(i, BELOW_KEY_END);
            if (last) revert ProofEndsEarly(i + 1);
            expected = step.child;
        }
        revert ProofEndsEarly(nodes.length); // not reached: the last node returns or reverts
    }

    /// @dev One node of the walk, the key consumed up to nibble `at`: DESCEND to `child` after
    /// `consumed` nibbles, ABSENT (an empty branch slot, a leaf of another key, an extension
    /// off the key), or FOUND (the account's leaf, its value at `node[valueStart..][..valueLength]`).
    function _step(bytes memory node, uint256 i, bytes32 key, uint256 at) private pure returns (Step memory step) {
        (uint256[17] memory starts, uint256[17] memory lengths, uint256 count) = _items(node, i);
        if (count == 17) {
            if (lengths[16] != 0) revert MalformedNode(i, BRANCH_VALUE);
            uint256 nibble = _nibble(key, at);
            if (lengths[nibble] == 0) {
                step.kind = ABSENT;
            } else {
                step.child = _reference(node, starts[nibble], lengths[nibble], i);
                step.consumed = 1;
            }
            return step;
        }
        if (count != 2) revert MalformedNode(i, ITEM_COUNT);
        (bool leaf, bool matches, uint256 pathLength) = _path(node, starts[0], lengths[0], key, at);
        if (pathLength == BAD_PATH) revert MalformedNode(i, HEX_PREFIX);
        if (leaf) {
            if (pathLength != 64 - at) revert MalformedNode(i, LEAF_PATH_LENGTH);
            step.kind = matches ? FOUND : ABSENT;
            step.valueStart = starts[1];
            step.valueLength = lengths[1];
            return step;
        }
        if (pathLength == 0) revert MalformedNode(i, EMPTY_EXTENSION);
        if (!matches) {
            step.kind = ABSENT;
        } else {
            step.child = _reference(node, starts[1], lengths[1], i);
            step.consumed = pathLength;
        }
    }

    /// @dev Whether `branch` (leaf's sibling first) leads from `leaf` at `gindex` to `root`
    /// (SHA-256 through the precompile, in scratch memory).
    function _sszValid(bytes32 leaf, uint256 gindex, bytes32[] memory branch, bytes32 root)
        private
        view
        returns (bool valid)
    {
        assembly {
            let node := leaf
            let g := gindex
            let ok := 1
            let n := mload(branch)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                if lt(g, 2) {
                    ok := 0
                    break
                }
                let sibling := mload(add(add(branch, 32), mul(i, 32)))
                switch and(g, 1)
                case 1 {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                default {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                if iszero(staticcall(gas(), 0x02, 0x00, 0x40, 0x00, 0x20)) { revert(0, 0) }
                node := mload(0x00)
                g := shr(1, g)
            }
            valid := and(ok, and(eq(g, 1), eq(node, root)))
        }
    }

    /// @dev An SSZ uint64 chunk: `v` little-endian, zero-padded to 32 bytes.
    function _le64(uint64 v) private pure returns (bytes32) {
        uint256 x = v;
        uint256 r = 0;
        for (uint256 i = 0; i < 8; ++i) {
            r = (r << 8) | (x & 0xff);
            x >>= 8;
        }
        return bytes32(r << 192);
    }

    /// @dev Nibble `i` (0 = high nibble of byte 0) of `key` (`i` < 64).
    function _nibble(bytes32 key, uint256 i) private pure returns (uint256 v) {
        assembly {
            v := byte(shr(1, i), key)
            v := and(shr(mul(4, iszero(and(i, 1))), v), 0x0f)
        }
    }

    /// @dev Byte `i` of `b` (in bounds: every caller checked it).
    function _byte(bytes memory b, uint256 i) private pure returns (uint256 v) {
        assembly {
            v := byte(0, mload(add(add(b, 32), i)))
        }
    }

    /// @dev The RLP header at `at` within `b[..end]`: whether it is a list, where its payload
    /// starts and how long it is. Non-canonical headers, and payloads past `end`, are refused
    /// (`BAD_RLP`).
    function _header(bytes memory b, uint256 at, uint256 end, uint256 node)
        private
        pure
        returns (bool list, uint256 start, uint256 length)
    {
        bool bad;
        assembly {
            // One pass; `break` leaves it.
            for {} 1 {} {
                if iszero(lt(at, end)) {
                    bad := 1
                    break
                }
                let p := add(add(b, 32), at)
                let b0 := byte(0, mload(p))
                if lt(b0, 0x80) {
                    start := at
                    length := 1
                    break
                }
                let short := 0x80
                if iszero(lt(b0, 0xc0)) {
                    short := 0xc0
                    list := 1
                }
                let n := sub(b0, short)
                switch lt(n, 56)
                case 1 {
                    start := add(at, 1)
                    length := n
                    // A single byte below 0x80 is its own encoding.
                    if and(iszero(list), eq(n, 1)) {
                        if or(iszero(lt(start, end)), lt(byte(0, mload(add(p, 1))), 0x80)) {
                            bad := 1
                            break
                        }
                    }
                }
                default {
                    // At most 3 length bytes (16 MiB): a longer item fits no calldata
                    // (alloy-rlp takes up to 8; no real trie node comes near either).
                    let lengthOfLength := sub(n, 55)
                    if or(gt(lengthOfLength, 3), gt(add(add(at, 1), lengthOfLength), end)) {
                        bad := 1
                        break
                    }
                    if iszero(byte(0, mload(add(p, 1)))) {
                        bad := 1
                        break
                    }
                    length := shr(sub(256, mul(8, lengthOfLength)), mload(add(p, 1)))
                    if lt(length, 56) {
                        bad := 1
                        break
                    }
                    start := add(add(at, 1), lengthOfLength)
                }
                if gt(add(start, length), end) { bad := 1 }
                break
            }
        }
        if (bad) revert MalformedNode(node, BAD_RLP);
    }

    /// @dev The string items of the one RLP list that fills `b[from..from+len]` (the whole node
    /// when `len` is its length): at most 17, none a list, each header canonical.
    /// The items' header decoding repeats `_header`'s inline, on purpose: one Yul function
    /// shared by both cost 9,693 gas more on a 5-node proof (158,830 → 168,523 for
    /// `submitVaultBalance`), and an internal call per item more still.
    function _itemsIn(bytes memory b, uint256 from, uint256 len, uint256 node)
        private
        pure
        returns (uint256[17] memory starts, uint256[17] memory lengths, uint256 count)
    {
        uint256 end = from + len;
        (bool list, uint256 at, uint256 payload) = _header(b, from, end, node);
        if (!list || at + payload != end) revert MalformedNode(node, NOT_ONE_LIST);
        uint256 bad;
        assembly {
            let base := add(b, 32)
            for {} lt(at, end) {} {
                let p := add(base, at)
                let b0 := byte(0, mload(p))
                let s := at
                let l := 1
                if iszero(lt(b0, 0x80)) {
                    if iszero(lt(b0, 0xc0)) {
                        bad := 3 // INLINE_NODE: a list inside the node
                        break
                    }
                    let n := sub(b0, 0x80)
                    switch lt(n, 56)
                    case 1 {
                        s := add(at, 1)
                        l := n
                        // A single byte below 0x80 is its own encoding.
                        if eq(n, 1) {
                            if or(iszero(lt(s, end)), lt(byte(0, mload(add(p, 1))), 0x80)) {
                                bad := 1 // BAD_RLP
                                break
                            }
                        }
                    }
                    default {
                        let lengthOfLength := sub(n, 55)
                        if or(gt(lengthOfLength, 3), gt(add(add(at, 1), lengthOfLength), end)) {
                            bad := 1
                            break
                        }
                        if iszero(byte(0, mload(add(p, 1)))) {
                            bad := 1
                            break
                        }
                        l := shr(sub(256, mul(8, lengthOfLength)), mload(add(p, 1)))
                        if lt(l, 56) {
                            bad := 1
                            break
                        }
                        s := add(add(at, 1), lengthOfLength)
                    }
                }
                if gt(add(s, l), end) {
                    bad := 1
                    break
                }
                if eq(count, 17) {
                    bad := 4 // ITEM_COUNT
                    break
                }
                mstore(add(starts, mul(count, 32)), s)
                mstore(add(lengths, mul(count, 32)), l)
                count := add(count, 1)
                at := add(s, l)
            }
        }
        if (bad != 0) revert MalformedNode(node, uint8(bad));
    }

    function _items(bytes memory node, uint256 i)
        private
        pure
        returns (uint256[17] memory starts, uint256[17] memory lengths, uint256 count)
    {
        return _itemsIn(node, 0, node.length, i);
    }

    /// @dev A child reference: exactly 32 bytes.
    function _reference(bytes memory b, uint256 start, uint256 length, uint256 node)
        private
        pure
        returns (bytes32 r)
    {
        if (length != 32) revert MalformedNode(node, REFERENCE_NOT_32);
        assembly {
            r := mload(add(add(b, 32), start))
        }
    }

    /// @dev A hex-prefix path at `b[start..start+length]` against the key from nibble `at`:
    /// whether it is a leaf's, whether the key continues with it, and its length in nibbles
    /// (BAD_PATH for an empty path string or a bad flag byte).
    function _path(bytes memory b, uint256 start, uint256 length, bytes32 key, uint256 at)
        private
        pure
        returns (bool leaf, bool matches, uint256 pathLength)
    {
        if (length == 0) return (false, false, BAD_PATH);
        uint256 flag = _byte(b, start) >> 4;
        // Nibbles of the encoding before the path: the flag's, and a zero pad when even.
        uint256 skip = flag & 1 == 1 ? 1 : 2;
        if (flag > 3 || (skip == 2 && _byte(b, start) & 0x0f != 0)) return (false, false, BAD_PATH);
        leaf = flag >= 2;
        pathLength = length * 2 - skip;
        if (pathLength > 64 - at) return (leaf, false, pathLength);
        assembly {
            // The path's nibbles at the top of a word (an odd path starts in the flag byte's
            // low nibble, an even one at the next byte; at most 63 or 64 nibbles either way),
            // against the key's from nibble `at`, compared under a mask of the path's length.
            let p := add(add(b, 32), start)
            let path := shl(4, mload(p))
            if eq(skip, 2) { path := mload(add(p, 1)) }
            let mask := not(shr(mul(4, pathLength), not(0)))
            matches := eq(and(path, mask), and(shl(mul(4, at), key), mask))
        }
    }

    /// @dev The balance of the account RLP-encoded in the leaf value `node[start..start+length]`:
    /// `[nonce (≤ 8 bytes), balance (≤ 16 bytes), storageRoot (32), codeHash (32)]`.
    function _accountBalance(bytes memory node, uint256 start, uint256 length, uint256 i)
        private
        pure
        returns (uint256 wei_)
    {
        (uint256[17] memory starts, uint256[17] memory lengths, uint256 count) = _itemsIn(node, start, length, i);
        if (count != 4 || lengths[0] > 8 || lengths[1] > 16 || lengths[2] != 32 || lengths[3] != 32) {
            revert MalformedNode(i, BAD_ACCOUNT);
        }
        for (uint256 f = 0; f < 2; ++f) {
            if (lengths[f] > 0 && _byte(node, starts[f]) == 0) revert MalformedNode(i, BAD_ACCOUNT);
        }
        uint256 at = starts[1];
        uint256 l = lengths[1];
        assembly {
            // The big-endian integer of `l` (≤ 16) bytes; 0 for none.
            wei_ := shr(sub(256, mul(8, l)), mload(add(add(node, 32), at)))
            if iszero(l) { wei_ := 0 }
        }
    }
}
