//! The module's allocator: the standard one (dlmalloc on wasm32), with a
//! call arena in front of it while a pointer call runs.
//!
//! Reading an input builds a tree of many small vectors and strings that
//! all die when the call returns (a 1,000-record stream event makes about
//! 5,000 of them). While a call runs, its blocks are bumped from arena
//! chunks that are all taken back when it returns (`State::answer`), so
//! the input tree and the outcome are let go without the walk that
//! dropping them takes. Blocks from before the arena opened, and those
//! made with it paused, are the standard allocator's.
//!
//! In debug builds a closed arena's chunks are filled with [`POISON`], so
//! that a block used after its call reads as garbage in every test instead
//! of as the value it held.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use std::alloc::System;

/// The alignment every arena chunk starts at.
const STEP: usize = 16;

/// What a closed arena's chunks hold in debug builds.
pub const POISON: u8 = 0xa5;

/// Where a call's allocations come from while its arena is open: bumped
/// from chunks that are all taken back at once when it closes, so a
/// call's input tree needs no walk to be freed (see `State::answer`).
struct Arena {
    open: bool,
    /// Chunks as (start, end), in the order they are used.
    chunks: [(usize, usize); ARENA_CHUNKS],
    count: usize,
    /// The chunk being bumped, and its unused rest.
    current: usize,
    next: usize,
    end: usize,
}

const ARENA_CHUNKS: usize = 40;
const ARENA_FIRST: usize = 256 * 1024;
/// Chunks beyond this much are given back when an arena closes, so that one
/// huge input does not keep its memory for good.
const ARENA_KEPT: usize = 4 * 1024 * 1024;

impl Arena {
    const fn new() -> Self {
        Arena {
            open: false,
            chunks: [(0, 0); ARENA_CHUNKS],
            count: 0,
            current: 0,
            next: 0,
            end: 0,
        }
    }

    fn contains(&self, block: *mut u8) -> bool {
        let at = block as usize;
        self.chunks[..self.count]
            .iter()
            .any(|&(start, end)| start <= at && at < end)
    }

    unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        loop {
            let at = (self.next + layout.align() - 1) & !(layout.align() - 1);
            if at <= self.end && self.end - at >= layout.size() {
                self.next = at + layout.size();
                return at as *mut u8;
            }
            if !self.advance(layout) {
                return ptr::null_mut();
            }
        }
    }

    /// Moves on to the next chunk, first making one big enough for `layout`.
    unsafe fn advance(&mut self, layout: Layout) -> bool {
        // Chunks start 16-aligned: only a wider alignment needs slack.
        let Some(need) = layout
            .size()
            .checked_add(layout.align().saturating_sub(STEP))
            .and_then(|n| n.checked_next_multiple_of(STEP))
        else {
            return false;
        };
        let following = self.current + 1;
        if self.count == 0 || following >= self.count || self.size(following) < need {
            if self.count == ARENA_CHUNKS {
                return false;
            }
            let last = if self.count == 0 {
                ARENA_FIRST / 2
            } else {
                self.size(self.count - 1)
            };
            let Some(size) = last.checked_mul(2).map(|doubled| doubled.max(need)) else {
                return false;
            };
            let start = System.alloc(Layout::from_size_align_unchecked(size, STEP));
            if start.is_null() {
                return false;
            }
            // The new chunk comes next; an unused smaller one moves behind it.
            let at = if self.count == 0 { 0 } else { following };
            self.chunks.copy_within(at..self.count, at + 1);
            self.chunks[at] = (start as usize, start as usize + size);
            self.count += 1;
            self.current = at;
        } else {
            self.current = following;
        }
        let (start, end) = self.chunks[self.current];
        self.next = start;
        self.end = end;
        true
    }

    fn size(&self, chunk: usize) -> usize {
        self.chunks[chunk].1 - self.chunks[chunk].0
    }

    unsafe fn realloc(&mut self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The newest block grows in place where its chunk has room.
        if block as usize + layout.size() == self.next && self.end - block as usize >= new_size {
            self.next = block as usize + new_size;
            return block;
        }
        let moved = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !moved.is_null() {
            ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
        }
        moved
    }

    fn open(&mut self) {
        self.open = true;
        self.current = 0;
        (self.next, self.end) = if self.count == 0 {
            (0, 0)
        } else {
            self.chunks[0]
        };
    }

    unsafe fn close(&mut self) {
        self.open = false;
        // Nothing may be bumped until the next `open`.
        (self.current, self.next, self.end) = (0, 0, 0);
        let mut kept = 0;
        let mut count = 0;
        for i in 0..self.count {
            let (start, end) = self.chunks[i];
            if cfg!(debug_assertions) {
                ptr::write_bytes(start as *mut u8, POISON, end - start);
            }
            if kept + (end - start) <= ARENA_KEPT {
                kept += end - start;
                self.chunks[count] = (start, end);
                count += 1;
            } else {
                System.dealloc(
                    start as *mut u8,
                    Layout::from_size_align_unchecked(end - start, STEP),
                );
            }
        }
        self.count = count;
    }
}

pub struct CallArena {
    arena: UnsafeCell<Arena>,
}

// wasm32 without the atomics feature runs one thread, and a global
// allocator is never entered again from inside itself.
unsafe impl Sync for CallArena {}

impl CallArena {
    pub const fn new() -> Self {
        CallArena {
            arena: UnsafeCell::new(Arena::new()),
        }
    }

    /// From now on, every new block comes from the call arena, until
    /// [`CallArena::close_arena`] takes them all back at once.
    pub fn open_arena(&self) {
        unsafe { (*self.arena.get()).open() }
    }

    /// Stops allocating from the arena and takes back all it gave: no
    /// block allocated since [`CallArena::open_arena`] may be used after
    /// this.
    ///
    /// # Safety
    /// Every value holding such a block must be gone (forgotten) by now.
    pub unsafe fn close_arena(&self) {
        (*self.arena.get()).close()
    }

    /// Runs `f` with the arena paused, for blocks that outlive the call.
    pub fn outside_arena<R>(&self, f: impl FnOnce() -> R) -> R {
        let open = unsafe { core::mem::replace(&mut (*self.arena.get()).open, false) };
        let result = f();
        unsafe { (*self.arena.get()).open = open };
        result
    }

    #[cfg(test)]
    fn arena(&self) -> &Arena {
        unsafe { &*self.arena.get() }
    }

    pub fn arena_is_open(&self) -> bool {
        unsafe { (*self.arena.get()).open }
    }
}

impl Default for CallArena {
    fn default() -> Self {
        CallArena::new()
    }
}

unsafe impl GlobalAlloc for CallArena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let a = &mut *self.arena.get();
        if a.open {
            return a.alloc(layout);
        }
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let a = &mut *self.arena.get();
        if a.contains(block) {
            // Taken back with the rest of the arena when it closes.
            return;
        }
        System.dealloc(block, layout)
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let a = &mut *self.arena.get();
        if a.contains(block) {
            if !a.open {
                // An arena block outlived its call: a bug, and the memory
                // may already hold another call's blocks.
                std::process::abort();
            }
            return a.realloc(block, layout, new_size);
        }
        // A block from before the arena opened stays out of it.
        System.realloc(block, layout, new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One `CallArena` per test, used from that test's thread only.
    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn an_arena_takes_back_what_it_gave_and_nothing_else() {
        let heap = CallArena::new();
        unsafe {
            let before = heap.alloc(layout(24, 8));
            heap.open_arena();
            assert!(heap.arena_is_open());
            // Bumped, aligned, and apart from the standard allocator's blocks.
            let a = heap.alloc(layout(3, 1));
            let b = heap.alloc(layout(40, 16));
            assert_eq!(b as usize % 16, 0);
            assert!(b as usize >= a as usize + 3);
            // The newest block grows in place; an older one moves, its bytes kept.
            assert_eq!(heap.realloc(b, layout(40, 16), 400), b);
            *a = 7;
            let a2 = heap.realloc(a, layout(3, 1), 100);
            assert_ne!(a2, a);
            assert_eq!(*a2, 7);
            // A block made with the arena paused is not the arena's.
            let outside = heap.outside_arena(|| heap.alloc(layout(24, 8)));
            assert!(!heap.arena().contains(outside));
            assert!(!heap.arena().contains(before));
            // More than a chunk, then a large block.
            for _ in 0..3 * ARENA_FIRST / 256 {
                assert!(!heap.alloc(layout(256, 8)).is_null());
            }
            let large = heap.alloc(layout(3 * ARENA_FIRST, 8));
            core::ptr::write_bytes(large, 1, 3 * ARENA_FIRST);
            heap.dealloc(b, layout(400, 16)); // a no-op
                                              // Beyond what an arena keeps.
            let huge = heap.alloc(layout(ARENA_KEPT + ARENA_FIRST, 8));
            assert!(heap.arena().contains(huge));
            let before_close = heap.arena().count;
            heap.close_arena();
            assert!(heap.arena().count < before_close);
            // The next arena starts where the first did.
            heap.open_arena();
            assert_eq!(heap.alloc(layout(3, 1)), a);
            heap.close_arena();
            // What it keeps is bounded.
            let kept: usize = (0..heap.arena().count).map(|c| heap.arena().size(c)).sum();
            assert!(kept <= ARENA_KEPT, "{kept}");
            heap.dealloc(before, layout(24, 8));
            heap.dealloc(outside, layout(24, 8));
        }
    }

    /// A block that outlives its call holds poison in debug builds, so a
    /// read of it after the call cannot pass for the value it held.
    #[test]
    #[cfg(debug_assertions)]
    fn a_block_used_after_its_call_reads_as_poison() {
        let heap = CallArena::new();
        unsafe {
            heap.open_arena();
            let block = heap.alloc(layout(64, 8));
            core::ptr::write_bytes(block, 0x11, 64);
            heap.close_arena();
            assert!((0..64).all(|i| *block.add(i) == POISON));
        }
    }
}
