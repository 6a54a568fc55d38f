//! `kubectl apply -f FILE...` and `kubectl create -f FILE...`: the objects of manifest files,
//! read and checked at load time as `include:` files are, written to the store when the
//! entry runs; `replace -f FILE...` likewise, for objects that exist (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go`,
//! `ApplyOptions.Run`; `cmd/create/create.go`, `CreateOptions.RunCreate`).

use super::grammar::Args;
use super::{err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::scenario::manifest::{self, Parsed};
use crate::scenario::priority;
use crate::scenario::registry::not_found;
use crate::sim::Sim;

pub(super) fn parse_apply(args: &Args) -> Result<KubectlCommand, KError> {
    parse(args, false)
}

/// `create -f FILE`, or a sub-command (`create deployment NAME --image=...`, in `create.rs`).
pub(super) fn parse_create(args: &Args) -> Result<KubectlCommand, KError> {
    if !args.positional.is_empty() && args.values("filename").is_empty() {
        super::create::manifests(args)?;
        return Ok(KubectlCommand::Create { objects: Vec::new() });
    }
    parse(args, true)
}

/// `replace -f FILE`: the files' objects, each of which must exist.
pub(super) fn parse_replace(args: &Args) -> Result<KubectlCommand, KError> {
    if let Some(extra) = args.positional.first() {
        return err(format!("unexpected argument \"{extra}\": kubesim supports `replace -f FILE`"), None);
    }
    if args.values("filename").is_empty() {
        return err("must specify --filename to replace", None);
    }
    Ok(KubectlCommand::Replace { objects: Vec::new() })
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
    let file_flags = ["filename", "recursive", "namespace", "record", "save-config"];
    if let Some((flag, _)) = args.flags.iter().find(|(f, _)| !file_flags.contains(&f.as_str())) {
        return err(format!("unknown flag: --{flag} (with -f FILE)"), None);
    }
    let objects = Vec::new();
    Ok(if create { KubectlCommand::Create { objects } } else { KubectlCommand::Apply { objects } })
}

pub(super) fn check_apply(_: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    check(c, false)
}

pub(super) fn check_create(_: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    if !c.args.positional.is_empty() && c.args.values("filename").is_empty() {
        return super::create::check(c);
    }
    check(c, true)
}

/// The files' objects must exist now (the API server's NotFound otherwise, as `kubectl
/// replace` gets it from `resource.Helper.Replace`); they are updated from now on.
pub(super) fn check_replace(_: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let mut objects = files_objects(c, "replace")?;
    for p in &objects {
        if !c.reg.objects.contains_key(&p.object.id) {
            return c.not_found(not_found(&p.object.id));
        }
    }
    let before = c.r.error_count();
    priority::resolve(&mut objects, c.reg, false, c.r);
    if c.r.error_count() > before {
        return None;
    }
    for p in &objects {
        c.reg.record(p);
    }
    Some(KubectlCommand::Replace { objects: objects.into_iter().map(|p| p.object).collect() })
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

/// Replaces each object's spec (as apply updates it); one that is gone is NotFound.
pub(super) fn replace(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Replace { objects } = command else { return misrouted("replace", command) };
    objects.iter().filter_map(|o| refused(&o.id, sim.replace_object(o))).collect()
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
