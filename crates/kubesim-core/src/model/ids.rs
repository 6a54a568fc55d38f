//! The ids of the API store's objects, one type per kind, so a pod's id cannot be passed
//! where a node's is wanted. Each is a dense index (a row of its table, never reused) in a
//! `u32`, `repr(transparent)` so it costs what the bare number did.
//!
//! `Debug` and `Display` print the bare number, as the plain `u32` these ids were did: a
//! scenario's `Debug` text is hashed into a sweep's identity, and no output may change.

use super::table::RowId;
use crate::engine::workqueue::QueueKey;
use std::fmt;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[repr(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The row of the object in its table (and in any vector kept by this id).
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of row `i`.
            #[inline]
            pub fn from_index(i: usize) -> Self {
                // The caps on objects (README, Limits) keep every table far below 2^32 rows.
                $name(i as u32)
            }
        }

        impl RowId for $name {
            #[inline]
            fn from_index(i: usize) -> Self {
                $name::from_index(i)
            }
            #[inline]
            fn index(self) -> usize {
                $name::index(self)
            }
        }

        impl QueueKey for $name {
            #[inline]
            fn index(self) -> usize {
                $name::index(self)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}

ids! {
    /// A node: its row in `Store::nodes`.
    NodeId;
    /// A pod: its row in `Store::pods` (and pods.csv).
    PodId;
    /// A ReplicaSet: its row in `Store::replicasets`.
    RsId;
    /// A Deployment: its row in `Store::deployments`.
    DeployId;
    /// A Job: its row in `Store::jobs`.
    JobId;
    /// A CronJob: its row in `Store::cron_jobs`.
    CronJobId;
    /// A DaemonSet: its row in `Store::daemonsets`.
    DaemonSetId;
    /// A StatefulSet: its row in `Store::statefulsets`.
    StatefulSetId;
    /// A HorizontalPodAutoscaler: its row in `Store::hpas`.
    HpaId;
    /// A Service: its row in the network's services.
    SvcId;
    /// An Ingress: its row in the network's ingresses.
    IngressId;
    /// A PersistentVolumeClaim: its row in `Store::claims`.
    ClaimId;
    /// A PersistentVolume: its row in `Store::volumes`.
    VolumeId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_prints_as_the_bare_number_and_costs_what_a_u32_does() {
        assert_eq!(format!("{:?} {} {:?}", PodId(3), NodeId(7), Some(RsId(2))), "3 7 Some(2)");
        assert_eq!(std::mem::size_of::<PodId>(), 4);
        assert_eq!(std::mem::size_of::<Option<(PodId, NodeId)>>(), std::mem::size_of::<Option<(u32, u32)>>());
    }
}
