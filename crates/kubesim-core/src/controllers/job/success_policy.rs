//! A Job's `successPolicy` (pkg/controller/job/success_policy.go `matchSuccessPolicy`,
//! `matchSucceededIndexesRule`): an Indexed Job may succeed before all its indexes have.

use crate::model::spec::SuccessPolicyRule;
use std::collections::BTreeSet;

/// The SuccessCriteriaMet message ("Matched rules at index 0") of the first rule the
/// succeeded indexes meet, if any.
pub fn match_success_policy(rules: &[SuccessPolicyRule], succeeded: &BTreeSet<i32>) -> Option<String> {
    if succeeded.is_empty() {
        return None;
    }
    let matched = rules.iter().position(|rule| match &rule.succeeded_indexes {
        // A rule whose indexes did not parse is skipped (parseIndexesFromString gives none).
        Some(ranges) if ranges.is_empty() => false,
        Some(ranges) => {
            let required = ranges.iter().flat_map(|&(a, b)| a..=b);
            let (total, done) = required.fold((0, 0), |(t, d), i| (t + 1, d + i32::from(succeeded.contains(&i))));
            match rule.succeeded_count {
                Some(n) => done >= n,
                None => done == total,
            }
        }
        None => rule.succeeded_count.is_some_and(|n| succeeded.len() as i64 >= i64::from(n)),
    })?;
    Some(format!("Matched rules at index {matched}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(indexes: Option<Vec<(i32, i32)>>, count: Option<i32>) -> SuccessPolicyRule {
        SuccessPolicyRule { succeeded_indexes: indexes, succeeded_count: count }
    }

    // success_policy_test.go TestMatchSuccessPolicy: "rules.succeededIndexes is specified;
    // succeededIndexes matched rules.succeededIndexes", "rules.succeededCount is specified;
    // succeededIndexes didn't match rules.succeededCount", "multiple rules; ... matched
    // second rule".
    #[test]
    fn rules_match_as_in_kubernetes() {
        let done = BTreeSet::from([0, 1, 2, 5]);
        assert_eq!(
            match_success_policy(&[rule(Some(vec![(0, 2)]), None)], &done),
            Some("Matched rules at index 0".into())
        );
        assert_eq!(match_success_policy(&[rule(Some(vec![(0, 3)]), None)], &done), None);
        assert_eq!(
            match_success_policy(&[rule(Some(vec![(2, 7)]), Some(2))], &done),
            Some("Matched rules at index 0".into())
        );
        assert_eq!(match_success_policy(&[rule(None, Some(5))], &done), None);
        let rules = [rule(None, Some(5)), rule(None, Some(4))];
        assert_eq!(match_success_policy(&rules, &done), Some("Matched rules at index 1".into()));
        assert_eq!(match_success_policy(&rules, &BTreeSet::new()), None);
    }
}
