//! Reasons for bad reviews (差评原因归纳): each review text is matched against keyword
//! families. Pure and deterministic, and the one list used by the dashboard, reports and
//! complaints.

/// Keyword families of bad reviews (ratings ≤ 2): the reason and the words patients write.
pub const REASONS: &[(&str, &[&str])] = &[
    (
        "回复慢",
        &[
            "回复慢",
            "回复太慢",
            "回复很慢",
            "回得慢",
            "才回",
            "没人理",
            "没人回",
            "不回复",
            "没有回复",
            "回复不及时",
            "响应慢",
            "迟迟不回",
            "半天不回",
            "等到第二天",
            "回一句话",
        ],
    ),
    ("态度", &["态度", "不耐烦", "不耐心", "敷衍", "冷淡", "冷漠", "爱答不理", "语气", "不礼貌", "应付", "嫌弃", "凶"]),
    ("退款", &["退款", "退钱", "退费", "不退"]),
    (
        "配送",
        &[
            "配送",
            "快递",
            "物流",
            "送药",
            "发货",
            "药才到",
            "药迟迟没到",
            "发错",
            "少发",
            "漏发",
            "送错",
            "送得太慢",
            "药盒",
            "规格不对",
            "和开的不一样",
        ],
    ),
    (
        "解释不清",
        &[
            "解释",
            "说不清",
            "讲不清",
            "讲得不清楚",
            "说明白",
            "没说清",
            "看不懂",
            "听不懂",
            "专业术语",
            "笼统",
            "没有针对性",
            "等于没说",
            "没给解读",
            "没看明白",
            "答非所问",
            "建议都没有",
        ],
    ),
    (
        "等待",
        &["排队", "排了", "候诊", "等待时间", "等了很久", "等了好久", "等太久", "等到晚上", "没接通", "打不进来", "还没上线", "分钟还没"],
    ),
    ("价格", &["价格", "贵", "收费", "不值", "性价比", "收这么多"]),
    (
        "系统",
        &[
            "系统",
            "卡顿",
            "老是卡",
            "闪退",
            "打不开",
            "加载不出",
            "登录不了",
            "掉线",
            "断了",
            "报错",
            "找不到",
            "入口",
            "操作太复杂",
            "不会用",
            "传不上",
            "APP",
            "App",
            "app",
            "bug",
            "BUG",
        ],
    ),
];

/// The reason families one review text mentions (possibly none).
pub fn reasons(text: &str) -> Vec<&'static str> {
    REASONS.iter().filter(|(_, words)| words.iter().any(|w| text.contains(w))).map(|(r, _)| *r).collect()
}

/// Counts per reason family over bad-review texts, largest first (ties in family order);
/// then texts naming no family as 其他 and empty texts as 未填写评价.
pub fn tally<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<(&'static str, i64)> {
    let mut counts: Vec<(&'static str, i64)> = REASONS.iter().map(|(r, _)| (*r, 0)).collect();
    let (mut other, mut blank) = (0, 0);
    for t in texts {
        let t = t.trim();
        if t.is_empty() {
            blank += 1;
            continue;
        }
        let found = reasons(t);
        if found.is_empty() {
            other += 1;
        }
        for r in found {
            if let Some(c) = counts.iter_mut().find(|(name, _)| *name == r) {
                c.1 += 1;
            }
        }
    }
    counts.push((OTHER, other));
    counts.push((BLANK, blank));
    order(counts.into_iter().map(|(r, n)| (r.to_string(), n)).collect())
}

/// Texts naming no family.
pub const OTHER: &str = "其他";
/// Empty texts.
pub const BLANK: &str = "未填写评价";

/// Counts per reason (as stored) in display order: families largest first (ties in family
/// order), then 其他 and 未填写评价; zero counts and unknown names left out.
pub fn order(counts: std::collections::HashMap<String, i64>) -> Vec<(&'static str, i64)> {
    let n = |r: &str| counts.get(r).copied().unwrap_or(0);
    let mut out: Vec<(&'static str, i64)> = REASONS.iter().map(|(r, _)| (*r, n(r))).collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.1));
    out.push((OTHER, n(OTHER)));
    out.push((BLANK, n(BLANK)));
    out.retain(|(_, n)| *n > 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let cases: &[(&str, &[&str])] = &[
            ("等了一个小时医生才回复，回复太慢了", &["回复慢"]),
            ("医生态度很差，很不耐烦", &["态度"]),
            ("申请退款一周了还没退钱", &["退款"]),
            ("药三天了还没到，快递太慢", &["配送"]),
            ("说了半天也没解释清楚，听不懂", &["解释不清"]),
            ("视频总是卡顿", &["系统"]),
            ("排了两个小时的队，太贵了", &["等待", "价格"]),
            ("一般", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(reasons(text), want.to_vec(), "{text}");
        }
    }

    #[test]
    fn tally_counts_and_orders() {
        let t = tally(["回复太慢", "半天不回", "态度差", "还行吧", " "]);
        assert_eq!(t, vec![("回复慢", 2), ("态度", 1), ("其他", 1), ("未填写评价", 1)]);
        assert!(tally(std::iter::empty()).is_empty());
    }
}
