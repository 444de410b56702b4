//! The ledger of everything a run created on the target: recorded the moment
//! the server confirms a create, appended to the state file at once, and
//! swept at the end of the run (or by `scimspec cleanup --state FILE`), so
//! scimspec only ever deletes what it created itself.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::client::{HttpClient, OutgoingRequest};

/// Version of the state file format (its first line says which).
const STATE_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot write state file {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("cannot read state file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not a scimspec state file: {reason}")]
    Format { path: String, reason: String },
}

/// One line of the state file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum StateLine {
    /// The first line: which run, against which target.
    Run {
        scimspec_state: u32,
        target: String,
        run_id: String,
        started: String,
    },
    Created {
        /// The resource's URL as the server gave it (or as built from its id).
        url: String,
        /// The endpoint segment, e.g. `Users`.
        endpoint: String,
        check: String,
    },
    Deleted {
        url: String,
    },
}

/// A resource the run created and has not seen deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub url: String,
    pub endpoint: String,
    pub check: String,
}

#[derive(Default)]
struct State {
    live: Vec<Created>,
    created_total: usize,
    /// Creates promised to checks that are running (see `reserve`).
    reserved: usize,
    file: Option<File>,
    write_error: Option<String>,
}

pub struct Ledger {
    state: Mutex<State>,
    path: Option<PathBuf>,
    base_path: String,
    max_live: usize,
}

/// What the end-of-run sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepOutcome {
    /// URLs deleted (or already gone) in the sweep.
    pub deleted: Vec<String>,
    /// URLs that could not be deleted, with why.
    pub failed: Vec<(String, String)>,
}

impl Ledger {
    /// A ledger for a run against `target`. With a `path`, every entry is
    /// appended to that state file as it happens.
    pub fn new(
        target: &str,
        run_id: &str,
        path: Option<&Path>,
        max_live: usize,
    ) -> Result<Ledger, LedgerError> {
        let mut state = State::default();
        if let Some(path) = path {
            let mut file = File::create(path).map_err(|e| LedgerError::Write {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let header = StateLine::Run {
                scimspec_state: STATE_VERSION,
                target: target.to_string(),
                run_id: run_id.to_string(),
                started: chrono::Utc::now().to_rfc3339(),
            };
            write_line(&mut file, &header).map_err(|reason| LedgerError::Write {
                path: path.display().to_string(),
                reason,
            })?;
            state.file = Some(file);
        }
        Ok(Ledger {
            state: Mutex::new(state),
            path: path.map(Path::to_path_buf),
            base_path: url_path(target).unwrap_or_default(),
            max_live,
        })
    }

    /// A ledger without a state file (for the embedded server and for tests).
    pub fn in_memory(target: &str, max_live: usize) -> Ledger {
        Ledger {
            state: Mutex::new(State::default()),
            path: None,
            base_path: url_path(target).unwrap_or_default(),
            max_live,
        }
    }

    pub fn state_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another check panicked mid-update; the
        // list itself is still the best record of what exists.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Promises room for `count` creates, or says why not. The promise is
    /// kept until `release`.
    pub fn reserve(&self, count: usize) -> Result<(), String> {
        if count == 0 {
            return Ok(());
        }
        let mut state = self.lock();
        let in_use = state.live.len() + state.reserved;
        if in_use + count > self.max_live {
            return Err(format!(
                "it creates up to {count} resource(s); with {in_use} in use the run would exceed --max-resources {}",
                self.max_live
            ));
        }
        state.reserved += count;
        Ok(())
    }

    pub fn release(&self, count: usize) {
        let mut state = self.lock();
        state.reserved = state.reserved.saturating_sub(count);
    }

    /// Records a resource the server confirmed it created.
    pub fn created(&self, url: &str, check: &str) {
        let entry = Created {
            url: url.to_string(),
            endpoint: self.endpoint_of(url),
            check: check.to_string(),
        };
        let mut state = self.lock();
        if state.live.iter().any(|c| same_resource(&c.url, url)) {
            return;
        }
        state.created_total += 1;
        let line = StateLine::Created {
            url: entry.url.clone(),
            endpoint: entry.endpoint.clone(),
            check: entry.check.clone(),
        };
        append(&mut state, &line);
        state.live.push(entry);
    }

    /// Records that a resource is gone (deleted, or answered 404 to DELETE).
    pub fn deleted(&self, url: &str) {
        let mut state = self.lock();
        let before = state.live.len();
        state.live.retain(|c| !same_resource(&c.url, url));
        if state.live.len() != before {
            append(
                &mut state,
                &StateLine::Deleted {
                    url: url.to_string(),
                },
            );
        }
    }

    pub fn live(&self) -> Vec<Created> {
        self.lock().live.clone()
    }

    pub fn created_total(&self) -> usize {
        self.lock().created_total
    }

    /// Why the state file could not be kept up to date, if it could not.
    pub fn write_error(&self) -> Option<String> {
        self.lock().write_error.clone()
    }

    /// `Users` for `<base>/Users/<id>`.
    fn endpoint_of(&self, url: &str) -> String {
        let path = url_path(url).unwrap_or_else(|| url.to_string());
        let rest = path.strip_prefix(&self.base_path).unwrap_or(&path);
        rest.trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Deletes every resource the run created and has not seen deleted:
    /// other resource types (Groups, which reference Users) before Users,
    /// newest first within a type.
    pub async fn sweep(&self, client: &HttpClient, run_id: &str) -> SweepOutcome {
        let mut outcome = SweepOutcome::default();
        for entry in deletion_order(self.live()) {
            match delete_if_ours(client, &entry.url, run_id).await {
                // Already gone: the check deleted it under another spelling
                // of its URL; nothing was left behind.
                Ok(Removal::AlreadyGone) => self.deleted(&entry.url),
                Ok(Removal::Deleted) => {
                    self.deleted(&entry.url);
                    outcome.deleted.push(entry.url);
                }
                Err(reason) => outcome.failed.push((entry.url, reason)),
            }
        }
        outcome
    }
}

/// Deletes `url` only if the resource there still carries the run id in
/// its representation (every name scimspec gives contains it): a server that
/// answered a create with the location of someone else's resource must not
/// make scimspec delete that. Gone already (404) counts as deleted.
/// What deleting a leftover came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    AlreadyGone,
}

pub async fn delete_if_ours(
    client: &HttpClient,
    url: &str,
    run_id: &str,
) -> Result<Removal, String> {
    let request = OutgoingRequest {
        method: "GET".to_string(),
        path: url.to_string(),
        ..OutgoingRequest::default()
    };
    let (_, response) = client.send(&request).await;
    match response {
        Ok(response) if response.status == 404 => return Ok(Removal::AlreadyGone),
        Ok(response) if (200..300).contains(&response.status) => {
            if !response.body_text.contains(run_id) {
                return Err(format!(
                    "left alone: it does not carry this run's id ({run_id}), so scimspec may not have created it"
                ));
            }
        }
        Ok(response) => return Err(format!("GET answered {}", response.status)),
        Err(err) => return Err(err.to_string()),
    }
    delete(client, url).await.map(|()| Removal::Deleted)
}

/// Sends DELETE for `url`; gone already (404) counts as deleted.
pub async fn delete(client: &HttpClient, url: &str) -> Result<(), String> {
    let request = OutgoingRequest {
        method: "DELETE".to_string(),
        path: url.to_string(),
        ..OutgoingRequest::default()
    };
    let (_, response) = client.send(&request).await;
    match response {
        Ok(response) if (200..300).contains(&response.status) || response.status == 404 => Ok(()),
        Ok(response) => Err(format!("DELETE answered {}", response.status)),
        Err(err) => Err(err.to_string()),
    }
}

/// Groups and other types first (they may reference Users), then Users;
/// newest first within each.
pub fn deletion_order(mut live: Vec<Created>) -> Vec<Created> {
    live.reverse();
    live.sort_by_key(|c| c.endpoint.eq_ignore_ascii_case("Users"));
    live
}

fn append(state: &mut State, line: &StateLine) {
    if let Some(file) = state.file.as_mut()
        && let Err(reason) = write_line(file, line)
    {
        state.write_error.get_or_insert(reason);
    }
}

fn write_line(file: &mut File, line: &StateLine) -> Result<(), String> {
    let mut text = serde_json::to_string(line).map_err(|e| e.to_string())?;
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_data())
        .map_err(|e| e.to_string())
}

/// The path of a URL (or of a path), without a trailing slash.
fn url_path(url: &str) -> Option<String> {
    let path = match url::Url::parse(url) {
        Ok(parsed) => parsed.path().to_string(),
        Err(_) => url.split(['?', '#']).next()?.to_string(),
    };
    Some(path.trim_end_matches('/').to_string())
}

/// Two URLs name the same resource when their paths agree (the server may
/// give absolute locations while scimspec requests relative paths).
fn same_resource(a: &str, b: &str) -> bool {
    match (url_path(a), url_path(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Where a successful create left the new resource: the Location header,
/// else meta.location, else the request path plus the id.
pub fn created_location(
    request_url: &str,
    location_header: Option<&str>,
    body: Option<&Value>,
) -> Option<String> {
    if let Some(location) = location_header.filter(|l| !l.trim().is_empty()) {
        return Some(location.trim().to_string());
    }
    let body = body?;
    if let Some(location) = body
        .pointer("/meta/location")
        .and_then(Value::as_str)
        .filter(|l| !l.trim().is_empty())
    {
        return Some(location.to_string());
    }
    let id = body.get("id").and_then(Value::as_str)?;
    let base = request_url.split('?').next()?.trim_end_matches('/');
    Some(format!("{base}/{id}"))
}

/// A state file read back: the run it belongs to and what is still live.
#[derive(Debug, Clone)]
pub struct SavedState {
    pub target: String,
    pub run_id: String,
    pub live: Vec<Created>,
}

/// Reads a state file; a partly written last line (the run was killed
/// mid-write) is ignored.
pub fn read_state(path: &Path) -> Result<SavedState, LedgerError> {
    let file = File::open(path).map_err(|e| LedgerError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let format = |reason: String| LedgerError::Format {
        path: path.display().to_string(),
        reason,
    };
    let mut lines = BufReader::new(file).lines();
    let first = lines
        .next()
        .ok_or_else(|| format("empty".to_string()))?
        .map_err(|e| format(e.to_string()))?;
    let (target, run_id) = match serde_json::from_str::<StateLine>(&first) {
        Ok(StateLine::Run {
            scimspec_state: STATE_VERSION,
            target,
            run_id,
            ..
        }) => (target, run_id),
        Ok(StateLine::Run { scimspec_state, .. }) => {
            return Err(format(format!(
                "state format {scimspec_state}; this scimspec reads {STATE_VERSION}"
            )));
        }
        _ => return Err(format("the first line is not a run header".to_string())),
    };
    let mut live: Vec<Created> = Vec::new();
    for line in lines {
        let Ok(line) = line else { break };
        match serde_json::from_str::<StateLine>(&line) {
            Ok(StateLine::Created {
                url,
                endpoint,
                check,
            }) => {
                if !live.iter().any(|c| same_resource(&c.url, &url)) {
                    live.push(Created {
                        url,
                        endpoint,
                        check,
                    });
                }
            }
            Ok(StateLine::Deleted { url }) => live.retain(|c| !same_resource(&c.url, &url)),
            Ok(StateLine::Run { .. }) | Err(_) => {}
        }
    }
    Ok(SavedState {
        target,
        run_id,
        live,
    })
}

/// Appends a deletion to an existing state file (used by `scimspec cleanup`).
pub fn append_deleted(path: &Path, url: &str) -> Result<(), LedgerError> {
    let mut file = OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| LedgerError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    write_line(
        &mut file,
        &StateLine::Deleted {
            url: url.to_string(),
        },
    )
    .map_err(|reason| LedgerError::Write {
        path: path.display().to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_state_file_follows_every_create_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.jsonl");
        let ledger = Ledger::new("http://h/v2", "r1", Some(&path), 10).unwrap();
        ledger.created("http://h/v2/Users/1", "c.a");
        ledger.created("http://h/v2/Groups/g", "c.b");
        ledger.created("/v2/Users/2", "c.c");
        // Requests go to the path; the server gave an absolute location.
        ledger.deleted("http://h/v2/Users/2");
        let saved = read_state(&path).unwrap();
        assert_eq!(saved.target, "http://h/v2");
        assert_eq!(saved.run_id, "r1");
        let urls: Vec<&str> = saved.live.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(urls, ["http://h/v2/Users/1", "http://h/v2/Groups/g"]);
        assert_eq!(ledger.created_total(), 3);

        // Groups go first, and a killed run's torn last line is ignored.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"crea")
            .unwrap();
        let order: Vec<String> = deletion_order(read_state(&path).unwrap().live)
            .into_iter()
            .map(|c| c.endpoint)
            .collect();
        assert_eq!(order, ["Groups", "Users"]);
        append_deleted(&path, "http://h/v2/Groups/g").unwrap();
    }

    #[test]
    fn reservations_cap_live_resources() {
        let ledger = Ledger::new("http://h/v2", "r", None, 3).unwrap();
        ledger.reserve(2).unwrap();
        ledger.created("http://h/v2/Users/1", "c");
        assert!(ledger.reserve(2).is_err(), "1 live + 2 reserved + 2 > 3");
        ledger.release(2);
        ledger.reserve(2).unwrap();
    }

    #[test]
    fn locations_come_from_the_header_the_body_or_the_id() {
        let body = json!({"id": "7", "meta": {"location": "http://h/v2/Users/7"}});
        assert_eq!(
            created_location(
                "http://h/v2/Users",
                Some("http://h/v2/Users/x"),
                Some(&body)
            ),
            Some("http://h/v2/Users/x".into())
        );
        assert_eq!(
            created_location("http://h/v2/Users", None, Some(&body)),
            Some("http://h/v2/Users/7".into())
        );
        assert_eq!(
            created_location("http://h/v2/Users?x=1", None, Some(&json!({"id": "8"}))),
            Some("http://h/v2/Users/8".into())
        );
        assert_eq!(created_location("http://h/v2/Users", None, None), None);
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, "{\"version\": 1}\n").unwrap();
        assert!(matches!(read_state(&path), Err(LedgerError::Format { .. })));
    }
}
