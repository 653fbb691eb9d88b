//! Named admin tokens with roles: `crumb-server token add NAME --role ROLE`, `token list`,
//! `token revoke NAME`. A token is 256 random bits from the operating system, shown once; the
//! database keeps only its SHA-256. Its name is who the version history and the logs name.

use std::fmt::Write;

use crumb_core::time::to_rfc3339;
use sha2::{Digest, Sha256};

use crate::database::Revoked;
use crate::{Database, Role, ServerError};

/// The caller name of `--admin-token` (no named token may take it).
pub const ADMIN_NAME: &str = "admin";

/// What `crumb-server token …` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCommand {
    /// Creates a token and prints it once.
    Add { name: String, role: Role },
    /// Prints every token: name, role, created, revoked (never a hash).
    List,
    /// Revokes a token and ends its sign-in sessions.
    Revoke { name: String },
}

/// What a token command prints: `stdout` (the token itself for `add`, so that
/// `TOKEN=$(crumb-server token add …)` works) and a note for the operator (stderr).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenOutput {
    pub stdout: String,
    pub note: String,
}

/// Whether `name` may name a token: 1 to 64 of `A-Z a-z 0-9 . _ @ -`.
pub fn is_token_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
}

/// `bytes` random bytes from the operating system, as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String, ServerError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ServerError::Serve(format!("the operating system's random source failed: {e}")))?;
    Ok(hex(&buffer))
}

/// SHA-256 of `text`, as lowercase hex: what the database keeps of a token or a session id.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A new token: `crumb_` and 256 random bits in hex (the prefix lets secret scanners find one
/// pasted where it should not be).
fn new_token() -> Result<String, ServerError> {
    Ok(format!("crumb_{}", random_hex(32)?))
}

/// Runs a token command on `database` at `now_ms`.
pub fn run(database: &Database, command: &TokenCommand, now_ms: i64) -> Result<TokenOutput, ServerError> {
    command.check()?;
    let now = to_rfc3339(now_ms);
    match command {
        TokenCommand::Add { name, role } => {
            let token = new_token()?;
            if !database.add_admin_token(name, role.as_str(), &sha256_hex(&token), &now)? {
                return Err(ServerError::Token(format!(
                    "a token named `{name}` exists already (also a revoked one keeps its name): choose another name"
                )));
            }
            Ok(TokenOutput {
                stdout: format!("{token}\n"),
                note: format!("crumb-server: token `{name}` ({role}) added; keep it now, it is not shown again"),
            })
        }
        TokenCommand::List => {
            let tokens = database.admin_tokens()?;
            if tokens.is_empty() {
                return Ok(TokenOutput {
                    stdout: String::new(),
                    note: "crumb-server: no admin tokens yet (token add NAME --role ROLE)".into(),
                });
            }
            let width = tokens.iter().map(|t| t.name.len()).max().unwrap_or(0).max(4);
            let mut stdout = format!("{:width$}  {:9}  {:24}  REVOKED\n", "NAME", "ROLE", "CREATED");
            for token in &tokens {
                let revoked = token.revoked_at.as_deref().unwrap_or("-");
                let _ = writeln!(stdout, "{:width$}  {:9}  {:24}  {revoked}", token.name, token.role, token.created_at);
            }
            Ok(TokenOutput { stdout, note: String::new() })
        }
        TokenCommand::Revoke { name } => {
            let note = match database.revoke_admin_token(name, &now)? {
                Revoked::Now { sessions } => format!("crumb-server: token `{name}` revoked; {sessions} sign-in sessions ended"),
                Revoked::Already { at, sessions } => {
                    format!("crumb-server: token `{name}` was revoked already at {at}; {sessions} sign-in sessions ended")
                }
                Revoked::NoSuchToken { sessions } if name == ADMIN_NAME => format!(
                    "crumb-server: `admin` is --admin-token (CRUMB_ADMIN_TOKEN): change or remove it where the server is \
                     configured; {sessions} sign-in sessions made with it ended"
                ),
                Revoked::NoSuchToken { .. } => return Err(ServerError::Token(format!("no token is named `{name}` (see token list)"))),
            };
            Ok(TokenOutput { stdout: String::new(), note })
        }
    }
}

fn check_name(name: &str) -> Result<(), ServerError> {
    if !is_token_name(name) {
        return Err(ServerError::Usage(format!("a token name is 1 to 64 letters, digits, `.`, `_`, `@` or `-`, not `{name}`")));
    }
    Ok(())
}

impl TokenCommand {
    /// Refuses what cannot be run: a bad name, or `admin` for a new token.
    pub fn check(&self) -> Result<(), ServerError> {
        match self {
            TokenCommand::Add { name, .. } if name == ADMIN_NAME => {
                Err(ServerError::Usage("`admin` is the name of --admin-token; give the new token a name of its own".to_owned()))
            }
            TokenCommand::Add { name, .. } | TokenCommand::Revoke { name } => check_name(name),
            TokenCommand::List => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "ci", "alice@shop.example", "deploy-bot_2", &"x".repeat(64)] {
            assert!(is_token_name(good), "{good}");
        }
        for bad in ["", "with space", "é", "a/b", "a:b", "<b>", &"x".repeat(65)] {
            assert!(!is_token_name(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_are_long_random_and_hashed_as_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), "crumb_".len() + 64);
        assert!(a.strip_prefix("crumb_").unwrap().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn admin_is_reserved_for_new_tokens() {
        assert!(TokenCommand::Add { name: "admin".into(), role: Role::Viewer }.check().is_err());
        assert!(TokenCommand::Revoke { name: "admin".into() }.check().is_ok());
        assert!(TokenCommand::Add { name: "bad name".into(), role: Role::Viewer }.check().is_err());
    }
}
