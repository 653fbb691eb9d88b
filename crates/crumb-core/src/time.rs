//! Time as integer milliseconds since the Unix epoch, and RFC 3339 (UTC) text for records.
//!
//! Integer arithmetic only: formatting floats would pull about 20 KB of `core::fmt` into the wasm.

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

/// Earliest instant Crumb accepts in stored values and records (2020-01-01T00:00:00Z).
pub const EARLIEST_MS: i64 = 1_577_836_800_000;

/// Days since 1970-01-01 to a civil (year, month, day), after Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn push_padded(out: &mut String, value: i64, width: usize) {
    let digits = value.to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// `2026-11-22T05:06:43.123Z` for an instant in milliseconds.
pub fn to_rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rest = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(24);
    push_padded(&mut out, y, 4);
    out.push('-');
    push_padded(&mut out, i64::from(m), 2);
    out.push('-');
    push_padded(&mut out, i64::from(d), 2);
    out.push('T');
    push_padded(&mut out, rest / 3_600_000, 2);
    out.push(':');
    push_padded(&mut out, rest / 60_000 % 60, 2);
    out.push(':');
    push_padded(&mut out, rest / 1_000 % 60, 2);
    out.push('.');
    push_padded(&mut out, rest % 1_000, 3);
    out.push('Z');
    out
}

fn number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses the UTC form Crumb writes (`YYYY-MM-DDTHH:MM:SS[.mmm]Z`); anything else is `None`.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, clock) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let y = number(date_parts.next()?)?;
    let m = u32::try_from(number(date_parts.next()?)?).ok()?;
    let d = u32::try_from(number(date_parts.next()?)?).ok()?;
    if date_parts.next().is_some() || date.len() != 10 {
        return None;
    }
    let (hms, millis) = match clock.split_once('.') {
        Some((hms, frac)) if frac.len() == 3 => (hms, number(frac)?),
        Some(_) => return None,
        None => (clock, 0),
    };
    let mut clock_parts = hms.split(':');
    let h = number(clock_parts.next()?)?;
    let min = number(clock_parts.next()?)?;
    let s = number(clock_parts.next()?)?;
    if clock_parts.next().is_some() || hms.len() != 8 {
        return None;
    }
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || h > 23 || min > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MS + h * 3_600_000 + min * 60_000 + s * 1_000 + millis)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(to_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(to_rfc3339(1_795_324_003_123), "2026-11-22T05:06:43.123Z");
        assert_eq!(to_rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, EARLIEST_MS, 1_795_324_003_123, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339(&to_rfc3339(ms)), Some(ms));
        }
        assert_eq!(parse_rfc3339("2026-11-22T05:06:43Z"), Some(1_795_324_003_000));
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            "",
            "2026-11-22",
            "2026-11-22T05:06:43",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T05:06:43.1Z",
            "+2026-11-22T05:06:43Z",
            "2026-1-22T05:06:43Z",
            "2026-11-22T05:06:43+01:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
