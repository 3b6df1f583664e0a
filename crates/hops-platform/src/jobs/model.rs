//! Job states and retry policy. Pure.

hops_kernel::coded! {
    /// Where a job is.
    pub Status {
        Queued = "queued", "排队中";
        Running = "running", "执行中";
        Done = "done", "已完成";
        Dead = "dead", "失败（死信）";
    }
}

/// Seconds to wait before attempt `attempt + 1`, after `attempt` failures: 10 s, 20 s, 40 s, …
/// capped at one hour.
pub fn backoff_seconds(attempt: i32) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    (10i64 << exp).min(3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_seconds(1), 10);
        assert_eq!(backoff_seconds(2), 20);
        assert_eq!(backoff_seconds(5), 160);
        assert_eq!(backoff_seconds(12), 3600);
        assert_eq!(backoff_seconds(1000), 3600);
        assert_eq!(backoff_seconds(0), 10);
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }
}
