//! Interrupts and limits through the binary: SIGTERM / SIGINT stop a sweep or a run cleanly
//! (exit 143 / 130, no temporary file, finished runs kept), `sweep --resume` then gives the
//! files of an uninterrupted sweep, and `--max-events` stops a runaway run (exit 1).

use crate::support::{arg, files, kubesim, repo_path, sweep_example};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether any run under `root` has finished (its run.json exists), looking at names only:
/// the sweep is writing meanwhile, so files come and go.
fn any_run_finished(root: &Path) -> bool {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for p in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
            if p.file_name().is_some_and(|n| n == "run.json") {
                return true;
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    false
}

/// run.json without the fields that depend on the machine, the moment and `--jobs`.
fn run_json_without_wall_clock(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("run.json parses");
    let fields = v.as_object_mut().expect("an object");
    for key in ["wall_time_s", "events_per_s", "threads", "profile"] {
        fields.remove(key);
    }
    v
}

fn send(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
}

/// Waits until `ready` holds (polling), at most `limit`.
fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn finish(child: Child) -> Output {
    child.wait_with_output().expect("kubesim ends")
}

#[test]
fn a_sweep_killed_with_sigterm_resumes_to_the_files_of_an_uninterrupted_sweep() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = sweep_example(tmp.path(), 5);
    let (cut, whole) = (tmp.path().join("cut"), tmp.path().join("whole"));
    let sweep_dir = cut.join("sweep-max-surge");
    // One thread, so that runs finish one after another and the signal finds runs not done.
    let child = kubesim(&["sweep", arg(&file), "--out", arg(&cut), "--jobs", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubesim starts");
    assert!(wait_until(Duration::from_secs(300), || any_run_finished(&sweep_dir)), "no run finished");
    send(&child, libc::SIGTERM);
    let output = finish(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "exit code after SIGTERM; stderr:\n{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
    assert!(stderr.contains("--resume"), "says how to finish: {stderr}");
    let resume = format!("`kubesim sweep {} --out {} --resume`", file.display(), cut.display());
    assert!(stderr.contains(&resume), "the command to finish names the folder: {stderr}");
    let after_kill = files(&cut);
    assert!(after_kill.keys().all(|p| !p.to_string_lossy().contains(".tmp-")), "temporary files left");
    let runs_done = after_kill.keys().filter(|p| p.ends_with("run.json")).count();
    assert!((1..15).contains(&runs_done), "{runs_done} of 15 runs finished before the signal took effect");
    assert!(!after_kill.keys().any(|p| p.ends_with("comparison.csv")), "no comparison from half a sweep");
    assert!(stderr.contains(&format!("{runs_done} of 15 runs finished")), "{stderr}");

    let resumed = kubesim(&["sweep", arg(&file), "--out", arg(&cut), "--resume"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&format!("{runs_done} of 15 runs were complete and kept")), "{stderr}");
    let uninterrupted = kubesim(&["sweep", arg(&file), "--out", arg(&whole)]).output().expect("runs");
    assert_eq!(uninterrupted.status.code(), Some(0), "{}", String::from_utf8_lossy(&uninterrupted.stderr));

    let (a, b) = (files(&cut), files(&whole));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "the same files");
    for (path, bytes) in &a {
        if path.ends_with("run.json") {
            assert_eq!(run_json_without_wall_clock(bytes), run_json_without_wall_clock(&b[path]), "{}", path.display());
        } else {
            assert!(bytes == &b[path], "{} differs from the uninterrupted sweep's", path.display());
        }
    }
}

#[test]
fn a_run_interrupted_with_ctrl_c_writes_nothing_and_exits_130() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = repo_path("scenarios/sweep-max-surge.yaml");
    // Hours of traffic: far longer than the test waits.
    let child = kubesim(&["run", arg(&file), "--out", arg(out.path()), "--set", "duration=12h"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubesim starts");
    std::thread::sleep(Duration::from_millis(1500));
    send(&child, libc::SIGINT);
    let started = Instant::now();
    let output = finish(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "exit code after SIGINT; stderr:\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?} to stop", started.elapsed());
    assert!(stderr.contains("abandoned (nothing written): sweep-max-surge"), "{stderr}");
    assert!(files(out.path()).is_empty(), "wrote {:?}", files(out.path()).keys().collect::<Vec<_>>());
}

#[test]
fn max_events_stops_a_run_with_a_clear_message_and_no_output() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = repo_path("scenarios/nginx-rolling-update.yaml");
    let output =
        kubesim(&["run", arg(&file), "--out", arg(out.path()), "--max-events", "1000"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stopped after 1000 events (--max-events 1000)"), "{stderr}");
    assert!(stderr.contains("raise --max-events"), "{stderr}");
    assert!(files(out.path()).is_empty(), "nothing written");
}

#[test]
fn a_max_events_guard_that_is_not_reached_changes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = repo_path("scenarios/nginx-rolling-update.yaml");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let plain = kubesim(&["run", arg(&file), "--out", arg(&a), "--quiet"]).output().expect("runs");
    let guarded =
        kubesim(&["run", arg(&file), "--out", arg(&b), "--quiet", "--max-events", "100000000"]).output().expect("runs");
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(guarded.status.code(), Some(0), "{}", String::from_utf8_lossy(&guarded.stderr));
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in fa.iter().filter(|(p, _)| !p.ends_with("run.json")) {
        assert!(bytes == &fb[path], "{} differs", path.display());
    }
}

/// A Deployment of `replicas` pods on two small nodes: almost all stay Pending, so a run is
/// many long events (issue 21's million-replica case, smaller).
fn crowded(replicas: u32) -> String {
    format!(
        "name: crowded\nduration: 1h\ncluster:\n  nodes:\n    - {{name: n, count: 2, capacity: {{cpu: \"4\", memory: 16Gi, pods: 110}}}}\n\
         objects:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: web}}\n    spec:\n      replicas: {replicas}\n\
         \x20     selector: {{matchLabels: {{app: web}}}}\n      template:\n        metadata: {{labels: {{app: web}}}}\n\
         \x20       spec:\n          containers: [{{name: web, image: nginx, resources: {{requests: {{cpu: 10m}}}}}}]\n"
    )
}

/// Sends `signal` once `after` has passed and returns the output and how long the process
/// took to end after the signal.
fn signal_after(child: Child, after: Duration, signal: libc::c_int) -> (Output, Duration) {
    std::thread::sleep(after);
    send(&child, signal);
    let sent = Instant::now();
    let output = finish(child);
    (output, sent.elapsed())
}

#[test]
fn sigterm_during_a_long_load_exits_143_at_once_not_2_after_every_error() {
    // 20,000 invalid objects (issue 21): loading and checking them takes longer than the
    // signal waits in a debug build, and the signal must not wait for the errors.
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("many-errors.yaml");
    let mut text = String::from("name: many-errors\nobjects:\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "  - {{apiVersion: apps/v1, kind: Deployment, metadata: {{name: d{i}}}, spec: {{replicas: -1, selector: {{matchLabels: {{a: b}}}}, template: {{metadata: {{labels: {{a: b}}}}, spec: {{containers: [{{name: c, image: i}}]}}}}}}}}\n"
        ));
    }
    std::fs::write(&path, text).expect("write");
    let out = tmp.path().join("out");
    let child = kubesim(&["run", arg(&path), "--out", arg(&out)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubesim starts");
    let (output, took) = signal_after(child, Duration::from_millis(300), libc::SIGTERM);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "exit code after SIGTERM during the load; stderr:\n{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn sigterm_during_a_run_of_long_events_exits_143_promptly() {
    // 200,000 replicas on two nodes: every event of the ReplicaSet and the scheduler is over
    // a huge pool of Pending pods; the flag is looked at before every event (not every 4,096).
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("crowded.yaml");
    std::fs::write(&path, crowded(200_000)).expect("write");
    let out = tmp.path().join("out");
    let child = kubesim(&["run", arg(&path), "--out", arg(&out)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubesim starts");
    let (output, took) = signal_after(child, Duration::from_secs(3), libc::SIGTERM);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "exit code after SIGTERM; stderr:\n{stderr}");
    assert!(stderr.contains("abandoned (nothing written): crowded"), "stopped in the run, not the load: {stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert!(!out.exists() || files(&out).is_empty(), "wrote {:?}", files(&out).keys().collect::<Vec<_>>());
}

#[test]
fn a_write_stopped_by_the_flag_keeps_the_earlier_folder_and_leaves_no_staging() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (s, outcome) = crate::support::run("scenarios/nginx-rolling-update.yaml", &[]);
    let dir = tmp.path().join(&s.name);
    let info = kubesim::output::RunInfo::default();
    kubesim::files::write_run(&dir, &s, &outcome, &info).expect("the first run is written");
    let before = files(tmp.path());
    let stop = std::sync::atomic::AtomicBool::new(true);
    let result = kubesim::files::write_run_stoppable(&dir, &s, &outcome, &info, Some(&stop));
    assert!(result.is_err(), "a set flag stops the write");
    assert_eq!(files(tmp.path()), before, "the earlier run's folder as it was, nothing beside it");
}
