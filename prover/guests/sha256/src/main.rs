//! SHA-256 guest.
//!
//! Input: one frame, the raw bytes to hash (any length, including empty).
//! Public values (32 bytes): SHA-256 of the frame.
#![no_std]
#![no_main]

use keel_guest::io;
use sha2::{Digest, Sha256};

keel_guest::entry!(main);

fn main() {
    let data = io::read_vec();
    let digest = Sha256::digest(&data);
    io::commit_slice(&digest);
}
