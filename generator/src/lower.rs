//! Lowering: the selected operations of a document → [`crate::ir::Api`]. Resolves every `$ref`, names every
//! type, field and method, and sorts everything, so the emitter never meets a spec error or an order
//! question.
//!
//! How schemas map to Rust (`view::shape` decides the shape of each schema):
//!
//! - Objects become structs; `allOf` parts are merged into one struct, and an `allOf` of a single
//!   `$ref` with nothing beside it is that type itself. `additionalProperties` next to
//!   `properties` (`true` or a schema) adds a flattened map of the other members;
//!   `additionalProperties: false` changes nothing, since Clerk adds members over time and a
//!   client that rejected them would break.
//! - `nullable` gives `Option`; a required nullable member is still written (as `null`). An optional
//!   nullable member of a request body can also be sent as `null`: the emitter makes it an
//!   `Option<Option<T>>`.
//! - `oneOf`/`anyOf` become an enum with one variant per member and an `Unknown(Value)` variant
//!   for what this version does not know. With a `discriminator` the variant is chosen by the
//!   discriminator's value; without one, members are tried most specific first (see
//!   [`crate::ir::TypeKind::Union`]). A single member without a discriminator is that member's type. A
//!   `oneOf`/`anyOf` whose branches only list `required` properties (`domain` or `domains`) is a
//!   rule on one struct, documented, and checked before sending when it is a request body's.
//! - `readOnly` properties are left out of request bodies; `writeOnly` properties are never
//!   required in a struct, since answers leave them out.
//! - `integer` is `i64` unless `format: int32`; `number` is `f64` unless `format: float`;
//!   `date`, `date-time`, `uri`, `email` and other string formats stay `String` (no date or URL
//!   library is imposed on users, and a value the API formats unusually still decodes);
//!   `binary` is a [`TypeRef::File`] in multipart bodies and a `String` elsewhere.
//! - A schema that says nothing (`{}`) is any JSON value. With the `Unknown` variants and objects
//!   of arbitrary members, that is where `serde_json::Value` appears: where the document leaves
//!   the value open, never as a way around a construct.

mod errors;
mod view;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr,
    RequestBody, Response as OaResponse, Schema, SchemaKind, StatusCode, Type,
};

use crate::error::{Error, ErrorKind, pointer_token};
use crate::ir::{
    Additional, Alternatives, Api, Body, Constraints, Docs, Field, FieldName, Group, Location,
    Operation, PageField, Pagination, Params, PathPart, Response, TypeDef, TypeKind, TypeRef,
    UnionVariant, Variant,
};
use crate::naming::{self, Scope};
use crate::select::SelectedOperation;
use view::{Format, Shape, View, shape, view};

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

/// The private members of a JSON Web Key (RFC 7518: the private exponent and CRT values of RSA
/// keys, the private key of EC and OKP keys, the key of symmetric keys). In an object with a `kty`
/// member they are credentials, like the names in [`SECRET_NAMES`].
const JWK_PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Header parameters that OpenAPI says to ignore (the `Accept`, `Content-Type` and `Authorization`
/// headers are described elsewhere in the document), compared in lower case.
const IGNORED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// How deep lowering may go into schemas nested in one another, counting each `$ref` it follows to a
/// list, a map or an alias as a level (a `$ref` to an object or an enum names a type and ends the
/// descent). Lowering recurses once per level, `$ref`s can chain components far deeper than the
/// document itself nests (a thousand list schemas, each the items of the next, overflowed the
/// stack), and each level can add two wrappers (`Option<Vec<…>>`) to a Rust type that `syn` and
/// `prettyplease` then parse and print recursively too. Clerk's documents need 5 levels; 32 keeps a
/// release build within 2 MiB of stack and a debug build (`cargo xtask codegen`) within the 8 MiB
/// of its main thread, with room to spare.
const MAX_NESTING: usize = 32;

/// The modules the generator writes besides one per group (`generated/mod.rs` and
/// `generated/types.rs`): a group whose module had one of these names would overwrite that file.
const RESERVED_MODULES: &[&str] = &["mod", "types"];

/// The name of the flattened map that keeps members beyond a struct's named fields.
const ADDITIONAL_FIELD: &str = "additional_properties";

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
        let module = naming::snake(&op.group_key);
        if RESERVED_MODULES.contains(&naming::bare(&module)) {
            return Err(Error::new(
                ErrorKind::NameCollision,
                file,
                format!("operation {}", op.id),
                format!(
                    "the group `{}` becomes the module `{}`, a name the generator keeps for its own file",
                    op.group,
                    naming::bare(&module)
                ),
            ));
        }
        let operation = cx.operation(op)?;
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
    for op in selected {
        cx.error_examples(op)?;
    }
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
    check_union_cycles(file, &types)?;
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
    /// Value-like component schemas being expanded in place, to catch self-containment.
    inline_stack: BTreeSet<&'a str>,
    /// The type of each value-like or alias component schema once lowered, so that an inline
    /// enum or object inside one is one type however often the component is used.
    inline_components: BTreeMap<&'a str, (TypeRef, bool)>,
    /// Examples met so far, keyed by pointer so each is recorded once.
    examples: BTreeMap<String, crate::ir::Example>,
    /// Inline object and `oneOf`/`anyOf` schemas being lowered, by pointer, with their type names.
    inline_in_progress: BTreeMap<String, String>,
    /// How many [`Lowerer::type_of`] calls are in progress, at most [`MAX_NESTING`].
    nesting: usize,
}

/// A property collected from an object schema or from the parts of an `allOf`.
struct Property<'a> {
    api_name: &'a str,
    schema: &'a ReferenceOr<Box<Schema>>,
    pointer: String,
    /// `readOnly`: only ever in answers, so never a member of a request body.
    read_only: bool,
    /// `writeOnly`: only ever in requests, so never required in an answer.
    write_only: bool,
    /// Whether it is a private member of a JSON Web Key (the object has a `kty` member).
    jwk_private: bool,
}

impl Property<'_> {
    /// The name that decides whether a string member is a `Secret`: its own, or `secret` for the
    /// private members of a JSON Web Key, whose one-letter names say nothing by themselves.
    fn secret_as(&self) -> &str {
        if self.jwk_private {
            "secret"
        } else {
            self.api_name
        }
    }
}

/// What an object schema declares, its `allOf` parts merged.
#[derive(Default)]
struct ObjectParts<'a> {
    properties: Vec<Property<'a>>,
    required: BTreeSet<&'a str>,
    /// `oneOf`/`anyOf` branches that only list `required` properties: whether it is a `oneOf`,
    /// the sets of names, and where the rule is.
    alternatives: Vec<(bool, Vec<Vec<&'a str>>, String)>,
    /// `additionalProperties` when it allows members (`true` or a schema), and where it is.
    additional: Option<(&'a AdditionalProperties, String)>,
    /// The component schemas already merged in through `allOf`.
    merged: BTreeSet<&'a str>,
}

/// A parameter of an operation, with where it goes and how a list is spelled.
struct ParamRef<'a> {
    location: Location,
    data: &'a openapiv3::ParameterData,
    pointer: String,
    /// Whether a list is sent as repeated `name=value` pairs rather than joined by commas.
    explode: bool,
}

/// How the request body is sent, decided before fields are named.
struct BodyPlan<'a> {
    body: &'a RequestBody,
    multipart: bool,
    schema: &'a ReferenceOr<Schema>,
    schema_pointer: String,
    /// The body's members, when it is an object with properties.
    object: Option<ObjectParts<'a>>,
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
            inline_stack: BTreeSet::new(),
            inline_components: BTreeMap::new(),
            examples: BTreeMap::new(),
            inline_in_progress: BTreeMap::new(),
            nesting: 0,
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

    /// The error for schemas nested deeper than [`MAX_NESTING`] levels.
    fn too_deep(&self, pointer: &str) -> Error {
        self.error(
            ErrorKind::TooDeep,
            pointer,
            format!(
                "schemas nest more than {MAX_NESTING} levels deep here, counting each `$ref` followed"
            ),
        )
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

    // ----- operations -------------------------------------------------------------------------

    fn operation(&mut self, op: &SelectedOperation<'a>) -> Result<Operation, Error> {
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
                    crate::ir::Example {
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
                explode: param.explode,
            });
        }
        let path = self.path_template(op, &path_fields)?;

        let mut additional = None;
        let mut alternatives = Vec::new();
        let body = match plan {
            None => Body::None,
            Some(BodyPlan {
                object: Some(object),
                multipart,
                ..
            }) => {
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
                for (exactly_one, sets, pointer) in &object.alternatives {
                    alternatives.push(self.alternatives(*exactly_one, sets, &by_wire, pointer)?);
                }
                if multipart {
                    Body::Multipart
                } else {
                    Body::JsonFields
                }
            }
            Some(BodyPlan {
                body,
                schema,
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
                    explode: true,
                });
                Body::JsonField(name)
            }
        };

        let response = self.success_response(op)?;

        let params = (!fields.is_empty()).then_some(Params {
            name: params_name,
            fields,
            additional,
            alternatives,
        });
        let auth = match &o.security {
            Some(requirements) => !requirements.is_empty(),
            None => self.doc.security.as_ref().is_some_and(|r| !r.is_empty()),
        };
        Ok(Operation {
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
        })
    }

    /// Decides how a request body is sent: JSON (members as fields when it is an object with
    /// properties, else the whole value in one field) or a multipart form (members as parts).
    fn body_plan(&self, body: &'a RequestBody, pointer: &str) -> Result<BodyPlan<'a>, Error> {
        let (media, content, multipart) = if let Some((media, content)) = pick_json(&body.content) {
            (media, content, false)
        } else if let Some((media, content)) = pick_media(&body.content, "multipart/form-data") {
            (media, content, true)
        } else {
            let media: Vec<&str> = body.content.keys().map(String::as_str).collect();
            let message = if media.is_empty() {
                "the request body declares no media type".to_owned()
            } else {
                format!(
                    "request bodies of type {} are not supported; only JSON and multipart/form-data are",
                    media.join(", ")
                )
            };
            return Err(self.error(
                ErrorKind::Unsupported,
                format!("{pointer}/content"),
                message,
            ));
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
        let mut object = self.object_properties(schema, &schema_pointer)?;
        if let Some(object) = &mut object {
            // Read-only members only ever appear in answers.
            object.properties.retain(|p| !p.read_only);
        }
        if multipart && object.is_none() {
            return Err(self.error(
                ErrorKind::Unsupported,
                schema_pointer,
                "a multipart/form-data body must be an object with properties, one per part",
            ));
        }
        Ok(BodyPlan {
            body,
            multipart,
            schema,
            schema_pointer,
            object,
        })
    }

    /// One part of a multipart body: a file for `format: binary`, else a text field.
    fn multipart_field(
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
                explode: true,
            });
        }
        self.check_simple(property.schema, &property.pointer, "multipart form", true)?;
        self.field(property, name, parent, required, Location::Body)
    }

    /// Checks that a parameter or form field is something that has a text form: a string, a
    /// number, a boolean or an enum, or (where `list` allows) a list of those.
    fn check_simple<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
        place: &str,
        list: bool,
    ) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        let Some((kind, at)) = self.not_simple(schema, pointer, list, false, &mut seen)? else {
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
    fn not_simple<S: SchemaLike>(
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
                return self.not_simple(member, &at, list, item, seen);
            }
            Shape::Value => match v.typ {
                Some("string") if v.format != Format::Binary => return Ok(None),
                Some("integer" | "number" | "boolean") => return Ok(None),
                Some("array") if list => match v.items {
                    Some(items) => {
                        let at = format!("{at}/items");
                        return self.not_simple(items, &at, false, true, seen);
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
    fn alternatives(
        &self,
        exactly_one: bool,
        sets: &[Vec<&'a str>],
        fields: &BTreeMap<&str, String>,
        pointer: &str,
    ) -> Result<Alternatives, Error> {
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

    /// Path-item and operation parameters merged (the operation's win), path first, then query,
    /// then header.
    fn parameters(&self, op: &SelectedOperation<'a>) -> Result<Vec<ParamRef<'a>>, Error> {
        let mut merged: Vec<ParamRef<'a>> = Vec::new();
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
                let (location, data, explode) = match parameter {
                    Parameter::Path { parameter_data, .. } => {
                        (Location::Path, parameter_data, false)
                    }
                    Parameter::Query {
                        parameter_data,
                        style,
                        ..
                    } => {
                        let explode = parameter_data.explode.unwrap_or(true);
                        if !matches!(style, QueryStyle::Form) && self.is_list(parameter_data)? {
                            return Err(self.error(
                                ErrorKind::Unsupported,
                                pointer,
                                format!(
                                    "query parameter `{}` uses a style other than `form`, which is not supported for lists",
                                    parameter_data.name
                                ),
                            ));
                        }
                        (Location::Query, parameter_data, explode)
                    }
                    Parameter::Header { parameter_data, .. } => {
                        let lower = parameter_data.name.to_ascii_lowercase();
                        if IGNORED_HEADERS.contains(&lower.as_str()) {
                            continue;
                        }
                        (Location::Header, parameter_data, false)
                    }
                    Parameter::Cookie { parameter_data, .. } => {
                        return Err(self.error(
                            ErrorKind::Unsupported,
                            pointer,
                            format!(
                                "cookie parameters (`{}`) are not supported",
                                parameter_data.name
                            ),
                        ));
                    }
                };
                merged.retain(|p| !(p.location == location && p.data.name == data.name));
                merged.push(ParamRef {
                    location,
                    data,
                    pointer,
                    explode,
                });
            }
        }
        merged.sort_by_key(|p| p.location);
        Ok(merged)
    }

    /// Whether a parameter's schema is a list.
    fn is_list(&self, data: &'a openapiv3::ParameterData) -> Result<bool, Error> {
        match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let (resolved, _) = self.resolve(schema, "")?;
                Ok(view(resolved).typ == Some("array"))
            }
            ParameterSchemaOrContent::Content(_) => Ok(false),
        }
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

    /// What a successful answer carries. JSON wins over text, and text over nothing. When
    /// several success statuses carry different JSON types, the answer is an enum of them,
    /// tried in status order, since the client decodes the body without looking at the status.
    ///
    /// A `200` that declares no content is read as text: a 200 answer carries a body (a 202 or a
    /// 204 need not), so one the document does not describe (Clerk's interstitial page, "the
    /// interstitial page markup") is returned rather than thrown away.
    fn success_response(&mut self, op: &SelectedOperation<'a>) -> Result<Response, Error> {
        // Each success: its code for ordering (a `2XX` range after every code), its status as
        // written, for names, and the response.
        let mut successes: Vec<(u16, String, &'a ReferenceOr<OaResponse>, String)> = op
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
                let label = status.to_string();
                let pointer = format!("{}/responses/{}", op.pointer, pointer_token(&label));
                Some((code, label, response, pointer))
            })
            .collect();
        successes.sort_by_key(|(code, _, _, _)| *code);
        let hint = format!("{}Response", naming::camel(op.id));
        // With several bodies, each inline one is named after its status, so that the enum
        // of them can take the plain name.
        let several = successes
            .iter()
            .filter(|(_, _, response, _)| match response {
                ReferenceOr::Item(response) => pick_json(&response.content).is_some(),
                ReferenceOr::Reference { .. } => true,
            })
            .count()
            > 1;
        let mut json: Vec<(String, TypeRef)> = Vec::new();
        let mut text = false;
        for (code, label, response, pointer) in successes {
            let hint = if several {
                format!("{hint}{}", label.to_ascii_lowercase())
            } else {
                hint.clone()
            };
            match self.response(response, &hint, pointer)? {
                Response::Json(ty) => {
                    if !json.iter().any(|(_, seen)| *seen == ty) {
                        json.push((label, ty));
                    }
                }
                Response::Text => text = true,
                Response::Empty if code == 200 => text = true,
                Response::Empty => {}
            }
        }
        match json.len() {
            0 if text => Ok(Response::Text),
            0 => Ok(Response::Empty),
            1 => Ok(json
                .pop()
                .map_or(Response::Empty, |(_, ty)| Response::Json(ty))),
            _ => {
                let name = self.type_names.claim(hint);
                let mut scope = Scope::default();
                scope.claim("Unknown".to_owned());
                let variants = json
                    .into_iter()
                    .map(|(label, ty)| {
                        let base = match &ty {
                            TypeRef::Named(name) => name.clone(),
                            _ => format!("Status{}", label.to_ascii_lowercase()),
                        };
                        UnionVariant {
                            name: scope.claim(base),
                            ty,
                            tags: Vec::new(),
                        }
                    })
                    .collect();
                self.types.insert(
                    name.clone(),
                    TypeDef {
                        name: name.clone(),
                        origin: format!("{}/responses", op.pointer),
                        docs: Docs {
                            lines: vec![format!(
                                "The answer of `{}`, whose success statuses carry different bodies; they are tried in status order.",
                                op.id
                            )],
                        },
                        deprecated: false,
                        kind: TypeKind::Union {
                            variants,
                            discriminator: None,
                        },
                    },
                );
                Ok(Response::Json(TypeRef::Named(name)))
            }
        }
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
                // JSON of a shape the document does not say.
                None => Response::Json(TypeRef::Json),
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
        let TypeKind::Struct {
            fields: members, ..
        } = &self.types.get(name)?.kind
        else {
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

    /// Resolves a schema that may be a `$ref`, with the pointer of where it is defined.
    fn resolve<S: SchemaLike>(
        &self,
        schema: &'a ReferenceOr<S>,
        pointer: &str,
    ) -> Result<(&'a Schema, String), Error> {
        match schema {
            ReferenceOr::Item(schema) => Ok((schema.schema(), pointer.to_owned())),
            ReferenceOr::Reference { reference } => {
                let (key, schema) = self.resolve_schema_ref(reference, pointer)?;
                Ok((
                    schema,
                    format!("/components/schemas/{}", pointer_token(key)),
                ))
            }
        }
    }

    /// The shape of a schema, or an error at the keyword that has none.
    fn shape_of(&self, schema: &'a Schema, pointer: &str) -> Result<Shape<'a>, Error> {
        shape(schema).map_err(|e| {
            self.error(
                ErrorKind::Unsupported,
                format!("{pointer}{}", e.at),
                e.message,
            )
        })
    }

    /// The Rust type of a schema at a use site, and whether it may be `null`. `hint` names an
    /// inline type if one is needed; `field_name` decides whether a string is a `Secret`.
    fn type_of<S: SchemaLike>(
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
    fn type_of_here<S: SchemaLike>(
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

    fn record_example(&mut self, schema: &Schema, pointer: &str, ty: &TypeRef, nullable: bool) {
        if let Some(value) = &schema.schema_data.example {
            self.examples.insert(
                pointer.to_owned(),
                crate::ir::Example {
                    pointer: pointer.to_owned(),
                    ty: ty.clone(),
                    nullable,
                    value: value.clone(),
                },
            );
        }
    }

    fn named_type(&mut self, reference: &str, pointer: &str) -> Result<(TypeRef, bool), Error> {
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
    fn inline_type(
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
    fn value_type(
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

    fn map_type(
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
    fn additional_type(
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

    /// Lowers a `oneOf`/`anyOf` into an enum named `name`.
    fn union_type(
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
    fn variant_name(
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
    fn tags(
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
    fn required_count(&self, schema: &'a Schema, pointer: &str) -> Result<usize, Error> {
        if !matches!(self.shape_of(schema, pointer)?, Shape::Struct) {
            return Ok(0);
        }
        Ok(self.object_parts(schema, pointer)?.required.len())
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

    /// The members of an object schema, its `allOf` parts merged; `None` when the schema is not
    /// an object with properties.
    fn object_properties<S: SchemaLike>(
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
    fn object_parts(&self, schema: &'a Schema, pointer: &str) -> Result<ObjectParts<'a>, Error> {
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

    fn collect(
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
            parts
                .alternatives
                .push((one_of, sets, format!("{pointer}/{keyword}")));
        }
        if let Some(additional) = v.additional
            && !matches!(additional, AdditionalProperties::Any(false))
        {
            parts.additional = Some((additional, format!("{pointer}/additionalProperties")));
        }
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
        let (ty, nullable) = self.type_of(
            property.schema,
            &hint,
            &property.pointer,
            property.secret_as(),
        )?;
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
            explode: true,
        })
    }

    fn struct_type(
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
            let required = parts.required.contains(property.api_name) && !property.write_only;
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
            .map(|(exactly_one, sets, _)| Alternatives {
                exactly_one: *exactly_one,
                sets: sets
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
            self.record_example(
                schema,
                &pointer,
                &TypeRef::Named(name.clone()),
                schema.schema_data.nullable,
            );
            match self.shape_of(schema, &pointer)? {
                Shape::StringEnum => {
                    let values = view::string_enum_values(schema).unwrap_or_default();
                    self.string_enum_named(name, &pointer, &values, schema)?;
                }
                Shape::Union(members, keyword) => {
                    self.union_type(name, schema, members, keyword, &pointer, pointer.clone())?;
                }
                Shape::Struct => self.struct_type(name, schema, &pointer, pointer.clone())?,
                Shape::Alias(..) | Shape::Value => {
                    return Err(self.error(
                        ErrorKind::Internal,
                        pointer,
                        "the generator queued this schema as a named type, but it is not one",
                    ));
                }
            }
        }
        Ok(())
    }

    fn constraints<S: SchemaLike>(
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

/// A type that may be `null` where no field carries the `Option`: a list item or a map value.
fn nullable_in_place(ty: TypeRef, nullable: bool) -> TypeRef {
    if nullable {
        TypeRef::Option(Box::new(ty))
    } else {
        ty
    }
}

/// Chooses the content of the given media type (parameters such as `; charset` ignored).
fn pick_media<'c>(
    content: &'c indexmap::IndexMap<String, openapiv3::MediaType>,
    wanted: &str,
) -> Option<(&'c str, &'c openapiv3::MediaType)> {
    content
        .iter()
        .find(|(media, _)| {
            media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(wanted)
        })
        .map(|(media, content)| (media.as_str(), content))
}

/// The named type a value holds without an allocation in between, if any.
fn direct_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => direct_target(inner),
        _ => None,
    }
}

/// Rejects a `oneOf`/`anyOf` that has itself among its members, directly or through other
/// `oneOf`/`anyOf`s: no value has that shape, and decoding one would try the same enum again
/// without end. (Through an object it is an ordinary recursive type.)
fn check_union_cycles(file: &str, types: &[TypeDef]) -> Result<(), Error> {
    // The graph of unions and the unions among their members.
    let index: BTreeMap<&str, usize> = types
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.kind, TypeKind::Union { .. }))
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Union { variants, .. } => variants
                .iter()
                .filter_map(|v| index.get(direct_target(&v.ty)?).copied())
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let component = strongly_connected(&edges);
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for c in &component {
        *sizes.entry(*c).or_default() += 1;
    }
    // A union is on a cycle when its component holds another union, or when it is its own member.
    for (i, t) in types.iter().enumerate() {
        let own = component.get(i).copied();
        let cyclic = own.is_some_and(|c| sizes.get(&c).copied().unwrap_or(0) > 1)
            || edges.get(i).is_some_and(|targets| targets.contains(&i));
        if index.contains_key(t.name.as_str()) && cyclic {
            return Err(Error::new(
                ErrorKind::RefCycle,
                file,
                &t.origin,
                "this oneOf/anyOf has itself among its members, so no value fits it",
            ));
        }
    }
    Ok(())
}

/// Puts a `Box` around every field or union variant through which a type contains itself, so
/// recursive schemas give types of finite size. Lists and maps already allocate, so only direct
/// containment counts (an `Option` field does not allocate, so it counts too). A type contains
/// itself through a field exactly when the field's type is in the same strongly connected
/// component of the containment graph as the type.
fn box_recursive_fields(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let target_of = |ty: &TypeRef| direct_target(ty).and_then(|name| index.get(name).copied());
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Struct { fields, .. } => {
                fields.iter().filter_map(|f| target_of(&f.ty)).collect()
            }
            TypeKind::Union { variants, .. } => {
                variants.iter().filter_map(|v| target_of(&v.ty)).collect()
            }
            TypeKind::StringEnum { .. } => Vec::new(),
        })
        .collect();
    let component = strongly_connected(&edges);
    let same =
        |a: usize, b: usize| component.get(a).is_some() && component.get(a) == component.get(b);
    let boxed = |ty: &mut TypeRef, owner: usize| {
        if let Some(target) = target_of(ty)
            && same(target, owner)
        {
            *ty = TypeRef::Boxed(Box::new(ty.clone()));
        }
    };
    for (owner, t) in types.iter_mut().enumerate() {
        match &mut t.kind {
            TypeKind::Struct { fields, .. } => {
                for field in fields {
                    boxed(&mut field.ty, owner);
                }
            }
            TypeKind::Union { variants, .. } => {
                for variant in variants {
                    boxed(&mut variant.ty, owner);
                }
            }
            TypeKind::StringEnum { .. } => {}
        }
    }
}

/// The strongly connected component of each node of a directed graph (nodes `0..edges.len()`,
/// `edges[n]` the targets of node `n`), found in linear time and without recursion (Kosaraju's
/// algorithm), so that neither the size of the graph nor the length of its chains matters.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let targets = |node: usize| edges.get(node).map_or(&[][..], Vec::as_slice);
    // First pass: every node in the order its depth-first search finishes.
    let mut finished = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    for start in 0..n {
        if visited[start] {
            continue;
        }
        visited[start] = true;
        let mut stack = vec![(start, 0_usize)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            match targets(node).get(next) {
                Some(&target) => {
                    top.1 += 1;
                    if target < n && !visited[target] {
                        visited[target] = true;
                        stack.push((target, 0));
                    }
                }
                None => {
                    finished.push(node);
                    stack.pop();
                }
            }
        }
    }
    // Second pass, on the reversed graph, latest finished first: each search is one component.
    let mut reversed = vec![Vec::new(); n];
    for (from, to) in edges.iter().enumerate() {
        for &to in to {
            if let Some(sources) = reversed.get_mut(to) {
                sources.push(from);
            }
        }
    }
    let mut component = vec![usize::MAX; n];
    let mut count = 0;
    for &start in finished.iter().rev() {
        if component[start] != usize::MAX {
            continue;
        }
        component[start] = count;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &from in &reversed[node] {
                if component[from] == usize::MAX {
                    component[from] = count;
                    stack.push(from);
                }
            }
        }
        count += 1;
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components_of_a_small_graph() {
        // 0 → 1 → 2 → 0 is a cycle; 3 points into it; 4 points at itself; 5 stands alone.
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![4], vec![]];
        let c = strongly_connected(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[0] && c[5] != c[0] && c[3] != c[4]);
    }

    #[test]
    fn a_long_chain_needs_neither_recursion_nor_quadratic_time() {
        let n = 200_000;
        let mut edges: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
        edges[n - 1] = vec![0];
        let c = strongly_connected(&edges);
        assert!(c.iter().all(|&x| x == c[0]));
        edges[n - 1].clear();
        let c = strongly_connected(&edges);
        assert_eq!(c.iter().collect::<std::collections::BTreeSet<_>>().len(), n);
    }
}
