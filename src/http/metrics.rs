//! Request metrics in the Prometheus text format, served at `/metrics`: requests by route and
//! status, a latency histogram per route, and database pool use.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKET_BOUNDS_SECONDS: [f64; 11] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Count per bucket of [`BUCKET_BOUNDS_SECONDS`], not cumulative.
    buckets: [u64; BUCKET_BOUNDS_SECONDS.len()],
    count: u64,
    sum_seconds: f64,
}

#[derive(Debug, Default)]
struct Recorded {
    /// Requests by (method, route pattern, status).
    requests: BTreeMap<(String, String, u16), u64>,
    /// Latency by (method, route pattern).
    latency: BTreeMap<(String, String), Histogram>,
}

/// Counters shared by every request of one server instance.
#[derive(Debug, Default)]
pub struct Metrics {
    recorded: Mutex<Recorded>,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, duration: Duration) {
        let seconds = duration.as_secs_f64();
        let mut recorded = self
            .recorded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *recorded
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = recorded
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        if let Some(bucket) = BUCKET_BOUNDS_SECONDS
            .iter()
            .position(|bound| seconds <= *bound)
        {
            histogram.buckets[bucket] += 1;
        }
        histogram.count += 1;
        histogram.sum_seconds += seconds;
    }

    /// Renders everything recorded, plus the pool figures given, in the Prometheus text format.
    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let recorded = self
            .recorded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = String::new();

        text.push_str(
            "# HELP peoplecloud_http_requests_total Requests answered, by route and status.\n",
        );
        text.push_str("# TYPE peoplecloud_http_requests_total counter\n");
        for ((method, route, status), count) in &recorded.requests {
            let _ = writeln!(
                text,
                "peoplecloud_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }

        text.push_str(
            "# HELP peoplecloud_http_request_duration_seconds Time to answer a request.\n",
        );
        text.push_str("# TYPE peoplecloud_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in &recorded.latency {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            let mut cumulative = 0;
            for (bound, count) in BUCKET_BOUNDS_SECONDS.iter().zip(histogram.buckets) {
                cumulative += count;
                let _ = writeln!(
                    text,
                    "peoplecloud_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                text,
                "peoplecloud_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                text,
                "peoplecloud_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum_seconds
            );
            let _ = writeln!(
                text,
                "peoplecloud_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }

        text.push_str("# HELP peoplecloud_db_pool_connections Open database connections.\n");
        text.push_str("# TYPE peoplecloud_db_pool_connections gauge\n");
        let _ = writeln!(text, "peoplecloud_db_pool_connections {pool_size}");
        text.push_str(
            "# HELP peoplecloud_db_pool_idle_connections Open database connections not in use.\n",
        );
        text.push_str("# TYPE peoplecloud_db_pool_idle_connections gauge\n");
        let _ = writeln!(text, "peoplecloud_db_pool_idle_connections {pool_idle}");
        text
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Request counts, latency histograms and pool use, in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> Response {
    let (size, idle) = state.store.pool_status();
    let body = state.metrics.render(size, idle);
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let metrics = Metrics::default();
        metrics.record("GET", "/api/v1/user", 200, Duration::from_millis(3));
        metrics.record("GET", "/api/v1/user", 200, Duration::from_millis(30));
        let text = metrics.render(2, 1);
        assert!(text.contains("peoplecloud_http_requests_total{method=\"GET\",route=\"/api/v1/user\",status=\"200\"} 2"));
        assert!(text.contains("route=\"/api/v1/user\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"/api/v1/user\",le=\"0.05\"} 2"));
        assert!(text.contains("peoplecloud_db_pool_connections 2"));
    }
}
