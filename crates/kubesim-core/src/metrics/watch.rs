//! `--watch INTERVAL`: what `watch kubectl get deploy,pods -o wide` would show, every
//! INTERVAL of virtual time, as text. An observer: it reads the store and nothing else.

use crate::engine::{SimDuration, SimTime};
use crate::model::store::{ContainerState, Pod, PodPhase, Store};

/// One snapshot: `kubectl get deploy` lines for the Deployments, then `kubectl get pods -o
/// wide`-style lines (NAME READY STATUS RESTARTS AGE NODE) for the pods that exist.
pub fn snapshot(store: &Store, now: SimTime) -> String {
    let mut out = format!("--- {} (virtual time) ---\n", go_clock(now));
    let deployments: Vec<Vec<String>> = store
        .deployments
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.deleted)
        .map(|(i, d)| {
            let c = super::rollouts::pod_counts(store, crate::model::store::DeployId::from_index(i), now);
            vec![
                match d.kind() {
                    crate::model::spec::Kind::Rollout => format!("rollout.argoproj.io/{}", d.name),
                    _ => format!("deployment.apps/{}", d.name),
                },
                format!("{}/{}", c.ready, d.spec.replicas),
                c.updated.to_string(),
                c.available.to_string(),
            ]
        })
        .collect();
    if !deployments.is_empty() {
        out.push_str(&table(&["NAME", "READY", "UP-TO-DATE", "AVAILABLE"], deployments));
    }
    let pods: Vec<Vec<String>> = store
        .pods
        .iter()
        .filter(|p| !p.is_gone())
        .map(|p| {
            let (ready, status, restarts) = columns(p);
            vec![
                p.name.clone(),
                ready,
                status,
                restarts.to_string(),
                human_duration(now.since(p.created)),
                p.node.map_or_else(|| "<none>".to_string(), |n| store.nodes()[n].name.clone()),
            ]
        })
        .collect();
    if pods.is_empty() {
        out.push_str("No resources found in default namespace.\n");
    } else {
        out.push_str(&table(&["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"], pods));
    }
    out
}

/// The READY, STATUS and RESTARTS columns as kubectl prints them (pkg/printers/internalversion
/// printers.go `printPod`). STATUS: Terminating while being deleted; while an init container
/// has not finished, `Init:` and its waiting or terminated reason, or `Init:N/M` (a sidecar
/// counts as finished once started); else the waiting or terminated reason of the first
/// container that has one (a container that exited and starts again at once shows its exit's
/// reason, `Error`, until it runs), `Completed` reading `Running` (or `NotReady`) while
/// another container runs ready; else the phase. READY and RESTARTS count the sidecars with
/// the app containers; RESTARTS counts the init containers while they run.
pub(crate) fn columns(p: &Pod) -> (String, String, u32) {
    let sidecars = p.spec.init_containers.iter().filter(|c| c.sidecar).count();
    let total = p.containers.len() + sidecars;
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut init_reason: Option<String> = None;
    let inits = p.init_containers.len();
    for (i, (spec, c)) in p.spec.init_containers.iter().zip(&p.init_containers).enumerate() {
        restarts += c.restarts;
        if spec.sidecar {
            sidecar_restarts += c.restarts;
        }
        match &c.state {
            ContainerState::Terminated(_) if c.last_exit.is_some_and(|e| !e.failed()) && !spec.sidecar => continue,
            _ if spec.sidecar && c.started => {
                if c.ready {
                    ready += 1;
                }
                continue;
            }
            ContainerState::Terminated(r) => init_reason = Some(format!("Init:{r}")),
            ContainerState::Waiting(r) if !r.is_empty() && *r != "PodInitializing" => {
                init_reason = Some(format!("Init:{r}"))
            }
            _ => init_reason = Some(format!("Init:{i}/{inits}")),
        }
        break;
    }
    let status = match init_reason {
        Some(r) => r,
        None => {
            restarts = sidecar_restarts;
            let mut reason = None;
            let mut has_running = false;
            for c in p.containers.iter().rev() {
                restarts += c.restarts;
                match c.state {
                    ContainerState::Waiting(r) | ContainerState::Terminated(r) => reason = Some(r),
                    ContainerState::Running if c.ready => {
                        has_running = true;
                        ready += 1;
                    }
                    ContainerState::Running => {}
                }
            }
            match reason {
                Some("Completed") if has_running && p.is_ready() => "Running",
                Some("Completed") if has_running => "NotReady",
                Some(r) => r,
                None => match p.phase {
                    PodPhase::Pending => "Pending",
                    PodPhase::Running => "Running",
                    PodPhase::Succeeded => "Completed",
                    PodPhase::Failed => "Error",
                },
            }
            .to_string()
        }
    };
    let status = if p.terminating.is_some() {
        "Terminating".to_string()
    } else if p.node.is_none() {
        "Pending".to_string()
    } else {
        status
    };
    (format!("{ready}/{total}"), status, restarts)
}

/// Columns padded as kubectl's tabwriter does: each as wide as its widest cell, three spaces
/// apart.
pub(crate) fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 3));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// `1m30s`-style time of day since the start, for the snapshot's heading.
fn go_clock(t: SimTime) -> String {
    crate::model::events::go_duration(SimDuration(t.as_micros()))
}

/// kubectl's AGE: apimachinery's `duration.HumanDuration`.
pub fn human_duration(d: SimDuration) -> String {
    let seconds = d.as_micros() / 1_000_000;
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let s = SimDuration::from_secs;
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (600, "10m"),
            (10_799, "179m"),
            (10_800, "3h"),
            (11_100, "3h5m"),
            (28_800, "8h"),
            (172_800, "2d"),
            (183_600, "2d3h"),
            (864_000, "10d"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(s(secs)), want, "{secs}s");
        }
    }

    #[test]
    fn tables_pad_columns_three_spaces_past_the_widest_cell() {
        let t = table(&["NAME", "READY"], vec![vec!["web-1".into(), "1/1".into()], vec!["w".into(), "0/1".into()]]);
        assert_eq!(t, "NAME    READY\nweb-1   1/1\nw       0/1\n");
    }
}
