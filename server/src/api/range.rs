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
    Ok(RangeQuery { site, from: to_rfc3339(from_ms), to: end_bound(to_ms + DAY_MS) })
}

/// The exclusive upper bound for times before `end_ms`, as text that compares as time does.
/// Stored times have four-digit years: the day after 9999-12-31 would be `10000-…`, which
/// compares before `2026-…` as text, so the bound is clamped to the last representable
/// millisecond (no stored time reaches it: `updated_at` is never in the future).
fn end_bound(end_ms: i64) -> String {
    const LAST: &str = "9999-12-31T23:59:59.999Z";
    match parse_rfc3339(LAST) {
        Some(last_ms) if end_ms > last_ms => LAST.to_owned(),
        _ => to_rfc3339(end_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_day_of_year_9999_is_a_date_not_text() {
        let query = range_query("s".into(), Some("2026-01-01"), Some("9999-12-31"), 0).unwrap();
        assert_eq!(query.to, "9999-12-31T23:59:59.999Z");
        assert!("2026-11-22T05:06:43.123Z" < query.to.as_str());
        let query = range_query("s".into(), Some("9999-12-31"), Some("9999-12-31"), 0).unwrap();
        assert_eq!((query.from.as_str(), query.to.as_str()), ("9999-12-31T00:00:00.000Z", "9999-12-31T23:59:59.999Z"));
        let query = range_query("s".into(), None, Some("2026-11-22"), 0).unwrap();
        assert_eq!(query.to, "2026-11-23T00:00:00.000Z");
        assert!(range_query("s".into(), None, Some("10000-01-01"), 0).is_err());
    }
}
