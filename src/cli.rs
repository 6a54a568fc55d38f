//! The command line (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// kubesim's version and, when it was built from a git checkout, the commit (`0.1.0 (commit
/// 0123456789ab)`): what `kubesim version` and `kubesim --version` print. The build script
/// sets it; without it (a build that skips build.rs) the package version alone.
pub const VERSION: &str = match option_env!("KUBESIM_VERSION") {
    Some(v) => v,
    None => env!("CARGO_PKG_VERSION"),
};

/// The git commit kubesim was built from (12 hex digits), empty outside a git checkout.
pub const GIT_COMMIT: &str = match option_env!("KUBESIM_GIT_COMMIT") {
    Some(c) => c,
    None => "",
};

const EXAMPLES: &str = "\
Examples:
  kubesim run scenarios/nginx-rolling-update.yaml        # outputs in output/nginx-rolling-update/
  kubesim run scenarios/*.yaml --seed 7 --out /tmp/runs  # several scenarios in parallel
  kubesim run x.yaml --set deployment/web.spec.replicas=20 --set duration=30m
  kubesim run x.yaml --output json --quiet | jq .pods_created
  kubesim validate deploy.yaml                           # a scenario, or plain Kubernetes manifests
  kubesim explain scenarios/nginx-rolling-update.yaml --object deployment/nginx-dep
  kubesim sweep scenarios/sweep-max-surge.yaml           # every variant x every seed, compared
  kubesim completion bash > ~/.local/share/bash-completion/completions/kubesim
  kubesim man | man -l -";

const RUN_EXAMPLES: &str = "\
Examples:
  kubesim run scenarios/nginx-rolling-update.yaml
  kubesim run scenarios/*.yaml --jobs 2 --out /tmp/runs --quiet
  kubesim run x.yaml --seed 7 --set deployment/web.spec.replicas=20 --set duration=30m
  kubesim run x.yaml --watch 10s    # kubectl get deploy,pods every 10s of virtual time
  kubesim run x.yaml --output json  # each run's summary.json as one line on stdout";

const SWEEP_EXAMPLES: &str = "\
Examples:
  kubesim sweep scenarios/sweep-max-surge.yaml
  kubesim sweep scenarios/sweep-max-surge.yaml --resume     # after an interrupted sweep
  kubesim sweep scenarios/sweep-max-surge.yaml --shard 0/4  # a quarter of it, then `kubesim merge`
  kubesim sweep scenarios/sweep-max-surge.yaml --output json | jq -c '{variant, seed, pods_created}'";

#[derive(Parser, Debug)]
#[command(
    name = "kubesim",
    version = VERSION,
    after_help = EXAMPLES,
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
    /// Run the workloads of a scheduler_perf performance-config.yaml and report their
    /// scheduling throughput and placements
    #[command(name = "perf-config", after_help = PERF_EXAMPLES)]
    PerfConfig(PerfConfigArgs),
    /// Print kubesim's version and the git commit it was built from
    Version,
    /// Print a shell completion script: `source <(kubesim completion bash)`
    #[command(after_help = COMPLETION_HELP)]
    Completion(CompletionArgs),
    /// Print kubesim's man page (roff), or write one page per subcommand into a folder
    #[command(after_help = "Examples:\n  kubesim man | man -l -\n  kubesim man --out /usr/local/share/man/man1")]
    Man(ManArgs),
}

const COMPLETION_HELP: &str = "\
Examples:
  source <(kubesim completion bash)  # this shell only
  kubesim completion bash > ~/.local/share/bash-completion/completions/kubesim
  kubesim completion zsh > \"${fpath[1]}/_kubesim\"
  kubesim completion fish > ~/.config/fish/completions/kubesim.fish";

#[derive(Args, Debug)]
pub struct CompletionArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write kubesim.1 and kubesim-SUBCOMMAND.1 into this folder instead of printing kubesim.1
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// What `run` and `sweep` print on stdout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A line per run for people (and `--watch`'s tables)
    #[default]
    Text,
    /// Each run's summary.json as one line of JSON (JSON Lines), nothing else
    Json,
}

const PERF_EXAMPLES: &str = "\
Examples:
  kubesim perf-config perf/performance-config.yaml                      # every workload
  kubesim perf-config perf/performance-config.yaml --workload SchedulingBasic/500Nodes
  kubesim perf-config perf/performance-config.yaml --out /tmp/perf      # placements.csv per workload";

#[derive(Args, Debug)]
pub struct PerfConfigArgs {
    /// A scheduler_perf performance-config.yaml (its templates are read relative to it)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Run only this workload: NAME or TESTCASE/NAME
    #[arg(long, value_name = "NAME")]
    pub workload: Option<String>,
    /// Write OUT/<TestCase>/<Workload>/placements.csv and OUT/perf-config.csv
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
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
#[command(after_help = SWEEP_EXAMPLES)]
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
    /// Also write timeseries.openmetrics.txt: the time series in the OpenMetrics text format,
    /// for `promtool tsdb create-blocks-from openmetrics` (Prometheus, Grafana)
    #[arg(long)]
    pub openmetrics: bool,
    /// `json`: each run's summary on stdout as one line of JSON, and nothing else there
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Text, value_name = "FORMAT")]
    pub output: OutputFormat,
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
#[command(after_help = RUN_EXAMPLES)]
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
    /// Also write timeseries.openmetrics.txt: the time series in the OpenMetrics text format,
    /// for `promtool tsdb create-blocks-from openmetrics` (Prometheus, Grafana)
    #[arg(long)]
    pub openmetrics: bool,
    /// `json`: each run's summary on stdout as one line of JSON, and nothing else there
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Text, value_name = "FORMAT")]
    pub output: OutputFormat,
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
