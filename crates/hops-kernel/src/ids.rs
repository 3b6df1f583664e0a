//! Typed identifiers.
//!
//! Every table row is addressed by an `i64` (an identity column), wrapped in a newtype per entity
//! so that a `PatientId` cannot be passed where a `DoctorId` is expected. Other crates define
//! their own ids with [`define_id!`](crate::define_id).

use thiserror::Error;

/// A string could not be read as an id (not an integer, or out of range).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("编号格式无效：“{input}”应为整数")]
pub struct ParseIdError {
    /// The rejected input, as given.
    pub input: String,
}

/// Defines a typed id: `pub struct Name(pub i64)` with `Copy, Clone, Debug, PartialEq, Eq, Hash,
/// PartialOrd, Ord`, `Display` (the bare number) and `FromStr` (the bare number, error
/// [`ParseIdError`](crate::ids::ParseIdError)).
///
/// ```
/// hops_kernel::define_id!(
///     /// A support ticket.
///     TicketId
/// );
/// let id: TicketId = "42".parse().unwrap();
/// assert_eq!(id, TicketId(42));
/// assert_eq!(id.to_string(), "42");
/// ```
#[macro_export]
macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::ids::ParseIdError;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                s.parse::<i64>()
                    .map($name)
                    .map_err(|_| $crate::ids::ParseIdError { input: s.to_owned() })
            }
        }
    };
}

define_id!(
    /// A human, once per hospital, whatever roles they have there (patient, checked-up person,
    /// enrolled patient, contact).
    PersonId
);
define_id!(
    /// A tenant: one hospital. Every tenant table carries it in its primary key.
    HospitalId
);
define_id!(
    /// A login account (staff member or administrator).
    UserId
);
define_id!(
    /// A clinical or administrative department of a hospital.
    DepartmentId
);
define_id!(
    /// A doctor.
    DoctorId
);
define_id!(
    /// A patient.
    PatientId
);
define_id!(
    /// A background job.
    JobId
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn display_is_the_bare_number() {
        let cases: &[(i64, &str)] = &[(0, "0"), (1, "1"), (-7, "-7"), (i64::MAX, "9223372036854775807")];
        for &(n, want) in cases {
            assert_eq!(HospitalId(n).to_string(), want);
            assert_eq!(PatientId(n).to_string(), want);
        }
    }

    #[test]
    fn parse_accepts_integers() {
        let cases: &[(&str, i64)] = &[("1", 1), ("42", 42), ("-3", -3), ("+8", 8), ("9223372036854775807", i64::MAX)];
        for &(s, want) in cases {
            assert_eq!(s.parse::<UserId>(), Ok(UserId(want)), "{s}");
        }
    }

    #[test]
    fn parse_rejects_bad_input() {
        for s in ["", " 1", "1 ", "abc", "1.5", "0x10", "9223372036854775808", "一"] {
            let err = s.parse::<DoctorId>().unwrap_err();
            assert_eq!(err.input, s);
            assert!(err.to_string().contains("编号格式无效"), "{err}");
        }
    }

    #[test]
    fn display_round_trips() {
        for n in [0, 1, -1, 123_456_789, i64::MIN, i64::MAX] {
            let id = JobId(n);
            assert_eq!(id.to_string().parse::<JobId>(), Ok(id));
        }
    }

    #[test]
    fn ids_are_ordered_and_hashable() {
        assert!(DepartmentId(1) < DepartmentId(2));
        let set: HashSet<_> = [HospitalId(1), HospitalId(1), HospitalId(2)].into_iter().collect();
        assert_eq!(set.len(), 2);
    }

    // The macro works with and without doc attributes outside this module too.
    define_id!(LocalId);

    #[test]
    fn macro_defines_new_ids() {
        assert_eq!("5".parse::<LocalId>(), Ok(LocalId(5)));
        assert_eq!(format!("{:?}", LocalId(5)), "LocalId(5)");
    }
}
