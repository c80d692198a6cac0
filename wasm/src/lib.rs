//! span-autolink as a WebAssembly module. No rule lives here: this crate
//! moves bytes in and out of linear memory ([`instance`]), converts them
//! ([`interop`]), and exports the calls, once import-free for any host
//! ([`abi`], documented in `ABI.md`) and once through wasm-bindgen for
//! JavaScript (`js`, with the `js` feature).

pub mod abi;
pub mod instance;
pub mod interop;
#[cfg(feature = "js")]
mod js;
pub mod marshal;
#[cfg(any(target_arch = "wasm32", test))]
mod pools;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: pools::Pools = pools::Pools::new();
