//! The query `/api/export` and `/admin` both take: a site and a range of days.

use crumb_core::time::{parse_rfc3339, to_rfc3339, DAY_MS};
use serde::Deserialize;

use crate::RangeQuery;

/// `?site=…&from=YYYY-MM-DD&to=YYYY-MM-DD`, and for the export `&format=csv|jsonl`.
#[derive(Debug, Deserialize)]
pub(crate) struct RangeParams {
    pub(crate) site: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) format: Option<String>,
}

/// `YYYY-MM-DD` as epoch ms of that day's start (UTC).
pub(crate) fn parse_day(text: &str) -> Option<i64> {
    let ok = text.len() == 10 && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !ok {
        return None;
    }
    parse_rfc3339(&format!("{text}T00:00:00Z"))
}

/// `from`/`to` (inclusive days, `YYYY-MM-DD`) as a query; defaults: from 2020-01-01, to today.
pub(crate) fn range_query(site: String, from: Option<&str>, to: Option<&str>, now: i64) -> Result<RangeQuery, String> {
    let from_ms = match from {
        Some(text) => parse_day(text).ok_or_else(|| format!("`from` must be a date YYYY-MM-DD, not `{text}`"))?,
        None => crumb_core::time::EARLIEST_MS,
    };
    let to_ms = match to {
        Some(text) => parse_day(text).ok_or_else(|| format!("`to` must be a date YYYY-MM-DD, not `{text}`"))?,
        None => now - now.rem_euclid(DAY_MS) + DAY_MS,
    };
    if to_ms < from_ms {
        return Err("`to` is before `from`".to_owned());
    }
    Ok(RangeQuery { site, from: to_rfc3339(from_ms), to: to_rfc3339(to_ms + DAY_MS) })
}
