//! `kubectl autoscale KIND/NAME --max=N [--min=N] [--cpu-percent=P] [--name=NAME]`: a
//! HorizontalPodAutoscaler on CPU utilisation, created as `create` creates objects
//! (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/autoscale/autoscale.go`,
//! `AutoscaleOptions.Validate` and `createHorizontalPodAutoscalerV2`).

use super::grammar::{one_target, Args};
use super::{err, misrouted, Check, KError, KubectlCommand};
use crate::model::spec::{
    HpaMetric, HpaResource, HpaSpec, Kind, Object, ObjectRef, ObjectSpec, ResourceTarget, ScaleTargetRef,
};
use crate::scenario::validate::MAX_REPLICAS;

/// Without `--cpu-percent` (kubectl's -1, unset) the HPA targets the API's default, 80% CPU
/// utilisation.
const DEFAULT_CPU_PERCENT: i32 = 80;

/// AutoscaleOptions.Validate's checks, in its words, then the HPA kubectl would create.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let target = one_target(args)?;
    if !matches!(target.kind, Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet) {
        return err(
            format!(
                "cannot autoscale a {}: kubesim autoscales deployments, replicasets and statefulsets",
                target.kind.resource()
            ),
            None,
        );
    }
    let number = |flag: &str| -> Result<Option<i64>, KError> {
        match args.value(flag) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| KError {
                message: format!(
                    "invalid argument \"{v}\" for \"--{flag}\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax"
                ),
                help: None,
            }),
        }
    };
    let (min, max, cpu) = (number("min")?, number("max")?.unwrap_or(-1), number("cpu-percent")?);
    if max < 1 {
        return err(format!("--max=MAXPODS is required and must be at least 1, max: {max}"), None);
    }
    if let Some(min) = min.filter(|m| *m > max) {
        return err(format!("--max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"), None);
    }
    if min == Some(0) {
        return err("The HorizontalPodAutoscaler is invalid: spec.minReplicas: Invalid value: 0: must be greater than or equal to 1", None);
    }
    if cpu == Some(0) {
        return err("The HorizontalPodAutoscaler is invalid: spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0", None);
    }
    if max > MAX_REPLICAS {
        return err(format!("--max={max} is more than kubesim's limit of {MAX_REPLICAS} replicas per workload"), None);
    }
    let clamp = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    // kubectl's -1 means unset.
    let min = min.filter(|m| *m >= 0).map(clamp);
    let cpu_percent = cpu.filter(|c| *c >= 0).map(clamp);
    let name = args.value("name").unwrap_or_else(|| target.name.clone());
    let spec = HpaSpec {
        target: ScaleTargetRef { kind: target.kind, name: target.name.clone() },
        min_replicas: min.unwrap_or(1).max(1),
        max_replicas: clamp(max),
        metrics: vec![HpaMetric::Resource {
            resource: HpaResource::Cpu,
            target: ResourceTarget::Utilization(cpu_percent.unwrap_or(DEFAULT_CPU_PERCENT).max(1)),
        }],
        behavior: None,
    };
    let id = ObjectRef { kind: Kind::HorizontalPodAutoscaler, namespace: target.namespace, name };
    Ok(KubectlCommand::Create { objects: vec![Object { id, spec: ObjectSpec::HorizontalPodAutoscaler { spec } }] })
}

/// The target must exist and the HPA's name be free; the HPA exists from now on.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Create { objects } = &command else { return misrouted("autoscale", &command) };
    let [hpa] = objects.as_slice() else { return misrouted("autoscale", &command) };
    let ObjectSpec::HorizontalPodAutoscaler { spec } = &hpa.spec else { return misrouted("autoscale", &command) };
    let target =
        ObjectRef { kind: spec.target.kind, namespace: hpa.id.namespace.clone(), name: spec.target.name.clone() };
    if !c.exists(&target) {
        return None;
    }
    if c.reg.objects.contains_key(&hpa.id) {
        let name = &hpa.id.name;
        let msg = format!(
            "Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling \"{name}\" already exists"
        );
        return c.fail(msg, Some("give the new HPA another name with --name".into()));
    }
    c.reg.insert(hpa.clone());
    Some(command)
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error};
    use super::*;

    /// The command `autoscale` makes: the HPA's `create`.
    fn hpa(name: &str, target: &str, min: i32, max: i32, percent: i32) -> KubectlCommand {
        let spec = HpaSpec {
            target: ScaleTargetRef { kind: Kind::Deployment, name: target.into() },
            min_replicas: min,
            max_replicas: max,
            metrics: vec![HpaMetric::Resource {
                resource: HpaResource::Cpu,
                target: ResourceTarget::Utilization(percent),
            }],
            behavior: None,
        };
        let id = ObjectRef { kind: Kind::HorizontalPodAutoscaler, ..dep(name) };
        KubectlCommand::Create { objects: vec![Object { id, spec: ObjectSpec::HorizontalPodAutoscaler { spec } }] }
    }

    #[test]
    fn autoscale_forms() {
        assert_eq!(cmd("kubectl autoscale deployment web --max=3"), hpa("web", "web", 1, 3, 80));
        assert_eq!(
            cmd("kubectl autoscale deployment/web --min=2 --max=10 --cpu-percent=50 --name=web-hpa"),
            hpa("web-hpa", "web", 2, 10, 50)
        );
        assert_eq!(
            cmd("kubectl autoscale deployment web --min=-1 --max=3 --cpu-percent=-1"),
            hpa("web", "web", 1, 3, 80)
        );
    }

    #[test]
    fn autoscale_errors_in_kubectl_words() {
        assert_eq!(
            error("kubectl autoscale deployment web").message,
            "--max=MAXPODS is required and must be at least 1, max: -1"
        );
        assert_eq!(
            error("kubectl autoscale deployment web --min=5 --max=3").message,
            "--max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5"
        );
        assert!(error("kubectl autoscale deployment web --max=x")
            .message
            .starts_with("invalid argument \"x\" for \"--max\""));
        assert!(error("kubectl autoscale pod web --max=3").message.starts_with("cannot autoscale a pod"));
    }
}
