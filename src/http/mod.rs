//! HTTP: the client (with exchange recording) and credentials/redaction.

pub mod auth;
pub mod client;
