//! The crate xtask/loopback-client (the client runtime with the code generated from
//! tests/fixtures/security_and_servers.yml, exercised over loopback HTTP by its own tests) holds
//! what today's generator makes of that fixture. After a change to the generator, rewrite it with
//! `UPDATE_LOOPBACK=1 cargo test -p clerk-bapi-generator --test loopback_client` and review the diff.

use std::collections::BTreeSet;
use std::path::Path;

use generator::{Selection, Source, generate};

/// The environment variable that makes [`loopback_client_is_up_to_date`] rewrite the files.
const UPDATE: &str = "UPDATE_LOOPBACK";

#[test]
fn loopback_client_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = root.join("tests/fixtures/security_and_servers.yml");
    let bytes = std::fs::read(&document).expect("the fixture is readable");
    let output = generate(
        Source {
            name: "tests/fixtures/security_and_servers.yml",
            bytes: &bytes,
        },
        &Selection::All,
    )
    .expect("the fixture generates");
    let src = root.join("../xtask/loopback-client/src");
    let update = std::env::var_os(UPDATE).is_some();
    let mut expected = BTreeSet::new();
    let mut stale = Vec::new();
    for (path, contents) in &output.files {
        expected.insert(path.clone());
        let file = src.join(path);
        if std::fs::read_to_string(&file).ok().as_deref() != Some(contents.as_str()) {
            if update {
                std::fs::write(&file, contents).expect("can write a generated file");
            } else {
                stale.push(path.clone());
            }
        }
    }
    for entry in std::fs::read_dir(src.join("generated"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = format!("generated/{}", entry.file_name().to_string_lossy());
        if !expected.contains(&path) {
            if update {
                std::fs::remove_file(entry.path()).expect("can remove an orphan");
            } else {
                stale.push(format!("{path} (orphan)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "xtask/loopback-client/src/generated is out of date ({}); run `{UPDATE}=1 cargo test -p clerk-bapi-generator --test loopback_client`",
        stale.join(", ")
    );
}
