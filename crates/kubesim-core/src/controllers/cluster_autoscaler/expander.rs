//! Expanders: which of the scale-up options to take (cluster-autoscaler/expander/).

use super::scale_up::ScaleUpOption;
use super::PoolView;
use crate::engine::Random;
use crate::model::spec::Expander;
use crate::model::store::Store;

/// The chosen option's index, or None when there is none. Each expander keeps its best
/// options and, as the Cluster Autoscaler does, falls back to `random` among them
/// (expander/factory/chain.go), drawing only when more than one is left.
pub fn choose(
    expander: Expander,
    options: &[ScaleUpOption],
    pools: &[PoolView<'_>],
    store: &Store,
    rng: &mut impl Random,
) -> Option<usize> {
    if options.is_empty() {
        return None;
    }
    let all: Vec<usize> = (0..options.len()).collect();
    let best = match expander {
        Expander::Random => all,
        // mostpods/mostpods.go: the most pods scheduled.
        Expander::MostPods => best_by(&all, |i| -(options[i].pods.len() as f64)),
        // waste/waste.go: the least idle CPU plus idle memory, each as a share of what the
        // new nodes offer.
        Expander::LeastWaste => best_by(&all, |i| waste(&options[i], &pools[options[i].pool], store)),
        // price/price.go weighs the nodes' price against the pods' worth and a preferred
        // node size; kubesim takes its core, the price per hour of the new nodes per pod
        // they take (a simplification, in the README).
        Expander::Price => best_by(&all, |i| {
            let o = &options[i];
            let price = pools[o.pool].spec.economics.price_per_hour * f64::from(o.nodes);
            price / o.pods.len().max(1) as f64
        }),
        // priority/priority.go: the pools of the highest priority (the
        // cluster-autoscaler-priority-expander ConfigMap's; here each pool's `priority`).
        Expander::Priority => best_by(&all, |i| -f64::from(pools[options[i].pool].spec.economics.priority)),
    };
    Some(match best.len() {
        1 => best[0],
        n => best[rng.below(n)],
    })
}

/// The options whose key is lowest (exact ties kept, in order).
fn best_by(options: &[usize], key: impl Fn(usize) -> f64) -> Vec<usize> {
    let keys: Vec<f64> = options.iter().map(|&i| key(i)).collect();
    let min = keys.iter().copied().fold(f64::INFINITY, f64::min);
    options.iter().zip(&keys).filter(|&(_, &k)| k == min).map(|(&i, _)| i).collect()
}

/// least-waste's score: idle CPU share plus idle memory share of the new nodes.
fn waste(o: &ScaleUpOption, pool: &PoolView<'_>, store: &Store) -> f64 {
    let (mut cpu, mut mem) = (0i64, 0i64);
    for &p in &o.pods {
        let r = store.pods[p].spec.requests();
        cpu += r.cpu_millis;
        mem += r.memory_bytes;
    }
    let nodes = i64::from(o.nodes);
    let (cpu_cap, mem_cap) =
        (pool.template.allocatable.cpu_millis * nodes, pool.template.allocatable.memory_bytes * nodes);
    let idle = |used: i64, cap: i64| if cap > 0 { (cap - used) as f64 / cap as f64 } else { 0.0 };
    idle(cpu, cpu_cap) + idle(mem, mem_cap)
}
