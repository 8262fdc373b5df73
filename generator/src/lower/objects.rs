//! Object schemas → structs: properties merged from `allOf` parts, fields, and validation constraints.

use super::*;

impl<'a> Lowerer<'a> {
    /// The members of an object schema, its `allOf` parts merged; `None` when the schema is not
    /// an object with properties.
    pub(super) fn object_properties<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
    ) -> Result<Option<ObjectParts<'a>>, Error> {
        let (schema, pointer) = self.resolve(schema, pointer)?;
        if !matches!(self.shape_of(schema, &pointer)?, Shape::Struct) {
            return Ok(None);
        }
        let parts = self.object_parts(schema, &pointer)?;
        if parts.properties.is_empty() {
            return Ok(None);
        }
        Ok(Some(parts))
    }

    /// Collects what an object schema declares, merging its `allOf` parts in order; a part's
    /// property is replaced by a later one of the same name, the schema's own coming last.
    pub(super) fn object_parts(
        &self,
        schema: &'a Schema,
        pointer: &str,
    ) -> Result<ObjectParts<'a>, Error> {
        let mut parts = ObjectParts::default();
        let mut visiting = BTreeSet::new();
        self.collect(schema, pointer, &mut parts, &mut visiting, 0)?;
        if parts.properties.iter().any(|p| p.api_name == "kty") {
            for property in &mut parts.properties {
                property.jwk_private = JWK_PRIVATE_MEMBERS.contains(&property.api_name);
            }
        }
        Ok(parts)
    }

    pub(super) fn collect(
        &self,
        schema: &'a Schema,
        pointer: &str,
        parts: &mut ObjectParts<'a>,
        visiting: &mut BTreeSet<String>,
        depth: usize,
    ) -> Result<(), Error> {
        if depth >= MAX_NESTING {
            return Err(self.too_deep(pointer));
        }
        let v = view(schema);
        match self.shape_of(schema, pointer)? {
            Shape::Struct => {}
            Shape::Alias(..) if v.all_of.len() == 1 => {}
            Shape::Value if matches!(v.typ, None | Some("object")) => {}
            Shape::Union(..) | Shape::Alias(..) => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    pointer,
                    "an allOf part that is a oneOf/anyOf of other schemas is not supported",
                ));
            }
            Shape::StringEnum | Shape::Value => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    pointer,
                    "an allOf part must be an object; this one is a plain value",
                ));
            }
        }
        for (index, part) in v.all_of.iter().enumerate() {
            let part_pointer = format!("{pointer}/allOf/{index}");
            match part {
                ReferenceOr::Item(part) => {
                    self.collect(part, &part_pointer, parts, visiting, depth + 1)?;
                }
                ReferenceOr::Reference { reference } => {
                    let (key, part) = self.resolve_schema_ref(reference, &part_pointer)?;
                    if visiting.contains(key) {
                        return Err(self.error(
                            ErrorKind::RefCycle,
                            part_pointer,
                            format!("`$ref: {reference}` includes itself through allOf"),
                        ));
                    }
                    // A component reached a second time (`allOf: [B, B]`, or two parts that
                    // both include it) has already given its properties, `required` names and
                    // rules, so it is merged once. Merging it again would repeat its rules,
                    // and would take time that doubles with each level of a chain of such
                    // components.
                    if !parts.merged.insert(key) {
                        continue;
                    }
                    visiting.insert(key.to_owned());
                    let at = format!("/components/schemas/{}", pointer_token(key));
                    self.collect(part, &at, parts, visiting, depth + 1)?;
                    visiting.remove(key);
                }
            }
        }
        parts.absent.extend(self.absent_list(schema, pointer)?);
        for (name, property) in v.properties.into_iter().flatten() {
            let property_pointer = format!("{pointer}/properties/{}", pointer_token(name));
            let (resolved, _) = self.resolve(property, &property_pointer)?;
            let new = Property {
                api_name: name.as_str(),
                schema: property,
                pointer: property_pointer,
                read_only: resolved.schema_data.read_only,
                write_only: resolved.schema_data.write_only,
                jwk_private: false,
            };
            match parts
                .properties
                .iter_mut()
                .find(|p| p.api_name == name.as_str())
            {
                Some(existing) => *existing = new,
                None => parts.properties.push(new),
            }
        }
        parts.required.extend(v.required.iter().map(String::as_str));
        let (branches, one_of) = v.branches();
        if !branches.is_empty() && branches.iter().all(view::is_required_only) {
            let sets = branches
                .iter()
                .filter_map(|b| match b {
                    ReferenceOr::Item(b) => {
                        Some(view(b).required.iter().map(String::as_str).collect())
                    }
                    ReferenceOr::Reference { .. } => None,
                })
                .collect();
            let keyword = if one_of { "oneOf" } else { "anyOf" };
            parts.alternatives.push(RequiredSets {
                exactly_one: one_of,
                sets,
                pointer: format!("{pointer}/{keyword}"),
            });
        }
        if let Some(additional) = v.additional
            && !matches!(additional, AdditionalProperties::Any(false))
        {
            parts.additional = Some((additional, format!("{pointer}/additionalProperties")));
        }
        Ok(())
    }

    pub(super) fn field(
        &mut self,
        property: &Property<'a>,
        name: String,
        parent: &str,
        required: bool,
        location: Location,
    ) -> Result<Field, Error> {
        // A component's own property is met once per struct that merges the component through
        // `allOf`: its type is lowered the first time, named after the component, so that it is
        // one type whichever struct merges it in. (Body members keep their operation's names.)
        let owner = component_of_property(&property.pointer)
            .filter(|_| location == Location::Member)
            .and_then(|key| self.schema_names.get(key.as_str()).cloned());
        let (ty, nullable) = match owner
            .as_ref()
            .and_then(|_| self.inline_at.get(&property.pointer))
        {
            Some(done) => done.clone(),
            None => {
                let hint = format!(
                    "{}{}",
                    owner.as_deref().unwrap_or(parent),
                    naming::camel(property.api_name)
                );
                let lowered = self.type_of(
                    property.schema,
                    &hint,
                    &property.pointer,
                    property.secret_as(),
                )?;
                if owner.is_some() {
                    self.inline_at
                        .insert(property.pointer.clone(), lowered.clone());
                }
                lowered
            }
        };
        let (description, deprecated) = match property.schema {
            ReferenceOr::Item(schema) => (
                schema.schema_data.description.as_deref(),
                schema.schema_data.deprecated,
            ),
            ReferenceOr::Reference { .. } => (None, false),
        };
        Ok(Field {
            name,
            api_name: property.api_name.to_owned(),
            location,
            ty,
            required,
            nullable,
            deprecated,
            constraints: self.constraints(property.schema, &property.pointer)?,
            docs: docs(None, description),
            joined: None,
        })
    }

    pub(super) fn struct_type(
        &mut self,
        name: String,
        schema: &'a Schema,
        pointer: &str,
        origin: String,
    ) -> Result<(), Error> {
        let parts = self.object_parts(schema, pointer)?;
        let wire_names: Vec<&str> = parts.properties.iter().map(|p| p.api_name).collect();
        let mut scope = Scope::default();
        let names = scope.claim_all(&wire_names, naming::snake);
        let mut fields = Vec::with_capacity(parts.properties.len());
        let mut by_wire: BTreeMap<&str, String> = BTreeMap::new();
        for (property, field_name) in parts.properties.iter().zip(names) {
            by_wire.insert(property.api_name, field_name.clone());
            // Answers leave write-only members out, so they cannot be required there.
            // Nor can members the service is known to leave out.
            let required = parts.required.contains(property.api_name)
                && !property.write_only
                && !parts.absent.contains(property.api_name)
                && !self.absent_members.contains(&property.pointer);
            fields.push(self.field(property, field_name, &name, required, Location::Member)?);
        }
        let additional = match parts.additional {
            Some((additional, at)) => Some(Additional {
                ty: self.additional_type(additional, &format!("{name}Value"), &at)?,
                name: scope.claim(ADDITIONAL_FIELD.to_owned()),
            }),
            None => None,
        };
        // A rule naming a member the struct does not have is stated only as far as it can be.
        let alternatives = parts
            .alternatives
            .iter()
            .map(|rule| Alternatives {
                exactly_one: rule.exactly_one,
                sets: rule
                    .sets
                    .iter()
                    .map(|set| {
                        set.iter()
                            .map(|api_name| FieldName {
                                name: by_wire.get(api_name).cloned().unwrap_or_default(),
                                api_name: (*api_name).to_owned(),
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        let origin = if origin.is_empty() {
            pointer.to_owned()
        } else {
            origin
        };
        self.types.insert(
            name.clone(),
            TypeDef {
                name,
                origin,
                docs: docs(
                    schema.schema_data.title.as_deref(),
                    schema.schema_data.description.as_deref(),
                ),
                deprecated: schema.schema_data.deprecated,
                kind: TypeKind::Struct {
                    fields,
                    additional,
                    alternatives,
                },
            },
        );
        Ok(())
    }

    pub(super) fn constraints<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
    ) -> Result<Constraints, Error> {
        let (schema, pointer) = self.resolve(schema, pointer)?;
        let mut c = Constraints::default();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                c.min_length = s.min_length;
                c.max_length = s.max_length;
                c.pattern = s.pattern.clone();
            }
            SchemaKind::Type(Type::Integer(i)) => {
                c.minimum = i.minimum.map(|m| (m as f64, i.exclusive_minimum));
                c.maximum = i.maximum.map(|m| (m as f64, i.exclusive_maximum));
            }
            SchemaKind::Type(Type::Number(n)) => {
                c.minimum = n.minimum.map(|m| (m, n.exclusive_minimum));
                c.maximum = n.maximum.map(|m| (m, n.exclusive_maximum));
            }
            SchemaKind::Type(Type::Array(a)) => {
                c.min_items = a.min_items;
                c.max_items = a.max_items;
            }
            // Schemas that mix keywords (`type` with `oneOf`...) keep their constraints too.
            SchemaKind::Any(any) => match any.typ.as_deref() {
                Some("string") => {
                    c.min_length = any.min_length;
                    c.max_length = any.max_length;
                    c.pattern = any.pattern.clone();
                }
                Some("integer" | "number") => {
                    c.minimum = any
                        .minimum
                        .map(|m| (m, any.exclusive_minimum.unwrap_or(false)));
                    c.maximum = any
                        .maximum
                        .map(|m| (m, any.exclusive_maximum.unwrap_or(false)));
                }
                Some("array") => {
                    c.min_items = any.min_items;
                    c.max_items = any.max_items;
                }
                _ => {}
            },
            _ => {}
        }
        // YAML can write `.inf` and `.nan`, which no Rust literal and no JSON number can hold.
        for (keyword, bound) in [("minimum", c.minimum), ("maximum", c.maximum)] {
            if let Some((value, _)) = bound
                && !value.is_finite()
            {
                return Err(self.error(
                    ErrorKind::WrongType,
                    format!("{pointer}/{keyword}"),
                    format!("`{keyword}` must be a finite number, found {value}"),
                ));
            }
        }
        Ok(c)
    }
}

/// The component key of a pointer to a component schema's own property
/// (`/components/schemas/{key}/properties/{name}`).
fn component_of_property(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/components/schemas/")?;
    let (key, property) = rest.split_once('/')?;
    let name = property.strip_prefix("properties/")?;
    if name.contains('/') {
        return None;
    }
    Some(key.replace("~1", "/").replace("~0", "~"))
}

impl<'a> Lowerer<'a> {
    /// The member names an object schema lists in [`ABSENT_EXTENSION`].
    fn absent_list(&self, schema: &'a Schema, pointer: &str) -> Result<Vec<&'a str>, Error> {
        let Some(list) = schema.schema_data.extensions.get(ABSENT_EXTENSION) else {
            return Ok(Vec::new());
        };
        let names = list.as_array().and_then(|items| {
            items
                .iter()
                .map(serde_json::Value::as_str)
                .collect::<Option<Vec<_>>>()
        });
        names.ok_or_else(|| {
            self.error(
                ErrorKind::WrongType,
                format!("{pointer}/{ABSENT_EXTENSION}"),
                format!(
                    "expected a list of member names, found {}",
                    crate::select::json_kind(list)
                ),
            )
        })
    }
}
