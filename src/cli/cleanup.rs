//! `scimspec cleanup --state FILE`: deletes what an interrupted run created
//! and did not delete, exactly the resources its state file lists.

use std::path::PathBuf;

use clap::Args;

use super::connection::{ConnectionArgs, build_client, credentials};
use super::{exit, usage_error};
use crate::runner::ledger::{Removal, append_deleted, delete_if_ours, deletion_order, read_state};

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// The state file of the run to finish cleaning up after (its path was
    /// printed when the run started).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

const CLEANUP_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  nothing the run created is left
  1  some resources could not be deleted (they stay listed in the state file)
  2  the state file cannot be read, or a usage error";

pub fn exit_codes_help() -> &'static str {
    CLEANUP_EXIT_CODES_HELP
}

pub fn execute(args: &CleanupArgs) -> u8 {
    let saved = match read_state(&args.state) {
        Ok(saved) => saved,
        Err(err) => return usage_error(err),
    };
    if saved.live.is_empty() {
        println!(
            "Nothing to clean up: run {} left nothing on {}.",
            saved.run_id, saved.target
        );
        return exit::OK;
    }
    let credentials = match credentials(&args.connection) {
        Ok(credentials) => credentials,
        Err(err) => return usage_error(err),
    };
    let client = match build_client(&saved.target, credentials, &args.connection) {
        Ok(client) => client,
        Err(err) => return usage_error(err),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return usage_error(format!("cannot start the async runtime: {err}")),
    };
    println!(
        "Deleting {} resource(s) run {} created on {}:",
        saved.live.len(),
        saved.run_id,
        saved.target
    );
    let mut failed = 0;
    for entry in deletion_order(saved.live) {
        match runtime.block_on(delete_if_ours(&client, &entry.url, &saved.run_id)) {
            Ok(removal) => {
                match removal {
                    Removal::Deleted => println!("  deleted {}", entry.url),
                    Removal::AlreadyGone => println!("  already gone {}", entry.url),
                }
                if let Err(err) = append_deleted(&args.state, &entry.url) {
                    eprintln!("scimspec: warning: {err}");
                }
            }
            Err(reason) => {
                failed += 1;
                println!(
                    "  NOT deleted {}: {}",
                    entry.url,
                    client.redactor().redact(&reason)
                );
            }
        }
    }
    if failed == 0 {
        exit::OK
    } else {
        eprintln!(
            "scimspec: {failed} resource(s) could not be deleted; run this command again later"
        );
        exit::FAILURES
    }
}
