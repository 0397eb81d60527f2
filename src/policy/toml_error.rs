//! TOML errors in Chinese: where (line and column) and what.

/// A TOML error in Chinese: where (line and column), what, and the
/// parser's own words in brackets for a maintainer.
pub(super) fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or_default().to_owned();
    let what = if message.starts_with("unknown field") {
        format!("不认识的键“{}”", quoted(message))
    } else if message.starts_with("missing field") {
        format!("缺少键“{}”", quoted(message))
    } else if message.starts_with("unknown variant") {
        let allowed: Vec<String> = message
            .split("expected ")
            .nth(1)
            .unwrap_or_default()
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        format!(
            "取值“{}”不认识（可选：{}）",
            quoted(message),
            allowed.join("、")
        )
    } else if message.starts_with("invalid type") {
        "值的类型不对（例如金额须写成带引号的 \"600.00\"）".to_owned()
    } else if message.contains("out of range")
        || message.contains("too large")
        || message.starts_with("invalid value")
    {
        "数值超出范围或取值不对".to_owned()
    } else if message.starts_with("duplicate key") {
        "同一个键写了两次".to_owned()
    } else {
        "格式不对，不是有效的 TOML".to_owned()
    };
    let place = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            let source: String = (text.lines().nth(line - 1).unwrap_or_default().trim())
                .chars()
                .filter(|c| !c.is_control())
                .take(80)
                .collect();
            format!("第 {line} 行第 {column} 列（{source}）：")
        }
        None => String::new(),
    };
    format!("{place}{what}（{message}）")
}
