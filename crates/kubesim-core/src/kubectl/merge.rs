//! The three patch engines of `kubectl patch --type=strategic|merge|json`, on JSON values:
//! - **merge** (`application/merge-patch+json`, RFC 7386; kubernetes' `jsonpatch.MergePatch`
//!   of `github.com/evanphx/json-patch`): objects merged key by key, `null` deletes a key,
//!   every other value (lists included) replaces;
//! - **strategic** (`application/strategic-merge-patch+json`; apimachinery
//!   `pkg/util/strategicpatch/patch.go`, `StrategicMergePatch` / `mergeMap` / `mergeSlice`):
//!   a merge patch in which the lists the API types tag with `patchStrategy:"merge"` are merged
//!   element by element on their `patchMergeKey` (containers, init containers, env and volumes
//!   by `name`, container ports by `containerPort`, a Service's ports by `port`), with the
//!   `$patch: delete|replace` directives;
//! - **json** (`application/json-patch+json`, RFC 6902; `jsonpatch.DecodePatch` and
//!   `Patch.Apply`): a list of operations `add`, `remove`, `replace`, `move`, `copy`, `test`
//!   on JSON pointers (RFC 6901).

use serde_json::{Map, Value};

/// `--type`: how the patch document is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Strategic,
    Merge,
    Json,
}

/// Applies `patch` to `doc`; the error is the message kubectl prints after `error: `.
pub(super) fn apply(doc: &Value, patch: &Value, ty: PatchType) -> Result<Value, String> {
    match ty {
        PatchType::Merge => Ok(merge_patch(doc, patch)),
        PatchType::Strategic => {
            if !patch.is_object() {
                return Err("unable to find api field in struct Unstructured for the json field \"\"".into());
            }
            strategic(doc, patch, "")
        }
        PatchType::Json => json_patch(doc, patch),
    }
}

/// RFC 7386 `MergePatch(Target, Patch)`, as its section 2 writes it.
pub(super) fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else { return patch.clone() };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

/// The `patchMergeKey` of a list field of the API types kubesim reads
/// (`k8s.io/api/core/v1/types.go` struct tags), `None` for a list that is replaced whole.
fn merge_key(field: &str, parent: &str) -> Option<&'static str> {
    match field {
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets" => {
            Some("name")
        }
        "volumeMounts" => Some("mountPath"),
        // ServiceSpec.Ports: `patchMergeKey:"port"`; Container.Ports: `containerPort`.
        "ports" if parent.ends_with("spec") && !parent.ends_with("template.spec") => Some("port"),
        "ports" => Some("containerPort"),
        _ => None,
    }
}

/// `mergeMap`: each key of the patch into the original; `null` deletes; `$patch: replace`
/// replaces the whole map, `$patch: delete` deletes it.
fn strategic(original: &Value, patch: &Value, path: &str) -> Result<Value, String> {
    let Value::Object(p) = patch else { return Ok(patch.clone()) };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut m = p.clone();
            m.remove("$patch");
            return Ok(Value::Object(m));
        }
        Some("delete") => return Ok(Value::Object(Map::new())),
        Some(other) => return Err(format!("Unknown patch type: {other} in map: {patch}")),
        None => {}
    }
    let mut out = match original {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if k.starts_with("$setElementOrder/") || k == "$retainKeys" {
            continue;
        }
        if v.is_null() {
            out.remove(k);
            continue;
        }
        let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        let merged = match (out.get(k), v) {
            (Some(Value::Array(o)), Value::Array(pl)) => match merge_key(k, path) {
                Some(key) => Value::Array(merge_list(o, pl, key, &child)?),
                None => v.clone(),
            },
            (Some(o @ Value::Object(_)), Value::Object(_)) => strategic(o, v, &child)?,
            (_, Value::Object(_)) => strategic(&Value::Null, v, &child)?,
            (_, Value::Array(pl)) => match merge_key(k, path) {
                Some(key) => Value::Array(merge_list(&[], pl, key, &child)?),
                None => v.clone(),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Ok(Value::Object(out))
}

/// `mergeSlice` with a merge key: an element of the patch whose key matches one of the
/// original is merged into it (`$patch: delete` removes it), a new one is appended; a list
/// element `{"$patch": "replace"}` makes the patch's list replace the original.
fn merge_list(original: &[Value], patch: &[Value], key: &str, path: &str) -> Result<Vec<Value>, String> {
    if patch.iter().any(|e| e.get("$patch").and_then(Value::as_str) == Some("replace")) {
        return Ok(patch.iter().filter(|e| e.get("$patch").is_none()).cloned().collect());
    }
    let mut out: Vec<Value> = original.to_vec();
    for e in patch {
        let Some(k) = e.get(key) else {
            return Err(format!("map: {e} does not contain declared merge key: {key}"));
        };
        let at = out.iter().position(|o| o.get(key) == Some(k));
        let delete = e.get("$patch").and_then(Value::as_str) == Some("delete");
        match (at, delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => out[i] = strategic(&out[i], e, path)?,
            (None, false) => out.push(strategic(&Value::Null, e, path)?),
        }
    }
    Ok(out)
}

/// RFC 6902: the operations in order; the first that fails stops the patch.
pub(super) fn json_patch(doc: &Value, patch: &Value) -> Result<Value, String> {
    let Value::Array(ops) = patch else {
        return Err(format!("json: cannot unmarshal {} into Go value of type jsonpatch.Patch", go_type(patch)));
    };
    let mut doc = doc.clone();
    for op in ops {
        let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Value::as_str);
        let Some(path) = path else {
            return Err(format!("Unexpected kind: {name}"));
        };
        let value = || op.get("value").cloned().ok_or_else(|| format!("missing value for {name} operation"));
        let from =
            || op.get("from").and_then(Value::as_str).map(str::to_string).ok_or_else(|| "missing from".to_string());
        match name {
            "add" => add(&mut doc, path, value()?)?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                remove(&mut doc, path)
                    .map_err(|_| format!("replace operation does not apply: doc is missing key: {path}"))?;
                add(&mut doc, path, value()?)?;
            }
            "move" => {
                let v = remove(&mut doc, &from()?)?;
                add(&mut doc, path, v)?;
            }
            "copy" => {
                let v = get(&doc, &from()?)
                    .cloned()
                    .ok_or_else(|| format!("copy operation does not apply: doc is missing from path: {path}"))?;
                add(&mut doc, path, v)?;
            }
            "test" => {
                if get(&doc, path) != Some(&value()?) {
                    return Err("testing value failed".into());
                }
            }
            _ => return Err(format!("Unexpected kind: {name}")),
        }
    }
    Ok(doc)
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        Value::Array(_) => "array",
    }
}

/// A JSON pointer's reference tokens, `~1` and `~0` unescaped (RFC 6901 section 4).
fn tokens(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("JSON pointer must be empty or start with a \"/\": {path}"));
    };
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn get<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = doc;
    for t in tokens(path).ok()? {
        v = match v {
            Value::Object(m) => m.get(&t)?,
            Value::Array(a) => a.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The container of the last token, and that token.
fn parent<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), String> {
    let mut t = tokens(path)?;
    let Some(last) = t.pop() else { return Err("cannot operate on the whole document".into()) };
    let mut v = doc;
    for tok in t {
        v = match v {
            Value::Object(m) => m.get_mut(&tok),
            Value::Array(a) => tok.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("doc is missing path: {path}"))?;
    }
    Ok((v, last))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (p, last) = parent(doc, path)?;
    match p {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>().map_err(|_| format!("invalid index: {last}"))?
            };
            if i > a.len() {
                return Err(format!("add operation does not apply: doc is missing path: {path}"));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(format!("add operation does not apply: doc is missing path: {path}")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let missing = || format!("remove operation does not apply: doc is missing path: \"{path}\"");
    let (p, last) = parent(doc, path).map_err(|_| missing())?;
    match p {
        Value::Object(m) => m.remove(&last).ok_or_else(missing),
        Value::Array(a) => {
            let i = last.parse::<usize>().ok().filter(|i| *i < a.len()).ok_or_else(missing)?;
            Ok(a.remove(i))
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 7386 Appendix A, every example of its table.
    #[test]
    fn merge_patch_rfc7386_appendix_a() {
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (json!({"a":"b","b":"c"}), json!({"a":null}), json!({"b":"c"})),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (json!({"a":{"b":"c"}}), json!({"a":{"b":"d","c":null}}), json!({"a":{"b":"d"}})),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (json!({}), json!({"a":{"bb":{"ccc":null}}}), json!({"a":{"bb":{}}})),
        ];
        for (doc, patch, want) in cases {
            assert_eq!(apply(&doc, &patch, PatchType::Merge).unwrap(), want, "{doc} + {patch}");
        }
    }

    /// RFC 6902 Appendix A (A.1-A.10, A.14, A.16) and its errors (A.9 a failed test, A.12
    /// adding to a missing parent).
    #[test]
    fn json_patch_rfc6902_appendix_a() {
        let ok = |doc: Value, patch: Value, want: Value| {
            assert_eq!(apply(&doc, &patch, PatchType::Json).unwrap(), want, "{patch}");
        };
        ok(json!({"foo":"bar"}), json!([{"op":"add","path":"/baz","value":"qux"}]), json!({"baz":"qux","foo":"bar"}));
        ok(
            json!({"foo":["bar","baz"]}),
            json!([{"op":"add","path":"/foo/1","value":"qux"}]),
            json!({"foo":["bar","qux","baz"]}),
        );
        ok(json!({"baz":"qux","foo":"bar"}), json!([{"op":"remove","path":"/baz"}]), json!({"foo":"bar"}));
        ok(json!({"foo":["bar","qux","baz"]}), json!([{"op":"remove","path":"/foo/1"}]), json!({"foo":["bar","baz"]}));
        ok(
            json!({"baz":"qux","foo":"bar"}),
            json!([{"op":"replace","path":"/baz","value":"boo"}]),
            json!({"baz":"boo","foo":"bar"}),
        );
        ok(
            json!({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}),
            json!([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]),
            json!({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}),
        );
        ok(
            json!({"foo":["all","grass","cows","eat"]}),
            json!([{"op":"move","from":"/foo/1","path":"/foo/3"}]),
            json!({"foo":["all","cows","eat","grass"]}),
        );
        ok(
            json!({"baz":"qux","foo":["a",2,"c"]}),
            json!([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]),
            json!({"baz":"qux","foo":["a",2,"c"]}),
        );
        ok(
            json!({"foo":"bar"}),
            json!([{"op":"add","path":"/child","value":{"grandchild":{}}}]),
            json!({"foo":"bar","child":{"grandchild":{}}}),
        );
        ok(json!({"/":9,"~1":10}), json!([{"op":"test","path":"/~01","value":10}]), json!({"/":9,"~1":10}));
        ok(
            json!({"foo":["bar"]}),
            json!([{"op":"add","path":"/foo/-","value":["abc","def"]}]),
            json!({"foo":["bar",["abc","def"]]}),
        );
        let e = apply(&json!({"baz":"qux"}), &json!([{"op":"test","path":"/baz","value":"bar"}]), PatchType::Json);
        assert_eq!(e.unwrap_err(), "testing value failed");
        let e = apply(&json!({"foo":"bar"}), &json!([{"op":"add","path":"/baz/bat","value":"qux"}]), PatchType::Json);
        assert!(e.unwrap_err().contains("missing path"));
        let e =
            apply(&json!({"spec":{}}), &json!([{"op":"replace","path":"/spec/replicas","value":4}]), PatchType::Json);
        assert!(e.unwrap_err().starts_with("replace operation does not apply"));
        assert!(apply(&json!({}), &json!({"op":"add"}), PatchType::Json).unwrap_err().contains("jsonpatch.Patch"));
    }

    /// apimachinery `strategicpatch/patch_test.go`'s cases on merging lists by key: a patch
    /// of one container merged into its namesake, a new one appended, `$patch: delete`
    /// removing one, `$patch: replace` replacing the list; lists without a merge key replaced.
    #[test]
    fn strategic_merges_containers_by_name() {
        let doc = json!({"spec":{"template":{"spec":{"containers":[
            {"name":"nginx","image":"nginx:1.24","env":[{"name":"A","value":"1"}]},
            {"name":"side","image":"side:1"}
        ]}}}});
        let p = json!({"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25","env":[{"name":"B","value":"2"}]}]}}}});
        let out = apply(&doc, &p, PatchType::Strategic).unwrap();
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs[0]["image"], "nginx:1.25");
        assert_eq!(cs[0]["env"], json!([{"name":"A","value":"1"},{"name":"B","value":"2"}]));
        assert_eq!(cs[1]["image"], "side:1");
        // The same patch as a merge patch replaces the list.
        let out = apply(&doc, &p, PatchType::Merge).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 1);
        let del = json!({"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}});
        let out = apply(&doc, &del, PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 1);
        let rep = json!({"spec":{"template":{"spec":{"containers":[{"name":"x","image":"x"},{"$patch":"replace"}]}}}});
        let out = apply(&doc, &rep, PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"], json!([{"name":"x","image":"x"}]));
        let add = json!({"spec":{"template":{"spec":{"containers":[{"name":"new","image":"n"}]}}}});
        let out = apply(&doc, &add, PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"][2]["name"], "new");
        let nokey = json!({"spec":{"template":{"spec":{"containers":[{"image":"n"}]}}}});
        assert!(apply(&doc, &nokey, PatchType::Strategic)
            .unwrap_err()
            .contains("does not contain declared merge key: name"));
        // A Service's ports merge by `port`; a selector (a map) merges, `null` deletes a key.
        let svc = json!({"spec":{"selector":{"app":"web","tier":"a"},"ports":[{"port":80,"targetPort":8080}]}});
        let p = json!({"spec":{"selector":{"tier":null,"v":"2"},"ports":[{"port":80,"targetPort":9090},{"port":443}]}});
        let out = apply(&svc, &p, PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["selector"], json!({"app":"web","v":"2"}));
        assert_eq!(out["spec"]["ports"], json!([{"port":80,"targetPort":9090},{"port":443}]));
        assert_eq!(
            apply(&svc, &json!({"spec":{"selector":{"$patch":"replace","app":"x"}}}), PatchType::Strategic).unwrap()
                ["spec"]["selector"],
            json!({"app":"x"})
        );
    }
}
