//! The guest's global allocator: a bump allocator over `__heap_start..__heap_end` (from `keel.x`).
//!
//! Memory is never reused: `dealloc` is a no-op, so every byte above the bump pointer has never
//! been handed out. Because the loader maps the `.heap` section zero-filled (NOLOAD, i.e.
//! `memsz > filesz`), that memory is still zero, which lets `alloc_zeroed` skip the memset. The
//! last allocation can grow in place (common for a `Vec` being pushed to); shrinking never moves
//! the bump pointer back, which keeps the "untouched above the pointer" invariant.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

extern "C" {
    static __heap_start: u8;
    static __heap_end: u8;
}

/// Bump-allocator state: the next free address and the most recent allocation.
struct State {
    /// Next free address; 0 until the first allocation.
    next: usize,
    /// Start address of the most recent allocation (0 if none), which may grow in place.
    last: usize,
}

/// A bump allocator for a single-threaded guest.
pub(crate) struct BumpAlloc {
    state: UnsafeCell<State>,
}

// SAFETY: a keel guest is single-threaded and has no interrupts or signal handlers, so the
// `UnsafeCell` is never accessed concurrently.
unsafe impl Sync for BumpAlloc {}

impl BumpAlloc {
    /// An allocator that has handed out nothing yet.
    pub(crate) const fn new() -> Self {
        BumpAlloc {
            state: UnsafeCell::new(State { next: 0, last: 0 }),
        }
    }

    /// The allocator state, initialising the bump pointer on first use.
    ///
    /// # Safety
    /// The caller must not hold another reference obtained from this function (the guest is
    /// single-threaded and allocator methods do not call each other re-entrantly).
    #[allow(clippy::mut_from_ref)]
    unsafe fn state(&self) -> &mut State {
        // SAFETY: by this function's contract there is no other live reference into the cell.
        let state = unsafe { &mut *self.state.get() };
        if state.next == 0 {
            state.next = heap_start();
        }
        state
    }
}

fn heap_start() -> usize {
    // Taking the address of an extern static is safe; the symbol is never read.
    ptr::addr_of!(__heap_start) as usize
}

fn heap_end() -> usize {
    // Taking the address of an extern static is safe; the symbol is never read.
    ptr::addr_of!(__heap_end) as usize
}

/// Bumps `state` for `layout`; the new block's address, or `None` when the heap is exhausted.
fn bump(state: &mut State, layout: Layout) -> Option<usize> {
    // `layout.align()` is a power of two, so this rounds `next` up to it.
    let start = state.next.checked_add(layout.align() - 1)? & !(layout.align() - 1);
    let end = start.checked_add(layout.size())?;
    if end > heap_end() {
        return None;
    }
    state.next = end;
    state.last = start;
    Some(start)
}

// SAFETY: `alloc` returns either null or a block of at least `layout.size()` bytes aligned to
// `layout.align()` inside `__heap_start..__heap_end`, which no other block overlaps (the bump
// pointer only moves forward, and in-place growth only extends the most recent block into
// never-allocated memory). Blocks are never freed, so they stay valid for as long as the caller
// may use them.
unsafe impl GlobalAlloc for BumpAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: no other reference to the state is live (single-threaded, not re-entrant).
        let state = unsafe { self.state() };
        match bump(state, layout) {
            Some(addr) => addr as *mut u8,
            None => ptr::null_mut(),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // Everything at or above the bump pointer has never been handed out, so it still holds
        // the zeros the loader mapped there; a fresh block is therefore already zeroed.
        // SAFETY: as in `alloc`; the caller upholds `alloc_zeroed`'s contract.
        unsafe { self.alloc(layout) }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {
        // Bump allocator: memory is never reused.
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: no other reference to the state is live (single-threaded, not re-entrant).
        let state = unsafe { self.state() };
        let addr = ptr as usize;
        if new_size <= layout.size() {
            // Shrinking (or same size): keep the block where it is. The pointer is not moved
            // back, so the freed tail is simply never reused.
            return ptr;
        }
        if addr == state.last {
            // The most recent block: grow it in place if the heap has room. The bytes it grows
            // into lie above the bump pointer, so they have never been handed out.
            if let Some(end) = addr.checked_add(new_size) {
                if end <= heap_end() {
                    // Never move the pointer back (the block may have been shrunk earlier and
                    // its old tail written to), so memory above it stays untouched.
                    state.next = state.next.max(end);
                    return ptr;
                }
            }
            return ptr::null_mut();
        }
        // Otherwise allocate a new block and copy. `new_size` with the old alignment is a valid
        // layout by `realloc`'s contract (it does not overflow `isize` when rounded up).
        // SAFETY: `realloc`'s caller guarantees this layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match bump(state, new_layout) {
            Some(new) => {
                // SAFETY: `ptr` is valid for `layout.size()` bytes (realloc's contract), the new
                // block is valid for `new_size > layout.size()` bytes, and the two do not
                // overlap because the new block lies above the bump pointer.
                unsafe { ptr::copy_nonoverlapping(ptr, new as *mut u8, layout.size()) };
                new as *mut u8
            }
            None => ptr::null_mut(),
        }
    }
}
