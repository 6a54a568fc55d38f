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
                  Exit status: 0 success; 1 simulation or I/O failure; 2 invalid input."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run scenarios and write their outputs to OUT/<name>/
    Run(RunArgs),
    /// Check scenario files and print every problem; runs nothing
    Validate(ValidateArgs),
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
    /// Threads to run scenarios on (default: all cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Override a field: `deployment/web.spec.replicas=20`, `duration=30m`
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// No progress bar and no summary lines
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files to check
    #[arg(required = true, value_name = "SCENARIO.yaml")]
    pub scenarios: Vec<PathBuf>,
    /// Check with these overrides applied
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}
