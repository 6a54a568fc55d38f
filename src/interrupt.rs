//! Ctrl-C and SIGTERM: a flag the runs look at, and the signal that set it.
//!
//! The handlers only set atomics (async-signal-safe); the simulation loop checks the flag
//! every few thousand events and abandons its run, a sweep starts no new run, and the
//! command reports which runs finished and exits as shells do (130 for SIGINT, 143 for
//! SIGTERM). A second signal while the first is being handled exits at once with that code.
//!
//! While the input is being loaded (`Interrupt::install` until `Interrupt::loaded`) the first
//! signal ends the process at once with its code: loading writes nothing, so there is nothing
//! to finish, and parsing one large file is a single call that no flag could interrupt.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The interrupt state shared with the handlers.
#[derive(Clone, Default)]
pub struct Interrupt {
    requested: Arc<AtomicBool>,
    /// The exit code of the first signal (128 + its number); 0 while none arrived.
    code: Arc<AtomicUsize>,
    /// True while loading: a signal exits at once (see the module's comment).
    exit_at_once: Arc<AtomicBool>,
}

impl Interrupt {
    /// Installs the handlers for SIGINT and SIGTERM (SIGINT only where there is no
    /// SIGTERM). An error means the process simply dies on those signals, as before.
    /// The handlers start in the loading phase: a signal exits at once until `loaded`.
    pub fn install() -> std::io::Result<Interrupt> {
        let it = Interrupt { exit_at_once: Arc::new(AtomicBool::new(true)), ..Interrupt::default() };
        for (signal, code) in signals() {
            // Registered first, so it sees the flag as it was before this signal: a second
            // signal ends the process at once (for a user who does not want to wait).
            signal_hook::flag::register_conditional_shutdown(signal, code as i32, it.requested.clone())?;
            register_code(signal, code, &it.code)?;
            register_exit_while_loading(signal, code, &it.exit_at_once)?;
            signal_hook::flag::register(signal, it.requested.clone())?;
        }
        Ok(it)
    }

    /// Loading is over: from now on a signal sets the flag, and the runs stop at their next
    /// check (each event, each write) so that the command can say which runs finished.
    pub fn loaded(&self) {
        self.exit_at_once.store(false, Ordering::SeqCst);
    }

    /// The flag the runs check: true once a signal arrived.
    pub fn flag(&self) -> &AtomicBool {
        &self.requested
    }

    /// Whether a signal arrived.
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// The exit code for the signal that arrived: 130 (SIGINT) or 143 (SIGTERM).
    pub fn exit_code(&self) -> u8 {
        match self.code.load(Ordering::SeqCst) {
            0 => 130,
            c => u8::try_from(c).unwrap_or(130),
        }
    }

    /// The signal's name, for messages.
    pub fn signal_name(&self) -> &'static str {
        if self.exit_code() == 143 {
            "SIGTERM"
        } else {
            "SIGINT"
        }
    }

    /// Marks an interrupt as if SIGINT had arrived (for tests of the library).
    pub fn request(&self) {
        let _ = self.code.compare_exchange(0, 130, Ordering::SeqCst, Ordering::SeqCst);
        self.requested.store(true, Ordering::SeqCst);
    }
}

/// The signals handled and their shell exit codes (128 + the signal number).
fn signals() -> Vec<(std::ffi::c_int, u8)> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    vec![(SIGINT, 130), (SIGTERM, 143)]
}

/// Records `code` for `signal` unless an earlier signal already set one.
fn register_code(signal: std::ffi::c_int, code: u8, slot: &Arc<AtomicUsize>) -> std::io::Result<()> {
    let slot = slot.clone();
    // SAFETY: the action only does a compare-and-swap on an atomic, which is
    // async-signal-safe (no allocation, no lock).
    unsafe {
        signal_hook::low_level::register(signal, move || {
            let _ = slot.compare_exchange(0, usize::from(code), Ordering::SeqCst, Ordering::SeqCst);
        })?;
    }
    Ok(())
}

/// Exits with `code` on `signal` while `loading` is true.
fn register_exit_while_loading(signal: std::ffi::c_int, code: u8, loading: &Arc<AtomicBool>) -> std::io::Result<()> {
    let loading = loading.clone();
    // SAFETY: the action loads an atomic and calls `_exit`, both async-signal-safe.
    unsafe {
        signal_hook::low_level::register(signal, move || {
            if loading.load(Ordering::SeqCst) {
                signal_hook::low_level::exit(i32::from(code));
            }
        })?;
    }
    Ok(())
}
