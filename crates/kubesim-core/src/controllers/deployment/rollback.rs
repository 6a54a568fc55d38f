//! `kubectl rollout undo` (rollback.go and kubectl's rollback): find the ReplicaSet of the
//! wanted revision and put its template back into the Deployment. The Deployment then
//! finds that ReplicaSet as its new one and gives it the next revision number.

/// A ReplicaSet's revision and whether its template is the Deployment's current one.
pub struct Revision {
    pub revision: i64,
    pub is_current: bool,
}

/// The index (into `revisions`) of the ReplicaSet to roll back to, or kubectl's error
/// (kubectl's deploymentRevision). `to_revision` 0 or None means the previous revision:
/// the second-highest among the ReplicaSets that exist, whatever the current template is.
pub fn find_rollback_target(
    deployment: &str,
    revisions: &[Revision],
    to_revision: Option<i64>,
) -> Result<usize, String> {
    let wanted = to_revision.unwrap_or(0);
    let target = if wanted > 0 {
        revisions
            .iter()
            .position(|r| r.revision == wanted)
            .ok_or_else(|| format!("unable to find specified revision {wanted} in history"))?
    } else {
        let mut by_revision: Vec<usize> = (0..revisions.len()).collect();
        by_revision.sort_by_key(|&i| std::cmp::Reverse(revisions[i].revision));
        *by_revision.get(1).ok_or_else(|| format!("no rollout history found for deployment \"{deployment}\""))?
    };
    if revisions[target].is_current {
        let revision = revisions[target].revision;
        return Err(format!("skipped rollback (current template already matches revision {revision})"));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revs(list: &[(i64, bool)]) -> Vec<Revision> {
        list.iter().map(|&(revision, is_current)| Revision { revision, is_current }).collect()
    }

    #[test]
    fn undo_goes_to_the_previous_revision() {
        assert_eq!(find_rollback_target("web", &revs(&[(1, false), (2, false), (3, true)]), None), Ok(1));
    }

    #[test]
    fn undo_to_a_named_revision() {
        assert_eq!(find_rollback_target("web", &revs(&[(1, false), (2, false), (3, true)]), Some(1)), Ok(0));
    }

    #[test]
    fn undo_before_the_new_replica_set_exists_uses_the_existing_revisions() {
        // set image, then undo before the controller made the new ReplicaSet: only revision
        // 1 exists (and it is no longer the current template).
        assert_eq!(
            find_rollback_target("web", &revs(&[(1, false)]), None),
            Err("no rollout history found for deployment \"web\"".into())
        );
        // Revisions 1 and 2 exist, the current template has none yet: back to 1.
        assert_eq!(find_rollback_target("web", &revs(&[(1, false), (2, false)]), None), Ok(0));
    }

    #[test]
    fn undo_errors_in_kubectls_words() {
        let r = revs(&[(1, true)]);
        assert_eq!(
            find_rollback_target("web", &r, None),
            Err("no rollout history found for deployment \"web\"".into())
        );
        assert_eq!(
            find_rollback_target("web", &r, Some(7)),
            Err("unable to find specified revision 7 in history".into())
        );
        assert_eq!(
            find_rollback_target("web", &r, Some(1)),
            Err("skipped rollback (current template already matches revision 1)".into())
        );
    }
}
