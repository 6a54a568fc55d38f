//! `--profile`: where the wall time of a run goes, by component. Wall time is measured
//! around each event's handler, outside the model: it never feeds back into the simulation,
//! so a profiled run's other outputs are the same as an unprofiled one's.

use super::Event;
use std::time::Duration;

/// The parts of the simulator a user would name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    Timeline,
    Controllers,
    Scheduler,
    Kubelet,
    Services,
    Traffic,
    NodeLifecycle,
    /// The observers looking at what each event changed.
    Observers,
    /// The periodic samples of the time series.
    Sampling,
}

impl Component {
    pub const ALL: [Component; 9] = [
        Component::Timeline,
        Component::Controllers,
        Component::Scheduler,
        Component::Kubelet,
        Component::Services,
        Component::Traffic,
        Component::NodeLifecycle,
        Component::Observers,
        Component::Sampling,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Component::Timeline => "timeline",
            Component::Controllers => "controllers",
            Component::Scheduler => "scheduler",
            Component::Kubelet => "kubelet",
            Component::Services => "services",
            Component::Traffic => "traffic",
            Component::NodeLifecycle => "node_lifecycle",
            Component::Observers => "observers",
            Component::Sampling => "sampling",
        }
    }

    /// The component that handles `event`.
    pub fn of(event: &Event) -> Component {
        match event {
            Event::Timeline(_) => Component::Timeline,
            Event::Controller(_) => Component::Controllers,
            Event::Scheduler(_) => Component::Scheduler,
            Event::Kubelet(..) => Component::Kubelet,
            Event::Network(_) => Component::Services,
            Event::Traffic(_) => Component::Traffic,
            Event::NodeLifecycle(_) => Component::NodeLifecycle,
            // The PV controller and the provisioners run beside the controllers.
            Event::Storage(_) => Component::Controllers,
            // Node pools and their autoscaler run beside the node lifecycle controller.
            Event::Pools(_) => Component::NodeLifecycle,
            Event::Sample => Component::Sampling,
        }
    }
}

/// Wall time and events per component.
#[derive(Clone, Debug, Default)]
pub struct WallProfile {
    time: [Duration; Component::ALL.len()],
    events: [u64; Component::ALL.len()],
}

impl WallProfile {
    /// Adds `spent` to `component`, counting one event when `event` is set.
    pub fn add(&mut self, component: Component, spent: Duration, event: bool) {
        let i = component as usize;
        self.time[i] += spent;
        self.events[i] += u64::from(event);
    }

    /// (component, seconds, events) in a fixed order.
    pub fn rows(&self) -> impl Iterator<Item = (&'static str, f64, u64)> + '_ {
        Component::ALL.iter().map(|&c| (c.name(), self.time[c as usize].as_secs_f64(), self.events[c as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::store::RsId;
    use crate::sim::{ControllerEvent, SchedulerEvent, TrafficEvent};

    #[test]
    fn every_event_kind_belongs_to_its_component_and_time_adds_up() {
        assert_eq!(Component::of(&Event::Scheduler(SchedulerEvent::Cycle)), Component::Scheduler);
        assert_eq!(Component::of(&Event::Traffic(TrafficEvent::Arrival(0))), Component::Traffic);
        assert_eq!(Component::of(&Event::Controller(ControllerEvent::SyncReplicaSet(RsId(3)))), Component::Controllers);
        let mut p = WallProfile::default();
        p.add(Component::Kubelet, Duration::from_millis(5), true);
        p.add(Component::Kubelet, Duration::from_millis(5), true);
        let kubelet = p.rows().find(|r| r.0 == "kubelet").unwrap_or_default();
        assert!((kubelet.1 - 0.010).abs() < 1e-9, "two 5ms spans make 10ms: {kubelet:?}");
        assert_eq!(kubelet.2, 2);
        assert_eq!(p.rows().map(|r| r.2).sum::<u64>(), 2, "the other components saw nothing");
    }
}
