//! The admin token: reads (history, export, `/admin`) need it as `Authorization: Bearer <token>`
//! or as the password of HTTP Basic (any user name; browsers ask for it on `/admin`).

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// SHA-256 of the configured token. Comparing digests in constant time hides both the token's
/// bytes and its length from timing.
pub(crate) struct TokenDigest([u8; 32]);

impl TokenDigest {
    pub(crate) fn new(token: &str) -> TokenDigest {
        TokenDigest(Sha256::digest(token.as_bytes()).into())
    }

    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        bool::from(self.0.ct_eq(&digest))
    }
}

/// Why a read is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The server has no admin token: reads are off.
    NotConfigured,
    /// No credentials in the request.
    Missing,
    /// Credentials that do not match.
    Wrong,
}

impl Refusal {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Refusal::NotConfigured => "reads are disabled: start crumb-server with --admin-token (or CRUMB_ADMIN_TOKEN)",
            Refusal::Missing => "this needs the admin token (Authorization: Bearer <token>, or Basic with the token as password)",
            Refusal::Wrong => "wrong admin token",
        }
    }
}

/// Checks the request's credentials against `token`.
pub(crate) fn check(token: Option<&TokenDigest>, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(token) = token else { return Err(Refusal::NotConfigured) };
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(Refusal::Missing);
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let candidate = if scheme.eq_ignore_ascii_case("bearer") {
        rest.trim().to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64_decode(rest.trim()).ok_or(Refusal::Wrong)?;
        let text = String::from_utf8(decoded).map_err(|_| Refusal::Wrong)?;
        text.split_once(':').map(|(_, password)| password.to_owned()).ok_or(Refusal::Wrong)?
    } else {
        return Err(Refusal::Missing);
    };
    if token.matches(&candidate) {
        Ok(())
    } else {
        Err(Refusal::Wrong)
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&a| a == byte)?;
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_and_basic() {
        let token = TokenDigest::new("s3cret");
        assert_eq!(check(Some(&token), &headers("Bearer s3cret")), Ok(()));
        let basic = format!("Basic {}", base64_encode(b"admin:s3cret"));
        assert_eq!(check(Some(&token), &headers(&basic)), Ok(()));
        assert_eq!(check(Some(&token), &headers("Bearer s3cres")), Err(Refusal::Wrong));
        assert_eq!(check(Some(&token), &headers("Bearer s3cret-and-more")), Err(Refusal::Wrong));
        assert_eq!(check(Some(&token), &headers("Basic !!!")), Err(Refusal::Wrong));
        assert_eq!(check(Some(&token), &HeaderMap::new()), Err(Refusal::Missing));
        assert_eq!(check(None, &headers("Bearer s3cret")), Err(Refusal::NotConfigured));
    }

    #[test]
    fn base64_round_trips() {
        for text in ["", "a", "ab", "abc", "abcd", "admin:token with spaces"] {
            assert_eq!(base64_decode(&base64_encode(text.as_bytes())).unwrap(), text.as_bytes());
        }
        assert_eq!(base64_encode(b"admin:s3cret"), "YWRtaW46czNjcmV0");
    }
}
