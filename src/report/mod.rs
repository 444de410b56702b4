//! Reporters: renderings of the runner's events. They never drive the run.

pub mod baseline;
pub mod document;
pub mod file;
pub mod grouping;
pub mod html;
pub mod json;
pub mod junit;
pub mod latency;
pub mod markdown;
#[cfg(test)]
mod proptests;
pub mod record;
pub mod tap;
pub mod terminal;

use crate::runner::Event;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write report {path}: {reason}")]
    Write { path: String, reason: String },
}

pub trait Reporter {
    fn on_event(&mut self, event: &Event);
    /// Called once after the last event.
    fn finish(&mut self) -> Result<(), ReportError>;
}
