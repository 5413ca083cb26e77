//! Private input given to a guest: a queue of byte frames.

use serde::Serialize;
use std::collections::VecDeque;

/// The private input of a run: frames the guest reads in order with `io::read` /
/// `io::read_vec` (syscalls `input_len` + `input_read`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    frames: VecDeque<Vec<u8>>,
}

impl Input {
    /// No input.
    pub fn new() -> Input {
        Input::default()
    }

    /// Appends a value encoded with postcard, the encoding the guest SDK's `io::read::<T>()`
    /// decodes.
    pub fn write<T: Serialize>(&mut self, value: &T) -> Result<&mut Self, postcard::Error> {
        self.frames.push_back(postcard::to_allocvec(value)?);
        Ok(self)
    }

    /// Appends a raw frame, what the guest SDK's `io::read_vec()` returns.
    pub fn write_bytes(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.frames.push_back(bytes.into());
        self
    }

    /// Number of frames not yet read.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when no frame is left.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    pub(crate) fn front(&self) -> Option<&Vec<u8>> {
        self.frames.front()
    }

    pub(crate) fn pop(&mut self) -> Option<Vec<u8>> {
        self.frames.pop_front()
    }
}
