//! span-autolink's rules as a CPython extension, `span_autolink._native`.
//!
//! No rule lives here, and no conversion either: an [`Instance`] takes the
//! same bytes as the WebAssembly module's exports (`wasm/ABI.md`) and
//! answers the same bytes, through the same `interop` functions the module
//! runs. The Python package calls it as it calls a module instance
//! (`_capi.CInstance`), where it was built for the machine, and falls back
//! to the WebAssembly module anywhere else. What it saves is the engine
//! between Python and the rules: ctypes, wasmtime's entry and exit, and
//! code compiled from WebAssembly instead of for the machine.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use span_autolink::limits::MAX_INPUT_BYTES;
use span_autolink_wasm::abi::ABI_VERSION;
use span_autolink_wasm::instance::{panic_message, Call, State};
use span_autolink_wasm::interop;
use std::panic::{catch_unwind, AssertUnwindSafe};

pyo3::import_exception!(span_autolink._host, Trap);

/// The extension's own allocator. With the C library's, a call that takes
/// much memory (a large event's values) gives it back to the system as it
/// returns, and the next such call pays the page faults again; how often
/// depends on the process's earlier allocations. mimalloc keeps what calls
/// freed for the next, and serves only this library's allocations: the
/// interpreter's and the application's memory is left as it was.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One instance: what a module instance keeps between calls (`State`:
/// the configuration, the key names DynamoDB calls showed, the output
/// buffer), and the input `write` holds for `call`. Its methods
/// hold the GIL from start to end and call no Python code, so one
/// instance serves every thread of the process, one call at a time, as
/// the one keyed module instance does (`_runtime.py`), with no pool and
/// no lock of its own.
#[pyclass(module = "span_autolink._native")]
struct Instance {
    /// The configuration's text (`b""`: none) `serve` last configured.
    configured: Vec<u8>,
    state: State,
    input: Vec<u8>,
    /// Set by the tests: the next call panics, as `sa_test_trap` traps.
    #[pyo3(get, set)]
    trap_next: bool,
}

impl Instance {
    fn fresh() -> Self {
        Instance {
            configured: Vec::new(),
            state: State::default(),
            input: Vec::new(),
            trap_next: false,
        }
    }

    /// Runs `f`; a panic raises `Trap` instead of unwinding into the
    /// interpreter, and leaves the instance as new, as a trap discards a
    /// module instance and the next call gets a fresh one.
    fn guarded<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> PyResult<R> {
        let trap = std::mem::take(&mut self.trap_next);
        match catch_unwind(AssertUnwindSafe(|| {
            if trap {
                panic!("sa_test_trap");
            }
            f(self)
        })) {
            Ok(result) => Ok(result),
            Err(panic) => {
                *self = Self::fresh();
                let message = panic_message(panic.as_ref());
                Err(Trap::new_err(format!("span-autolink panicked: {message}")))
            }
        }
    }
}

#[pymethods]
impl Instance {
    #[new]
    fn new() -> Self {
        Self::fresh()
    }

    /// A pointer call's output: the export `name` on `data`, after
    /// configuring the instance with `config` when it holds another. What
    /// `Runtime.serve` is for a module's instances, in one call.
    #[pyo3(signature = (name, data, config = None, keyed = false))]
    fn serve<'py>(
        &mut self,
        py: Python<'py>,
        name: &str,
        data: &[u8],
        config: Option<&[u8]>,
        keyed: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        // Every call sees the registry: `keyed` routes calls to it where
        // instances are many.
        let _ = keyed;
        if let Some(config) = config {
            if config != self.configured.as_slice() {
                self.roundtrip(py, "sa_configure", config)?;
                self.configured = config.to_vec();
            }
        }
        self.roundtrip(py, name, data)
    }

    /// The export `name` on `data`; its output.
    fn roundtrip<'py>(
        &mut self,
        py: Python<'py>,
        name: &str,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let call = match name {
            "sa_pointers_for_response" => Call::Response,
            "sa_pointers_for_event" => Call::Event,
            "sa_configure" => Call::Configure,
            "sa_settings" => Call::Settings,
            "sa_setting_variables" => Call::SettingVariables,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "the extension has no call {name}"
                )))
            }
        };
        let data = readable(data);
        self.guarded(|i| PyBytes::new(py, i.state.answer(call, data)))
    }

    /// Holds a call's input for `call`; its length.
    fn write(&mut self, data: &[u8]) -> usize {
        self.input.clear();
        self.input.extend_from_slice(readable(data));
        data.len()
    }

    /// The export `name` on the first `arg` bytes `write` held (with
    /// `rate` for `sa_keep_for_sampling`); its number.
    #[pyo3(signature = (name, arg = 0, rate = 0.0))]
    fn call(&mut self, name: &str, arg: usize, rate: f64) -> PyResult<u32> {
        self.guarded(|i| {
            let input = i.input.get(..arg).unwrap_or_default();
            Ok(match name {
                "sa_abi_version" => ABI_VERSION,
                "sa_operation" => interop::operation(input),
                "sa_keep_for_sampling" => u32::from(interop::keep_for_sampling(input, rate)),
                "sa_forget_tables" => {
                    i.state.forget_tables();
                    0
                }
                "sa_test_trap" => panic!("sa_test_trap"),
                _ => {
                    return Err(PyValueError::new_err(format!(
                        "the extension has no call {name}"
                    )))
                }
            })
        })?
    }

    /// A module instance's store: an instance here is never closed.
    #[getter]
    fn store(&self) -> bool {
        true
    }

    /// Linear memory's size for a module instance; the extension has none
    /// that grows, so the host never replaces it for its size.
    #[getter]
    fn size(&self) -> usize {
        0
    }

    /// Closing a module instance discards it; this one starts afresh.
    fn close(&mut self) {
        *self = Self::fresh();
    }
}

/// What a module instance reads of `data`: nothing when it is longer than
/// the input bound, for which `sa_input` makes no room (`ABI.md`), so that
/// the extension answers an outsized input as the module does.
fn readable(data: &[u8]) -> &[u8] {
    if data.len() > MAX_INPUT_BYTES {
        &[]
    } else {
        data
    }
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Instance>()?;
    m.add("ABI_VERSION", ABI_VERSION)?;
    Ok(())
}
