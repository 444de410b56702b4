//! Reports written to a file at the end of the run. The file is created when
//! the reporter is, so an unwritable path fails before any request is sent.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::record::RunRecord;
use super::{ReportError, Reporter};
use crate::runner::Event;

/// Turns the accumulated run into the file's text.
pub type Render = fn(&RunRecord) -> String;

pub struct FileReporter {
    path: PathBuf,
    file: Option<File>,
    record: RunRecord,
    render: Render,
}

impl FileReporter {
    pub fn create(path: &Path, render: Render) -> Result<FileReporter, ReportError> {
        let file = File::create(path).map_err(|e| ReportError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(FileReporter {
            path: path.to_path_buf(),
            file: Some(file),
            record: RunRecord::default(),
            render,
        })
    }
}

impl Reporter for FileReporter {
    fn on_event(&mut self, event: &Event) {
        self.record.apply(event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let err = |e: std::io::Error| ReportError::Write {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        };
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        let text = (self.render)(&self.record);
        file.write_all(text.as_bytes()).map_err(err)?;
        file.flush().map_err(err)
    }
}
