//! Payment (支付管理, seed 004 (一)4(2)): WeChat Pay API v3 behind an adapter, a local sandbox
//! speaking the same protocol, on-site and offline payments recorded by staff, refunds and the
//! daily reconciliation.

pub mod wechat;
