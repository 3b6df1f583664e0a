//! A short-lived memory of computed read models (KPI sets …) per hospital, so dashboards and
//! APIs that many people poll do not recompute the same figures for each of them.
//!
//! Freshness: every audited change of a hospital clears its entries ([`crate::Access::audit`]
//! — every write use case audits), and entries expire after [`Memo::TTL`] whatever happens, so
//! a figure computed while a change was committing is at most that old (plus the time of one
//! recomputation: see [`Memo::get`]). Entries are keyed by
//! hospital, so one hospital never sees another's.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hops_kernel::HospitalId;

type Entry = (Instant, Arc<dyn Any + Send + Sync>);

#[derive(Default)]
pub struct Memo {
    entries: Mutex<HashMap<(HospitalId, String), Entry>>,
}

impl Memo {
    /// How long an entry is used at most.
    pub const TTL: Duration = Duration::from_secs(5);
    /// Above this many entries, expired ones are dropped (and all, if that is not enough).
    const MAX_ENTRIES: usize = 10_000;

    /// The value remembered under `key` for `hospital`, if fresh and of type `T`.
    ///
    /// The first caller to find an entry expired gets `None` and recomputes; meanwhile the
    /// entry counts as fresh again, so concurrent callers keep getting the previous value
    /// instead of all recomputing at once. A value is thus at most `TTL` plus one computation old.
    pub fn get<T: Any + Send + Sync>(&self, hospital: HospitalId, key: &str) -> Option<Arc<T>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, value) = entries.get_mut(&(hospital, key.to_string()))?;
        if at.elapsed() > Self::TTL {
            *at = Instant::now();
            return None;
        }
        value.clone().downcast::<T>().ok()
    }

    pub fn put<T: Any + Send + Sync>(&self, hospital: HospitalId, key: &str, value: Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() <= Self::TTL);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert((hospital, key.to_string()), (Instant::now(), value));
    }

    /// Forgets everything remembered for `hospital` (after a change).
    pub fn clear(&self, hospital: HospitalId) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|(h, _), _| *h != hospital);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_hospital_and_forgets_on_clear() {
        let m = Memo::default();
        let (a, b) = (HospitalId(1), HospitalId(2));
        m.put(a, "kpis:month:2026-10-01", Arc::new(42_i64));
        assert_eq!(m.get::<i64>(a, "kpis:month:2026-10-01").as_deref(), Some(&42));
        assert!(m.get::<i64>(b, "kpis:month:2026-10-01").is_none(), "another hospital sees nothing");
        assert!(m.get::<String>(a, "kpis:month:2026-10-01").is_none(), "another type is not returned");
        m.put(b, "k", Arc::new(1_i64));
        m.clear(a);
        assert!(m.get::<i64>(a, "kpis:month:2026-10-01").is_none());
        assert_eq!(m.get::<i64>(b, "k").as_deref(), Some(&1), "clearing one hospital keeps the others");
    }

    #[test]
    fn one_caller_recomputes_an_expired_entry_the_others_keep_the_old_value() {
        let m = Memo::default();
        let h = HospitalId(1);
        m.put(h, "k", Arc::new(1_i64));
        m.entries.lock().unwrap().get_mut(&(h, "k".to_string())).unwrap().0 -= Memo::TTL + Duration::from_secs(1);
        assert!(m.get::<i64>(h, "k").is_none(), "the first caller after expiry recomputes");
        assert_eq!(m.get::<i64>(h, "k").as_deref(), Some(&1), "the next one gets the previous value meanwhile");
        m.put(h, "k", Arc::new(2_i64));
        assert_eq!(m.get::<i64>(h, "k").as_deref(), Some(&2));
    }
}

/// Long-lived derived values per hospital (e.g. a search index) that are costly to rebuild and
/// know themselves when they are stale: each is stored with the generation of the data it was
/// built from, and the caller compares that with the data's current generation. Not cleared by
/// changes, never expired.
type Shelved = (u64, Arc<dyn Any + Send + Sync>);

#[derive(Default)]
pub struct Shelf {
    entries: Mutex<HashMap<(HospitalId, &'static str), Shelved>>,
}

impl Shelf {
    /// The value under `key` if it was built from `generation`.
    pub fn get<T: Any + Send + Sync>(&self, hospital: HospitalId, key: &'static str, generation: u64) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (g, value) = entries.get(&(hospital, key))?;
        if *g != generation {
            return None;
        }
        value.clone().downcast::<T>().ok()
    }

    pub fn put<T: Any + Send + Sync>(&self, hospital: HospitalId, key: &'static str, generation: u64, value: Arc<T>) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).insert((hospital, key), (generation, value));
    }
}
