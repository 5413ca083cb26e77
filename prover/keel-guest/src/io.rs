//! Private input, public values and debug output.
//!
//! **Private input** is a queue of byte frames supplied by the host (one per `--input` on the
//! CLI). [`read_vec`] takes the next frame as raw bytes; [`read`] takes it and decodes it with
//! [`postcard`]. Frames are consumed in order, one per call.
//!
//! **Public values** are the concatenation of every byte committed with [`commit_slice`] (raw)
//! or [`commit`] (postcard-encoded). The SDK keeps a running SHA-256 of them, which
//! [`crate::exit`] hands to the host when the guest halts.

use alloc::vec;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::syscall;

/// Reads the next private input frame and decodes it with `postcard`.
///
/// The frame must hold exactly one postcard-encoded `T` (as produced on the host by
/// `postcard::to_allocvec(&value)`); trailing bytes are rejected.
///
/// # Panics
/// If there are no more input frames (`"keel: no more private input frames"`), if the frame
/// does not decode as a `T`, or if bytes are left over after decoding.
#[must_use]
#[track_caller]
pub fn read<T: DeserializeOwned>() -> T {
    let frame = read_vec();
    match postcard::take_from_bytes::<T>(&frame) {
        Ok((value, [])) => value,
        Ok((_, rest)) => panic!(
            "keel: private input frame has {} trailing bytes after a {}",
            rest.len(),
            core::any::type_name::<T>()
        ),
        Err(err) => panic!(
            "keel: cannot decode private input frame ({} bytes) as {}: {}",
            frame.len(),
            core::any::type_name::<T>(),
            err
        ),
    }
}

/// Reads the next private input frame as raw bytes.
///
/// # Panics
/// If there are no more input frames (`"keel: no more private input frames"`).
#[must_use]
#[track_caller]
pub fn read_vec() -> Vec<u8> {
    match try_read_vec() {
        Some(frame) => frame,
        None => panic!("keel: no more private input frames"),
    }
}

/// Reads the next private input frame as raw bytes, or returns `None` if the queue is empty.
///
/// Under qemu-user, which does not implement keel's syscalls, the queue is always empty.
#[must_use]
pub fn try_read_vec() -> Option<Vec<u8>> {
    let len = syscall::input_len()?;
    // The host writes input by words, so the destination must be word-aligned: read into an
    // aligned window of a slightly larger buffer, then drop the bytes before it. (The heap
    // allocator hands out zeroed memory for free, so this costs no memset.)
    let mut frame = vec![0u8; len + 3];
    let start = frame.as_ptr().align_offset(4).min(3);
    syscall::input_read(&mut frame[start..start + len]);
    frame.drain(..start);
    frame.truncate(len);
    Some(frame)
}

/// Commits `value`, postcard-encoded, to the public values.
///
/// The bytes appended are exactly `postcard::to_allocvec(value)`.
///
/// # Panics
/// If `value` cannot be serialized (for example a map with a non-serializable key).
#[track_caller]
pub fn commit<T: Serialize + ?Sized>(value: &T) {
    match postcard::to_allocvec(value) {
        Ok(bytes) => commit_slice(&bytes),
        Err(err) => panic!("keel: cannot serialize committed value: {}", err),
    }
}

/// Appends `bytes`, unchanged, to the public values.
pub fn commit_slice(bytes: &[u8]) {
    COMMITTED.update(bytes);
    syscall::commit(bytes);
}

/// Running SHA-256 of every committed byte.
struct Committed(UnsafeCell<Option<Sha256>>);

// SAFETY: a keel guest is single-threaded and has no interrupts or signal handlers, so the cell
// is never accessed concurrently.
unsafe impl Sync for Committed {}

static COMMITTED: Committed = Committed(UnsafeCell::new(None));

impl Committed {
    fn update(&self, bytes: &[u8]) {
        // SAFETY: single-threaded, and the reference does not escape this function, whose body
        // neither panics (hashing cannot fail) nor calls back into `Committed`; so it is the only
        // reference into the cell while it lives.
        let hasher = unsafe { &mut *self.0.get() };
        hasher.get_or_insert_with(Sha256::new).update(bytes);
    }

    /// The digest of everything committed so far (SHA-256 of the empty string if nothing was).
    fn digest(&self) -> [u8; 32] {
        // SAFETY: as in `update`: the only reference into the cell while it lives. Only a clone
        // of the hasher is finalized, so later commits (there should be none) still hash
        // correctly.
        let hasher = unsafe { &*self.0.get() };
        hasher.clone().unwrap_or_default().finalize().into()
    }
}

/// SHA-256 of all bytes committed so far: the value [`crate::exit`] passes to the host.
#[must_use]
pub fn committed_digest() -> [u8; 32] {
    COMMITTED.digest()
}

/// A `fmt::Write` adapter that buffers on the stack and flushes with `write(fd, ..)`.
pub(crate) struct FdWriter {
    fd: u32,
    len: usize,
    buf: [u8; 256],
}

impl FdWriter {
    pub(crate) const fn new(fd: u32) -> Self {
        FdWriter {
            fd,
            len: 0,
            buf: [0; 256],
        }
    }

    pub(crate) fn flush(&mut self) {
        syscall::write(self.fd, &self.buf[..self.len]);
        self.len = 0;
    }
}

impl fmt::Write for FdWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        if bytes.len() > self.buf.len() - self.len {
            self.flush();
        }
        if bytes.len() >= self.buf.len() {
            syscall::write(self.fd, bytes);
        } else {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
        Ok(())
    }
}

fn write_fmt_to(fd: u32, args: fmt::Arguments<'_>) {
    let mut w = FdWriter::new(fd);
    let _ = fmt::Write::write_fmt(&mut w, args);
    w.flush();
}

/// Implementation detail of [`print!`](crate::print) and [`println!`](crate::println).
#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    write_fmt_to(syscall::FD_STDOUT, args);
}

/// Implementation detail of [`eprint!`](crate::eprint) and [`eprintln!`](crate::eprintln).
#[doc(hidden)]
pub fn _eprint(args: fmt::Arguments<'_>) {
    write_fmt_to(syscall::FD_STDERR, args);
}
