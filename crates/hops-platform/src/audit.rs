//! The tamper-evident audit log: one hash chain per hospital. Each entry's hash covers the
//! previous entry's hash and all of its own fields, and `audit_head` holds the newest, so an
//! edited, deleted or truncated entry breaks the chain. The tables also refuse UPDATE and
//! DELETE by trigger.

use hops_kernel::{HospitalId, Instant};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::core::{Actor, Tx};
use crate::db::{Engine, System};
use crate::error::Result;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as stored.
#[derive(Clone, Debug)]
pub struct Entry {
    pub hospital: HospitalId,
    pub seq: i64,
    pub at: Instant,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chained hash of an entry (pure).
pub fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    for part in [
        e.prev_hash.as_str(),
        &e.hospital.0.to_string(),
        &e.seq.to_string(),
        &e.at.0.to_string(),
        &e.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        &e.actor_name,
        &e.action,
        &e.target,
        &e.detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

pub(crate) async fn append(
    tx: &mut Tx,
    engine: Engine,
    actor: &Actor,
    at: Instant,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    let head_sql = match engine {
        Engine::Postgres => "SELECT seq, hash FROM audit_head WHERE hospital_id = $1 FOR UPDATE",
        Engine::Sqlite => "SELECT seq, hash FROM audit_head WHERE hospital_id = $1",
    };
    let head = tx.query(head_sql).fetch_optional(tx.conn()).await?;
    let (prev_seq, prev_hash) = match head {
        Some(r) => (r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?),
        None => (0, GENESIS.to_string()),
    };
    let mut e = Entry {
        hospital: tx.hospital(),
        seq: prev_seq + 1,
        at,
        actor_id: actor.user_id.map(|u| u.0),
        actor_name: actor.display_name.clone(),
        action: action.into(),
        target: target.into(),
        detail: detail.into(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    // PostgreSQL writes the entry and moves the head in one statement (one round trip less while
    // the head is locked); SQLite has no data-modifying CTEs, and one writer anyway.
    let sql = match engine {
        Engine::Postgres => {
            "WITH head AS (INSERT INTO audit_head (hospital_id, seq, hash) VALUES ($1, $2, $10) \
             ON CONFLICT (hospital_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash) \
             INSERT INTO audit_log (hospital_id, seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        }
        Engine::Sqlite => {
            "INSERT INTO audit_log (hospital_id, seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        }
    };
    tx.query(sql)
        .bind(e.seq)
        .bind(e.at.0)
        .bind(e.actor_id)
        .bind(&e.actor_name)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.detail)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(tx.conn())
        .await?;
    if engine == Engine::Sqlite {
        tx.query(
            "INSERT INTO audit_head (hospital_id, seq, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (hospital_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .bind(e.seq)
        .bind(&e.hash)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Entry> {
    Ok(Entry {
        hospital: HospitalId(r.try_get("hospital_id")?),
        seq: r.try_get("seq")?,
        at: Instant(r.try_get("at")?),
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const COLUMNS: &str = "hospital_id, seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash";

/// A page of a hospital's log, newest first.
pub async fn list(tenant: &crate::db::Tenant, action_prefix: &str, offset: i64, limit: i64) -> Result<(Vec<Entry>, i64)> {
    let mut c = tenant.read().await?;
    let pattern = crate::db::prefix_pattern(action_prefix);
    let total: i64 = c
        .query("SELECT COUNT(*) FROM audit_log WHERE hospital_id = $1 AND action LIKE $2 ESCAPE '\\'")
        .bind(&pattern)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let rows = c
        .query_built(format!(
            "SELECT {COLUMNS} FROM audit_log WHERE hospital_id = $1 AND action LIKE $2 ESCAPE '\\' ORDER BY seq DESC LIMIT $3 OFFSET $4"
        ))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(c.conn())
        .await?;
    let entries = rows.iter().map(entry_from_row).collect::<sqlx::Result<_>>()?;
    Ok((entries, total))
}

/// A problem found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub hospital: HospitalId,
    pub seq: i64,
    pub problem: String,
}

/// Summary of a verification run.
#[derive(Debug, Default)]
pub struct Verification {
    pub hospitals: usize,
    pub entries: u64,
    pub findings: Vec<Finding>,
}

/// Walks every hospital's chain and reports every edited, deleted or reordered entry.
pub async fn verify(system: &System) -> Result<Verification> {
    let mut conn = system.read().await?;
    let hospitals: Vec<i64> = sqlx::query("SELECT id FROM hospitals ORDER BY id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<sqlx::Result<_>>()?;
    let mut out = Verification { hospitals: hospitals.len(), ..Default::default() };
    for h in hospitals {
        let hospital = HospitalId(h);
        let mut expected_prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut last = 0;
        let mut after = 0i64;
        loop {
            // Keyset paging keeps memory flat on long logs.
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM audit_log WHERE hospital_id = $1 AND seq > $2 ORDER BY seq LIMIT 5000"
            )))
            .bind(h)
            .bind(after)
            .fetch_all(&mut *conn)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = entry_from_row(r)?;
                out.entries += 1;
                let mut problems = Vec::new();
                if e.seq != expected_seq {
                    problems.push(format!("缺少第 {expected_seq}–{} 条记录（被删除）", e.seq - 1));
                }
                if e.prev_hash != expected_prev {
                    problems.push("与前一条记录的链接不一致".to_string());
                }
                if entry_hash(&e) != e.hash {
                    problems.push("记录内容与其哈希不符（被修改）".to_string());
                }
                for p in problems {
                    out.findings.push(Finding { hospital, seq: e.seq, problem: p });
                }
                expected_prev = e.hash.clone();
                expected_seq = e.seq + 1;
                last = e.seq;
                after = e.seq;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE hospital_id = $1").bind(h).fetch_optional(&mut *conn).await?;
        if let Some(head) = head {
            let seq: i64 = head.try_get(0)?;
            let hash: String = head.try_get(1)?;
            if seq != last || (last > 0 && hash != expected_prev) {
                out.findings.push(Finding {
                    hospital,
                    seq,
                    problem: format!("链尾不符：应到第 {seq} 条，实际到第 {last} 条（末尾记录被删除或修改）"),
                });
            }
        } else if last > 0 {
            out.findings.push(Finding { hospital, seq: last, problem: "缺少链尾记录".into() });
        }
    }
    Ok(out)
}

/// The Chinese names of the platform's audit actions (each module names its own with
/// `Module::audit_actions`); the audit log shows these, never the codes.
pub const PLATFORM_ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.logout", "退出登录"),
    ("auth.login_failed", "登录失败"),
    ("auth.login_refused", "拒绝登录"),
    ("auth.locked", "账户锁定"),
    ("auth.totp_enrolled", "绑定动态验证码"),
    ("user.create", "新建用户"),
    ("user.update", "修改用户"),
    ("user.import", "批量导入用户"),
    ("user.password_reset", "重置密码"),
    ("user.totp_reset", "重置动态验证码"),
    ("hospital.create", "新建医院"),
    ("calendar.year.save", "保存年度日历"),
    ("calendar.year.reset", "恢复年度日历"),
    ("job.probe", "任务探测"),
    ("job.requeue", "重新排队任务"),
    ("notify.contact", "修改通知联系方式"),
    ("notify.opt_in", "恢复接收通知"),
    ("notify.opt_out", "退订通知"),
    ("notify.quiet_hours", "设置免打扰时段"),
    ("notify.template.save", "保存通知模板"),
    ("notify.template.reset", "恢复通知模板"),
    ("flow.approval.request", "提交审批"),
    ("flow.settings", "审批设置"),
    ("forms.save", "保存问卷"),
    ("forms.response", "记录问卷答卷"),
    ("sms.code", "发送短信验证码"),
    ("export", "导出数据"),
    ("person.reveal", "查看完整证件号与手机号"),
    ("person.adopt_merged", "人员合并（手机号取较新）"),
    ("person.adopt_unreadable", "人员合并（号码无法解密）"),
    ("patient.sign_in", "患者登录"),
    ("patient.wechat_bind", "绑定微信"),
    ("patient.wechat_unbind", "解绑微信"),
];

/// The name of `action` from `labels` (code → name); an action nobody named shows as 其他操作
/// with its code, so it is still told apart.
pub fn action_label(labels: &std::collections::HashMap<&'static str, &'static str>, action: &str) -> String {
    match labels.get(action) {
        Some(l) => (*l).to_string(),
        None => format!("其他操作（{action}）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str) -> Entry {
        let mut e = Entry {
            hospital: HospitalId(1),
            seq,
            at: Instant(seq * 1000),
            actor_id: Some(7),
            actor_name: "张三".into(),
            action: "patient.create".into(),
            target: "patient:1".into(),
            detail: "{}".into(),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        e
    }

    #[test]
    fn any_field_change_changes_the_hash() {
        let e = entry(1, GENESIS);
        let mut f = e.clone();
        f.detail = "{\"x\":1}".into();
        assert_ne!(entry_hash(&f), e.hash);
        let mut g = e.clone();
        g.actor_name = "李四".into();
        assert_ne!(entry_hash(&g), e.hash);
        // Field boundaries matter: moving text between fields changes the hash.
        let mut h = e.clone();
        h.action = "patient.createpatient:1".into();
        h.target = String::new();
        assert_ne!(entry_hash(&h), e.hash);
    }
}
