//! A Job's `podFailurePolicy` over one failed pod (pkg/controller/job/pod_failure_policy.go
//! `matchPodFailurePolicy`, `matchOnExitCodes`, `matchOnPodConditions`).

use super::JobPod;
use crate::model::spec::{PodFailureAction, PodFailureMatch, PodFailurePolicyRule};

/// What matched a FailJob rule, for the condition's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailJobCause {
    /// "Container {name} for pod {ns}/{pod} failed with exit code {code} matching FailJob
    /// rule at index {rule}".
    ExitCode { container: String, code: i32, rule: usize },
    /// "Pod {ns}/{pod} has condition {type} matching FailJob rule at index {rule}".
    Condition { condition: String, rule: usize },
}

impl FailJobCause {
    /// The job controller's message for a pod `namespace/pod`.
    pub fn message(&self, namespace: &str, pod: &str) -> String {
        match self {
            FailJobCause::ExitCode { container, code, rule } => format!(
                "Container {container} for pod {namespace}/{pod} failed with exit code {code} matching FailJob rule at index {rule}"
            ),
            FailJobCause::Condition { condition, rule } => {
                format!("Pod {namespace}/{pod} has condition {condition} matching FailJob rule at index {rule}")
            }
        }
    }
}

/// The first rule a failed pod matches: its action and, for FailJob, why. None: no rule
/// matches (the failure counts).
pub fn match_rules(rules: &[PodFailurePolicyRule], pod: &JobPod) -> Option<(PodFailureAction, Option<FailJobCause>)> {
    for (index, rule) in rules.iter().enumerate() {
        let cause = match &rule.on {
            PodFailureMatch::ExitCodes { container, in_values, values } => pod
                .exits
                .iter()
                // matchOnExitCodes: a terminated container, non-zero exit, of the named one
                // (app containers first, then init containers, as the status lists them).
                .find(|(name, code)| {
                    *code != 0 && container.as_ref().is_none_or(|c| c == name) && values.contains(code) == *in_values
                })
                .map(|(name, code)| FailJobCause::ExitCode { container: name.clone(), code: *code, rule: index }),
            PodFailureMatch::PodConditions(patterns) => pod
                .conditions()
                .find(|(t, s)| patterns.iter().any(|(pt, ps)| pt == t && ps == s))
                .map(|(t, _)| FailJobCause::Condition { condition: t.to_string(), rule: index }),
        };
        if let Some(cause) = cause {
            let fail_job = (rule.action == PodFailureAction::FailJob).then_some(cause);
            return Some((rule.action, fail_job));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::job::JobPodState;
    use crate::engine::SimTime;
    use crate::model::store::PodId;

    fn failed(exits: &[(&str, i32)], disrupted: bool) -> JobPod {
        JobPod {
            id: PodId(0),
            index: None,
            state: JobPodState::Failed(SimTime::ZERO),
            restarts: 0,
            exits: exits.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
            disruption_target: disrupted,
        }
    }

    fn exit_rule(
        action: PodFailureAction,
        container: Option<&str>,
        in_values: bool,
        values: &[i32],
    ) -> PodFailurePolicyRule {
        PodFailurePolicyRule {
            action,
            on: PodFailureMatch::ExitCodes { container: container.map(Into::into), in_values, values: values.to_vec() },
        }
    }

    // job_controller_test.go TestSyncJobWithJobPodFailurePolicy: "job marked failed for
    // FailJob rule matching exit code 5 on the main container" and the Ignore rule on
    // DisruptionTarget (the docs' example policy).
    #[test]
    fn the_first_matching_rule_decides() {
        let rules = vec![
            exit_rule(PodFailureAction::FailJob, Some("main-container"), true, &[5, 6, 7]),
            PodFailurePolicyRule {
                action: PodFailureAction::Ignore,
                on: PodFailureMatch::PodConditions(vec![("DisruptionTarget".into(), "True".into())]),
            },
        ];
        let (action, cause) = match_rules(&rules, &failed(&[("main-container", 5)], false)).unwrap();
        assert_eq!(action, PodFailureAction::FailJob);
        assert_eq!(
            cause.unwrap().message("default", "mypod-0"),
            "Container main-container for pod default/mypod-0 failed with exit code 5 matching FailJob rule at index 0"
        );
        assert_eq!(
            match_rules(&rules, &failed(&[("main-container", 137)], true)).map(|m| m.0),
            Some(PodFailureAction::Ignore)
        );
        assert_eq!(match_rules(&rules, &failed(&[("main-container", 1)], false)), None);
        // Another container's code does not match a rule naming main-container; 0 never does.
        assert_eq!(match_rules(&rules, &failed(&[("sidecar", 5)], false)), None);
        let not_in = vec![exit_rule(PodFailureAction::Count, None, false, &[0, 42])];
        assert_eq!(match_rules(&not_in, &failed(&[("a", 0), ("b", 42)], false)), None);
        assert_eq!(match_rules(&not_in, &failed(&[("a", 3)], false)).map(|m| m.0), Some(PodFailureAction::Count));
    }
}
