//! `Client::from_env`, in its own test binary because it changes the process environment, which
//! tests running in parallel threads of one binary would race on.

use clerk_bapi::{Client, Error};

const VAR: &str = "CLERK_SECRET_KEY";

/// One test only, so that no other thread of this binary reads the environment meanwhile.
#[test]
fn from_env_reads_clerk_secret_key() {
    // SAFETY: this binary runs this single test, so no other thread reads or writes the
    // environment while it is changed.
    unsafe { std::env::remove_var(VAR) };
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains(VAR),
        "the error names the variable: {err}"
    );

    // SAFETY: as above.
    unsafe { std::env::set_var(VAR, "   ") };
    let err = Client::from_env().unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");

    // SAFETY: as above.
    unsafe { std::env::set_var(VAR, "sk_test_SECRET\nVALUE123") };
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("VALUE123"), "{err}");

    // SAFETY: as above.
    unsafe { std::env::set_var(VAR, "sk_test_SECRETVALUE123\n") };
    let client = Client::from_env().unwrap();
    assert!(!format!("{client:?}").contains("SECRETVALUE"));

    // SAFETY: as above.
    unsafe { std::env::remove_var(VAR) };
}
