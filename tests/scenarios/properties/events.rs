//! Time order: a run's events are recorded in order, and the kernel's queue never goes back in
//! time and keeps same-time events first in, first out.

use super::*;

proptest! {
    #![proptest_config(config())]

    /// Property 5: events are recorded in time order, within the run, and a scenario with
    /// objects processes events.
    #[test]
    fn events_are_recorded_in_time_order(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let scenario = case.scenario();
        let outcome = kubesim::simulate(&scenario, None);
        let records = &outcome.recorder.records;
        for w in records.windows(2) {
            prop_assert!(w[0].time <= w[1].time, "event out of order: {:?} then {:?}", w[0], w[1]);
        }
        if let Some(last) = records.last() {
            prop_assert!(last.time <= outcome.end, "event after the end: {:?}", last);
        }
        prop_assert!(scenario.objects.is_empty() || outcome.events_processed > 0, "no events processed");
    }

    /// Property: the event queue's time never goes backwards, and events at one instant come
    /// out in the order they were scheduled, whatever is scheduled while popping (times in
    /// the past are moved to now).
    #[test]
    fn the_event_queue_never_goes_back_in_time(ops in proptest::collection::vec((0..3u8, 0..5_000_000u64), 1..400)) {
        let mut k: kubesim::engine::Kernel<usize> = kubesim::engine::Kernel::new();
        let mut scheduled_at: Vec<SimTime> = Vec::new();
        let mut last: Option<(SimTime, usize)> = None;
        for (op, v) in ops {
            match op {
                0 => {
                    k.schedule_at(SimTime(v), scheduled_at.len());
                    scheduled_at.push(SimTime(v).max(k.now()));
                }
                1 => {
                    k.schedule_in(SimDuration(v % 1000), scheduled_at.len());
                    scheduled_at.push(k.now() + SimDuration(v % 1000));
                }
                _ => {
                    let before = k.now();
                    if let Some(e) = k.step_until(SimTime(u64::MAX)) {
                        prop_assert!(k.now() >= before, "time went back: {before:?} -> {:?}", k.now());
                        prop_assert_eq!(k.now(), scheduled_at[e], "event {} popped at the wrong time", e);
                        if let Some((t, prev)) = last {
                            prop_assert!(t < k.now() || prev < e, "same-time events out of order: {prev} then {e}");
                        }
                        last = Some((k.now(), e));
                    }
                }
            }
        }
    }
}
