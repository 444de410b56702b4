//! scimspec: a conformance tester for SCIM 2.0 service providers.
//!
//! Layout: `cli` (commands), `suite` (declarative model and loader),
//! `engine` (runs a check), `scim` (SCIM knowledge), `http` (client, auth),
//! `runner` (discovery, scheduling, events), `report` (renderings of events).

pub mod cli;
pub mod engine;
#[cfg(test)]
mod fuzzing;
pub mod http;
pub mod report;
pub mod runner;
pub mod scim;
pub mod server;
pub mod suite;
pub mod verdict;
