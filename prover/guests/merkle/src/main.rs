//! Merkle inclusion guest: checks that `leaf` sits at `index` in a binary SHA-256 Merkle tree.
//!
//! Input: one frame, a postcard-encoded [`InclusionClaim`].
//! Public values: a postcard-encoded [`InclusionResult`] (see `README.md` for the bytes).
//!
//! Hashing (domain-separated, RFC 6962 style):
//! - `leaf_hash = SHA-256(0x00 ‖ leaf)`;
//! - `parent = SHA-256(0x01 ‖ left ‖ right)`;
//! - at level `i` (0 = leaves), bit `i` of `index` set means the current node is the right
//!   child, so `parent = H(0x01 ‖ siblings[i] ‖ node)`; otherwise `H(0x01 ‖ node ‖ siblings[i])`.
//!
//! The guest exits 0 whether or not the leaf is included; `included` says which. It panics (exit
//! code 101) on malformed claims: more than 32 siblings, or an `index` with a bit set at or
//! above `siblings.len()` (an index that does not fit the tree's depth).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use keel_guest::io;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

keel_guest::entry!(main);

/// Deepest tree a claim may describe (the index is a `u32`).
const MAX_DEPTH: usize = 32;

/// The private input: a leaf, its position and its authentication path.
#[derive(Debug, Deserialize)]
struct InclusionClaim {
    /// The leaf's data (hashed as `SHA-256(0x00 ‖ leaf)`).
    leaf: Vec<u8>,
    /// The leaf's position; bit `i` picks the side at level `i`.
    index: u32,
    /// Sibling hashes from the leaf level up to just below the root.
    siblings: Vec<[u8; 32]>,
    /// The root the claim is checked against.
    root: [u8; 32],
}

/// The public output.
#[derive(Debug, Serialize)]
struct InclusionResult {
    /// The root computed from the leaf and the path.
    root: [u8; 32],
    /// `SHA-256(0x00 ‖ leaf)`.
    leaf_hash: [u8; 32],
    /// The claimed index, as given.
    index: u32,
    /// Whether the computed root equals the claimed root.
    included: bool,
}

fn main() {
    let claim: InclusionClaim = io::read();
    assert!(
        claim.siblings.len() <= MAX_DEPTH,
        "merkle: claim has {} siblings; at most {} are allowed",
        claim.siblings.len(),
        MAX_DEPTH
    );
    let depth = claim.siblings.len();
    assert!(
        depth == MAX_DEPTH || claim.index >> depth == 0,
        "merkle: index {} is out of range for a tree of depth {}",
        claim.index,
        depth
    );

    let leaf_hash: [u8; 32] = Sha256::new()
        .chain_update([0x00])
        .chain_update(&claim.leaf)
        .finalize()
        .into();

    let mut node = leaf_hash;
    for (level, sibling) in claim.siblings.iter().enumerate() {
        let (left, right) = if (claim.index >> level) & 1 == 1 {
            (sibling, &node)
        } else {
            (&node, sibling)
        };
        node = Sha256::new()
            .chain_update([0x01])
            .chain_update(left)
            .chain_update(right)
            .finalize()
            .into();
    }

    let result = InclusionResult {
        root: node,
        leaf_hash,
        index: claim.index,
        included: node == claim.root,
    };
    keel_guest::println!(
        "merkle: index {} depth {} included {}",
        result.index,
        depth,
        result.included
    );
    io::commit(&result);
}
