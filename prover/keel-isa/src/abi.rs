//! keel's guest ABI: the one place where syscall numbers and the memory map are defined.
//!
//! A guest asks the host for a service with `ecall`: the syscall number goes in `a7` (x17),
//! arguments in `a0..a5` (x10..x15), and the result comes back in `a0`.
//!
//! Numbers that Linux also has use Linux's RISC-V numbering, so that a plain guest (one that only
//! writes and exits) runs unchanged under `qemu-riscv32`:
//!
//! | number | name | arguments | effect |
//! |---|---|---|---|
//! | 64 | [`SYS_WRITE`] | `a0` = fd (1 or 2), `a1` = ptr, `a2` = len | host-side stdout/stderr; returns `len`. Debug output, not public. |
//! | 93 | [`SYS_EXIT`] | `a0` = exit code | ends execution. Allowed only when nothing was committed: the public-values digest is then SHA-256 of the empty string. |
//!
//! keel's own services live in the reserved range starting at [`KEEL_SYSCALL_BASE`] (`"KE"` in
//! ASCII). Under qemu they return `-ENOSYS`, which the SDK treats as "no input" and as a cue to
//! fall back to `exit`:
//!
//! | number | name | arguments | effect |
//! |---|---|---|---|
//! | `0x4B45_0000` | [`SYS_INPUT_LEN`] | — | `a0` := byte length of the next private input frame, or [`NO_MORE_INPUT`] |
//! | `0x4B45_0001` | [`SYS_INPUT_READ`] | `a0` = ptr, `a1` = len | copies the next frame (`len` must equal its length) to `ptr` (word-aligned unless `len` = 0) and consumes it |
//! | `0x4B45_0002` | [`SYS_COMMIT`] | `a0` = ptr, `a1` = len | appends `len` bytes to the public values |
//! | `0x4B45_0003` | [`SYS_HALT`] | `a0` = exit code, `a1` = word-aligned ptr to 32 bytes | ends execution; the 32 bytes are the SHA-256 digest of all committed bytes, computed by the guest |
//!
//! Private input is a queue of byte frames supplied by the host (one per `--input` on the CLI).
//! Public values are the concatenation of all committed bytes; on chain they bind through
//! `sha256(publicValues) & (2^253 - 1)`.

/// Linux `write(fd, ptr, len)`: debug output to the host's stdout (fd 1) or stderr (fd 2).
pub const SYS_WRITE: u32 = 64;
/// Linux `exit(code)`: ends execution with no committed public values.
pub const SYS_EXIT: u32 = 93;
/// First number of keel's reserved syscall range (`"KE"` followed by a 16-bit index).
pub const KEEL_SYSCALL_BASE: u32 = 0x4B45_0000;
/// `input_len() -> len`: length of the next private input frame, or [`NO_MORE_INPUT`].
pub const SYS_INPUT_LEN: u32 = KEEL_SYSCALL_BASE;
/// `input_read(ptr, len)`: copy the next frame (exactly `len` bytes) to guest memory and consume it.
pub const SYS_INPUT_READ: u32 = KEEL_SYSCALL_BASE + 1;
/// `commit(ptr, len)`: append bytes to the public values.
pub const SYS_COMMIT: u32 = KEEL_SYSCALL_BASE + 2;
/// `halt(exit_code, digest_ptr)`: end execution, binding the SHA-256 digest of the public values.
pub const SYS_HALT: u32 = KEEL_SYSCALL_BASE + 3;

/// Value of `a0` after [`SYS_INPUT_LEN`] when the input queue is empty.
pub const NO_MORE_INPUT: u32 = u32::MAX;

/// File descriptor for guest stdout.
pub const FD_STDOUT: u32 = 1;
/// File descriptor for guest stderr.
pub const FD_STDERR: u32 = 2;

/// Exit code the guest SDK uses when the guest panics.
pub const PANIC_EXIT_CODE: u32 = 101;

/// Address where the SDK's linker script places `.text` (the first loadable byte).
///
/// Page 0 and everything below this address stay unmapped, so null-pointer accesses fault.
pub const TEXT_START: u32 = 0x0001_0000;

/// Size of a memory page: the granularity of the executor's sparse memory and of segment mapping.
pub const PAGE_SIZE: u32 = 4096;

/// Registers by ABI name, as indices into the register file.
pub mod reg {
    /// Hard-wired zero.
    pub const ZERO: usize = 0;
    /// Return address.
    pub const RA: usize = 1;
    /// Stack pointer.
    pub const SP: usize = 2;
    /// First argument / return value.
    pub const A0: usize = 10;
    /// Second argument.
    pub const A1: usize = 11;
    /// Third argument.
    pub const A2: usize = 12;
    /// Syscall number.
    pub const A7: usize = 17;
}

/// Name of a syscall number, for error messages and traces.
pub fn syscall_name(number: u32) -> Option<&'static str> {
    Some(match number {
        SYS_WRITE => "write",
        SYS_EXIT => "exit",
        SYS_INPUT_LEN => "input_len",
        SYS_INPUT_READ => "input_read",
        SYS_COMMIT => "commit",
        SYS_HALT => "halt",
        _ => return None,
    })
}
