//! The module's allocator: free lists of small blocks in front of the
//! standard one (dlmalloc on wasm32).
//!
//! Reading an input builds a tree of many small vectors and strings that
//! all die when the call returns; a 1,000-record stream event makes about
//! 5,000 of them. dlmalloc's general bookkeeping made that half the cost
//! of reading. A block of at most 256 bytes is taken from (and given back
//! to) the free list of its size class, a few instructions each way;
//! classes are filled from 64 KiB chunks that are never returned, so what
//! the pools hold is bounded by the most small blocks ever live at once.
//!
//! While a pointer call runs, its blocks come from the call arena instead
//! (`instance::call`): bumped from chunks that are all taken back when the
//! call returns, so the call's input tree and outcome are let go without
//! the walk that dropping them takes (9% of the module's time on the
//! stream event). Blocks from before the arena opened, and those made with
//! it paused, stay pooled.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use std::alloc::System;

/// Sizes of a class step; also the alignment every pooled block has.
const STEP: usize = 16;
const CLASSES: usize = 16;
const LARGEST: usize = STEP * CLASSES;
const CHUNK: usize = 64 * 1024;

struct State {
    /// Heads of the free lists; a free block's first word links the next.
    free: [*mut u8; CLASSES],
    /// The unused rest of the newest chunk.
    next: *mut u8,
    end: *mut u8,
    arena: Arena,
}

/// Where a call's allocations come from while its arena is open: bumped
/// from chunks that are all taken back at once when it closes, so a
/// call's input tree needs no walk to be freed (see `instance::call`).
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

pub struct Pools {
    state: UnsafeCell<State>,
}

// wasm32 without the atomics feature runs one thread, and a global
// allocator is never entered again from inside itself.
unsafe impl Sync for Pools {}

impl Pools {
    pub const fn new() -> Self {
        Pools {
            state: UnsafeCell::new(State {
                free: [ptr::null_mut(); CLASSES],
                next: ptr::null_mut(),
                end: ptr::null_mut(),
                arena: Arena::new(),
            }),
        }
    }

    /// From now on, every new block comes from the call arena, until
    /// [`Pools::close_arena`] takes them all back at once.
    pub fn open_arena(&self) {
        unsafe { (*self.state.get()).arena.open() }
    }

    /// Stops allocating from the arena and takes back all it gave: no
    /// block allocated since [`Pools::open_arena`] may be used after this.
    ///
    /// # Safety
    /// Every value holding such a block must be gone (forgotten) by now.
    pub unsafe fn close_arena(&self) {
        (*self.state.get()).arena.close()
    }

    /// Runs `f` with the arena paused, for blocks that outlive the call.
    pub fn outside_arena<R>(&self, f: impl FnOnce() -> R) -> R {
        let open = unsafe { core::mem::replace(&mut (*self.state.get()).arena.open, false) };
        let result = f();
        unsafe { (*self.state.get()).arena.open = open };
        result
    }

    #[cfg(test)]
    fn state(&self) -> &State {
        unsafe { &*self.state.get() }
    }

    pub fn arena_is_open(&self) -> bool {
        unsafe { (*self.state.get()).arena.open }
    }
}

impl Default for Pools {
    fn default() -> Self {
        Pools::new()
    }
}

/// The class of a layout the pools serve.
fn class(layout: Layout) -> Option<usize> {
    if layout.size() <= LARGEST && layout.align() <= STEP {
        Some(layout.size().saturating_sub(1) / STEP)
    } else {
        None
    }
}

impl State {
    unsafe fn pooled_alloc(&mut self, layout: Layout) -> *mut u8 {
        let Some(c) = class(layout) else {
            return System.alloc(layout);
        };
        let head = self.free[c];
        if !head.is_null() {
            self.free[c] = *(head as *mut *mut u8);
            return head;
        }
        let size = (c + 1) * STEP;
        if (self.end as usize) - (self.next as usize) < size {
            // The old chunk's tail (under 256 bytes) is left unused.
            let chunk = System.alloc(Layout::from_size_align_unchecked(CHUNK, STEP));
            if chunk.is_null() {
                return chunk;
            }
            self.next = chunk;
            self.end = chunk.add(CHUNK);
        }
        let block = self.next;
        self.next = block.add(size);
        block
    }

    unsafe fn pooled_dealloc(&mut self, block: *mut u8, layout: Layout) {
        let Some(c) = class(layout) else {
            return System.dealloc(block, layout);
        };
        *(block as *mut *mut u8) = self.free[c];
        self.free[c] = block;
    }

    unsafe fn pooled_realloc(
        &mut self,
        block: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class(layout), class(new)) {
            // Large to large: dlmalloc may grow in place.
            (None, None) => System.realloc(block, layout, new_size),
            (Some(a), Some(b)) if a == b => block,
            _ => {
                let moved = self.pooled_alloc(new);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.pooled_dealloc(block, layout);
                }
                moved
            }
        }
    }
}

unsafe impl GlobalAlloc for Pools {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.state.get();
        if s.arena.open {
            return s.arena.alloc(layout);
        }
        s.pooled_alloc(layout)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let s = &mut *self.state.get();
        if s.arena.contains(block) {
            // Taken back with the rest of the arena when it closes.
            return;
        }
        s.pooled_dealloc(block, layout)
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let s = &mut *self.state.get();
        if s.arena.contains(block) {
            if !s.arena.open {
                // An arena block outlived its call: a bug, and the memory
                // may already hold another call's blocks.
                std::process::abort();
            }
            return s.arena.realloc(block, layout, new_size);
        }
        // A block from before the arena opened stays out of it.
        s.pooled_realloc(block, layout, new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One `Pools` per test, used from that test's thread only.
    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn a_freed_block_is_the_next_one_of_its_class() {
        let pools = Pools::new();
        unsafe {
            let a = pools.alloc(layout(24, 8));
            let b = pools.alloc(layout(20, 4));
            assert_ne!(a, b);
            assert_eq!(a as usize % STEP, 0);
            pools.dealloc(a, layout(24, 8));
            // 17..=32 bytes share a class; 40 bytes do not.
            assert_ne!(pools.alloc(layout(40, 8)), a);
            assert_eq!(pools.alloc(layout(17, 1)), a);
        }
    }

    #[test]
    fn realloc_keeps_the_bytes_across_classes_and_into_large_blocks() {
        let pools = Pools::new();
        unsafe {
            let mut size = 3;
            let mut block = pools.alloc(layout(size, 1));
            for i in 0..size {
                *block.add(i) = i as u8;
            }
            for new_size in [15, 16, 17, 100, 256, 257, 5000, 64 * 1024, 9, 1] {
                block = pools.realloc(block, layout(size, 1), new_size);
                assert!(!block.is_null());
                for i in 0..size.min(new_size).min(3) {
                    assert_eq!(*block.add(i), i as u8, "after {size} -> {new_size}");
                }
                size = new_size;
            }
            pools.dealloc(block, layout(size, 1));
        }
    }

    #[test]
    fn chunks_are_carved_without_overlap() {
        let pools = Pools::new();
        let mut blocks = Vec::new();
        unsafe {
            // More than one chunk's worth of the largest class.
            for i in 0..(3 * CHUNK / LARGEST) {
                let b = pools.alloc(layout(LARGEST, 16));
                core::ptr::write_bytes(b, i as u8, LARGEST);
                blocks.push((b, i as u8));
            }
            for (b, fill) in &blocks {
                assert!((0..LARGEST).all(|k| *b.add(k) == *fill));
            }
            // Over-aligned layouts go to the system allocator.
            let wide = layout(64, 64);
            let w = pools.alloc(wide);
            assert_eq!(w as usize % 64, 0);
            pools.dealloc(w, wide);
        }
    }

    #[test]
    fn an_arena_takes_back_what_it_gave_and_nothing_else() {
        let pools = Pools::new();
        unsafe {
            let before = pools.alloc(layout(24, 8));
            pools.open_arena();
            assert!(pools.arena_is_open());
            // Bumped, aligned, and apart from pooled blocks.
            let a = pools.alloc(layout(3, 1));
            let b = pools.alloc(layout(40, 16));
            assert_eq!(b as usize % 16, 0);
            assert!(b as usize >= a as usize + 3);
            // The newest block grows in place; an older one moves, its bytes kept.
            assert_eq!(pools.realloc(b, layout(40, 16), 400), b);
            *a = 7;
            let a2 = pools.realloc(a, layout(3, 1), 100);
            assert_ne!(a2, a);
            assert_eq!(*a2, 7);
            // A block from before the arena opened stays pooled: freed, it
            // is the next pooled block of its class.
            let outside = pools.outside_arena(|| pools.alloc(layout(24, 8)));
            pools.dealloc(before, layout(24, 8));
            // More than a chunk, then a large block.
            for _ in 0..3 * ARENA_FIRST / 256 {
                assert!(!pools.alloc(layout(256, 8)).is_null());
            }
            let large = pools.alloc(layout(3 * ARENA_FIRST, 8));
            core::ptr::write_bytes(large, 1, 3 * ARENA_FIRST);
            pools.dealloc(b, layout(400, 16)); // a no-op
            assert!(!pools.state().arena.contains(outside));
            // Beyond what an arena keeps.
            let huge = pools.alloc(layout(ARENA_KEPT + ARENA_FIRST, 8));
            assert!(pools.state().arena.contains(huge));
            let before_close = pools.state().arena.count;
            pools.close_arena();
            assert!(pools.state().arena.count < before_close);
            assert_eq!(pools.alloc(layout(24, 8)), before);
            // The next arena starts where the first did.
            pools.open_arena();
            assert_eq!(pools.alloc(layout(3, 1)), a);
            pools.close_arena();
            // What it keeps is bounded.
            let kept: usize = (0..pools.state().arena.count)
                .map(|c| pools.state().arena.size(c))
                .sum();
            assert!(kept <= ARENA_KEPT, "{kept}");
        }
    }
}
