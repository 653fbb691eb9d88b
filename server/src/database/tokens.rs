//! Named admin tokens and browser sign-in sessions, as stored: hashes only (SHA-256, hex), never a
//! token or a session id. What they mean (roles, names, cookies) is `crate::tokens` and
//! `crate::auth`.

use super::{sql, Database};
use crate::ServerError;

/// An admin token as `token list` shows it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminToken {
    pub name: String,
    /// `viewer`, `editor` or `publisher`.
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; None while in force.
    pub revoked_at: Option<String>,
}

/// What revoking a name did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Revoked now; this many sign-in sessions of it were ended.
    Now { sessions: u64 },
    /// It had been revoked at this time already (its sessions are ended again, should any be left).
    Already { at: String, sessions: u64 },
    /// No token has this name; this many sessions under the name were ended (the `--admin-token`'s
    /// `admin`).
    NoSuchToken { sessions: u64 },
}

impl Database {
    /// Keeps a new token `name` with `role` and `token_hash` (SHA-256 hex); false when the name is
    /// taken (also by a revoked token: names are never reused).
    pub(crate) fn add_admin_token(&self, name: &str, role: &str, token_hash: &str, now: &str) -> Result<bool, ServerError> {
        self.session(|session| Ok(session.execute(sql::ADD_ADMIN_TOKEN, &[&name, &role, &token_hash, &now])? == 1))
    }

    /// Every token, by name.
    pub fn admin_tokens(&self) -> Result<Vec<AdminToken>, ServerError> {
        let mut tokens = Vec::new();
        self.session(|session| {
            session.for_each(sql::ADMIN_TOKENS, &[], &mut |row| {
                tokens.push(AdminToken { name: row.get(0)?, role: row.get(1)?, created_at: row.get(2)?, revoked_at: row.get(3)? });
                Ok(true)
            })
        })?;
        Ok(tokens)
    }

    /// How many tokens are in force (not revoked).
    pub fn active_admin_tokens(&self) -> Result<u64, ServerError> {
        let count: i64 = self.session(|session| session.value(sql::ACTIVE_ADMIN_TOKENS, &[]))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The name and role of the token in force whose SHA-256 (hex) is `token_hash`.
    pub(crate) fn admin_token_by_hash(&self, token_hash: &str) -> Result<Option<(String, String)>, ServerError> {
        self.first_pair(sql::ADMIN_TOKEN_BY_HASH, &[&token_hash])
    }

    /// Revokes token `name` at `now` and ends its sign-in sessions, in one transaction.
    pub fn revoke_admin_token(&self, name: &str, now: &str) -> Result<Revoked, ServerError> {
        self.write_transaction(|session| {
            let revoked_at: Vec<Option<String>> = session.column(sql::ADMIN_TOKEN_REVOKED_AT, &[&name])?;
            session.execute(sql::REVOKE_ADMIN_TOKEN, &[&now, &name])?;
            let sessions = session.execute(sql::END_ADMIN_SESSIONS_OF, &[&name])?;
            let outcome = match revoked_at.into_iter().next() {
                None => Revoked::NoSuchToken { sessions },
                Some(None) => Revoked::Now { sessions },
                Some(Some(at)) => Revoked::Already { at, sessions },
            };
            Ok((outcome, true))
        })
    }

    /// Keeps a sign-in session (its id's SHA-256 hex) of token `name` with `role`, until
    /// `expires_at`; forgets the sessions that expired by `now` on the way.
    pub(crate) fn add_admin_session(
        &self,
        session_hash: &str,
        name: &str,
        role: &str,
        now: &str,
        expires_at: &str,
    ) -> Result<(), ServerError> {
        self.session(|session| {
            session.execute(sql::END_EXPIRED_ADMIN_SESSIONS, &[&now])?;
            session.execute(sql::ADD_ADMIN_SESSION, &[&session_hash, &name, &role, &now, &expires_at])?;
            Ok(())
        })
    }

    /// The name and role of the session whose id hashes to `session_hash`, while it lasts at
    /// `now` and its token is in force (`admin_name`: the `--admin-token`'s name, when the server
    /// has one).
    pub(crate) fn admin_session(
        &self,
        session_hash: &str,
        now: &str,
        admin_name: Option<&str>,
    ) -> Result<Option<(String, String)>, ServerError> {
        let admin_name = admin_name.unwrap_or("");
        self.first_pair(sql::ADMIN_SESSION, &[&session_hash, &now, &admin_name])
    }

    /// Ends the session whose id hashes to `session_hash`.
    pub(crate) fn end_admin_session(&self, session_hash: &str) -> Result<(), ServerError> {
        self.session(|session| session.execute(sql::END_ADMIN_SESSION, &[&session_hash])).map(drop)
    }

    /// Columns 0 and 1 (text) of a query's first row.
    fn first_pair(&self, query: &str, params: &[&dyn super::session::Param]) -> Result<Option<(String, String)>, ServerError> {
        let mut pair = None;
        self.session(|session| {
            session.for_each(query, params, &mut |row| {
                pair = Some((row.get(0)?, row.get(1)?));
                Ok(false)
            })
        })?;
        Ok(pair)
    }
}
