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

/// Where in a document a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorLocation {
    /// The whole document is at fault (it is empty, say): no place to point at.
    Document,
    /// A JSON pointer (RFC 6901) into the document, such as `/paths/~1machines/get`.
    Pointer(String),
    /// An operation, by its operationId.
    Operation(String),
    /// A line and column of the text, both counted from 1.
    LineColumn {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// A byte offset into the text, counted from 0.
    Byte(usize),
}

impl fmt::Display for ErrorLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorLocation::Document => Ok(()),
            ErrorLocation::Pointer(pointer) => f.write_str(pointer),
            ErrorLocation::Operation(id) => write!(f, "operation {id}"),
            ErrorLocation::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            ErrorLocation::Byte(offset) => write!(f, "byte {offset}"),
        }
    }
}

/// A JSON pointer, as most locations are.
impl From<String> for ErrorLocation {
    fn from(pointer: String) -> Self {
        ErrorLocation::Pointer(pointer)
    }
}

/// A JSON pointer, as most locations are.
impl From<&str> for ErrorLocation {
    fn from(pointer: &str) -> Self {
        ErrorLocation::Pointer(pointer.to_owned())
    }
}

/// A JSON pointer, as most locations are.
impl From<&String> for ErrorLocation {
    fn from(pointer: &String) -> Self {
        ErrorLocation::Pointer(pointer.clone())
    }
}

/// A problem in the input document, located precisely enough to find and fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
    file: String,
    location: ErrorLocation,
    message: String,
}

impl Error {
    /// Creates an error about `file` at `location`: a [`ErrorLocation`], or a JSON pointer given as a
    /// string (`/paths/~1machines/get`).
    pub fn new(
        kind: ErrorKind,
        file: impl Into<String>,
        location: impl Into<ErrorLocation>,
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

    /// Where in the document.
    pub fn location(&self) -> &ErrorLocation {
        &self.location
    }

    /// What is wrong, without the file and location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location == ErrorLocation::Document {
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
