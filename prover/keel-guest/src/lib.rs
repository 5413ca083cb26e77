//! Guest SDK for the keel RV32IM zkVM.
//!
//! A guest is a `#![no_std]`, `#![no_main]` binary for `riscv32im-unknown-none-elf` that names
//! its entry function with [`entry!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! use keel_guest::io;
//!
//! keel_guest::entry!(main);
//!
//! fn main() {
//!     let n: u32 = io::read();            // next private input frame, postcard-decoded
//!     keel_guest::println!("n = {n}");     // debug output (not public)
//!     io::commit(&(n * 2));               // public values, postcard-encoded
//! }
//! ```
//!
//! The SDK provides everything else a bare-metal guest needs:
//!
//! - `_start` (first in `.text`): sets up `gp` and `sp`, calls the function named by
//!   [`entry!`], then [`exit`]s with code 0 when it returns;
//! - [`io`]: private input frames ([`io::read`], [`io::read_vec`], [`io::try_read_vec`]) and
//!   public values ([`io::commit`], [`io::commit_slice`]);
//! - [`exit`]: halts with the SHA-256 digest of all committed bytes;
//! - [`print!`], [`println!`], [`eprint!`], [`eprintln!`]: debug output to the host's stdout and
//!   stderr;
//! - a bump allocator over the linker script's heap, so `alloc` (`Vec`, `String`, …) works;
//! - a panic handler that prints `guest panicked: {info}` to stderr and exits with code 101;
//! - the linker script `keel.x` (put on the linker search path by this crate's build script;
//!   guests link with `-C link-arg=-Tkeel.x`).
//!
//! The syscall ABI is defined in `prover/keel-isa/src/abi.rs`. Guests also run under
//! `qemu-riscv32`: there, keel's own syscalls return `-ENOSYS`, which the SDK treats as an empty
//! input queue, ignores for commits, and follows with a Linux `exit` after `halt`.
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

extern crate alloc;

mod heap;
pub mod io;
mod syscall;

/// Ends the guest with `code`, binding the public values.
///
/// Issues keel's `halt(code, digest)` syscall, where `digest` is the SHA-256 of every byte
/// committed so far (of the empty string if nothing was). keel never returns from `halt`; under
/// qemu-user, which does not know it, the SDK follows with a Linux `exit(code)`.
pub fn exit(code: u32) -> ! {
    let digest = io::committed_digest();
    syscall::halt(code, &digest)
}

/// Declares the guest's entry function.
///
/// `entry!(path::to::main)` defines the symbol `_start` calls (`__keel_main`), which calls
/// `main`, a `fn()`. When `main` returns, the guest [`exit`]s with code 0. Use it exactly once,
/// in the guest binary (a missing `entry!` shows up as a link error about `__keel_main`).
#[macro_export]
macro_rules! entry {
    ($path:path) => {
        // The entry function must be a plain `fn()`.
        const _: fn() = $path;

        #[doc(hidden)]
        #[unsafe(no_mangle)]
        extern "C" fn __keel_main() {
            $path()
        }
    };
}

/// Prints to the host's stdout (fd 1) without a newline. Debug output only: it is not part of
/// the public values.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::io::_print(::core::format_args!($($arg)*))
    };
}

/// Prints to the host's stdout (fd 1), followed by a newline. Debug output only: it is not
/// part of the public values.
#[macro_export]
macro_rules! println {
    () => {
        $crate::io::_print(::core::format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::io::_print(::core::format_args!("{}\n", ::core::format_args!($($arg)*)))
    };
}

/// Prints to the host's stderr (fd 2) without a newline. Debug output only.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::io::_eprint(::core::format_args!($($arg)*))
    };
}

/// Prints to the host's stderr (fd 2), followed by a newline. Debug output only.
#[macro_export]
macro_rules! eprintln {
    () => {
        $crate::io::_eprint(::core::format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::io::_eprint(::core::format_args!("{}\n", ::core::format_args!($($arg)*)))
    };
}

// The entry point. `gp` must be loaded without linker relaxation (otherwise lld would rewrite
// the `la` into a gp-relative access to itself). `__stack_top`, `__global_pointer$` come from
// keel.x; `__keel_main` from `entry!`. `.bss`, the stack and the heap are NOLOAD sections, which
// the loader maps zero-filled, so nothing needs clearing here.
#[cfg(target_arch = "riscv32")]
core::arch::global_asm!(
    ".section .text._start, \"ax\"",
    ".globl _start",
    ".type _start, @function",
    "_start:",
    ".option push",
    ".option norelax",
    "    la gp, __global_pointer$",
    ".option pop",
    "    la sp, __stack_top",
    "    call __keel_main",
    "    li a0, 0",
    "    call {exit}",
    "1:  j 1b",
    ".size _start, . - _start",
    exit = sym exit_from_start,
);

/// Called by `_start` when the guest's `main` returns.
#[cfg(target_arch = "riscv32")]
extern "C" fn exit_from_start(code: u32) -> ! {
    exit(code)
}

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut w = io::FdWriter::new(syscall::FD_STDERR);
    let _ = writeln!(w, "guest panicked: {info}");
    w.flush();
    exit(syscall::PANIC_EXIT_CODE)
}

#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: heap::BumpAlloc = heap::BumpAlloc::new();
