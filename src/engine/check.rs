//! Runs one check: conditions, steps with captures and expectations, cleanup.

use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{Map, Value};

use super::burst::{BurstAnswer, BurstProblem, BurstTally, scheduled_offset};
use super::template::{Context, TemplateError};
use super::{Mismatch, includes, matchers, path, predicate};
use crate::http::client::{Exchange, HttpClient, OutgoingRequest, Response};
use crate::runner::ledger::{Ledger, created_location};
use crate::scim::discovery::{ConditionOutcome, Discovery};
use crate::scim::schema::SchemaRegistry;
use crate::suite::model::{
    Burst, Expect, Request, RetryUntil, Severity, SkipWhen, StatusSet, Step,
};
use crate::suite::{LoadedCheck, LoadedSuite};
use crate::verdict::{CheckResult, Measurement, StepFailure, Verdict};

/// What a check runs against.
pub struct CheckEnv<'a> {
    pub client: &'a HttpClient,
    pub discovery: &'a Discovery,
    pub run_id: &'a str,
    /// Everything the run created, so it can always be cleaned up.
    pub ledger: &'a Ledger,
}

const EXCERPT_CHARS: usize = 600;

pub async fn run_check(
    env: &CheckEnv<'_>,
    suite: &LoadedSuite,
    loaded: &LoadedCheck,
    order: (usize, usize),
) -> CheckResult {
    let started = Instant::now();
    let check = &loaded.check;
    let mut tags = suite.tags.clone();
    tags.extend(check.tags.iter().cloned());
    let mut result = CheckResult {
        id: check.id.clone(),
        title: check.title.clone(),
        suite: suite.id.clone(),
        tags,
        verdict: Verdict::Pass,
        requirements: loaded.requirements.clone(),
        message: String::new(),
        failure: None,
        fix: check.fix.clone(),
        cleanup_notes: Vec::new(),
        duration_ms: 0,
        exchanges: Vec::new(),
        measurements: Vec::new(),
        order,
    };

    for condition in suite.requires.iter().chain(&check.requires) {
        match env.discovery.evaluate(condition) {
            ConditionOutcome::Met => {}
            ConditionOutcome::Unmet(reason) => {
                result.verdict = Verdict::Skip;
                result.message = reason;
                return result;
            }
            ConditionOutcome::Unknown(reason) => {
                result.verdict = Verdict::Error;
                result.message = reason;
                return result;
            }
        }
    }

    let creates = planned_creates(check);
    if let Err(reason) = env.ledger.reserve(creates) {
        result.verdict = Verdict::Skip;
        result.message = format!("not run: {reason}");
        return result;
    }
    let result = run_reserved(env, suite, loaded, result, started, order).await;
    env.ledger.release(creates);
    result
}

async fn run_reserved(
    env: &CheckEnv<'_>,
    suite: &LoadedSuite,
    loaded: &LoadedCheck,
    mut result: CheckResult,
    started: Instant,
    order: (usize, usize),
) -> CheckResult {
    let check = &loaded.check;
    let mut ctx = Context::new(env.run_id, &format!("s{}c{}", order.0, order.1));
    ctx.set("target", serde_json::json!({"base": env.client.base_url()}));
    if !suite.profile_settings.is_null() {
        ctx.set("profile", suite.profile_settings.clone());
    }
    for (name, value) in env.discovery.variables() {
        ctx.set(&name, value);
    }
    for (name, value) in &check.vars {
        match ctx.render_value(value) {
            Ok(rendered) => ctx.set(name, rendered),
            Err(err) => {
                result.verdict = Verdict::Error;
                result.message = format!("variable {name}: {err}");
                return result;
            }
        }
    }

    let severity = loaded.severity();
    let mut timing = Timing::default();
    let mut notes: Vec<String> = Vec::new();
    for (index, step) in check.steps.iter().enumerate() {
        let name = step_name(step, index);
        let outcome = run_step(
            env,
            &mut ctx,
            step,
            &name,
            &check.id,
            &mut result.exchanges,
            &mut timing,
        )
        .await;
        match outcome {
            StepOutcome::Passed => {}
            StepOutcome::PassedWithNote(note) => notes.push(note),
            StepOutcome::NotApplicable(reason) => {
                result.verdict = Verdict::Skip;
                result.message = reason;
                break;
            }
            StepOutcome::CouldNotTest(reason) => {
                result.verdict = Verdict::Error;
                result.message = format!("{name}: {reason}");
                break;
            }
            StepOutcome::Failed(failure) => {
                let first = failure
                    .mismatches
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                if step.setup {
                    result.verdict = Verdict::Error;
                    result.message = format!("setup step '{name}' failed, cannot test: {first}");
                } else {
                    result.verdict = match severity {
                        Severity::Must => Verdict::Fail,
                        Severity::Should => Verdict::Warn,
                        // A MAY leaves the choice to the server: report it, never judge it.
                        Severity::May => Verdict::Pass,
                    };
                    result.message = match severity {
                        Severity::May => format!("server's choice (MAY, not judged): {first}"),
                        _ => format!("{name}: {first}"),
                    };
                }
                result.failure = Some(failure);
                break;
            }
        }
    }

    if result.verdict == Verdict::Pass && result.message.is_empty() {
        result.message = notes.join("; ");
    }
    result.measurements = timing.measurements;
    for (index, step) in check.cleanup.iter().enumerate() {
        let name = step
            .name
            .clone()
            .unwrap_or_else(|| format!("cleanup step {}", index + 1));
        if let Some(note) =
            run_cleanup_step(env, &mut ctx, step, &name, &check.id, &mut result.exchanges).await
        {
            result.cleanup_notes.push(note);
        }
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}

fn step_name(step: &Step, index: usize) -> String {
    step.name.clone().unwrap_or_else(|| {
        format!(
            "step {} ({} {})",
            index + 1,
            step.request.method,
            step.request.path
        )
    })
}

enum StepOutcome {
    Passed,
    /// Passed, with something worth reporting (a burst's throughput).
    PassedWithNote(String),
    NotApplicable(String),
    CouldNotTest(String),
    Failed(StepFailure),
}

/// When each named step's response arrived (for `measure_from`), and the
/// latencies recorded so far.
#[derive(Default)]
struct Timing {
    responded: std::collections::HashMap<String, Instant>,
    measurements: Vec<Measurement>,
}

/// The longest a polling step may poll, and the shortest pause between polls.
const MAX_POLL_MS: u64 = 60_000;
const MIN_POLL_INTERVAL_MS: u64 = 10;

/// Whether a polling step should send its request again.
fn poll_again(retry: Option<RetryUntil>, held: bool, started: Instant, now: Instant) -> bool {
    let Some(retry) = retry else {
        return false;
    };
    let timeout = Duration::from_millis(retry.timeout_ms.min(MAX_POLL_MS));
    let interval = Duration::from_millis(retry.interval_ms.max(MIN_POLL_INTERVAL_MS));
    !held && now + interval <= started + timeout
}

async fn run_step(
    env: &CheckEnv<'_>,
    ctx: &mut Context,
    step: &Step,
    name: &str,
    check_id: &str,
    exchanges: &mut Vec<Exchange>,
    timing: &mut Timing,
) -> StepOutcome {
    if let Some(burst) = step.burst {
        return run_burst(env, ctx, step, burst, name, check_id, exchanges, timing).await;
    }
    let request = match render_request(ctx, &step.request) {
        Ok(request) => request,
        Err(err) => {
            let why = ctx.why_undefined(&err);
            return StepOutcome::CouldNotTest(format!("template: {err}{why}"));
        }
    };
    let since = match &step.measure_from {
        None => None,
        Some(from) => match timing.responded.get(from) {
            Some(at) => Some(*at),
            None => {
                return StepOutcome::CouldNotTest(format!(
                    "measure_from: no earlier step named {from:?} has answered"
                ));
            }
        },
    };
    if let Some(delay) = step.delay_ms {
        tokio::time::sleep(Duration::from_millis(delay.min(60_000))).await;
    }
    let started = Instant::now();
    let mut attempts: u32 = 0;
    let (response, request_line, mismatches) = loop {
        attempts += 1;
        let sent = Instant::now();
        let (exchange, response) = env.client.send(&request).await;
        let request_line = format!("{} {}", exchange.method, exchange.url);
        // A poll keeps its first and its latest exchange.
        if attempts > 2 {
            exchanges.pop();
        }
        exchanges.push(exchange);
        let response = match response {
            Ok(response) => response,
            Err(err) => return StepOutcome::CouldNotTest(format!("{request_line}: {err}")),
        };
        let received = Instant::now();
        note_in_ledger(env, check_id, &request, &response);
        set_response_vars(ctx, &response);
        // Capture before judging: cleanup needs the id even when the status is
        // wrong. A missing value is not itself a finding; a later step that needs
        // it cannot be rendered and reports that.
        capture(ctx, step, &response);
        if let Some(skip) = &step.skip_when
            && skip_applies(skip, &response, ctx)
        {
            return StepOutcome::NotApplicable(format!(
                "{}: {request_line} answered {}",
                skip.reason, response.status
            ));
        }
        let mismatches = evaluate_expect(&step.expect, &response, ctx, &env.discovery.registry);
        if !poll_again(step.retry_until, mismatches.is_empty(), started, received) {
            if let Some(series) = &step.measure {
                let from = since.unwrap_or(if step.retry_until.is_some() {
                    started
                } else {
                    sent
                });
                timing.measurements.push(Measurement {
                    series: series.clone(),
                    step: name.to_string(),
                    micros: received.saturating_duration_since(from).as_micros() as u64,
                    attempts,
                    converged: step.retry_until.is_none() || mismatches.is_empty(),
                });
            }
            if let Some(step_name) = &step.name {
                timing.responded.insert(step_name.clone(), received);
            }
            break (response, request_line, mismatches);
        }
        if let Some(retry) = step.retry_until {
            tokio::time::sleep(Duration::from_millis(
                retry.interval_ms.max(MIN_POLL_INTERVAL_MS),
            ))
            .await;
        }
    };
    if mismatches.is_empty() {
        return StepOutcome::Passed;
    }
    let mismatches = if attempts > 1 {
        let mut mismatches = mismatches;
        if let Some(first) = mismatches.first_mut() {
            first.actual = format!(
                "{} (still so after {attempts} attempts in {} ms)",
                first.actual,
                started.elapsed().as_millis()
            );
        }
        mismatches
    } else {
        mismatches
    };
    StepOutcome::Failed(StepFailure {
        step: name.to_string(),
        request: request_line,
        status: Some(response.status),
        response_excerpt: excerpt(env, &response),
        mismatches,
    })
}

/// Sends a burst step's request `burst.requests` times at `burst.rate` per
/// second, each copy once (no retries: a 429 is an answer here), and judges
/// every answer and the pace. The report keeps the first exchange and the
/// first that broke an expectation.
#[allow(clippy::too_many_arguments)]
async fn run_burst(
    env: &CheckEnv<'_>,
    ctx: &mut Context,
    step: &Step,
    burst: Burst,
    name: &str,
    check_id: &str,
    exchanges: &mut Vec<Exchange>,
    timing: &mut Timing,
) -> StepOutcome {
    if let Some(limit) = env.client.rate_limit()
        && limit < burst.rate
    {
        return StepOutcome::NotApplicable(format!(
            "--rate {limit} keeps scimspec below this burst's {} requests per second",
            burst.rate
        ));
    }
    let count = burst.requests as usize;
    // Every copy is rendered before the first is sent: a template error
    // stops the step before any load reaches the server.
    let mut requests = Vec::with_capacity(count);
    for index in 0..count {
        ctx.set("burst", serde_json::json!({ "index": index }));
        match render_request(ctx, &step.request) {
            Ok(request) => requests.push(request),
            Err(err) => {
                let why = ctx.why_undefined(&err);
                return StepOutcome::CouldNotTest(format!("template: {err}{why}"));
            }
        }
    }
    if let Some(delay) = step.delay_ms {
        tokio::time::sleep(Duration::from_millis(delay.min(60_000))).await;
    }
    let client = env.client.without_retries();
    let start = tokio::time::Instant::now();
    // Each copy is judged as soon as it is answered, and only the verdict,
    // the timings, the exchange and an excerpt are kept: bodies of 75
    // concurrent answers are not held until the burst ends.
    let template = &*ctx;
    let sends = requests.iter().enumerate().map(|(index, request)| {
        let client = &client;
        async move {
            tokio::time::sleep_until(start + scheduled_offset(index, burst.rate)).await;
            let sent = Instant::now();
            let (exchange, response) = client.send(request).await;
            let received = Instant::now();
            let request_line = format!("{} {}", exchange.method, exchange.url);
            let (problem, status, excerpt) = match response {
                Err(err) => (
                    Some(BurstProblem {
                        kind: "no answer".into(),
                        detail: format!("{request_line}: {err}"),
                    }),
                    None,
                    None,
                ),
                Ok(response) => {
                    note_in_ledger(env, check_id, request, &response);
                    let mut copy = template.clone();
                    copy.set("burst", serde_json::json!({ "index": index }));
                    set_response_vars(&mut copy, &response);
                    let mismatches =
                        evaluate_expect(&step.expect, &response, &copy, &env.discovery.registry);
                    let problem = mismatches.first().map(|first| BurstProblem {
                        kind: if first.path == "status" {
                            response.status.to_string()
                        } else {
                            format!("{} with {}", response.status, first.path)
                        },
                        detail: first.to_string(),
                    });
                    let excerpt = problem.as_ref().and_then(|_| excerpt(env, &response));
                    (problem, Some(response.status), excerpt)
                }
            };
            let answer = BurstAnswer {
                sent,
                received,
                problem,
            };
            (answer, status, exchange, request_line, excerpt)
        }
    });
    let results = futures::future::join_all(sends).await;

    let mut answers = Vec::with_capacity(count);
    let mut first_exchange = None;
    let mut first_failure: Option<(Exchange, String, Option<u16>, Option<String>)> = None;
    for (answer, status, exchange, request_line, excerpt) in results {
        if let (Some(series), Some(_)) = (&step.measure, status) {
            timing.measurements.push(Measurement {
                series: series.clone(),
                step: name.to_string(),
                micros: answer
                    .received
                    .saturating_duration_since(answer.sent)
                    .as_micros() as u64,
                attempts: 1,
                converged: true,
            });
        }
        if answer.problem.is_some() && first_failure.is_none() {
            first_failure = Some((exchange, request_line, status, excerpt));
        } else if first_exchange.is_none() {
            first_exchange = Some(exchange);
        }
        answers.push(answer);
    }
    if let Some(step_name) = &step.name
        && let Some(last) = answers.iter().map(|a| a.received).max()
    {
        timing.responded.insert(step_name.clone(), last);
    }
    exchanges.extend(first_exchange);
    let tally = BurstTally::of(&answers, burst.rate);
    let mismatches = tally.mismatches(Duration::from_millis(burst.max_lag_ms));
    if mismatches.is_empty() {
        return StepOutcome::PassedWithNote(tally.summary());
    }
    let (request_line, status, excerpt) = match first_failure {
        Some((exchange, request_line, status, excerpt)) => {
            exchanges.push(exchange);
            (request_line, status, excerpt)
        }
        None => (
            exchanges
                .last()
                .map(|e| format!("{} {}", e.method, e.url))
                .unwrap_or_default(),
            exchanges.last().and_then(|e| e.status),
            None,
        ),
    };
    StepOutcome::Failed(StepFailure {
        step: name.to_string(),
        request: format!("{request_line} (×{count} at {}/s)", burst.rate),
        status,
        response_excerpt: excerpt,
        mismatches,
    })
}

/// The start of a response body for a failure message, secrets redacted.
fn excerpt(env: &CheckEnv<'_>, response: &Response) -> Option<String> {
    (!response.body_text.is_empty()).then(|| {
        env.client
            .redactor()
            .redact(&predicate::truncate(&response.body_text, EXCERPT_CHARS))
    })
}

/// How many resources a check may create: its POSTs other than searches,
/// counting each POST operation of a bulk request. Templated methods count
/// as creates, to be safe.
pub fn planned_creates(check: &crate::suite::model::Check) -> usize {
    check
        .steps
        .iter()
        .map(|step| {
            let method = step.request.method.to_ascii_uppercase();
            let path = step.request.path.trim_end_matches('/');
            let may_create = method == "POST" || method.contains("{{");
            if !may_create || path.ends_with(".search") {
                0
            } else if path.ends_with("/Bulk") {
                step.request
                    .body
                    .as_ref()
                    .and_then(|body| body.get("Operations"))
                    .and_then(Value::as_array)
                    .map_or(1, |ops| {
                        ops.iter()
                            .filter(|op| {
                                op.get("method")
                                    .and_then(Value::as_str)
                                    .is_none_or(|m| m.eq_ignore_ascii_case("POST"))
                            })
                            .count()
                    })
            } else {
                1
            }
        })
        .sum()
}

/// Keeps the ledger in step with what the server confirmed: a successful
/// POST (other than a search) created a resource, a DELETE answered 2xx or
/// 404 removed one, and a bulk response reports both per operation.
fn note_in_ledger(
    env: &CheckEnv<'_>,
    check_id: &str,
    request: &OutgoingRequest,
    response: &Response,
) {
    let Ok(url) = env.client.url_for(&request.path, &[]) else {
        return;
    };
    let url = url.to_string();
    let success = (200..300).contains(&response.status);
    match request.method.as_str() {
        "POST" if url.trim_end_matches('/').ends_with(".search") => {}
        "POST" if url.trim_end_matches('/').ends_with("/Bulk") => {
            let operations = response
                .json
                .as_ref()
                .and_then(|body| body.get("Operations"))
                .and_then(Value::as_array);
            for operation in operations.into_iter().flatten() {
                let method = operation
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let Some(location) = operation.get("location").and_then(Value::as_str) else {
                    continue;
                };
                let status = bulk_status(operation);
                if method.eq_ignore_ascii_case("POST") && (200..300).contains(&status) {
                    env.ledger.created(location, check_id);
                } else if method.eq_ignore_ascii_case("DELETE")
                    && ((200..300).contains(&status) || status == 404)
                {
                    env.ledger.deleted(location);
                }
            }
        }
        "POST" if success => {
            if let Some(location) =
                created_location(&url, response.header("location"), response.json.as_ref())
            {
                env.ledger.created(&location, check_id);
            }
        }
        "DELETE" if success || response.status == 404 => env.ledger.deleted(&url),
        _ => {}
    }
}

/// A bulk operation's status: a string ("201") or an object with `code`.
fn bulk_status(operation: &Value) -> u16 {
    let status = operation.get("status");
    let text = match status {
        Some(Value::Object(map)) => map.get("code").cloned(),
        other => other.cloned(),
    };
    match text {
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(0),
        _ => 0,
    }
}

/// True when every condition of `skip_when` holds for the response.
fn skip_applies(skip: &SkipWhen, response: &Response, ctx: &Context) -> bool {
    if let Some(status) = &skip.status
        && !status.codes().contains(&response.status)
    {
        return false;
    }
    if skip.body.is_empty() {
        return skip.status.is_some();
    }
    let expect = Expect {
        body: skip.body.clone(),
        ..Expect::default()
    };
    evaluate_expect(&expect, response, ctx, &SchemaRegistry::default()).is_empty()
}

/// Runs a cleanup step; returns a note when it did not go as expected.
async fn run_cleanup_step(
    env: &CheckEnv<'_>,
    ctx: &mut Context,
    step: &Step,
    name: &str,
    check_id: &str,
    exchanges: &mut Vec<Exchange>,
) -> Option<String> {
    let request = match render_request(ctx, &step.request) {
        Ok(request) => request,
        // Nothing to clean up: the resource was never created.
        Err(TemplateError::Undefined(_)) => return None,
        Err(err) => return Some(format!("{name}: template: {err}")),
    };
    let (exchange, response) = env.client.send(&request).await;
    let request_line = format!("{} {}", exchange.method, exchange.url);
    exchanges.push(exchange);
    let response = match response {
        Ok(response) => response,
        Err(err) => return Some(format!("{name}: {request_line}: {err}")),
    };
    note_in_ledger(env, check_id, &request, &response);
    set_response_vars(ctx, &response);
    capture(ctx, step, &response);
    let has_expectations = step.expect.status.is_some()
        || !step.expect.headers.is_empty()
        || step.expect.includes.is_some()
        || !step.expect.body.is_empty()
        || !step.expect.matchers.is_empty();
    if has_expectations {
        let mismatches = evaluate_expect(&step.expect, &response, ctx, &env.discovery.registry);
        if let Some(first) = mismatches.first() {
            return Some(format!("{name}: {request_line}: {first}"));
        }
    } else if response.status >= 500 {
        return Some(format!(
            "{name}: {request_line} answered {}",
            response.status
        ));
    }
    None
}

/// A URI reference resolved against the base URL (RFC 3986 §5); the text
/// itself when it cannot be resolved.
fn resolve_uri(base: &str, reference: &str) -> String {
    let base = format!("{}/", base.trim_end_matches('/'));
    url::Url::parse(&base)
        .and_then(|base| base.join(reference))
        .map(|url| url.to_string())
        .unwrap_or_else(|_| reference.to_string())
}

pub(crate) fn render_request(
    ctx: &Context,
    request: &Request,
) -> Result<OutgoingRequest, TemplateError> {
    let query = request
        .query
        .iter()
        .map(|(key, value)| Ok((ctx.render_str(key)?, ctx.render_str(value)?)))
        .collect::<Result<Vec<_>, TemplateError>>()?;
    let headers = request
        .headers
        .iter()
        .map(|(key, value)| Ok((ctx.render_str(key)?, ctx.render_str(value)?)))
        .collect::<Result<Vec<_>, TemplateError>>()?;
    let body = match (&request.body, &request.raw_body) {
        (Some(body), _) => Some(ctx.render_value(body)?.to_string().into_bytes()),
        (None, Some(raw)) => Some(ctx.render_str(raw)?.into_bytes()),
        (None, None) => None,
    };
    Ok(OutgoingRequest {
        method: ctx.render_str(&request.method)?.to_ascii_uppercase(),
        path: ctx.render_str(&request.path)?,
        query,
        headers,
        body,
        anonymous: request.anonymous,
    })
}

/// Exposes the latest response to templates as `status`, `headers`, `body`.
fn set_response_vars(ctx: &mut Context, response: &Response) {
    ctx.set("status", Value::from(response.status));
    let headers: Map<String, Value> = response
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    ctx.set("headers", Value::Object(headers));
    match &response.json {
        Some(json) => ctx.set("body", json.clone()),
        None => ctx.set("body", Value::String(response.body_text.clone())),
    }
}

fn capture(ctx: &mut Context, step: &Step, response: &Response) {
    for (name, source) in &step.capture {
        match capture_value(source, response) {
            Some(value) => ctx.set(name, value),
            None => ctx.forget(name, matchers::capture_miss(source, response)),
        }
    }
}

/// `status`, `header.NAME`, `body` or `body.PATH`.
pub(crate) fn capture_value(source: &str, response: &Response) -> Option<Value> {
    if source == "status" {
        return Some(Value::from(response.status));
    }
    if let Some(name) = source
        .strip_prefix("header.")
        .or_else(|| source.strip_prefix("headers."))
    {
        return response.header(name).map(|v| Value::String(v.to_string()));
    }
    let rest = source.strip_prefix("body")?;
    let body = response.json.as_ref()?;
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    path::lookup(body, rest)
        .ok()
        .flatten()
        .filter(|value| !value.is_null())
        .cloned()
}

pub(crate) fn evaluate_expect(
    expect: &Expect,
    response: &Response,
    ctx: &Context,
    registry: &SchemaRegistry,
) -> Vec<Mismatch> {
    let mut out = evaluate_own(expect, response, ctx, registry);
    out.extend(evaluate_any_of(&expect.any_of, response, ctx, registry));
    out
}

/// `any_of`: nothing when some alternative holds. Otherwise what broke in
/// the closest alternative among those that accept the response's status
/// (the fewest mismatches), or the status when none accepts it.
fn evaluate_any_of(
    alternatives: &[Expect],
    response: &Response,
    ctx: &Context,
    registry: &SchemaRegistry,
) -> Vec<Mismatch> {
    if alternatives.is_empty() {
        return Vec::new();
    }
    let mut closest: Option<Vec<Mismatch>> = None;
    for alternative in alternatives {
        let mismatches = evaluate_expect(alternative, response, ctx, registry);
        if mismatches.is_empty() {
            return Vec::new();
        }
        let accepts_status = alternative
            .status
            .as_ref()
            .is_none_or(|status| status.codes().contains(&response.status));
        if accepts_status && closest.as_ref().is_none_or(|c| mismatches.len() < c.len()) {
            closest = Some(mismatches);
        }
    }
    closest.unwrap_or_else(|| {
        let mut codes: Vec<u16> = alternatives
            .iter()
            .filter_map(|alternative| alternative.status.as_ref())
            .flat_map(StatusSet::codes)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        vec![status_mismatch(&codes, response.status)]
    })
}

/// `status: expected 200 or 201, got 400`.
fn status_mismatch(expected: &[u16], actual: u16) -> Mismatch {
    let expected: Vec<String> = expected.iter().map(u16::to_string).collect();
    Mismatch::new("status", expected.join(" or "), actual.to_string())
}

/// The expectations of `expect` itself, without its alternatives.
fn evaluate_own(
    expect: &Expect,
    response: &Response,
    ctx: &Context,
    registry: &SchemaRegistry,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(status) = &expect.status {
        let codes = status.codes();
        if !codes.contains(&response.status) {
            out.push(status_mismatch(&codes, response.status));
        }
    }
    for header in &expect.headers {
        let label = format!("header {}", header.name);
        let value = response.header(&header.name);
        if let Some(present) = header.present
            && present != value.is_some()
        {
            out.push(Mismatch::new(
                &label,
                if present { "present" } else { "absent" },
                value.map_or_else(|| "absent".to_string(), |v| format!("{v:?}")),
            ));
            continue;
        }
        if let Some(expected) = &header.equals {
            match ctx.render_str(expected) {
                Ok(expected) => {
                    let same = match value {
                        Some(actual) if header.as_uri => {
                            let base = ctx
                                .get("target")
                                .and_then(|t| t.get("base"))
                                .and_then(Value::as_str)
                                .unwrap_or_default();
                            resolve_uri(base, actual) == resolve_uri(base, &expected)
                        }
                        Some(actual) => actual == expected,
                        None => false,
                    };
                    if !same {
                        out.push(Mismatch::new(
                            &label,
                            format!("{expected:?}"),
                            value.map_or_else(|| "absent".to_string(), |v| format!("{v:?}")),
                        ));
                    }
                }
                Err(err) => out.push(Mismatch::new(&label, "a comparable value", err.to_string())),
            }
        }
        if let Some(pattern) = &header.matches {
            match Regex::new(pattern) {
                Ok(regex) if value.is_some_and(|v| regex.is_match(v)) => {}
                Ok(_) => out.push(Mismatch::new(
                    &label,
                    format!("a value matching /{pattern}/"),
                    value.map_or_else(|| "absent".to_string(), |v| format!("{v:?}")),
                )),
                Err(err) => out.push(Mismatch::new(&label, "a valid regex", err.to_string())),
            }
        }
    }
    // patch_response judges empty bodies itself (204 has none).
    let needs_json = expect.includes.is_some()
        || !expect.body.is_empty()
        || expect
            .matchers
            .iter()
            .any(|m| !matches!(m, crate::suite::model::Matcher::PatchResponse(_)));
    if needs_json && response.json.is_none() {
        let actual = matchers::describe_non_json(response);
        out.push(Mismatch::new("body", "a JSON body", actual));
        return out;
    }
    let Some(body) = &response.json else {
        for matcher in &expect.matchers {
            out.extend(matchers::evaluate(matcher, response, ctx, registry));
        }
        return out;
    };
    // Shape before values: a broken ListResponse explains a wrong element better.
    for matcher in &expect.matchers {
        out.extend(matchers::evaluate(matcher, response, ctx, registry));
    }
    if let Some(expected) = &expect.includes {
        match ctx.render_value(expected) {
            Ok(expected) => {
                if let Err(diff) = includes::includes(body, &expected) {
                    out.push(Mismatch::new(
                        "body",
                        format!("to include {}", predicate::excerpt(&expected)),
                        diff.trim().replace('\n', "; "),
                    ));
                }
            }
            Err(err) => out.push(Mismatch::new(
                "body",
                "a renderable expectation",
                err.to_string(),
            )),
        }
    }
    for body_predicate in &expect.body {
        out.extend(predicate::evaluate(body_predicate, body, ctx, ""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, headers: &[(&str, &str)], body: Value) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body_text: body.to_string(),
            json: Some(body),
            json_error: None,
        }
    }

    fn expect(value: Value) -> Expect {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn polling_stops_when_expectations_hold_or_the_timeout_nears() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let retry = Some(RetryUntil {
            timeout_ms: 1000,
            interval_ms: 100,
        });
        // Not a polling step: one attempt.
        assert!(!poll_again(None, false, start, at(0)));
        // Polls while the expectations fail and another attempt fits.
        assert!(poll_again(retry, false, start, at(0)));
        assert!(poll_again(retry, false, start, at(900)));
        // Stops once they hold, or when the next attempt would pass the timeout.
        assert!(!poll_again(retry, true, start, at(0)));
        assert!(!poll_again(retry, false, start, at(901)));
        // The timeout is capped at a minute, the interval at least 10 ms.
        let long = Some(RetryUntil {
            timeout_ms: u64::MAX,
            interval_ms: 0,
        });
        assert!(poll_again(long, false, start, at(59_990)));
        assert!(!poll_again(long, false, start, at(59_991)));
    }

    #[test]
    fn skip_when_needs_every_condition() {
        let ctx = Context::new("run", "c");
        let skip: SkipWhen = serde_json::from_value(json!({
            "status": [404, 501],
            "reason": "root search not offered"
        }))
        .unwrap();
        assert!(skip_applies(&skip, &response(501, &[], json!({})), &ctx));
        assert!(!skip_applies(&skip, &response(200, &[], json!({})), &ctx));

        let skip: SkipWhen = serde_json::from_value(json!({
            "status": 200,
            "body": [{"path": "filter.maxResults", "exists": false}],
            "reason": "no maxResults"
        }))
        .unwrap();
        let without = response(200, &[], json!({"filter": {"supported": true}}));
        let with = response(200, &[], json!({"filter": {"maxResults": 5}}));
        assert!(skip_applies(&skip, &without, &ctx));
        assert!(!skip_applies(&skip, &with, &ctx));
        assert!(!skip_applies(&skip, &response(500, &[], json!({})), &ctx));
    }

    #[test]
    fn any_of_holds_when_one_alternative_holds() {
        let mut ctx = Context::new("run", "c");
        ctx.set("max", json!(2));
        let registry = SchemaRegistry::default();
        let alternatives = expect(json!({
            "any_of": [
                {"status": 200, "body": [{"path": "Resources", "max_length": "{{ max }}"}]},
                {"status": 400, "body": [{"path": "scimType", "equals": "tooMany"}]}
            ]
        }));
        let judge = |r: &Response| evaluate_expect(&alternatives, r, &ctx, &registry);
        assert!(judge(&response(200, &[], json!({"Resources": [1, 2]}))).is_empty());
        assert!(judge(&response(400, &[], json!({"scimType": "tooMany"}))).is_empty());

        // The alternative that accepts the status explains what broke.
        let too_long = judge(&response(200, &[], json!({"Resources": [1, 2, 3]})));
        assert_eq!(too_long.len(), 1, "{too_long:?}");
        assert_eq!(too_long[0].path, "body.Resources");
        assert_eq!(too_long[0].expected, "length at most 2");
        let wrong_type = judge(&response(400, &[], json!({"scimType": "invalidValue"})));
        assert_eq!(wrong_type[0].path, "body.scimType");
        // No alternative accepts the status: the status is what broke.
        let status = judge(&response(413, &[], json!({})));
        assert_eq!(status, vec![Mismatch::new("status", "200 or 400", "413")]);

        // The expectations beside any_of must hold too.
        let both = expect(json!({
            "status": [200, 400],
            "any_of": [{"status": 200}]
        }));
        assert!(evaluate_expect(&both, &response(200, &[], json!({})), &ctx, &registry).is_empty());
        assert_eq!(
            evaluate_expect(&both, &response(400, &[], json!({})), &ctx, &registry).len(),
            1
        );
    }

    #[test]
    fn captures_from_status_headers_and_body() {
        let r = response(
            201,
            &[("location", "http://x/Users/1")],
            json!({"id": "1", "meta": {"version": "W/\"1\""}}),
        );
        assert_eq!(capture_value("status", &r), Some(json!(201)));
        assert_eq!(
            capture_value("header.Location", &r),
            Some(json!("http://x/Users/1"))
        );
        assert_eq!(capture_value("body.id", &r), Some(json!("1")));
        assert_eq!(
            capture_value("body.meta.version", &r),
            Some(json!("W/\"1\""))
        );
        assert_eq!(capture_value("body.missing", &r), None);
        assert_eq!(capture_value("elsewhere", &r), None);
    }

    #[test]
    fn expectations_compare_status_headers_and_body() {
        let r = response(
            201,
            &[
                ("location", "http://x/Users/1"),
                ("content-type", "application/scim+json"),
            ],
            json!({"id": "1", "meta": {"location": "http://x/Users/1"}}),
        );
        let mut ctx = Context::new("r", "c");
        set_response_vars(&mut ctx, &r);
        let ok = expect(json!({
            "status": [200, 201],
            "headers": [
                {"name": "Location", "equals": "{{ body.meta.location }}"},
                {"name": "Content-Type", "matches": "scim\\+json"},
                {"name": "ETag", "present": false}
            ],
            "includes": {"id": "1"},
            "body": [{"path": "meta.location", "exists": true}]
        }));
        assert!(evaluate_expect(&ok, &r, &ctx, &SchemaRegistry::default()).is_empty());
        let bad = expect(json!({
            "status": 200,
            "headers": [{"name": "ETag", "present": true}, {"name": "Location", "equals": "elsewhere"}],
            "includes": {"id": "2"}
        }));
        let paths: Vec<String> = evaluate_expect(&bad, &r, &ctx, &SchemaRegistry::default())
            .into_iter()
            .map(|m| m.path)
            .collect();
        assert_eq!(
            paths,
            vec!["status", "header ETag", "header Location", "body"]
        );
    }

    #[test]
    fn body_expectations_on_non_json_report_once() {
        let r = Response {
            status: 200,
            headers: vec![],
            body_text: "<html>".into(),
            json: None,
            json_error: Some("expected value".into()),
        };
        let ctx = Context::new("r", "c");
        let e = expect(
            json!({"body": [{"path": "a", "exists": true}], "matchers": [{"list_response": {}}]}),
        );
        let mismatches = evaluate_expect(&e, &r, &ctx, &SchemaRegistry::default());
        assert_eq!(mismatches.len(), 1);
        assert!(mismatches[0].actual.contains("invalid JSON"));
    }

    #[test]
    fn requests_render_templates() {
        let mut ctx = Context::new("r", "c");
        ctx.set("id", json!("42"));
        let request: Request = serde_json::from_value(json!({
            "method": "patch",
            "path": "/Users/{{ id }}",
            "query": {"attributes": "userName"},
            "headers": {"If-Match": "{{ id }}"},
            "body": {"n": "{{ unique.user }}"}
        }))
        .unwrap();
        let out = render_request(&ctx, &request).unwrap();
        assert_eq!(out.method, "PATCH");
        assert_eq!(out.path, "/Users/42");
        assert_eq!(
            out.headers,
            vec![("If-Match".to_string(), "42".to_string())]
        );
        assert_eq!(out.body.unwrap(), br#"{"n":"scimspec-r-c-user"}"#.to_vec());
        let missing: Request =
            serde_json::from_value(json!({"method": "DELETE", "path": "/Users/{{ gone }}"}))
                .unwrap();
        assert!(matches!(
            render_request(&ctx, &missing),
            Err(TemplateError::Undefined(_))
        ));
    }
}
