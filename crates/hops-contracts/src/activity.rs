//! Online consultations, owned by the activity area of `hops-analytics`.

use hops_kernel::{DepartmentId, DoctorId, Instant, PatientId};
use hops_platform::Access;
use hops_platform::Result;
use hops_platform::jobs::BoxFuture;

/// A consultation as other modules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consultation {
    pub id: i64,
    /// The 问诊单号 of the internet hospital's system.
    pub number: String,
    pub patient: PatientId,
    pub department: DepartmentId,
    pub doctor: DoctorId,
    pub created_at: Instant,
    pub completed_at: Option<Instant>,
    /// The patient's rating, 1–5 stars.
    pub rating: Option<i16>,
    pub review: String,
    /// The bad-review reason families the review's words point to, most telling first.
    pub review_reasons: Vec<&'static str>,
}

/// Reading consultations (needs the permission to read consultations).
pub trait Consultations: Send + Sync {
    /// Those completed in `[from, to)`.
    fn completed_between<'a>(&'a self, access: &'a Access, from: Instant, to: Instant) -> BoxFuture<'a, Result<Vec<Consultation>>>;
    /// The consultation with this 问诊单号, if any.
    fn by_number<'a>(&'a self, access: &'a Access, number: &'a str) -> BoxFuture<'a, Result<Option<Consultation>>>;
    /// Every bad-review reason family a review can be sorted into (the names
    /// [`Consultation::review_reasons`] uses), in their order.
    fn review_reason_families(&self) -> Vec<&'static str>;
}
