//! The conventions command-line users expect: `version`, shell completions, a man page,
//! `--help` with examples, coloured diagnostics on a terminal (and `NO_COLOR`), and
//! `--output json` for scripts.

use crate::support::{arg, kubesim, kubesim_output, repo_path, sweep_example};
use std::path::Path;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn version_and_dash_dash_version_print_the_same_line() {
    let version = kubesim_output(&["version"]);
    let flag = kubesim_output(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(flag.status.code(), Some(0));
    let line = stdout(&version);
    assert!(line.starts_with(&format!("kubesim {}", env!("CARGO_PKG_VERSION"))), "{line}");
    assert_eq!(line, stdout(&flag));
    // Built from this git checkout: the commit is named (a tarball build has none).
    if repo_path(".git").exists() {
        assert!(line.contains("(commit "), "{line}");
    }
}

#[test]
fn completion_scripts_complete_every_subcommand_in_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = kubesim_output(&["completion", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = stdout(&o);
        for sub in ["run", "sweep", "merge", "validate", "explain", "version", "completion", "man"] {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
        assert!(script.contains("memory-budget"), "{shell}: options are completed too");
    }
    // The bash script is valid bash.
    let script = stdout(&kubesim_output(&["completion", "bash"]));
    let syntax = std::process::Command::new("bash").args(["-n", "-c", &script]).output();
    if let Ok(check) = syntax {
        assert!(check.status.success(), "bash -n: {}", String::from_utf8_lossy(&check.stderr));
    }
    let bad = kubesim_output(&["completion", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn man_prints_kubesim_1_and_writes_a_page_per_subcommand() {
    let o = kubesim_output(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = stdout(&o);
    assert!(page.contains(".TH kubesim 1"), "{}", &page[..page.len().min(300)]);
    assert!(page.contains(".SH SUBCOMMANDS") && page.contains("kubesim\\-sweep"), "subcommands listed");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("man1");
    let o = kubesim_output(&["man", "--out", arg(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["kubesim.1", "kubesim-run.1", "kubesim-sweep.1", "kubesim-merge.1", "kubesim-validate.1"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH"), "{name} is a man page");
    }
    let run_page = std::fs::read_to_string(out.join("kubesim-run.1")).expect("run page");
    assert!(run_page.contains("\\-\\-max\\-events"), "the run page documents its options");
}

#[test]
fn help_ends_with_examples() {
    for args in [&["--help"][..], &["run", "--help"], &["sweep", "--help"], &["completion", "--help"]] {
        let help = stdout(&kubesim_output(args));
        let examples = help.split("Examples:").nth(1).unwrap_or_else(|| panic!("{args:?}: no examples:\n{help}"));
        assert!(examples.contains("  kubesim "), "{args:?}: {examples}");
    }
}

/// A scenario whose kind is misspelt: an error with an excerpt and a help line.
fn misspelt(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("typo.yaml");
    std::fs::write(&path, "duration: 1m\nobjects:\n  - apiVersion: apps/v1\n    kind: Deploymnet\n").expect("write");
    path
}

#[test]
fn diagnostics_are_coloured_on_request_and_never_with_no_color() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = misspelt(dir.path());
    let stderr = |env: &[(&str, &str)]| {
        let mut cmd = kubesim(&["validate", arg(&file)]);
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().expect("kubesim runs");
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // stderr is a pipe here: plain, as a log file wants it.
    let plain = stderr(&[]);
    assert!(plain.starts_with("error: ") && !plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("= help: did you mean `Deployment`?"), "{plain}");
    // CLICOLOR_FORCE stands in for a terminal: `error` in bold red, the words unchanged.
    let coloured = stderr(&[("CLICOLOR_FORCE", "1")]);
    assert!(coloured.starts_with("\x1b[1m\x1b[31merror\x1b[0m: "), "{coloured:?}");
    let stripped = coloured.replace("\x1b[1m", "").replace("\x1b[31m", "").replace("\x1b[34m", "");
    assert_eq!(stripped.replace("\x1b[36m", "").replace("\x1b[0m", ""), plain);
    // NO_COLOR wins over everything.
    assert_eq!(stderr(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), plain);
}

/// Each line of `text` as JSON.
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

fn summary_file(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("summary.json")).expect("JSON")
}

#[test]
fn run_output_json_prints_each_summary_as_one_line_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let o = kubesim(&["run", "-o", "json", "--out", arg(&out)])
        .arg(repo_path("scenarios/recreate.yaml"))
        .arg(repo_path("scenarios/nginx-rolling-update.yaml"))
        .output()
        .expect("kubesim runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&stdout(&o));
    assert_eq!(lines.len(), 2, "one line per run, in the order given");
    for (line, name) in lines.iter().zip(["recreate", "nginx-rolling-update"]) {
        assert_eq!(line["scenario"], name);
        assert_eq!(*line, summary_file(&out.join(name).join("summary.json")), "{name}: the summary, whole");
    }
    let watch = kubesim(&["run", "-o", "json", "--watch", "10s", "--out", arg(&out)])
        .arg(repo_path("scenarios/recreate.yaml"))
        .output()
        .expect("kubesim runs");
    assert_eq!(watch.status.code(), Some(2), "--watch would mix tables into the JSON");
    assert!(watch.stdout.is_empty());
}

#[test]
fn sweep_output_json_prints_a_line_per_run_with_its_variant() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = sweep_example(dir.path(), 2);
    let out = dir.path().join("out");
    let o = kubesim(&["sweep", arg(&scenario), "--output", "json", "--out", arg(&out)]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let lines = json_lines(&stdout(&o));
    assert_eq!(lines.len(), 3 * 2, "3 variants x 2 seeds, and no other line");
    for line in &lines {
        let (variant, seed) = (line["variant"].as_str().expect("variant"), line["seed"].as_u64().expect("seed"));
        let mut from_file = summary_file(&out.join(format!("sweep-max-surge/{variant}/seed-{seed}/summary.json")));
        from_file["variant"] = variant.into();
        assert_eq!(*line, from_file, "{variant} seed {seed}");
    }
    assert!(out.join("sweep-max-surge/comparison.csv").is_file(), "the comparison is still written");
}
