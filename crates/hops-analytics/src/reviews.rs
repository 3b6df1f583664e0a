//! Reasons for bad reviews (差评原因归纳): each review text is matched against keyword
//! families. Pure and deterministic, so the dashboard, reports and complaints agree.

/// Reason families with the words patients actually write.
pub const REASONS: &[(&str, &[&str])] = &[
    ("回复慢", &["回复慢", "回复太慢", "回得慢", "半天不回", "不回复", "没人回", "等了很久才回", "响应慢", "迟迟不回", "回复不及时", "没有回复", "很久才回"]),
    ("态度差", &["态度", "不耐烦", "不耐心", "敷衍", "冷漠", "爱答不理", "语气", "不礼貌", "凶"]),
    ("退款难", &["退款", "退钱", "退费"]),
    ("药品配送", &["配送", "快递", "物流", "送药", "药品到", "药还没到", "发货", "送错", "漏发", "药不对"]),
    ("解释不清", &["解释不清", "没说清", "听不懂", "没解释", "不清楚", "说得不明白", "答非所问", "讲不清"]),
    ("等待时间长", &["等待", "排队", "等了", "等太久", "时间太长", "好久"]),
    ("价格贵", &["贵", "价格", "收费高", "费用高", "不值"]),
    ("系统问题", &["卡顿", "卡", "闪退", "系统", "操作复杂", "打不开", "登录不了", "页面", "bug", "视频断", "掉线"]),
];

/// The reason families a review text mentions (possibly none).
pub fn reasons(text: &str) -> Vec<&'static str> {
    REASONS.iter().filter(|(_, words)| words.iter().any(|w| text.contains(w))).map(|(r, _)| *r).collect()
}

/// Counts per reason over many reviews, largest first; reviews matching nothing count as 其他.
pub fn tally<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<(&'static str, i64)> {
    let mut counts: Vec<(&'static str, i64)> = REASONS.iter().map(|(r, _)| (*r, 0)).collect();
    let mut other = 0;
    for t in texts {
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
    counts.push(("其他", other));
    counts.retain(|(_, n)| *n > 0);
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        let cases: &[(&str, &[&str])] = &[
            ("等了一个小时医生才回复，回复太慢了", &["回复慢", "等待时间长"]),
            ("医生态度很差，很不耐烦", &["态度差"]),
            ("申请退款一周了还没退钱", &["退款难"]),
            ("药三天了还没到，快递太慢", &["药品配送"]),
            ("说了半天也没解释清楚，听不懂", &["解释不清"]),
            ("视频总是卡顿", &["系统问题"]),
            ("一般", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(reasons(text), want.to_vec(), "{text}");
        }
    }

    #[test]
    fn tally_counts_and_orders() {
        let t = tally(["回复太慢", "半天不回", "态度差", "还行吧"]);
        assert_eq!(t, vec![("回复慢", 2), ("态度差", 1), ("其他", 1)]);
        assert!(tally(std::iter::empty()).is_empty());
    }
}
