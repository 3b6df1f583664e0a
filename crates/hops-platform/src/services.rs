//! Service interfaces between modules: a module provides an implementation of an interface
//! (a trait of `hops-contracts`) at start ([`crate::web::Module::provide`]) and another module
//! asks for it ([`crate::Core::service`]) without depending on the provider's crate. The
//! interfaces take an [`crate::Access`], so the provider checks permissions and audits as for
//! its own pages.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};

/// The provided interfaces, one implementation each; and what approvals set off, per subject
/// kind ([`crate::flow::Approvable`]).
#[derive(Default)]
pub struct Services(HashMap<TypeId, Box<dyn Any + Send + Sync>>, HashMap<&'static str, Arc<dyn crate::flow::Approvable>>);

impl Services {
    /// Provides `service` as the implementation of interface `T` (a `dyn Trait`). Panics when
    /// `T` is provided twice (a wiring mistake found at start).
    pub fn provide<T: ?Sized + Send + Sync + 'static>(&mut self, service: Arc<T>) {
        let previous = self.0.insert(TypeId::of::<Arc<T>>(), Box::new(service));
        assert!(previous.is_none(), "service {} provided twice", type_name::<T>());
    }

    /// Provides what approvals of `a.kind()` subjects set off. Panics when a kind is provided
    /// twice.
    pub fn approvable(&mut self, a: Arc<dyn crate::flow::Approvable>) {
        let kind = a.kind();
        assert!(self.1.insert(kind, a).is_none(), "approvals of {kind} provided twice");
    }

    /// What approvals of subjects of `kind` set off, if a module provides it.
    pub fn approvable_for(&self, kind: &str) -> Option<Arc<dyn crate::flow::Approvable>> {
        self.1.get(kind).cloned()
    }

    /// The implementation of `T`; an internal error when no module provides it.
    pub fn get<T: ?Sized + Send + Sync + 'static>(&self) -> Result<Arc<T>> {
        self.0
            .get(&TypeId::of::<Arc<T>>())
            .and_then(|b| b.downcast_ref::<Arc<T>>())
            .cloned()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("no module provides {}", type_name::<T>())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    trait Greeter: Send + Sync {
        fn greet(&self) -> String;
    }
    struct Zh;
    impl Greeter for Zh {
        fn greet(&self) -> String {
            "您好".into()
        }
    }

    #[test]
    fn an_interface_is_found_by_its_type() {
        let mut s = Services::default();
        assert!(s.get::<dyn Greeter>().is_err(), "not provided yet");
        s.provide::<dyn Greeter>(Arc::new(Zh));
        assert_eq!(s.get::<dyn Greeter>().unwrap().greet(), "您好");
    }

    #[test]
    #[should_panic(expected = "provided twice")]
    fn providing_twice_is_a_wiring_mistake() {
        let mut s = Services::default();
        s.provide::<dyn Greeter>(Arc::new(Zh));
        s.provide::<dyn Greeter>(Arc::new(Zh));
    }
}
