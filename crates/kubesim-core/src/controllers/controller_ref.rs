//! Who controls an object: the claim every controller makes over the objects its selector
//! matches (pkg/controller/controller_ref_manager.go `BaseControllerRefManager.ClaimObject`,
//! used by `ClaimPods` and `ClaimReplicaSets`). A controller adopts the orphans its selector
//! matches, releases the objects it owns whose labels stopped matching, and never touches an
//! object another controller owns.

/// Whose an object is, seen from the controller that claims it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Its controllerRef names this controller.
    Ours,
    /// Its controllerRef names another controller.
    Another,
    /// It has no controllerRef.
    Orphan,
}

/// What the claim does with one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Already ours and still matching: claimed without a write.
    Keep,
    /// An orphan that matches: the controller patches its controllerRef in.
    Adopt,
    /// Ours but no longer matching: the controller patches its controllerRef out.
    Release,
    /// Not ours and not to be made ours.
    Ignore,
}

impl Claim {
    /// Whether the controller owns the object after the claim (`ClaimObject`'s boolean).
    pub fn owned(self) -> bool {
        matches!(self, Claim::Keep | Claim::Adopt)
    }
}

/// `ClaimObject`: `matches` is the selector (and the claim's filters) over the object's
/// labels; `controller_deleting` and `object_deleting` their deletion timestamps.
pub fn claim(ownership: Ownership, matches: bool, controller_deleting: bool, object_deleting: bool) -> Claim {
    match ownership {
        // "Owned by someone else. Ignore."
        Ownership::Another => Claim::Ignore,
        // "We already own it and the selector matches": claimed even while being deleted.
        Ownership::Ours if matches => Claim::Keep,
        // "Owned by us but selector doesn't match. Try to release, unless we're being deleted."
        Ownership::Ours if controller_deleting => Claim::Ignore,
        Ownership::Ours => Claim::Release,
        // "It's an orphan": ignored if we're being deleted, the selector does not match, or the
        // object itself is being deleted; adopted otherwise.
        Ownership::Orphan if controller_deleting || !matches || object_deleting => Claim::Ignore,
        Ownership::Orphan => Claim::Adopt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pkg/controller/controller_ref_manager_test.go `TestClaimPods`: "Claim pods with correct
    /// label", "Controller deletes", "Controller deletion can't release", "Controller can't
    /// adopt orphans while being deleted", "Controller released its pod", "Another
    /// controller's pod", "Pod being deleted is not adopted".
    #[test]
    fn the_claim_follows_claim_object() {
        assert_eq!(claim(Ownership::Orphan, true, false, false), Claim::Adopt);
        assert_eq!(claim(Ownership::Orphan, false, false, false), Claim::Ignore);
        assert_eq!(
            claim(Ownership::Orphan, true, true, false),
            Claim::Ignore,
            "a controller being deleted adopts nothing"
        );
        assert_eq!(claim(Ownership::Orphan, true, false, true), Claim::Ignore, "a pod being deleted is not adopted");
        assert_eq!(claim(Ownership::Ours, true, false, false), Claim::Keep);
        assert_eq!(claim(Ownership::Ours, true, true, true), Claim::Keep, "owned pods are kept while deleting");
        assert_eq!(claim(Ownership::Ours, false, false, false), Claim::Release);
        assert_eq!(
            claim(Ownership::Ours, false, true, false),
            Claim::Ignore,
            "a controller being deleted releases nothing"
        );
        assert_eq!(claim(Ownership::Another, true, false, false), Claim::Ignore);
        assert!(Claim::Adopt.owned() && Claim::Keep.owned());
        assert!(!Claim::Release.owned() && !Claim::Ignore.owned());
    }
}
