//! `oneOf`/`anyOf` schemas → enums, with their variants' names and discriminator tags.

use super::*;

impl<'a> Lowerer<'a> {
    /// Lowers a `oneOf`/`anyOf` into an enum named `name`.
    pub(super) fn union_type(
        &mut self,
        name: String,
        schema: &'a Schema,
        members: &'a [ReferenceOr<Schema>],
        keyword: &str,
        pointer: &str,
        origin: String,
    ) -> Result<(), Error> {
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut scope = Scope::default();
        // `Unknown` holds what this version does not know, so no member may take its name.
        scope.claim("Unknown".to_owned());
        let mut variants: Vec<(usize, UnionVariant)> = Vec::new();
        let mut owners: BTreeMap<String, String> = BTreeMap::new();
        for (index, member) in members.iter().enumerate() {
            let member_pointer = format!("{pointer}/{keyword}/{index}");
            let key = match member {
                ReferenceOr::Reference { reference } => {
                    Some(self.resolve_schema_ref(reference, &member_pointer)?.0)
                }
                ReferenceOr::Item(_) => None,
            };
            let (resolved, resolved_pointer) = self.resolve(member, &member_pointer)?;
            let variant = scope.claim(self.variant_name(key, resolved, discriminator, index));
            let (ty, _) = self.type_of(member, &format!("{name}{variant}"), &member_pointer, "")?;
            let tags = match discriminator {
                Some(d) => self.tags(d, key, resolved, &resolved_pointer, &member_pointer)?,
                None => Vec::new(),
            };
            for tag in &tags {
                if let Some(other) = owners.insert(tag.clone(), variant.clone()) {
                    return Err(self.error(
                        ErrorKind::NameCollision,
                        member_pointer,
                        format!(
                            "the discriminator value `{tag}` selects both `{other}` and `{variant}`"
                        ),
                    ));
                }
            }
            let required = if discriminator.is_none() {
                self.required_count(resolved, &resolved_pointer)?
            } else {
                0
            };
            variants.push((
                required,
                UnionVariant {
                    name: variant,
                    ty,
                    tags,
                },
            ));
        }
        if let Some(d) = discriminator {
            for (value, target) in &d.mapping {
                let target_key = target
                    .strip_prefix("#/components/schemas/")
                    .unwrap_or(target);
                let is_member = members.iter().any(|m| {
                    matches!(m, ReferenceOr::Reference { reference }
                        if reference.strip_prefix("#/components/schemas/") == Some(target_key))
                });
                if !is_member {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        format!("{pointer}/discriminator/mapping/{}", pointer_token(value)),
                        format!("`{target}` is not one of the {keyword} members"),
                    ));
                }
            }
        } else {
            // Without a discriminator the first member that decodes wins, and a value with the
            // fields of a more specific member (a private key) usually also has those of a
            // less specific one (its public key): most required properties first, document order
            // among equals (the sort is stable).
            variants.sort_by_key(|(required, _)| std::cmp::Reverse(*required));
        }
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
                kind: TypeKind::Union {
                    variants: variants.into_iter().map(|(_, v)| v).collect(),
                    discriminator: discriminator.map(|d| d.property_name.clone()),
                },
            },
        );
        Ok(())
    }

    /// The name of a union's variant: the member's type name for a `$ref`; for an inline member
    /// its `title`, else the one value of its discriminator (or `object`) property, else its
    /// kind of value, else its position.
    pub(super) fn variant_name(
        &self,
        key: Option<&'a str>,
        schema: &'a Schema,
        discriminator: Option<&'a openapiv3::Discriminator>,
        index: usize,
    ) -> String {
        if let Some(key) = key {
            return self
                .schema_names
                .get(key)
                .cloned()
                .unwrap_or_else(|| naming::camel(key));
        }
        if let Some(title) = schema.schema_data.title.as_deref()
            && !title.trim().is_empty()
        {
            return naming::camel(title);
        }
        let v = view(schema);
        let property = discriminator.map_or("object", |d| d.property_name.as_str());
        if let Some(ReferenceOr::Item(p)) = v.properties.and_then(|p| p.get(property))
            && let Some(value) = view::single_string_value(p)
        {
            return naming::camel(value);
        }
        match v.typ {
            Some("string") => "String".to_owned(),
            Some("integer") => "Integer".to_owned(),
            Some("number") => "Number".to_owned(),
            Some("boolean") => "Boolean".to_owned(),
            Some("array") => "List".to_owned(),
            _ => format!("Variant{}", index + 1),
        }
    }

    /// The discriminator values that select a member: its `mapping` entries; else, for a
    /// `$ref`, the component's name (OpenAPI's implicit mapping); and the one value its
    /// discriminator property allows, if it states one.
    pub(super) fn tags(
        &self,
        discriminator: &'a openapiv3::Discriminator,
        key: Option<&'a str>,
        schema: &'a Schema,
        schema_pointer: &str,
        member_pointer: &str,
    ) -> Result<Vec<String>, Error> {
        let mut tags: Vec<String> = Vec::new();
        if let Some(key) = key {
            for (value, target) in &discriminator.mapping {
                let target = target
                    .strip_prefix("#/components/schemas/")
                    .unwrap_or(target);
                if target == key {
                    tags.push(value.clone());
                }
            }
            if tags.is_empty() {
                tags.push(key.to_owned());
            }
        }
        if matches!(self.shape_of(schema, schema_pointer)?, Shape::Struct) {
            let parts = self.object_parts(schema, schema_pointer)?;
            if let Some(property) = parts
                .properties
                .iter()
                .find(|p| p.api_name == discriminator.property_name)
            {
                let (resolved, _) = self.resolve(property.schema, &property.pointer)?;
                if let Some(value) = view::single_string_value(resolved)
                    && !tags.iter().any(|t| t == value)
                {
                    tags.push(value.to_owned());
                }
            }
        }
        if tags.is_empty() {
            return Err(self.error(
                ErrorKind::Unsupported,
                member_pointer,
                format!(
                    "this member has no discriminator value: give it a mapping entry, or a one-value enum for `{}`",
                    discriminator.property_name
                ),
            ));
        }
        Ok(tags)
    }

    /// How many properties an object schema requires (0 for anything else), to order the
    /// members of a union without a discriminator.
    pub(super) fn required_count(&self, schema: &'a Schema, pointer: &str) -> Result<usize, Error> {
        if !matches!(self.shape_of(schema, pointer)?, Shape::Struct) {
            return Ok(0);
        }
        Ok(self.object_parts(schema, pointer)?.required.len())
    }
}
