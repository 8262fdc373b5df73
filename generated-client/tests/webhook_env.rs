//! `Webhook::from_env`, in its own test binary because it changes the process environment, which
//! tests running in parallel threads of one binary would race on.

use clerk_bapi::webhooks::{SIGNING_SECRET_ENV, Webhook, WebhookError};

/// One test only, so that no other thread of this binary reads the environment meanwhile.
#[test]
fn from_env_reads_clerk_webhook_signing_secret() {
    assert_eq!(SIGNING_SECRET_ENV, "CLERK_WEBHOOK_SIGNING_SECRET");
    // SAFETY: this binary runs this single test, so no other thread reads or writes the
    // environment while it is changed.
    unsafe { std::env::remove_var(SIGNING_SECRET_ENV) };
    let err = Webhook::from_env().unwrap_err();
    assert!(matches!(err, WebhookError::MissingSecret { .. }), "{err:?}");
    assert!(err.to_string().contains(SIGNING_SECRET_ENV), "{err}");

    // SAFETY: as above.
    unsafe { std::env::set_var(SIGNING_SECRET_ENV, "whsec_SECRET!VALUE") };
    let err = Webhook::from_env().unwrap_err();
    assert!(
        matches!(err, WebhookError::MalformedSecret { .. }),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("VALUE"), "{err}");

    // SAFETY: as above.
    unsafe {
        std::env::set_var(
            SIGNING_SECRET_ENV,
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
        )
    };
    let webhook = Webhook::from_env().unwrap();
    assert_eq!(
        webhook.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#
        ),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );

    // SAFETY: as above.
    unsafe { std::env::remove_var(SIGNING_SECRET_ENV) };
}
