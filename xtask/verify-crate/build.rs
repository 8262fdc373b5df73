//! Points the client's `generated` module at this crate's `src/generated/` once `cargo xtask verify`
//! has filled it (the client's build script, as every crate compiling the client's sources runs
//! it), and turns `examples.json` (written by the same run) into the table of types the round-trip
//! test decodes the examples into: one entry per distinct type, not per example.

use std::fmt::Write as _;
use std::path::Path;

#[path = "../../generated-client/build.rs"]
mod client;

fn main() {
    client::configure();
    // The crate's directory as a whole: a file that does not exist yet would rerun this every time.
    println!("cargo::rerun-if-changed=.");
    let mut types = std::collections::BTreeSet::new();
    if let Ok(text) = std::fs::read_to_string("examples.json") {
        let examples: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|err| panic!("examples.json: {err}"));
        for example in examples.as_array().into_iter().flatten() {
            if let Some(rust_type) = example.get("rust_type").and_then(|t| t.as_str()) {
                types.insert(rust_type.to_owned());
            }
        }
    }
    let mut table = String::from("round_trip_types! {\n");
    for rust_type in types {
        // The generator writes types as seen from inside the client crate; the test is outside it.
        let outside: Vec<&str> = rust_type
            .split(' ')
            .map(|token| {
                if token == "crate" {
                    "clerk_bapi_verify"
                } else {
                    token
                }
            })
            .collect();
        let _ = writeln!(table, "    {rust_type:?} => {},", outside.join(" "));
    }
    table.push_str("}\n");
    let out = std::env::var("OUT_DIR").unwrap_or_else(|err| panic!("OUT_DIR: {err}"));
    std::fs::write(Path::new(&out).join("round_trip_types.rs"), table)
        .unwrap_or_else(|err| panic!("cannot write the type table: {err}"));
}
