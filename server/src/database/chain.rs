//! The tamper-evident log: every record is linked to the previous record of its site.
//!
//! `hash(n) = SHA-256(encoding(prev_hash, row n))` where `prev_hash` is `hash(n - 1)` (the
//! [`GENESIS`] hash for the first record) and the encoding is a domain tag followed by every
//! stored column of the row, each length-prefixed, so that no two different rows encode alike:
//!
//! ```text
//! "crumb-chain-v1"
//! len(prev_hash) prev_hash          (len: 8 bytes, big-endian; prev_hash: 64 hex digits)
//! chain_seq                         (8 bytes, big-endian, two's complement)
//! len consent_id, len site, len action, len updated_at, len received_at, len record
//! 0x00 (no client_ip) | 0x01 len client_ip
//! ```
//!
//! `chain_heads` keeps each site's last link (seq, hash), so the next insert links to it; two
//! servers on one PostgreSQL serialise per site on that row. `crumb-server verify` walks each
//! chain, recomputes every hash and names the first broken link.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session::{Row, Session};
use super::{sql, Database};
use crate::ServerError;

/// The `prev_hash` of a site's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every stored column of a record, as the hash covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkedColumns<'a> {
    pub seq: i64,
    pub consent_id: &'a str,
    pub site: &'a str,
    pub action: &'a str,
    pub updated_at: &'a str,
    pub received_at: &'a str,
    pub record: &'a str,
    pub client_ip: Option<&'a str>,
}

fn length_prefixed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// The hash of a row linked after `prev_hash`: 64 lowercase hex digits.
pub(crate) fn link_hash(prev_hash: &str, row: &LinkedColumns<'_>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"crumb-chain-v1");
    length_prefixed(&mut hasher, prev_hash.as_bytes());
    hasher.update(row.seq.to_be_bytes());
    for text in [row.consent_id, row.site, row.action, row.updated_at, row.received_at, row.record] {
        length_prefixed(&mut hasher, text.as_bytes());
    }
    match row.client_ip {
        None => hasher.update([0u8]),
        Some(ip) => {
            hasher.update([1u8]);
            length_prefixed(&mut hasher, ip.as_bytes());
        }
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    out
}

/// Migration 3: chains the rows already there, per site in received order (then row id), and
/// writes each site's head. Runs inside the migration's transaction. One sorted read of the ids
/// (8 bytes a row in memory), then each row read by its primary key and updated: the rows
/// themselves are never all in memory.
pub(crate) fn chain_existing_rows(session: &mut Session<'_>) -> Result<(), ServerError> {
    let ids: Vec<i64> = session.column(sql::CHAIN_ORDER, &[])?;
    let mut heads: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for id in ids {
        let mut row: Option<([String; 6], Option<String>)> = None;
        session.for_each(sql::ROW_TO_CHAIN, &[&id], &mut |r| {
            row = Some(([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?], r.get(6)?));
            Ok(false)
        })?;
        let Some(([consent_id, site, action, updated_at, received_at, record], client_ip)) = row else { continue };
        let head = heads.entry(site.clone()).or_insert_with(|| (0, GENESIS.to_owned()));
        let seq = head.0 + 1;
        let columns = LinkedColumns {
            seq,
            consent_id: &consent_id,
            site: &site,
            action: &action,
            updated_at: &updated_at,
            received_at: &received_at,
            record: &record,
            client_ip: client_ip.as_deref(),
        };
        let hash = link_hash(&head.1, &columns);
        session.execute(sql::SET_LINK, &[&seq, &head.1, &hash, &id])?;
        *head = (seq, hash);
    }
    for (site, (seq, hash)) in &heads {
        session.execute(sql::SET_HEAD, &[site, seq, hash, &GENESIS])?;
    }
    Ok(())
}

/// A record's place in its site's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainLink {
    /// 1 for a site's first record, then 2, 3, …
    pub chain_seq: i64,
    /// The previous record's `hash` (the genesis hash, 64 zeros, for the first).
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and every stored column of this record (docs/security.md).
    pub hash: String,
}

/// The chain head at the end of one UTC day on which a site received records: what an auditor
/// keeps elsewhere, one JSON line each (`crumb-server digest`, `GET /api/digest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestEntry {
    pub site: String,
    /// `YYYY-MM-DD` (UTC), by the server's clock (`received_at`).
    pub day: String,
    pub seq: i64,
    pub hash: String,
}

/// What is wrong at the first broken link of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The row's columns no longer give its hash: it was changed after it was stored.
    Edited,
    /// The row's `prev_hash` is not the previous row's hash, though the row itself is intact: the
    /// previous row was changed and its hash recomputed (or replaced).
    Relinked,
    /// Rows are missing: a seq is skipped, or the chain ends before its head.
    Deleted,
    /// The row links to a row found elsewhere in the chain: rows were moved or swapped.
    Reordered,
    /// The head table disagrees with the last row, or a row has no link at all.
    Head,
    /// The chain does not pass through a digest the auditor kept.
    Digest,
}

/// The first broken link of a site's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub kind: BreakKind,
    /// Where the walk stopped: the seq of the row found broken (or expected).
    pub seq: i64,
    /// That row's consent id, when there is a row.
    pub consent_id: Option<String>,
    /// What differs, in words.
    pub detail: String,
}

/// One site's chain as `verify` found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteVerdict {
    pub site: String,
    /// Rows walked.
    pub records: u64,
    /// The head: last seq and hash.
    pub head_seq: i64,
    pub head_hash: String,
    /// Retention deleted the chain up to this seq (0: nothing); verified from there on.
    pub pruned_seq: i64,
    /// Rows at or before `pruned_seq` kept by retention (a consent still in force): each checked
    /// against its own hash and any kept neighbour.
    pub kept_before_pruned: u64,
    /// Digests checked against this chain.
    pub digests_checked: u64,
    /// None when every link holds.
    pub broken: Option<ChainBreak>,
}

impl fmt::Display for SiteVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.broken {
            None => {
                write!(f, "site {}: ok, {} records, head seq {} hash {}", self.site, self.records, self.head_seq, self.head_hash)?;
                if self.pruned_seq > 0 {
                    write!(f, " (pruned by retention up to seq {}, verified from there", self.pruned_seq)?;
                    if self.kept_before_pruned > 0 {
                        write!(f, "; {} older records kept while in force", self.kept_before_pruned)?;
                    }
                    write!(f, ")")?;
                }
                if self.digests_checked > 0 {
                    write!(f, ", passes through {} kept digests", self.digests_checked)?;
                }
                Ok(())
            }
            Some(broken) => {
                write!(f, "site {}: BROKEN at seq {}", self.site, broken.seq)?;
                if let Some(id) = &broken.consent_id {
                    write!(f, " (consent id {id})")?;
                }
                write!(f, ": {:?}: {}", broken.kind, broken.detail)
            }
        }
    }
}

/// A row of [`sql::CHAIN_ROWS`].
struct ChainRow {
    seq: Option<i64>,
    prev_hash: Option<String>,
    hash: Option<String>,
    consent_id: String,
    site: String,
    action: String,
    updated_at: String,
    received_at: String,
    record: String,
    client_ip: Option<String>,
}

impl ChainRow {
    fn read(row: &Row<'_>) -> Result<ChainRow, ServerError> {
        Ok(ChainRow {
            seq: row.get(0)?,
            prev_hash: row.get(1)?,
            hash: row.get(2)?,
            consent_id: row.get(3)?,
            site: row.get(4)?,
            action: row.get(5)?,
            updated_at: row.get(6)?,
            received_at: row.get(7)?,
            record: row.get(8)?,
            client_ip: row.get(9)?,
        })
    }

    /// The hash of this row's columns at `seq` after `prev_hash`.
    fn hash_after(&self, seq: i64, prev_hash: &str) -> String {
        link_hash(
            prev_hash,
            &LinkedColumns {
                seq,
                consent_id: &self.consent_id,
                site: &self.site,
                action: &self.action,
                updated_at: &self.updated_at,
                received_at: &self.received_at,
                record: &self.record,
                client_ip: self.client_ip.as_deref(),
            },
        )
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The walk over one site's rows, in seq order.
struct Walk<'d> {
    site: String,
    pruned_seq: i64,
    pruned_hash: String,
    /// The seq and hash the next row after the pruned point must link to.
    expected_seq: i64,
    expected_prev: String,
    /// The previous row walked (seq, hash), to check survivors before the pruned point.
    previous: Option<(i64, String)>,
    records: u64,
    kept_before_pruned: u64,
    digests: &'d BTreeMap<i64, DigestEntry>,
    digests_checked: u64,
    /// A break found, with the row's prev_hash when the kind is still to be told apart.
    broken: Option<(ChainBreak, Option<String>)>,
}

impl Walk<'_> {
    fn fail(&mut self, kind: BreakKind, seq: i64, consent_id: Option<&str>, detail: String, lookup: Option<String>) {
        self.broken = Some((ChainBreak { kind, seq, consent_id: consent_id.map(str::to_owned), detail }, lookup));
    }

    fn check_digest(&mut self, seq: i64, hash: &str, consent_id: &str) {
        if let Some(digest) = self.digests.get(&seq) {
            self.digests_checked += 1;
            if digest.hash != hash {
                let detail = format!(
                    "the digest of {} says seq {seq} has hash {}, the chain has {}: the chain was rewritten since",
                    digest.day,
                    short(&digest.hash),
                    short(hash)
                );
                self.fail(BreakKind::Digest, seq, Some(consent_id), detail, None);
            }
        }
    }

    /// Checks one row; false stops the walk (a break was found).
    fn step(&mut self, row: &ChainRow) -> bool {
        self.records += 1;
        let (Some(seq), Some(prev_hash), Some(hash)) = (row.seq, row.prev_hash.as_deref(), row.hash.as_deref()) else {
            self.fail(
                BreakKind::Head,
                self.expected_seq,
                Some(&row.consent_id),
                "a row without a link (chain_seq, prev_hash, hash): added outside crumb-server".to_owned(),
                None,
            );
            return false;
        };
        if seq <= self.pruned_seq {
            // Kept by retention before the pruned point: its own hash, its link to a kept
            // neighbour, and the pruned point itself.
            self.kept_before_pruned += 1;
            if row.hash_after(seq, prev_hash) != hash {
                self.fail(BreakKind::Edited, seq, Some(&row.consent_id), edited_detail(), None);
                return false;
            }
            if let Some((previous_seq, previous_hash)) = &self.previous {
                if *previous_seq + 1 == seq && previous_hash != prev_hash {
                    let detail = format!("its prev_hash is not the hash of seq {previous_seq}");
                    self.fail(BreakKind::Relinked, seq, Some(&row.consent_id), detail, Some(prev_hash.to_owned()));
                    return false;
                }
            }
            if seq == self.pruned_seq && hash != self.pruned_hash {
                let detail = format!("retention recorded hash {} for seq {seq}, the row has {}", short(&self.pruned_hash), short(hash));
                self.fail(BreakKind::Edited, seq, Some(&row.consent_id), detail, None);
                return false;
            }
            self.previous = Some((seq, hash.to_owned()));
            self.check_digest(seq, hash, &row.consent_id);
            return self.broken.is_none();
        }
        if seq > self.expected_seq {
            let missing = if seq == self.expected_seq + 1 {
                format!("seq {}", self.expected_seq)
            } else {
                format!("seq {} to {}", self.expected_seq, seq - 1)
            };
            let detail = format!("deleted row: {missing} missing, seq {seq} follows seq {}", self.expected_seq - 1);
            self.fail(BreakKind::Deleted, self.expected_seq, None, detail, None);
            return false;
        }
        if seq < self.expected_seq {
            let detail = format!("seq {seq} appears twice (or out of order)");
            self.fail(BreakKind::Reordered, seq, Some(&row.consent_id), detail, None);
            return false;
        }
        if prev_hash != self.expected_prev {
            let intact = row.hash_after(seq, prev_hash) == hash;
            let detail = if intact {
                format!(
                    "its prev_hash {} is not the hash {} of seq {}: seq {} was changed and its hash recomputed",
                    short(prev_hash),
                    short(&self.expected_prev),
                    seq - 1,
                    seq - 1
                )
            } else {
                format!(
                    "its prev_hash {} is not the hash {} of seq {}, and the row no longer matches its hash",
                    short(prev_hash),
                    short(&self.expected_prev),
                    seq - 1
                )
            };
            let kind = if intact { BreakKind::Relinked } else { BreakKind::Edited };
            self.fail(kind, seq, Some(&row.consent_id), detail, Some(prev_hash.to_owned()));
            return false;
        }
        if row.hash_after(seq, prev_hash) != hash {
            self.fail(BreakKind::Edited, seq, Some(&row.consent_id), edited_detail(), None);
            return false;
        }
        self.expected_seq = seq + 1;
        self.expected_prev = hash.to_owned();
        self.previous = Some((seq, hash.to_owned()));
        self.check_digest(seq, hash, &row.consent_id);
        self.broken.is_none()
    }
}

fn edited_detail() -> String {
    "edited row: its columns (record, action, consent id, times, address or seq) no longer give its hash".to_owned()
}

impl Database {
    /// Walks the chain of `site` (every site when None), recomputing each hash, and checks it
    /// passes through `digests` (kept by an auditor); one verdict per site, the first broken
    /// link named. Reads one snapshot; intake goes on meanwhile.
    pub fn verify_chain(&self, site: Option<&str>, digests: &[DigestEntry]) -> Result<Vec<SiteVerdict>, ServerError> {
        let dialect = self.dialect();
        let mut by_site: HashMap<&str, BTreeMap<i64, DigestEntry>> = HashMap::new();
        for digest in digests {
            by_site.entry(digest.site.as_str()).or_default().insert(digest.seq, digest.clone());
        }
        self.reading_session(|session| {
            session.batch(dialect.begin_read())?;
            let result = verify_in_snapshot(session, site, &by_site);
            let _ = session.batch("ROLLBACK");
            result
        })
    }

    /// The chain head at the end of each UTC day site `site` received records, for days with
    /// `from <= received_at < to` (normalised RFC 3339), oldest first.
    pub fn digest(&self, site: &str, from: &str, to: &str) -> Result<Vec<DigestEntry>, ServerError> {
        let mut entries = Vec::new();
        self.reading_session(|session| {
            session.for_each(sql::DIGEST, &[&site, &from, &to], &mut |row| {
                entries.push(DigestEntry { site: site.to_owned(), seq: row.get(0)?, hash: row.get(1)?, day: row.get(2)? });
                Ok(true)
            })
        })?;
        Ok(entries)
    }

    /// Every site with a chain, sorted.
    pub fn chain_sites(&self) -> Result<Vec<String>, ServerError> {
        self.session(|session| session.column(sql::CHAIN_SITES, &[]))
    }
}

fn verify_in_snapshot(
    session: &mut Session<'_>,
    only: Option<&str>,
    digests: &HashMap<&str, BTreeMap<i64, DigestEntry>>,
) -> Result<Vec<SiteVerdict>, ServerError> {
    let sites: Vec<String> = match only {
        Some(site) => vec![site.to_owned()],
        None => {
            let mut sites: Vec<String> = session.column(sql::CHAIN_SITES, &[])?;
            // A digest of a site that has vanished is checked too.
            for site in digests.keys() {
                if !sites.iter().any(|s| s == site) {
                    sites.push((*site).to_owned());
                }
            }
            sites.sort();
            sites
        }
    };
    let empty = BTreeMap::new();
    let mut verdicts = Vec::new();
    for site in sites {
        let site_digests = digests.get(site.as_str()).unwrap_or(&empty);
        verdicts.push(verify_site(session, &site, site_digests)?);
    }
    Ok(verdicts)
}

fn verify_site(session: &mut Session<'_>, site: &str, digests: &BTreeMap<i64, DigestEntry>) -> Result<SiteVerdict, ServerError> {
    let mut head: Option<(i64, String, i64, String)> = None;
    session.for_each(sql::HEAD, &[&site], &mut |row| {
        head = Some((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?));
        Ok(false)
    })?;
    let (head_seq, head_hash, pruned_seq, pruned_hash) = head.clone().unwrap_or((0, GENESIS.to_owned(), 0, GENESIS.to_owned()));
    let mut walk = Walk {
        site: site.to_owned(),
        expected_seq: pruned_seq + 1,
        expected_prev: pruned_hash.clone(),
        pruned_seq,
        pruned_hash,
        previous: None,
        records: 0,
        kept_before_pruned: 0,
        digests,
        digests_checked: 0,
        broken: None,
    };
    session.for_each(sql::CHAIN_ROWS, &[&site], &mut |row| Ok(walk.step(&ChainRow::read(row)?)))?;
    if head.is_none() && walk.records > 0 && walk.broken.is_none() {
        walk.fail(BreakKind::Head, 0, None, "the site has records but no chain head".to_owned(), None);
    }
    if walk.broken.is_none() {
        let last_seq = walk.expected_seq - 1;
        if last_seq != head_seq {
            let detail = if last_seq < head_seq {
                format!("deleted row: the head says seq {head_seq}, the chain ends at seq {last_seq}")
            } else {
                format!("the head says seq {head_seq}, the chain goes on to seq {last_seq}: the head was moved back")
            };
            let kind = if last_seq < head_seq { BreakKind::Deleted } else { BreakKind::Head };
            walk.fail(kind, last_seq + 1, None, detail, None);
        } else if walk.expected_prev != head_hash {
            let detail = format!("the head's hash {} is not the last row's hash {}", short(&head_hash), short(&walk.expected_prev));
            walk.fail(BreakKind::Head, head_seq, None, detail, None);
        }
    }
    if walk.broken.is_none() {
        // A digest of the very record retention deleted last: its hash is kept in the head.
        if let Some(digest) = digests.get(&walk.pruned_seq).filter(|d| walk.pruned_seq > 0 && d.hash != walk.pruned_hash) {
            let detail = format!(
                "the digest of {} says seq {} has hash {}, retention recorded {}",
                digest.day,
                digest.seq,
                short(&digest.hash),
                short(&walk.pruned_hash)
            );
            walk.fail(BreakKind::Digest, digest.seq, None, detail, None);
        }
    }
    if walk.broken.is_none() {
        // A kept digest beyond the end of the chain, or in a part that has gone.
        if let Some((seq, digest)) = digests.range(walk.expected_seq..).next() {
            let detail = format!(
                "the digest of {} names seq {seq}, but the chain ends at seq {}: rows were removed",
                digest.day,
                walk.expected_seq - 1
            );
            walk.fail(BreakKind::Digest, *seq, None, detail, None);
        }
    }
    // Tell a moved row from a relinked one: does its prev_hash belong to a row elsewhere?
    if let Some((broken, Some(prev_hash))) = &mut walk.broken {
        let seqs: Vec<Option<i64>> = session.column(sql::SEQ_OF_HASH, &[&site, prev_hash])?;
        if let Some(Some(other)) = seqs.into_iter().find(|s| *s != Some(broken.seq - 1)) {
            broken.kind = BreakKind::Reordered;
            broken.detail =
                format!(
                "reordered: the row at seq {} links to the row now at seq {other} (its prev_hash is that row's hash), not to seq {}: rows were moved or swapped",
                broken.seq,
                broken.seq - 1
            );
        }
    }
    Ok(SiteVerdict {
        site: walk.site,
        records: walk.records,
        head_seq,
        head_hash,
        pruned_seq: walk.pruned_seq,
        kept_before_pruned: walk.kept_before_pruned,
        digests_checked: walk.digests_checked,
        broken: walk.broken.map(|(broken, _)| broken),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(seq: i64, client_ip: Option<&str>) -> LinkedColumns<'_> {
        LinkedColumns {
            seq,
            consent_id: "0f8fad5b-d9cb-469f-a165-70867728950e",
            site: "crumb-demo",
            action: "accept_all",
            updated_at: "2026-11-22T05:06:43.123Z",
            received_at: "2026-11-22T05:06:43.500Z",
            record: "{}",
            client_ip,
        }
    }

    #[test]
    fn every_column_and_the_previous_hash_count() {
        let base = link_hash(GENESIS, &columns(1, None));
        assert_eq!(base.len(), 64);
        assert!(base.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(base, link_hash(&base, &columns(1, None)), "the previous hash");
        assert_ne!(base, link_hash(GENESIS, &columns(2, None)), "the seq");
        assert_ne!(base, link_hash(GENESIS, &columns(1, Some(""))), "no address is not an empty one");
        let mut moved = columns(1, None);
        // The same bytes split differently between two fields hash differently.
        moved.site = "crumb-dem";
        moved.action = "oaccept_all";
        assert_ne!(base, link_hash(GENESIS, &moved));
        assert_eq!(base, link_hash(GENESIS, &columns(1, None)), "deterministic");
    }
}
