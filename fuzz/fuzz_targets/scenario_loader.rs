//! Fuzzes the scenario loader: any bytes as a scenario file must give a scenario or
//! diagnostics, never a panic, a hang or an abort.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // The loader reads files as bytes and rejects what is not UTF-8 with a diagnostic; the
    // text entry point sees the rest. Both must return, never panic.
    let Ok(text) = std::str::from_utf8(data) else { return };
    // `include:` and `apply -f` resolve against a folder that holds no manifests, so the
    // loader never reads a real file whatever the input names.
    let _ = kubesim_core::load_str(Path::new("/nonexistent-fuzz-dir/fuzz.yaml"), text, &[], &kubesim_core::NoFiles);
});
