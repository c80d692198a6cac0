//! A wasmtime host for the shipped modules, written from `wasm/ABI.md`
//! alone, with fuel and memory limits so that unbounded work would show.

use std::path::Path;
use wasmtime::{
    Config, Engine, Instance, Linker, Memory, Module, Store, StoreLimits, StoreLimitsBuilder,
    TypedFunc,
};

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Fuel (roughly, WebAssembly instructions) one call may use.
    pub fuel_per_call: u64,
    /// The most linear memory the instance may grow to.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel_per_call: 20_000_000_000,
            memory_bytes: 256 << 20,
        }
    }
}

/// What one call gave.
#[derive(Debug)]
pub struct Answer {
    pub output: String,
    pub fuel_used: u64,
}

/// What a hot-path host remembers between calls (`Host::call_in_place`).
#[derive(Debug, Default)]
pub struct InPlace {
    input: u32,
    input_room: usize,
    output: u32,
    longest_output: usize,
    /// Module calls made so far, boundary crossings included.
    pub module_calls: u64,
}

/// Why a call gave no answer: the module trapped (out of fuel, out of
/// memory, a bug). The host has already replaced the instance.
#[derive(Debug)]
pub struct Trapped(pub String);

struct Exports {
    instance: Instance,
    memory: Memory,
    input: TypedFunc<u32, u32>,
    output: TypedFunc<(), u32>,
    calls: Vec<(&'static str, TypedFunc<u32, u32>)>,
}

pub struct Host {
    engine: Engine,
    module: Module,
    store: Store<StoreLimits>,
    exports: Exports,
    limits: Limits,
    config_text: Vec<u8>,
}

/// The exports of ABI.md that take an input length and write an output.
pub const CALLS: [&str; 4] = [
    "sa_configure",
    "sa_pointers_for_response",
    "sa_pointers_for_event",
    "sa_settings",
];

/// The version of ABI.md this host is written from.
const ABI_VERSION: u32 = 3;

/// Set in what an export returns when linear memory grew (ABI.md); this
/// host reads memory afresh every time and only masks it off.
const GREW: u32 = 1 << 31;

/// Inputs and outputs longer than this give their buffer back (ABI.md).
const RETAINED: usize = 1 << 20;

impl Host {
    /// Loads a shipped module. `built_by` names the make target that builds
    /// it, for the message when it is missing.
    pub fn load(path: &Path, built_by: &str, limits: Limits) -> Result<Host, String> {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "cannot read {} ({e}); build it with `make {built_by}`",
                path.display()
            )
        })?;
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config).map_err(|e| e.to_string())?;
        let module =
            Module::new(&engine, &bytes).map_err(|e| format!("{}: {e:#}", path.display()))?;
        let (store, exports) = instantiate(&engine, &module, limits)?;
        let mut host = Host {
            engine,
            module,
            store,
            exports,
            limits,
            config_text: Vec::new(),
        };
        let version = host.exports_version()?;
        if version != ABI_VERSION {
            return Err(format!(
                "{}: ABI version {version}, this host speaks {ABI_VERSION}",
                path.display()
            ));
        }
        Ok(host)
    }

    fn exports_version(&mut self) -> Result<u32, String> {
        self.store
            .set_fuel(self.limits.fuel_per_call)
            .map_err(|e| e.to_string())?;
        let version = self
            .exports
            .instance
            .get_typed_func::<(), u32>(&mut self.store, "sa_abi_version")
            .map_err(|e| e.to_string())?;
        version.call(&mut self.store, ()).map_err(|e| e.to_string())
    }

    /// Sets the key-name configuration; kept across instance replacement.
    pub fn configure(&mut self, text: &str) -> Result<Answer, Trapped> {
        self.config_text = text.as_bytes().to_vec();
        self.call("sa_configure", text.as_bytes())
    }

    /// One call of ABI.md in its three steps: `sa_input`, the call,
    /// `sa_output`.
    pub fn call(&mut self, export: &str, input: &[u8]) -> Result<Answer, Trapped> {
        self.call_in_place(export, input, &mut InPlace::default())
    }

    /// One call the way a hot-path host makes it (ABI.md, "One call"):
    /// the input written at the address an earlier `sa_input` returned,
    /// the output read at the address an earlier `sa_output` returned,
    /// unless this input or output is longer than any before. Counts the
    /// module calls made, to show that most calls cross the boundary once.
    pub fn call_in_place(
        &mut self,
        export: &str,
        input: &[u8],
        buffers: &mut InPlace,
    ) -> Result<Answer, Trapped> {
        self.exchange(export, input, buffers).map_err(|error| {
            // After a trap the instance is undefined: replace it.
            *buffers = InPlace::default();
            match self.reset() {
                Ok(()) => Trapped(error),
                Err(e) => Trapped(format!("{error}; and re-instantiating failed: {e}")),
            }
        })
    }

    fn exchange(
        &mut self,
        export: &str,
        input: &[u8],
        buffers: &mut InPlace,
    ) -> Result<Answer, String> {
        let len = u32::try_from(input.len()).map_err(|_| "input over 4 GiB".to_owned())?;
        let func = self
            .exports
            .calls
            .iter()
            .find(|(n, _)| *n == export)
            .map(|(_, f)| f.clone())
            .ok_or_else(|| format!("no export {export}"))?;
        self.store
            .set_fuel(self.limits.fuel_per_call)
            .map_err(|e| e.to_string())?;
        if buffers.module_calls == 0 || input.len() > buffers.input_room {
            buffers.input = self
                .exports
                .input
                .call(&mut self.store, len)
                .map_err(|e| e.to_string())?
                & !GREW;
            buffers.input_room = input.len();
            buffers.module_calls += 1;
        }
        self.exports
            .memory
            .write(&mut self.store, buffers.input as usize, input)
            .map_err(|e| e.to_string())?;
        let out_len = func.call(&mut self.store, len).map_err(|e| e.to_string())? & !GREW;
        buffers.module_calls += 1;
        if input.len() > RETAINED {
            // Given back: the next input asks for room again.
            buffers.input_room = 0;
        }
        if out_len as usize > buffers.longest_output {
            buffers.output = self
                .exports
                .output
                .call(&mut self.store, ())
                .map_err(|e| e.to_string())?
                & !GREW;
            buffers.longest_output = out_len as usize;
            buffers.module_calls += 1;
        }
        let output_at = buffers.output;
        if out_len as usize > RETAINED {
            // Given back by the next call, whose output is elsewhere.
            buffers.longest_output = 0;
        }
        let mut buf = vec![0u8; out_len as usize];
        self.exports
            .memory
            .read(&self.store, output_at as usize, &mut buf)
            .map_err(|e| e.to_string())?;
        let fuel_used =
            self.limits.fuel_per_call - self.store.get_fuel().map_err(|e| e.to_string())?;
        let output = String::from_utf8(buf).map_err(|e| format!("output is not UTF-8: {e}"))?;
        Ok(Answer { output, fuel_used })
    }

    /// A fresh instance of the same compiled module, configured as before.
    pub fn reset(&mut self) -> Result<(), String> {
        let (store, exports) = instantiate(&self.engine, &self.module, self.limits)?;
        self.store = store;
        self.exports = exports;
        if !self.config_text.is_empty() {
            let text = std::mem::take(&mut self.config_text);
            self.exchange("sa_configure", &text, &mut InPlace::default())?;
            self.config_text = text;
        }
        Ok(())
    }

    /// Writes `first` into the input buffer, asks for room for `grown`
    /// bytes (ABI.md: growing keeps what was written), and returns the
    /// first `first.len()` bytes found at the address that answer gives.
    pub fn grow_input(&mut self, first: &[u8], grown: u32) -> Result<Vec<u8>, String> {
        let len = u32::try_from(first.len()).map_err(|e| e.to_string())?;
        let ptr = self
            .exports
            .input
            .call(&mut self.store, len)
            .map_err(|e| e.to_string())?
            & !GREW;
        self.exports
            .memory
            .write(&mut self.store, ptr as usize, first)
            .map_err(|e| e.to_string())?;
        let moved = self
            .exports
            .input
            .call(&mut self.store, grown)
            .map_err(|e| e.to_string())?
            & !GREW;
        let mut kept = vec![0u8; first.len()];
        self.exports
            .memory
            .read(&self.store, moved as usize, &mut kept)
            .map_err(|e| e.to_string())?;
        Ok(kept)
    }

    /// Forgets what the calls so far taught of tables' key names
    /// (`sa_forget_tables`).
    pub fn forget_tables(&mut self) -> Result<(), String> {
        self.exports
            .instance
            .get_typed_func::<(), ()>(&mut self.store, "sa_forget_tables")
            .and_then(|f| f.call(&mut self.store, ()))
            .map_err(|e| e.to_string())
    }

    /// The current size of linear memory, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.exports.memory.data_size(&self.store)
    }

    /// Forces a trap through `sa_test_trap`; the host recovers as from any trap.
    pub fn trap(&mut self) -> Trapped {
        let result = self
            .exports
            .instance
            .get_typed_func::<(), ()>(&mut self.store, "sa_test_trap")
            .and_then(|f| f.call(&mut self.store, ()));
        let message = match result {
            Ok(()) => "sa_test_trap returned instead of trapping".to_owned(),
            // The trap's own words are in the error's causes.
            Err(e) => format!("{e:?}"),
        };
        match self.reset() {
            Ok(()) => Trapped(message),
            Err(e) => Trapped(format!("{message}; and re-instantiating failed: {e}")),
        }
    }
}

fn linker(engine: &Engine, module: &Module) -> Result<Linker<StoreLimits>, String> {
    let mut linker = Linker::new(engine);
    // The import-free module needs nothing. The wasm-bindgen module imports
    // its JavaScript glue, which the ABI exports never call: any call traps.
    linker
        .define_unknown_imports_as_traps(module)
        .map_err(|e| e.to_string())?;
    Ok(linker)
}

fn instantiate(
    engine: &Engine,
    module: &Module,
    limits: Limits,
) -> Result<(Store<StoreLimits>, Exports), String> {
    let mut store = Store::new(
        engine,
        StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .build(),
    );
    store.limiter(|l| l);
    store
        .set_fuel(limits.fuel_per_call)
        .map_err(|e| e.to_string())?;
    let instance = linker(engine, module)?
        .instantiate(&mut store, module)
        .map_err(|e| e.to_string())?;
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or("the module exports no memory")?;
    let input = instance
        .get_typed_func::<u32, u32>(&mut store, "sa_input")
        .map_err(|e| e.to_string())?;
    let output = instance
        .get_typed_func::<(), u32>(&mut store, "sa_output")
        .map_err(|e| e.to_string())?;
    let mut calls = Vec::new();
    for name in CALLS {
        let f = instance
            .get_typed_func::<u32, u32>(&mut store, name)
            .map_err(|e| format!("{name}: {e}"))?;
        calls.push((name, f));
    }
    Ok((
        store,
        Exports {
            instance,
            memory,
            input,
            output,
            calls,
        },
    ))
}
