//! The `LimitRanger` admission plugin (plugin/pkg/admission/limitranger/admission.go) on a
//! pod's create: each LimitRange of the namespace in turn fills in the requests and limits
//! its `Container` item gives (`defaultContainerResourceRequirements`,
//! `mergeContainerResources`: a resource the container names is kept), then every
//! LimitRange checks the pod (`PodValidateLimitFunc`: `min`, `max`, `maxLimitRequestRatio`
//! per container and init container, and per pod for a `Pod` item).

use super::{amount_string, container_limits, container_requests, pod_total};
use crate::model::spec::{Amounts, ContainerSpec, LimitRangeSpec, LimitType, PodSpec};

/// The pod with the LimitRanges' defaults filled in (PodMutateLimitFunc over each range in
/// order); None when they change nothing.
pub fn default_pod(spec: &PodSpec, ranges: &[&LimitRangeSpec]) -> Option<PodSpec> {
    let mut out = spec.clone();
    let mut changed = false;
    for range in ranges {
        // defaultContainerResourceRequirements: the Container items' defaults, a later item's
        // value replacing an earlier one's.
        let (mut requests, mut limits) = (Amounts::new(), Amounts::new());
        for item in range.limits.iter().filter(|i| i.kind == LimitType::Container) {
            requests.extend(item.default_request.iter().map(|(k, v)| (k.clone(), *v)));
            limits.extend(item.default.iter().map(|(k, v)| (k.clone(), *v)));
        }
        for c in out.containers.iter_mut().chain(out.init_containers.iter_mut()) {
            changed |= merge_container(c, &requests, &limits);
        }
    }
    changed.then_some(out)
}

/// mergeContainerResources: each default the container does not name is set.
fn merge_container(c: &mut ContainerSpec, requests: &Amounts, limits: &Amounts) -> bool {
    let mut changed = false;
    let have_limits = container_limits(c);
    for (k, v) in limits {
        if !have_limits.contains_key(k) {
            set(c, k, *v, false);
            changed = true;
        }
    }
    let have_requests = container_requests(c);
    for (k, v) in requests {
        if !have_requests.contains_key(k) {
            set(c, k, *v, true);
            changed = true;
        }
    }
    changed
}

fn set(c: &mut ContainerSpec, resource: &str, v: i64, request: bool) {
    let r = if request { &mut c.requests } else { &mut c.limits };
    match resource {
        "cpu" => r.cpu_millis = v,
        "memory" => r.memory_bytes = v,
        "ephemeral-storage" => r.ephemeral_storage_bytes = v,
        other => {
            r.extended.insert(other.to_string(), v);
        }
    }
    if request {
        match resource {
            "cpu" => c.cpu_request_set = true,
            "memory" => c.memory_request_set = true,
            _ => {}
        }
    }
}

/// PodValidateLimitFunc of each range in order: the first range the pod breaks refuses it,
/// with every bound of that range it breaks (utilerrors' aggregate: one message alone, more
/// in brackets). Resources are checked in name order (Go ranges over a map).
pub fn validate_pod(spec: &PodSpec, ranges: &[&LimitRangeSpec]) -> Result<(), String> {
    for range in ranges {
        let mut errs: Vec<String> = Vec::new();
        for item in &range.limits {
            let kind = item.kind.as_str();
            match item.kind {
                LimitType::Container => {
                    for c in spec.containers.iter().chain(&spec.init_containers) {
                        check(kind, item, &container_requests(c), &container_limits(c), &mut errs);
                    }
                }
                LimitType::Pod => {
                    let (requests, limits) = (pod_total(spec, container_requests), pod_total(spec, container_limits));
                    check(kind, item, &requests, &limits, &mut errs);
                }
                LimitType::Other => {}
            }
        }
        // utilerrors.NewAggregate dedups equal messages (a Flatten + the visited set of Error).
        let mut seen = std::collections::BTreeSet::new();
        errs.retain(|e| seen.insert(e.clone()));
        match errs.len() {
            0 => {}
            1 => return Err(errs.remove(0)),
            _ => return Err(format!("[{}]", errs.join(", "))),
        }
    }
    Ok(())
}

fn check(
    kind: &str,
    item: &crate::model::spec::LimitRangeItem,
    requests: &Amounts,
    limits: &Amounts,
    errs: &mut Vec<String>,
) {
    for (k, &enforced) in &item.min {
        let e = amount_string(k, enforced);
        match (requests.get(k), limits.get(k)) {
            (None, _) => errs.push(format!("minimum {k} usage per {kind} is {e}.  No request is specified")),
            (Some(&r), _) if r < enforced => {
                errs.push(format!("minimum {k} usage per {kind} is {e}, but request is {}", amount_string(k, r)))
            }
            (_, Some(&l)) if l < enforced => {
                errs.push(format!("minimum {k} usage per {kind} is {e}, but limit is {}", amount_string(k, l)))
            }
            _ => {}
        }
    }
    for (k, &enforced) in &item.max {
        let e = amount_string(k, enforced);
        match (requests.get(k), limits.get(k)) {
            (_, None) => errs.push(format!("maximum {k} usage per {kind} is {e}.  No limit is specified")),
            (_, Some(&l)) if l > enforced => {
                errs.push(format!("maximum {k} usage per {kind} is {e}, but limit is {}", amount_string(k, l)))
            }
            (Some(&r), _) if r > enforced => {
                errs.push(format!("maximum {k} usage per {kind} is {e}, but request is {}", amount_string(k, r)))
            }
            _ => {}
        }
    }
    for (k, &ratio_milli) in &item.max_ratio {
        // The ratio is a plain number: printed as a quantity of its own (2, 1500m).
        let e = amount_string("cpu", ratio_milli);
        let r = requests.get(k).copied().filter(|&r| r != 0);
        let l = limits.get(k).copied().filter(|&l| l != 0);
        match (r, l) {
            (None, _) => errs.push(format!(
                "{k} max limit to request ratio per {kind} is {e}, but no request is specified or request is 0"
            )),
            (_, None) => errs.push(format!(
                "{k} max limit to request ratio per {kind} is {e}, but no limit is specified or limit is 0"
            )),
            (Some(r), Some(l)) => {
                // observedRatio*1000 > enforced.MilliValue(), compared exactly as integers.
                if i128::from(l) * 1000 > i128::from(ratio_milli) * i128::from(r) {
                    errs.push(format!(
                        "{k} max limit to request ratio per {kind} is {e}, but provided ratio is {:.6}",
                        l as f64 / r as f64
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::{LimitRangeItem, Resources};

    fn container(name: &str, cpu_req: Option<i64>, cpu_lim: Option<i64>) -> ContainerSpec {
        let mut c = ContainerSpec {
            name: name.into(),
            image: "nginx".into(),
            pull_policy: crate::model::spec::PullPolicy::IfNotPresent,
            requests: Resources::default(),
            limits: Resources::default(),
            readiness: None,
            liveness: None,
            startup: None,
            lifecycle: Default::default(),
            sidecar: false,
            host_ports: vec![],
            cpu_request_set: false,
            memory_request_set: false,
            env: vec![],
        };
        if let Some(l) = cpu_lim {
            c.limits.cpu_millis = l;
            // The API's defaulting: a limit without a request is the request.
            c.requests.cpu_millis = l;
            c.cpu_request_set = true;
        }
        if let Some(r) = cpu_req {
            c.requests.cpu_millis = r;
            c.cpu_request_set = true;
        }
        c
    }

    fn amounts(pairs: &[(&str, i64)]) -> Amounts {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn range(
        min: &[(&str, i64)],
        max: &[(&str, i64)],
        default: &[(&str, i64)],
        request: &[(&str, i64)],
    ) -> LimitRangeSpec {
        LimitRangeSpec {
            limits: vec![LimitRangeItem {
                kind: LimitType::Container,
                min: amounts(min),
                max: amounts(max),
                default: amounts(default),
                default_request: amounts(request),
                max_ratio: Amounts::new(),
            }],
        }
    }

    fn pod(containers: Vec<ContainerSpec>) -> PodSpec {
        PodSpec { containers, ..PodSpec::default() }
    }

    /// mergeContainerResources: defaults only where the container names nothing; what it
    /// names is kept (admission_test.go TestMergePodResourceRequirements).
    #[test]
    fn defaults_fill_only_what_a_container_leaves_out() {
        let lr = range(&[], &[], &[("cpu", 500), ("memory", 256 << 20)], &[("cpu", 250), ("memory", 128 << 20)]);
        let p = pod(vec![container("bare", None, None), container("own", Some(100), Some(200))]);
        let out = default_pod(&p, &[&lr]).expect("defaults apply");
        let bare = &out.containers[0];
        assert_eq!((bare.requests.cpu_millis, bare.limits.cpu_millis), (250, 500));
        assert_eq!((bare.requests.memory_bytes, bare.limits.memory_bytes), (128 << 20, 256 << 20));
        assert!(bare.cpu_request_set && bare.memory_request_set);
        let own = &out.containers[1];
        assert_eq!((own.requests.cpu_millis, own.limits.cpu_millis), (100, 200));
        assert_eq!(own.requests.memory_bytes, 128 << 20, "memory it did not name is defaulted");
        let full = pod(vec![container("own", Some(100), Some(200))]);
        let only_cpu = range(&[], &[], &[("cpu", 500)], &[("cpu", 250)]);
        assert_eq!(default_pod(&full, &[&only_cpu]), None, "nothing to fill in");
    }

    /// maxConstraint / minConstraint / limitRequestRatioConstraint messages.
    #[test]
    fn bounds_refuse_with_the_plugins_messages() {
        let lr = range(&[], &[("cpu", 1000)], &[], &[]);
        let p = pod(vec![container("web", Some(500), Some(2000))]);
        assert_eq!(validate_pod(&p, &[&lr]), Err("maximum cpu usage per Container is 1, but limit is 2".into()));
        let p = pod(vec![container("web", Some(500), None)]);
        assert_eq!(
            validate_pod(&p, &[&lr]),
            Err("maximum cpu usage per Container is 1.  No limit is specified".into())
        );
        let lr = range(&[("cpu", 200)], &[], &[], &[]);
        let p = pod(vec![container("web", Some(100), None)]);
        assert_eq!(
            validate_pod(&p, &[&lr]),
            Err("minimum cpu usage per Container is 200m, but request is 100m".into())
        );
        let mut lr = range(&[], &[], &[], &[]);
        lr.limits[0].max_ratio = amounts(&[("cpu", 2000)]);
        let p = pod(vec![container("web", Some(100), Some(300))]);
        assert_eq!(
            validate_pod(&p, &[&lr]),
            Err("cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000".into())
        );
        let p = pod(vec![container("a", Some(100), Some(200)), container("b", Some(100), Some(300))]);
        assert!(validate_pod(&p, &[&lr]).is_err());
        let p = pod(vec![container("a", Some(100), Some(200))]);
        assert_eq!(validate_pod(&p, &[&lr]), Ok(()));
    }

    /// Two broken bounds: utilerrors' aggregate in brackets.
    #[test]
    fn several_broken_bounds_are_listed_together() {
        let lr = range(&[("cpu", 200)], &[("cpu", 1000)], &[], &[]);
        let p = pod(vec![container("a", Some(100), None)]);
        assert_eq!(
            validate_pod(&p, &[&lr]),
            Err("[minimum cpu usage per Container is 200m, but request is 100m, maximum cpu usage per Container is 1.  No limit is specified]".into())
        );
    }
}
