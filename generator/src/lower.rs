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

// One file per concern; each adds the methods of its part of the lowering to [`Lowerer`], which
// holds the state they share (names handed out, types produced, examples met).
mod errors;
mod graph;
mod media;
mod objects;
mod operations;
mod parameters;
mod refs;
mod responses;
mod schemas;
mod security;
mod servers;
mod unions;
mod view;
mod webhooks;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr,
    RequestBody, Response as OaResponse, Schema, SchemaKind, StatusCode, Type,
};

use crate::error::{Error, ErrorKind, ErrorLocation, pointer_token};
use crate::ir::{
    Additional, Alternatives, Api, Body, Constraints, Docs, Field, FieldName, Group, Location,
    Operation, PageField, Pagination, Params, PathPart, Response, TypeDef, TypeKind, TypeRef,
    UnionVariant, Variant,
};
use crate::naming::{self, Scope};
use crate::select::{SelectedOperation, SelectedWebhook};
use media::{MediaKind, pick_body_media, pick_json};
use view::{Format, Shape, View, shape, view};

/// The extension on an object schema listing required members that the service is known to leave
/// out: they decode as optional. (In a webhook document, members that an event's own examples
/// leave out are treated the same way.)
pub const ABSENT_EXTENSION: &str = "x-sometimes-absent";

/// The extension naming an operation's method, or overriding a schema's type name.
pub const NAME_OVERRIDE_EXTENSION: &str = "x-speakeasy-name-override";

/// Field names whose string values are credentials: they become `Secret`, so `Debug` never shows them.
/// Bearer tokens are credentials too: a minted M2M token (`token`) or an OAuth access, refresh or
/// ID token grants what a secret key grants, to whoever reads a log line that prints it.
const SECRET_NAMES: &[&str] = &[
    "secret",
    "secret_key",
    "client_secret",
    "password",
    "private_key",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "token_secret",
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

/// The modules the generator writes besides one per group (`generated/mod.rs`,
/// `generated/types.rs` and the test double's `generated/testing.rs`): a group whose module had one
/// of these names would overwrite that file.
const RESERVED_MODULES: &[&str] = &["mod", "testing", "types"];

/// The modules of the client crate's hand-written root. A group module of the same name would be
/// shadowed in the crate root's re-export of the generated modules (`client` is a group of Clerk's
/// Frontend API), so such a group's module and accessor get an `_api` suffix (`client_api`).
const CRATE_MODULES: &[&str] = &["client", "error", "runtime", "secret", "generated"];

/// The name of the flattened map that keeps members beyond a struct's named fields.
const ADDITIONAL_FIELD: &str = "additional_properties";

/// Lowers the selected operations of `document` into the IR.
pub fn lower(
    file: &str,
    document: &OpenAPI,
    selected: &[SelectedOperation<'_>],
) -> Result<Api, Error> {
    lower_with_webhooks(file, document, selected, &[])
}

/// Lowers the selected operations and webhooks of `document` into the IR.
pub fn lower_with_webhooks<'a>(
    file: &'a str,
    document: &'a OpenAPI,
    selected: &[SelectedOperation<'a>],
    webhooks: &'a [SelectedWebhook],
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
        let mut module = naming::snake(&op.group_key);
        if CRATE_MODULES.contains(&naming::bare(&module)) {
            module = format!("{}_api", naming::bare(&module));
        }
        if RESERVED_MODULES.contains(&naming::bare(&module)) {
            return Err(Error::new(
                ErrorKind::NameCollision,
                file,
                ErrorLocation::Operation(op.id.to_owned()),
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
                ErrorLocation::Operation(op.id.to_owned()),
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
    let webhooks = cx.webhooks(webhooks)?;
    cx.drain()?;
    cx.check_webhook_payloads(&webhooks)?;
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
    let (server, base_url) = cx.server()?;
    let security_schemes = cx.security_schemes()?;
    let security = cx.document_security()?;
    let mut types: Vec<TypeDef> = cx.types.into_values().collect();
    graph::check_union_cycles(file, &types)?;
    graph::box_recursive_fields(&mut types);
    Ok(Api {
        api_version: document.info.version.clone(),
        version_header: servers::is_dated_version(&document.info.version),
        base_url,
        server,
        security_schemes,
        security,
        groups,
        types,
        examples: cx.examples.into_values().collect(),
        webhooks,
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
    /// Required members known to be left out, by the pointer of their property: they are lowered
    /// as optional.
    absent_members: BTreeSet<String>,
    /// The type of each schema written in place inside a component, by pointer, once lowered.
    inline_at: BTreeMap<String, (TypeRef, bool)>,
    /// Examples met so far, keyed by pointer so each is recorded once.
    examples: BTreeMap<String, crate::ir::TypedExample>,
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

/// A `oneOf`/`anyOf` whose branches only list `required` properties: a rule on which members are
/// present, as the document states it.
struct RequiredSets<'a> {
    /// `oneOf` (exactly one set holds) rather than `anyOf` (at least one does).
    exactly_one: bool,
    /// The property names each branch requires.
    sets: Vec<Vec<&'a str>>,
    /// JSON pointer to the `oneOf`/`anyOf`.
    pointer: String,
}

/// What an object schema declares, its `allOf` parts merged.
#[derive(Default)]
struct ObjectParts<'a> {
    properties: Vec<Property<'a>>,
    required: BTreeSet<&'a str>,
    /// `oneOf`/`anyOf` branches that only list `required` properties.
    alternatives: Vec<RequiredSets<'a>>,
    /// `additionalProperties` when it allows members (`true` or a schema), and where it is.
    additional: Option<(&'a AdditionalProperties, String)>,
    /// The component schemas already merged in through `allOf`.
    merged: BTreeSet<&'a str>,
    /// Members that a merged schema lists in [`ABSENT_EXTENSION`]: required, but known to be left
    /// out.
    absent: BTreeSet<&'a str>,
}

/// A parameter of an operation, with where it goes and how a list is spelled.
struct ParamRef<'a> {
    location: Location,
    data: &'a openapiv3::ParameterData,
    pointer: String,
    /// The separator joining a list into one value; `None` for repeated `name=value` pairs.
    joined: Option<char>,
}

/// How the request body is sent, decided before fields are named.
struct BodyPlan<'a> {
    body: &'a RequestBody,
    kind: media::MediaKind,
    /// The media type chosen, as the document writes it.
    media: String,
    content: &'a openapiv3::MediaType,
    media_pointer: String,
    /// The body's schema; only bytes may have none.
    schema: Option<&'a ReferenceOr<Schema>>,
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
            inline_at: BTreeMap::new(),
            absent_members: BTreeSet::new(),
            examples: BTreeMap::new(),
            inline_in_progress: BTreeMap::new(),
            nesting: 0,
        })
    }

    fn error(
        &self,
        kind: ErrorKind,
        location: impl Into<ErrorLocation>,
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

/// The `x-speakeasy-name-override` of a schema or an operation, which must be a string.
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

/// The named type a value holds without an allocation in between, if any.
fn direct_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Option(inner) => direct_target(inner),
        _ => None,
    }
}
