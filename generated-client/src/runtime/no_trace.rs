//! What `trace.rs` offers, doing nothing: the client built without the `tracing` feature.

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

use super::request::Request;
use crate::error::Error;

/// Stands for the span of a call; holds and records nothing.
pub(super) struct CallTrace;

impl CallTrace {
    pub(super) fn new(_: &Request) -> Self {
        Self
    }

    pub(super) fn instrument<F: std::future::Future>(&self, future: F) -> F {
        future
    }

    pub(super) fn url(&self, _: &Request, _: &Url) {}

    pub(super) fn response(&self, _: StatusCode, _: &HeaderMap) {}

    pub(super) fn retry(&self, _: &Error, _: std::time::Duration, _: u32) {}

    pub(super) fn finish<T>(&self, _: &Result<T, Error>) {}
}
