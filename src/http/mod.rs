//! HTTP: the client (with exchange recording, retries and rate limiting),
//! credentials (bearer, Basic, OAuth client credentials, extra headers) and
//! redaction.

pub mod auth;
pub mod client;
pub mod headers;
pub mod oauth;
pub mod retry;
