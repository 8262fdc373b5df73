//! Lowering: the selected operations of a document → [`ir::Api`]. Resolves every `$ref`, names every
//! type, field and method, and sorts everything, so the emitter never meets a spec error or an order
//! question.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody,
    Response as OaResponse, Schema, SchemaKind, StatusCode, Type,
};

use crate::error::{Error, ErrorKind, pointer_token};
use crate::ir::{
    Api, Body, Constraints, Docs, Field, Group, Location, Operation, PageField, Pagination, Params,
    PathPart, Response, TypeDef, TypeKind, TypeRef, Variant,
};
use crate::naming::{self, Scope};
use crate::select::SelectedOperation;

/// The extension naming an operation's method, or overriding a schema's type name.
pub const NAME_OVERRIDE_EXTENSION: &str = "x-speakeasy-name-override";

/// Field names whose string values are credentials: they become `Secret`, so `Debug` never shows them.
const SECRET_NAMES: &[&str] = &[
    "secret",
    "secret_key",
    "client_secret",
    "password",
    "private_key",
];

/// Lowers the selected operations of `document` into the IR.
pub fn lower(
    file: &str,
    document: &OpenAPI,
    selected: &[SelectedOperation<'_>],
) -> Result<Api, Error> {
    let mut cx = Lowerer::new(file, document)?;
    // Operations are lowered in a fixed order that does not depend on the document's layout, so
    // that names handed out on collision are the same for any document stating the same facts.
    let mut ordered: Vec<&SelectedOperation<'_>> = selected.iter().collect();
    ordered.sort_by(|a, b| (&a.group_key, a.id).cmp(&(&b.group_key, b.id)));
    for op in &ordered {
        cx.claim_params_name(op)?;
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut methods: BTreeMap<(String, String), String> = BTreeMap::new();
    for op in ordered {
        let Some(operation) = cx.operation(op)? else {
            continue;
        };
        let module = naming::snake(&op.group_key);
        if let Some(other) = methods.insert(
            (module.clone(), operation.method_name.clone()),
            op.id.to_owned(),
        ) {
            return Err(Error::new(
                ErrorKind::NameCollision,
                file,
                format!("operation {}", op.id),
                format!(
                    "operations {other} and {} both become the method `{}` of group `{}`",
                    op.id, operation.method_name, op.group
                ),
            ));
        }
        let group = groups.entry(module.clone()).or_insert_with(|| Group {
            api_name: op.group.clone(),
            handle: naming::camel(&op.group_key),
            module: module.clone(),
            docs: cx.tag_docs(op),
            operations: Vec::new(),
        });
        group.operations.push(operation);
    }
    cx.drain()?;
    let mut groups: Vec<Group> = groups.into_values().collect();
    for group in &mut groups {
        group
            .operations
            .sort_by(|a, b| a.method_name.cmp(&b.method_name));
        // Page walkers are named after their operation; they are decided once every type is
        // lowered, since the answer's shape (`data`, `total_count`) may be a schema lowered last.
        let mut methods = Scope::default();
        for op in &group.operations {
            methods.claim(op.method_name.clone());
        }
        for op in &mut group.operations {
            let fields = op
                .params
                .as_ref()
                .map(|p| p.fields.as_slice())
                .unwrap_or_default();
            op.pagination = cx
                .pagination(&op.method_name, fields, &op.response)
                .map(|mut p| {
                    p.method_name = methods.claim(p.method_name);
                    p
                });
        }
    }
    let mut types: Vec<TypeDef> = cx.types.into_values().collect();
    box_recursive_fields(&mut types);
    Ok(Api {
        api_version: document.info.version.clone(),
        base_url: document
            .servers
            .first()
            .map(|s| s.url.trim_end_matches('/').to_owned())
            .unwrap_or_default(),
        groups,
        types,
        skipped: cx.skipped,
        examples: cx.examples.into_values().collect(),
    })
}

struct Lowerer<'a> {
    file: &'a str,
    doc: &'a OpenAPI,
    /// Every type name handed out so far.
    type_names: Scope,
    /// The Rust name of every component schema, reserved up front.
    schema_names: BTreeMap<&'a str, String>,
    /// Component schemas referenced but not yet lowered.
    pending: Vec<&'a str>,
    /// Component schemas lowered or queued.
    queued: BTreeSet<&'a str>,
    /// Response components already lowered, so a shared response is one type.
    responses: BTreeMap<&'a str, Response>,
    /// Parameter struct names by operationId.
    params_names: BTreeMap<String, String>,
    /// The named types produced so far.
    types: BTreeMap<String, TypeDef>,
    skipped: Vec<crate::Skipped>,
    /// Value-like component schemas being expanded in place, to catch self-containment.
    inline_stack: BTreeSet<&'a str>,
    /// Examples met so far, keyed by pointer so each is recorded once.
    examples: BTreeMap<String, crate::ir::Example>,
}

/// A property collected from an object schema or from the parts of an `allOf`.
struct Property<'a> {
    api_name: &'a str,
    schema: &'a ReferenceOr<Box<Schema>>,
    pointer: String,
}

impl<'a> Lowerer<'a> {
    fn new(file: &'a str, doc: &'a OpenAPI) -> Result<Self, Error> {
        // Component keys name their types first: two keys that give the same Rust name are an
        // error, because neither has a better claim to it. A name override then applies only where
        // it takes a free name (Clerk overrides `verification_passkey` to `Passkey`, which the
        // `Passkey` schema already holds), so the result never depends on the order of the document.
        let mut type_names = Scope::default();
        let mut schema_names: BTreeMap<&'a str, String> = BTreeMap::new();
        let mut origin: BTreeMap<String, &str> = BTreeMap::new();
        let mut overrides: BTreeMap<&'a str, String> = BTreeMap::new();
        if let Some(components) = &doc.components {
            for (key, schema) in &components.schemas {
                let pointer = format!("/components/schemas/{}", pointer_token(key));
                let name = naming::camel(key);
                if let Some(first) = origin.insert(name.clone(), key) {
                    return Err(Error::new(
                        ErrorKind::NameCollision,
                        file,
                        &pointer,
                        format!("schemas `{first}` and `{key}` both become the Rust type `{name}`"),
                    ));
                }
                if let ReferenceOr::Item(schema) = schema
                    && let Some(name) =
                        name_override(file, &pointer, &schema.schema_data.extensions)?
                {
                    overrides.insert(key.as_str(), naming::camel(&name));
                }
                schema_names.insert(key.as_str(), name);
            }
        }
        for (key, name) in overrides {
            if !origin.contains_key(&name) {
                origin.insert(name.clone(), key);
                if let Some(old) = schema_names.insert(key, name) {
                    origin.remove(&old);
                }
            }
        }
        for name in schema_names.values() {
            type_names.claim(name.clone());
        }
        Ok(Lowerer {
            file,
            doc,
            type_names,
            schema_names,
            pending: Vec::new(),
            queued: BTreeSet::new(),
            responses: BTreeMap::new(),
            params_names: BTreeMap::new(),
            types: BTreeMap::new(),
            skipped: Vec::new(),
            inline_stack: BTreeSet::new(),
            examples: BTreeMap::new(),
        })
    }

    fn error(
        &self,
        kind: ErrorKind,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::new(kind, self.file, location, message)
    }

    fn claim_params_name(&mut self, op: &SelectedOperation<'_>) -> Result<(), Error> {
        let name = format!("{}Params", naming::camel(op.id));
        if self.type_names.contains(&name) {
            return Err(self.error(
                ErrorKind::NameCollision,
                format!("operation {}", op.id),
                format!("the parameter struct `{name}` of operation {} collides with another type of that name", op.id),
            ));
        }
        let name = self.type_names.claim(name);
        self.params_names.insert(op.id.to_owned(), name);
        Ok(())
    }

    fn tag_docs(&self, op: &SelectedOperation<'_>) -> Docs {
        let tag = op.operation.tags.first();
        let description = tag
            .and_then(|name| self.doc.tags.iter().find(|t| &t.name == name))
            .and_then(|t| t.description.as_deref());
        docs(None, description)
    }

    // ----- operations -------------------------------------------------------------------------

    fn operation(&mut self, op: &SelectedOperation<'a>) -> Result<Option<Operation>, Error> {
        let o = op.operation;
        let method_base = match o.extensions.get(NAME_OVERRIDE_EXTENSION) {
            Some(serde_json::Value::String(name)) => name.as_str(),
            Some(other) => {
                return Err(self.error(
                    ErrorKind::WrongType,
                    format!("{}/{NAME_OVERRIDE_EXTENSION}", op.pointer),
                    format!(
                        "expected a string, found {}",
                        crate::select::json_kind(other)
                    ),
                ));
            }
            None => op.id,
        };
        let method_name = naming::snake(method_base);
        let params_name = self.params_names.get(op.id).cloned().unwrap_or_default();

        let mut scope = Scope::default();
        let mut fields = Vec::new();
        let parameters = self.parameters(op)?;
        let body = self.request_body(op)?;
        let body_properties = match &body {
            Some((body, pointer)) => match pick_json(&body.content) {
                Some((media, content)) => match &content.schema {
                    Some(schema) => {
                        let at = format!("{pointer}/content/{}/schema", pointer_token(media));
                        self.object_properties(schema, &at)?
                    }
                    None => None,
                },
                None => None,
            },
            None => None,
        };
        // Parameters and body members share one struct, so they are named together.
        let wire_names: Vec<&str> = parameters
            .iter()
            .map(|(_, data, _)| data.name.as_str())
            .chain(
                body_properties
                    .iter()
                    .flat_map(|(props, _)| props.iter().map(|p| p.api_name)),
            )
            .collect();
        let mut names = scope.claim_all(&wire_names, naming::snake).into_iter();
        let mut path_fields: BTreeMap<&str, String> = BTreeMap::new();
        for (location, data, pointer) in &parameters {
            let name = names.next().unwrap_or_default();
            let hint = format!("{}{}", naming::camel(op.id), naming::camel(&data.name));
            let (ty, nullable, constraints) = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    let (ty, nullable) =
                        self.type_of(schema, &hint, &format!("{pointer}/schema"), &data.name)?;
                    (ty, nullable, self.constraints(schema)?)
                }
                ParameterSchemaOrContent::Content(_) => {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        pointer.clone(),
                        "parameters described by `content` rather than `schema` are not supported",
                    ));
                }
            };
            if *location == Location::Path {
                path_fields.insert(data.name.as_str(), name.clone());
            }
            fields.push(Field {
                name,
                api_name: data.name.clone(),
                location: *location,
                ty,
                // Path parameters are always required, whatever the document says.
                required: data.required || *location == Location::Path,
                nullable: nullable && *location != Location::Path,
                deprecated: data.deprecated.unwrap_or(false),
                constraints,
                docs: docs(None, data.description.as_deref()),
            });
        }
        let path = self.path_template(op, &path_fields)?;

        let body = match body {
            None => Body::None,
            Some((body, pointer)) => {
                let Some((media, content)) = pick_json(&body.content) else {
                    let media: Vec<&str> = body.content.keys().map(String::as_str).collect();
                    self.skipped.push(crate::Skipped {
                        operation_id: op.id.to_owned(),
                        reason: format!(
                            "request bodies of type {} are not supported yet",
                            media.join(", ")
                        ),
                    });
                    return Ok(None);
                };
                let media_pointer = format!("{pointer}/content/{}", pointer_token(media));
                let Some(schema) = &content.schema else {
                    return Err(self.error(
                        ErrorKind::Unsupported,
                        media_pointer,
                        "the request body has no schema",
                    ));
                };
                let schema_pointer = format!("{media_pointer}/schema");
                match body_properties {
                    Some((properties, required)) => {
                        for property in properties {
                            let name = names.next().unwrap_or_default();
                            fields.push(self.field(
                                &property,
                                name,
                                &naming::camel(op.id),
                                required.contains(property.api_name),
                                Location::Body,
                            )?);
                        }
                        Body::JsonFields
                    }
                    None => {
                        let hint = format!("{}Body", naming::camel(op.id));
                        let (ty, nullable) =
                            self.type_of(schema, &hint, &schema_pointer, "body")?;
                        let name = scope.claim("body".to_owned());
                        fields.push(Field {
                            name: name.clone(),
                            api_name: "body".to_owned(),
                            location: Location::Body,
                            ty,
                            required: body.required,
                            nullable,
                            deprecated: false,
                            constraints: self.constraints(schema)?,
                            docs: docs(None, body.description.as_deref()),
                        });
                        Body::JsonField(name)
                    }
                }
            }
        };

        let response = self.success_response(op)?;

        let params = (!fields.is_empty()).then_some(Params {
            name: params_name,
            fields,
        });
        let auth = match &o.security {
            Some(requirements) => !requirements.is_empty(),
            None => self.doc.security.as_ref().is_some_and(|r| !r.is_empty()),
        };
        Ok(Some(Operation {
            id: op.id.to_owned(),
            method: op.method,
            path,
            method_name,
            params,
            body,
            response,
            auth,
            deprecated: o.deprecated,
            docs: docs(o.summary.as_deref(), o.description.as_deref()),
            pagination: None,
        }))
    }

    /// Path-item and operation parameters merged (the operation's win), path first, then query.
    fn parameters(
        &self,
        op: &SelectedOperation<'a>,
    ) -> Result<Vec<(Location, &'a openapiv3::ParameterData, String)>, Error> {
        let mut merged: Vec<(Location, &'a openapiv3::ParameterData, String)> = Vec::new();
        let path_item_pointer = op.pointer.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let lists = [
            (
                op.path_parameters,
                format!("{path_item_pointer}/parameters"),
            ),
            (
                &op.operation.parameters[..],
                format!("{}/parameters", op.pointer),
            ),
        ];
        for (list, base) in lists {
            for (index, parameter) in list.iter().enumerate() {
                let pointer = format!("{base}/{index}");
                let (parameter, pointer) = self.resolve_parameter(parameter, pointer)?;
                let (location, data) = match parameter {
                    Parameter::Path { parameter_data, .. } => (Location::Path, parameter_data),
                    Parameter::Query { parameter_data, .. } => (Location::Query, parameter_data),
                    Parameter::Header { parameter_data, .. }
                    | Parameter::Cookie { parameter_data, .. } => {
                        return Err(self.error(
                            ErrorKind::Unsupported,
                            pointer,
                            format!(
                                "header and cookie parameters (`{}`) are not supported",
                                parameter_data.name
                            ),
                        ));
                    }
                };
                merged.retain(|(l, d, _)| !(*l == location && d.name == data.name));
                merged.push((location, data, pointer));
            }
        }
        merged.sort_by_key(|(location, _, _)| *location);
        Ok(merged)
    }

    fn resolve_parameter(
        &self,
        parameter: &'a ReferenceOr<Parameter>,
        pointer: String,
    ) -> Result<(&'a Parameter, String), Error> {
        let parameters = self.doc.components.as_ref().map(|c| &c.parameters);
        let mut current = parameter;
        let mut pointer = pointer;
        let mut seen = BTreeSet::new();
        loop {
            match current {
                ReferenceOr::Item(parameter) => return Ok((parameter, pointer)),
                ReferenceOr::Reference { reference } => {
                    let name = self.component_name(reference, "parameters", &pointer)?;
                    if !seen.insert(name) {
                        return Err(self.error(
                            ErrorKind::RefCycle,
                            pointer,
                            format!("`$ref: {reference}` leads back to itself"),
                        ));
                    }
                    current = parameters.and_then(|p| p.get(name)).ok_or_else(|| {
                        self.error(
                            ErrorKind::DanglingRef,
                            pointer.clone(),
                            format!("`$ref: {reference}` points at nothing"),
                        )
                    })?;
                    pointer = format!("/components/parameters/{}", pointer_token(name));
                }
            }
        }
    }

    fn request_body(
        &self,
        op: &SelectedOperation<'a>,
    ) -> Result<Option<(&'a RequestBody, String)>, Error> {
        let Some(body) = &op.operation.request_body else {
            return Ok(None);
        };
        let mut pointer = format!("{}/requestBody", op.pointer);
        let mut current = body;
        let mut seen = BTreeSet::new();
        loop {
            match current {
                ReferenceOr::Item(body) => return Ok(Some((body, pointer))),
                ReferenceOr::Reference { reference } => {
                    let name = self.component_name(reference, "requestBodies", &pointer)?;
                    if !seen.insert(name) {
                        return Err(self.error(
                            ErrorKind::RefCycle,
                            pointer,
                            format!("`$ref: {reference}` leads back to itself"),
                        ));
                    }
                    current = self
                        .doc
                        .components
                        .as_ref()
                        .and_then(|c| c.request_bodies.get(name))
                        .ok_or_else(|| {
                            self.error(
                                ErrorKind::DanglingRef,
                                pointer.clone(),
                                format!("`$ref: {reference}` points at nothing"),
                            )
                        })?;
                    pointer = format!("/components/requestBodies/{}", pointer_token(name));
                }
            }
        }
    }

    /// Splits the path template and checks it against the declared path parameters.
    fn path_template(
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
                    format!("operation {}", op.id),
                    format!("the path `{}` has a `{{` without a matching `}}`", op.path),
                ));
            };
            let name = &after[..close];
            let Some(field) = path_fields.get(name) else {
                return Err(self.error(
                    ErrorKind::UndeclaredPathParameter,
                    format!("operation {}", op.id),
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
                format!("operation {}", op.id),
                format!("the path `{}` has a `}}` without a matching `{{`", op.path),
            ));
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_owned()));
        }
        if let Some(unused) = path_fields.keys().find(|name| !used.contains(*name)) {
            return Err(self.error(
                ErrorKind::UndeclaredPathParameter,
                format!("operation {}", op.id),
                format!(
                    "path parameter `{unused}` is declared but the path `{}` does not use it",
                    op.path
                ),
            ));
        }
        Ok(parts)
    }

    fn success_response(&mut self, op: &SelectedOperation<'a>) -> Result<Response, Error> {
        let mut successes: Vec<(u16, &'a ReferenceOr<OaResponse>, String)> = op
            .operation
            .responses
            .responses
            .iter()
            .filter_map(|(status, response)| {
                let code = match status {
                    StatusCode::Code(code) if (200..300).contains(code) => *code,
                    StatusCode::Range(2) => 299,
                    _ => return None,
                };
                let pointer = format!(
                    "{}/responses/{}",
                    op.pointer,
                    pointer_token(&status.to_string())
                );
                Some((code, response, pointer))
            })
            .collect();
        successes.sort_by_key(|(code, _, _)| *code);
        let hint = format!("{}Response", naming::camel(op.id));
        for (_, response, pointer) in successes {
            let lowered = self.response(response, &hint, pointer)?;
            if lowered != Response::Empty {
                return Ok(lowered);
            }
        }
        Ok(Response::Empty)
    }

    fn response(
        &mut self,
        response: &'a ReferenceOr<OaResponse>,
        hint: &str,
        pointer: String,
    ) -> Result<Response, Error> {
        let mut pointer = pointer;
        let mut current = response;
        let mut component: Option<&'a str> = None;
        let mut seen = BTreeSet::new();
        let response = loop {
            match current {
                ReferenceOr::Item(response) => break response,
                ReferenceOr::Reference { reference } => {
                    let name = self.component_name(reference, "responses", &pointer)?;
                    if !seen.insert(name) {
                        return Err(self.error(
                            ErrorKind::RefCycle,
                            pointer,
                            format!("`$ref: {reference}` leads back to itself"),
                        ));
                    }
                    if let Some(done) = self.responses.get(name) {
                        return Ok(done.clone());
                    }
                    current = self
                        .doc
                        .components
                        .as_ref()
                        .and_then(|c| c.responses.get(name))
                        .ok_or_else(|| {
                            self.error(
                                ErrorKind::DanglingRef,
                                pointer.clone(),
                                format!("`$ref: {reference}` points at nothing"),
                            )
                        })?;
                    component = Some(name);
                    pointer = format!("/components/responses/{}", pointer_token(name));
                }
            }
        };
        let hint = match component {
            Some(name) => {
                let name = naming::camel(name);
                if self.type_names.contains(&name)
                    && !self.schema_names.values().all(|n| n != &name)
                {
                    format!("{name}Response")
                } else {
                    name
                }
            }
            None => hint.to_owned(),
        };
        let lowered = if let Some((media, content)) = pick_json(&response.content) {
            match &content.schema {
                Some(schema) => {
                    let schema_pointer =
                        format!("{pointer}/content/{}/schema", pointer_token(media));
                    let (ty, _) = self.type_of(schema, &hint, &schema_pointer, "")?;
                    Response::Json(ty)
                }
                None => Response::Empty,
            }
        } else if response.content.is_empty() {
            Response::Empty
        } else {
            Response::Text
        };
        if let Some(name) = component {
            self.responses.insert(name, lowered.clone());
        }
        Ok(lowered)
    }

    fn pagination(
        &self,
        method_name: &str,
        fields: &[Field],
        response: &Response,
    ) -> Option<Pagination> {
        let query = |name: &str| {
            fields
                .iter()
                .find(|f| f.location == Location::Query && f.api_name == name && !f.required)
        };
        let page_field = |f: &Field| match f.ty {
            TypeRef::I64 => Some(PageField {
                name: f.name.clone(),
                is_i32: false,
            }),
            TypeRef::I32 => Some(PageField {
                name: f.name.clone(),
                is_i32: true,
            }),
            _ => None,
        };
        let limit = query("limit")?;
        let offset = page_field(query("offset")?)?;
        let Response::Json(TypeRef::Named(name)) = response else {
            return None;
        };
        let TypeKind::Struct { fields: members } = &self.types.get(name)?.kind else {
            return None;
        };
        let member = |api_name: &str| {
            members
                .iter()
                .find(|f| f.api_name == api_name && !f.is_optional())
        };
        let total_count = page_field(member("total_count")?)?;
        let data = member("data")?;
        let TypeRef::Vec(item) = &data.ty else {
            return None;
        };
        Some(Pagination {
            method_name: format!("{}_all", naming::bare(method_name)),
            item: (**item).clone(),
            max_page_size: limit.constraints.maximum.map(|(max, _)| max as i64),
            limit: page_field(limit)?,
            offset,
            data: data.name.clone(),
            total_count,
        })
    }

    // ----- schemas ----------------------------------------------------------------------------

    fn component_name<'r>(
        &self,
        reference: &'r str,
        section: &str,
        pointer: &str,
    ) -> Result<&'r str, Error> {
        let prefix = format!("#/components/{section}/");
        match reference.strip_prefix(&prefix) {
            Some(name) if !name.is_empty() && !name.contains('/') => Ok(name),
            _ if reference.starts_with('#') => Err(self.error(
                ErrorKind::DanglingRef,
                pointer,
                format!("`$ref: {reference}` must point into #/components/{section}/"),
            )),
            _ => Err(self.error(
                ErrorKind::Unsupported,
                pointer,
                format!("`$ref: {reference}` points outside this document; only local references are supported"),
            )),
        }
    }

    /// Follows a schema reference (and chains of them) to the component it finally names.
    fn resolve_schema_ref(
        &self,
        reference: &str,
        pointer: &str,
    ) -> Result<(&'a str, &'a Schema), Error> {
        let schemas = self.doc.components.as_ref().map(|c| &c.schemas);
        let mut reference = reference;
        let mut seen = BTreeSet::new();
        loop {
            let name = self.component_name(reference, "schemas", pointer)?;
            let Some((key, schema)) = schemas.and_then(|s| s.get_key_value(name)) else {
                return Err(self.error(
                    ErrorKind::DanglingRef,
                    pointer,
                    format!("`$ref: {reference}` points at nothing"),
                ));
            };
            if !seen.insert(name) {
                return Err(self.error(
                    ErrorKind::RefCycle,
                    pointer,
                    format!("`$ref: {reference}` leads back to itself"),
                ));
            }
            match schema {
                ReferenceOr::Item(schema) => return Ok((key.as_str(), schema)),
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
    }

    /// The Rust type of a schema at a use site. `hint` names an inline type if one is needed.
    fn type_of<S: SchemaLike>(
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
                let ty = self.inline_type(schema, hint, pointer, field_name)?;
                self.record_example(schema, pointer, &ty);
                Ok((ty, schema.schema_data.nullable))
            }
        }
    }

    fn record_example(&mut self, schema: &Schema, pointer: &str, ty: &TypeRef) {
        if let Some(value) = &schema.schema_data.example {
            self.examples.insert(
                pointer.to_owned(),
                crate::ir::Example {
                    pointer: pointer.to_owned(),
                    ty: ty.clone(),
                    nullable: schema.schema_data.nullable,
                    value: value.clone(),
                },
            );
        }
    }

    fn named_type(&mut self, reference: &str, pointer: &str) -> Result<(TypeRef, bool), Error> {
        let (key, schema) = self.resolve_schema_ref(reference, pointer)?;
        let nullable = schema.schema_data.nullable;
        if needs_named_type(schema) {
            if self.queued.insert(key) {
                self.pending.push(key);
            }
            let name = self
                .schema_names
                .get(key)
                .cloned()
                .unwrap_or_else(|| naming::camel(key));
            return Ok((TypeRef::Named(name), nullable));
        }
        // Schemas that are plain values (a string, a list) are used directly, not wrapped in a type.
        // A chain of such schemas that refers back to itself has no finite Rust type.
        let at = format!("/components/schemas/{}", pointer_token(key));
        if !self.inline_stack.insert(key) {
            return Err(self.error(
                ErrorKind::RefCycle,
                at,
                "this schema contains itself without an object in between",
            ));
        }
        let name = self
            .schema_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| naming::camel(key));
        let result = self.inline_type(schema, &name, &at, "");
        self.inline_stack.remove(key);
        Ok((result?, nullable))
    }

    fn inline_type(
        &mut self,
        schema: &'a Schema,
        hint: &str,
        pointer: &str,
        field_name: &str,
    ) -> Result<TypeRef, Error> {
        let ty = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let values: Vec<&str> =
                    s.enumeration.iter().flatten().map(String::as_str).collect();
                if values.len() > 1 {
                    self.string_enum(hint, pointer, &values, schema)?
                } else if is_secret_name(field_name) {
                    TypeRef::Secret
                } else {
                    TypeRef::String
                }
            }
            SchemaKind::Type(Type::Integer(i)) => match &i.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => {
                    TypeRef::I32
                }
                _ => TypeRef::I64,
            },
            SchemaKind::Type(Type::Number(n)) => match &n.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::NumberFormat::Float) => {
                    TypeRef::F32
                }
                _ => TypeRef::F64,
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(a)) => match &a.items {
                Some(items) => {
                    let (item, _) = self.type_of(
                        items,
                        &format!("{hint}Item"),
                        &format!("{pointer}/items"),
                        "",
                    )?;
                    TypeRef::Vec(Box::new(item))
                }
                None => TypeRef::Vec(Box::new(TypeRef::Json)),
            },
            SchemaKind::Type(Type::Object(o)) if o.properties.is_empty() => {
                self.map_type(o.additional_properties.as_ref(), hint, pointer)?
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => {
                let name = self.type_names.claim(hint.to_owned());
                self.struct_type(name.clone(), schema, pointer, String::new())?;
                TypeRef::Named(name)
            }
            SchemaKind::Any(any) if !any.properties.is_empty() || !any.all_of.is_empty() => {
                let name = self.type_names.claim(hint.to_owned());
                self.struct_type(name.clone(), schema, pointer, String::new())?;
                TypeRef::Named(name)
            }
            SchemaKind::Any(any) => {
                let values: Vec<&str> = any.enumeration.iter().filter_map(|v| v.as_str()).collect();
                if values.len() > 1 && values.len() == any.enumeration.len() {
                    self.string_enum(hint, pointer, &values, schema)?
                } else {
                    match any.typ.as_deref() {
                        Some("object") => {
                            self.map_type(any.additional_properties.as_ref(), hint, pointer)?
                        }
                        _ => TypeRef::Json,
                    }
                }
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::Not { .. } => {
                TypeRef::Json
            }
        };
        Ok(ty)
    }

    fn map_type(
        &mut self,
        additional: Option<&'a AdditionalProperties>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        match additional {
            Some(AdditionalProperties::Schema(schema)) => {
                let (value, _) = self.type_of(
                    schema.as_ref(),
                    &format!("{hint}Value"),
                    &format!("{pointer}/additionalProperties"),
                    "",
                )?;
                Ok(TypeRef::Map(Box::new(value)))
            }
            _ => Ok(TypeRef::JsonObject),
        }
    }

    fn string_enum(
        &mut self,
        hint: &str,
        pointer: &str,
        values: &[&str],
        schema: &Schema,
    ) -> Result<TypeRef, Error> {
        let name = self.type_names.claim(hint.to_owned());
        self.string_enum_named(name, pointer, values, schema)
    }

    fn string_enum_named(
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

    /// Collects the properties of an object schema, merging `allOf` parts; `None` when the schema is
    /// not an object with properties.
    #[allow(clippy::type_complexity)]
    fn object_properties<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
    ) -> Result<Option<(Vec<Property<'a>>, BTreeSet<&'a str>)>, Error> {
        let (schema, pointer) = match schema {
            ReferenceOr::Item(schema) => (schema.schema(), pointer.to_owned()),
            ReferenceOr::Reference { reference } => {
                let (key, schema) = self.resolve_schema_ref(reference, pointer)?;
                (
                    schema,
                    format!("/components/schemas/{}", pointer_token(key)),
                )
            }
        };
        if !needs_named_type(schema) || schema_enum_values(schema).is_some() {
            return Ok(None);
        }
        let mut properties = Vec::new();
        let mut required = BTreeSet::new();
        let mut visiting = BTreeSet::new();
        self.collect(
            schema,
            &pointer,
            &mut properties,
            &mut required,
            &mut visiting,
        )?;
        if properties.is_empty() {
            return Ok(None);
        }
        Ok(Some((properties, required)))
    }

    fn collect(
        &self,
        schema: &'a Schema,
        pointer: &str,
        properties: &mut Vec<Property<'a>>,
        required: &mut BTreeSet<&'a str>,
        visiting: &mut BTreeSet<String>,
    ) -> Result<(), Error> {
        let (own, own_required, parts): (
            Option<&'a Properties>,
            &'a [String],
            &'a [ReferenceOr<Schema>],
        ) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (Some(&o.properties), &o.required, &[]),
            SchemaKind::AllOf { all_of } => (None, &[], all_of),
            SchemaKind::Any(any) => (Some(&any.properties), &any.required, &any.all_of),
            _ => {
                return Err(self.error(
                    ErrorKind::Unsupported,
                    pointer,
                    "an allOf part must be an object; this one is a plain value",
                ));
            }
        };
        for (index, part) in parts.iter().enumerate() {
            let part_pointer = format!("{pointer}/allOf/{index}");
            match part {
                ReferenceOr::Item(part) => {
                    self.collect(part, &part_pointer, properties, required, visiting)?
                }
                ReferenceOr::Reference { reference } => {
                    let (key, part) = self.resolve_schema_ref(reference, &part_pointer)?;
                    if !visiting.insert(key.to_owned()) {
                        return Err(self.error(
                            ErrorKind::RefCycle,
                            part_pointer,
                            format!("`$ref: {reference}` includes itself through allOf"),
                        ));
                    }
                    let at = format!("/components/schemas/{}", pointer_token(key));
                    self.collect(part, &at, properties, required, visiting)?;
                    visiting.remove(key);
                }
            }
        }
        if let Some(own) = own {
            for (name, property) in own {
                let property_pointer = format!("{pointer}/properties/{}", pointer_token(name));
                let new = Property {
                    api_name: name.as_str(),
                    schema: property,
                    pointer: property_pointer,
                };
                match properties.iter_mut().find(|p| p.api_name == name.as_str()) {
                    Some(existing) => *existing = new,
                    None => properties.push(new),
                }
            }
        }
        required.extend(own_required.iter().map(String::as_str));
        Ok(())
    }

    fn field(
        &mut self,
        property: &Property<'a>,
        name: String,
        parent: &str,
        required: bool,
        location: Location,
    ) -> Result<Field, Error> {
        let hint = format!("{parent}{}", naming::camel(property.api_name));
        let (ty, nullable) =
            self.type_of(property.schema, &hint, &property.pointer, property.api_name)?;
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
            constraints: self.constraints(property.schema)?,
            docs: docs(None, description),
        })
    }

    fn struct_type(
        &mut self,
        name: String,
        schema: &'a Schema,
        pointer: &str,
        origin: String,
    ) -> Result<(), Error> {
        let mut properties = Vec::new();
        let mut required = BTreeSet::new();
        let mut visiting = BTreeSet::new();
        self.collect(
            schema,
            pointer,
            &mut properties,
            &mut required,
            &mut visiting,
        )?;
        let wire_names: Vec<&str> = properties.iter().map(|p| p.api_name).collect();
        let names = Scope::default().claim_all(&wire_names, naming::snake);
        let mut fields = Vec::with_capacity(properties.len());
        for (property, field_name) in properties.iter().zip(names) {
            fields.push(self.field(
                property,
                field_name,
                &name,
                required.contains(property.api_name),
                Location::Member,
            )?);
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
                kind: TypeKind::Struct { fields },
            },
        );
        Ok(())
    }

    /// Lowers every component schema referenced so far, and those they reference in turn.
    fn drain(&mut self) -> Result<(), Error> {
        while let Some(key) = self.pending.pop() {
            let pointer = format!("/components/schemas/{}", pointer_token(key));
            let (_, schema) =
                self.resolve_schema_ref(&format!("#/components/schemas/{key}"), &pointer)?;
            let name = self
                .schema_names
                .get(key)
                .cloned()
                .unwrap_or_else(|| naming::camel(key));
            self.record_example(schema, &pointer, &TypeRef::Named(name.clone()));
            if let Some(values) = schema_enum_values(schema) {
                self.string_enum_named(name, &pointer, &values, schema)?;
            } else {
                self.struct_type(name, schema, &pointer, pointer.clone())?;
            }
        }
        Ok(())
    }

    fn constraints<S: SchemaLike>(&self, schema: &'a ReferenceOr<S>) -> Result<Constraints, Error> {
        let schema = match schema {
            ReferenceOr::Item(schema) => schema.schema(),
            ReferenceOr::Reference { reference } => self.resolve_schema_ref(reference, "")?.1,
        };
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
            _ => {}
        }
        Ok(c)
    }
}

/// The properties of an object schema, as the document model holds them.
type Properties = indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>;

/// Abstracts over `Schema` and `Box<Schema>`, which the document model uses in different places.
trait SchemaLike {
    fn schema(&self) -> &Schema;
}

impl SchemaLike for Schema {
    fn schema(&self) -> &Schema {
        self
    }
}

impl SchemaLike for Box<Schema> {
    fn schema(&self) -> &Schema {
        self
    }
}

/// Whether a component schema becomes a named Rust type (a struct or an enum) rather than being used
/// in place (a plain string, number, list or map).
fn needs_named_type(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::AllOf { .. } => true,
        SchemaKind::Any(any) => !any.properties.is_empty() || !any.all_of.is_empty(),
        _ => schema_enum_values(schema).is_some(),
    }
}

fn schema_enum_values(schema: &Schema) -> Option<Vec<&str>> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            let values: Vec<&str> = s.enumeration.iter().flatten().map(String::as_str).collect();
            (values.len() > 1).then_some(values)
        }
        _ => None,
    }
}

fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.contains(&name)
}

fn name_override(
    file: &str,
    pointer: &str,
    extensions: &indexmap::IndexMap<String, serde_json::Value>,
) -> Result<Option<String>, Error> {
    match extensions.get(NAME_OVERRIDE_EXTENSION) {
        None => Ok(None),
        Some(serde_json::Value::String(name)) => Ok(Some(name.clone())),
        Some(other) => Err(Error::new(
            ErrorKind::WrongType,
            file,
            format!("{pointer}/{NAME_OVERRIDE_EXTENSION}"),
            format!(
                "expected a string, found {}",
                crate::select::json_kind(other)
            ),
        )),
    }
}

/// Chooses the JSON media type of a content map (`application/json`, or any `+json` type).
fn pick_json(
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
) -> Option<(&str, &openapiv3::MediaType)> {
    content
        .iter()
        .find(|(media, _)| {
            let media = media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        })
        .map(|(media, content)| (media.as_str(), content))
}

/// Turns a summary and a description into rustdoc lines that cannot break the build: code fences are
/// marked `text` (rustdoc would compile them as Rust), and indentation is capped so that no
/// paragraph turns into an indented code block.
pub fn docs(summary: Option<&str>, description: Option<&str>) -> Docs {
    let mut lines = Vec::new();
    let summary = summary.map(str::trim).filter(|s| !s.is_empty());
    let description = description.map(str::trim).filter(|s| !s.is_empty());
    if let Some(summary) = summary {
        lines.extend(summary.lines().map(str::to_owned));
    }
    if let Some(description) = description {
        if summary.is_some_and(|s| s != description) {
            lines.push(String::new());
        }
        if summary != Some(description) {
            let mut in_fence = false;
            for line in description.lines() {
                let trimmed = line.trim_start();
                if trimmed.starts_with("```") {
                    lines.push(if in_fence {
                        "```".to_owned()
                    } else {
                        "```text".to_owned()
                    });
                    in_fence = !in_fence;
                    continue;
                }
                if in_fence {
                    lines.push(line.to_owned());
                    continue;
                }
                let indent = (line.len() - trimmed.len()).min(2);
                lines.push(format!("{}{}", " ".repeat(indent), trimmed.trim_end()));
            }
            if in_fence {
                lines.push("```".to_owned());
            }
        }
    }
    Docs { lines }
}

/// Puts a `Box` around every field through which a type contains itself, so recursive schemas give
/// types of finite size. Lists and maps already allocate, so only direct containment counts.
fn box_recursive_fields(types: &mut [TypeDef]) {
    let direct: BTreeMap<String, Vec<String>> = types
        .iter()
        .map(|t| {
            let targets = match &t.kind {
                TypeKind::Struct { fields } => fields
                    .iter()
                    .filter_map(|f| match &f.ty {
                        TypeRef::Named(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
                TypeKind::StringEnum { .. } => Vec::new(),
            };
            (t.name.clone(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if seen.insert(node.clone()) {
                stack.extend(direct.get(&node).into_iter().flatten().cloned());
            }
        }
        false
    };
    for t in types.iter_mut() {
        let owner = t.name.clone();
        if let TypeKind::Struct { fields } = &mut t.kind {
            for field in fields {
                if let TypeRef::Named(target) = &field.ty
                    && reaches(target, &owner)
                {
                    field.ty = TypeRef::Boxed(Box::new(field.ty.clone()));
                }
            }
        }
    }
}
