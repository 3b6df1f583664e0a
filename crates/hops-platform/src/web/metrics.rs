//! Request counters for `/metrics` (Prometheus text format). A handful of counters does not
//! justify a metrics framework; the format is written by hand in `pages::metrics`.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// (method, route, status) → (count, total seconds).
type Counters = BTreeMap<(String, String, u16), (u64, f64)>;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<Counters>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self.requests.lock().expect("metrics lock");
        let e = m.entry((method.to_string(), route.to_string(), status)).or_default();
        e.0 += 1;
        e.1 += seconds;
    }

    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let m = self.requests.lock().expect("metrics lock");
        out.push_str(
            "# HELP hops_http_requests_total HTTP requests by method, route and status.\n# TYPE hops_http_requests_total counter\n",
        );
        for ((method, route, status), (n, _)) in m.iter() {
            let _ = writeln!(out, "hops_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str(
            "# HELP hops_http_request_seconds_sum Total time spent answering, by route.\n# TYPE hops_http_request_seconds_sum counter\n",
        );
        for ((method, route, status), (_, s)) in m.iter() {
            let _ = writeln!(out, "hops_http_request_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {s:.6}");
        }
    }
}
