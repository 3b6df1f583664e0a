//! [`coded!`]: an enum whose variants have a stable code and a Chinese label, and [`Coded`],
//! the trait every such enum implements (what status flows are made of).

/// A value with a stable code (stored, in the API) and a Chinese label (shown). Every
/// [`coded!`] enum implements it; status flows (`hops_platform::flow`) are tables of them.
pub trait Coded: Copy + Eq + 'static {
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
}

/// Declares an enum whose variants each have a stable **code** (what is stored, sent in the
/// API and in URLs) and a **Chinese label** (what people see; never the code):
///
/// ```
/// hops_kernel::coded! {
///     /// How a payment was made.
///     pub Method {
///         /// Online, WeChat Pay API v3.
///         Wechat = "wechat", "微信支付";
///         Onsite = "onsite", "检中支付";
///     }
/// }
/// assert_eq!(Method::Wechat.code(), "wechat");
/// assert_eq!(Method::from_code("onsite"), Some(Method::Onsite));
/// assert_eq!(Method::parse("检中支付"), Some(Method::Onsite));
/// assert_eq!(Method::ALL.len(), 2);
/// ```
///
/// It derives `Clone, Copy, Debug, PartialEq, Eq, Hash` and gives `ALL` (every variant, in
/// declaration order), `code()`, `label_zh()`, `from_code()` (the exact code, surrounding
/// spaces ignored) and `parse()` (the code in any letter case or the label, as imports carry
/// either), and implements [`Coded`].
#[macro_export]
macro_rules! coded {
    ($(#[$m:meta])* $vis:vis $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal, $zh:literal;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vm])* $v),* }
        #[allow(dead_code)]
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; <[()]>::len(&[$($crate::coded!(@unit $v)),*])] = [$($name::$v),*];
            /// The stable code (stored, in the API and in URLs).
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),* }
            }
            /// What people see.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh),* }
            }
            /// The variant with this code (surrounding spaces ignored).
            pub fn from_code(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.into_iter().find(|v| v.code() == s)
            }
            /// The variant with this code (any letter case) or Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.into_iter().find(|v| v.code().eq_ignore_ascii_case(s) || v.label_zh() == s)
            }
        }
        impl $crate::coded::Coded for $name {
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }
        }
    };
    (@unit $v:ident) => { () };
}
