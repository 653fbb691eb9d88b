//! Who may extend a consent's history: the rule the widget and crumb-server share.
//!
//! The consent id is in a cookie that every request to the site carries, and a JS-readable one,
//! so knowing it must not be enough to write into its history. Each browser makes a random
//! secret ([`is_secret`]: 128 bits) that never leaves its localStorage (`crumb_key`) except in
//! the body of its own records, and derives the consent id from it ([`consent_id_for`]: a UUID
//! v8 holding 122 bits of SHA-256 of the secret). Every record carries the secret; the server
//! checks that it derives the id and stores the record without it. So only the browser that
//! made the id can write into its history, from the very first record on (nobody can register an
//! id ahead of the shopper), and the server keeps no table of secrets for these ids.
//!
//! Ids from before this rule (UUID v4) cannot be derived: for them the first record that carries
//! a secret registers its hash, and from then on every record must carry that secret
//! ([`check`]). Records without a secret for such an id are still accepted until one is
//! registered, so those consents keep working; the widget registers one at its next decision.

/// The length of a secret: 32 lowercase hex digits (128 bits).
pub const SECRET_LEN: usize = 32;

/// A consent secret: exactly [`SECRET_LEN`] lowercase hex digits.
pub fn is_secret(text: &str) -> bool {
    text.len() == SECRET_LEN && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(HEX[usize::from(byte >> 4)] as char);
        text.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    text
}

/// The consent id a secret stands for: the first 16 bytes of SHA-256 of
/// `crumb consent id:<secret>`, written as a UUID of version 8 (RFC 9562's custom version).
pub fn consent_id_for(secret: &str) -> String {
    let mut input = b"crumb consent id:".to_vec();
    input.extend_from_slice(secret.as_bytes());
    let digest = sha256(&input);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid_text(&bytes)
}

/// 16 bytes as a lowercase UUID text (`8-4-4-4-12`).
pub fn uuid_text(bytes: &[u8; 16]) -> String {
    let mut text = hex(bytes);
    for at in [20, 16, 12, 8] {
        text.insert(at, '-');
    }
    text
}

/// Whether `id` has the shape of an id derived from a secret (a lowercase UUID of version 8 with
/// the RFC variant). Such an id is only ever accepted with the secret that derives it.
pub fn is_derived_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    id.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
        && bytes[14] == b'8'
        && matches!(bytes[19], b'8' | b'9' | b'a' | b'b')
}

/// Whether this browser may continue the consent `id` (keep it for its next decision): it holds
/// the id's secret, or the id predates secrets. A derived id whose secret this browser does not
/// hold (a consent adopted from the cookie mirror of another subdomain, which has its own
/// localStorage) is not continued: the next decision starts an id of its own.
pub fn may_continue(id: &str, holds_secret: bool) -> bool {
    holds_secret || !is_derived_id(id)
}

/// What the server keeps of a secret registered for an id from before secrets: the hex SHA-256
/// of `crumb consent key:<secret>`.
pub fn secret_hash(secret: &str) -> String {
    let mut input = b"crumb consent key:".to_vec();
    input.extend_from_slice(secret.as_bytes());
    hex(&sha256(&input))
}

/// What the server does with a record, by its id, the secret it carries and the hash registered
/// for the id (ids from before secrets only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The secret proves the id: keep the record.
    Proven,
    /// An id from before secrets with none registered: register this hash (only if still none
    /// is registered, then check again), then keep the record.
    Register(String),
    /// An id from before secrets, no secret registered and none sent: kept, as before secrets.
    Unproven,
    /// Refused (HTTP 403): why.
    Refused(&'static str),
}

/// The rule for one record: see the module's documentation.
pub fn check(consent_id: &str, secret: Option<&str>, registered: Option<&str>) -> Check {
    if is_derived_id(consent_id) {
        return match secret {
            Some(secret) if consent_id_for(secret) == consent_id => Check::Proven,
            Some(_) => Check::Refused("the record's `secret` is not the one this consent id was made from"),
            None => Check::Refused("a record for this consent id must carry the `secret` of the browser that made it"),
        };
    }
    match (secret, registered) {
        (Some(secret), Some(hash)) if secret_hash(secret) == hash => Check::Proven,
        (_, Some(_)) => Check::Refused("this consent id's records must carry the `secret` registered with its first proven record"),
        (Some(secret), None) => Check::Register(secret_hash(secret)),
        (None, None) => Check::Unproven,
    }
}

/// SHA-256 (FIPS 180-4) of `data`. Written out here (one rolled loop, about 1 KB of wasm) so
/// the widget derives ids without pulling in a crate built for speed over size; the tests hold
/// it to the `sha2` crate and to FIPS' examples.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
        0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
        0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
        0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
        0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
        0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];
    let mut state: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    // The message, a 1 bit, zeros to 56 mod 64, and the length in bits (big-endian).
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = state;
        for i in 0..64 {
            let [a, b, c, d, e, f, g, h] = v;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choose = (e & f) ^ (!e & g);
            let t1 = h.wrapping_add(s1).wrapping_add(choose).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (s, x) in state.iter_mut().zip(v) {
            *s = s.wrapping_add(x);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn sha256_gives_fips_examples_and_agrees_with_sha2() {
        assert_eq!(hex(&sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hex(&sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(
            hex(&sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // Every length across the padding's edges (55, 56, 63, 64 bytes …), against the crate.
        let mut data = Vec::new();
        for length in 0..300u32 {
            assert_eq!(sha256(&data).as_slice(), sha2::Sha256::digest(&data).as_slice(), "{length} bytes");
            data.push((length.wrapping_mul(2_654_435_761) >> 24) as u8);
        }
    }

    const SECRET: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn a_secret_derives_a_version_8_id() {
        let id = consent_id_for(SECRET);
        assert!(is_derived_id(&id) && crate::is_consent_id(&id), "{id}");
        assert_eq!(id, consent_id_for(SECRET), "the same secret, the same id");
        assert_ne!(id, consent_id_for("00112233445566778899aabbccddeefe"));
        assert!(!is_derived_id("0f8fad5b-d9cb-469f-a165-70867728950e"), "a v4 id");
        assert!(!is_derived_id(&id.to_uppercase()));
        assert!(!is_derived_id(&id.replace('-', "")));
    }

    #[test]
    fn secrets_are_32_lowercase_hex_digits() {
        assert!(is_secret(SECRET));
        for bad in [
            "",
            "00112233445566778899AABBCCDDEEFF",
            "00112233445566778899aabbccddeef",
            "00112233445566778899aabbccddeeffa",
            "g0112233445566778899aabbccddeeff",
        ] {
            assert!(!is_secret(bad), "{bad}");
        }
    }

    #[test]
    fn only_the_secret_of_a_derived_id_writes_into_its_history() {
        let id = consent_id_for(SECRET);
        assert_eq!(check(&id, Some(SECRET), None), Check::Proven);
        let other = "ffeeddccbbaa99887766554433221100";
        assert!(matches!(check(&id, Some(other), None), Check::Refused(_)), "another secret");
        assert!(matches!(check(&id, None, None), Check::Refused(_)), "no secret");
        // A hash registered for a derived id (nobody can) changes nothing.
        assert!(matches!(check(&id, Some(other), Some(&secret_hash(other))), Check::Refused(_)));
    }

    #[test]
    fn an_id_from_before_secrets_is_held_by_the_first_secret_registered() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(check(id, None, None), Check::Unproven, "works as before until a secret is registered");
        assert_eq!(check(id, Some(SECRET), None), Check::Register(secret_hash(SECRET)));
        let registered = secret_hash(SECRET);
        assert_eq!(check(id, Some(SECRET), Some(&registered)), Check::Proven);
        assert!(matches!(check(id, None, Some(&registered)), Check::Refused(_)));
        assert!(matches!(check(id, Some("ffeeddccbbaa99887766554433221100"), Some(&registered)), Check::Refused(_)));
        assert_ne!(secret_hash(SECRET), hex(&sha256(SECRET.as_bytes())), "domain-separated from a plain hash");
    }

    #[test]
    fn a_derived_id_is_continued_only_with_its_secret() {
        let id = consent_id_for(SECRET);
        assert!(may_continue(&id, true));
        assert!(!may_continue(&id, false), "adopted from another subdomain: a new id of our own");
        assert!(may_continue("0f8fad5b-d9cb-469f-a165-70867728950e", false), "an old id goes on (and gets a secret registered)");
    }
}
