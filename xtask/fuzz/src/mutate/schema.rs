//! Mutations of the tree in general and of schemas: deletion, duplication, references, cycles,
//! wrappers, discriminators, enums, types, nesting and chains.

use serde_yaml::{Mapping, Value};

use super::*;

pub(super) fn delete(rng: &mut Rng, doc: &mut Value) -> bool {
    let all = paths(doc);
    match rng.pick(&all[1.min(all.len())..]) {
        Some(path) => remove(doc, &path.clone()),
        None => false,
    }
}

pub(super) fn duplicate(rng: &mut Rng, doc: &mut Value) -> bool {
    let all = paths(doc);
    let Some(path) = rng.pick(&all[1.min(all.len())..]).cloned() else {
        return false;
    };
    let Some(copy) = node(doc, &path).cloned() else {
        return false;
    };
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (last, node_mut(doc, parent)) {
        (Seg::Index(index), Some(Value::Sequence(items))) => {
            let at = (*index).min(items.len());
            items.insert(at, copy);
            true
        }
        (Seg::Key(key), Some(Value::Mapping(m))) => {
            let base = key.as_str().unwrap_or("k").to_owned();
            let new_key = mutate_name(rng, &base);
            m.insert(s(&new_key), copy);
            true
        }
        _ => false,
    }
}

pub(super) fn replace(rng: &mut Rng, doc: &mut Value) -> bool {
    let all = paths(doc);
    let Some(path) = rng.pick(&all[1.min(all.len())..]).cloned() else {
        return false;
    };
    let value = odd_value(rng);
    match node_mut(doc, &path) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

pub(super) fn rename(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_path(rng, doc, |p, _| {
        matches!(p.last(), Some(Seg::Key(Value::String(_))))
    }) else {
        return false;
    };
    let Some((Seg::Key(key), parent)) = path.split_last() else {
        return false;
    };
    let base = key.as_str().unwrap_or("k").to_owned();
    let new_key = mutate_name(rng, &base);
    let keep_old = rng.chance(1, 3);
    let Some(Value::Mapping(m)) = node_mut(doc, parent) else {
        return false;
    };
    let Some(value) = (if keep_old {
        m.get(key).cloned()
    } else {
        m.shift_remove(key)
    }) else {
        return false;
    };
    // Sometimes a key that is not a string at all.
    let new_key = if rng.chance(1, 20) {
        odd_scalar(rng)
    } else {
        s(&new_key)
    };
    m.insert(new_key, value);
    true
}

pub(super) fn inject_ref(rng: &mut Rng, doc: &mut Value) -> bool {
    let slot = if rng.chance(3, 4) {
        random_schema_path(rng, doc)
    } else {
        // Parameters, responses, request bodies and anything else.
        random_path(rng, doc, |p, v| !p.is_empty() && v.is_mapping())
    };
    let Some(path) = slot else {
        return false;
    };
    let own = own_component(&path);
    let target = random_target(rng, doc, own.as_deref());
    let Some(value) = node_mut(doc, &path) else {
        return false;
    };
    match (rng.below(4), value) {
        // A `$ref` beside the schema's other keywords.
        (0, Value::Mapping(m)) => {
            m.insert(s("$ref"), s(&target));
        }
        (_, value) => *value = reference(&target),
    }
    true
}

/// Makes two or three component schemas refer to each other in a circle, directly or through a
/// keyword; or one refer to itself.
pub(super) fn ref_cycle(rng: &mut Rng, doc: &mut Value) -> bool {
    let mut names = schema_names(doc);
    if names.is_empty() {
        names = vec!["Fa".to_owned(), "Fb".to_owned()];
    }
    let count = 1 + rng.below(3);
    let members: Vec<String> = (0..count)
        .filter_map(|_| rng.pick(&names).cloned())
        .collect();
    let forms: Vec<u8> = (0..members.len()).map(|_| rng.below(9) as u8).collect();
    let Some(schemas) = schemas_mut(doc) else {
        return false;
    };
    for (i, name) in members.iter().enumerate() {
        let next = &members[(i + 1) % members.len()];
        let r = reference(&format!("#/components/schemas/{next}"));
        let value = match forms[i] {
            0 => r,
            1 => map(vec![("allOf", Value::Sequence(vec![r]))]),
            2 => map(vec![("oneOf", Value::Sequence(vec![r]))]),
            3 => map(vec![("anyOf", Value::Sequence(vec![r.clone(), r]))]),
            4 => map(vec![("type", s("array")), ("items", r)]),
            5 => map(vec![
                ("type", s("object")),
                ("properties", map(vec![("x", r)])),
                ("required", Value::Sequence(vec![s("x")])),
            ]),
            6 => map(vec![("additionalProperties", r)]),
            7 => map(vec![("not", r)]),
            _ => map(vec![
                (
                    "oneOf",
                    Value::Sequence(vec![r, map(vec![("type", s("string"))])]),
                ),
                ("nullable", Value::Bool(true)),
            ]),
        };
        schemas.insert(s(name), value);
    }
    true
}

pub(super) fn wrap(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let target = random_target(rng, doc, None);
    let Some(slot) = node_mut(doc, &path) else {
        return false;
    };
    let inner = std::mem::take(slot);
    let other = match rng.below(4) {
        0 => reference(&target),
        1 => map(vec![("type", s(random_type(rng)))]),
        2 => inner.clone(),
        _ => map(vec![("required", Value::Sequence(vec![s("a")]))]),
    };
    *slot = match rng.below(10) {
        0 => map(vec![("allOf", Value::Sequence(vec![inner]))]),
        1 => map(vec![("allOf", Value::Sequence(vec![inner, other]))]),
        2 => map(vec![("oneOf", Value::Sequence(vec![inner, other]))]),
        3 => map(vec![("anyOf", Value::Sequence(vec![inner]))]),
        4 => map(vec![("not", inner)]),
        5 => map(vec![
            ("type", s("object")),
            ("oneOf", Value::Sequence(vec![inner, other])),
        ]),
        6 => map(vec![
            ("oneOf", Value::Sequence(vec![inner])),
            ("nullable", Value::Bool(true)),
        ]),
        7 => map(vec![
            ("allOf", Value::Sequence(vec![inner])),
            (
                "properties",
                map(vec![("a", map(vec![("type", s("string"))]))]),
            ),
        ]),
        8 => map(vec![
            ("type", s("object")),
            ("properties", map(vec![("a", inner), ("b", other)])),
            (
                "anyOf",
                Value::Sequence(vec![
                    map(vec![("required", Value::Sequence(vec![s("a")]))]),
                    map(vec![("required", Value::Sequence(vec![s("b")]))]),
                ]),
            ),
        ]),
        _ => map(vec![("anyOf", Value::Sequence(vec![inner, other]))]),
    };
    true
}

pub(super) fn discriminator(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let names = schema_names(doc);
    let mut targets: Vec<String> = names
        .iter()
        .map(|n| format!("#/components/schemas/{n}"))
        .collect();
    targets.push(random_target(rng, doc, None));
    let members: Vec<Value> = (0..1 + rng.below(3))
        .filter_map(|_| rng.pick(&targets).map(|t| reference(t)))
        .collect();
    let property = match rng.below(4) {
        0 => "type".to_owned(),
        1 => odd_string(rng),
        _ => "object".to_owned(),
    };
    let mut mapping = Mapping::new();
    for _ in 0..rng.below(4) {
        let key = match rng.below(3) {
            0 => odd_string(rng),
            _ => names
                .get(rng.below(names.len().max(1)))
                .cloned()
                .unwrap_or_else(|| "a".to_owned()),
        };
        let target = rng.pick(&targets).cloned().unwrap_or_default();
        mapping.insert(s(&key), s(&target));
    }
    let mut d = Mapping::new();
    if rng.chance(9, 10) {
        d.insert(s("propertyName"), s(&property));
    }
    if !mapping.is_empty() || rng.chance(1, 4) {
        d.insert(s("mapping"), Value::Mapping(mapping));
    }
    let keyword = if rng.chance(1, 2) { "oneOf" } else { "anyOf" };
    let replace_members = rng.chance(2, 3);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    if replace_members && !members.is_empty() {
        m.insert(s(keyword), Value::Sequence(members));
    }
    m.insert(s("discriminator"), Value::Mapping(d));
    true
}

pub(super) fn nullable(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let value = match rng.below(5) {
        0 => Value::Bool(false),
        1 => odd_scalar(rng),
        _ => Value::Bool(true),
    };
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("nullable"), value);
    true
}

pub(super) fn enumeration(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let count = rng.below(6);
    let mut values: Vec<Value> = (0..count)
        .map(|_| match rng.below(3) {
            0 => odd_scalar(rng),
            _ => Value::String(odd_string(rng)),
        })
        .collect();
    if rng.chance(1, 3)
        && let Some(first) = values.first().cloned()
    {
        values.push(first);
    }
    let typ = match rng.below(4) {
        0 => None,
        1 => Some(random_type(rng)),
        _ => Some("string"),
    };
    let allow = rng.chance(1, 4);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("enum"), Value::Sequence(values));
    if let Some(typ) = typ {
        m.insert(s("type"), s(typ));
    }
    if allow {
        m.insert(s("x-speakeasy-unknown-values"), s("allow"));
    }
    true
}

pub(super) fn additional(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let target = random_target(rng, doc, None);
    let value = match rng.below(6) {
        0 => Value::Bool(true),
        1 => Value::Bool(false),
        2 => Value::Mapping(Mapping::new()),
        3 => reference(&target),
        4 => map(vec![("type", s(random_type(rng)))]),
        _ => odd_value(rng),
    };
    let object_only = rng.chance(1, 3);
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("additionalProperties"), value);
    if object_only {
        m.insert(s("type"), s("object"));
        m.shift_remove("properties");
    }
    true
}

pub(super) fn type_format(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let typ = match rng.below(8) {
        0 => Value::Sequence(vec![s("string"), s("null")]),
        1 => odd_scalar(rng),
        _ => s(random_type(rng)),
    };
    let format = rng.chance(1, 2).then(|| s(random_format(rng)));
    let Some(m) = mapping_at(doc, &path) else {
        return false;
    };
    m.insert(s("type"), typ);
    if let Some(format) = format {
        m.insert(s("format"), format);
    }
    true
}

/// Nests a schema inside `depth` layers of lists, objects, maps or `allOf`s.
pub(super) fn deepen(rng: &mut Rng, doc: &mut Value) -> bool {
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let depth = match rng.below(4) {
        0 => 1 + rng.below(120),
        _ => 1 + rng.below(12),
    };
    let kinds: Vec<usize> = (0..depth).map(|_| rng.below(5)).collect();
    let Some(slot) = node_mut(doc, &path) else {
        return false;
    };
    let mut value = std::mem::take(slot);
    for kind in kinds {
        value = match kind {
            0 => map(vec![("type", s("array")), ("items", value)]),
            1 => map(vec![
                ("type", s("object")),
                ("properties", map(vec![("x", value)])),
            ]),
            2 => map(vec![("additionalProperties", value)]),
            3 => map(vec![("allOf", Value::Sequence(vec![value]))]),
            _ => map(vec![("oneOf", Value::Sequence(vec![value]))]),
        };
    }
    *slot = value;
    true
}

/// Adds a chain of component schemas, each referring to the next one or more times, and points a
/// schema of the document at its head: anything that expands references without remembering
/// what it already expanded takes exponential time on it.
pub(super) fn chain(rng: &mut Rng, doc: &mut Value) -> bool {
    // Mostly short chains; sometimes long ones, for what recurses or compares once per link.
    let length = match rng.below(10) {
        0 => 300 + rng.below(3000),
        1 | 2 => 40 + rng.below(300),
        _ => 2 + rng.below(40),
    };
    let form = rng.below(11);
    let Some(path) = random_schema_path(rng, doc) else {
        return false;
    };
    let Some(schemas) = schemas_mut(doc) else {
        return false;
    };
    for i in 0..length {
        let name = format!("Fz{i}");
        let value = if i + 1 == length {
            map(vec![
                ("type", s("object")),
                (
                    "properties",
                    map(vec![("x", map(vec![("type", s("string"))]))]),
                ),
            ])
        } else {
            let r = reference(&format!("#/components/schemas/Fz{}", i + 1));
            match form {
                0 => map(vec![("allOf", Value::Sequence(vec![r.clone(), r]))]),
                1 => map(vec![("type", s("array")), ("items", r)]),
                2 => map(vec![
                    ("type", s("object")),
                    ("properties", map(vec![("a", r.clone()), ("b", r)])),
                ]),
                3 => map(vec![(
                    "oneOf",
                    Value::Sequence(vec![r, map(vec![("type", s("string"))])]),
                )]),
                4 => map(vec![("anyOf", Value::Sequence(vec![r.clone(), r]))]),
                5 => map(vec![
                    ("allOf", Value::Sequence(vec![r.clone()])),
                    ("properties", map(vec![("a", r)])),
                ]),
                6 => map(vec![("additionalProperties", r)]),
                7 => map(vec![
                    ("additionalProperties", r),
                    ("nullable", Value::Bool(true)),
                ]),
                8 => map(vec![
                    ("type", s("array")),
                    (
                        "items",
                        map(vec![
                            ("type", s("object")),
                            ("properties", map(vec![("x", r)])),
                        ]),
                    ),
                ]),
                9 => map(vec![
                    ("oneOf", Value::Sequence(vec![r])),
                    ("nullable", Value::Bool(true)),
                ]),
                _ => map(vec![("allOf", Value::Sequence(vec![r]))]),
            }
        };
        schemas.insert(s(&name), value);
    }
    if let Some(slot) = node_mut(doc, &path) {
        *slot = reference("#/components/schemas/Fz0");
    }
    true
}
