//! Rate limits for what anyone on the internet can call without signing in (the patients' bot
//! chat, its hand-over to a person): a keyed GCRA limiter per [`Rate`] (the `governor` crate),
//! in memory on this server. Keys are the caller's address ([`client_key`]) within a hospital,
//! and every rate also has a ceiling per hospital, so a caller who changes address still cannot
//! flood one hospital's queue.
//!
//! Limits use the machine's monotonic clock, not the application clock: they protect the server
//! in real time, and moving the demo's business clock must not open or close them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Error;

/// One limited action: a caller may do `burst` at once and then `per_hour` (evenly spread);
/// all callers of one hospital together `hospital_per_hour`, with a minute's worth at once.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub name: &'static str,
    pub per_hour: u32,
    pub burst: u32,
    pub hospital_per_hour: u32,
    /// What the caller is told (zh-CN), followed by when to try again.
    pub message: &'static str,
}

impl Rate {
    fn quota(per_hour: u32, burst: u32) -> Quota {
        let every = Duration::from_secs(3600) / per_hour.max(1);
        Quota::with_period(every).expect("a positive period").allow_burst(NonZeroU32::new(burst.max(1)).expect("at least one"))
    }
}

struct Limiters {
    caller: DefaultKeyedRateLimiter<(i64, String)>,
    hospital: DefaultKeyedRateLimiter<i64>,
}

/// The server's limiters, one pair per [`Rate`] name, created on first use.
#[derive(Default)]
pub struct Throttle {
    limiters: Mutex<HashMap<&'static str, Arc<Limiters>>>,
    /// Keys whose failures spent their rate ([`Throttle::failed`]), paused until then.
    pauses: Mutex<HashMap<(&'static str, i64, String), std::time::Instant>>,
}

/// How many distinct callers a limiter remembers before forgetting the idle ones.
const FORGET_ABOVE: usize = 10_000;

impl Throttle {
    /// Counts one `rate` action by `caller` (see [`client_key`]) of `hospital`; 429
    /// `too_many_requests` with a Chinese message when either limit is spent. A refused
    /// action is not counted against the hospital.
    pub fn check(&self, rate: &Rate, hospital: i64, caller: &str) -> Result<(), Error> {
        self.take(rate, hospital, caller).map_err(|wait| refusal(rate, wait))
    }

    /// Takes one action of `rate` for `caller`; when a limit is spent, how long to wait.
    fn take(&self, rate: &Rate, hospital: i64, caller: &str) -> Result<(), Duration> {
        let l = self.limiters(rate);
        let clock = DefaultClock::default();
        let wait = |not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>| not_until.wait_time_from(clock.now());
        l.caller.check_key(&(hospital, caller.to_string())).map_err(wait)?;
        l.hospital.check_key(&hospital).map_err(wait)?;
        if l.caller.len() > FORGET_ABOVE {
            l.caller.retain_recent();
        }
        Ok(())
    }

    /// For actions limited by their failures only (sign-in: a good password is never slowed
    /// down): 429 while `key` is paused because its failures spent `rate`. Checked before the
    /// costly part of the action.
    pub fn paused(&self, rate: &Rate, hospital: i64, key: &str) -> Result<(), Error> {
        let mut pauses = self.pauses.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        match pauses.get(&(rate.name, hospital, key.to_string())) {
            Some(until) if *until > now => Err(refusal(rate, until.duration_since(now))),
            Some(_) => {
                pauses.remove(&(rate.name, hospital, key.to_string()));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts one failure of `key` against `rate`; once the rate is spent the key is paused
    /// ([`Throttle::paused`]) until the rate would allow it again.
    pub fn failed(&self, rate: &Rate, hospital: i64, key: &str) {
        if let Err(wait) = self.take(rate, hospital, key) {
            let mut pauses = self.pauses.lock().unwrap_or_else(|p| p.into_inner());
            if pauses.len() > FORGET_ABOVE {
                let now = std::time::Instant::now();
                pauses.retain(|_, until| *until > now);
            }
            pauses.insert((rate.name, hospital, key.to_string()), std::time::Instant::now() + wait.max(Duration::from_secs(1)));
        }
    }

    fn limiters(&self, rate: &Rate) -> Arc<Limiters> {
        let mut map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(rate.name)
            .or_insert_with(|| {
                Arc::new(Limiters {
                    caller: RateLimiter::keyed(Rate::quota(rate.per_hour, rate.burst)),
                    hospital: RateLimiter::keyed(Rate::quota(rate.hospital_per_hour, rate.hospital_per_hour.div_ceil(60))),
                })
            })
            .clone()
    }
}

/// 429 `too_many_requests`: the rate's message and when to try again.
fn refusal(rate: &Rate, wait: Duration) -> Error {
    let seconds = wait.max(Duration::from_secs(1)).as_secs_f64().ceil() as u64;
    Error::client(429, "too_many_requests", format!("{}，请 {seconds} 秒后再试", rate.message))
}

/// The caller's key for rate limits, as an extractor (never refuses).
pub struct ClientKey(pub String);

impl FromRequestParts<crate::web::AppState> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &crate::web::AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientKey(client_key(parts, &state.core().config.trusted_proxies)))
    }
}

/// Who is calling, for rate limits and the payer's address: the peer's address, or — when the
/// peer is one of the configured `trusted` proxies — the nearest address in `X-Forwarded-For`
/// that is not itself a trusted proxy (what lies further left is whatever the client claimed).
/// "unknown" when no peer is known (a router driven without a socket, as in unit tests).
pub fn client_key(parts: &Parts, trusted: &[ipnet::IpNet]) -> String {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    forwarded_or_peer(&parts.headers, peer, trusted)
}

fn forwarded_or_peer(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = peer else { return "unknown".to_string() };
    let is_proxy = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_proxy(&peer) {
        return peer.to_string();
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    hops.iter().rev().find(|ip| !is_proxy(ip)).copied().unwrap_or(peer).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate { name: "test", per_hour: 60, burst: 3, hospital_per_hour: 300, message: "提问太频繁" };

    #[test]
    fn burst_then_refused_per_caller_and_per_hospital() {
        let t = Throttle::default();
        for _ in 0..3 {
            t.check(&RATE, 1, "10.0.0.1").unwrap();
        }
        let e = t.check(&RATE, 1, "10.0.0.1").unwrap_err();
        assert_eq!((e.status(), e.code()), (429, "too_many_requests"));
        assert!(e.public_message().starts_with("提问太频繁，请 ") && e.public_message().ends_with(" 秒后再试"), "{}", e.public_message());
        // Another caller of the same hospital still gets through, until the hospital's
        // ceiling (a minute's worth: 5 at once).
        t.check(&RATE, 1, "10.0.0.2").unwrap();
        t.check(&RATE, 1, "10.0.0.3").unwrap();
        assert_eq!(t.check(&RATE, 1, "10.0.0.4").unwrap_err().status(), 429);
        // The same address at another hospital is counted there.
        t.check(&RATE, 2, "10.0.0.1").unwrap();
    }

    #[test]
    fn caller_address() {
        let mut h = HeaderMap::new();
        let public: IpAddr = "203.0.113.9".parse().unwrap();
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        assert_eq!(forwarded_or_peer(&h, Some(public), &trusted), "203.0.113.9");
        assert_eq!(forwarded_or_peer(&h, None, &trusted), "unknown");
        h.append("x-forwarded-for", "1.1.1.1, 198.51.100.7".parse().unwrap());
        // A trusted proxy in front: the address it appended (the last), not what the client claimed.
        assert_eq!(forwarded_or_peer(&h, Some(proxy), &trusted), "198.51.100.7");
        // A public peer cannot choose its key by sending the header itself.
        assert_eq!(forwarded_or_peer(&h, Some(public), &trusted), "203.0.113.9");
        // Nor can anyone when no proxy is configured — not even from this machine.
        assert_eq!(forwarded_or_peer(&h, Some(proxy), &[]), "127.0.0.1");
        // Two proxies in a row: the first address that is not one of ours.
        h.append("x-forwarded-for", "10.1.2.3".parse().unwrap());
        assert_eq!(forwarded_or_peer(&h, Some(proxy), &trusted), "198.51.100.7");
    }
}
