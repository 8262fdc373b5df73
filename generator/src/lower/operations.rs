//! Operations: request bodies and path templates of one operation → [`crate::ir::Operation`]; its
//! parameters are in `parameters.rs`.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn claim_params_name(&mut self, op: &SelectedOperation<'_>) -> Result<(), Error> {
        let name = format!("{}Params", naming::camel(op.id));
        if self.type_names.contains(&name) {
            return Err(self.error(
                ErrorKind::NameCollision,
                ErrorLocation::Operation(op.id.to_owned()),
                format!("the parameter struct `{name}` of operation {} collides with another type of that name", op.id),
            ));
        }
        let name = self.type_names.claim(name);
        self.params_names.insert(op.id.to_owned(), name);
        Ok(())
    }

    pub(super) fn tag_docs(&self, op: &SelectedOperation<'_>) -> Docs {
        let tag = op.operation.tags.first();
        let description = tag
            .and_then(|name| self.doc.tags.iter().find(|t| &t.name == name))
            .and_then(|t| t.description.as_deref());
        docs(None, description)
    }

    // ----- operations -------------------------------------------------------------------------

    pub(super) fn operation(&mut self, op: &SelectedOperation<'a>) -> Result<Operation, Error> {
        let o = op.operation;
        let method_base = name_override(self.file, &op.pointer, &o.extensions)?;
        let method_name = naming::snake(method_base.as_deref().unwrap_or(op.id));
        let params_name = self.params_names.get(op.id).cloned().unwrap_or_default();

        let mut scope = Scope::default();
        let mut fields = Vec::new();
        let parameters = self.parameters(op)?;
        let plan = match self.request_body(op)? {
            Some((body, pointer)) => Some(self.body_plan(body, &pointer)?),
            None => None,
        };
        let object = plan.as_ref().and_then(|p| p.object.as_ref());
        // Parameters and body members share one struct, so they are named together.
        let wire_names: Vec<&str> = parameters
            .iter()
            .map(|p| p.data.name.as_str())
            .chain(
                object
                    .iter()
                    .flat_map(|o| o.properties.iter().map(|p| p.api_name)),
            )
            .collect();
        let mut names = scope.claim_all(&wire_names, naming::snake).into_iter();
        let mut path_fields: BTreeMap<&str, String> = BTreeMap::new();
        for param in &parameters {
            let data = param.data;
            let name = names.next().unwrap_or_default();
            let hint = format!("{}{}", naming::camel(op.id), naming::camel(&data.name));
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => schema,
                ParameterSchemaOrContent::Content(_) => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        param.pointer.clone(),
                        "parameters described by `content` rather than `schema` are not supported",
                    ));
                }
            };
            let schema_pointer = format!("{}/schema", param.pointer);
            let place = match param.location {
                Location::Path => "path",
                Location::Header => "header",
                _ => "query",
            };
            // Path segments carry one value; queries and headers can carry a list.
            self.check_simple(
                schema,
                &schema_pointer,
                place,
                param.location != Location::Path,
            )?;
            // A path parameter is never a `Secret`: it is part of the URL, which errors show.
            let secret_name = if param.location == Location::Path {
                ""
            } else {
                data.name.as_str()
            };
            let (ty, nullable) = self.type_of(schema, &hint, &schema_pointer, secret_name)?;
            // An example on the parameter itself (rather than on its schema) is a value of the
            // parameter's type too.
            if let Some(value) = &data.example {
                self.examples.insert(
                    param.pointer.clone(),
                    crate::ir::TypedExample {
                        pointer: param.pointer.clone(),
                        ty: ty.clone(),
                        nullable,
                        value: value.clone(),
                    },
                );
            }
            if param.location == Location::Path {
                path_fields.insert(data.name.as_str(), name.clone());
            }
            fields.push(Field {
                name,
                api_name: data.name.clone(),
                location: param.location,
                ty,
                // Path parameters are always required, whatever the document says.
                required: data.required || param.location == Location::Path,
                nullable: nullable && param.location != Location::Path,
                deprecated: data.deprecated.unwrap_or(false),
                constraints: self.constraints(schema, &schema_pointer)?,
                docs: docs(None, data.description.as_deref()),
                joined: param.joined,
            });
        }
        let path = self.path_template(op, &path_fields)?;

        let mut additional = None;
        let mut alternatives = Vec::new();
        let body = match plan {
            None => Body::None,
            Some(BodyPlan {
                body,
                kind: MediaKind::Bytes,
                media,
                ..
            }) => {
                let name = scope.claim("body".to_owned());
                fields.push(Field {
                    name: name.clone(),
                    api_name: "body".to_owned(),
                    location: Location::Body,
                    ty: TypeRef::Bytes,
                    required: body.required,
                    nullable: false,
                    deprecated: false,
                    constraints: Constraints::default(),
                    docs: docs(None, body.description.as_deref()),
                    joined: None,
                });
                // A range such as `image/*` names no type to send; bytes are then just bytes.
                let media_type = if media.contains('*') {
                    "application/octet-stream".to_owned()
                } else {
                    media
                };
                Body::Bytes {
                    field: name,
                    media_type,
                }
            }
            Some(BodyPlan {
                object: Some(object),
                kind,
                content,
                media_pointer,
                ..
            }) => {
                let multipart = kind == MediaKind::Multipart;
                let parent = naming::camel(op.id);
                let mut by_wire: BTreeMap<&str, String> = BTreeMap::new();
                for property in &object.properties {
                    let name = names.next().unwrap_or_default();
                    by_wire.insert(property.api_name, name.clone());
                    let required = object.required.contains(property.api_name);
                    let field = if multipart {
                        self.multipart_field(property, name, &parent, required)?
                    } else {
                        self.field(property, name, &parent, required, Location::Body)?
                    };
                    fields.push(field);
                }
                if let Some((ap, pointer)) = object.additional {
                    // A URL-encoded form takes other members as pairs of their own, as JSON does.
                    if multipart {
                        return Err(self.error(
                            ErrorKind::Unsupported,
                            pointer,
                            "additionalProperties in a multipart/form-data body is not supported",
                        ));
                    }
                    let ty = self.additional_type(ap, &format!("{parent}BodyValue"), &pointer)?;
                    additional = Some(Additional {
                        name: scope.claim(ADDITIONAL_FIELD.to_owned()),
                        ty,
                    });
                }
                for rule in &object.alternatives {
                    alternatives.push(self.alternatives(rule, &by_wire)?);
                }
                match kind {
                    MediaKind::Multipart => Body::Multipart,
                    MediaKind::Form => {
                        let members = by_wire.keys().copied().collect();
                        Body::Form(self.form_encodings(content, &media_pointer, &members)?)
                    }
                    _ => Body::JsonFields,
                }
            }
            Some(BodyPlan {
                body,
                schema: Some(schema),
                schema_pointer,
                ..
            }) => {
                let hint = format!("{}Body", naming::camel(op.id));
                let (ty, nullable) = self.type_of(schema, &hint, &schema_pointer, "body")?;
                let name = scope.claim("body".to_owned());
                fields.push(Field {
                    name: name.clone(),
                    api_name: "body".to_owned(),
                    location: Location::Body,
                    ty,
                    required: body.required,
                    nullable,
                    deprecated: false,
                    constraints: self.constraints(schema, &schema_pointer)?,
                    docs: docs(None, body.description.as_deref()),
                    joined: None,
                });
                Body::JsonField(name)
            }
            Some(BodyPlan { media_pointer, .. }) => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    media_pointer,
                    "the request body has no schema",
                ));
            }
        };

        let response = self.success_response(op)?;

        let params = (!fields.is_empty()).then_some(Params {
            name: params_name,
            fields,
            additional,
            alternatives,
        });
        let security = self.operation_security(op)?;
        Ok(Operation {
            id: op.id.to_owned(),
            method: op.method,
            path,
            method_name,
            params,
            body,
            response,
            security,
            deprecated: o.deprecated,
            docs: docs(o.summary.as_deref(), o.description.as_deref()),
            pagination: None,
        })
    }

    /// Decides how a request body is sent: JSON (members as fields when it is an object with
    /// properties, else the whole value in one field), a URL-encoded or multipart form (members
    /// as fields), or bytes (the whole body in one field). See [`pick_body_media`] for which media
    /// type is chosen when several are offered.
    pub(super) fn body_plan(
        &self,
        body: &'a RequestBody,
        pointer: &str,
    ) -> Result<BodyPlan<'a>, Error> {
        let Some((kind, media, content)) = pick_body_media(&body.content) else {
            return Err(self.error(
                ErrorKind::Unsupported,
                format!("{pointer}/content"),
                "the request body declares no media type",
            ));
        };
        let media_pointer = format!("{pointer}/content/{}", pointer_token(media));
        let schema_pointer = format!("{media_pointer}/schema");
        let schema = match (&content.schema, kind) {
            (Some(schema), _) => Some(schema),
            // Bytes need no schema to be sent.
            (None, MediaKind::Bytes) => None,
            (None, _) => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    media_pointer,
                    "the request body has no schema",
                ));
            }
        };
        let mut object = match (schema, kind) {
            (Some(schema), MediaKind::Json | MediaKind::Form | MediaKind::Multipart) => {
                self.object_properties(schema, &schema_pointer)?
            }
            _ => None,
        };
        if let Some(object) = &mut object {
            // Read-only members only ever appear in answers.
            object.properties.retain(|p| !p.read_only);
        }
        if matches!(kind, MediaKind::Form | MediaKind::Multipart)
            && object.is_none()
            && let Some(schema) = schema
        {
            // An object that declares no member (FAPI's `type: object, additionalProperties:
            // false`) is an empty form.
            let (resolved, _) = self.resolve(schema, &schema_pointer)?;
            let v = view(resolved);
            if v.typ == Some("object")
                && matches!(v.additional, None | Some(AdditionalProperties::Any(false)))
            {
                object = Some(ObjectParts::default());
            }
        }
        if matches!(kind, MediaKind::Form | MediaKind::Multipart) && object.is_none() {
            return Err(self.error(
                ErrorKind::Unsupported,
                schema_pointer,
                if kind == MediaKind::Multipart {
                    "a multipart/form-data body must be an object with properties, one per part"
                } else {
                    "a URL-encoded form body must be an object with properties, one per member"
                },
            ));
        }
        Ok(BodyPlan {
            body,
            kind,
            media: media.to_owned(),
            content,
            media_pointer,
            schema,
            schema_pointer,
            object,
        })
    }

    /// One part of a multipart body: a file for `format: binary`, else a text field.
    pub(super) fn multipart_field(
        &mut self,
        property: &Property<'a>,
        name: String,
        parent: &str,
        required: bool,
    ) -> Result<Field, Error> {
        let (resolved, _) = self.resolve(property.schema, &property.pointer)?;
        let v = view(resolved);
        if v.typ == Some("string") && v.format == Format::Binary {
            let (description, deprecated) = match property.schema {
                ReferenceOr::Item(schema) => (
                    schema.schema_data.description.as_deref(),
                    schema.schema_data.deprecated,
                ),
                ReferenceOr::Reference { .. } => (None, false),
            };
            return Ok(Field {
                name,
                api_name: property.api_name.to_owned(),
                location: Location::Body,
                ty: TypeRef::File,
                required,
                nullable: false,
                deprecated,
                constraints: Constraints::default(),
                docs: docs(None, description),
                joined: None,
            });
        }
        self.check_simple(property.schema, &property.pointer, "multipart form", true)?;
        self.field(property, name, parent, required, Location::Body)
    }

    /// Checks that a parameter or form field is something that has a text form: a string, a
    /// number, a boolean or an enum, or (where `list` allows) a list of those.
    pub(super) fn check_simple<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
        place: &str,
        list: bool,
    ) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        let Some((kind, at)) = self.without_text_form(schema, pointer, list, false, &mut seen)?
        else {
            return Ok(());
        };
        let allowed = if list {
            "strings, numbers, booleans, enums and lists of them"
        } else {
            "strings, numbers, booleans and enums"
        };
        Err(self.error(
            ErrorKind::Unsupported,
            at,
            format!("this {place} value is {kind}; only {allowed} can be sent in a {place}"),
        ))
    }

    /// What keeps a schema from having a text form, and where; `None` when it has one. Schemas
    /// that stand for another (an `allOf` or `oneOf` of one) are followed.
    pub(super) fn without_text_form<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
        list: bool,
        item: bool,
        seen: &mut BTreeSet<String>,
    ) -> Result<Option<(&'static str, String)>, Error> {
        // Each call below this one is one level deeper and has added one place to `seen`.
        if seen.len() >= MAX_NESTING {
            return Err(self.too_deep(pointer));
        }
        let (resolved, at) = self.resolve(schema, pointer)?;
        // A chain of aliases that loops is reported by `type_of`, like every reference cycle.
        if !seen.insert(at.clone()) {
            return Ok(None);
        }
        let v = view(resolved);
        let kind = match self.shape_of(resolved, &at)? {
            Shape::StringEnum => return Ok(None),
            Shape::Alias(member, keyword) => {
                let at = format!("{at}/{keyword}/0");
                return self.without_text_form(member, &at, list, item, seen);
            }
            Shape::Value => match v.typ {
                Some("string") if v.format != Format::Binary => return Ok(None),
                Some("integer" | "number" | "boolean") => return Ok(None),
                Some("array") if list => match v.items {
                    Some(items) => {
                        let at = format!("{at}/items");
                        return self.without_text_form(items, &at, false, true, seen);
                    }
                    None => "a list of any values",
                },
                Some("array") if item => "a list of lists",
                Some("array") => "a list",
                Some("string") => "binary data",
                Some("object") | None if v.additional.is_some() => "a map",
                _ => "any JSON value",
            },
            Shape::Struct => "an object",
            Shape::Union(..) => "a oneOf/anyOf",
        };
        Ok(Some((kind, at)))
    }

    /// The rule of `oneOf`/`anyOf` branches that only list `required` body members, by field.
    pub(super) fn alternatives(
        &self,
        rule: &RequiredSets<'a>,
        fields: &BTreeMap<&str, String>,
    ) -> Result<Alternatives, Error> {
        let (exactly_one, sets, pointer) = (rule.exactly_one, &rule.sets, rule.pointer.as_str());
        let mut named = Vec::new();
        for set in sets {
            let mut names = Vec::new();
            for api_name in set {
                let Some(name) = fields.get(api_name) else {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        pointer,
                        format!(
                            "requires `{api_name}`, which is not a property of the request body"
                        ),
                    ));
                };
                names.push(FieldName {
                    name: name.clone(),
                    api_name: (*api_name).to_owned(),
                });
            }
            named.push(names);
        }
        Ok(Alternatives {
            exactly_one,
            sets: named,
        })
    }

    pub(super) fn request_body(
        &self,
        op: &SelectedOperation<'a>,
    ) -> Result<Option<(&'a RequestBody, String)>, Error> {
        let Some(body) = &op.operation.request_body else {
            return Ok(None);
        };
        let pointer = format!("{}/requestBody", op.pointer);
        self.follow(body, pointer, "requestBodies", |c| &c.request_bodies)
            .map(|(body, pointer, _)| Some((body, pointer)))
    }

    /// Splits the path template and checks it against the declared path parameters.
    pub(super) fn path_template(
        &self,
        op: &SelectedOperation<'_>,
        path_fields: &BTreeMap<&str, String>,
    ) -> Result<Vec<PathPart>, Error> {
        let mut parts = Vec::new();
        let mut used = BTreeSet::new();
        let mut rest = op.path;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(PathPart::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(self.error(
                    ErrorKind::UndeclaredPathParameter,
                    ErrorLocation::Operation(op.id.to_owned()),
                    format!("the path `{}` has a `{{` without a matching `}}`", op.path),
                ));
            };
            let name = &after[..close];
            let Some(field) = path_fields.get(name) else {
                return Err(self.error(
                    ErrorKind::UndeclaredPathParameter,
                    ErrorLocation::Operation(op.id.to_owned()),
                    format!("the path `{}` names `{{{name}}}`, but the operation declares no path parameter `{name}`", op.path),
                ));
            };
            used.insert(name);
            parts.push(PathPart::Param {
                api_name: name.to_owned(),
                field: field.clone(),
            });
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(self.error(
                ErrorKind::UndeclaredPathParameter,
                ErrorLocation::Operation(op.id.to_owned()),
                format!("the path `{}` has a `}}` without a matching `{{`", op.path),
            ));
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_owned()));
        }
        if let Some(unused) = path_fields.keys().find(|name| !used.contains(*name)) {
            return Err(self.error(
                ErrorKind::UndeclaredPathParameter,
                ErrorLocation::Operation(op.id.to_owned()),
                format!(
                    "path parameter `{unused}` is declared but the path `{}` does not use it",
                    op.path
                ),
            ));
        }
        Ok(parts)
    }
}
