//! Fuzzes the kubectl line parser, alone and inside a scenario's timeline (where the
//! command is also resolved against the scenario's objects and nodes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// A small scenario with something for every verb to act on.
const SCENARIO: &str = "duration: 1m
cluster:
  nodes:
    - name: worker
      count: 2
      capacity: {cpu: '4', memory: 8Gi, pods: 110}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: 'nginx:1', ports: [{containerPort: 80}]}]}
timeline:
  - at: 10s
    run: ";

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let _ = kubesim_core::scenario::parse_kubectl_line(line);
    let text = format!("{SCENARIO}{}\n", yaml_quote(line));
    let _ = kubesim_core::load_str(Path::new("/nonexistent-fuzz-dir/fuzz.yaml"), &text, &[], &kubesim_core::NoFiles);
});

/// `line` as a double-quoted YAML scalar, so that it reaches the kubectl parser as written.
fn yaml_quote(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 2);
    out.push('"');
    for ch in line.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            // Characters YAML does not allow unescaped.
            c if matches!(c as u32, 0x80..=0x9f | 0xfeff | 0xfffe | 0xffff) => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
