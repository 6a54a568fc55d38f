//! `kubectl apply -f FILE...` and `kubectl create -f FILE...`: the objects of manifest files,
//! read and checked at load time as `include:` files are, written to the store when the
//! entry runs (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go`,
//! `ApplyOptions.Run`; `cmd/create/create.go`, `CreateOptions.RunCreate`).

use super::grammar::Args;
use super::{err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::scenario::manifest::{self, Parsed};
use crate::scenario::priority;
use crate::sim::Sim;

pub(super) fn parse_apply(args: &Args) -> Result<KubectlCommand, KError> {
    parse(args, false)
}

pub(super) fn parse_create(args: &Args) -> Result<KubectlCommand, KError> {
    parse(args, true)
}

/// `-f FILE` only; the files' objects are read by the check.
fn parse(args: &Args, create: bool) -> Result<KubectlCommand, KError> {
    if let Some(extra) = args.positional.first() {
        let what = if create { "create" } else { "apply" };
        return err(format!("unexpected argument \"{extra}\": kubesim supports `{what} -f FILE`"), None);
    }
    if args.values("filename").is_empty() {
        return err("must specify -f FILE (the manifest to apply, relative to the scenario file)", None);
    }
    let objects = Vec::new();
    Ok(if create { KubectlCommand::Create { objects } } else { KubectlCommand::Apply { objects } })
}

pub(super) fn check_apply(_: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    check(c, false)
}

pub(super) fn check_create(_: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    check(c, true)
}

/// The files' objects, their priority classes resolved, recorded as existing from now on.
fn check(c: &mut Check, create: bool) -> Option<KubectlCommand> {
    let verb = if create { "create" } else { "apply" };
    let mut objects = files_objects(c, verb)?;
    let before = c.r.error_count();
    priority::resolve(&mut objects, c.reg, false, c.r);
    if c.r.error_count() > before {
        return None;
    }
    for p in &objects {
        c.reg.record(p);
    }
    let objects = objects.into_iter().map(|p| p.object).collect();
    Some(if create { KubectlCommand::Create { objects } } else { KubectlCommand::Apply { objects } })
}

/// The objects of the `-f` files, checked like include files, in namespaces that exist
/// (also `delete -f`'s targets).
pub(super) fn files_objects(c: &mut Check, verb: &str) -> Option<Vec<Parsed>> {
    let mut all = Vec::new();
    let before = c.r.error_count();
    let ns = c.args.value("namespace");
    for f in c.args.values("filename") {
        let what = format!("{}: {verb} -f {f}", c.run.path);
        let manifests = c.loader.manifest_file(&f, c.args.on("recursive"), c.run, &what, c.r)?;
        for (loc, value) in manifests {
            if let Some(p) = manifest::parse(&value, &loc, ns.as_deref(), c.r) {
                if c.reg.check_namespace(&p, c.r) {
                    c.reg.add_pods(&p, c.r);
                    all.push(p);
                }
            }
        }
    }
    (c.r.error_count() == before).then_some(all)
}

/// Creates or updates each object; each refusal is an error.
pub(super) fn apply(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Apply { objects } = command else { return misrouted("apply", command) };
    objects.iter().filter_map(|o| refused(&o.id, sim.apply_object(o))).collect()
}

/// Creates each object; one that exists already is an AlreadyExists error.
pub(super) fn create(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Create { objects } = command else { return misrouted("create", command) };
    objects.iter().filter_map(|o| refused(&o.id, sim.create_object(o))).collect()
}

#[cfg(test)]
mod tests {
    use super::super::parse_line;
    use super::super::test_lines::{cmd, error};
    use super::*;

    #[test]
    fn apply_and_create() {
        let files = |line: &str| parse_line(line).unwrap().args.values("filename");
        assert_eq!(cmd("kubectl apply -f m.yaml"), KubectlCommand::Apply { objects: vec![] });
        assert_eq!(files("kubectl apply -f m.yaml"), ["m.yaml"]);
        assert_eq!(files("apply --filename=m.yaml"), ["m.yaml"]);
        assert_eq!(cmd("kubectl create -f a.yaml -f b.yaml"), KubectlCommand::Create { objects: vec![] });
        assert_eq!(files("kubectl create -f a.yaml -f b.yaml"), ["a.yaml", "b.yaml"]);
        assert!(parse_line("kubectl apply -R -f dir/").unwrap().args.on("recursive"));
        assert!(parse_line("kubectl delete --recursive -f dir/").unwrap().args.on("recursive"));
        assert!(!parse_line("kubectl apply -f dir/").unwrap().args.on("recursive"));
        let l = parse_line("kubectl -n prod apply -f m.yaml").unwrap();
        assert_eq!(l.args.value("namespace").as_deref(), Some("prod"));
        assert!(error("kubectl apply").message.contains("-f FILE"));
        assert!(error("kubectl apply -f m.yaml --server-side").message.contains("unknown flag: --server-side"));
        assert_eq!(
            error("kubectl create -f m.yaml extra").message,
            "unexpected argument \"extra\": kubesim supports `create -f FILE`"
        );
    }
}
