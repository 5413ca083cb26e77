//! Fibonacci guest.
//!
//! Input: one frame, a postcard-encoded `u32` `n`.
//! Public values (64 bytes, Solidity `abi.encode(uint32 n, uint32 fib)`): `n` as a 32-byte
//! big-endian word, then `fib(n)` as a 32-byte big-endian word, where `fib(0) = 0`,
//! `fib(1) = 1` and additions wrap modulo 2^32.
#![no_std]
#![no_main]

use keel_guest::io;

keel_guest::entry!(main);

fn main() {
    let n: u32 = io::read();
    let f = fib(n);
    keel_guest::println!("fib({n}) = {f}");

    let mut public = [0u8; 64];
    public[28..32].copy_from_slice(&n.to_be_bytes());
    public[60..64].copy_from_slice(&f.to_be_bytes());
    io::commit_slice(&public);
}

/// `fib(n)` with wrapping `u32` additions, iteratively.
fn fib(n: u32) -> u32 {
    let (mut a, mut b) = (0u32, 1u32);
    for _ in 0..n {
        let next = a.wrapping_add(b);
        a = b;
        b = next;
    }
    a
}
