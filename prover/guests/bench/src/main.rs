//! Benchmark guest: a long, mixed workload that runs the same under keel and `qemu-riscv32`.
//!
//! Each round hashes a 1 KiB buffer with SHA-256 and then rewrites the buffer with a xorshift
//! generator mixed with multiplies, divides and remainders, so the instruction mix covers the
//! ALU, the M extension, loads/stores and branches. The default of 2,000 rounds runs about
//! 140M instructions.
//!
//! Input (optional, so that the guest also runs under qemu, where there is none): one frame of
//! 4 bytes, the round count as a little-endian `u32`.
//! Public values: the final 32-byte digest. Stdout: `bench: <rounds> rounds, digest <hex>`.
#![no_std]
#![no_main]

use keel_guest::{io, println};
use sha2::{Digest, Sha256};

keel_guest::entry!(main);

const DEFAULT_ROUNDS: u32 = 2_000;

fn main() {
    let rounds = match io::try_read_vec() {
        Some(frame) => {
            let bytes: [u8; 4] = frame.as_slice().try_into().expect("round count: 4 bytes LE");
            u32::from_le_bytes(bytes)
        }
        None => DEFAULT_ROUNDS,
    };
    let mut buffer = [0u8; 1024];
    let mut state: u32 = 0x9e37_79b9;
    let mut digest = [0u8; 32];
    for round in 0..rounds {
        digest = Sha256::digest(buffer).into();
        for (i, chunk) in buffer.chunks_exact_mut(4).enumerate() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let seed = u32::from_le_bytes([digest[i % 32], digest[(i + 1) % 32], 0, 0]);
            let mixed = state.wrapping_mul(seed | 1) ^ (state / (seed | 1)) ^ (round % (seed | 3));
            chunk.copy_from_slice(&mixed.to_le_bytes());
        }
    }
    io::commit_slice(&digest);
    println!("bench: {rounds} rounds, digest {}", Hex(&digest));
}

struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
