//! kubesim, the command line: reading scenario files from disk, running many of them (and
//! sweeps) on a pool of threads, writing each run's files atomically, shards and merge,
//! progress bars and signals. The simulation itself, and every byte of every output, is
//! [`kubesim_core`]'s; this crate only decides where it runs and where it goes.

pub mod app;
pub mod cli;
pub mod files;
pub mod interrupt;
pub mod json_lines;
pub mod sweep;
pub mod terminal;

pub use files::{load_file, load_str};
pub use kubesim_core::{
    controllers, engine, explain, kubelet, metrics, model, output, scenario, scheduler, scheduler_perf, sim, simulate,
    simulate_controlled, simulate_observed, traffic, Control, Diagnostic, Loaded, Observe, Outcome, Scenario, Stopped,
};
