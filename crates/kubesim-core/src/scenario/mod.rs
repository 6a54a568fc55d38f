//! Scenario loading: YAML -> validated [`Scenario`](crate::model::spec::Scenario).
//!
//! Every problem found is reported (not only the first), each with its file, line and
//! column, in the words Kubernetes and kubectl use.

mod analysis;
mod calls;
mod checker;
mod config;
mod convert;
pub mod diagnostic;
pub mod duration;
mod externals;
mod faults;
mod fields;
pub mod files;
mod hpa;
mod include;
mod job_policies;
pub(crate) mod kinds;
mod limits;
pub(crate) mod manifest;
pub mod memory;
mod network;
pub(crate) mod node;
pub(crate) mod node_pools;
mod overrides;
mod policy;
pub mod positions;
pub(crate) mod priority;
pub mod quantity;
pub(crate) mod registry;
mod rollout;
mod scheduler_config;
mod scheduling;
mod shape;
pub(crate) mod source;
mod storage;
pub mod suggest;
mod sweep;
pub(crate) mod timeline;
mod traffic;
pub(crate) mod validate;

pub use diagnostic::{Diagnostic, Severity};
pub use duration::parse_duration;
pub use files::{Files, MemoryFiles, NoFiles};
pub use quantity::{parse_quantity, Quantity};

pub(crate) use include::Loader;

use crate::model::spec::{Scenario, SweepSpec};
use diagnostic::Report;
use node::Node;
use positions::{Anchor, YPath};
use serde_yaml::Value;
use source::{Loc, Source};
use std::path::Path;
use std::rc::Rc;

/// A loaded scenario and the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub warnings: Vec<Diagnostic>,
    /// With a `sweep:` section: the scenario with each variant's `set:` applied, in the
    /// section's order (the seed is the scenario's; a sweep sets its own).
    pub variants: Vec<Scenario>,
    /// What a run will hold in memory (the largest of the variants' for a sweep), for the
    /// caller to hold against its budget (`--memory-budget`) before running anything.
    pub estimate: memory::Estimate,
}

/// Loads and validates one scenario file read from `files`, as are the files it names;
/// `overrides` are `--set PATH=VALUE` strings.
pub fn load_file(path: &Path, overrides: &[String], files: &dyn Files) -> Result<Loaded, Vec<Diagnostic>> {
    let src = source::read(files, path, path).map_err(|d| vec![d])?;
    load_source(src, overrides, true, files)
}

/// Same from text already in memory; `path` names it in messages and anchors `include:`
/// and `apply -f` paths, which are read from `files`.
pub fn load_str(path: &Path, text: &str, overrides: &[String], files: &dyn Files) -> Result<Loaded, Vec<Diagnostic>> {
    let src = source::from_text(path, text.to_string()).map_err(|d| vec![d])?;
    load_source(src, overrides, true, files)
}

/// Parses one timeline `run:` line on its own (the kubectl grammar, no scenario): the
/// fuzzing entry point of the kubectl parser. The error is the message a user would see.
#[doc(hidden)]
pub fn parse_kubectl_line(line: &str) -> Result<(), String> {
    crate::kubectl::parse_line(line).map(|_| ()).map_err(|e| e.message)
}

/// Whether `path` holds Kubernetes manifests rather than a scenario: its first document is
/// a mapping with `apiVersion` and `kind` (like `deploy/kubernetes/sweep-job.yaml`), or it
/// is a folder (of manifest files, or with a kustomization).
pub fn is_manifest_file(path: &Path, files: &dyn Files) -> bool {
    files.is_dir(path)
        || source::read(files, path, path).is_ok_and(|src| source::documents(&src).is_ok_and(|d| holds_manifests(&d)))
}

/// Whether the file's first document is a Kubernetes object rather than a scenario.
fn holds_manifests(docs: &[Value]) -> bool {
    docs.iter()
        .find(|d| !d.is_null())
        .and_then(Value::as_mapping)
        .is_some_and(|m| m.contains_key("apiVersion") && m.contains_key("kind") && !m.contains_key("objects"))
}

/// What a path given on the command line held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Scenario,
    /// Kubernetes manifests, loaded as a scenario on the defaults (`MANIFEST_ASSUMPTIONS`).
    Manifests,
}

/// Loads `path` as `run` and `validate` take it: a scenario file, or a file or folder of
/// manifests (`load_manifest_file`). A scenario file is read once.
pub fn load_path(
    path: &Path,
    sets: &[String],
    recursive: bool,
    files: &dyn Files,
) -> (Input, Result<Loaded, Vec<Diagnostic>>) {
    if files.is_dir(path) {
        return (Input::Manifests, load_manifest_file(path, sets, recursive, files));
    }
    // The file is parsed once: what it holds is read from the documents the scenario is
    // then loaded from.
    let src = match source::read(files, path, path) {
        Ok(src) => src,
        Err(d) => return (Input::Scenario, Err(vec![d])),
    };
    match source::documents(&src) {
        Err(d) => (Input::Scenario, Err(vec![d])),
        Ok(docs) if holds_manifests(&docs) => (Input::Manifests, load_manifest_file(path, sets, recursive, files)),
        Ok(docs) => (Input::Scenario, load_documents(src, docs, sets, true, files)),
    }
}

/// Loads a file (or folder) of Kubernetes manifests as a scenario that includes it, named
/// after it, on the default cluster for the default duration (`MANIFEST_ASSUMPTIONS`), with
/// `sets` applied (`--set duration=1h` works): every object is checked as in a scenario.
/// `recursive` (`-R`) reads a folder's sub-folders too.
pub fn load_manifest_file(
    path: &Path,
    sets: &[String],
    recursive: bool,
    files: &dyn Files,
) -> Result<Loaded, Vec<Diagnostic>> {
    let file = path.file_name().unwrap_or(path.as_os_str()).to_string_lossy().into_owned();
    let stem = path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy();
    let stem = validate::folder_name(&stem, config::MAX_NAME_BYTES);
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let name_line = format!("name: {}", quoted(&stem));
    let include_line = format!("include: [{{path: {}, recursive: {recursive}}}]", quoted(&file));
    let text = format!("{name_line}\n{include_line}\n");
    // The scenario above is kubesim's, not the user's: a problem placed on one of its lines
    // (the folder has no manifest files, the name is not allowed) names the path alone.
    let unplace = |mut d: Diagnostic| {
        if d.file == path && d.source_line.as_deref().is_some_and(|l| l == name_line || l == include_line) {
            (d.line, d.column, d.source_line) = (None, None, None);
            if let Some(rest) = d.message.strip_prefix(&format!("include: {file}: ")) {
                d.message = rest.to_string();
            }
        }
        d
    };
    match load_str(path, &text, sets, files) {
        Ok(mut loaded) => {
            loaded.warnings = loaded.warnings.into_iter().map(unplace).collect();
            Ok(loaded)
        }
        Err(diagnostics) => Err(diagnostics.into_iter().map(unplace).collect()),
    }
}

/// What `kubesim run MANIFEST` assumes, said when it runs one.
pub const MANIFEST_ASSUMPTIONS: &str = "Kubernetes manifests, not a scenario: simulated on the default cluster \
     (3 nodes \"worker-1\" to \"worker-3\", each 4 cpu, 16Gi memory, 110 pods) for the default 10m, seed 1, \
     without traffic (`--set duration=1h` and the like change it); write a scenario that includes them to choose \
     more (README: Bring your own manifests)";

/// Loads `src` with `sets` applied; `with_variants` also loads each sweep variant (which
/// checks its `set:` paths as `--set` would).
fn load_source(
    src: Rc<Source>,
    sets: &[String],
    with_variants: bool,
    files: &dyn Files,
) -> Result<Loaded, Vec<Diagnostic>> {
    let docs = source::documents(&src).map_err(|d| vec![d])?;
    load_documents(src, docs, sets, with_variants, files)
}

/// [`load_source`] of the file's documents, parsed already. A sweep's variants are loaded
/// from a copy of them (a copy costs a fraction of parsing the file again per variant).
fn load_documents(
    src: Rc<Source>,
    docs: Vec<Value>,
    sets: &[String],
    with_variants: bool,
    files: &dyn Files,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut r = Report::default();
    let has_sweep = docs.first().and_then(Value::as_mapping).is_some_and(|m| m.contains_key("sweep"));
    let pristine = (with_variants && has_sweep).then(|| docs.clone());
    let mut root = scenario_root(&src, docs).map_err(|d| vec![d])?;
    let ovs = overrides::parse_all(sets, &src.path, &mut r);
    overrides::apply_scenario(&mut root, &ovs, &src.path, &mut r);
    let loc = Loc::new(&src, 0, YPath::root());
    let top = Node::root(&loc, &root);
    top.check_keys(&mut r, config::TOP_KEYS, "the scenario");
    let sweep = sweep::sweep(top.get("sweep"), &mut r);
    let stem = src.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario".into());
    let mut header = config::header(&top, &stem, &mut r);
    let loader =
        Loader { dir: src.path.parent().map(Path::to_path_buf).unwrap_or_default(), files, cache: Default::default() };
    let config_at = top.get("cluster").and_then(|c| c.get("scheduler")).and_then(|s| s.get("config"));
    let scheduler_config = scheduler_config::load(config_at, &loader, &mut header.control_plane, &mut r);
    let mut manifests = initial_manifests(&top, &loc, &loader, &mut r);
    {
        let mut refs: Vec<&mut Value> = manifests.iter_mut().map(|(_, v)| v).collect();
        overrides::apply_objects(&mut refs, &ovs, &src.path, &mut r);
    }
    let mut parsed: Vec<_> = manifests.iter().filter_map(|(l, v)| manifest::parse(v, l, None, &mut r)).collect();
    analysis::check_refs(&parsed, &mut r);
    let mut reg = registry::Registry::default();
    priority::resolve(&mut parsed, &reg, true, &mut r);
    let objects = reg.add_initial(parsed, &mut r);
    let timeline = timeline::timeline(top.get("timeline"), &loader, &mut reg, &header.nodes, header.duration, &mut r);
    let traffic = traffic::traffic(top.get("traffic"), &reg, header.duration, &mut r);
    let faults = faults::faults(top.get("faults"), &header.nodes, &mut r);
    let externals = externals::externals(top.get("externals"), &mut r);
    externals::warn_unnamed(top.get("externals"), &objects, &timeline, &header.images, &mut r);
    reg.warn_missing_backends(&mut r);
    r.warn_not_simulated(&src.path);
    if r.has_errors() {
        return Err(r.into_sorted());
    }
    let scenario = Scenario {
        name: header.name,
        description: header.description,
        seed: header.seed,
        duration: header.duration,
        sample: header.sample,
        nodes: header.nodes,
        control_plane: header.control_plane,
        scoring: header.scoring,
        scheduler_config,
        images: header.images,
        externals,
        objects,
        timeline,
        traffic,
        faults,
        sweep,
        analysis_templates: std::mem::take(&mut r.analysis_templates),
        autoscaler: header.autoscaler,
    };
    scheduler_config::warn_unscheduled(&scenario, &src.path, &mut r);
    let mut estimate = memory::Estimate::of(&scenario, reg.desired_pods);
    let variants = match &scenario.sweep {
        Some(spec) if with_variants => {
            let docs = pristine.unwrap_or_default();
            load_variants(&src, &docs, sets, &top, spec, files, &mut r, &mut estimate)
        }
        _ => Vec::new(),
    };
    if r.has_errors() {
        return Err(r.into_sorted());
    }
    Ok(Loaded { scenario, warnings: r.diags, variants, estimate })
}

/// Loads the scenario once per sweep variant, with the variant's `set:` after `sets`. A
/// variant that does not load is reported at its `set:` entry (or at `set:` when only the
/// entries together fail), with the problem the loader found.
#[allow(clippy::too_many_arguments)]
fn load_variants(
    src: &Rc<Source>,
    docs: &[Value],
    sets: &[String],
    top: &Node,
    spec: &SweepSpec,
    files: &dyn Files,
    r: &mut Report,
    estimate: &mut memory::Estimate,
) -> Vec<Scenario> {
    let mut out = Vec::new();
    let items = top.get("sweep").and_then(|s| s.get("variants")).map(|v| v.items()).unwrap_or_default();
    for (variant, item) in spec.variants.iter().zip(&items) {
        let with = |extra: &[String]| -> Vec<String> { sets.iter().chain(extra).cloned().collect() };
        let load = |sets: &[String]| load_documents(Rc::clone(src), docs.to_vec(), sets, false, files);
        match load(&with(&variant.set_args())) {
            Ok(loaded) => {
                *estimate = estimate.max(loaded.estimate);
                out.push(loaded.scenario);
            }
            Err(diags) => {
                let set = item.get("set").unwrap_or_else(|| item.clone());
                let mut placed = false;
                for (arg, (path, _)) in variant.set_args().iter().zip(&variant.set) {
                    let Err(diags) = load(&with(std::slice::from_ref(arg))) else {
                        continue;
                    };
                    let at = set.get(path).unwrap_or_else(|| set.clone());
                    report_variant_errors(&at, &variant.name, arg, &diags, r);
                    placed = true;
                }
                if !placed {
                    report_variant_errors(&set, &variant.name, &variant.set_args().join(" "), &diags, r);
                }
            }
        }
    }
    out
}

/// The errors of a variant's load, placed at `at` in the sweep section.
fn report_variant_errors(at: &Node, variant: &str, arg: &str, diags: &[Diagnostic], r: &mut Report) {
    for d in diags.iter().filter(|d| d.is_error()) {
        let what = d.message.strip_prefix(&format!("--set {arg}: ")).unwrap_or(&d.message);
        let msg = format!("sweep variant \"{variant}\": set {arg}: {what}");
        r.push(at.loc.error(&at.path, Anchor::Key, msg).with_help(d.help.clone()));
    }
}

/// The scenario file's single document, which must be a mapping.
#[allow(clippy::result_large_err)]
fn scenario_root(src: &Rc<Source>, mut docs: Vec<Value>) -> Result<Value, Diagnostic> {
    let empty = "the scenario is empty: expected a mapping with at least `objects`";
    if docs.len() > 1 && docs.iter().skip(1).any(|d| !d.is_null()) {
        let loc = Loc::new(src, 1, YPath::root());
        return Err(loc
            .error(
                &YPath::root(),
                Anchor::Value,
                "a scenario file holds one YAML document (found a second after `---`)",
            )
            .with_help(Some("put Kubernetes manifests under `objects:`, or in a file named under `include:`".into())));
    }
    let root = if docs.is_empty() { Value::Null } else { docs.swap_remove(0) };
    match root {
        Value::Null => Err(Diagnostic::error(&src.path, empty)),
        Value::Mapping(_) => Ok(root),
        other => {
            let loc = Loc::new(src, 0, YPath::root());
            Err(loc.error(
                &YPath::root(),
                Anchor::Value,
                format!(
                    "expected a mapping at the top of the scenario (name, cluster, objects, ...), found {}",
                    node::describe(&other)
                ),
            ))
        }
    }
}

/// Inline `objects` and the documents of `include` files, each with its place.
fn initial_manifests(top: &Node, loc: &Loc, loader: &Loader, r: &mut Report) -> Vec<(Loc, Value)> {
    let mut out = Vec::new();
    let objects = top.get("objects");
    let include = top.get("include");
    // A scenario may start empty and create everything on its timeline (`kubectl create
    // deployment ...`, `kubectl apply -f ...`), as a tutorial does.
    if objects.is_none() && include.is_none() && top.get("timeline").is_none() {
        top.error(r, "the scenario has no `objects`: expected a list of Kubernetes manifests under `objects:` (or files under `include:`, or a `timeline:` that creates them)", None);
    }
    if let Some(objs) = objects.filter(|o| o.expect_seq(r, "Kubernetes objects")) {
        for item in objs.items() {
            include::flatten(loc.sub(&item.path), item.v.clone(), &mut out, r);
            if out.len() > limits::MAX_OBJECTS_PER_FILE {
                let msg = format!(
                    "objects: more than {} objects, kubesim's limit for a file (each is checked and simulated)",
                    limits::MAX_OBJECTS_PER_FILE
                );
                objs.error(r, msg, None);
                return out;
            }
        }
    }
    let Some(include) = include else { return out };
    let files: Vec<Node> = if include.v.is_string() {
        vec![include.clone()]
    } else if include.expect_seq(r, "manifest files") {
        include.items()
    } else {
        vec![]
    };
    for f in files {
        let Some((rel, recursive)) = include_entry(&f, r) else { continue };
        out.extend(loader.manifest_file(&rel, recursive, &f, &format!("include: {rel}"), r).unwrap_or_default());
    }
    out
}

/// One `include:` entry: a path, or `{path: DIR, recursive: true}` to read a folder's
/// sub-folders too, as `kubectl apply -R -f DIR` does.
fn include_entry(f: &Node, r: &mut Report) -> Option<(String, bool)> {
    if !f.v.is_mapping() {
        return f.string(r).map(|rel| (rel, false));
    }
    if !f.check_keys(r, &["path", "recursive"], "an include entry") {
        return None;
    }
    let Some(path) = f.get("path") else {
        f.error(r, "an include entry needs `path`: the file or folder to read", None);
        return None;
    };
    let recursive = match f.get("recursive") {
        Some(n) => n.boolean(r)?,
        None => false,
    };
    Some((path.string(r)?, recursive))
}

#[cfg(test)]
mod tests;
