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
            }),
        }
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

unsafe impl GlobalAlloc for Pools {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(c) = class(layout) else {
            return System.alloc(layout);
        };
        let s = &mut *self.state.get();
        let head = s.free[c];
        if !head.is_null() {
            s.free[c] = *(head as *mut *mut u8);
            return head;
        }
        let size = (c + 1) * STEP;
        if (s.end as usize) - (s.next as usize) < size {
            // The old chunk's tail (under 256 bytes) is left unused.
            let chunk = System.alloc(Layout::from_size_align_unchecked(CHUNK, STEP));
            if chunk.is_null() {
                return chunk;
            }
            s.next = chunk;
            s.end = chunk.add(CHUNK);
        }
        let block = s.next;
        s.next = block.add(size);
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(c) = class(layout) else {
            return System.dealloc(block, layout);
        };
        let s = &mut *self.state.get();
        *(block as *mut *mut u8) = s.free[c];
        s.free[c] = block;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class(layout), class(new)) {
            // Large to large: dlmalloc may grow in place.
            (None, None) => System.realloc(block, layout, new_size),
            (Some(a), Some(b)) if a == b => block,
            _ => {
                let moved = self.alloc(new);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                moved
            }
        }
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
}
