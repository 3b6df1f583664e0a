//! The analytics module: its navigation, routes (each area's `web`), dashboard tiles and charts.

use hops_kernel::{LocalDay, Period, PeriodRange};
use hops_platform::charts::BarChart;
use hops_platform::web::{BoxFuture, ChartPanel, Module, NavItem, Routes, Section, Tile, group_digits};
use hops_platform::{Access, Permission, Result};

use crate::kpi::model::Value;
use crate::kpi::service;
use crate::kpi::web::{compact_money, delta, find, show};

/// The analytics module.
pub struct AnalyticsModule;

impl Module for AnalyticsModule {
    fn audit_actions(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("analytics.rebuild", "重建统计数据"),
            ("ingest.consultations", "导入问诊数据"),
            ("ingest.appointments", "导入预约挂号数据"),
            ("ingest.payments", "导入充值缴费数据"),
            ("ingest.prescriptions", "导入处方数据"),
            ("performance.generate", "生成绩效表"),
            ("performance.adjust", "调整绩效"),
            ("performance.resolve", "处理绩效异议"),
            ("performance.lock", "锁定绩效月份"),
            ("performance.settings", "绩效设置"),
            ("rankings.publish", "发布排行榜"),
            ("rankings.settings", "排行榜设置"),
            ("rankings.feedback", "提交排行榜反馈"),
            ("rankings.feedback_handled", "处理排行榜反馈"),
            ("rankings.feedback_reveal", "查看反馈联系方式"),
            ("revenue.settings", "收入口径设置"),
        ]
    }

    fn name(&self) -> &'static str {
        "analytics"
    }

    /// Disputes to resolve and feedback to answer; a doctor's sheets to confirm.
    fn work<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<hops_platform::web::WorkItem>>> {
        Box::pin(crate::work::items(access))
    }

    /// Rebuilds the roll-ups an interrupted rebuild left marked stale.
    fn provide(&self, services: &mut hops_platform::services::Services) {
        use hops_contracts::activity::Consultations;
        services.provide::<dyn Consultations>(std::sync::Arc::new(crate::activity::service::ConsultationsService));
    }

    fn on_start<'a>(&'a self, core: &'a std::sync::Arc<hops_platform::Core>) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::activity::upkeep::rebuild_pending(core))
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem { section: Section::Analytics, label: "运营指标", href: "/kpis", permission: Permission::AnalyticsRead },
            NavItem { section: Section::Analytics, label: "数据接入", href: "/ingest", permission: Permission::ActivityIngest },
            NavItem { section: Section::Analytics, label: "医生绩效", href: "/performance", permission: Permission::AnalyticsRead },
            NavItem { section: Section::Analytics, label: "我的绩效", href: "/performance", permission: Permission::OwnPerformance },
            NavItem { section: Section::Analytics, label: "排行榜", href: "/rankings", permission: Permission::AnalyticsRead },
        ]
    }

    fn encrypted_columns(&self) -> Vec<hops_platform::reencrypt::Column> {
        vec![hops_platform::reencrypt::Column::new(crate::rankings::service::CONTACT)]
    }

    fn routes(&self) -> Routes {
        crate::performance::web::routes()
            .merge(crate::rankings::web::routes())
            .merge(crate::revenue::web::routes())
            .merge(crate::kpi::web::routes())
            .merge(crate::activity::web::routes())
    }

    fn tiles<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<Tile>>> {
        Box::pin(async move {
            if !access.can(Permission::AnalyticsRead) {
                return Ok(Vec::new());
            }
            let set = service::kpis(access, PeriodRange::containing(Period::Month, access.now().local_day())).await?;
            let tile = |key: &str, label: &str| {
                let v = find(&set.current, key);
                Tile {
                    label: label.into(),
                    value: match v {
                        Value::Money(m) => compact_money(*m),
                        other => show(other),
                    },
                    sub: format!("{} {}", set.spans.previous_change(), delta(v, find(&set.previous, key))),
                    href: "/kpis".into(),
                }
            };
            // Today and this week from the daily counts; this week against the same days of last week.
            let today = access.now().local_day();
            let days = service::daily_consultations(access, 14).await?;
            let count = |from: LocalDay, to: LocalDay| days.iter().filter(|(d, _)| from <= *d && *d <= to).map(|(_, n)| n).sum::<i64>();
            let monday = PeriodRange::containing(Period::Week, today).start;
            let (this_week, last_week) = (count(monday, today), count(monday.plus_days(-7), today.plus_days(-7)));
            Ok(vec![
                Tile {
                    label: "今日问诊量".into(),
                    value: group_digits(count(today, today)),
                    sub: format!("昨日 {}", group_digits(count(today.plus_days(-1), today.plus_days(-1)))),
                    href: "/kpis?period=week".into(),
                },
                Tile {
                    label: "本周问诊量".into(),
                    value: group_digits(this_week),
                    sub: format!("较上周同期 {}", delta(&Value::Count(this_week), &Value::Count(last_week))),
                    href: "/kpis?period=week".into(),
                },
                tile("consultations_created", "本月问诊量"),
                tile("consultation_revenue", "本月问诊收入"),
                tile("good_review_rate", "本月好评率"),
                crate::revenue::web::tile(access).await?,
            ])
        })
    }

    fn charts<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<ChartPanel>>> {
        Box::pin(async move {
            if !access.can(Permission::AnalyticsRead) {
                return Ok(Vec::new());
            }
            let month = PeriodRange::containing(Period::Month, access.now().local_day());
            let daily = service::daily_consultations(access, 30).await?;
            let labels: Vec<String> = daily.iter().map(|(d, _)| format!("{}", d.to_date().day())).collect();
            let values: Vec<i64> = daily.iter().map(|(_, n)| *n).collect();
            let set = service::kpis(access, month).await?;
            let (dl, dv): (Vec<String>, Vec<i64>) = set.department_share.iter().take(8).map(|d| (d.name.clone(), d.consultations)).unzip();
            let top = service::top_doctors(access, month, 10).await?;
            let (tl, tv): (Vec<String>, Vec<i64>) = top.iter().map(|(name, _, n)| (name.clone(), *n)).unzip();
            let reasons = service::bad_review_reasons(access, month).await?;
            let (rl, rv): (Vec<String>, Vec<i64>) = reasons.iter().map(|(r, n)| (r.to_string(), *n)).unzip();
            let bad = service::bad_reviews(access, month).await?;
            let mut panels = vec![
                ChartPanel {
                    title: "近 30 天问诊量".into(),
                    subtitle: format!("合计 {}", group_digits(values.iter().sum())),
                    svg: BarChart { labels: &labels, values: &values, unit: "单" }.svg(),
                    href: "/kpis".into(),
                },
                ChartPanel {
                    title: "本月科室占比（支付问诊）".into(),
                    subtitle: set.range.label_zh(),
                    svg: BarChart { labels: &dl, values: &dv, unit: "单" }.svg(),
                    href: "/kpis".into(),
                },
                ChartPanel {
                    title: "本月医生完成问诊 Top 10".into(),
                    subtitle: set.range.label_zh(),
                    svg: BarChart { labels: &tl, values: &tv, unit: "单" }.svg(),
                    href: "/kpis".into(),
                },
            ];
            if !rv.is_empty() {
                panels.push(ChartPanel {
                    title: "本月差评原因".into(),
                    subtitle: format!("差评（1–2 分）{} 条；按评价内容归类，一条可归入多个原因", group_digits(bad)),
                    svg: BarChart { labels: &rl, values: &rv, unit: "条" }.svg(),
                    href: "/kpis".into(),
                });
            }
            Ok(panels)
        })
    }
}
