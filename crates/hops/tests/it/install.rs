//! The installation refuses a key file other than the one its data was encrypted with.

use std::sync::Arc;

use hops_testkit::{Backend, TestDb, both_backends};

both_backends!(wrong_key_file_is_refused);

async fn wrong_key_file_is_refused(b: Backend) {
    let tdb = TestDb::create(&b).await;
    let config = tdb.config();
    let (db, _) = hops::open(&config, Arc::new(hops_kernel::SystemClock)).await.unwrap();
    db.close().await;
    let (db, _) = hops::open(&config, Arc::new(hops_kernel::SystemClock)).await.expect("same key opens again");
    db.close().await;
    let mut other = config.clone();
    other.key_file = tdb.dir.join("other.key");
    let err = hops::open(&other, Arc::new(hops_kernel::SystemClock)).await.err().expect("another key is refused");
    assert!(format!("{err:#}").contains("密钥文件与此数据库不匹配"), "{err:#}");
}
