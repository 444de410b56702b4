//! `--report-junit`: JUnit XML (via quick-junit) for CI systems. One
//! testsuite per RFC section, one testcase per check; `classname` carries the
//! section (`RFC7644.3.3`) so GitLab, GitHub and Jenkins group by it.
//! SHOULD-level warnings stay successes, with the warning in system-out.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::grouping::{by_section, explanation, requirement_lines, severity_label};
use super::record::RunRecord;
use crate::verdict::{CheckResult, Verdict};

pub fn render(record: &RunRecord) -> String {
    let mut report = Report::new("scimspec");
    report.set_time(Duration::from_millis(record.duration_ms));
    if let Some(fatal) = &record.fatal {
        let mut suite = TestSuite::new("discovery");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(fatal.as_str());
        status.set_type("could not test");
        let mut case = TestCase::new("discovery", status);
        case.set_classname("scimspec.discovery");
        suite.add_test_case(case);
        report.add_test_suite(suite);
    }
    let results = record.results();
    let latency = super::latency::latency_series(&results);
    for group in by_section(&results) {
        let mut suite = TestSuite::new(group.heading());
        suite.add_property(Property::new("target", record.target.as_str()));
        suite.add_property(Property::new("run_id", record.run_id.as_str()));
        for (name, value) in &record.options {
            suite.add_property(Property::new(name.as_str(), value.as_str()));
        }
        for series in &latency {
            suite.add_property(Property::new(
                format!("latency.{}", series.series),
                series.line(),
            ));
        }
        let mut time = Duration::ZERO;
        for result in &group.results {
            time += Duration::from_millis(result.duration_ms);
            let mut case =
                TestCase::new(format!("{}: {}", result.id, result.title), status(result));
            case.set_classname(group.class_name());
            case.set_time(Duration::from_millis(result.duration_ms));
            if result.verdict == Verdict::Warn {
                case.set_system_out(format!(
                    "WARNING: a SHOULD-level requirement is not met (not a failure)\n{}",
                    explanation(result)
                ));
            } else if result.verdict == Verdict::Pass && !result.message.is_empty() {
                case.set_system_out(result.message.as_str());
            }
            suite.add_test_case(case);
        }
        suite.set_time(time);
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render the JUnit report: {e} -->\n"))
}

fn status(result: &CheckResult) -> TestCaseStatus {
    match result.verdict {
        Verdict::Pass | Verdict::Warn => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(result.message.as_str());
            status.set_type(format!(
                "{} {}",
                severity_label(result.severity()),
                requirement_lines(result)
                    .first()
                    .map(|line| line.split(':').next().unwrap_or_default().to_string())
                    .unwrap_or_default()
            ));
            status.set_description(explanation(result));
            status
        }
        Verdict::Error => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(result.message.as_str());
            status.set_type("could not test");
            status.set_description(explanation(result));
            status
        }
        Verdict::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(result.message.as_str());
            status
        }
    }
}
