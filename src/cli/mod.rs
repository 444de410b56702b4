//! Command-line interface (clap derive) and exit codes.

mod cleanup;
mod connection;
mod coverage;
mod diff;
mod inspect;
mod plan;
mod run;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use connection::ConnectionArgs;

/// Exit codes, stable for CI.
pub mod exit {
    /// Every selected check passed, warned, or was skipped.
    pub const OK: u8 = 0;
    /// At least one check failed (a MUST-level requirement is broken).
    pub const FAILURES: u8 = 1;
    /// Usage, configuration or suite-file error: nothing was run.
    pub const USAGE: u8 = 2;
    /// Target unreachable or credentials rejected during discovery.
    pub const UNREACHABLE: u8 = 3;
    /// Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  no check failed (warnings, skips and errors do not fail a run)
  1  at least one check failed (a MUST-level requirement is broken); with
     --fail-on should, also a warning; with --min-score, the MUST-level
     score is below the minimum instead; with --baseline and
     --fail-on-regression, only a failure the baseline did not have
  2  usage, configuration or suite-file error; nothing was run
  3  target unreachable, or credentials rejected during discovery, or every
     selected check ended as error (could not be tested)
130  interrupted (Ctrl-C, SIGTERM); what the run created was deleted, or is
     listed in the state file for `scimspec cleanup --state FILE`";

#[derive(Debug, Parser)]
#[command(
    name = "scimspec",
    version,
    about = "Conformance tester for SCIM 2.0 service providers (RFC 7643, RFC 7644)",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance checks against a SCIM endpoint.
    #[command(after_help = EXIT_CODES_HELP)]
    Run(Box<RunArgs>),
    /// List the checks with their ids, RFC sections, levels and tags.
    List(ListArgs),
    /// Explain a check: what it does, the requirement, how to fix a failure.
    Explain(ExplainArgs),
    /// Show how many catalogue requirements the checks cover, per RFC section and level.
    Coverage(CoverageArgs),
    /// Start the built-in reference SCIM server (in memory, for tests and demos).
    Serve(ServeArgs),
    /// Print the JSON Schema of the suite file format (or, with --report, of the
    /// JSON report; with --profile, of a profile.yaml).
    Schema(SchemaArgs),
    /// Delete what an interrupted run created and left behind (from its state file).
    #[command(after_help = cleanup::exit_codes_help())]
    Cleanup(Box<cleanup::CleanupArgs>),
    /// Compare two saved JSON reports: new failures, fixed checks, unchanged failures.
    #[command(after_help = DIFF_EXIT_CODES_HELP)]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The JSON report's schema instead of the suite format's.
    #[arg(long, conflicts_with = "profile")]
    pub report: bool,
    /// The profile definition's (profile.yaml) schema instead of the suite format's.
    #[arg(long)]
    pub profile: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report (--report-json).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Count SHOULD-level warnings as failures too.
    #[arg(long, value_enum, default_value_t = FailOn::Must)]
    pub fail_on: FailOn,
    /// Colour output.
    #[arg(long, value_enum, default_value_t = ColorMode::Auto)]
    pub color: ColorMode,
}

const DIFF_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  no new failures
  1  the later report has failures the earlier one did not
  2  a report cannot be read";

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    /// Only failures (broken MUST-level requirements).
    Must,
    /// Failures and warnings (broken SHOULD-level requirements).
    Should,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct SuiteArgs {
    /// Add suites from a YAML/JSON file or a directory (repeatable).
    #[arg(long = "suite", value_name = "PATH")]
    pub suites: Vec<PathBuf>,
    /// Use only the suites given with --suite, not the built-in ones.
    #[arg(long)]
    pub no_builtin: bool,
    /// Select checks: an id glob (`users.*`), `tag:NAME`, `suite:GLOB` or
    /// `section:[RFC/]SECTION` (e.g. `section:7644/3.4.2`). Repeatable.
    #[arg(long, value_name = "SELECTOR")]
    pub only: Vec<String>,
    /// Leave out checks (same selectors as --only). Repeatable.
    #[arg(long, value_name = "SELECTOR")]
    pub skip: Vec<String>,
    /// Which profiles to run: `rfc` (the RFC 7643/7644 suites, the default)
    /// and/or identity-provider profiles such as `entra`. Repeatable;
    /// `scimspec list --profiles` lists them.
    #[arg(long = "profile", value_name = "NAME", default_value = "rfc")]
    pub profile: Vec<String>,
}

impl SuiteArgs {
    /// Loads the suites, keeps those of the chosen profiles, and applies
    /// --only/--skip. Errors are printed; the exit code is returned.
    pub fn load(
        &self,
    ) -> Result<
        (
            Vec<crate::suite::LoadedSuite>,
            crate::suite::profile::Profiles,
        ),
        u8,
    > {
        let (suites, profiles) =
            crate::suite::loader::load_all_with_profiles(&self.suites, !self.no_builtin)
                .map_err(suite_error)?;
        let known = profiles.names();
        for name in &self.profile {
            if !known.contains(name) {
                return Err(usage_error(format!(
                    "unknown profile {name:?}; known: {}",
                    known.join(", ")
                )));
            }
        }
        let selection = crate::runner::selection::Selection::new(&self.only, &self.skip)
            .map_err(usage_error)?;
        let suites = suites
            .into_iter()
            .filter(|suite| self.profile.iter().any(|p| p == suite.profile_name()))
            .collect();
        Ok((selection.apply(suites), profiles))
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Base URL of the SCIM service provider, e.g. https://example.com/scim/v2.
    /// Without it, the built-in reference server is started on 127.0.0.1 and
    /// tested.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub suites: SuiteArgs,
    /// How many suites run concurrently (checks within a suite run in order).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Send no request that could change data: run only the checks that read
    /// (GET, and POST to /.search). For live tenants.
    #[arg(long)]
    pub read_only: bool,
    /// What makes the run fail (exit 1): a broken MUST, or also a broken SHOULD.
    #[arg(long, value_enum, default_value_t = FailOn::Must)]
    pub fail_on: FailOn,
    /// Also exit 1 when a check could not be tested (verdict `error`), e.g.
    /// because the endpoint broke a request that set up the check.
    #[arg(long)]
    pub fail_on_error: bool,
    /// Judge MUST-level results by score: exit 1 only when fewer than PCT
    /// percent of the judged MUST-level checks pass (instead of on any failure).
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_score: Option<u8>,
    /// Write the JSON report to this file (schema: docs/report.schema.json).
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Write a JUnit XML report to this file (one testcase per check).
    #[arg(long, value_name = "FILE")]
    pub report_junit: Option<PathBuf>,
    /// Write a TAP version 14 report to this file.
    #[arg(long, value_name = "FILE")]
    pub report_tap: Option<PathBuf>,
    /// Write a Markdown report to this file (for pull requests and $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    pub report_md: Option<PathBuf>,
    /// Write a self-contained HTML report to this file (opens offline, prints).
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Compare with a JSON report saved earlier: list new failures, fixed
    /// checks and unchanged failures.
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: exit 1 only for new failures, not for failures the
    /// baseline already had.
    #[arg(long, requires = "baseline")]
    pub fail_on_regression: bool,
    /// Record every resource the run creates in this file, as it is created
    /// (default: a file in the temp directory, removed when the run leaves
    /// nothing behind). `scimspec cleanup --state FILE` deletes what a killed
    /// run left.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// At most this many resources created by the run exist at once; a
    /// check that could exceed it is skipped with that reason.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_resources: usize,
    /// Print the requests each selected check would send, and send none.
    #[arg(long)]
    pub dry_run: bool,
    /// More detail: -v shows failing exchanges, -vv every exchange.
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only show checks that did not pass, and the summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour output.
    #[arg(long, value_enum, default_value_t = ColorMode::Auto)]
    pub color: ColorMode,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Also consider suites from this file or directory (repeatable).
    #[arg(long = "suite", value_name = "PATH")]
    pub suites: Vec<PathBuf>,
    /// Use only the suites given with --suite.
    #[arg(long)]
    pub no_builtin: bool,
    /// List every testable requirement no check covers.
    #[arg(long)]
    pub uncovered: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Bearer token clients must send (this is the test server's own secret;
    /// without it a random one is generated and printed).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Switch on a fault (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Create this many users at start (seed-000001, ...).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed_users: usize,
    /// List the fault switches with the RFC section each breaks, and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Log one line per request.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub suites: SuiteArgs,
    /// List the profiles (rfc and the identity-provider profiles) instead of checks.
    #[arg(long)]
    pub profiles: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check id, e.g. users.create.status
    pub check_id: String,
    /// Also consider suites from this file or directory (repeatable).
    #[arg(long = "suite", value_name = "PATH")]
    pub suites: Vec<PathBuf>,
}

/// Parses the command line and runs the command; returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        Command::Run(_) | Command::Serve(_) | Command::Cleanup(_)
    ) {
        exit_quietly_on_closed_pipe();
    }
    let code = match cli.command {
        Command::Run(args) => run::execute(*args),
        Command::List(args) => inspect::list(&args),
        Command::Explain(args) => inspect::explain(&args),
        Command::Serve(args) => serve::execute(args),
        Command::Coverage(args) => coverage::coverage(&args),
        Command::Schema(args) => {
            if args.report {
                print!("{}", crate::report::document::report_schema_json());
            } else if args.profile {
                print!("{}", crate::suite::schema::profile_schema_json());
            } else {
                print!("{}", crate::suite::schema::suite_schema_json());
            }
            exit::OK
        }
        Command::Diff(args) => diff::execute(&args),
        Command::Cleanup(args) => cleanup::execute(&args),
    };
    ExitCode::from(code)
}

/// `scimspec list | head`: end quietly when the reader goes away, as Unix
/// tools do, instead of panicking in println!. Not for `run`, `serve` or
/// `cleanup`: they must finish their cleanup whatever happens to stdout.
fn exit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any
    // thread is started; no handler code is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Prints a usage/configuration error and returns exit code 2.
fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("scimspec: error: {message}");
    exit::USAGE
}

/// Prints a suite-file error with its source excerpt and returns exit code 2.
fn suite_error(err: crate::suite::SuiteError) -> u8 {
    // The report's first line is `file:line:col: message`; a snippet follows.
    eprintln!("{:?}", miette::Report::new(err));
    exit::USAGE
}
