//! Bringing one's own manifests: every kind accepted (what is not simulated listed in one
//! warning), `kind: List`, JSON, Helm's output, folders and kustomizations, URLs refused.

use super::*;
use crate::model::spec::KubectlCommand;

/// A Deployment `name` as a manifest document.
fn dep_doc(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: a, image: nginx}}]}}\n"
    )
}

const ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: []\n";

/// Loads `dir/s.yaml` with `text`, reading the other files from `files`.
fn load_in(files: &MemoryFiles, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_str(Path::new("dir/s.yaml"), text, &[], files)
}

fn ok_in(files: &MemoryFiles, text: &str) -> Loaded {
    load_in(files, text)
        .unwrap_or_else(|e| panic!("{}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")))
}

fn warnings(l: &Loaded) -> Vec<String> {
    l.warnings.iter().map(|d| d.message.clone()).collect()
}

fn not_simulated(l: &Loaded) -> Vec<String> {
    warnings(l).into_iter().filter(|w| w.starts_with("not simulated")).collect()
}

fn object_names(l: &Loaded) -> Vec<String> {
    l.scenario.objects.iter().map(|o| o.id.name.clone()).collect()
}

#[test]
fn an_unknown_kind_is_accepted_with_one_warning() {
    let text = format!("{DEP}  - {{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {{name: deny}}, spec: {{podSelector: {{}}}}}}\n");
    let l = ok(&text);
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): NetworkPolicy (1)"]);
    assert_eq!(object_names(&l), ["web"], "the policy has no effect on the run");
    assert!(l.warnings.iter().all(|d| !d.is_error()));
}

#[test]
fn several_kinds_are_counted_once_each_sorted() {
    let objects = [
        "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}",
        "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: a}}",
        "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: b}}",
        "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {generateName: g-}}",
        "{apiVersion: networking.istio.io/v1beta1, kind: VirtualService, metadata: {name: v}, spec: {hosts: [x]}}",
        "{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: h, namespace: default}}",
        "{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}, anything: {goes: here}}",
        "{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: np}}",
    ];
    let text: String = objects.iter().map(|o| format!("  - {o}\n")).collect();
    let l = ok(&format!("{DEP}{text}"));
    assert_eq!(
        not_simulated(&l),
        ["not simulated (accepted, no effect): ClusterRole (3), ConfigMap (1), \
          HTTPRoute.gateway.networking.k8s.io (1), NetworkPolicy (1), VirtualService.networking.istio.io (1), \
          Widget.example.com (1)"]
    );
    assert!(ok(DEP).warnings.iter().all(|w| !w.message.starts_with("not simulated")), "no such kinds, no warning");
}

#[test]
fn a_kind_without_a_name_is_an_error_at_its_place() {
    let e = first_error(&format!(
        "{DEP}  - apiVersion: rbac.authorization.k8s.io/v1\n    kind: Role\n    metadata:\n      namespace: default\n"
    ));
    assert_eq!(e.message, "role/<unnamed>: metadata.name: Required value: name or generateName is required");
    assert_eq!((e.line, e.column), (Some(13), Some(5)), "at `metadata:`");
    let e = first_error(&format!("{DEP}  - {{apiVersion: example.com/v1, kind: Widget}}\n"));
    assert!(e.message.contains("metadata.name: Required value"), "{}", e.message);
    assert_eq!(e.line, Some(11));
    let e = first_error(&format!("{DEP}  - {{apiVersion: example.com/v1, kind: '', metadata: {{name: x}}}}\n"));
    assert!(e.message.starts_with("kind must be a non-empty string"), "{}", e.message);
}

#[test]
fn a_misspelt_kind_of_kubernetes_own_groups_is_still_an_error() {
    let e = first_error(&format!(
        "{DEP}  - {{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoel, metadata: {{name: r}}}}\n"
    ));
    assert_eq!(e.message, "no matches for kind \"ClusterRoel\" in version \"rbac.authorization.k8s.io/v1\"");
    assert_eq!(e.help.as_deref(), Some("did you mean `ClusterRole`?"));
}

#[test]
fn a_list_is_flattened_and_errors_point_into_it() {
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        [dep_doc("a"), ROLE.to_string(), dep_doc("b")]
            .iter()
            .map(|d| d
                .lines()
                .enumerate()
                .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
                .collect::<String>())
            .collect::<String>()
    );
    let mut files = MemoryFiles::default();
    files.insert("dir/list.yaml", list.clone());
    let l = ok_in(&files, "include: [list.yaml]\n");
    assert_eq!(object_names(&l), ["a", "b"]);
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): ClusterRole (1)"]);
    // The second Deployment starts on line 16 of the file.
    files.insert("dir/list.yaml", list.replace("{name: b}", "{name: b, labelz: {}}"));
    let d = load_in(&files, "include: [list.yaml]\n").unwrap_err();
    assert_eq!(d[0].message, "deployment/b: unknown field \"metadata.labelz\"");
    assert_eq!(d[0].file, Path::new("dir/list.yaml"));
    assert_eq!((d[0].line, d[0].column), (Some(18), Some(23)));
    // Inline, too.
    let l = ok(&format!("objects:\n  - apiVersion: v1\n    kind: List\n    items: [{ROLE}]\n")
        .replace(&format!("[{ROLE}]"), "[{apiVersion: v1, kind: ServiceAccount, metadata: {name: s}}]"));
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): ServiceAccount (1)"]);
}

#[test]
fn json_objects_and_lists_load_as_yaml_does() {
    let dep = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "j"},
  "spec": {"selector": {"matchLabels": {"app": "j"}},
    "template": {"metadata": {"labels": {"app": "j"}}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}}}}"#;
    let mut files = MemoryFiles::default();
    files.insert("dir/one.json", dep);
    files.insert(
        "dir/list.json",
        format!(r#"{{"apiVersion": "v1", "kind": "List", "items": [{}, {{"apiVersion": "v1", "kind": "Secret", "metadata": {{"name": "s"}}}}]}}"#, dep.replace("\"j\"", "\"k\"")),
    );
    let l = ok_in(&files, "include: [one.json, list.json]\n");
    assert_eq!(object_names(&l), ["j", "k", "s"]);
    files.insert("dir/bad.json", dep.replace("\"image\"", "\"imag\""));
    let d = load_in(&files, "include: [bad.json]\n").unwrap_err();
    assert_eq!(d[0].message, "deployment/j: unknown field \"spec.template.spec.containers[0].imag\"");
    assert_eq!((d[0].line, d[0].column), (Some(3), Some(94)));
    assert!(is_manifest_file(Path::new("dir/list.json"), &files));
    assert_eq!(
        load_manifest_file(Path::new("dir/one.json"), &[], false, &files).map(|l| l.scenario.objects.len()),
        Ok(1)
    );
}

#[test]
fn empty_documents_and_helm_source_comments_are_fine() {
    let text = format!(
        "---\n# Source: chart/templates/sa.yaml\n---\n---\n# Source: chart/templates/deploy.yaml\n{}---\n# nothing here\n---\n# Source: chart/templates/role.yaml\n{ROLE}\n---\n",
        dep_doc("h").replace("image: nginx", "image: nginx, imagePullPolicy: Sometimes")
    );
    let mut files = MemoryFiles::default();
    files.insert("dir/helm.yaml", text.clone());
    let d = load_in(&files, "include: [helm.yaml]\n").unwrap_err();
    assert!(d[0].message.contains("Unsupported value: \"Sometimes\""), "{}", d[0].message);
    assert_eq!(d[0].line, Some(13), "placed past the empty documents");
    files.insert("dir/helm.yaml", text.replace(", imagePullPolicy: Sometimes", ""));
    let l = ok_in(&files, "include: [helm.yaml]\n");
    assert_eq!(object_names(&l), ["h"]);
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): ClusterRole (1)"]);
}

#[test]
fn a_folder_is_read_in_name_order_without_its_sub_folders() {
    let mut files = MemoryFiles::default();
    files.insert("dir/m/b.yaml", dep_doc("b")).insert("dir/m/a.yml", dep_doc("a")).insert("dir/m/c.json", ROLE);
    files.insert("dir/m/notes.txt", "not yaml").insert("dir/m/sub/d.yaml", dep_doc("d"));
    let l = ok_in(&files, "include: [m]\n");
    assert_eq!(object_names(&l), ["a", "b"]);
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): ClusterRole (1)"]);
    let l = ok_in(&files, "include: [m/]\n");
    assert_eq!(object_names(&l), ["a", "b"]);
    // kubectl's -R reads the sub-folders, on the timeline.
    let timeline = |line: &str| {
        let text = format!("objects: []\ntimeline:\n  - {{at: 1m, run: '{line}'}}\n");
        let l = ok_in(&files, &text);
        match l.scenario.timeline[0].kubectl() {
            Some(KubectlCommand::Apply { objects }) => objects.iter().map(|o| o.id.name.clone()).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(timeline("kubectl apply -f m"), ["a", "b"]);
    assert_eq!(timeline("kubectl apply -R -f m"), ["a", "b", "d"]);
    files.insert("dir/empty/readme.md", "");
    let e = load_in(&files, "include: [empty]\n").unwrap_err();
    assert!(
        e[0].message.starts_with("include: empty: no manifest files (.yaml, .yml, .json) in the folder"),
        "{}",
        e[0].message
    );
}

#[test]
fn a_kustomization_takes_its_resources_in_order() {
    let mut files = MemoryFiles::default();
    files.insert("dir/base/z.yaml", dep_doc("z")).insert("dir/base/a.yaml", dep_doc("a"));
    files.insert("dir/base/unlisted.yaml", dep_doc("unlisted"));
    files.insert(
        "dir/base/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [z.yaml, a.yaml]\n",
    );
    files.insert("dir/app/role.yaml", ROLE);
    files.insert(
        "dir/app/kustomization.yml",
        "resources:\n- ../base\n- role.yaml\nnamePrefix: dev-\nimages:\n- {name: nginx, newTag: '1.25'}\n",
    );
    let l = ok_in(&files, "include: [app]\n");
    assert_eq!(object_names(&l), ["z", "a"]);
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): ClusterRole (1)"]);
    let w: Vec<&Diagnostic> = l.warnings.iter().filter(|d| d.message.starts_with("kustomization")).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].message, "kustomization: not applied by kubesim (only `resources:` is read): namePrefix, images");
    assert_eq!((w[0].file.as_path(), w[0].line), (Path::new("dir/app/kustomization.yml"), Some(4)));
    files.insert("dir/app/kustomization.yml", "resources: [../base, missing.yaml]\n");
    let e = load_in(&files, "include: [app]\n").unwrap_err();
    assert!(e[0].message.starts_with("resources[1]: file or folder not found"), "{}", e[0].message);
    assert_eq!((e[0].line, e[0].column), (Some(1), Some(22)));
    files.insert("dir/app/kustomization.yml", "resources: [../app]\n");
    assert!(load_in(&files, "include: [app]\n").unwrap_err()[0].message.contains("names itself"));
    // A kustomization named as a file is not an object: a warning, nothing loaded.
    let l = ok_in(&files, "include: [base/kustomization.yaml, base/a.yaml]\n");
    assert_eq!(object_names(&l), ["a"]);
    assert!(warnings(&l).iter().any(|w| w.starts_with("a kustomization (kustomize's own file")), "{:?}", warnings(&l));
}

#[test]
fn a_url_is_refused_with_what_to_do() {
    let mut files = MemoryFiles::default();
    files.insert("dir/k/kustomization.yaml", "resources: [https://example.com/x.yaml]\n");
    let e = load_in(&files, "include: [https://example.com/app.yaml]\n").unwrap_err();
    assert_eq!(
        e[0].message,
        "include: https://example.com/app.yaml: kubesim reads local files only, not URLs: download the file first \
         (e.g. `curl -LO https://example.com/app.yaml`) and name the local copy"
    );
    assert_eq!(e[0].line, Some(1));
    let e = load_in(&files, "include: [k]\n").unwrap_err();
    assert!(e[0].message.contains("kubesim reads local files only, not URLs"), "{}", e[0].message);
    let text = "objects: []\ntimeline:\n  - {at: 1m, run: 'kubectl apply -f http://example.com/a.yaml'}\n";
    let e = load_in(&files, text).unwrap_err();
    assert!(
        e[0].message.contains("apply -f http://example.com/a.yaml: kubesim reads local files only"),
        "{}",
        e[0].message
    );
}

#[test]
fn the_same_object_applied_twice_counts_once() {
    let mut files = MemoryFiles::default();
    files.insert("dir/role.yaml", ROLE);
    let text = "include: [role.yaml]\ntimeline:\n  - {at: 1m, run: 'kubectl apply -f role.yaml'}\n  - {at: 2m, run: 'kubectl apply -f role.yaml'}\n";
    let l = ok_in(&files, text);
    assert_eq!(not_simulated(&l), ["not simulated (accepted, no effect): ClusterRole (1)"]);
}

#[test]
fn a_scenario_may_start_empty_and_create_everything_on_its_timeline() {
    let mut files = MemoryFiles::default();
    files.insert("dir/web.yaml", dep_doc("web"));
    let l = ok_in(&files, "timeline:\n  - {at: 10s, run: 'kubectl apply -f web.yaml'}\n");
    assert!(l.scenario.objects.is_empty());
    assert_eq!(l.scenario.timeline.len(), 1);
    // Nothing at all to simulate is still an error.
    let e = load_in(&files, "name: empty\n").unwrap_err();
    assert!(e[0].message.contains("the scenario has no `objects`"), "{}", e[0].message);
}

#[test]
fn a_manifest_file_is_a_scenario_named_after_it_with_overrides() {
    let mut files = MemoryFiles::default();
    files.insert("dir/web.yaml", dep_doc("web"));
    let l = load_manifest_file(Path::new("dir/web.yaml"), &["duration=2m".to_string()], false, &files).expect("loads");
    assert_eq!(l.scenario.name, "web");
    assert_eq!(l.scenario.duration, crate::engine::SimDuration::from_secs(120));
    assert_eq!(l.scenario.nodes.iter().map(|g| g.count).sum::<u32>(), 3);
    let l = load_manifest_file(Path::new("dir/web.yaml"), &[], false, &files).expect("loads");
    assert_eq!(l.scenario.duration, crate::engine::SimDuration::from_secs(600), "the default 10m");
}

/// `MemoryFiles` that counts the reads of each file.
#[derive(Default)]
struct CountingFiles {
    inner: MemoryFiles,
    reads: std::cell::RefCell<std::collections::BTreeMap<std::path::PathBuf, usize>>,
}

impl Files for CountingFiles {
    fn is_file(&self, path: &Path) -> bool {
        self.inner.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(path)
    }
    fn read(&self, path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
        *self.reads.borrow_mut().entry(path.to_path_buf()).or_insert(0) += 1;
        self.inner.read(path, cap)
    }
    fn list_dir(&self, path: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
        self.inner.list_dir(path)
    }
}

#[test]
fn a_file_applied_by_many_timeline_lines_is_read_once_and_its_errors_repeat_at_each() {
    // issue 21: 200 `apply -f` of one 10 MB file read and parsed it 200 times.
    let mut files = CountingFiles::default();
    files.inner.insert("dir/web.yaml", dep_doc("web"));
    files.inner.insert("dir/bad.yaml", "kind: [\n");
    let lines: String =
        (0..200).map(|i| format!("  - {{at: {}s, run: 'kubectl apply -f web.yaml'}}\n", i + 1)).collect();
    let l = load_str(Path::new("dir/s.yaml"), &format!("objects: []\ntimeline:\n{lines}"), &[], &files)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(l.scenario.timeline.len(), 200);
    assert!(l
        .scenario
        .timeline
        .iter()
        .all(|e| matches!(e.kubectl(), Some(KubectlCommand::Apply { objects }) if objects.len() == 1)));
    assert_eq!(files.reads.borrow().get(Path::new("dir/web.yaml")), Some(&1), "read once");
    let text = "objects: []\ntimeline:\n  - {at: 1s, run: 'kubectl apply -f bad.yaml'}\n  - {at: 2s, run: 'kubectl apply -f bad.yaml'}\n";
    let e = load_str(Path::new("dir/s.yaml"), text, &[], &files).unwrap_err();
    assert_eq!(e.iter().filter(|d| d.file == Path::new("dir/bad.yaml")).count(), 2, "{e:?}");
}

#[test]
fn a_file_of_more_objects_than_the_cap_is_refused_naming_the_cap() {
    let mut files = MemoryFiles::default();
    let doc = "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n---\n";
    files.insert("dir/many.yaml", doc.repeat(crate::scenario::limits::MAX_OBJECTS_PER_FILE + 1));
    let e = load_in(&files, "include: [many.yaml]\n").unwrap_err();
    assert!(e[0].message.contains("more than 100000 objects, kubesim's limit"), "{}", e[0].message);
}
