//! One view of a schema, whichever way the document model parsed it, and what Rust shape it takes.
//!
//! `openapiv3` parses a schema into a typed variant (`Type::Object`, `OneOf`...) only when its keys
//! fit that variant exactly; anything mixed (`type: object` next to `oneOf`, `required` alone, an
//! `allOf` with a `type`) lands in `SchemaKind::Any` with every field optional. Clerk's documents
//! use such mixes in about thirty places, so the lowering looks at every schema through
//! [`View`], which reads the same fields from either form, and decides its Rust shape once, in
//! [`shape`].

use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::Properties;

/// The `format` keywords that change the Rust type or how a value is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `int32`: an `i32`.
    Int32,
    /// `float`: an `f32`.
    Float,
    /// `binary`: raw bytes, sent as a file in multipart bodies.
    Binary,
    /// No format, or one that does not change the type (`int64`, `double`, `date-time`, `uri`,
    /// `email`...): those are `i64`, `f64` and `String` already.
    Other,
}

/// The fields of a schema that decide its Rust type, read from any `SchemaKind`.
#[derive(Debug, Clone, Copy)]
pub(super) struct View<'a> {
    /// `type`, when given.
    pub typ: Option<&'a str>,
    pub format: Format,
    /// Whether `enum` is given at all (with any values).
    pub has_enum: bool,
    pub items: Option<&'a ReferenceOr<Box<Schema>>>,
    pub properties: Option<&'a Properties>,
    pub required: &'a [String],
    pub additional: Option<&'a AdditionalProperties>,
    pub all_of: &'a [ReferenceOr<Schema>],
    pub one_of: &'a [ReferenceOr<Schema>],
    pub any_of: &'a [ReferenceOr<Schema>],
}

impl<'a> View<'a> {
    fn empty(typ: Option<&'a str>) -> Self {
        View {
            typ,
            format: Format::Other,
            has_enum: false,
            items: None,
            properties: None,
            required: &[],
            additional: None,
            all_of: &[],
            one_of: &[],
            any_of: &[],
        }
    }

    /// Whether the schema declares properties of its own.
    pub fn has_properties(&self) -> bool {
        self.properties.is_some_and(|p| !p.is_empty())
    }

    /// The `oneOf` or `anyOf` branches, with whether they are a `oneOf`. A schema with both is
    /// reported by [`shape`].
    pub fn branches(&self) -> (&'a [ReferenceOr<Schema>], bool) {
        if self.one_of.is_empty() {
            (self.any_of, false)
        } else {
            (self.one_of, true)
        }
    }
}

/// Reads the view of `schema`.
pub(super) fn view(schema: &Schema) -> View<'_> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => View {
            format: match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Format::Binary,
                VariantOrUnknownOrEmpty::Unknown(f) if f == "binary" => Format::Binary,
                _ => Format::Other,
            },
            has_enum: !s.enumeration.is_empty(),
            ..View::empty(Some("string"))
        },
        SchemaKind::Type(Type::Integer(i)) => View {
            format: match &i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Format::Int32,
                _ => Format::Other,
            },
            has_enum: !i.enumeration.is_empty(),
            ..View::empty(Some("integer"))
        },
        SchemaKind::Type(Type::Number(n)) => View {
            format: match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Format::Float,
                _ => Format::Other,
            },
            has_enum: !n.enumeration.is_empty(),
            ..View::empty(Some("number"))
        },
        SchemaKind::Type(Type::Boolean(b)) => View {
            has_enum: !b.enumeration.is_empty(),
            ..View::empty(Some("boolean"))
        },
        SchemaKind::Type(Type::Array(a)) => View {
            items: a.items.as_ref(),
            ..View::empty(Some("array"))
        },
        SchemaKind::Type(Type::Object(o)) => View {
            properties: Some(&o.properties),
            required: &o.required,
            additional: o.additional_properties.as_ref(),
            ..View::empty(Some("object"))
        },
        SchemaKind::OneOf { one_of } => View {
            one_of,
            ..View::empty(None)
        },
        SchemaKind::AllOf { all_of } => View {
            all_of,
            ..View::empty(None)
        },
        SchemaKind::AnyOf { any_of } => View {
            any_of,
            ..View::empty(None)
        },
        // `not` only narrows the values of the rest of the schema; the client does not check it,
        // so the type is that of the rest (any JSON value when there is no rest).
        SchemaKind::Not { .. } => View::empty(None),
        SchemaKind::Any(any) => View {
            typ: any.typ.as_deref(),
            format: match any.format.as_deref() {
                Some("int32") => Format::Int32,
                Some("float") => Format::Float,
                Some("binary") => Format::Binary,
                _ => Format::Other,
            },
            has_enum: !any.enumeration.is_empty(),
            items: any.items.as_ref(),
            properties: Some(&any.properties),
            required: &any.required,
            additional: any.additional_properties.as_ref(),
            all_of: &any.all_of,
            one_of: &any.one_of,
            any_of: &any.any_of,
        },
    }
}

/// The string values of a string enum with more than one value (`null` left out). A one-value
/// enum such as `object: [machine]` carries no choice and stays a plain string.
pub(super) fn string_enum_values(schema: &Schema) -> Option<Vec<&str>> {
    let values: Vec<&str> = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            s.enumeration.iter().flatten().map(String::as_str).collect()
        }
        SchemaKind::Any(any) if matches!(any.typ.as_deref(), None | Some("string")) => {
            let non_null: Vec<&serde_json::Value> =
                any.enumeration.iter().filter(|v| !v.is_null()).collect();
            let strings: Vec<&str> = non_null.iter().filter_map(|v| v.as_str()).collect();
            if strings.len() != non_null.len() {
                return None;
            }
            strings
        }
        _ => return None,
    };
    let mut distinct = values.clone();
    distinct.sort_unstable();
    distinct.dedup();
    (distinct.len() > 1).then_some(values)
}

/// The single value of a one-value string enum (`object: [machine]` gives `machine`).
pub(super) fn single_string_value(schema: &Schema) -> Option<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match s.enumeration.as_slice() {
            [Some(value)] => Some(value.as_str()),
            _ => None,
        },
        SchemaKind::Any(any) => match any.enumeration.as_slice() {
            [serde_json::Value::String(value)] => Some(value.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a `oneOf`/`anyOf` branch only lists `required` properties (`{required: [domain]}`):
/// such branches constrain which of the base object's properties must be present, rather than
/// describing a shape of their own.
pub(super) fn is_required_only(branch: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(schema) = branch else {
        return false;
    };
    let v = view(schema);
    v.typ.is_none()
        && !v.has_enum
        && !v.has_properties()
        && !v.required.is_empty()
        && v.items.is_none()
        && v.additional.is_none()
        && v.all_of.is_empty()
        && v.one_of.is_empty()
        && v.any_of.is_empty()
}

/// The Rust shape a schema takes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shape<'a> {
    /// A struct: own properties and `allOf` parts merged; `oneOf`/`anyOf` branches that only
    /// list `required` properties become a documented (and, for parameters, checked) rule.
    Struct,
    /// The same type as another schema: an `allOf` of a single `$ref` with nothing beside it, or a
    /// `oneOf`/`anyOf` with one member and no discriminator.
    Alias(&'a ReferenceOr<Schema>, &'static str),
    /// An enum with one variant per member of a `oneOf`/`anyOf`.
    Union(&'a [ReferenceOr<Schema>], &'static str),
    /// A string enum of two or more values.
    StringEnum,
    /// A plain value, list, map or any JSON value.
    Value,
}

/// Why a schema has no Rust shape.
pub(super) struct ShapeError {
    /// The keyword at fault, appended to the schema's pointer.
    pub at: &'static str,
    pub message: &'static str,
}

/// Decides the Rust shape of `schema`.
pub(super) fn shape(schema: &Schema) -> Result<Shape<'_>, ShapeError> {
    let v = view(schema);
    if !v.one_of.is_empty() && !v.any_of.is_empty() {
        return Err(ShapeError {
            at: "/anyOf",
            message: "a schema with both oneOf and anyOf is not supported",
        });
    }
    let (branches, one_of) = v.branches();
    let keyword = if one_of { "oneOf" } else { "anyOf" };
    let object_like = v.has_properties() || !v.all_of.is_empty();
    if !branches.is_empty() && !branches.iter().all(is_required_only) {
        if object_like {
            return Err(ShapeError {
                at: if one_of { "/oneOf" } else { "/anyOf" },
                message: "oneOf/anyOf members next to properties or allOf are not supported; \
                          only members that list `required` properties can stand beside them",
            });
        }
        if branches.iter().any(is_required_only) {
            return Err(ShapeError {
                at: if one_of { "/oneOf" } else { "/anyOf" },
                message: "oneOf/anyOf mixes members that only list `required` properties with \
                          members that describe values",
            });
        }
        return Ok(match branches {
            [single] if schema.schema_data.discriminator.is_none() => Shape::Alias(single, keyword),
            _ => Shape::Union(branches, keyword),
        });
    }
    if object_like {
        let nothing_beside = !v.has_properties()
            && v.required.is_empty()
            && v.additional.is_none()
            && branches.is_empty();
        if let [lone @ ReferenceOr::Reference { .. }] = v.all_of
            && nothing_beside
        {
            return Ok(Shape::Alias(lone, "allOf"));
        }
        return Ok(Shape::Struct);
    }
    if string_enum_values(schema).is_some() {
        return Ok(Shape::StringEnum);
    }
    Ok(Shape::Value)
}
