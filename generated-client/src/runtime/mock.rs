//! The runtime of the test double (feature `test-util`): a loopback server that routes each
//! request to its operation, records it, and answers from typed expectations. The generated
//! `testing` module wraps it in `MockClerk`, with one accessor per group and one method per
//! operation.

mod call;
mod expect;
mod server;

pub use call::{Call, FromFile, FromRaw, Part};
pub use expect::{Answer, Expect};
pub use server::{MOCK_SECRET_KEY, MockServer, Operation};
