//! The generator's one error type: what went wrong, in which file, and where in it.

use std::fmt;

/// What kind of problem stopped the generator. Stable, so callers and tests can match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The document has no content.
    Empty,
    /// The bytes are not valid UTF-8, YAML or JSON.
    Syntax,
    /// The document is valid YAML but not an OpenAPI 3.0.x document.
    NotOpenApi,
    /// A known field holds a value of the wrong type.
    WrongType,
    /// A `$ref` points at nothing.
    DanglingRef,
    /// A chain of `$ref`s leads back to itself without ever reaching a definition.
    RefCycle,
    /// Two operations share an operationId.
    DuplicateOperationId,
    /// A path template names a parameter the operation does not declare, or the reverse.
    UndeclaredPathParameter,
    /// Two names become the same Rust identifier after conversion.
    NameCollision,
    /// The document nests deeper than any real document would.
    TooDeep,
    /// The selection matches no operation.
    EmptySelection,
    /// The document uses a construct the generator cannot express.
    Unsupported,
    /// The generator produced code that does not parse: a bug in the generator, not in the input.
    Internal,
}

/// A problem in the input document, located precisely enough to find and fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
    file: String,
    location: String,
    message: String,
}

impl Error {
    /// Creates an error about `file` at `location` (a JSON pointer such as `/paths/~1machines/get`,
    /// or `operation ListMachines`; empty when the whole document is at fault).
    pub fn new(
        kind: ErrorKind,
        file: impl Into<String>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error {
            kind,
            file: file.into(),
            location: location.into(),
            message: message.into(),
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The document the problem is in.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where in the document: a JSON pointer or an operationId, possibly empty.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// What is wrong, without the file and location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: at {}: {}", self.file, self.location, self.message)
        }
    }
}

/// Escapes one JSON pointer token (RFC 6901): `~` becomes `~0` and `/` becomes `~1`.
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
