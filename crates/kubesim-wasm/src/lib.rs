//! kubesim in the browser: one call that loads a scenario from text, runs it and returns
//! every file a `kubesim run` writes, for the playground page (`web/`). The work is
//! `kubesim-core`'s, as the command line's is: the scenario (or plain manifests) and the
//! files it names come from memory (`MemoryFiles`), the outputs go to memory (`MemorySink`),
//! so the data files are byte for byte the command line's (the browser test
//! `web/test/playground.mjs` checks it).
//!
//! `play` holds the logic and builds on every target (its tests run natively); the
//! `#[wasm_bindgen]` functions below only convert to and from JavaScript values.

use kubesim_core::output::{self, MemorySink, RunInfo};
use kubesim_core::scenario::{self, memory::DEFAULT_MEMORY_BUDGET, Input, MemoryFiles};
use kubesim_core::{Diagnostic, Observe};
use std::collections::BTreeMap;
use std::path::Path;
use wasm_bindgen::prelude::*;

/// What one run in the page produced.
#[derive(Debug, Default)]
pub struct Played {
    /// Every output file by its name in the run's folder (`summary.json`, `charts/pods.png`),
    /// empty when the input has errors.
    pub files: BTreeMap<String, Vec<u8>>,
    /// kubesim's messages about the input, as the command line prints them on stderr: the
    /// errors that stopped the run, or the warnings and notes of one that went ahead.
    pub messages: String,
}

impl Played {
    pub fn ok(&self) -> bool {
        !self.files.is_empty()
    }
}

/// A WebAssembly instance's memory is at most 4 GiB, and a tab gets less: a run that would
/// hold more than this is refused before it starts, with the command line's message for
/// `--memory-budget`, rather than ending the page in an allocation failure.
pub const BROWSER_MEMORY_BUDGET: u64 = 1 << 30;

/// Loads `text` as the file `path` (a scenario, or Kubernetes manifests as `kubesim run`
/// takes them), with `files` (path -> contents, relative to the same folder) as the files
/// it names, runs it with the seed `seed` if given, and writes every output file into
/// memory, the narration among them (`--narrate`: the page shows why things happened).
pub fn play(path: &str, text: &str, files: &BTreeMap<String, String>, seed: Option<u64>) -> Played {
    let path = Path::new(path);
    let mut memory = MemoryFiles::default();
    for (name, contents) in files {
        memory.insert(name, contents.as_bytes());
    }
    memory.insert(path, text.as_bytes());
    let mut messages = String::new();
    let (input, loaded) = scenario::load_path(path, &[], false, &memory);
    if input == Input::Manifests {
        messages.push_str(&format!("note: {}: {}\n", path.display(), scenario::MANIFEST_ASSUMPTIONS));
    }
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            push_diagnostics(&mut messages, &diagnostics);
            return Played { files: BTreeMap::new(), messages };
        }
    };
    push_diagnostics(&mut messages, &loaded.warnings);
    if let Some(over) = loaded.estimate.check(BROWSER_MEMORY_BUDGET.min(DEFAULT_MEMORY_BUDGET)) {
        messages.push_str(&format!("error: {}: {over}\n", path.display()));
        return Played { files: BTreeMap::new(), messages };
    }
    let mut s = loaded.scenario;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    let outcome = kubesim_core::simulate_observed(&s, None, Observe { narrate: true, ..Observe::default() });
    if let Some(why) = outcome.stopped {
        messages.push_str(&format!("error: {}: {why}\n", s.name));
        return Played { files: BTreeMap::new(), messages };
    }
    let mut sink = MemorySink::default();
    let info = RunInfo { threads: 1, chart_threads: 1, ..RunInfo::default() };
    if let Err(e) = output::write_run(&mut sink, &s, &outcome, &info) {
        messages.push_str(&format!("error: {}: cannot write output: {e}\n", s.name));
        return Played { files: BTreeMap::new(), messages };
    }
    Played { files: sink.files, messages }
}

/// Each diagnostic as the command line prints it, one after the other.
fn push_diagnostics(out: &mut String, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push('\n');
    }
}

/// The page's call: `play` with the files given as a JSON object of path -> text. Returns
/// `{ ok, messages, names, files }`, `files` an object of name -> `Uint8Array`, `names`
/// its keys in order.
#[wasm_bindgen]
pub fn run(path: &str, text: &str, files_json: &str, seed: Option<u64>) -> Result<JsValue, JsValue> {
    let files: BTreeMap<String, String> = if files_json.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_json::from_str(files_json)
            .map_err(|e| JsValue::from_str(&format!("the files are not a JSON object of path -> text: {e}")))?
    };
    let played = play(path, text, &files, seed);
    let result = js_sys::Object::new();
    let set =
        |target: &JsValue, key: &str, value: &JsValue| js_sys::Reflect::set(target, &JsValue::from_str(key), value);
    set(&result, "ok", &JsValue::from_bool(played.ok()))?;
    set(&result, "messages", &JsValue::from_str(&played.messages))?;
    let names = js_sys::Array::new();
    let outputs = js_sys::Object::new();
    for (name, bytes) in &played.files {
        names.push(&JsValue::from_str(name));
        set(&outputs, name, &js_sys::Uint8Array::from(bytes.as_slice()).into())?;
    }
    set(&result, "names", &names)?;
    set(&result, "files", &outputs)?;
    Ok(result.into())
}

/// The message of the last panic, kept by the hook `start` installs: WebAssembly aborts on a
/// panic, so the page sees only a trap and asks here what it was.
static LAST_PANIC: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Runs once when the page loads the module: keeps a panic's message and place for
/// `last_panic`.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.to_string();
        }
    }));
}

/// What the last panic said (empty if none), for the page to show after a trap.
#[wasm_bindgen]
pub fn last_panic() -> String {
    LAST_PANIC.lock().map(|last| last.clone()).unwrap_or_default()
}

/// kubesim's version, for the page's footer.
#[wasm_bindgen]
pub fn version() -> String {
    output::VERSION.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Deployment as `kubectl apply -f` takes it.
    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: 'web:1'}]}\n";

    /// A scenario of two minutes holding `DEPLOYMENT`.
    fn scenario() -> String {
        let indented: String = DEPLOYMENT.lines().map(|l| format!("    {l}\n")).collect();
        format!("duration: 2m\nobjects:\n  - {}", indented.trim_start())
    }

    #[test]
    fn a_scenario_runs_into_every_file_with_its_narration() {
        let played = play("web.yaml", &scenario(), &BTreeMap::new(), None);
        assert!(played.ok(), "{}", played.messages);
        for name in ["summary.json", "pods.csv", "events.csv", "report.html", "narration.log", "run.json"] {
            assert!(played.files.contains_key(name), "{name} missing");
        }
    }

    #[test]
    fn plain_manifests_run_on_the_defaults_with_the_command_lines_note() {
        let played = play("web.yaml", DEPLOYMENT, &BTreeMap::new(), None);
        assert!(played.ok(), "{}", played.messages);
        assert!(
            played.messages.starts_with("note: web.yaml: Kubernetes manifests, not a scenario"),
            "{}",
            played.messages
        );
    }

    #[test]
    fn a_named_file_comes_from_the_files_given() {
        let text = "duration: 2m\ninclude: [manifests/web.yaml]\n";
        let missing = play("s.yaml", text, &BTreeMap::new(), None);
        assert!(!missing.ok());
        assert!(missing.messages.contains("error: s.yaml:2:"), "{}", missing.messages);
        let files = BTreeMap::from([("manifests/web.yaml".to_string(), DEPLOYMENT.to_string())]);
        let played = play("s.yaml", text, &files, None);
        assert!(played.ok(), "{}", played.messages);
    }

    #[test]
    fn bad_input_gives_the_command_lines_message_and_no_files() {
        let played = play("bad.yaml", "duration: 2 minutes\n", &BTreeMap::new(), None);
        assert!(!played.ok());
        assert!(played.messages.starts_with("error: bad.yaml:1:"), "{}", played.messages);
    }

    #[test]
    fn the_seed_given_replaces_the_scenarios() {
        let one = play("web.yaml", &scenario(), &BTreeMap::new(), Some(1));
        let two = play("web.yaml", &scenario(), &BTreeMap::new(), Some(2));
        assert_ne!(one.files["pods.csv"], two.files["pods.csv"], "pod names come from the seeded name stream");
    }
}
