//! CloudWatch metrics: activity over a stated window, on the resource the
//! metric is about.
//!
//! # Files
//!
//! | command | file |
//! |---|---|
//! | `aws cloudwatch get-metric-data --cli-input-json file://q.json > m.json` | `{"MetricDataResults": [{Id, Label, Timestamps, Values, StatusCode}], "Messages", "NextToken"}`, joined with its query |
//! | `aws cloudwatch get-metric-statistics --cli-input-json file://q.json > m.json` | `{"Label", "Datapoints": [{Timestamp, Sum, Average, …, Unit}]}`, joined with its query |
//!
//! Neither output says which metric of which resource it holds: that is in
//! the query. The query is taken from the same file (the output merged
//! with its input, `jq -s '.[0] * .[1]' q.json m.json`) or from a sidecar
//! beside it named `<name>.query.json` for `<name>.json` — the file given
//! to `--cli-input-json` (`MetricDataQueries`, `StartTime`, `EndTime` for
//! `get-metric-data`; `Namespace`, `MetricName`, `Dimensions`, `StartTime`,
//! `EndTime`, `Period`, `Statistics` for `get-metric-statistics`). A
//! result without a query is a warning and gives nothing.
//!
//! # What it gives
//!
//! For every resource a metric's dimensions name (`QueueName`,
//! `FunctionName`, `TableName` with or without `GlobalSecondaryIndexName`,
//! `ApiName`/`ApiId`, `TopicName`, `RuleName`, `StateMachineArn`,
//! `StreamName`, `BucketName`), an observed node with the aliases the IaC
//! parsers give it and the attribute `activity`:
//!
//! ```json
//! {"window_start": "…", "window_end": "…", "complete": true, "total": 0,
//!  "errors": 0, "metrics": {"AWS/SQS NumberOfMessagesSent Sum": 0}}
//! ```
//!
//! `metrics` holds every metric read over the window: summed for `Sum`
//! and `SampleCount`, the extreme for `Maximum`/`Minimum`, else the mean
//! of the datapoints; `total`
//! sums the metrics that mean someone used the resource, where their
//! statistic is `Sum` ([`use_metrics`]): sent and received messages,
//! invocations, consumed capacity, requests, published messages,
//! executions; it is absent when no such metric was read. `errors` sums
//! Lambda `Errors` and API Gateway `5XXError`/`5xx` where read. Several
//! files about one resource are added up, their windows joined.
//!
//! # Completeness
//!
//! CloudWatch leaves out periods with no data, so for a `Sum` of a count
//! metric a missing datapoint is zero, and an empty result with status
//! `Complete` is a window of zero activity. A window is `complete` only
//! when every result for the resource has status `Complete`, the file has
//! no `NextToken` and no `Messages`; otherwise the source is partial and
//! absence proves nothing. Metric math (`Expression`) queries are skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrawise_core::{
    Alias, Diagnostic, Evidence, Format, Fragment, Node, NodeKind, Origin, Source, SourceStatus,
    Timestamp,
};
use serde_json::{Map, Value, json};

use super::aggregate::node_id;

/// The extractor of every piece of metrics evidence.
pub const EXTRACTOR: &str = "cloudwatch";

/// Whether `head` (the start of a JSON file) is CloudWatch metric output
/// or a metric query (`--cli-input-json` file).
pub fn detect(head: &str) -> bool {
    let start = head.trim_start();
    start.starts_with('{')
        && (head.contains("\"MetricDataResults\"")
            || head.contains("\"MetricDataQueries\"")
            || (head.contains("\"Datapoints\"") && head.contains("\"Label\""))
            || (head.contains("\"Namespace\"")
                && head.contains("\"MetricName\"")
                && (head.contains("\"Statistics\"") || head.contains("\"ExtendedStatistics\""))))
}

/// The metrics that count as someone using a resource of `kind` (their
/// `Sum` goes into `total`), and those that count failures.
pub fn use_metrics(kind: NodeKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        NodeKind::Queue => (&["NumberOfMessagesSent", "NumberOfMessagesReceived"], &[]),
        NodeKind::Function => (&["Invocations"], &["Errors"]),
        NodeKind::Table | NodeKind::Index => (
            &["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"],
            &[],
        ),
        NodeKind::Api => (&["Count"], &["5XXError", "5xx"]),
        NodeKind::Topic => (&["NumberOfMessagesPublished"], &[]),
        NodeKind::EventRule => (&["Invocations", "TriggeredRules"], &[]),
        NodeKind::StateMachine => (&["ExecutionsStarted"], &["ExecutionsFailed"]),
        NodeKind::Stream => (&["IncomingRecords"], &[]),
        NodeKind::Bucket => (&["AllRequests"], &["5xxErrors"]),
        _ => (&[], &[]),
    }
}

/// One metric of one resource: what the query says.
#[derive(Clone, Debug)]
struct Metric {
    namespace: String,
    name: String,
    stat: String,
    dimensions: BTreeMap<String, String>,
}

/// A resource a metric's dimensions name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Resource {
    kind: NodeKind,
    name: String,
    aliases: Vec<Alias>,
}

fn resource_of(metric: &Metric) -> Option<Resource> {
    let d = |key: &str| metric.dimensions.get(key).cloned();
    let named = |kind: NodeKind, name: String| Resource {
        kind,
        aliases: vec![Alias::name(kind, name.clone())],
        name,
    };
    Some(match metric.namespace.as_str() {
        "AWS/SQS" => named(NodeKind::Queue, d("QueueName")?),
        "AWS/Lambda" => named(NodeKind::Function, d("FunctionName")?),
        "AWS/DynamoDB" => {
            let table = d("TableName")?;
            match d("GlobalSecondaryIndexName") {
                Some(index) => {
                    let name = format!("{table}/{index}");
                    Resource {
                        kind: NodeKind::Index,
                        aliases: vec![Alias::new(
                            infrawise_core::AliasKind::Name,
                            Some("index"),
                            name.clone(),
                        )],
                        name,
                    }
                }
                None => named(NodeKind::Table, table),
            }
        }
        "AWS/ApiGateway" => match (d("ApiName"), d("ApiId")) {
            (Some(name), _) => named(NodeKind::Api, name),
            (None, Some(id)) => Resource {
                kind: NodeKind::Api,
                aliases: vec![Alias::id(NodeKind::Api, id.clone())],
                name: id,
            },
            (None, None) => return None,
        },
        "AWS/SNS" => named(NodeKind::Topic, d("TopicName")?),
        "AWS/Events" => named(NodeKind::EventRule, d("RuleName")?),
        "AWS/States" => {
            let arn = d("StateMachineArn")?;
            let name = arn.rsplit(':').next().unwrap_or(&arn).to_owned();
            Resource {
                kind: NodeKind::StateMachine,
                aliases: vec![
                    Alias::arn(arn.clone()),
                    Alias::name(NodeKind::StateMachine, name.clone()),
                ],
                name,
            }
        }
        "AWS/Kinesis" => named(NodeKind::Stream, d("StreamName")?),
        "AWS/S3" => named(NodeKind::Bucket, d("BucketName")?),
        _ => return None,
    })
}

fn metric_of(value: &Map<String, Value>, stat: Option<&str>) -> Option<Metric> {
    let dimensions = value
        .get("Dimensions")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|d| {
                    Some((
                        d.get("Name")?.as_str()?.to_owned(),
                        d.get("Value")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Metric {
        namespace: value.get("Namespace")?.as_str()?.to_owned(),
        name: value.get("MetricName")?.as_str()?.to_owned(),
        stat: stat.unwrap_or("").to_owned(),
        dimensions,
    })
}

/// A time as the CLI prints it: an ISO string or epoch seconds.
fn time_of(value: Option<&Value>) -> Option<Timestamp> {
    match value? {
        Value::String(text) => Timestamp::parse(text).ok(),
        Value::Number(n) => n.as_f64().map(|s| Timestamp::from_unix_seconds(s as i64)),
        _ => None,
    }
}

/// The metrics read about one resource, over all files.
#[derive(Debug, Default)]
struct Activity {
    sums: BTreeMap<String, f64>,
    total: Option<f64>,
    errors: Option<f64>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    complete: bool,
    files: Vec<String>,
}

/// One result series: the metric, its values, and whether it is whole.
struct Series {
    metric: Metric,
    values: Vec<f64>,
    times: Vec<Timestamp>,
    complete: bool,
}

/// What one results file says.
struct Read {
    series: Vec<Series>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    /// Why the file is partial, if it is.
    partial: Option<String>,
}

fn numbers(value: Option<&Value>) -> Vec<f64> {
    value
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn read_metric_data(
    output: &Map<String, Value>,
    query: &Map<String, Value>,
    display: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Read {
    let queries: BTreeMap<&str, &Value> = query
        .get("MetricDataQueries")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|q| Some((q.get("Id")?.as_str()?, q)))
                .collect()
        })
        .unwrap_or_default();
    let mut partial = Vec::new();
    if output
        .get("NextToken")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty())
    {
        partial.push("a NextToken: more pages exist".to_owned());
    }
    if let Some(messages) = output.get("Messages").and_then(Value::as_array)
        && !messages.is_empty()
    {
        let texts: Vec<&str> = messages
            .iter()
            .filter_map(|m| m.get("Value").and_then(Value::as_str))
            .collect();
        partial.push(format!("messages: {}", texts.join("; ")));
    }
    let mut series = Vec::new();
    for result in output
        .get("MetricDataResults")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = result.get("Id").and_then(Value::as_str).unwrap_or("");
        let status = result
            .get("StatusCode")
            .and_then(Value::as_str)
            .unwrap_or("Complete");
        let Some(query) = queries.get(id) else {
            diagnostics.push(Diagnostic::warning(
                display,
                None,
                format!("metric result {id:?} has no query with that Id; it is skipped"),
            ));
            continue;
        };
        let Some(stat) = query.get("MetricStat") else {
            diagnostics.push(Diagnostic::info(
                display,
                None,
                format!("metric result {id:?} is metric math (no MetricStat); it is skipped"),
            ));
            continue;
        };
        let Some(metric) = stat
            .get("Metric")
            .and_then(Value::as_object)
            .and_then(|m| metric_of(m, stat.get("Stat").and_then(Value::as_str)))
        else {
            diagnostics.push(Diagnostic::warning(
                display,
                None,
                format!("metric query {id:?} has no Namespace or MetricName"),
            ));
            continue;
        };
        if status != "Complete" {
            partial.push(format!("{} {} is {status}", metric.namespace, metric.name));
        }
        series.push(Series {
            metric,
            values: numbers(result.get("Values")),
            times: result
                .get("Timestamps")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(|t| time_of(Some(t))).collect())
                .unwrap_or_default(),
            complete: status == "Complete",
        });
    }
    Read {
        series,
        start: time_of(query.get("StartTime")),
        end: time_of(query.get("EndTime")),
        partial: (!partial.is_empty()).then(|| partial.join("; ")),
    }
}

fn read_statistics(output: &Map<String, Value>, query: &Map<String, Value>) -> Read {
    let stat = query
        .get("Statistics")
        .and_then(Value::as_array)
        .and_then(|list| list.first())
        .and_then(Value::as_str)
        .unwrap_or("Sum")
        .to_owned();
    let mut series = Vec::new();
    if let Some(metric) = metric_of(query, Some(&stat)) {
        let points = output
            .get("Datapoints")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        series.push(Series {
            values: points
                .iter()
                .filter_map(|p| p.get(&stat).and_then(Value::as_f64))
                .collect(),
            times: points
                .iter()
                .filter_map(|p| time_of(p.get("Timestamp")))
                .collect(),
            metric,
            complete: true,
        });
    }
    Read {
        series,
        start: time_of(query.get("StartTime")),
        end: time_of(query.get("EndTime")),
        partial: None,
    }
}

/// The path of the sidecar query of a results file `name.json`.
fn sidecar(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".json")?;
    if stem.to_ascii_lowercase().ends_with(".query") {
        return None;
    }
    Some(path.with_file_name(format!("{stem}.query.json")))
}

fn is_query(object: &Map<String, Value>) -> bool {
    !object.contains_key("MetricDataResults") && !object.contains_key("Datapoints")
}

fn load(path: &Path) -> Result<Map<String, Value>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read file: {}", e.to_string().to_lowercase()))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("not a JSON object".to_owned()),
        Err(error) => Err(format!("not valid JSON: {error}")),
    }
}

/// Reads CloudWatch metric files (results and their query sidecars);
/// paths in the output are relative to `root`.
pub fn parse_metrics(files: &[PathBuf], root: &Path) -> Fragment {
    let mut out = Fragment::new();
    let mut activities: BTreeMap<Resource, Activity> = BTreeMap::new();
    // Every file is read once: results, and queries their results use.
    let loaded: BTreeMap<&Path, Result<Map<String, Value>, String>> = files
        .iter()
        .map(|path| (path.as_path(), load(path)))
        .collect();
    let mut used_queries: Vec<PathBuf> = Vec::new();
    for path in files {
        let display = crate::display_path(path, root);
        let mut source = Source::new(display.clone(), Format::Metrics, Origin::Observed);
        let object = match &loaded[path.as_path()] {
            Ok(object) => object,
            Err(message) => {
                source.status = SourceStatus::Failed;
                out.sources.push(source);
                out.diagnostics
                    .push(Diagnostic::error(&display, None, message.clone()));
                continue;
            }
        };
        if is_query(object) {
            continue;
        }
        let joined = object.contains_key("MetricDataQueries") || object.contains_key("MetricName");
        // A sidecar outside the scanned files is read from disk.
        let outside;
        let query = if joined {
            object
        } else {
            let beside = sidecar(path);
            let found = beside
                .as_deref()
                .and_then(|p| loaded.get(p))
                .and_then(|query| query.as_ref().ok());
            if let Some(query) = found {
                used_queries.extend(beside);
                query
            } else if let Some(Ok(query)) = beside
                .as_deref()
                .filter(|p| !loaded.contains_key(p))
                .map(load)
            {
                outside = query;
                &outside
            } else {
                source.status = SourceStatus::Failed;
                out.sources.push(source);
                out.diagnostics.push(Diagnostic::warning(
                    &display,
                    None,
                    format!(
                        "metric results without their query: merge the query into the file or put it beside it as {}",
                        beside
                            .as_deref()
                            .and_then(Path::file_name)
                            .map_or_else(|| "<name>.query.json".into(), |n| n.to_string_lossy())
                    ),
                ));
                continue;
            }
        };
        let read = if object.contains_key("MetricDataResults") {
            read_metric_data(object, query, &display, &mut out.diagnostics)
        } else {
            read_statistics(object, query)
        };
        let times = read.series.iter().flat_map(|s| s.times.iter().copied());
        let (first, last) = times.fold(
            (None, None),
            |(lo, hi): (Option<Timestamp>, Option<Timestamp>), t| {
                (
                    Some(lo.map_or(t, |l| l.min(t))),
                    Some(hi.map_or(t, |h| h.max(t))),
                )
            },
        );
        source.window_start = read.start.or(first);
        source.window_end = read.end.or(last);
        source.read_at = source.window_end;
        source.status = if read.partial.is_some() {
            SourceStatus::Partial
        } else {
            SourceStatus::Complete
        };
        source.caveat = Some(read.partial.clone().map_or_else(
            || {
                "CloudWatch omits periods without data: a missing datapoint of a Sum is zero"
                    .to_owned()
            },
            |why| format!("partial metrics ({why}): absence proves nothing"),
        ));
        for series in read.series {
            let Some(resource) = resource_of(&series.metric) else {
                out.diagnostics.push(Diagnostic::info(
                    &display,
                    None,
                    format!(
                        "metric {} {} names no resource this reader knows (dimensions {:?}); it is skipped",
                        series.metric.namespace,
                        series.metric.name,
                        series.metric.dimensions.keys().collect::<Vec<_>>()
                    ),
                ));
                continue;
            };
            let activity = activities
                .entry(resource.clone())
                .or_insert_with(|| Activity {
                    complete: true,
                    ..Activity::default()
                });
            let sum: f64 = series.values.iter().sum();
            let label = format!(
                "{} {} {}",
                series.metric.namespace, series.metric.name, series.metric.stat
            );
            // A Sum (or SampleCount) adds up over the window; a gauge's
            // Maximum or Minimum is the extreme, anything else the mean.
            let summary = match series.metric.stat.as_str() {
                "Sum" | "SampleCount" => Some(sum),
                "Maximum" => series.values.iter().copied().reduce(f64::max),
                "Minimum" => series.values.iter().copied().reduce(f64::min),
                _ => (!series.values.is_empty()).then(|| sum / series.values.len() as f64),
            };
            let slot = activity.sums.entry(label).or_insert(0.0);
            match (series.metric.stat.as_str(), summary) {
                ("Sum" | "SampleCount", Some(value)) => *slot += value,
                ("Maximum", Some(value)) => *slot = slot.max(value),
                ("Minimum", Some(value)) => {
                    *slot = if *slot == 0.0 { value } else { slot.min(value) }
                }
                (_, Some(value)) => *slot = value,
                (_, None) => {}
            }
            let (uses, failures) = use_metrics(resource.kind);
            if series.metric.stat == "Sum" {
                if uses.contains(&series.metric.name.as_str()) {
                    *activity.total.get_or_insert(0.0) += sum;
                }
                if failures.contains(&series.metric.name.as_str()) {
                    *activity.errors.get_or_insert(0.0) += sum;
                }
            }
            activity.complete &= series.complete && read.partial.is_none();
            activity.start = match (activity.start, source.window_start) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            activity.end = match (activity.end, source.window_end) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if !activity.files.contains(&display) {
                activity.files.push(display.clone());
            }
        }
        out.sources.push(source);
    }
    for path in files {
        let is_unused_query = matches!(&loaded[path.as_path()], Ok(object) if is_query(object))
            && !used_queries.contains(path);
        if is_unused_query {
            out.diagnostics.push(Diagnostic::warning(
                crate::display_path(path, root),
                None,
                "a metric query with no results beside it (expected the results as the same name without .query)",
            ));
        }
    }
    for (resource, activity) in activities {
        out.nodes.push(node(&resource, &activity));
    }
    out
}

/// A number as JSON: whole numbers as integers.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

fn node(resource: &Resource, activity: &Activity) -> Node {
    let show = |t: Option<Timestamp>| t.map_or(Value::Null, |t| Value::String(t.to_string()));
    let mut value = Map::new();
    value.insert("window_start".to_owned(), show(activity.start));
    value.insert("window_end".to_owned(), show(activity.end));
    value.insert("complete".to_owned(), Value::Bool(activity.complete));
    if let Some(total) = activity.total {
        value.insert("total".to_owned(), number(total));
    }
    if let Some(errors) = activity.errors {
        value.insert("errors".to_owned(), number(errors));
    }
    value.insert(
        "metrics".to_owned(),
        Value::Object(
            activity
                .sums
                .iter()
                .map(|(name, sum)| (name.clone(), number(*sum)))
                .collect(),
        ),
    );
    let mut node = Node::new(
        node_id(resource.kind, &resource.name),
        resource.kind,
        resource.name.clone(),
    );
    if let Some(raw_type) = super::aws_type(resource.kind) {
        node = node.with_raw_type(raw_type);
    }
    for alias in &resource.aliases {
        node.aliases.insert(alias.clone());
    }
    for file in &activity.files {
        let mut evidence = Evidence::observed(
            EXTRACTOR,
            format!(
                "metrics {}",
                activity.sums.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            activity.end,
        )
        .at(file, None);
        evidence.set_seen(activity.start, activity.end);
        if let Some(total) = activity.total
            && total >= 0.0
            && total.fract() == 0.0
        {
            evidence.set_count(Some(total as u64));
        }
        node.evidence.push(evidence);
    }
    node.set_attribute(Origin::Observed, "activity", Value::Object(value));
    node
}
