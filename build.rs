//! Build script: the git commit kubesim is built from, for `kubesim version` and `--version`.
//! A build outside a git checkout (a tarball, `cargo install` from crates.io, the Docker
//! image, whose context has no `.git`) or without git installed simply has no commit.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it names (a commit),
    // in this worktree's git folder and the repository's common one. Only files that exist:
    // cargo reruns a build script on every build while a file it watches is missing.
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for dir in [git(&["rev-parse", "--git-dir"]), git(&["rev-parse", "--git-common-dir"])].into_iter().flatten() {
        let dir = std::path::Path::new(&dir);
        let files = [Some("HEAD"), Some("packed-refs"), branch.as_deref()];
        for file in files.into_iter().flatten().map(|f| dir.join(f)).filter(|p| p.is_file()) {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    let long = match &commit {
        Some(c) => format!("{version} (commit {c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=KUBESIM_GIT_COMMIT={}", commit.unwrap_or_default());
    println!("cargo:rustc-env=KUBESIM_VERSION={long}");
}
