//! Tells the crate whether its generated code has the operations machine authentication is built
//! on. `src/m2m/` (the token verifier and provider) calls the generated `m2m` and `jwks` groups, so
//! it is compiled only when both were generated: the committed client always has them, while a
//! crate generated from another selection or document (as `cargo xtask verify` builds) may not.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(clerk_bapi_machine_auth)");
    println!("cargo::rerun-if-changed=src/generated");
    let generated = Path::new("src/generated");
    if generated.join("m2m.rs").is_file() && generated.join("jwks.rs").is_file() {
        println!("cargo::rustc-cfg=clerk_bapi_machine_auth");
    }
}
