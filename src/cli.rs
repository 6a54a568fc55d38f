//! The command line (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kubesim",
    version,
    about = "A deterministic discrete-event simulator of a Kubernetes cluster",
    long_about = "kubesim runs scenario files (nodes, Kubernetes manifests, kubectl commands on a timeline) on a \
                  virtual clock and reports what the cluster did: pods, events, rollouts, time series.\n\n\
                  Exit status: 0 success; 1 simulation or I/O failure; 2 invalid input; 130 / 143 \
                  interrupted by SIGINT (Ctrl-C) / SIGTERM."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run scenarios and write their outputs to OUT/<name>/
    Run(RunArgs),
    /// Run every variant of a scenario's `sweep:` with every seed, and compare the variants
    Sweep(SweepArgs),
    /// Combine the shards of one sweep (their folders) into one comparison
    Merge(MergeArgs),
    /// Check scenario files (or Kubernetes manifest files) and print every problem; runs nothing
    Validate(ValidateArgs),
    /// Run a scenario and tell the story of one object: each decision about it and its events
    Explain(ExplainArgs),
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The scenario to run (nothing is written)
    #[arg(value_name = "SCENARIO.yaml")]
    pub scenario: PathBuf,
    /// The object: deployment/NAME, pod/NAME, node/NAME, service/NAME, replicaset/NAME,
    /// job/NAME, daemonset/NAME, statefulset/NAME, rollout/NAME, hpa/NAME or ingress/NAME
    #[arg(long, value_name = "KIND/NAME")]
    pub object: String,
    /// Override the scenario's seed
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a field: `deployment/web.spec.replicas=20`, `duration=30m`
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Read the sub-folders of a folder of manifests too, as `kubectl apply -R -f DIR` does
    #[arg(long, short = 'R')]
    pub recursive: bool,
    /// Refuse, before running, a scenario whose run would hold more than this in memory
    /// (estimated at load: time-series samples, pods, nodes, open requests), e.g. 16GiB
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = parse_budget)]
    pub memory_budget: u64,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// A scenario file with a `sweep:` section
    #[arg(value_name = "SCENARIO.yaml")]
    pub scenario: PathBuf,
    /// Output folder: runs go to OUT/<name>/<variant>/seed-<n>/, the comparison to OUT/<name>/
    #[arg(long, default_value = "output", value_name = "DIR")]
    pub out: PathBuf,
    /// Threads to run on (default: all cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Run only shard K of N (K from 0 to N-1) and write its manifest, not the comparison;
    /// without it, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID select the shard
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::sweep::Shard>,
    /// The number of shards, when JOB_COMPLETION_INDEX gives the shard (or set KUBESIM_SHARDS)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub shards: Option<u32>,
    /// Skip the runs whose outputs are already complete (from an interrupted sweep of the
    /// same scenario), run the rest, and write the comparison
    #[arg(long)]
    pub resume: bool,
    /// Also draw each run's charts and write its report.html (off by default: the sweep's
    /// comparison, charts and report.html are always written; a run's data files too)
    #[arg(long)]
    pub run_charts: bool,
    /// Stop any run after N events (exit 1) instead of letting a runaway scenario run on
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_events: Option<u64>,
    /// Refuse, before running, a scenario whose run would hold more than this in memory
    /// (estimated at load: time-series samples, pods, nodes, open requests), e.g. 16GiB
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = parse_budget)]
    pub memory_budget: u64,
    /// No progress bar and no summary lines
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Folders holding shard manifests (OUT/<name>/ or OUT/), each named once or more
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Write the comparison to OUT/<name>/ (default: the folder of shard 0)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No summary lines
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario files (run in parallel)
    #[arg(required = true, value_name = "SCENARIO.yaml")]
    pub scenarios: Vec<PathBuf>,
    /// Output folder
    #[arg(long, default_value = "output", value_name = "DIR")]
    pub out: PathBuf,
    /// Override every scenario's seed
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Threads to run scenarios on, and to draw charts on when there are fewer scenarios (default: all cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Override a field: `deployment/web.spec.replicas=20`, `duration=30m`
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// No progress bar and no summary lines
    #[arg(long, short)]
    pub quiet: bool,
    /// Print `kubectl get deploy,pods`-style tables every INTERVAL of virtual time (e.g. 10s)
    #[arg(long, value_name = "INTERVAL", value_parser = parse_interval)]
    pub watch: Option<crate::engine::SimDuration>,
    /// Break the wall time down by component (scheduler, controllers, kubelet, traffic, ...) in run.json
    #[arg(long)]
    pub profile: bool,
    /// Write narration.log: each controller decision with its inputs and reason, in plain English
    #[arg(long)]
    pub narrate: bool,
    /// Stop any run after N events (exit 1) instead of letting a runaway scenario run on
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_events: Option<u64>,
    /// Read the sub-folders of a folder of manifests too, as `kubectl apply -R -f DIR` does
    #[arg(long, short = 'R')]
    pub recursive: bool,
    /// Refuse, before running, a scenario whose run would hold more than this in memory
    /// (estimated at load: time-series samples, pods, nodes, open requests), e.g. 16GiB
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = parse_budget)]
    pub memory_budget: u64,
}

fn parse_budget(s: &str) -> Result<u64, String> {
    crate::scenario::memory::parse_budget(s)
}

fn parse_interval(s: &str) -> Result<crate::engine::SimDuration, String> {
    match crate::scenario::duration::parse_duration(s) {
        Ok(d) if d.as_micros() > 0 => Ok(d),
        Ok(_) => Err("the interval must be more than 0".into()),
        Err(e) => Err(e),
    }
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files to check
    #[arg(required = true, value_name = "SCENARIO.yaml")]
    pub scenarios: Vec<PathBuf>,
    /// Check with these overrides applied
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Read the sub-folders of a folder of manifests too, as `kubectl apply -R -f DIR` does
    #[arg(long, short = 'R')]
    pub recursive: bool,
    /// Refuse, before running, a scenario whose run would hold more than this in memory
    /// (estimated at load: time-series samples, pods, nodes, open requests), e.g. 16GiB
    #[arg(long, value_name = "SIZE", default_value = "4GiB", value_parser = parse_budget)]
    pub memory_budget: u64,
}
