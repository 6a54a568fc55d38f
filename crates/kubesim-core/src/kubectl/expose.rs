//! `kubectl expose (TYPE NAME | TYPE/NAME) [--port=P[,P2]] [--target-port=T] [--type=T]
//! [--name=N] [--selector=k=v,...] [--protocol=TCP]`: a Service for a workload, pod or Service
//! (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/expose/expose.go`,
//! `ExposeServiceOptions.RunExpose` and `createService`).

use super::grammar::{one_target, Args, Flag};
use super::{err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{
    Kind, Labels, Object, ObjectRef, ObjectSpec, Selector, ServicePort, ServiceSpec, ServiceType, TargetPort,
};
use crate::model::store::RsKind;
use crate::scenario::kinds;
use crate::scenario::suggest::did_you_mean;
use crate::scenario::validate;
use crate::sim::{not_found, ApiError, Sim};

/// `kubectl expose`: a Service for a workload, with the workload's selector as it is when
/// the command runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ExposeSpec {
    /// `deployment/NAME`, `replicaset/NAME`, `replicationcontroller/NAME` or `pod/NAME`
    /// (kubesim also accepts `service/NAME`, whose selector is copied).
    pub target: ObjectRef,
    /// `--name`, default the target's name.
    pub service: String,
    pub ports: Vec<ServicePort>,
    pub service_type: ServiceType,
    /// `--selector`, overriding the target's.
    pub selector: Option<Labels>,
}

pub(super) const FLAGS: &[Flag] = &[
    Flag::value("port"),
    Flag::value("target-port"),
    Flag::value("type"),
    Flag::value("name"),
    Flag::value("selector"),
    Flag::value("protocol"),
    super::generate::RECORD,
    super::generate::SAVE_CONFIG,
];

/// The Service's name, type, selector and (with `--port`) ports; without `--port` the
/// check finds the ports on the target.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    if args.positional.is_empty() {
        return err(
            "You must provide one or more resources by argument or filename.",
            Some("e.g. `kubectl expose deployment web --port=80`".into()),
        );
    }
    let target = one_target(args)?;
    if !matches!(
        target.kind,
        Kind::Pod | Kind::Service | Kind::ReplicationController | Kind::Deployment | Kind::ReplicaSet
    ) {
        let info = kinds::info(target.kind);
        let group = info.group_resource.split_once('.').map(|(_, g)| format!(".{g}")).unwrap_or_default();
        return err(
            format!("cannot expose a {}{group}", info.name),
            Some("kubectl exposes pods, services, replicationcontrollers, deployments and replicasets".into()),
        );
    }
    let service = args.value("name").filter(|n| !n.is_empty()).unwrap_or_else(|| target.name.clone());
    if !validate::is_dns1035_label(&service) {
        return invalid(&service, format!("metadata.name: Invalid value: \"{service}\": {}", validate::DNS1035_MSG));
    }
    let mut numbers = Vec::new();
    for (i, p) in args.value("port").unwrap_or_default().split(',').filter(|p| !p.is_empty()).enumerate() {
        let Ok(n) = p.parse::<i32>() else {
            return err(format!("strconv.Atoi: parsing \"{p}\": invalid syntax"), None);
        };
        if !(1..=65535).contains(&n) {
            return invalid(
                &service,
                format!("spec.ports[{i}].port: Invalid value: {n}: {}", validate::PORT_RANGE_MSG),
            );
        }
        numbers.push((n, None));
    }
    let target_port = target_port(args, &service)?;
    let service_type = match args.value("type").as_deref() {
        None | Some("ClusterIP") => ServiceType::ClusterIP,
        Some("NodePort") => ServiceType::NodePort,
        Some("LoadBalancer") => ServiceType::LoadBalancer,
        Some(other) => {
            let all = ["ClusterIP", "LoadBalancer", "NodePort"];
            return err(
                format!("The Service \"{service}\" is invalid: spec.type: Unsupported value: \"{other}\": supported values: \"ClusterIP\", \"LoadBalancer\", \"NodePort\""),
                did_you_mean(other, all),
            );
        }
    };
    if let Some(p) = args.value("protocol").filter(|p| !["TCP", "UDP", "SCTP"].contains(&p.as_str())) {
        return invalid(
            &service,
            format!("spec.ports[0].protocol: Unsupported value: \"{p}\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
        );
    }
    let selector = match args.value("selector") {
        None => None,
        Some(s) => Some(selector(&s)?),
    };
    let ports = service_ports(numbers, target_port);
    Ok(KubectlCommand::Expose(ExposeSpec { target, service, ports, service_type, selector }))
}

/// The API server's Invalid for the Service kubectl would create.
fn invalid<T>(service: &str, msg: String) -> Result<T, KError> {
    err(format!("The Service \"{service}\" is invalid: {msg}"), None)
}

/// `--target-port`: a number or a port name; none when not given.
fn target_port(args: &Args, service: &str) -> Result<Option<TargetPort>, KError> {
    match args.value("target-port").filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.bytes().all(|b| b.is_ascii_digit()) => match t.parse::<i32>() {
            Ok(n) if (1..=65535).contains(&n) => Ok(Some(TargetPort::Number(n))),
            _ => {
                invalid(service, format!("spec.ports[0].targetPort: Invalid value: {t}: {}", validate::PORT_RANGE_MSG))
            }
        },
        Some(t) => {
            if let Some(msg) = validate::port_name_errors(&t).first() {
                return invalid(service, format!("spec.ports[0].targetPort: Invalid value: \"{t}\": {msg}"));
            }
            Ok(Some(TargetPort::Name(t)))
        }
    }
}

/// `--selector=k=v,k2=v2`: equality only, as a Service's selector is.
fn selector(s: &str) -> Result<Labels, KError> {
    let mut out = Labels::new();
    for part in s.split(',') {
        let Some((k, v)) = part.split_once('=') else {
            return err(
                format!(
                    "invalid --selector \"{s}\": a Service selects pods by key=value pairs, like app=web,tier=front"
                ),
                None,
            );
        };
        let (k, v) = (k.trim(), v.trim().trim_start_matches('='));
        let errs: Vec<String> =
            validate::qualified_name_errors(k).into_iter().chain(validate::label_value_errors(v)).collect();
        if let Some(e) = errs.first() {
            return err(format!("invalid --selector \"{s}\": {part}: {e}"), None);
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// The Service's ports from (port, the target's own target port): named `port-N` when there
/// are several, each to `--target-port`, else its own, else the same number (as
/// `ExposeServiceOptions.createService` does).
fn service_ports(numbers: Vec<(i32, Option<TargetPort>)>, target_port: Option<TargetPort>) -> Vec<ServicePort> {
    let many = numbers.len() > 1;
    numbers
        .into_iter()
        .enumerate()
        .map(|(i, (port, own))| ServicePort {
            name: many.then(|| format!("port-{}", i + 1)),
            port,
            target_port: target_port.clone().or(own).unwrap_or(TargetPort::Number(port)),
        })
        .collect()
}

/// The target must exist and the Service's name be free; its selector and (without
/// `--port`) its ports are found on the target; the Service exists from now on.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Expose(mut e) = command else { return misrouted("expose", &command) };
    let Some(obj) = c.reg.objects.get(&e.target) else {
        return c.missing(&e.target);
    };
    let svc = ObjectRef { kind: Kind::Service, namespace: e.target.namespace.clone(), name: e.service.clone() };
    if c.reg.objects.contains_key(&svc) {
        let msg = ApiError::already_exists(format!("services \"{}\"", e.service));
        return c.fail(msg, Some("give the new Service another name with --name".into()));
    }
    let effective = match e.selector.clone().map_or_else(|| target_selector(&obj.spec), Ok) {
        Ok(s) => s,
        Err(why) => {
            let msg =
                ApiError::kubectl(format!("couldn't retrieve selectors via --selector flag or introspection: {why}"));
            return c.fail(msg, Some("give the pods' labels with --selector=key=value".into()));
        }
    };
    if e.ports.is_empty() {
        let numbers: Vec<(i32, Option<TargetPort>)> = if let ObjectSpec::Service { spec, .. } = &obj.spec {
            spec.ports.iter().map(|p| (p.port, Some(p.target_port.clone()))).collect()
        } else {
            c.reg.container_ports.get(&e.target).into_iter().flatten().map(|p| (*p, None)).collect()
        };
        if numbers.is_empty() {
            let help = format!("add --port=PORT, or list a containerPort in the pod template of {}", e.target);
            return c.fail("error: couldn't find port via --port flag or introspection", Some(help));
        }
        // Checked by `parse` already.
        let target_port = target_port(&c.args, &e.service).ok().flatten();
        e.ports = service_ports(numbers, target_port);
    }
    let spec = ServiceSpec {
        service_type: e.service_type,
        selector: Some(effective),
        ports: e.ports.clone(),
        session_affinity: None,
        external_name: None,
    };
    c.reg.insert(Object { id: svc, spec: ObjectSpec::Service { labels: Labels::new(), spec } });
    Some(KubectlCommand::Expose(e))
}

/// The selector `kubectl expose` copies from its target (a Service selects by labels only).
fn target_selector(spec: &ObjectSpec) -> Result<Labels, String> {
    let from = |s: &Selector, what: &str| {
        if s.match_expressions.is_empty() {
            Ok(s.match_labels.clone())
        } else {
            Err(format!("the {what}'s selector has matchExpressions, which a Service's selector cannot express"))
        }
    };
    match spec {
        ObjectSpec::Deployment { spec, .. } => from(&spec.selector, "deployment"),
        ObjectSpec::ReplicaSet { spec, .. } => from(&spec.selector, "replicaset"),
        ObjectSpec::ReplicationController { spec, .. } => from(&spec.selector, "replicationcontroller"),
        ObjectSpec::Pod { labels, .. } if labels.is_empty() => {
            Err("the pod has no labels and cannot be exposed".into())
        }
        ObjectSpec::Pod { labels, .. } => Ok(labels.clone()),
        ObjectSpec::Service { spec, .. } => {
            spec.selector.clone().ok_or_else(|| "the service has no pod selector set".into())
        }
        _ => Err("it has no selector".into()),
    }
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Expose(e) = command else { return misrouted("expose", command) };
    refused(&e.target, expose(sim, e)).into_iter().collect()
}

/// A Service with the target's labels and selector as they are now, as kubectl builds it.
fn expose(sim: &mut Sim, e: &ExposeSpec) -> Result<(), ApiError> {
    let (ns, name) = (e.target.namespace.as_str(), e.target.name.as_str());
    let not_found = || not_found(&e.target);
    let (labels, selector) = match e.target.kind {
        Kind::Deployment => {
            let d = sim.ctx.store.find_deployment(ns, name).ok_or_else(not_found)?;
            let dep = &sim.ctx.store.deployments[d];
            (dep.labels.clone(), map_selector(&dep.spec.selector)?)
        }
        Kind::ReplicaSet | Kind::ReplicationController => {
            let kind =
                if e.target.kind == Kind::ReplicaSet { RsKind::ReplicaSet } else { RsKind::ReplicationController };
            let rs = sim.ctx.store.find_rs(kind, ns, name).ok_or_else(not_found)?;
            let r = &sim.ctx.store.replica_sets[rs];
            (r.labels.clone(), map_selector(&r.selector)?)
        }
        Kind::Pod => {
            let p = sim.ctx.store.find_pod(ns, name).ok_or_else(not_found)?;
            let labels = sim.ctx.store.pods[p].labels.clone();
            (labels.clone(), labels)
        }
        Kind::Service => {
            let (labels, selector) = sim.net.service_labels_and_selector(ns, name).ok_or_else(not_found)?;
            (labels, selector.unwrap_or_default())
        }
        _ => return Err(ApiError::kubectl(format!("cannot expose a {}", e.target.kind.resource()))),
    };
    let spec = ServiceSpec {
        service_type: e.service_type,
        selector: Some(e.selector.clone().unwrap_or(selector)),
        ports: e.ports.clone(),
        session_affinity: None,
        external_name: None,
    };
    let id = ObjectRef { kind: Kind::Service, namespace: ns.to_string(), name: e.service.clone() };
    let obj = Object { id, spec: ObjectSpec::Service { labels, spec } };
    sim.create_object(&obj)
}

/// kubectl expose takes a workload's `matchLabels`; it cannot express match expressions
/// (`MapBasedSelectorForObject` in `staging/src/k8s.io/kubectl/pkg/polymorphichelpers`).
fn map_selector(sel: &Selector) -> Result<Labels, ApiError> {
    if sel.match_expressions.is_empty() {
        Ok(sel.match_labels.clone())
    } else {
        Err(ApiError::kubectl("couldn't convert expressions - \"matchExpressions\" to map-based selector format"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error};
    use super::*;

    #[test]
    fn expose_forms() {
        let want = KubectlCommand::Expose(ExposeSpec {
            target: dep("web"),
            service: "web".into(),
            ports: vec![ServicePort { name: None, port: 80, target_port: TargetPort::Number(80) }],
            service_type: ServiceType::ClusterIP,
            selector: None,
        });
        for line in [
            "kubectl expose deployment web --port=80",
            "kubectl expose deployment/web --port 80",
            "expose deploy web --port=80 --protocol=TCP",
        ] {
            assert_eq!(cmd(line), want, "{line}");
        }
        for (word, kind) in [
            ("rs", Kind::ReplicaSet),
            ("replicaset", Kind::ReplicaSet),
            ("rc", Kind::ReplicationController),
            ("replicationcontroller", Kind::ReplicationController),
            ("pod", Kind::Pod),
            ("svc", Kind::Service),
            ("service", Kind::Service),
        ] {
            assert!(
                matches!(cmd(&format!("kubectl expose {word}/x")), KubectlCommand::Expose(e) if e.target.kind == kind)
            );
        }
        assert_eq!(
            cmd("kubectl expose deployment web --port=80,443 --target-port=8080 --type=NodePort --name=front --selector=app=web"),
            KubectlCommand::Expose(ExposeSpec {
                target: dep("web"),
                service: "front".into(),
                ports: vec![
                    ServicePort { name: Some("port-1".into()), port: 80, target_port: TargetPort::Number(8080) },
                    ServicePort { name: Some("port-2".into()), port: 443, target_port: TargetPort::Number(8080) },
                ],
                service_type: ServiceType::NodePort,
                selector: Some([("app".to_string(), "web".to_string())].into()),
            })
        );
        assert!(matches!(
            cmd("kubectl expose deployment web"),
            KubectlCommand::Expose(e) if e.ports.is_empty()
        ));
    }

    #[test]
    fn expose_errors_in_kubectl_words() {
        assert_eq!(error("kubectl expose").message, "You must provide one or more resources by argument or filename.");
        assert_eq!(
            error("kubectl expose deployment").message,
            "resource(s) were provided, but no name was specified: \"deployment\""
        );
        assert_eq!(error("kubectl expose node/x").message, "cannot expose a Node");
        assert_eq!(
            error("kubectl expose deployment web --port=x").message,
            "strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(error("kubectl expose deployment web --port").message, "flag needs an argument: --port");
        let e = error("kubectl expose deployment web --typ=NodePort");
        assert!(e.message.starts_with("unknown flag: --typ"), "{}", e.message);
        assert_eq!(e.help.as_deref(), Some("did you mean `--type`?"));
        let e = error("kubectl expose deployment web --port=80 --type=NodePorts");
        assert_eq!(e.help.as_deref(), Some("did you mean `NodePort`?"));
        assert!(error("kubectl expose deployment web --port=80 --protocol=HTTP")
            .message
            .contains("spec.ports[0].protocol: Unsupported value: \"HTTP\""));
        assert!(error("kubectl expose deployment web --port=80 --selector=app")
            .message
            .starts_with("invalid --selector \"app\""));
        assert!(error("kubectl expose deployment Web --port=80").message.contains("a DNS-1035 label"));
    }
}
