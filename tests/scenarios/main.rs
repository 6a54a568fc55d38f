//! Scenario-level tests: each module runs real scenario files and asserts on what a user
//! would see in the outputs.
//!
//! - `adoption`: ReplicaSets adopt matching orphans and release relabelled pods; `--cascade=orphan` and back.
//! - `rollouts`: the Deployment strategies keep their promises (surge, availability, order).
//! - `deployments`: pause and resume, progress deadline, undo errors, old ReplicaSets cleaned up.
//! - `analysis`: Argo Rollouts analysis: AnalysisTemplates answered from the simulated traffic, aborting a bad canary.
//! - `argo`: Argo Rollouts canary steps and shares, nginx canary weights, abort / retry, blue-green.
//! - `data_out`: timeseries-long.csv and `--openmetrics`' file say what timeseries.csv says, as pandas and Prometheus want it.
//! - `determinism`: same scenario and seed, byte-identical files, whatever `--jobs` is.
//! - `cli`: exit codes, messages and the absence of output on bad input.
//! - `cli_conventions`: `version`, completions, the man page, examples in `--help`, colours and `NO_COLOR`, `--output json`.
//! - `bad_input`: every malformed scenario gets a clear, positioned error.
//! - `pods`: scheduling, pulls, probes, restarts and termination, as `kubectl describe pod` tells them.
//! - `scheduling`: where pods land and why they wait, in kube-scheduler's words.
//! - `images`: image pulls that fail (ErrImagePull, ImagePullBackOff) and apps that answer with errors.
//! - `containers`: crashes, hangs, OOM kills, restartPolicy and CrashLoopBackOff.
//! - `workloads`: Jobs, DaemonSets and StatefulSets.
//! - `storage`: PersistentVolumeClaims, PersistentVolumes and StorageClasses as scheduling and the kubelet see them.
//! - `cronjob`: CronJobs: schedules, time zones, concurrency policies, history limits.
//! - `hpa`: HorizontalPodAutoscalers driven by traffic, `kubectl autoscale`.
//! - `traffic`: Services, Ingress and requests: availability and latency as users feel them.
//! - `external_name`: ExternalName Services: requests that leave the cluster for an `externals:` host.
//! - `node_autoscaling`: node pools, the Cluster Autoscaler's scale-up and scale-down, spot interruptions, cost.
//! - `failures`: nodes die, zones are lost, operators drain, and Kubernetes heals.
//! - `sweep`: variants x seeds, the comparison, shards and their merge, as separate processes.
//! - `interrupt`: SIGTERM / SIGINT stop cleanly, `sweep --resume`, `--max-events`.
//! - `kubectl_reads`: the read-only kubectl lines (get, describe, rollout status, wait, ...) and kubectl.log.
//! - `kubectl_verbs`: the kubectl lines that change the cluster (run, create, replace, delete, scale,
//!   label, annotate, patch, set), as introductions teach them.
//! - `narration`: `--narrate` tells every decision and changes nothing else; `explain`.
//! - `report`: report.html stays light for a large run (bounded events and timeline, each cut
//!   said on the page) and embeds everything for a small one.
//! - `realworld`: published manifests (`shared/realworld`) load unchanged and their Deployments come up.
//! - `properties`: property tests over random scenarios (proptest), a file per subject.
//!
//! `support` holds the helpers several modules share.

mod adoption;
mod analysis;
mod argo;
mod bad_input;
mod bluegreen_analysis;
mod calls;
mod cli;
mod cli_conventions;
mod containers;
mod cronjob;
mod data_out;
mod deployments;
mod determinism;
mod external_name;
mod failures;
mod hpa;
mod images;
mod interrupt;
mod job_policies;
mod kubectl_reads;
mod kubectl_verbs;
mod narration;
mod node_autoscaling;
mod perf_config;
mod pods;
mod properties;
mod realworld;
mod report;
mod resource_quota;
mod rollouts;
mod scheduler_config;
mod scheduling;
mod storage;
mod support;
mod sweep;
mod traffic;
mod workloads;
