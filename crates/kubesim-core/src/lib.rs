//! kubesim-core: the simulation of a Kubernetes cluster, deterministic and self-contained.
//!
//! The flow is one-way: a scenario is loaded and validated ([`scenario`]) into compact
//! specs ([`model::spec`]); the simulation ([`sim`]) runs them on the event kernel
//! ([`engine`]) with the controllers, the scheduler and the kubelets (and the timeline's
//! kubectl verbs, [`kubectl`]: each one's grammar, check and effect); observers
//! ([`metrics`]) record what happened; writers ([`output`]) turn it into the files' bytes.
//!
//! This crate opens no file, starts no thread, reads no clock and handles no signal, so it
//! builds for `wasm32-unknown-unknown`: files come through a [`scenario::Files`] the caller
//! supplies, `--profile`'s clock is a [`WallClock`] the caller supplies, and the stop flag
//! is an atomic the caller sets. The `kubesim` crate is the command line around it.

pub mod admission;
pub mod controllers;
pub mod engine;
pub mod explain;
pub mod kubectl;
pub mod kubelet;
pub mod metrics;
pub mod model;
pub mod output;
pub mod scenario;
pub mod scheduler;
pub mod scheduler_perf;
pub mod sim;
pub mod sweep;
pub mod traffic;

pub use model::spec::Scenario;
pub use scenario::{load_file, load_str, Diagnostic, Files, Loaded, MemoryFiles, NoFiles};
pub use sim::{Outcome, Stopped};

/// A monotonic wall clock, as time since some fixed instant: what `--profile` measures the
/// components' work with. The caller supplies it (the command line's reads
/// `std::time::Instant`); the model never reads it.
pub type WallClock = fn() -> std::time::Duration;

/// Runs a loaded scenario to its end. `progress`, when given, is kept at the virtual time
/// reached (in microseconds) for a progress bar.
pub fn simulate(scenario: &Scenario, progress: Option<&std::sync::atomic::AtomicU64>) -> Outcome {
    sim::Sim::new(scenario).with_progress(progress).run()
}

/// What a run records beyond its usual outputs; none of it changes the simulation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Observe {
    /// `--watch`: `kubectl get` snapshots every interval of virtual time.
    pub watch: Option<engine::SimDuration>,
    /// `--narrate`: each controller decision and its reason (`Outcome::narration`).
    pub narrate: bool,
    /// `--profile`: wall time per component (`Outcome::wall_profile`), read off this clock.
    pub profile: Option<WallClock>,
}

/// `simulate` with the observers `observe` asks for.
pub fn simulate_observed(
    scenario: &Scenario,
    progress: Option<&std::sync::atomic::AtomicU64>,
    observe: Observe,
) -> Outcome {
    simulate_controlled(scenario, progress, observe, Control::default())
}

/// When a run ends early: neither changes a run that completes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Control<'a> {
    /// Abandon the run once this is true (Ctrl-C / SIGTERM); `Outcome::stopped` says so.
    pub stop: Option<&'a std::sync::atomic::AtomicBool>,
    /// `--max-events`: stop after this many events if more are due.
    pub max_events: Option<u64>,
}

/// `simulate_observed` that may end early, as `control` says (`Outcome::stopped`).
pub fn simulate_controlled(
    scenario: &Scenario,
    progress: Option<&std::sync::atomic::AtomicU64>,
    observe: Observe,
    control: Control<'_>,
) -> Outcome {
    sim::Sim::new(scenario)
        .with_progress(progress)
        .with_watch(observe.watch)
        .with_narration(observe.narrate)
        .with_wall_profile(observe.profile)
        .with_stop(control.stop)
        .with_max_events(control.max_events)
        .run()
}
