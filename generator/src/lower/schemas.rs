//! Schemas → Rust types: references to named types, inline schemas, lists, maps and string enums,
//! with the examples the document gives for them.

use super::*;

impl<'a> Lowerer<'a> {
    /// The Rust type of a schema at a use site, and whether it may be `null`. `hint` names an
    /// inline type if one is needed; `field_name` decides whether a string is a `Secret`.
    pub(super) fn type_of<S: SchemaLike>(
        &mut self,
        schema: &'a ReferenceOr<S>,
        hint: &str,
        pointer: &str,
        field_name: &str,
    ) -> Result<(TypeRef, bool), Error> {
        if self.nesting >= MAX_NESTING {
            return Err(self.too_deep(pointer));
        }
        self.nesting += 1;
        let result = self.type_of_here(schema, hint, pointer, field_name);
        self.nesting -= 1;
        result
    }

    /// [`Lowerer::type_of`] within the nesting bound.
    pub(super) fn type_of_here<S: SchemaLike>(
        &mut self,
        schema: &'a ReferenceOr<S>,
        hint: &str,
        pointer: &str,
        field_name: &str,
    ) -> Result<(TypeRef, bool), Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.named_type(reference, pointer),
            ReferenceOr::Item(schema) => {
                let schema = schema.schema();
                let (ty, alias_nullable) = self.inline_type(schema, hint, pointer, field_name)?;
                let nullable = schema.schema_data.nullable || alias_nullable;
                self.record_example(schema, pointer, &ty, nullable);
                Ok((ty, nullable))
            }
        }
    }

    pub(super) fn record_example(
        &mut self,
        schema: &Schema,
        pointer: &str,
        ty: &TypeRef,
        nullable: bool,
    ) {
        if let Some(value) = &schema.schema_data.example {
            self.examples.insert(
                pointer.to_owned(),
                crate::ir::TypedExample {
                    pointer: pointer.to_owned(),
                    ty: ty.clone(),
                    nullable,
                    value: value.clone(),
                },
            );
        }
    }

    pub(super) fn named_type(
        &mut self,
        reference: &str,
        pointer: &str,
    ) -> Result<(TypeRef, bool), Error> {
        let (key, schema) = self.resolve_schema_ref(reference, pointer)?;
        let nullable = schema.schema_data.nullable;
        let at = format!("/components/schemas/{}", pointer_token(key));
        let name = self
            .schema_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| naming::camel(key));
        if matches!(
            self.shape_of(schema, &at)?,
            Shape::Struct | Shape::Union(..) | Shape::StringEnum
        ) {
            if self.queued.insert(key) {
                self.pending.push(key);
            }
            return Ok((TypeRef::Named(name), nullable));
        }
        // Schemas that are plain values (a string, a list) or stand for another schema are used
        // directly, not wrapped in a type. A chain of such schemas that refers back to itself has
        // no finite Rust type.
        if let Some(done) = self.inline_components.get(key) {
            return Ok(done.clone());
        }
        if !self.inline_stack.insert(key) {
            return Err(self.error(
                ErrorKind::RefCycle,
                at,
                "this schema contains itself without an object in between",
            ));
        }
        let result = self.inline_type(schema, &name, &at, "");
        self.inline_stack.remove(key);
        let (ty, alias_nullable) = result?;
        let lowered = (ty, nullable || alias_nullable);
        self.inline_components.insert(key, lowered.clone());
        Ok(lowered)
    }

    /// The Rust type of a schema written in place, and whether it may be `null` through the
    /// schema it stands for (an alias's member).
    pub(super) fn inline_type(
        &mut self,
        schema: &'a Schema,
        hint: &str,
        pointer: &str,
        field_name: &str,
    ) -> Result<(TypeRef, bool), Error> {
        let v = view(schema);
        let shape = self.shape_of(schema, pointer)?;
        // An inline object can contain itself: a component's property whose schema takes in the
        // component through `allOf`. Lowering it again would never end; it is the type being made.
        if matches!(shape, Shape::Struct | Shape::Union(..))
            && let Some(name) = self.inline_in_progress.get(pointer)
        {
            return Ok((TypeRef::Named(name.clone()), false));
        }
        let ty = match shape {
            Shape::Struct => {
                let name = self.type_names.claim(hint.to_owned());
                self.inline_in_progress
                    .insert(pointer.to_owned(), name.clone());
                let result = self.struct_type(name.clone(), schema, pointer, String::new());
                self.inline_in_progress.remove(pointer);
                result?;
                TypeRef::Named(name)
            }
            Shape::Union(members, keyword) => {
                let name = self.type_names.claim(hint.to_owned());
                self.inline_in_progress
                    .insert(pointer.to_owned(), name.clone());
                let result = self.union_type(
                    name.clone(),
                    schema,
                    members,
                    keyword,
                    pointer,
                    String::new(),
                );
                self.inline_in_progress.remove(pointer);
                result?;
                TypeRef::Named(name)
            }
            Shape::Alias(member, keyword) => {
                let at = format!("{pointer}/{keyword}/0");
                return self.type_of(member, hint, &at, field_name);
            }
            Shape::StringEnum => {
                let values = view::string_enum_values(schema).unwrap_or_default();
                self.string_enum(hint, pointer, &values, schema)?
            }
            Shape::Value => self.value_type(&v, hint, pointer, field_name)?,
        };
        Ok((ty, false))
    }

    /// The type of a plain value, list or map.
    pub(super) fn value_type(
        &mut self,
        v: &View<'a>,
        hint: &str,
        pointer: &str,
        field_name: &str,
    ) -> Result<TypeRef, Error> {
        Ok(match v.typ {
            Some("string") if is_secret_name(field_name) => TypeRef::Secret,
            Some("string") => TypeRef::String,
            Some("integer") if v.format == Format::Int32 => TypeRef::I32,
            Some("integer") => TypeRef::I64,
            Some("number") if v.format == Format::Float => TypeRef::F32,
            Some("number") => TypeRef::F64,
            Some("boolean") => TypeRef::Bool,
            Some("array") => match v.items {
                Some(items) => {
                    let (item, nullable) = self.type_of(
                        items,
                        &format!("{hint}Item"),
                        &format!("{pointer}/items"),
                        "",
                    )?;
                    TypeRef::Vec(Box::new(nullable_in_place(item, nullable)))
                }
                None => TypeRef::Vec(Box::new(TypeRef::Json)),
            },
            Some("object") => self.map_type(v.additional, hint, pointer)?,
            None if v.additional.is_some() => self.map_type(v.additional, hint, pointer)?,
            _ => TypeRef::Json,
        })
    }

    pub(super) fn map_type(
        &mut self,
        additional: Option<&'a AdditionalProperties>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        match additional {
            Some(additional @ AdditionalProperties::Schema(_)) => {
                let value = self.additional_type(
                    additional,
                    &format!("{hint}Value"),
                    &format!("{pointer}/additionalProperties"),
                )?;
                Ok(TypeRef::Map(Box::new(value)))
            }
            // Members of any kind: a JSON object as `serde_json` holds it.
            _ => Ok(TypeRef::JsonObject),
        }
    }

    /// The type of the values of `additionalProperties` (any JSON value for `true` or `false`).
    pub(super) fn additional_type(
        &mut self,
        additional: &'a AdditionalProperties,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        match additional {
            AdditionalProperties::Schema(schema) => {
                let (value, nullable) = self.type_of(schema.as_ref(), hint, pointer, "")?;
                Ok(nullable_in_place(value, nullable))
            }
            AdditionalProperties::Any(_) => Ok(TypeRef::Json),
        }
    }

    pub(super) fn string_enum(
        &mut self,
        hint: &str,
        pointer: &str,
        values: &[&str],
        schema: &Schema,
    ) -> Result<TypeRef, Error> {
        let name = self.type_names.claim(hint.to_owned());
        self.string_enum_named(name, pointer, values, schema)
    }

    pub(super) fn string_enum_named(
        &mut self,
        name: String,
        pointer: &str,
        values: &[&str],
        schema: &Schema,
    ) -> Result<TypeRef, Error> {
        let mut scope = Scope::default();
        // `Unknown` carries values this version does not know, so no known value may take its name.
        scope.claim("Unknown".to_owned());
        let mut seen = BTreeSet::new();
        let variants = values
            .iter()
            .filter(|value| seen.insert(**value))
            .map(|value| Variant {
                name: scope.claim(naming::camel(value)),
                api_name: (*value).to_owned(),
            })
            .collect();
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                origin: pointer.to_owned(),
                docs: docs(
                    schema.schema_data.title.as_deref(),
                    schema.schema_data.description.as_deref(),
                ),
                deprecated: schema.schema_data.deprecated,
                kind: TypeKind::StringEnum { variants },
            },
        );
        Ok(TypeRef::Named(name))
    }
}
