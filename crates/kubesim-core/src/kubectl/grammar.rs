//! What every verb's line shares: shell-like splitting, finding the verb, flags as
//! spf13/pflag reads them for kubectl, and the `KIND/NAME` words that name objects
//! (cli-runtime's resource builder: `staging/src/k8s.io/cli-runtime/pkg/resource/builder.go`).

use super::{err, KError};
use crate::model::spec::{Kind, ObjectRef, Selector, SelectorOperator, SelectorRequirement};
use crate::scenario::kinds::{self, KindInfo};
use crate::scenario::suggest::{closest, did_you_mean};

/// A flag a verb takes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    /// A boolean: `--overwrite` alone means true; `--overwrite=false` is accepted too.
    pub boolean: bool,
}

impl Flag {
    /// `--long=VALUE` or `--long VALUE`.
    pub const fn value(long: &'static str) -> Flag {
        Flag { long, short: None, boolean: false }
    }

    /// `--long`, `--long=true|false`.
    pub const fn boolean(long: &'static str) -> Flag {
        Flag { long, short: None, boolean: true }
    }

    /// With a one-letter form: `-f FILE`, `-fFILE`, `-f=FILE`.
    pub const fn short(self, short: char) -> Flag {
        Flag { short: Some(short), ..self }
    }
}

/// `-f/--filename`: the manifests `apply`, `create` and `delete` read.
pub(crate) const FILENAME: Flag = Flag::value("filename").short('f');
/// `-R/--recursive`: with `-f DIR`, the sub-folders' manifests too.
pub(crate) const RECURSIVE: Flag = Flag::boolean("recursive").short('R');
/// `-n/--namespace`: kubectl's global flag (`genericclioptions.ConfigFlags`), taken by every
/// verb after its own.
const NAMESPACE: Flag = Flag::value("namespace").short('n');

/// Splits like a POSIX shell: whitespace, 'single' and "double" quotes, backslash escapes.
pub(crate) fn split(line: &str) -> Result<Vec<String>, KError> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            c if c.is_whitespace() => out.extend(cur.take()),
            '\'' => {
                let s = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => s.push(c),
                        None => return err("unterminated single quote", None),
                    }
                }
            }
            '"' => {
                let s = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => s.extend(chars.next()),
                        Some(c) => s.push(c),
                        None => return err("unterminated double quote", None),
                    }
                }
            }
            '\\' => cur.get_or_insert_with(String::new).extend(chars.next()),
            c => cur.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(cur);
    Ok(out)
}

/// The verb: the first word that is neither a flag nor the value of `-n`.
pub(crate) fn verb_index(tokens: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        if t == "--" {
            return None;
        }
        if t == "-n" || t == "--namespace" {
            i += 2;
        } else if t.starts_with('-') {
            i += 1;
        } else {
            return Some(i);
        }
    }
    None
}

/// Flags and positional words of one line, after the verb.
#[derive(Clone, Debug, Default)]
pub(crate) struct Args {
    pub positional: Vec<String>,
    /// The words after `--` (pflag's end of flags): `kubectl run`'s and `create`'s command.
    pub after_dash: Vec<String>,
    /// (long name, value) in the line's order; a boolean's value is `true` or `false`.
    pub flags: Vec<(String, String)>,
}

impl Args {
    pub fn values(&self, name: &str) -> Vec<String> {
        self.flags.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    /// The last value given (a repeated flag's last one wins, as in pflag).
    pub fn value(&self, name: &str) -> Option<String> {
        self.values(name).pop()
    }

    /// Whether boolean flag `name` is on.
    pub fn on(&self, name: &str) -> bool {
        self.value(name).is_some_and(|v| v == "true")
    }

    /// The same flags with other positional words (a sub-command's).
    pub fn with_positional(&self, positional: Vec<String>) -> Args {
        Args { positional, flags: self.flags.clone(), after_dash: self.after_dash.clone() }
    }

    /// `kind/name` in the line's namespace (`-n`, else `default`); none for cluster-scoped
    /// kinds.
    pub fn object(&self, kind: Kind, name: impl Into<String>) -> ObjectRef {
        let namespace =
            if kind.namespaced() { self.value("namespace").unwrap_or_else(|| "default".into()) } else { String::new() };
        ObjectRef { kind, namespace, name: name.into() }
    }
}

/// Reads `tokens` with the flags `own` (and `-n/--namespace`), as pflag does: `--name=v`,
/// `--name v`, `-x v`, `-xv`, `-x=v`, booleans alone or `=true|false`.
pub(crate) fn parse_args(tokens: &[String], own: &[Flag]) -> Result<Args, KError> {
    let flags: Vec<Flag> = own.iter().copied().chain([NAMESPACE]).collect();
    let mut args = Args::default();
    let mut it = tokens.iter();
    while let Some(t) = it.next() {
        if t == "--" {
            args.after_dash = it.cloned().collect();
            break;
        }
        let (flag, inline) = if let Some(long) = t.strip_prefix("--") {
            let (n, v) = long.split_once('=').map_or((long, None), |(n, v)| (n, Some(v.to_string())));
            let Some(flag) = flags.iter().find(|f| f.long == n) else {
                let help = closest(n, flags.iter().map(|f| f.long)).map(|c| format!("did you mean `--{c}`?"));
                return err(format!("unknown flag: --{n} (kubesim supports only {} here)", list_flags(&flags)), help);
            };
            (flag, v)
        } else if t.len() > 1 && t.starts_with('-') {
            let mut cs = t.chars().skip(1);
            let c = cs.next().unwrap_or('-');
            let rest: String = cs.collect();
            let Some(flag) = flags.iter().find(|f| f.short == Some(c)) else {
                return err(
                    format!("unknown shorthand flag: '{c}' in {t} (kubesim supports only {} here)", list_flags(&flags)),
                    None,
                );
            };
            let rest = rest.strip_prefix('=').map(str::to_string).unwrap_or(rest);
            (flag, (!rest.is_empty()).then_some(rest))
        } else {
            args.positional.push(t.clone());
            continue;
        };
        let name = flag.long;
        let value = match inline {
            // pflag's boolValue.Set: strconv.ParseBool's spellings.
            Some(v) if flag.boolean => match v.as_str() {
                "true" | "1" | "t" | "T" | "TRUE" | "True" => "true".to_string(),
                "false" | "0" | "f" | "F" | "FALSE" | "False" => "false".to_string(),
                _ => {
                    return err(
                        format!("invalid argument \"{v}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"),
                        None,
                    )
                }
            },
            None if flag.boolean => "true".to_string(),
            Some(v) => v,
            None => match it.next() {
                Some(v) => v.clone(),
                None => return err(format!("flag needs an argument: --{name}"), None),
            },
        };
        args.flags.push((name.to_string(), value));
    }
    Ok(args)
}

fn list_flags(flags: &[Flag]) -> String {
    let v: Vec<String> = flags
        .iter()
        .map(|f| match f.short {
            Some(s) => format!("-{s}/--{}", f.long),
            None => format!("--{}", f.long),
        })
        .collect();
    v.join(", ")
}

/// The kind a resource word names (`deployment`, `deploy`, `deployments.apps`, ...).
pub(crate) fn resource(word: &str) -> Result<&'static KindInfo, KError> {
    kinds::by_resource(word).ok_or_else(|| KError {
        message: format!("the server doesn't have a resource type \"{word}\""),
        help: did_you_mean(&word.to_ascii_lowercase(), kinds::resource_names()),
    })
}

/// `KIND/NAME` or `KIND NAME`: exactly one object, in the line's namespace.
pub(crate) fn one_target(args: &Args) -> Result<ObjectRef, KError> {
    let pos = &args.positional;
    let (kind, name, used) = match pos.first() {
        None => return err("you must specify the type of resource and its name, like deployment/web", None),
        Some(p) if p.contains('/') => {
            let (k, n) = p.split_once('/').unwrap_or((p, ""));
            (k.to_string(), n.to_string(), 1)
        }
        Some(k) => match pos.get(1) {
            Some(n) => (k.clone(), n.clone(), 2),
            None => return err(format!("resource(s) were provided, but no name was specified: \"{k}\""), None),
        },
    };
    if let Some(extra) = pos.get(used) {
        return err(format!("unexpected argument \"{extra}\": one resource at a time, like deployment/web"), None);
    }
    if name.is_empty() {
        return err(format!("arguments in resource/name form must have a single resource and name: \"{kind}/\""), None);
    }
    Ok(args.object(resource(&kind)?.kind, name))
}

/// A label selector as `-l/--selector` takes it (apimachinery `labels.Parse`): `k=v`, `k==v`,
/// `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.
pub(crate) fn label_selector(s: &str) -> Result<Selector, KError> {
    let mut sel = Selector::default();
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in s.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    let bad = |p: &str| KError {
        message: format!("unable to parse requirement: found '{}', expected: identifier", p.trim()),
        help: None,
    };
    for part in parts.into_iter().map(str::trim) {
        if part.is_empty() {
            return Err(bad(part));
        }
        let req = |key: &str, operator, values: Vec<String>| SelectorRequirement {
            key: key.trim().to_string(),
            operator,
            values,
        };
        let set = |v: &str| -> Vec<String> {
            v.trim().trim_start_matches('(').trim_end_matches(')').split(',').map(|x| x.trim().to_string()).collect()
        };
        if let Some((k, v)) = part.split_once("!=") {
            sel.match_expressions.push(req(k, SelectorOperator::NotIn, vec![v.trim().to_string()]));
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            if k.trim().is_empty() {
                return Err(bad(part));
            }
            sel.match_labels.insert(k.trim().to_string(), v.trim().to_string());
        } else if let Some((k, v)) = part.split_once(" notin ") {
            sel.match_expressions.push(req(k, SelectorOperator::NotIn, set(v)));
        } else if let Some((k, v)) = part.split_once(" in ") {
            sel.match_expressions.push(req(k, SelectorOperator::In, set(v)));
        } else if let Some(k) = part.strip_prefix('!') {
            sel.match_expressions.push(req(k, SelectorOperator::DoesNotExist, Vec::new()));
        } else if part.contains([' ', '(', ')']) {
            return Err(bad(part));
        } else {
            sel.match_expressions.push(req(part, SelectorOperator::Exists, Vec::new()));
        }
    }
    Ok(sel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(split(r#"a 'b c' "d \"e\"" f\ g"#).unwrap(), ["a", "b c", "d \"e\"", "f g"]);
        assert!(split("a 'b").is_err());
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn flags_as_pflag_reads_them() {
        let words = |s: &str| split(s).unwrap();
        let own = [Flag::boolean("overwrite"), Flag::value("replicas")];
        let a = parse_args(&words("x --replicas 3 -n prod --overwrite y"), &own).unwrap();
        assert_eq!(a.positional, ["x", "y"]);
        assert_eq!(a.value("replicas").as_deref(), Some("3"));
        assert_eq!(a.value("namespace").as_deref(), Some("prod"));
        assert!(a.on("overwrite"));
        assert!(!parse_args(&words("--overwrite=F"), &own).unwrap().on("overwrite"));
        let e = parse_args(&words("--replica=3"), &own).unwrap_err();
        assert_eq!(
            e.message,
            "unknown flag: --replica (kubesim supports only --overwrite, --replicas, -n/--namespace here)"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `--replicas`?"));
        let e = parse_args(&words("-x"), &own).unwrap_err();
        assert!(e.message.starts_with("unknown shorthand flag: 'x' in -x"), "{}", e.message);
        assert_eq!(parse_args(&words("--replicas"), &own).unwrap_err().message, "flag needs an argument: --replicas");
    }

    #[test]
    fn label_selectors_as_kubectl_reads_them() {
        let s = label_selector("app=web,tier!=db,env in (a, b),!canary,track").unwrap();
        let labels = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert!(s.matches(&labels(&[("app", "web"), ("env", "a"), ("track", "x")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "c"), ("track", "x")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "a"), ("track", "x"), ("canary", "1")])));
        assert!(label_selector("app==web").unwrap().matches(&labels(&[("app", "web")])));
        assert!(label_selector("a,,b").is_err());
    }

    #[test]
    fn objects_in_the_line_namespace() {
        let a = parse_args(&split("-n prod").unwrap(), &[]).unwrap();
        assert_eq!(a.object(Kind::Deployment, "web").namespace, "prod");
        assert_eq!(a.object(Kind::Node, "w").namespace, "");
        assert_eq!(Args::default().object(Kind::Pod, "p").namespace, "default");
    }
}
