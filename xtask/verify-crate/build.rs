//! Points the client's `generated` module at this crate's `src/generated/` once `cargo xtask verify`
//! has filled it (and, unfilled, builds the client's machine authentication on its committed
//! modules, as the client's own build script does), and turns `examples.json` (written by the same run) into the table of types the
//! round-trip test decodes the examples into: one entry per distinct type, not per example.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // The crate's directory as a whole: a file that does not exist yet would rerun this every time.
    println!("cargo::rerun-if-changed=.");
    let filled = Path::new("src/generated");
    let generated = if filled.join("mod.rs").is_file() {
        println!("cargo::rustc-cfg=clerk_bapi_verify");
        filled
    } else {
        Path::new("../../generated-client/src/generated")
    };
    // As the client crate's build script does: its machine authentication (`src/m2m/`) is built
    // on the generated `m2m` and `jwks` groups, so it is compiled only when both were generated.
    println!("cargo::rustc-check-cfg=cfg(clerk_bapi_machine_auth)");
    if generated.join("m2m.rs").is_file() && generated.join("jwks.rs").is_file() {
        println!("cargo::rustc-cfg=clerk_bapi_machine_auth");
    }
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
