//! Bounds checked on JSON text before any parser sees it: its size and how deeply it nests.
//! A config or stored value comes from the page, the network or storage that a page can write;
//! a 5 MB string or a few thousand nested arrays must give a clear error, not a stuck page or an
//! exhausted stack in a recursive reader.

/// The largest config text read: far above any real config (36 languages of texts, hundreds of
/// cookies) and small enough to scan at once.
pub const MAX_CONFIG_BYTES: usize = 1_000_000;
/// The deepest nesting a config or stored value needs is 6 (`categories[].services[].cookies[].purpose{}`);
/// anything past this is refused before parsing.
pub const MAX_DEPTH: usize = 32;

/// Why a JSON text was refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundsError {
    /// The text is longer than allowed.
    #[error("is {0} bytes long; the limit is {1} bytes")]
    TooLong(usize, usize),
    /// Objects and arrays nest deeper than allowed.
    #[error("nests objects and arrays more than {0} levels deep")]
    TooDeep(usize),
}

/// Checks `text`'s length and the nesting depth of its objects and arrays (brackets inside
/// strings do not count). It does not check that the text is JSON: the parser does that.
pub fn check_json_bounds(text: &str, max_bytes: usize, max_depth: usize) -> Result<(), BoundsError> {
    if text.len() > max_bytes {
        return Err(BoundsError::TooLong(text.len(), max_bytes));
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return Err(BoundsError::TooDeep(max_depth));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Shortens a message for the console to at most `max` characters, marking the cut: a config
/// value of the wrong type is quoted in its error, and a 900 KB string must not be echoed whole.
pub fn cap_message(message: &str, max: usize) -> String {
    match message.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} characters in all)", &message[..cut], message.chars().count()),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        assert_eq!(check_json_bounds(r#"{"a":[1,{"b":2}]}"#, 100, 3), Ok(()));
        assert_eq!(check_json_bounds(r#"{"a":[1,{"b":[2]}]}"#, 100, 3), Err(BoundsError::TooDeep(3)));
        assert_eq!(check_json_bounds(r#"{"a":"[[[[[[[[\"[[[["}"#, 100, 1), Ok(()));
        assert_eq!(check_json_bounds(r#"{"a":"\\"}"#, 100, 1), Ok(()), "an escaped backslash ends before the quote");
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(check_json_bounds(&deep, MAX_CONFIG_BYTES, MAX_DEPTH), Err(BoundsError::TooDeep(MAX_DEPTH)));
    }

    #[test]
    fn length_is_checked_first() {
        let long = format!("\"{}\"", "x".repeat(2_000));
        assert_eq!(check_json_bounds(&long, 1_000, 32), Err(BoundsError::TooLong(2_002, 1_000)));
    }

    #[test]
    fn messages_are_capped_on_a_character_boundary() {
        assert_eq!(cap_message("short", 10), "short");
        let capped = cap_message(&"é".repeat(50), 10);
        assert!(capped.starts_with(&"é".repeat(10)), "{capped}");
        assert!(capped.ends_with("(50 characters in all)"), "{capped}");
    }
}
