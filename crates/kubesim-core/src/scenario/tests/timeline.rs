//! The timeline: entries sorted and checked against the objects, kubectl lines converted.

use super::*;
use crate::model::spec::KubectlCommand;

#[test]
fn timeline_is_sorted_checked_and_warns() {
    let text = format!(
        "{DEP}duration: 5m\ntimeline:
  - {{at: 10m, run: kubectl scale deployment/web --replicas=2}}
  - {{at: 1m, run: 'kubectl delete deployment web'}}
  - {{at: 30s, run: kubectl rollout pause deployment/web}}
  - {{at: 2m, fail: node/worker-1}}
  - {{at: 3m, run: kubectl drain worker-1}}
"
    );
    // scale at 10m comes after the delete at 1m: not found.
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e.iter().any(|m| m.contains("deployments.apps \"web\" not found")), "{e:?}");
    let text = text.replace("10m, run: kubectl scale deployment/web --replicas=2", "10m, run: kubectl apply -f x.yaml");
    let e = errors(&text);
    assert!(e.iter().any(|m| m.contains("x.yaml: file not found")), "{e:?}");
}

#[test]
fn timeline_commands_convert() {
    let text = format!(
        "{DEP}timeline:
  - {{at: 1m, run: kubectl set image deployment/web web=nginx:2}}
  - {{at: 2m, run: kubectl rollout undo deployment/web --to-revision=1}}
  - {{at: 3m, fail: node/worker-1}}
"
    );
    let l = ok(&text);
    let t = &l.scenario.timeline;
    assert_eq!(t.len(), 3);
    assert!(
        matches!(t[0].kubectl(), Some(KubectlCommand::SetImage { images, .. }) if images[0] == ("web".into(), "nginx:2".into()))
    );
    assert!(matches!(t[1].kubectl(), Some(KubectlCommand::RolloutUndo { to_revision: Some(1), .. })));
    assert_eq!(t[2].text, "fail: node/worker-1");
    assert!(t[2].kubectl().is_none());
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

/// A Deployment whose fields do not parse is one error: the timeline lines that name it say
/// nothing more (they used to add a NotFound each).
#[test]
fn one_bad_object_gives_one_error_not_one_per_line_that_names_it() {
    let text = "objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: many
      selector: {matchLabels: {app: web}}
      template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
timeline:
  - {at: 10s, run: 'kubectl scale deployment web --replicas=3'}
  - {at: 20s, run: 'kubectl rollout restart deployment/web'}
  - {at: 30s, run: 'kubectl scale deployment webb --replicas=3'}
";
    let e = errors(text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].contains("spec.replicas: invalid type"), "{e:?}");
    assert!(e[1].contains("deployments.apps \"webb\" not found"), "a name that is nowhere is still not found: {e:?}");
}
