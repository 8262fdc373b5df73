//! The build script of every crate that compiles the client's sources (`src/lib.rs` here): the
//! client itself, and the crates under `xtask/` whose `[lib] path` is this crate's `src/lib.rs` and
//! that bring generated modules of their own (`CRATES`). loopback-client and fapi-conformance name
//! this file as their `build`; the verify crate's own build script calls [`configure`]. It tells the
//! sources two things:
//!
//! - `clerk_bapi_generated = "<directory>"`: the generated modules are the crate's own
//!   `src/generated/` rather than the client's committed ones (`src/lib.rs` maps each directory
//!   name to its path). A crate under `xtask/` sets it once its `src/generated/mod.rs` exists.
//! - `clerk_bapi_machine_auth`: `src/m2m/` (the token verifier and provider) calls the generated
//!   `m2m` and `jwks` groups, so it is compiled only when both were generated: the committed client
//!   always has them, while code generated from another selection or document may not.

use std::path::Path;

/// The directories, under `xtask/`, of the crates that may bring their own generated modules; each
/// is a value of `clerk_bapi_generated` with a path in `src/lib.rs`.
const CRATES: [&str; 3] = ["verify-crate", "loopback-client", "fapi-conformance"];

/// The client's generated modules, seen from a crate under `xtask/`.
const CLIENT_GENERATED: &str = "../../generated-client/src/generated";

// The verify crate compiles this file as a module of its own build script, which has its own `main`.
#[allow(dead_code)]
fn main() {
    configure();
}

/// Prints the cfgs above for the crate being built (the current directory is its root).
pub fn configure() {
    let values = CRATES.map(|name| format!("{name:?}")).join(", ");
    println!("cargo::rustc-check-cfg=cfg(clerk_bapi_generated, values({values}))");
    println!("cargo::rustc-check-cfg=cfg(clerk_bapi_machine_auth)");
    let own = Path::new("src/generated");
    // A path that does not exist would rerun this on every build: then the crate's directory as a
    // whole, where it will appear.
    println!(
        "cargo::rerun-if-changed={}",
        if own.is_dir() { "src/generated" } else { "." }
    );
    let generated = if std::env::var("CARGO_PKG_NAME").as_deref() == Ok("clerk-bapi") {
        own
    } else if own.join("mod.rs").is_file() {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        let name = Path::new(&dir)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            CRATES.contains(&name.as_str()),
            "{dir} brings generated modules of its own, but generated-client/build.rs does not know \
             it: add its directory to CRATES there and its path to `mod generated` in src/lib.rs"
        );
        println!("cargo::rustc-cfg=clerk_bapi_generated={name:?}");
        own
    } else {
        println!("cargo::rerun-if-changed={CLIENT_GENERATED}");
        Path::new(CLIENT_GENERATED)
    };
    if generated.join("m2m.rs").is_file() && generated.join("jwks.rs").is_file() {
        println!("cargo::rustc-cfg=clerk_bapi_machine_auth");
    }
}
