//! Why the Deployment controller gave a ReplicaSet its size: the numbers its arithmetic
//! used, carried on each `CreateReplicaSet` and `Scale` action so that narration can say
//! them without working them out a second time. Plain integers: recording them costs
//! nothing and changes nothing.

/// The rule and the numbers behind one ReplicaSet size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleReason {
    /// RollingUpdate, NewRSNewReplicas: the new ReplicaSet grows until all ReplicaSets
    /// together hold `replicas + max_surge` pods, and never beyond `replicas` itself.
    Surge {
        replicas: i32,
        max_surge: i32,
        /// Pods of every ReplicaSet (their `spec.replicas`) before the step.
        pods_total: i32,
    },
    /// RollingUpdate: the new ReplicaSet holds more than `replicas` and drops to it.
    NewAboveReplicas { replicas: i32 },
    /// RollingUpdate, cleanupUnhealthyReplicas: old pods that are not available go first,
    /// since removing them costs no availability, up to `max_scaled_down`.
    OldUnhealthy {
        pods_total: i32,
        min_available: i32,
        max_unavailable: i32,
        /// New pods not yet available (they may never become so).
        new_unavailable: i32,
        /// `pods_total - min_available - new_unavailable`.
        max_scaled_down: i32,
        /// This ReplicaSet's pods that are not available.
        unhealthy: i32,
    },
    /// RollingUpdate, scaleDownOldReplicaSetsForRollingUpdate: old ReplicaSets shrink while
    /// more than `min_available` pods are available.
    OldAvailable { available: i32, min_available: i32, max_unavailable: i32 },
    /// Recreate: every old ReplicaSet goes to zero before anything new starts.
    RecreateOldToZero,
    /// Recreate: no old pod is left, so the new ReplicaSet gets every replica at once.
    RecreateNew { replicas: i32 },
    /// A scaling event (or a paused Deployment) with one active ReplicaSet: it takes the
    /// Deployment's new size.
    SoleActive { replicas: i32 },
    /// A scaling event while the new ReplicaSet already has every replica available: the
    /// old ones go to zero.
    Saturated { replicas: i32 },
    /// A scaling event mid-rollout: the change is shared out in proportion to each
    /// ReplicaSet's size, so that all of them hold `allowed` = replicas + maxSurge pods.
    Proportional { replicas: i32, max_surge: i32, allowed: i32, pods_before: i32 },
}
