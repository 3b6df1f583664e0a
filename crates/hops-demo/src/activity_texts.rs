//! Tables, distributions and words of the synthetic activity ([`super`]): the calendar (hours,
//! holidays), department volumes, consultation kinds, and how a consultation went for the
//! patient — bad experiences (more often after a slow first reply or a troubled delivery),
//! refunds, ratings and review texts in patients' own words, so the dashboard's grouping of
//! bad-review reasons has something real to learn. Each bad cause is phrased in several natural
//! ways (and combined with openings and endings), so the same cause never reads as one fixed
//! sentence.

use hops_kernel::LocalDay;
use rand::{Rng, RngExt};

use crate::synth::pick_weighted;

/// Relative volume by hour of the day.
#[rustfmt::skip]
pub const HOURS: &[(i64, u32)] = &[
    (0, 3), (1, 2), (2, 1), (3, 1), (4, 1), (5, 2), (6, 4), (7, 8), (8, 14), (9, 20), (10, 22), (11, 19),
    (12, 12), (13, 11), (14, 14), (15, 15), (16, 14), (17, 12), (18, 12), (19, 17), (20, 20), (21, 19), (22, 13), (23, 7),
];
/// Outpatient bills are paid in clinic hours.
#[rustfmt::skip]
pub const CLINIC_HOURS: &[(i64, u32)] = &[
    (7, 6), (8, 20), (9, 24), (10, 22), (11, 16), (12, 6), (13, 10), (14, 18), (15, 17), (16, 14), (17, 6), (18, 3), (19, 3), (20, 3), (21, 2),
];

/// Public holidays (first and last day as yyyymmdd) and their volume relative to a weekday, per
/// the State Council's notices for 2025 and 2026. The 2027 dates are estimated from the lunar
/// calendar (not yet announced when written).
#[rustfmt::skip]
#[allow(clippy::inconsistent_digit_grouping)] // yyyy_mm_dd
pub const HOLIDAYS: &[(u32, u32, f64)] = &[
    (2024_10_01, 2024_10_07, 0.5),
    (2025_01_01, 2025_01_01, 0.6), (2025_01_28, 2025_02_04, 0.35), (2025_04_04, 2025_04_06, 0.6), (2025_05_01, 2025_05_05, 0.55),
    (2025_05_31, 2025_06_02, 0.6), (2025_10_01, 2025_10_08, 0.5),
    (2026_01_01, 2026_01_03, 0.6), (2026_02_15, 2026_02_23, 0.35), (2026_04_04, 2026_04_06, 0.6), (2026_05_01, 2026_05_05, 0.55),
    (2026_06_19, 2026_06_21, 0.6), (2026_09_25, 2026_09_27, 0.6), (2026_10_01, 2026_10_07, 0.5),
    (2027_01_01, 2027_01_03, 0.6), (2027_02_05, 2027_02_13, 0.35), (2027_04_03, 2027_04_05, 0.6), (2027_05_01, 2027_05_05, 0.55),
    (2027_06_09, 2027_06_11, 0.6), (2027_09_15, 2027_09_17, 0.6), (2027_10_01, 2027_10_07, 0.5),
];
/// Weekend days that are working days (调休).
#[allow(clippy::inconsistent_digit_grouping)] // yyyy_mm_dd
pub const MAKEUP_WORKDAYS: &[u32] =
    &[2025_01_26, 2025_02_08, 2025_04_27, 2025_09_28, 2025_10_11, 2026_01_04, 2026_02_14, 2026_02_28, 2026_05_09, 2026_09_20, 2026_10_10];
/// Days around 春节 when many are travelling (a factor on top of the day's own).
#[rustfmt::skip]
#[allow(clippy::inconsistent_digit_grouping)] // yyyy_mm_dd
pub const SPRING_SHOULDERS: &[(u32, u32, f64)] = &[
    (2025_01_23, 2025_01_27, 0.75), (2025_02_05, 2025_02_09, 0.85), (2026_02_10, 2026_02_14, 0.75),
    (2026_02_24, 2026_02_28, 0.85), (2027_01_31, 2027_02_04, 0.75), (2027_02_14, 2027_02_18, 0.85),
];

/// Relative volume of a department by a word in its name (first match) and whether it has the
/// winter respiratory peak; anything else weighs 2.
#[rustfmt::skip]
pub const DEPARTMENT_WEIGHTS: &[(&str, f64, bool)] = &[
    ("呼吸", 9.0, true), ("儿", 11.0, true), ("感染", 2.5, true), ("心血管", 8.0, false), ("消化", 7.0, false),
    ("内分泌", 6.5, false), ("神经内", 5.0, false), ("肾", 3.0, false), ("血液", 1.5, false), ("妇", 8.0, false),
    ("产", 5.0, false), ("皮肤", 6.0, false), ("中医", 4.0, false), ("全科", 4.5, false), ("精神", 3.5, false),
    ("心理", 3.5, false), ("眼", 3.0, false), ("耳鼻", 3.0, false), ("口腔", 2.0, false), ("骨", 4.0, false),
    ("泌尿", 3.0, false), ("普通外", 2.5, false), ("肿瘤", 3.0, false), ("康复", 1.2, false), ("健康管理", 1.5, false),
    ("急诊", 1.0, false), ("神经外", 1.0, false), ("心胸", 0.8, false), ("麻醉", 0.2, false), ("放射", 0.4, false),
    ("检验", 0.4, false), ("内科", 4.0, false), ("外科", 1.5, false),
];
/// The winter respiratory season, January to December.
pub const RESPIRATORY_SEASON: [f64; 12] = [1.75, 1.5, 1.15, 0.95, 0.85, 0.8, 0.8, 0.8, 0.9, 1.0, 1.25, 1.7];

/// A consultation kind: code, share, price range in yuan, median minutes from payment to the
/// first reply and its spread (lognormal sigma), live (video, phone) or not.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Kind {
    pub code: &'static str,
    pub prices: (i64, i64),
    pub reply: (f64, f64),
    pub live: bool,
}

#[rustfmt::skip]
pub const KINDS: &[(Kind, u32)] = &[
    (Kind { code: "text", prices: (20, 80), reply: (8.0, 1.0), live: false }, 55),
    (Kind { code: "video", prices: (50, 150), reply: (3.5, 0.75), live: true }, 10),
    (Kind { code: "phone", prices: (40, 120), reply: (3.5, 0.75), live: true }, 10),
    (Kind { code: "revisit", prices: (10, 30), reply: (10.0, 1.0), live: false }, 25),
];

/// `20260312`.
pub fn ymd(day: LocalDay) -> u32 {
    let d = day.to_date();
    (d.year().max(0) as u32) * 10_000 + (d.month() as u32) * 100 + d.day() as u32
}

/// 0 for January … 11 for December.
pub fn month(day: LocalDay) -> usize {
    (day.to_date().month() - 1) as usize
}

/// A day's volume relative to a working day: weekends, holidays, 调休, the 春节 travel days.
pub fn calendar_factor(day: LocalDay) -> f64 {
    let key = ymd(day);
    let within = |&&(a, b, _): &&(u32, u32, f64)| (a..=b).contains(&key);
    let base = if let Some(&(_, _, f)) = HOLIDAYS.iter().find(within) {
        f
    } else if MAKEUP_WORKDAYS.contains(&key) {
        0.9
    } else if day.weekday().to_monday_zero_offset() >= 5 {
        0.6
    } else {
        1.0
    };
    base * SPRING_SHOULDERS.iter().find(within).map_or(1.0, |s| s.2)
}

/// A standard normal draw (Box–Muller).
pub fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A lognormal draw with this median and sigma.
pub fn lognormal<R: Rng + ?Sized>(rng: &mut R, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// A Poisson draw (normal approximation above a mean of 30).
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> usize {
    if mean <= 0.0 {
        0
    } else if mean < 30.0 {
        let (limit, mut p, mut k) = ((-mean).exp(), 1.0, 0);
        loop {
            p *= rng.random::<f64>();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    } else {
        (mean + mean.sqrt() * normal(rng)).round().max(0.0) as usize
    }
}

/// A well-mixed 64-bit hash (splitmix64 finaliser).
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stable hash of a text (FNV-1a, then mixed with the seed).
pub fn hash_str(seed: u64, s: &str) -> u64 {
    let h = s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3));
    mix64(h ^ mix64(seed))
}

/// A hash as a number in `0..1`.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Running sums of `weights`.
pub fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    weights
        .scan(0.0, |s, w| {
            *s += w;
            Some(*s)
        })
        .collect()
}

/// An index with probability proportional to its weight, given the running sums (not all zero).
pub fn pick_cumulative<R: Rng + ?Sized>(rng: &mut R, cumulative: &[f64]) -> usize {
    let x = rng.random::<f64>() * cumulative.last().copied().unwrap_or(0.0);
    cumulative.partition_point(|&c| c <= x).min(cumulative.len().saturating_sub(1))
}

/// What came of a completed consultation.
pub struct Experience {
    pub refunded: bool,
    pub rating: Option<u8>,
    /// Empty when the patient wrote nothing.
    pub review: String,
}

/// The experience of a completed consultation given its first-reply delay in seconds (`live`:
/// video or phone, where a slow start reads as waiting) and any delivery trouble.
pub fn experience<R: Rng + ?Sized>(rng: &mut R, live: bool, delay: i64, delivery: Option<Cause>) -> Experience {
    let slow = if live { Cause::LongWait } else { Cause::SlowReply };
    let trigger = match (delay, delivery) {
        (_, Some(c)) => Some((c, if c == Cause::WrongDelivery { 0.6 } else { 0.3 })),
        (3601.., _) => Some((slow, 0.35)),
        (1801.., _) => Some((slow, 0.15)),
        _ => None,
    };
    let bad = rng.random_bool(trigger.map_or(0.03, |t| t.1));
    let refunded = rng.random_bool(if bad { 0.08 } else { 0.003 });
    if !rng.random_bool(if bad || refunded { 0.6 } else { 0.43 }) {
        return Experience { refunded, rating: None, review: String::new() };
    }
    let rating: u8 = if bad || refunded {
        *pick_weighted(rng, &[(1, 40), (2, 30), (3, 30)])
    } else if rng.random_bool(0.86) {
        5
    } else {
        4
    };
    let cause = match trigger {
        _ if refunded && rng.random_bool(0.7) => Cause::Refund,
        Some((c, _)) if rng.random_bool(0.8) => c,
        _ => *pick_weighted(rng, BACKGROUND_CAUSES),
    };
    Experience { refunded, rating: Some(rating), review: review(rng, rating, cause) }
}

fn one<'t, R: Rng + ?Sized>(rng: &mut R, items: &[&'t str]) -> &'t str {
    items[rng.random_range(0..items.len())]
}

/// A review for `rating` (often none), blaming `cause` when it is bad.
fn review<R: Rng + ?Sized>(rng: &mut R, rating: u8, cause: Cause) -> String {
    let wants = [0.0, 0.92, 0.92, 0.85, 0.65, 0.7][usize::from(rating.min(5))];
    if !rng.random_bool(wants) {
        return String::new();
    }
    match rating {
        1 | 2 => {
            let mut s = one(rng, complaints(cause)).to_string();
            let other = *pick_weighted(rng, BACKGROUND_CAUSES);
            if other != cause && rng.random_bool(0.25) {
                s = format!("{s}，{}", one(rng, complaints(other)));
            }
            s + one(rng, BAD_ENDINGS)
        }
        3 => format!("{}{}{}", one(rng, MIXED_OPENINGS), one(rng, mild(cause)), one(rng, &["", "。", "，希望改进。"])),
        _ if rng.random_bool(0.15) => one(rng, SHORT_GOOD).to_string(),
        _ => {
            let mut s = one(rng, GOOD_OPENINGS).to_string();
            let mut praised = 0;
            for _ in 0..rng.random_range(1..=3) {
                let p = one(rng, PRAISE);
                if !s.contains(p) {
                    s += if praised > 0 { "，" } else { "" };
                    s += p;
                    praised += 1;
                }
            }
            if rating == 4 && rng.random_bool(0.35) {
                let c = *pick_weighted(rng, BACKGROUND_CAUSES);
                s = format!("{s}，就是{}", one(rng, mild(c)));
            }
            s + one(rng, GOOD_ENDINGS)
        }
    }
}

/// Why a patient was unhappy.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// 回复慢
    SlowReply,
    /// 态度差 / 不耐心
    Attitude,
    /// 退款难
    Refund,
    /// 药品配送慢
    SlowDelivery,
    /// 药品配送错
    WrongDelivery,
    /// 解释不清
    Unclear,
    /// 等待时间长
    LongWait,
    /// 价格贵
    Price,
    /// 系统卡顿 / 操作复杂
    System,
}

/// Causes with no particular trigger, with relative weights.
pub const BACKGROUND_CAUSES: &[(Cause, u32)] =
    &[(Cause::Attitude, 30), (Cause::Unclear, 25), (Cause::Price, 15), (Cause::System, 15), (Cause::SlowReply, 10), (Cause::LongWait, 5)];

/// Full complaints (ratings 1–2), several phrasings per cause.
pub fn complaints(cause: Cause) -> &'static [&'static str] {
    match cause {
        Cause::SlowReply => &[
            "等了一个多小时医生才回复",
            "回复太慢了",
            "付完钱半天没人理",
            "医生回复很慢，问一句要等半天",
            "消息发出去好久才回",
            "隔了好几个小时才回一句话",
            "回复不及时，孩子发着烧干着急",
            "说是很快回复，结果等到第二天早上",
        ],
        Cause::Attitude => &[
            "医生态度很差",
            "回答很敷衍，明显不耐烦",
            "多问两句就不耐烦了",
            "语气很冲，感觉被嫌弃",
            "爱答不理的",
            "态度冷淡，随便回了几个字就结束了",
            "一点都不耐心，话没说完就挂了",
            "感觉医生在应付差事",
        ],
        Cause::Refund => &[
            "申请退款好几天都没到账",
            "退款太难了，客服一直推脱",
            "医生没接诊，钱却迟迟不退",
            "退个款流程特别麻烦",
            "说好自动退款，结果等了一个星期",
            "退款申请被拒，理由也说不清楚",
            "找客服退款来回折腾了好几次",
        ],
        Cause::SlowDelivery => &[
            "药送得太慢了，等了好几天",
            "快递一直不动，药迟迟没到",
            "药品配送太慢，病都快好了药才到",
            "配送信息好几天不更新",
            "说好第二天送到，结果拖了三四天",
            "等药等得心急，物流太慢",
        ],
        Cause::WrongDelivery => &[
            "送来的药和开的不一样",
            "药发错了，还得来回折腾",
            "少发了一盒药，联系了也没人管",
            "药盒压坏了，说明书也没有",
            "收到的药规格不对",
        ],
        Cause::Unclear => &[
            "说了等于没说，没解释清楚",
            "问了半天也没说明白是什么问题",
            "回答很笼统，没有针对性",
            "只让去医院检查，别的什么建议都没有",
            "用药方法讲得不清楚，还得自己查",
            "全是专业术语，根本看不懂",
            "检查报告也没给解读，白问了",
        ],
        Cause::LongWait => &[
            "排队等了很久才轮到",
            "视频等了四十分钟还没接通",
            "约好的时间到了医生还没上线",
            "等待时间太长了",
            "电话一直打不进来，等了好久",
            "前面排了几十个人，等到晚上",
        ],
        Cause::Price => &[
            "价格太贵了，就聊了几句",
            "几句话收这么多钱，不值",
            "问诊费偏贵",
            "性价比太低",
            "收费贵，服务跟不上",
            "比去医院挂号贵多了，还没看明白",
        ],
        Cause::System => &[
            "系统老是卡，图片传不上去",
            "操作太复杂了，老人根本不会用",
            "视频中途断了好几次",
            "页面一直加载不出来",
            "支付的时候一直报错",
            "找了半天找不到问诊入口",
            "APP闪退，聊天记录都没了",
        ],
    }
}

/// A milder form of the cause, after “就是” in a rating 3 or 4.
pub fn mild(cause: Cause) -> &'static [&'static str] {
    match cause {
        Cause::SlowReply => &["回复稍微慢了点", "回得有点慢", "回复不太及时"],
        Cause::Attitude => &["医生有点着急", "语气有点生硬", "感觉不太耐心"],
        Cause::Refund => &["退款有点慢", "退款等了好几天"],
        Cause::SlowDelivery => &["药送得有点慢", "快递慢了一天"],
        Cause::WrongDelivery => &["药的包装有点破", "少了一张说明书"],
        Cause::Unclear => &["解释得不够详细", "有些地方没讲清楚", "希望能说得再具体点"],
        Cause::LongWait => &["等的时间有点长", "排队久了点"],
        Cause::Price => &["价格有点贵", "收费稍微高了点"],
        Cause::System => &["系统有点卡", "操作有点复杂", "页面有点难找"],
    }
}

/// Praise, combined one to three at a time.
pub const PRAISE: &[&str] = &[
    "医生很耐心",
    "回复很及时",
    "解释得很清楚",
    "态度非常好",
    "非常专业",
    "问得很仔细",
    "建议很实用",
    "用药指导很详细",
    "不用跑医院，太方便了",
    "开药方便，药很快就送到了",
    "报告解读得很详细",
    "医生很负责，还主动问我恢复情况",
    "语气温和，让人很安心",
    "几分钟就回复了",
    "专业又细心",
    "注意事项都写得清清楚楚",
    "一点都不敷衍",
    "讲得通俗易懂",
    "比去医院排队省心多了",
    "很耐心地回答了我所有的问题",
    "诊断很准，吃了药好多了",
    "服务很好",
    "流程简单，操作方便",
    "晚上也能找到医生，很及时",
    "给的方案很有效",
    "对老人特别有耐心",
];

/// Openings of good reviews (often empty).
pub const GOOD_OPENINGS: &[&str] = &[
    "",
    "",
    "",
    "",
    "孩子半夜发烧，",
    "复诊开药很方便，",
    "第一次用线上问诊，",
    "帮家里老人问的，",
    "在外地出差，",
    "老毛病了，",
    "拿着检查报告来问，",
    "朋友推荐来的，",
];

/// Endings of good reviews (often empty).
pub const GOOD_ENDINGS: &[&str] = &[
    "",
    "",
    "",
    "。",
    "，谢谢医生！",
    "，非常感谢！",
    "，推荐给家人朋友。",
    "，下次还找这位医生。",
    "，好评！",
    "，五星好评。",
    "，辛苦了！",
];

/// Plain short reviews.
pub const SHORT_GOOD: &[&str] = &["好", "很好", "满意", "非常满意", "好医生", "谢谢医生", "专业", "靠谱", "点赞"];

/// Openings of rating-3 reviews, before the mild complaint.
pub const MIXED_OPENINGS: &[&str] =
    &["整体还行，就是", "医生还算专业，就是", "一般般，", "还可以吧，就是", "问题解决了，但是", "中规中矩，"];

/// Endings of complaints (often empty).
pub const BAD_ENDINGS: &[&str] =
    &["", "", "。", "，体验很差。", "，不会再用了。", "，希望改进。", "，很失望。", "，差评！", "，太耽误事了。"];
