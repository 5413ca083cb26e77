//! Raw `ecall` wrappers for keel's guest ABI.
//!
//! The numbers are those of `prover/keel-isa/src/abi.rs`, included below. Convention: number in
//! `a7`, arguments in `a0..a5`, result in `a0`.
//!
//! Pointers and lengths are passed as `u32`: on the guest's 32-bit target `usize` and pointers
//! are 32 bits wide, so the `as u32` casts below are lossless.
#![allow(clippy::cast_possible_truncation)]

// The ABI's numbers come from keel-isa's `abi.rs` itself, compiled into this crate as a module
// (`keel-isa` as a whole needs `std`), so host and guest share one definition.
#[allow(dead_code)]
#[path = "../../keel-isa/src/abi.rs"]
mod abi;

pub(crate) use abi::{
    FD_STDERR, FD_STDOUT, NO_MORE_INPUT, PANIC_EXIT_CODE, SYS_COMMIT, SYS_EXIT, SYS_HALT,
    SYS_INPUT_LEN, SYS_INPUT_READ, SYS_WRITE,
};

/// `-ENOSYS` as returned by qemu-user for the keel syscalls it does not know.
pub(crate) const ENOSYS: u32 = 38u32.wrapping_neg();

/// `ecall` with two arguments (`a2` is passed as 0 and ignored by the two-argument syscalls).
#[inline(always)]
fn ecall2(number: u32, a0: u32, a1: u32) -> u32 {
    ecall3(number, a0, a1, 0)
}

#[cfg(target_arch = "riscv32")]
#[inline(always)]
fn ecall3(number: u32, a0: u32, a1: u32, a2: u32) -> u32 {
    let ret: u32;
    // SAFETY: `ecall` transfers control to the host (keel's executor or qemu-user), which only
    // reads/writes the registers named here and, for the memory-touching syscalls, the buffer the
    // caller passed (the callers in this module guarantee those buffers are valid). The asm does
    // not touch the stack. No `nomem`/`readonly` option is given, so the compiler assumes memory
    // may be read and written, which is exactly what `input_read` does.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") a0 => ret,
            in("a1") a1,
            in("a2") a2,
            in("a7") number,
            options(nostack),
        );
    }
    ret
}

// Off-target stand-ins, so that the crate type-checks (docs, clippy) on the host. They are never
// executed: a keel guest only runs on riscv32.
#[cfg(not(target_arch = "riscv32"))]
fn ecall3(_number: u32, _a0: u32, _a1: u32, _a2: u32) -> u32 {
    ENOSYS
}

/// `write(fd, buf)`; the result is ignored (debug output is best-effort).
#[inline]
pub(crate) fn write(fd: u32, buf: &[u8]) {
    if !buf.is_empty() {
        ecall3(SYS_WRITE, fd, buf.as_ptr() as u32, buf.len() as u32);
    }
}

/// Length of the next private input frame, or `None` if the queue is empty (or the host is
/// qemu-user, which answers `-ENOSYS`).
#[inline]
pub(crate) fn input_len() -> Option<usize> {
    match ecall2(SYS_INPUT_LEN, 0, 0) {
        NO_MORE_INPUT | ENOSYS => None,
        len => Some(len as usize),
    }
}

/// Copies the next private input frame into `buf` and consumes it.
///
/// `buf.len()` must equal the value [`input_len`] just returned; the host rejects any other
/// length.
#[inline]
pub(crate) fn input_read(buf: &mut [u8]) {
    // An empty frame must still be consumed, but an empty slice's pointer is dangling (for
    // `u8`, address 1, in the unmapped page 0), and a host may check the page of the destination
    // address even for zero bytes. Point at a valid byte instead.
    let mut empty = 0u8;
    let ptr = if buf.is_empty() {
        &raw mut empty
    } else {
        buf.as_mut_ptr()
    };
    ecall2(SYS_INPUT_READ, ptr as u32, buf.len() as u32);
}

/// Appends `bytes` to the public values (a no-op under qemu-user).
#[inline]
pub(crate) fn commit(bytes: &[u8]) {
    if !bytes.is_empty() {
        ecall2(SYS_COMMIT, bytes.as_ptr() as u32, bytes.len() as u32);
    }
}

/// `halt(code, digest)`, then `exit(code)`.
///
/// keel never returns from `halt`; qemu-user returns `-ENOSYS`, and then the `exit` ends the
/// process with the same code.
pub(crate) fn halt(code: u32, digest: &[u8; 32]) -> ! {
    /// keel reads the digest by words: it must be word-aligned.
    #[repr(C, align(4))]
    struct Aligned([u8; 32]);
    let aligned = Aligned(*digest);
    ecall2(SYS_HALT, code, aligned.0.as_ptr() as u32);
    exit_raw(code)
}

/// Linux `exit(code)`.
#[cfg(target_arch = "riscv32")]
fn exit_raw(code: u32) -> ! {
    // SAFETY: `exit` ends execution and never returns (`noreturn`); it reads only `a0`/`a7` and
    // touches no memory the compiler knows about.
    unsafe {
        core::arch::asm!(
            "ecall",
            in("a0") code,
            in("a7") SYS_EXIT,
            options(noreturn, nostack),
        );
    }
}

#[cfg(not(target_arch = "riscv32"))]
fn exit_raw(code: u32) -> ! {
    let _ = (SYS_EXIT, code);
    #[allow(clippy::empty_loop)]
    loop {}
}
