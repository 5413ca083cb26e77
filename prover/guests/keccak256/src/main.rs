//! Keccak-256 guest.
//!
//! Input: one frame, the raw bytes to hash (any length, including empty).
//! Public values (32 bytes): Ethereum's Keccak-256 of the frame (original Keccak padding, not
//! NIST SHA3-256).
#![no_std]
#![no_main]

use keel_guest::io;
use sha3::{Digest, Keccak256};

keel_guest::entry!(main);

fn main() {
    let data = io::read_vec();
    let digest = Keccak256::digest(&data);
    io::commit_slice(&digest);
}
