//! The intermediate representation: everything the emitter needs, already named, resolved and sorted.
//!
//! Every name exists twice: `name` is the Rust identifier and `api_name` is what goes on the wire, so
//! renaming for Rust never loses the wire form. Nothing here refers back to the OpenAPI document.

/// The whole API to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.version`.
    pub api_version: String,
    /// Whether `info.version` is a dated version (`2025-11-10`), sent as `Clerk-API-Version`;
    /// a document versioned otherwise (`v1`) sends no version header.
    pub version_header: bool,
    /// The first server URL with each variable at its default.
    pub base_url: String,
    /// The first server, as declared: its URL template and variables.
    pub server: Server,
    /// `components.securitySchemes`, sorted by wire name.
    pub security_schemes: Vec<SecurityScheme>,
    /// The document's `security`: what an operation without its own requires.
    pub security: Security,
    /// Groups sorted by module name.
    pub groups: Vec<Group>,
    /// Named types sorted by name: schemas, inline objects and enums, and parameter structs.
    pub types: Vec<TypeDef>,
    /// The document's `example`s, each with the type generated for its schema.
    pub examples: Vec<TypedExample>,
    /// Webhook events sorted by event type: the variants of the generated `WebhookEvent`.
    pub webhooks: Vec<Webhook>,
}

/// One webhook event the document describes (`x-webhooks`, or OpenAPI 3.1's `webhooks`).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The event type on the wire, the document's key for the event (`user.created`).
    pub event_type: String,
    /// The variant of `WebhookEvent` holding it (`UserCreated`).
    pub variant: String,
    /// The payload's type: the struct of the request body the event is delivered with.
    pub payload: String,
    /// Documentation from the event's operation.
    pub docs: Docs,
    /// Whether the document marks the event deprecated.
    pub deprecated: bool,
}

/// An `example` the document gives for a schema, and the Rust type that schema became.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedExample {
    /// JSON pointer to the schema carrying the example.
    pub pointer: String,
    /// The type generated for the schema.
    pub ty: TypeRef,
    /// Whether the schema is nullable (the Rust type is then wrapped in `Option`).
    pub nullable: bool,
    /// The example itself.
    pub value: serde_json::Value,
}

impl Api {
    /// The number of operations generated.
    pub fn operation_count(&self) -> usize {
        self.groups.iter().map(|g| g.operations.len()).sum()
    }
}

/// Documentation taken from the document's summaries and descriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    /// Lines of documentation, already cleaned for rustdoc; empty when the document says nothing.
    pub lines: Vec<String>,
}

/// One group of operations: a module with a handle type, reached through an accessor on the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group as the document names it (`x-speakeasy-group`, else the first tag).
    pub api_name: String,
    /// The module and accessor name (`machines`).
    pub module: String,
    /// The handle type (`Machines`).
    pub handle: String,
    /// Documentation for the handle, from the tag's description.
    pub docs: Docs,
    /// Operations sorted by method name.
    pub operations: Vec<Operation>,
}

/// One API operation, emitted as an `async fn` on its group's handle.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The operationId.
    pub id: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template split into literal text and parameters.
    pub path: Vec<PathPart>,
    /// The Rust method name (`rotate_secret_key`).
    pub method_name: String,
    /// The parameter struct, absent when the operation takes no input at all.
    pub params: Option<Params>,
    /// How the request body is built.
    pub body: Body,
    /// What a successful answer carries.
    pub response: Response,
    /// The operation's own `security`, when it differs from the document's.
    pub security: Option<Security>,
    /// Whether the document marks the operation deprecated.
    pub deprecated: bool,
    /// Summary and description.
    pub docs: Docs,
    /// Present when the operation lists items with `limit`/`offset` and answers `{data, total_count}`.
    pub pagination: Option<Pagination>,
}

/// The parameter struct of an operation: path, query, header and body fields together.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// The struct's name (`RotateMachineSecretKeyParams`).
    pub name: String,
    /// Path parameters, then query parameters, then header parameters, then body members.
    pub fields: Vec<Field>,
    /// Members of a JSON body beyond the named ones, when the body schema allows them
    /// (`additionalProperties` next to `properties`).
    pub additional: Option<Additional>,
    /// Rules on which optional body members must be present, checked before sending.
    pub alternatives: Vec<Alternatives>,
}

impl Operation {
    /// The path as the document writes it, e.g. `/machines/{machine_id}`.
    pub fn path_template(&self) -> String {
        self.path
            .iter()
            .map(|p| match p {
                PathPart::Literal(text) => text.clone(),
                PathPart::Param { api_name, .. } => format!("{{{api_name}}}"),
            })
            .collect()
    }

    /// The fields sent as query parameters.
    pub fn query_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields().filter(|f| f.location == Location::Query)
    }

    /// The fields with constraints to check before sending.
    pub fn checked_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields().filter(|f| !f.constraints.is_empty())
    }

    /// The fields sent as header parameters.
    pub fn header_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields().filter(|f| f.location == Location::Header)
    }

    /// The fields sent as the request body's members or parts.
    pub fn body_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields().filter(|f| f.location == Location::Body)
    }

    fn fields(&self) -> impl Iterator<Item = &Field> {
        self.params.iter().flat_map(|p| p.fields.iter())
    }
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// Text sent as is.
    Literal(String),
    /// A path parameter, sent percent-encoded as one segment.
    Param {
        /// The parameter's wire name.
        api_name: String,
        /// The field of the parameter struct holding it.
        field: String,
    },
}

/// How the request body is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    None,
    /// A JSON object made of the parameter struct's body fields.
    JsonFields,
    /// A JSON value held whole in one field of the parameter struct.
    JsonField(String),
    /// A `multipart/form-data` form: each body field is one part, files ([`TypeRef::File`]) as
    /// file parts and everything else as text.
    Multipart,
    /// An `application/x-www-form-urlencoded` form made of the parameter struct's body fields,
    /// with the encodings (by wire name) that differ from the default (`style: form`,
    /// `explode: true`).
    Form(Vec<FormEncoding>),
    /// Bytes held whole in one field ([`TypeRef::Bytes`]), sent with this media type.
    Bytes {
        /// The field of the parameter struct.
        field: String,
        /// The media type sent as `Content-Type`.
        media_type: String,
    },
}

/// How one member of a form body is spelled, from the media type's `encoding`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormEncoding {
    /// The member's wire name.
    pub api_name: String,
    /// How a list or an object value is written.
    pub style: FormStyle,
}

/// The OpenAPI styles of a form member holding a list or an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// `style: form`, `explode: true`: `k=a&k=b`; an object's members as their own pairs.
    Form,
    /// `style: form`, `explode: false`: `k=a,b`; an object as `k=p,v,q,w`.
    FormJoined,
    /// `style: spaceDelimited`: `k=a%20b`.
    SpaceDelimited,
    /// `style: pipeDelimited`: `k=a|b`.
    PipeDelimited,
    /// `style: deepObject`: `k[p]=v`.
    DeepObject,
}

/// The server requests go to: a URL template and its variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Server {
    /// The URL as declared, `{name}` standing for each variable, without a trailing slash.
    pub url: String,
    /// Each variable with its default, sorted by name.
    pub variables: Vec<(String, String)>,
}

/// Alternatives of sets of security schemes, by wire name: a call is authorised by any one set,
/// sending every scheme of it. An empty set makes authentication optional; no alternative at all
/// means the operation takes no credentials.
pub type Security = Vec<Vec<String>>;

/// A security scheme of `components.securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's key in the document (`bearerAuth`).
    pub api_name: String,
    /// The client builder's method setting its credential (`bearer_auth`).
    pub method: String,
    /// How its credential is sent.
    pub kind: SchemeKind,
    /// Its description.
    pub docs: Docs,
}

/// How a security scheme's credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>` (http bearer, and the access token of oauth2 and
    /// openIdConnect).
    Bearer,
    /// `Authorization: Basic <base64 of user:password>`.
    Basic,
    /// An API key in a header, a query parameter or a cookie of this name.
    ApiKey {
        /// Where it goes.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: String,
    },
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// What a successful answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// A JSON body decoded into this type.
    Json(TypeRef),
    /// A body returned as text (HTML and other non-JSON media types).
    Text,
    /// No body worth decoding.
    Empty,
}

/// Pagination facts for a list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// The Rust name of the walking method (`list_all`).
    pub method_name: String,
    /// The type of one item of `data`.
    pub item: TypeRef,
    /// The largest page the API accepts (`maximum` of `limit`), if stated.
    pub max_page_size: Option<i64>,
    /// The `limit` field of the parameter struct.
    pub limit: PageField,
    /// The `offset` field of the parameter struct.
    pub offset: PageField,
    /// The `data` field of the response.
    pub data: String,
    /// The `total_count` field of the response.
    pub total_count: PageField,
}

/// A numeric field that pagination reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageField {
    /// The Rust field name.
    pub name: String,
    /// Whether it is an `i32` (otherwise an `i64`).
    pub is_i32: bool,
}

/// A reference to a Rust type from a field or a response.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `String`
    String,
    /// `crate::Secret`: a string whose `Debug` prints no secret.
    Secret,
    /// Any JSON value.
    Json,
    /// A JSON object with arbitrary members.
    JsonObject,
    /// A named type of [`Api::types`].
    Named(String),
    /// A list.
    Vec(Box<TypeRef>),
    /// A map from strings to values of one type.
    Map(Box<TypeRef>),
    /// A heap indirection, for recursive types.
    Boxed(Box<TypeRef>),
    /// A value that may be `null`, where no field carries the `Option` (list items, map values).
    Option(Box<TypeRef>),
    /// `crate::FilePart`: a file sent in a multipart body, held in memory.
    File,
    /// `Vec<u8>`: a request body sent as bytes (`application/octet-stream` and other media
    /// types with no structure the generator knows).
    Bytes,
    /// A type of the hand-written runtime. Never a field's type: it names what an error answer
    /// decodes into, for the examples of error answers.
    Runtime(RuntimeType),
}

/// The runtime's types that generated code can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuntimeType {
    /// `crate::ClerkErrors`: the body of every error answer.
    ClerkErrors,
    /// `crate::ClerkError`: one item of `ClerkErrors::errors`.
    ClerkError,
}

/// Validation constraints from the document, checked before a request is sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `minimum`, with `exclusiveMinimum`. Always a finite number.
    pub minimum: Option<(f64, bool)>,
    /// `maximum`, with `exclusiveMaximum`. Always a finite number.
    pub maximum: Option<(f64, bool)>,
    /// `minLength`
    pub min_length: Option<usize>,
    /// `maxLength`
    pub max_length: Option<usize>,
    /// `minItems`
    pub min_items: Option<usize>,
    /// `maxItems`
    pub max_items: Option<usize>,
    /// `pattern`
    pub pattern: Option<String>,
}

impl Constraints {
    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self == &Constraints::default()
    }
}

/// Where a parameter-struct field goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A header parameter.
    Header,
    /// A member of the JSON body (or the whole body), or a part of a multipart body.
    Body,
    /// A member of a response or schema object.
    Member,
}

/// A field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Rust name.
    pub name: String,
    /// The wire name.
    pub api_name: String,
    /// Where it goes on the wire.
    pub location: Location,
    /// Its type, without the `Option` that `required`/`nullable` add.
    pub ty: TypeRef,
    /// Whether the document requires it.
    pub required: bool,
    /// Whether `null` is an allowed value.
    pub nullable: bool,
    /// Whether the document marks it deprecated.
    pub deprecated: bool,
    /// Constraints to check before sending.
    pub constraints: Constraints,
    /// Its description.
    pub docs: Docs,
    /// For list query parameters: the separator joining all elements into one `name=value` pair
    /// (`,` for `style: form, explode: false`, a space for `spaceDelimited`, `|` for
    /// `pipeDelimited`); `None` when each element is its own pair (`explode`, the default).
    pub joined: Option<char>,
}

impl Field {
    /// Whether the Rust type is wrapped in `Option`.
    pub fn is_optional(&self) -> bool {
        !self.required || self.nullable
    }
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// Where the type comes from, for readers (`#/components/schemas/Machine`).
    pub origin: String,
    /// Its description.
    pub docs: Docs,
    /// Whether the document marks it deprecated.
    pub deprecated: bool,
    /// What it is.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A struct with named fields, decoded from a JSON object.
    Struct {
        /// Fields in document order.
        fields: Vec<Field>,
        /// Members beyond the named ones, kept in a flattened map, when the schema allows them
        /// (`additionalProperties` next to `properties`).
        additional: Option<Additional>,
        /// Rules on which optional members are present, stated in the docs.
        alternatives: Vec<Alternatives>,
    },
    /// A `oneOf`/`anyOf`: one variant per member, plus `Unknown` for anything else.
    Union {
        /// Variants in decoding order: document order with a discriminator; otherwise the
        /// members with more required properties first, since a value that fits a more specific
        /// member usually fits the less specific ones too.
        variants: Vec<UnionVariant>,
        /// The discriminator property (`object`), when the document names one.
        discriminator: Option<String>,
    },
    /// A string enum that keeps values it does not know.
    StringEnum {
        /// Variants in document order.
        variants: Vec<Variant>,
    },
}

/// The map of members beyond a struct's named fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Additional {
    /// The Rust name of the flattened map field (`additional_properties`).
    pub name: String,
    /// The type of each value.
    pub ty: TypeRef,
}

/// A rule from `oneOf`/`anyOf` branches that only list `required` properties: at least one
/// (`anyOf`) or exactly one (`oneOf`) of these sets of fields must all be present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternatives {
    /// Whether exactly one set may be present (`oneOf`) rather than at least one (`anyOf`).
    pub exactly_one: bool,
    /// Each set, as the fields it requires.
    pub sets: Vec<Vec<FieldName>>,
}

/// A field named on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName {
    /// The Rust name.
    pub name: String,
    /// The wire name.
    pub api_name: String,
}

/// A variant of a `oneOf`/`anyOf` enum.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The Rust name.
    pub name: String,
    /// The type it holds.
    pub ty: TypeRef,
    /// The discriminator values that select it, the first being the one written when the value
    /// lacks the property; empty without a discriminator.
    pub tags: Vec<String>,
}

/// A variant of a string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// The Rust name.
    pub name: String,
    /// The wire value.
    pub api_name: String,
}

/// The HTTP methods OpenAPI 3.0 allows on a path item, in the order the document model lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl HttpMethod {
    /// The lower-case name used as a key in the document.
    pub fn key(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Put => "put",
            HttpMethod::Post => "post",
            HttpMethod::Delete => "delete",
            HttpMethod::Options => "options",
            HttpMethod::Head => "head",
            HttpMethod::Patch => "patch",
            HttpMethod::Trace => "trace",
        }
    }
}
