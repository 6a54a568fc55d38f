//! The manifest files a scenario names (`include:`, and the timeline's `apply|create|delete
//! -f`), read as kubectl reads `-f`: a file, or a folder's `.yaml`, `.yml` and `.json` files in
//! name order (sub-folders with `-R`); a folder with a kustomization takes its `resources:`
//! in their order. A `kind: List` (what `kubectl get -o yaml` prints) stands for its items.
//! Files come through [`Files`]: the core lists and reads, it never opens.

use super::diagnostic::{Diagnostic, Report};
use super::files::Files;
use super::node::Node;
use super::positions::{Anchor, YPath};
use super::source::{self, Loc};
use serde_yaml::Value;
use std::path::{Component, Path, PathBuf};

/// Reads the manifest files a scenario names, relative to the scenario's folder.
pub(crate) struct Loader<'f> {
    pub dir: PathBuf,
    pub files: &'f dyn Files,
    /// Each file's documents (None when it could not be read or parsed) and the diagnostics
    /// reading it gave, by path: a file that 200 timeline lines apply is read and parsed once
    /// per load (issue 21), its diagnostics repeated at each use as before.
    pub cache: std::cell::RefCell<std::collections::BTreeMap<PathBuf, CachedFile>>,
}

/// What reading one file gave: its documents, and the diagnostics pushed meanwhile.
pub(crate) type CachedFile = (Option<Vec<(Loc, Value)>>, Vec<crate::scenario::Diagnostic>);

/// The names of a kustomization file, in kustomize's order of preference.
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// The extensions of the files a folder contributes (kubectl's `FileExtensions`).
const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];
/// What a kustomization may hold that kubesim reads (or that changes nothing).
const KUSTOMIZATION_READ: &[&str] = &["apiVersion", "kind", "metadata", "resources", "bases"];
/// Deepest nesting of folders followed (`-R`, kustomizations naming folders).
const MAX_DEPTH: usize = 32;
/// The most files one name may stand for.
const MAX_FILES: usize = 10_000;

/// Whether `name` is somewhere else than this machine's files (a URL, a git remote).
pub(crate) fn is_remote(name: &str) -> bool {
    ["http://", "https://", "ssh://", "git@", "git::", "github.com/"].iter().any(|p| name.starts_with(p))
        || name.contains("?ref=")
}

fn remote_message(what: &str, name: &str) -> String {
    format!("{what}: {}", remote_advice(name))
}

/// What to do with a URL given where a file was expected.
pub(crate) fn remote_advice(name: &str) -> String {
    format!(
        "kubesim reads local files only, not URLs: download the file first (e.g. `curl -LO {name}`) and name the local copy"
    )
}

/// `path` with `.` and `name/..` removed, without asking the file system (kustomize's
/// `../base` from `overlays/canary` is `overlays/base`).
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

fn is_manifest_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e))
}

impl Loader<'_> {
    /// The documents of the manifest file or folder `rel` (named at `at`), each with its
    /// place, `kind: List`s flattened; `recursive` (`-R`) also reads a folder's sub-folders.
    /// `what` starts the message when `rel` cannot be read (`include: x.yaml`). None once
    /// an error is reported.
    pub(crate) fn manifest_file(
        &self,
        rel: &str,
        recursive: bool,
        at: &Node,
        what: &str,
        r: &mut Report,
    ) -> Option<Vec<(Loc, Value)>> {
        if is_remote(rel) {
            r.push(at.loc.error(&at.path, Anchor::Value, remote_message(what, rel)));
            return None;
        }
        let joined = self.dir.join(rel);
        let before = r.error_count();
        let paths = if self.files.is_file(&joined) {
            vec![joined]
        } else if self.files.is_dir(&joined) {
            let mut out = Vec::new();
            let mut stack = Vec::new();
            self.folder(&joined, recursive, &mut stack, &mut out, r);
            if r.error_count() == before && out.is_empty() {
                let abs = self.files.absolute(&joined);
                let msg = format!(
                    "{what}: no manifest files (.yaml, .yml, .json) in the folder (resolved to {}){}",
                    abs.display(),
                    if recursive {
                        ""
                    } else {
                        "; its sub-folders are read with -R (`kubesim run -R DIR`, `kubectl apply -R -f DIR`; in `include:`, `{path: DIR, recursive: true}`)"
                    }
                );
                r.push(at.loc.error(&at.path, Anchor::Value, msg));
            }
            out
        } else {
            let abs = self.files.absolute(&joined);
            let msg = format!("{what}: file not found (resolved to {})", abs.display());
            r.push(at.loc.error(&at.path, Anchor::Value, msg));
            return None;
        };
        let mut docs = Vec::new();
        for path in paths {
            if r.error_count() > before {
                break;
            }
            docs.extend(self.documents(&path, r).unwrap_or_default());
        }
        (r.error_count() == before).then_some(docs)
    }

    /// The objects of one file, each with its place.
    fn documents(&self, path: &Path, r: &mut Report) -> Option<Vec<(Loc, Value)>> {
        let key = normalize(path);
        if let Some((docs, diags)) = self.cache.borrow().get(&key) {
            r.diags.extend(diags.iter().cloned());
            return docs.clone();
        }
        let before = r.diags.len();
        let docs = self.read_documents(path, r);
        let diags = r.diags[before..].to_vec();
        self.cache.borrow_mut().insert(key, (docs.clone(), diags));
        docs
    }

    fn read_documents(&self, path: &Path, r: &mut Report) -> Option<Vec<(Loc, Value)>> {
        let src = source::read(self.files, path, path).map_err(|d| r.push(d)).ok()?;
        let docs = source::documents(&src).map_err(|d| r.push(d)).ok()?;
        let mut out = Vec::new();
        for (i, v) in docs.into_iter().enumerate().filter(|(_, v)| !v.is_null()) {
            flatten(Loc::new(&src, i, YPath::root()), v, &mut out, r);
            if out.len() > super::limits::MAX_OBJECTS_PER_FILE {
                let msg = format!(
                    "the file holds more than {} objects, kubesim's limit (each is checked and simulated): split \
                     it, or simulate fewer, larger workloads",
                    super::limits::MAX_OBJECTS_PER_FILE
                );
                r.push(Diagnostic::error(path, msg));
                return None;
            }
        }
        Some(out)
    }

    /// The files of folder `dir`, appended to `out`: a kustomization's resources, or the
    /// manifest files by name (and the sub-folders' with `recursive`). `stack` holds the
    /// folders being read, to refuse a kustomization that names itself.
    fn folder(&self, dir: &Path, recursive: bool, stack: &mut Vec<PathBuf>, out: &mut Vec<PathBuf>, r: &mut Report) {
        let norm = normalize(dir);
        if stack.contains(&norm) {
            r.push(Diagnostic::error(dir, "the folder names itself, through its kustomization's resources"));
            return;
        }
        if stack.len() >= MAX_DEPTH {
            r.push(Diagnostic::error(dir, format!("folders nested more than {MAX_DEPTH} deep")));
            return;
        }
        stack.push(norm);
        let kustomization = KUSTOMIZATION_FILES.iter().map(|n| dir.join(n)).find(|p| self.files.is_file(p));
        match kustomization {
            Some(k) => self.kustomization(dir, &k, stack, out, r),
            None => match self.files.list_dir(dir) {
                Ok(entries) => {
                    for e in entries {
                        if out.len() > MAX_FILES {
                            break;
                        }
                        if self.files.is_file(&e) && is_manifest_name(&e) {
                            out.push(e);
                        } else if recursive && self.files.is_dir(&e) {
                            self.folder(&e, true, stack, out, r);
                        }
                    }
                }
                Err(e) => r.push(Diagnostic::error(dir, format!("cannot list the folder: {e}"))),
            },
        }
        stack.pop();
        if stack.is_empty() && out.len() > MAX_FILES {
            let msg = format!("more than {MAX_FILES} manifest files: name fewer files or folders");
            r.push(Diagnostic::error(dir, msg));
        }
    }

    /// A kustomization's `resources:` (files and folders, in the listed order); any other
    /// kustomize feature is named in a warning as not applied.
    fn kustomization(&self, dir: &Path, path: &Path, stack: &mut Vec<PathBuf>, out: &mut Vec<PathBuf>, r: &mut Report) {
        let Some(src) = source::read(self.files, path, path).map_err(|d| r.push(d)).ok() else { return };
        let Some(docs) = source::documents(&src).map_err(|d| r.push(d)).ok() else { return };
        let Some((i, root)) = docs.iter().enumerate().find(|(_, d)| !d.is_null()) else { return };
        let loc = Loc::new(&src, i, YPath::root());
        let top = Node::root(&loc, root);
        if !root.is_mapping() {
            top.error(r, "expected a kustomization: a mapping with `resources:`", None);
            return;
        }
        let entries = top.entries(r);
        let ignored: Vec<&str> =
            entries.iter().map(|(k, _)| k.as_str()).filter(|k| !KUSTOMIZATION_READ.contains(k)).collect();
        if let Some((_, first)) = entries.iter().find(|(k, _)| !KUSTOMIZATION_READ.contains(&k.as_str())) {
            let msg =
                format!("kustomization: not applied by kubesim (only `resources:` is read): {}", ignored.join(", "));
            let help = format!(
                "to simulate them, run `kubectl kustomize {}` into a file and include that file",
                dir.display()
            );
            r.push(loc.warning(&first.path, Anchor::Key, msg).with_help(Some(help)));
        }
        for key in ["bases", "resources"] {
            let Some(list) = top.get(key) else { continue };
            if !list.v.is_null() && !list.expect_seq(r, "files and folders") {
                continue;
            }
            for item in list.items() {
                if out.len() > MAX_FILES {
                    return;
                }
                let Some(name) = item.string(r) else { continue };
                if is_remote(&name) {
                    item.error(r, remote_message(&format!("{key}: {name}"), &name), None);
                    continue;
                }
                let p = normalize(&dir.join(&name));
                if self.files.is_file(&p) {
                    out.push(p);
                } else if self.files.is_dir(&p) {
                    self.folder(&p, false, stack, out, r);
                } else {
                    let msg = format!("file or folder not found (resolved to {})", self.files.absolute(&p).display());
                    item.error(r, msg, None);
                }
            }
        }
    }
}

/// `value` (found at `loc`) into `out`, or its items when it is a `kind: List` (any kind
/// ending in `List` with `items`, as kubectl reads one), each placed in the file.
pub(crate) fn flatten(loc: Loc, value: Value, out: &mut Vec<(Loc, Value)>, r: &mut Report) {
    let is_list =
        value.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List")) && value.get("items").is_some();
    if !is_list {
        out.push((loc, value));
        return;
    }
    let items_path = YPath::root().key("items");
    match value.get("items") {
        Some(Value::Sequence(items)) => {
            for (j, item) in items.iter().enumerate() {
                flatten(loc.sub(&items_path.index(j)), item.clone(), out, r);
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => r.push(loc.error(&items_path, Anchor::Value, "items: expected a list of Kubernetes objects")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_without_the_file_system() {
        assert_eq!(normalize(Path::new("a/overlays/canary/../base/./x.yaml")), Path::new("a/overlays/base/x.yaml"));
        assert_eq!(normalize(Path::new("../x")), Path::new("../x"));
    }

    #[test]
    fn remote_names_are_recognised() {
        assert!(is_remote("https://example.com/a.yaml"));
        assert!(is_remote("http://example.com/a.yaml"));
        assert!(is_remote("github.com/org/repo//path?ref=v1"));
        assert!(!is_remote("manifests/http.yaml"));
    }
}
