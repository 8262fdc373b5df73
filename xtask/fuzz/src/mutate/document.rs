//! Mutations of what is not a schema: paths, parameters, media types, the OpenAPI version,
//! status codes, operation names, constraints and the top-level fields; and splices from another
//! document.

use serde_yaml::Value;

use super::*;

pub(super) fn path_template(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(Value::Mapping(paths)) = doc.get_mut("paths") else {
        return false;
    };
    let keys: Vec<Value> = paths.keys().cloned().collect();
    let Some(key) = rng.pick(&keys).cloned() else {
        return false;
    };
    let old = key.as_str().unwrap_or("/").to_owned();
    let new = match rng.below(14) {
        0 => format!("{old}/{{a}}"),
        1 => format!("{old}/{{"),
        2 => format!("{old}/}}"),
        3 => format!("{old}/{{}}"),
        4 => format!("{old}/{{{{a}}}}"),
        5 => format!("{old}/{{id}}/{{id}}"),
        6 => old.replace(['{', '}'], ""),
        7 => old.replace('{', ""),
        8 => String::new(),
        9 => old.trim_start_matches('/').to_owned(),
        10 => format!("{old}/.."),
        11 => format!("{old}/{{é}}/{{a b}}"),
        12 => format!("{old}/{{type}}"),
        _ => format!("{old}/{{{}}}", odd_string(rng)),
    };
    if let Some(item) = paths.shift_remove(&key) {
        paths.insert(s(&new), item);
        return true;
    }
    false
}

pub(super) fn is_parameter(path: &[Seg], value: &Value) -> bool {
    value.get("in").is_some()
        || (matches!(path.last(), Some(Seg::Index(_))) && key_at(path, 1) == Some("parameters"))
}

pub(super) fn parameter(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, is_parameter) else {
        return false;
    };
    let choice = rng.below(9);
    let odd = odd_value(rng);
    let name = odd_string(rng);
    let target = random_target(rng, doc, None);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    const INS: &[&str] = &[
        "path", "query", "header", "cookie", "body", "formData", "", "Query",
    ];
    const STYLES: &[&str] = &[
        "form",
        "simple",
        "spaceDelimited",
        "pipeDelimited",
        "deepObject",
        "matrix",
        "label",
    ];
    match choice {
        0 => {
            m.insert(s("in"), s(INS[rng.below(INS.len())]));
        }
        1 => {
            m.insert(s("style"), s(STYLES[rng.below(STYLES.len())]));
        }
        2 => {
            m.insert(s("explode"), Value::Bool(rng.chance(1, 2)));
        }
        3 => {
            m.insert(s("required"), odd.clone());
        }
        4 => {
            let new_name = if rng.chance(1, 2) {
                const NAMES: &[&str] = &[
                    "Authorization",
                    "Content-Type",
                    "accept",
                    "limit",
                    "offset",
                    "type",
                    "body",
                    "id",
                ];
                NAMES[rng.below(NAMES.len())].to_owned()
            } else {
                name
            };
            m.insert(s("name"), s(&new_name));
        }
        5 => {
            // `content` instead of `schema`.
            let schema = m.shift_remove("schema").unwrap_or(Value::Null);
            m.insert(
                s("content"),
                map(vec![("application/json", map(vec![("schema", schema)]))]),
            );
        }
        6 => {
            m.shift_remove("schema");
        }
        7 => {
            m.insert(s("schema"), reference(&target));
        }
        _ => {
            m.insert(s("example"), odd);
        }
    }
    true
}

pub(super) fn media_type(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, |p, v| {
        last_key(p) == Some("content") && v.is_mapping()
    }) else {
        return false;
    };
    const MEDIA: &[&str] = &[
        "application/json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "text/plain",
        "text/html",
        "application/vnd.api+json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "*/*",
        "application/octet-stream",
        "",
        "image/png",
        "+json",
        ";",
    ];
    let media = MEDIA[rng.below(MEDIA.len())];
    let choice = rng.below(4);
    let binary_part = map(vec![
        ("type", s("object")),
        (
            "properties",
            map(vec![
                (
                    "file",
                    map(vec![("type", s("string")), ("format", s("binary"))]),
                ),
                ("name", map(vec![("type", s("string"))])),
            ]),
        ),
    ]);
    let Some(Value::Mapping(content)) = node_mut(doc, &path) else {
        return false;
    };
    let keys: Vec<Value> = content.keys().cloned().collect();
    match (choice, rng.pick(&keys).cloned()) {
        (0, Some(key)) => {
            // Add a second media type with the same schema.
            if let Some(value) = content.get(&key).cloned() {
                content.insert(s(media), value);
            }
        }
        (1, _) => {
            content.insert(s(media), map(vec![("schema", binary_part)]));
        }
        (2, Some(key)) => {
            if let Some(Value::Mapping(m)) = content.get_mut(&key) {
                m.shift_remove("schema");
            }
        }
        (_, Some(key)) => {
            if let Some(value) = content.shift_remove(&key) {
                content.insert(s(media), value);
            }
        }
        (_, None) => {
            content.insert(s(media), map(vec![("schema", binary_part)]));
        }
    }
    true
}

pub(super) fn openapi_version(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(root) = doc.as_mapping_mut() else {
        return false;
    };
    const VERSIONS: &[&str] = &[
        "3.0.0",
        "3.0.3",
        "3.0",
        "3.0.",
        "3.0.x",
        "3.1.0",
        "2.0",
        "3",
        "",
        "3.0.3-rc1",
        " 3.0.3",
    ];
    match rng.below(5) {
        0 => {
            root.shift_remove("openapi");
        }
        1 => {
            root.insert(s("swagger"), s("2.0"));
        }
        2 => {
            root.insert(s("openapi"), odd_scalar(rng));
        }
        _ => {
            root.insert(s("openapi"), s(VERSIONS[rng.below(VERSIONS.len())]));
        }
    }
    true
}

/// Puts a piece of another document into this one: under the same key where this document has
/// it, else anywhere.
pub(super) fn splice(rng: &mut Rng, doc: &mut Value, donor: &Value) -> bool {
    let donor_paths = paths(donor);
    let Some(from) = rng.pick(&donor_paths[1.min(donor_paths.len())..]).cloned() else {
        return false;
    };
    let Some(piece) = node(donor, &from).cloned() else {
        return false;
    };
    let key = last_key(&from).map(str::to_owned);
    let same_key: Vec<NodePath> = match &key {
        Some(key) => select_paths(doc, |p, _| last_key(p) == Some(key.as_str())),
        None => Vec::new(),
    };
    let target = match rng.pick(&same_key) {
        Some(path) if rng.chance(3, 4) => path.clone(),
        _ => {
            let all = paths(doc);
            match rng.pick(&all[1.min(all.len())..]) {
                Some(path) => path.clone(),
                None => return false,
            }
        }
    };
    // Either replace the node, or add the piece beside it.
    let beside = rng.chance(1, 2);
    let Some((last, parent)) = target.split_last() else {
        return false;
    };
    if beside {
        match node_mut(doc, parent) {
            Some(Value::Mapping(m)) => {
                let name = match (&from.last(), last) {
                    (Some(Seg::Key(k)), _) if !m.contains_key(k) => k.clone(),
                    _ => s(&format!("fz{}", rng.below(1000))),
                };
                m.insert(name, piece);
                return true;
            }
            Some(Value::Sequence(items)) => {
                items.push(piece);
                return true;
            }
            _ => {}
        }
    }
    match node_mut(doc, &target) {
        Some(slot) => {
            *slot = piece;
            true
        }
        None => false,
    }
}

pub(super) fn status_code(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, |p, v| {
        last_key(p) == Some("responses") && v.is_mapping() && p.len() > 2
    }) else {
        return false;
    };
    const CODES: &[&str] = &[
        "200", "201", "202", "204", "299", "2XX", "2xx", "default", "1XX", "300", "404", "4XX",
        "600", "99", "abc", "", "20", "2000",
    ];
    let code = CODES[rng.below(CODES.len())];
    let choice = rng.below(4);
    let target = random_target(rng, doc, None);
    let Some(Value::Mapping(responses)) = node_mut(doc, &path) else {
        return false;
    };
    let keys: Vec<Value> = responses.keys().cloned().collect();
    let picked = rng.pick(&keys).cloned();
    match (choice, picked) {
        (0, Some(key)) => {
            if let Some(value) = responses.shift_remove(&key) {
                let new_key = if rng.chance(1, 5) {
                    Value::from(200)
                } else {
                    s(code)
                };
                responses.insert(new_key, value);
            }
        }
        (1, Some(key)) => {
            if let Some(value) = responses.get(&key).cloned() {
                responses.insert(s(code), value);
            }
        }
        (2, _) => {
            responses.insert(s(code), reference(&target));
        }
        _ => {
            responses.insert(s(code), map(vec![("description", s("x"))]));
        }
    }
    true
}

pub(super) fn is_operation(path: &[Seg], value: &Value) -> bool {
    value.get("responses").is_some()
        && matches!(
            last_key(path),
            Some("get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace")
        )
}

/// Changes what names an operation: its operationId, group, name override or tags (often to
/// collide with another operation's), or a component schema's name override.
pub(super) fn operation_names(rng: &mut Rng, doc: &mut Value) -> bool {
    let operations = select_paths(doc, is_operation);
    let ids: Vec<String> = operations
        .iter()
        .filter_map(|p| {
            node(doc, p)?
                .get("operationId")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let groups: Vec<String> = operations
        .iter()
        .filter_map(|p| {
            let op = node(doc, p)?;
            op.get("x-speakeasy-group")
                .or_else(|| op.get("tags")?.get(0))?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    if rng.chance(1, 5) {
        // A schema's name override, often another schema's name.
        let names = schema_names(doc);
        let Some(name) = rng.pick(&names).cloned() else {
            return false;
        };
        let other = match rng.pick(&names) {
            Some(other) if rng.chance(1, 2) => mutate_name(rng, other),
            _ => odd_string(rng),
        };
        let Some(Value::Mapping(schema)) = schemas_mut(doc).and_then(|m| m.get_mut(name.as_str()))
        else {
            return false;
        };
        schema.insert(s("x-speakeasy-name-override"), s(&other));
        return true;
    }
    let Some(path) = rng.pick(&operations).cloned() else {
        return false;
    };
    let pick_name = |rng: &mut Rng, names: &[String]| -> String {
        match rng.pick(names) {
            Some(name) if rng.chance(2, 3) => {
                if rng.chance(1, 2) {
                    name.clone()
                } else {
                    mutate_name(rng, name)
                }
            }
            _ => odd_string(rng),
        }
    };
    let choice = rng.below(8);
    let value = match choice {
        0 | 1 => s(&pick_name(rng, &ids)),
        2 | 3 => s(&pick_name(rng, &groups)),
        4 => s(&pick_name(rng, &ids)),
        5 => Value::Sequence(vec![s(&pick_name(rng, &groups))]),
        _ => odd_value(rng),
    };
    let Some(Value::Mapping(op)) = node_mut(doc, &path) else {
        return false;
    };
    let key = match choice {
        0 | 1 => "operationId",
        2 | 3 => "x-speakeasy-group",
        4 => "x-speakeasy-name-override",
        5 => "tags",
        6 => "security",
        _ => ["deprecated", "summary", "description", "x-speakeasy-group"][rng.below(4)],
    };
    if choice == 6 {
        op.insert(s(key), Value::Sequence(Vec::new()));
    } else {
        op.insert(s(key), value);
    }
    true
}

pub(super) fn constraints(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    const KEYS: &[&str] = &[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "multipleOf",
        "pattern",
        "default",
        "example",
        "readOnly",
        "writeOnly",
        "deprecated",
        "title",
        "description",
    ];
    let key = KEYS[rng.below(KEYS.len())];
    let value = match key {
        "pattern" => s(["(", "\\", "[", "^a$", "é+", "\\p{L}", "a{99999}"][rng.below(7)]),
        "example" | "default" => odd_value(rng),
        "title" | "description" => s(&odd_string(rng)),
        _ => odd_scalar(rng),
    };
    let typ = rng
        .chance(1, 2)
        .then(|| s(["integer", "number", "string", "array"][rng.below(4)]));
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s(key), value);
    if let Some(typ) = typ {
        m.insert(s("type"), typ);
    }
    true
}

/// Changes a top-level field: servers, security, info, tags or the components map itself.
pub(super) fn top_level(rng: &mut Rng, doc: &mut Value) -> bool {
    let value = odd_value(rng);
    let Some(root) = doc.as_mapping_mut() else {
        return false;
    };
    match rng.below(7) {
        0 => {
            let url = [
                "",
                "{x}",
                "http://a/",
                "/v1",
                "https://api.example.test/v1/",
            ][rng.below(5)];
            root.insert(
                s("servers"),
                Value::Sequence(vec![map(vec![("url", s(url))])]),
            );
        }
        1 => {
            root.insert(s("servers"), Value::Sequence(Vec::new()));
        }
        2 => {
            root.insert(s("security"), Value::Sequence(Vec::new()));
        }
        3 => {
            let version = ["", "2026-05-12", "1.0", "v1", "é", "0.0.0-alpha+b"][rng.below(6)];
            let title = odd_string(rng);
            root.insert(
                s("info"),
                map(vec![("title", s(&title)), ("version", s(version))]),
            );
        }
        4 => {
            root.insert(
                s("tags"),
                Value::Sequence(vec![map(vec![("name", s("T")), ("description", value)])]),
            );
        }
        5 => {
            root.insert(s("components"), value);
        }
        _ => {
            root.insert(s("info"), value);
        }
    }
    true
}
