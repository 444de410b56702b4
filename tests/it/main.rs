//! The one integration-test binary (link time matters on small machines).

mod cli;
mod docs;
mod faults;
mod hostile;
mod interop;
mod modes;
mod reference_server;
mod reports;
mod safety;
mod scimmy;
mod support;
mod transport;
