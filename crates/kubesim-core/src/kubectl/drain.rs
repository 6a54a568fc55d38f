//! `kubectl drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force]
//! [--grace-period=N] [--timeout=D]`: its grammar, as kubectl's drain command reads its flags
//! (`staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go`, `NewDrainCmdOptions`,
//! `DrainCmdOptions.Complete`). The drain itself (cordon, evictions through the
//! PodDisruptionBudgets, retries every 5s) is a process of the simulation: `sim/drain.rs`.

use super::grammar::{Args, Flag};
use super::nodes::{node_name, node_ref, one_node_only};
use super::{err, misrouted, refused, Failure, KError, KubectlCommand};
use crate::engine::SimDuration;
use crate::scenario::duration::parse_duration;
use crate::sim::Sim;

/// `kubectl drain`: cordon, then evict every pod through the eviction API, retrying those a
/// PodDisruptionBudget refuses every 5s, as kubectl does.
#[derive(Clone, Debug, PartialEq)]
pub struct DrainSpec {
    pub node: String,
    /// `--ignore-daemonsets`: leave DaemonSet pods (without it, their presence is an error).
    pub ignore_daemonsets: bool,
    /// `--delete-emptydir-data`: evict pods with emptyDir volumes (without it, an error).
    pub delete_emptydir_data: bool,
    /// `--force`: also delete pods that no controller manages (without it, an error).
    pub force: bool,
    /// `--grace-period=N` seconds; None (or kubectl's -1): each pod's own.
    pub grace_period: Option<i64>,
    /// `--timeout=D`: give up after this long; None (kubectl's 0s): never.
    pub timeout: Option<SimDuration>,
}

pub(super) const FLAGS: &[Flag] = &[
    Flag::boolean("ignore-daemonsets"),
    Flag::boolean("delete-emptydir-data"),
    // The deprecated spelling of --delete-emptydir-data.
    Flag::boolean("delete-local-data"),
    Flag::boolean("force"),
    Flag::value("grace-period"),
    Flag::value("timeout"),
];

pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let node = match args.positional.as_slice() {
        [] => {
            return err("USAGE: drain NODE [flags]", Some("e.g. `kubectl drain worker-1 --ignore-daemonsets`".into()))
        }
        [n] => node_name(n)?,
        [_, extra, ..] => return one_node_only("drain", extra),
    };
    let grace_period = match args.value("grace-period") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n),
            Err(_) => {
                let why = if !v.is_empty() && v.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                return err(
                    format!("invalid argument \"{v}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{v}\": {why}"),
                    Some("--grace-period takes whole seconds, like --grace-period=30 (-1: each pod's own)".into()),
                );
            }
        },
    };
    let timeout = match args.value("timeout") {
        None => None,
        Some(v) if v.starts_with('-') => {
            return err(
                format!("invalid argument \"{v}\" for \"--timeout\" flag: a timeout may not be negative"),
                Some("0s waits forever".into()),
            )
        }
        Some(v) => match parse_duration(&v) {
            Ok(d) => Some(d).filter(|d| *d > SimDuration::ZERO),
            Err(_) => {
                return err(
                    format!("invalid argument \"{v}\" for \"--timeout\" flag: time: invalid duration \"{v}\""),
                    Some("a Go duration like 90s, 5m or 1h30m (0s waits forever)".into()),
                )
            }
        },
    };
    Ok(KubectlCommand::Drain(DrainSpec {
        node,
        ignore_daemonsets: args.on("ignore-daemonsets"),
        delete_emptydir_data: args.on("delete-emptydir-data") || args.on("delete-local-data"),
        force: args.on("force"),
        grace_period,
        timeout,
    }))
}

/// Starts the drain (`Sim::drain`); its later rounds are events of their own.
pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Drain(d) = command else { return misrouted("drain", command) };
    refused(&node_ref(&d.node), sim.drain(d)).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, error};
    use super::*;

    fn drain(node: &str) -> DrainSpec {
        DrainSpec {
            node: node.into(),
            ignore_daemonsets: false,
            delete_emptydir_data: false,
            force: false,
            grace_period: None,
            timeout: None,
        }
    }

    #[test]
    fn drain_forms() {
        for line in
            ["kubectl drain worker-1", "drain node/worker-1", "kubectl drain nodes/worker-1", "drain no/worker-1"]
        {
            assert_eq!(cmd(line), KubectlCommand::Drain(drain("worker-1")), "{line}");
        }
        assert_eq!(
            cmd("kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data --force --grace-period=30 --timeout=90s"),
            KubectlCommand::Drain(DrainSpec {
                ignore_daemonsets: true,
                delete_emptydir_data: true,
                force: true,
                grace_period: Some(30),
                timeout: Some(SimDuration::from_secs(90)),
                ..drain("worker-1")
            })
        );
        // The deprecated spelling means the same; `=false` and kubectl's defaults (-1, 0s) mean none.
        assert!(matches!(
            cmd("kubectl drain w --delete-local-data"),
            KubectlCommand::Drain(DrainSpec { delete_emptydir_data: true, .. })
        ));
        assert_eq!(
            cmd("kubectl drain w --ignore-daemonsets=false --force=0 --grace-period=-1 --timeout=0s"),
            KubectlCommand::Drain(drain("w"))
        );
        assert_eq!(
            cmd("kubectl drain w --ignore-daemonsets=true"),
            KubectlCommand::Drain(DrainSpec { ignore_daemonsets: true, ..drain("w") })
        );
        assert_eq!(
            cmd("kubectl drain w --grace-period 0"),
            KubectlCommand::Drain(DrainSpec { grace_period: Some(0), ..drain("w") })
        );
        assert!(matches!(
            cmd("kubectl drain w --timeout 5m"),
            KubectlCommand::Drain(DrainSpec { timeout: Some(t), .. }) if t == SimDuration::from_secs(300)
        ));
    }

    #[test]
    fn drain_errors_in_kubectl_words() {
        let e = error("kubectl drain");
        assert_eq!(e.message, "USAGE: drain NODE [flags]");
        assert!(error("kubectl drain --force").message.starts_with("USAGE: drain NODE"));
        assert!(error("kubectl drain a b").message.contains("one node at a time"));
        assert_eq!(
            error("kubectl drain deployment/web").message,
            "invalid resource type deployment, only node types are supported"
        );
        assert_eq!(
            error("kubectl drain worker-1 --grace-period=abc").message,
            "invalid argument \"abc\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert!(error("kubectl drain w --grace-period=99999999999999999999").message.ends_with("value out of range"));
        assert_eq!(
            error("kubectl drain w --timeout=soon").message,
            "invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\""
        );
        assert!(error("kubectl drain w --timeout=90").message.contains("time: invalid duration \"90\""));
        assert!(error("kubectl drain w --timeout=-5s").message.contains("may not be negative"));
        assert_eq!(
            error("kubectl drain w --force=maybe").message,
            "invalid argument \"maybe\" for \"--force\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
        let e = error("kubectl drain w --ignore-daemonset");
        assert!(e.message.starts_with("unknown flag: --ignore-daemonset (kubesim supports only"), "{}", e.message);
        assert_eq!(e.help.as_deref(), Some("did you mean `--ignore-daemonsets`?"));
        assert!(error("kubectl drain w --pod-selector=app=web").message.starts_with("unknown flag: --pod-selector"));
        assert!(error("kubectl drain w --grace-period").message.contains("flag needs an argument: --grace-period"));
        assert_eq!(error("kubectl drian w").help.as_deref(), Some("did you mean `drain`?"));
    }
}
