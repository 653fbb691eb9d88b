//! `--demo-data`: synthetic consent records for the demo site, so `/admin` has something to show.

use crumb_core::time::{to_rfc3339, DAY_MS};
use crumb_core::ConsentRecord;

use crate::{Database, ServerError};

/// The demo shop's site id (index.html's config).
pub const DEMO_SITE: &str = "crumb-demo";

/// Inserts about 40 decisions a day over the 29 days before `now_ms`'s day for [`DEMO_SITE`], unless
/// the database already has records for it. Deterministic (a small LCG), marked `url_path`
/// `/demo-data`. Returns how many were inserted. Blocks.
pub fn seed(database: &Database, now_ms: i64) -> Result<u64, ServerError> {
    if database.sites()?.iter().any(|s| s == DEMO_SITE) {
        return Ok(0);
    }
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    let mut inserted = 0;
    for day in (1..=29).rev() {
        let count = 25 + next(30) + (30 - day as u64);
        for n in 0..count {
            let at = today - day * DAY_MS + (next(86_000) as i64) * 1000 + n as i64;
            let roll = next(100);
            let (action, preferences, analytics, marketing) = match roll {
                0..=54 => ("accept_all", true, true, true),
                55..=79 => ("reject_all", false, false, false),
                _ => ("custom", next(2) == 0, next(3) > 0, next(4) == 0),
            };
            let json = format!(
                r#"{{"schema":1,"consent_id":"demo0000-{day:04}-4000-8000-{n:012}","site":"{DEMO_SITE}","revision":1,
                    "action":"{action}","categories":{{"necessary":true,"preferences":{preferences},"analytics":{analytics},
                    "marketing":{marketing}}},"services":{{}},"language":"{language}","gpc":false,"given_at":"{at}",
                    "updated_at":"{at}","url_path":"/demo-data"}}"#,
                at = to_rfc3339(at),
                language = ["en", "nl", "zh"][next(3) as usize],
            );
            let record: ConsentRecord = serde_json::from_str(&json)?;
            if database.insert(&record, &to_rfc3339(at + 800), None)? {
                inserted += 1;
            }
        }
    }
    Ok(inserted)
}
