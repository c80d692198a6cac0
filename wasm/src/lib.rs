//! span-autolink as a WebAssembly module. No rule lives here: this crate
//! moves bytes in and out of linear memory ([`instance`]), converts them
//! ([`interop`]), and exports the calls, once import-free for any host
//! ([`abi`], documented in `ABI.md`) and once through wasm-bindgen for
//! JavaScript (`js`, with the `js` feature).

pub mod abi;
#[cfg(any(target_arch = "wasm32", test))]
mod allocator;
pub mod instance;
pub mod interop;
#[cfg(feature = "js")]
mod js;
pub mod marshal;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: allocator::CallArena = allocator::CallArena::new();

/// The call arena of the module's allocator (`allocator.rs`): what a pointer
/// call allocates is taken back at once when it returns, so its input tree
/// and outcome need no walk to be freed. Elsewhere (native builds and
/// tests) the arena does not exist and values are dropped as usual.
pub(crate) mod arena {
    #[cfg(target_arch = "wasm32")]
    use super::ALLOCATOR;

    /// Runs `f` with every allocation it makes taken from a fresh arena;
    /// `f` must leave nothing allocated in it behind (results that
    /// outlive the call are made through [`outside`]).
    pub fn scope<R: Copy>(f: impl FnOnce() -> R) -> R {
        #[cfg(target_arch = "wasm32")]
        {
            ALLOCATOR.open_arena();
            let result = f();
            // Safety: `R` is `Copy`, so it holds no block; everything else
            // `f` allocated is dead or was handed to `discard`.
            unsafe { ALLOCATOR.close_arena() };
            result
        }
        #[cfg(not(target_arch = "wasm32"))]
        f()
    }

    /// Runs `f` with the arena paused: for blocks that outlive the call.
    pub fn outside<R>(f: impl FnOnce() -> R) -> R {
        #[cfg(target_arch = "wasm32")]
        return ALLOCATOR.outside_arena(f);
        #[cfg(not(target_arch = "wasm32"))]
        f()
    }

    /// Lets go of `value` without dropping it when the arena will take its
    /// blocks back; drops it otherwise.
    pub fn discard<T>(value: T) {
        #[cfg(target_arch = "wasm32")]
        if ALLOCATOR.arena_is_open() {
            core::mem::forget(value);
            return;
        }
        drop(value);
    }
}
