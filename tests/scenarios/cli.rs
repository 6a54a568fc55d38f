//! The command line: exit codes, messages on stderr, and no output on bad input.

use crate::support::{arg, kubesim, repo_path};
use std::process::Output;

/// kubesim with `args` and `--out out`.
fn kubesim_to(args: &[&str], out: &std::path::Path) -> Output {
    kubesim(args).arg("--out").arg(out).output().expect("kubesim runs")
}

#[test]
fn every_bad_fixture_exits_2_names_the_file_and_writes_nothing() {
    let dir = repo_path("tests/fixtures/bad");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let out = tempfile::tempdir().expect("temp dir");
        let output = kubesim_to(&["run", path.to_str().expect("utf-8 path")], out.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(output.status.code(), Some(2), "{file_name}: exit code, stderr:\n{stderr}");
        assert!(stderr.contains(file_name), "{file_name}: the message names the file:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{file_name}: panicked:\n{stderr}");
        let written = std::fs::read_dir(out.path()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(written, 0, "{file_name}: output was written");
        checked += 1;
    }
    assert!(checked >= 13, "only {checked} bad fixtures");
}

#[test]
fn validate_reports_ok_and_runs_nothing() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = kubesim(&["validate"])
        .current_dir(out.path())
        .arg(repo_path("scenarios/nginx-rolling-update.yaml"))
        .output()
        .expect("kubesim runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok"));
    assert!(!out.path().join("output").exists());
}

#[test]
fn run_writes_every_file() {
    let out = tempfile::tempdir().expect("temp dir");
    let output =
        kubesim_to(&["run", "--quiet", repo_path("scenarios/recreate.yaml").to_str().expect("path")], out.path());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    for f in [
        "summary.json",
        "run.json",
        "timeseries.csv",
        "pods.csv",
        "events.csv",
        "charts/deployment-api.svg",
        "charts/deployment-api.png",
        "charts/pods.svg",
        "charts/pods.png",
        "charts/allocation.svg",
        "charts/allocation.png",
        "report.html",
    ] {
        assert!(out.path().join("recreate").join(f).is_file(), "{f} missing");
    }
    let png = std::fs::read(out.path().join("recreate/charts/pods.png")).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a real PNG");
    // Every chart keeps within a palette (IHDR's colour type, byte 25, is 3: indexed): its
    // antialiased edges take 16 opacities, not plotters' 256 (before, five of recreate's six
    // charts had 261 to 298 colours and were stored as RGB, twice the bytes).
    for entry in std::fs::read_dir(out.path().join("recreate/charts")).expect("charts") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "png") {
            let png = std::fs::read(&path).expect("png");
            assert_eq!(png[25], 3, "{} is not stored with a palette", path.display());
        }
    }
    let leftovers: Vec<_> = ["recreate", "recreate/charts"]
        .iter()
        .flat_map(|d| std::fs::read_dir(out.path().join(d)).expect("dir").filter_map(|e| e.ok()))
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn unknown_flags_are_usage_errors() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = kubesim_to(&["run", "--sed", "3", "x.yaml"], out.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_missing_file_is_invalid_input() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = kubesim_to(&["run", "no/such/scenario.yaml"], out.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/scenario.yaml"));
}

#[test]
fn the_report_is_one_page_with_the_figures_the_charts_and_the_data_inline() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = repo_path("scenarios/bench/rollout-1000.yaml");
    let output = kubesim_to(&["run", "--quiet", file.to_str().expect("path")], out.path());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let html = std::fs::read_to_string(out.path().join("rollout-1000/report.html")).expect("report");
    assert!(html.contains("<th>rollout_duration_s</th>"));
    assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo"), "charts are inline PNGs");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from the network");
    // 2,000 pods: the data is embedded, the DOM stays small (rows are built a page at a time).
    assert!(html.contains("\"pods\":[["));
    assert!(html.len() < 4_000_000, "{} bytes", html.len());
    assert!(html.matches("<tr>").count() < 100);
}

#[test]
fn watch_prints_kubectl_get_tables_at_virtual_intervals_and_changes_nothing() {
    let (plain, watched) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let file = repo_path("scenarios/nginx-rolling-update.yaml");
    let file = file.to_str().expect("path");
    let without = kubesim_to(&["run", "--quiet", file], plain.path());
    let with = kubesim_to(&["run", "--quiet", "--watch", "30s", file], watched.path());
    assert_eq!(with.status.code(), Some(0), "{}", String::from_utf8_lossy(&with.stderr));
    assert!(without.stdout.is_empty());
    let out = String::from_utf8_lossy(&with.stdout);
    // 0s, 30s, ... 6m: 13 snapshots.
    assert_eq!(out.matches("(virtual time) ---").count(), 13, "{out}");
    assert!(out.contains("--- 1m30s (virtual time) ---"));
    assert!(out.contains("NAME                        READY   UP-TO-DATE   AVAILABLE\ndeployment.apps/nginx-dep   "));
    assert!(out.contains("READY   STATUS"));
    assert!(out.contains("Running   0          "));
    for f in ["summary.json", "events.csv", "pods.csv", "timeseries.csv"] {
        let read = |d: &std::path::Path| std::fs::read(d.join("nginx-rolling-update").join(f)).expect("file");
        assert!(read(plain.path()) == read(watched.path()), "{f} differs with --watch");
    }
    let bad = kubesim_to(&["run", "--watch", "soon", file], watched.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_huge_string_is_rejected_with_a_short_placed_message_and_no_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge-string.yaml");
    let name = "a".repeat(2_000_000);
    let text = format!(
        "objects:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {{name: {name}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n"
    );
    std::fs::write(&path, text).expect("write");
    let out = dir.path().join("out");
    let output = kubesim_to(&["run", path.to_str().expect("utf-8 path")], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{}", &stderr[..stderr.len().min(2000)]);
    assert!(stderr.contains("huge-string.yaml:4:22: "), "placed: {}", &stderr[..stderr.len().min(300)]);
    assert!(stderr.contains("must be no more than 253 characters"), "{}", &stderr[..stderr.len().min(2000)]);
    assert!(stderr.len() < 10_000, "the message quotes the whole value: {} bytes", stderr.len());
    assert!(!out.exists(), "output was written");
}

/// A path that is not a regular file is named as such and refused at once, not read (a
/// device never ends, a named pipe waits for a writer for ever), and nothing is written.
#[cfg(unix)]
#[test]
fn a_device_a_pipe_or_a_link_loop_is_named_as_such() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    std::os::unix::fs::symlink(&b, &a).expect("link");
    std::os::unix::fs::symlink(&a, &b).expect("link");
    let cases = [
        ("/dev/zero".to_string(), "a character device, not a regular file"),
        (arg(&fifo).to_string(), "a named pipe (FIFO), not a regular file"),
        (arg(&a).to_string(), "a loop of symbolic links"),
    ];
    for (path, said) in cases {
        let output = kubesim_to(&["run", &path], out.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("{path}: cannot read the file: {said}")), "{stderr}");
    }
    assert_eq!(std::fs::read_dir(out.path()).map(|d| d.count()).unwrap_or(0), 0, "output was written");
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly() {
    // `kubesim validate ... | head -1`: the reader is gone before kubesim writes its lines.
    let scenario = repo_path("scenarios/recreate.yaml");
    let args: Vec<&std::path::Path> = vec![scenario.as_path(); 200];
    let mut child = kubesim(&["validate"])
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubesim starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("kubesim ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn validate_takes_a_folder_of_manifests_and_a_json_list() {
    let dir = tempfile::tempdir().expect("temp dir");
    let m = dir.path().join("m");
    std::fs::create_dir(&m).expect("mkdir");
    std::fs::write(
        m.join("a.yaml"),
        "# Source: chart/templates/role.yaml\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n---\n",
    )
    .expect("write");
    std::fs::write(
        m.join("b.json"),
        r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "nginx"}]}}]}"#,
    )
    .expect("write");
    let output = kubesim(&["validate"]).arg(&m).arg(m.join("b.json")).output().expect("kubesim runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.matches(": ok (Kubernetes manifests, 1 objects)").count(), 2, "{stdout}");
    assert_eq!(stderr.matches("warning: ").count(), 1, "{stderr}");
    assert!(stderr.contains("not simulated (accepted, no effect): Role (1)"), "{stderr}");
}

/// A folder whose manifests are in sub-folders: without -R it is an error that names the
/// folder alone (no line of a scenario the user never wrote) and says how to read them; with
/// -R (as `kubectl apply -R -f`) they load, and `include:` says it with `recursive: true`.
#[test]
fn a_folder_of_sub_folders_needs_recursive_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let k8s = dir.path().join("k8s");
    for (sub, name) in [("web", "web"), ("api", "api")] {
        std::fs::create_dir_all(k8s.join(sub)).expect("mkdir");
        std::fs::write(
            k8s.join(sub).join("pod.yaml"),
            format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec: {{containers: [{{name: a, image: nginx}}]}}\n"),
        )
        .expect("write");
    }
    let output = kubesim(&["validate"]).arg(&k8s).output().expect("kubesim runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let expected = format!("error: {}: no manifest files (.yaml, .yml, .json) in the folder", k8s.display());
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(stderr.contains("its sub-folders are read with -R (`kubesim run -R DIR`"), "{stderr}");
    assert!(!stderr.contains(" | "), "no source line of kubesim's own scenario: {stderr}");
    for flag in ["-R", "--recursive"] {
        let output = kubesim(&["validate", flag]).arg(&k8s).output().expect("kubesim runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains(": ok (Kubernetes manifests, 2 objects)"), "{stdout}");
    }
    let scenario = dir.path().join("s.yaml");
    std::fs::write(&scenario, "name: s\ninclude: [{path: k8s, recursive: true}]\n").expect("write");
    let output = kubesim(&["run", "-q", "--out"]).arg(dir.path().join("out")).arg(&scenario).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let pods = std::fs::read_to_string(dir.path().join("out/s/pods.csv")).expect("pods.csv");
    assert_eq!(pods.lines().count(), 3, "both pods ran: {pods}");
}

/// A URL where a file is expected is refused with what to do, not "file not found".
#[test]
fn a_url_on_the_command_line_says_to_download_it() {
    for command in ["validate", "run"] {
        let output = kubesim(&[command, "https://example.com/app.yaml"]).output().expect("kubesim runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(
                "https://example.com/app.yaml: kubesim reads local files only, not URLs: download the file first \
                 (e.g. `curl -LO https://example.com/app.yaml`)"
            ),
            "{command}: {stderr}"
        );
    }
}

/// An object outside the default namespace is `NAMESPACE:NAME` in every file: the events'
/// object column, pods.csv's pod and owner columns and the time series' columns agree.
#[test]
fn an_object_outside_the_default_namespace_is_written_the_same_way_everywhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("ns.yaml");
    std::fs::write(
        &scenario,
        "name: ns\nduration: 1m\ncluster:\n  nodes: [{name: worker, count: 1, capacity: {cpu: '4', memory: 16Gi, pods: 110}}]\n\
         objects:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n\
         \x20 - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web, namespace: shop}\n\
         \x20   spec:\n      replicas: 1\n      selector: {matchLabels: {app: web}}\n\
         \x20     template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let output = kubesim(&["run", arg(&scenario), "--out", arg(&out), "--quiet"]).output().expect("kubesim runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let read = |name: &str| std::fs::read_to_string(out.join("ns").join(name)).expect("output file");
    let (events, pods, series) = (read("events.csv"), read("pods.csv"), read("timeseries.csv"));
    let pod_row = pods.lines().nth(1).expect("one pod");
    let mut cells = pod_row.split(',');
    let (pod, owner) = (cells.next().expect("pod"), cells.next().expect("owner"));
    assert!(pod.starts_with("shop:web-"), "{pod_row}");
    assert_eq!(owner, "deployment/shop:web");
    assert!(events.contains(",ScalingReplicaSet,deployment/shop:web,"), "{events}");
    assert!(events.contains(&format!(",Scheduled,pod/{pod},")), "{events}");
    assert!(series.lines().next().is_some_and(|h| h.contains("deployment/shop:web/ready")), "{series}");
}

/// `kubesim run deployment.yaml`: a plain manifest runs on the default cluster, and kubesim
/// says what it assumed.
#[test]
fn a_plain_manifest_runs_as_a_scenario_and_says_what_it_assumed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("web.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  \
         template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let output =
        kubesim(&["run", arg(&manifest), "--set", "duration=1m", "--out", arg(&out)]).output().expect("kubesim runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("web.yaml: Kubernetes manifests, not a scenario: simulated on the default cluster"),
        "{stderr}"
    );
    let pods = std::fs::read_to_string(out.join("web").join("pods.csv")).expect("pods.csv");
    let running = pods.lines().filter(|l| l.contains(",deployment/web,") && l.contains(",Running,")).count();
    assert_eq!(running, 2, "{pods}");
}

/// A file with many errors prints the first 100 and a count of the rest, as compilers do.
#[test]
fn many_errors_print_the_first_hundred_and_a_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("many.yaml");
    let mut text = String::from("objects:\n");
    for i in 0..150 {
        text.push_str(&format!(
            "  - {{apiVersion: apps/v1, kind: Deployment, metadata: {{name: d{i}}}, spec: {{replicas: many, \
             selector: {{matchLabels: {{a: b}}}}, template: {{metadata: {{labels: {{a: b}}}}, spec: {{containers: \
             [{{name: c, image: x}}]}}}}}}}}\n"
        ));
    }
    std::fs::write(&scenario, text).expect("write");
    let output = kubesim(&["validate", arg(&scenario)]).output().expect("kubesim runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error: ")).count(), 101, "{stderr}");
    assert!(stderr.contains("many.yaml: 50 more errors not shown (the first 100 are above)"), "{stderr}");
    assert!(stderr.contains("many.yaml:101:"), "the 100th object's error is shown: {stderr}");
    assert!(!stderr.contains("many.yaml:102:"), "the 101st object's is not: {stderr}");
}

/// A run that cannot finish writing (here: files over 50 KB refused, as on a full disk)
/// leaves the earlier run's folder whole, says which file failed, and leaves no staging
/// folder; a later run that succeeds replaces the folder entirely.
#[cfg(unix)]
#[test]
fn a_run_that_fails_to_write_leaves_the_earlier_run_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let scenario = repo_path("scenarios/rolling-update-default.yaml");
    let run = |seed: &str, limited: bool| {
        let mut cmd = if limited {
            // Ignore SIGXFSZ so that a write past the limit fails (EFBIG) instead of killing.
            let mut sh = std::process::Command::new("sh");
            sh.args(["-c", "trap '' XFSZ; ulimit -f 100; exec \"$@\"", "sh", env!("CARGO_BIN_EXE_kubesim")]);
            sh
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_kubesim"))
        };
        cmd.args(["run", arg(&scenario), "--quiet", "--set", &format!("seed={seed}"), "--out", arg(&out)]);
        cmd.output().expect("kubesim runs")
    };
    let first = run("1", false);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let run_dir = std::fs::read_dir(&out).expect("out").flatten().map(|e| e.path()).find(|p| p.is_dir()).expect("run");
    std::fs::write(run_dir.join("notes.txt"), "mine").expect("write");
    let before = crate::support::files(&run_dir);
    let failed = run("2", true);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write output") && stderr.contains("File too large"), "{stderr}");
    assert_eq!(crate::support::files(&run_dir), before, "the earlier run is untouched");
    let leftovers: Vec<_> = std::fs::read_dir(&out).expect("out").flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no staging folder left: {leftovers:?}");
    let again = run("2", false);
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    let after = crate::support::files(&run_dir);
    let key = |name: &str| std::path::PathBuf::from(name);
    assert!(before.contains_key(&key("notes.txt")) && !after.contains_key(&key("notes.txt")), "only the new run");
    assert!(after.contains_key(&key("summary.json")));
    assert_ne!(after.get(&key("summary.json")), before.get(&key("summary.json")), "the seed-2 run's figures");
}

#[test]
fn a_run_that_would_exhaust_memory_is_refused_at_load_with_the_fields_to_change() {
    // issue 21: `sample: 1ms` over 720h is 2.6 billion samples of the time series.
    let file = repo_path("scenarios/nginx-rolling-update.yaml");
    let started = std::time::Instant::now();
    let out = tempfile::tempdir().expect("temp dir");
    let output =
        kubesim(&["run", arg(&file), "--set", "duration=720h", "--set", "sample=1ms", "--out", arg(out.path())])
            .output()
            .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than the budget of 4.0 GiB (--memory-budget)"), "{stderr}");
    assert!(stderr.contains("2,592,000,001 samples") && stderr.contains("`sample`"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(std::fs::read_dir(out.path()).expect("dir").next().is_none(), "nothing written");
    // The flag moves the budget: the same scenario within a smaller one is refused, and
    // validate says so too.
    let small = kubesim(&["validate", arg(&file), "--memory-budget", "10KiB"]).output().expect("runs");
    assert_eq!(small.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&small.stderr).contains("budget of 10.0 KiB"));
    let bad = kubesim(&["validate", arg(&file), "--memory-budget", "lots"]).output().expect("runs");
    assert_eq!(bad.status.code(), Some(2), "clap refuses a size it cannot read");
}

#[test]
fn every_shipped_scenario_fits_the_default_memory_budget() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["scenarios", "scenarios/bench"] {
        for entry in std::fs::read_dir(repo_path(dir)).expect("dir").flatten() {
            if entry.path().extension().is_some_and(|e| e == "yaml") {
                files.push(entry.path());
            }
        }
    }
    assert!(files.len() > 10);
    for f in files {
        let output = kubesim(&["validate", arg(&f)]).output().expect("runs");
        assert_eq!(output.status.code(), Some(0), "{}: {}", f.display(), String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn run_removes_what_its_earlier_killed_runs_left_in_the_folder_it_writes() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = repo_path("scenarios/nginx-rolling-update.yaml");
    let dir = out.path().join("nginx-rolling-update");
    std::fs::create_dir_all(dir.join("charts")).expect("mkdir");
    // What killed runs leave: files in place (older versions), a staging folder, a file beside.
    let stale = [
        dir.join(".summary.json.tmp-999999"),
        dir.join("charts/.ready.tmp-999999.png"),
        out.path().join(".nginx-rolling-update.tmp-999998"),
    ];
    for p in &stale {
        std::fs::write(p, "half").expect("write");
    }
    std::fs::create_dir_all(out.path().join(".nginx-rolling-update.tmp-999997")).expect("mkdir");
    let output = kubesim(&["run", arg(&file), "--out", arg(out.path()), "--quiet"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    for p in stale.iter().chain([&out.path().join(".nginx-rolling-update.tmp-999997")]) {
        assert!(!p.exists(), "{} left", p.display());
    }
    assert!(dir.join("summary.json").is_file());
}
