//! A Job's selector (pkg/registry/batch/job/strategy.go `generateSelector`, and
//! pkg/apis/batch/validation/validation.go `ValidateGeneratedSelector`): unless
//! `manualSelector: true`, the API server labels the template with the Job's name and UID
//! and selects the UID, so a Job's pods are its own and no other pod matches; with
//! `manualSelector: true` the user's selector is the Job's, and the Job adopts orphans it
//! matches.

use crate::model::spec::{Labels, Selector};

/// `batch.kubernetes.io/controller-uid`: the generated selector's key.
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// The legacy `controller-uid` label (on the template, not selected).
pub const LEGACY_CONTROLLER_UID: &str = "controller-uid";
/// The Job's name labels, the prefixed and the legacy one.
pub const JOB_NAME_LABELS: [&str; 2] = ["batch.kubernetes.io/job-name", "job-name"];
/// The UID labels, the prefixed and the legacy one.
pub const CONTROLLER_UID_LABELS: [&str; 2] = [CONTROLLER_UID, LEGACY_CONTROLLER_UID];

/// The labels `generateSelector` adds to the template (a label the template already has
/// keeps its value: "If there is a conflict, we will reject in validation").
pub fn generated_labels(template: &Labels, name: &str, uid: &str) -> Labels {
    let mut labels = template.clone();
    for key in JOB_NAME_LABELS {
        labels.entry(key.to_string()).or_insert_with(|| name.to_string());
    }
    for key in CONTROLLER_UID_LABELS {
        labels.entry(key.to_string()).or_insert_with(|| uid.to_string());
    }
    labels
}

/// The selector `generateSelector` makes: the user's, if any, with
/// `batch.kubernetes.io/controller-uid=<uid>` added unless already there.
pub fn generated_selector(user: Option<&Selector>, uid: &str) -> Selector {
    let mut selector = user.cloned().unwrap_or_default();
    selector.match_labels.entry(CONTROLLER_UID.to_string()).or_insert_with(|| uid.to_string());
    selector
}

/// `ValidateGeneratedSelector`'s check of a selector the user gave without
/// `manualSelector`: it must select the generated labels (`"`selector` not
/// auto-generated"` otherwise). `uid` stands for the UID the server will give.
pub fn selects_generated_labels(user: &Selector, name: &str, uid: &str) -> bool {
    let selector = generated_selector(Some(user), uid);
    selector.matches(&generated_labels(&Labels::new(), name, uid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// pkg/registry/batch/job/strategy_test.go `TestJobStrategy_PrepareForCreate` ("generate
    /// selector"): the template gains both name and both uid labels; the selector is the
    /// prefixed uid label.
    #[test]
    fn the_generated_selector_selects_the_uid_and_the_template_carries_name_and_uid() {
        let template = generated_labels(&labels(&[("app", "pi")]), "pi", "u-1");
        assert_eq!(
            template,
            labels(&[
                ("app", "pi"),
                ("batch.kubernetes.io/controller-uid", "u-1"),
                ("batch.kubernetes.io/job-name", "pi"),
                ("controller-uid", "u-1"),
                ("job-name", "pi"),
            ])
        );
        let selector = generated_selector(None, "u-1");
        assert_eq!(selector.match_labels, labels(&[("batch.kubernetes.io/controller-uid", "u-1")]));
        assert!(selector.matches(&template));
        assert!(!selector.matches(&generated_labels(&labels(&[("app", "pi")]), "pi", "u-2")), "another Job's pod");
    }

    /// validation_test.go `TestValidateJob` ("spec.selector:Invalid value ... `selector` not
    /// auto-generated"): a user selector must select the generated labels.
    #[test]
    fn a_user_selector_without_manual_selector_must_select_the_generated_labels() {
        let user = |pairs: &[(&str, &str)]| Selector { match_labels: labels(pairs), match_expressions: Vec::new() };
        assert!(!selects_generated_labels(&user(&[("app", "pi")]), "pi", "u"));
        assert!(selects_generated_labels(&user(&[("job-name", "pi")]), "pi", "u"));
        assert!(selects_generated_labels(&user(&[]), "pi", "u"));
        assert!(!selects_generated_labels(&user(&[("controller-uid", "guessed")]), "pi", "u"));
    }
}
