//! Manifests as published (`/work/shared/realworld`, or env `KUBESIM_REALWORLD`; never
//! copied into this repository): each folder's files, included unchanged by a small scenario
//! on a default cluster, load with at most one "not simulated" warning, and run for a few
//! minutes; the Deployments and Argo Rollouts they hold end with every replica available.

use crate::support::{realworld, realworld_from};
use kubesim::sim::Outcome;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a folder's files make scenarios. A folder is one application unless it is a
/// collection of independent examples, whose files reuse each other's names.
#[derive(Clone, Copy)]
enum Layout {
    /// One scenario including the folder itself (`include: [FOLDER]`; a kustomization's
    /// resources when it has one), or its files one by one when some are excluded.
    Folder,
    /// One scenario per file (kubernetes/website's examples: three `nginx-deployment`s).
    EachFile,
    /// One scenario per example: files whose names share the part before the last `__`
    /// (kubernetes/examples, flattened from `web/guestbook-go/*.yaml`).
    ByExample,
}

const LAYOUTS: &[(&str, Layout)] = &[("k8s-website", Layout::EachFile), ("k8s-examples", Layout::ByExample)];

/// Files left out, each with the reason: both are outside what this slice accepts.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "ingress-nginx/canaryexamples.yaml",
        "alternative versions of the same Ingresses and Services (same names, meant to be applied one after another): \
         kubesim refuses two initial objects with one name",
    ),
    (
        "rollouts-demo/analysis__rollout-with-analysis.yaml",
        "its analysis uses the pre-1.0 `analysis.templateName` (Argo 1.0 takes `templates: [{templateName}]`, an unknown \
         field otherwise) and names an AnalysisTemplate the folder does not have",
    ),
];

/// A scenario: its name (for messages) and the names it includes, relative to `dir`.
struct Case {
    name: String,
    dir: PathBuf,
    include: Vec<String>,
}

fn cases(root: &Path) -> Vec<Case> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("list the real-world folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut out = Vec::new();
    for dir in folders {
        let folder = dir.file_name().and_then(|n| n.to_str()).expect("utf-8 name").to_string();
        let layout = LAYOUTS.iter().find(|(f, _)| *f == folder).map_or(Layout::Folder, |(_, l)| *l);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("list a folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
            .collect();
        files.sort();
        let excluded = |f: &String| EXCLUDED.iter().any(|(x, _)| *x == format!("{folder}/{f}"));
        let some_excluded = files.iter().any(excluded);
        files.retain(|f| !excluded(f));
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        match layout {
            Layout::Folder if !some_excluded => {
                groups.insert(folder.clone(), vec![".".into()]);
            }
            Layout::Folder => {
                groups.insert(folder.clone(), files);
            }
            Layout::EachFile => {
                for f in files {
                    groups.insert(format!("{folder}/{f}"), vec![f]);
                }
            }
            Layout::ByExample => {
                for f in files {
                    let example = f.rsplit_once("__").map_or(f.as_str(), |(e, _)| e).to_string();
                    groups.entry(format!("{folder}/{example}")).or_default().push(f);
                }
            }
        }
        out.extend(groups.into_iter().map(|(name, include)| Case { name, dir: dir.clone(), include }));
    }
    out
}

fn scenario_text(include: &[String]) -> String {
    let names: Vec<String> = include.iter().map(|f| serde_json::to_string(f).expect("json")).collect();
    format!(
        "name: realworld\nduration: 3m\ncluster:\n  nodes:\n    - {{name: worker, count: 3, capacity: {{cpu: \"8\", memory: 32Gi, pods: 110}}}}\ninclude: [{}]\n",
        names.join(", ")
    )
}

/// `(column prefix, desired, available)` at the end of the run, per Deployment and Rollout.
fn workloads_at_end(o: &Outcome) -> Vec<(String, Option<f64>, Option<f64>)> {
    let ts = &o.metrics.timeseries;
    let last = ts.rows.last().map(|(_, row)| row.clone()).unwrap_or_default();
    let at = |name: &str| ts.columns.iter().position(|c| c == name).and_then(|i| last.get(i).copied().flatten());
    ts.columns
        .iter()
        .filter_map(|c| c.strip_suffix("/desired"))
        .filter(|c| c.starts_with("deployment/") || c.starts_with("rollout/"))
        .map(|c| (c.to_string(), at(&format!("{c}/desired")), at(&format!("{c}/available"))))
        .collect()
}

#[test]
fn every_real_world_folder_loads_and_its_deployments_become_available() {
    let root = realworld();
    let cases = cases(&root);
    assert!(cases.len() >= 8, "expected the real-world folders, found {} cases", cases.len());
    let (mut workloads, mut claims, mut cron_jobs, mut hpas) = (0, 0, 0, 0);
    for case in &cases {
        let text = scenario_text(&case.include);
        let loaded = kubesim::load_str(&case.dir.join("realworld-test.yaml"), &text, &[]).unwrap_or_else(|d| {
            panic!("{}: {}", case.name, d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
        });
        let not_simulated = loaded.warnings.iter().filter(|w| w.message.starts_with("not simulated")).count();
        assert!(not_simulated <= 1, "{}: {not_simulated} not-simulated warnings", case.name);
        let outcome = kubesim::simulate(&loaded.scenario, None);
        // Pods that use PersistentVolumeClaims (WordPress's MySQL, the StatefulSets'
        // volumeClaimTemplates) start once their claims are bound to provisioned volumes.
        for p in outcome.store.pods.iter().filter(|p| !p.spec.claims.is_empty() && p.started.is_some()) {
            for name in &p.spec.claims {
                let key = kubesim::model::store::namespaced_key(&p.namespace, name);
                let claim = outcome.store.claims.find(&key).map(|c| &outcome.store.claims[c]);
                assert_eq!(claim.map(|c| c.phase()), Some("Bound"), "{}: pod {} claim {name}", case.name, p.name);
                let bound_at = claim.and_then(|c| c.volume).map(|v| outcome.store.volumes[v].created);
                assert!(
                    bound_at.is_some_and(|t| p.started.is_some_and(|s| t <= s)),
                    "{}: {} started first",
                    case.name,
                    p.name
                );
                claims += 1;
            }
        }
        // The CronJob (every minute) has made its Jobs within the 3 minutes, and they ran.
        for cj in outcome.store.cron_jobs.iter() {
            let made = outcome
                .store
                .jobs
                .iter()
                .filter(|j| j.owner.is_some_and(|o| outcome.store.cron_jobs[o].name == cj.name))
                .count();
            assert!(made >= 2, "{}: cronjob/{} made {made} Jobs", case.name, cj.name);
            cron_jobs += 1;
        }
        // An HPA whose target is in the same scenario has synced: it knows its target's
        // replicas and wants at least its minimum (the website's php-apache HPA file, alone,
        // has no target: FailedGetScale, as in a cluster).
        let has_target = |h: &&kubesim::model::store::Hpa| {
            outcome.store.deployments.iter().any(|d| d.namespace == h.namespace && d.name == h.spec.target.name)
        };
        for h in outcome.store.hpas.iter().filter(has_target) {
            let desired = h.status.desired_replicas.unwrap_or(0);
            assert!(desired >= h.spec.min_replicas, "{}: hpa/{} desired {desired}", case.name, h.name);
            hpas += 1;
        }
        for (workload, desired, available) in workloads_at_end(&outcome) {
            assert!(desired.is_some_and(|d| d >= 1.0), "{}: {workload} desired {desired:?}", case.name);
            assert_eq!(available, desired, "{}: {workload} ends with every replica available", case.name);
            workloads += 1;
        }
    }
    assert!(workloads >= 20, "the folders hold dozens of Deployments; checked {workloads}");
    assert!(claims >= 3, "WordPress and the StatefulSets use claims; checked {claims}");
    assert!(cron_jobs >= 1 && hpas >= 1, "the website's CronJob and podinfo's HPA: {cron_jobs} and {hpas}");
}

#[test]
fn a_missing_real_world_folder_says_where_it_is_expected() {
    let missing = std::panic::catch_unwind(|| realworld_from(Some("/nonexistent/realworld".into())));
    let message = missing.expect_err("must fail");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("expected in /nonexistent/realworld"), "{text}");
}
