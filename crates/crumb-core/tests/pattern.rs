//! Cookie and localStorage patterns that could freeze the page are refused at validation, with
//! the path named and a reason given; plain patterns, and every one the demo shops use, pass.

mod common;

use common::{demo_config_json, parse};
use crumb_core::pattern::{check_pattern, PatternError, MAX_PATTERN_LEN};
use serde_json::json;

fn refused(pattern: &str) -> PatternError {
    match check_pattern(pattern) {
        Ok(()) => panic!("{pattern:?} was accepted"),
        Err(error) => error,
    }
}

fn is_syntax(pattern: &str) {
    assert!(matches!(refused(pattern), PatternError::Syntax(_)), "{pattern:?}: {}", refused(pattern));
}

#[test]
fn plain_patterns_pass() {
    for pattern in [
        "^_ga",
        "^_ga_",
        "^_ga(_.*)?$",
        "^_ga_[A-Z0-9]+$",
        "^_demo_ga(_.*)?$",
        "^TS[0-9a-fA-F]{6,}(_d)?$",
        "^_hjSession_\\d+$",
        "^_hjSessionUser_\\d+$",
        "^AMCV_.*AdobeOrg$",
        "^_pk_(id|ses)\\.",
        "^(_ga|_gid|_gat|_gcl_au|_fbp)$",
        "^__utm[abcz]$",
        "^mp_[0-9a-f]+_mixpanel$",
        "^intercom-(id|session)-",
        "_ga",
        "^[\\w-]+_consent$",
        "^[^=;]+_tracker$",
        "^a{2,5}b{3}$",
        "^(ab){3}$",
        "^(?:a{2})+$",
        "^(a|b)+$",
        "^(?:foo|bar|baz)_[0-9]{1,3}$",
        "^(?<prefix>_ga)_\\d+$",
        "^\\x5fga\\u005F",
        "^\\cJ?\\0\\t\\.\\-\\/\\$\\^",
        "[\\b\\-\\]\\\\]",
        "[]",
        "[^]",
        "^.*?_lazy$",
        "a|",
        "^$",
        "",
    ] {
        if pattern.is_empty() {
            continue; // empty is the config's own "must not be empty"
        }
        assert_eq!(check_pattern(pattern), Ok(()), "{pattern:?}");
    }
}

#[test]
fn every_pattern_the_demo_pages_use_passes() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut pages = vec![format!("{root}/index.html")];
    for dir in ["www", "www/demo"] {
        let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pages.push(path.join("index.html").display().to_string());
            } else if path.to_string_lossy().ends_with(".schema.json") {
                // The config's JSON Schema: its `pattern`s are JSON Schema keywords, not cookie patterns.
                continue;
            } else if path.extension().is_some_and(|e| e == "json" || e == "html") {
                pages.push(path.display().to_string());
            }
        }
    }
    let mut found = 0;
    for page in pages {
        let Ok(text) = std::fs::read_to_string(&page) else {
            continue;
        };
        for (at, _) in text.match_indices("\"pattern\"") {
            let rest = text[at + "\"pattern\"".len()..].trim_start();
            let Some(rest) = rest.strip_prefix(':') else {
                continue;
            };
            // A JSON string: read it with serde_json so escapes count as the widget reads them.
            let rest = rest.trim_start();
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            let Some(Ok(pattern)) = stream.next() else {
                continue;
            };
            assert_eq!(check_pattern(&pattern), Ok(()), "{page}: {pattern:?}");
            found += 1;
        }
    }
    assert!(found >= 7, "the demo pages' patterns were found ({found})");
}

#[test]
fn nested_repeats_are_refused() {
    for pattern in [
        "(a+)+",
        "^(a+)+$",
        "(a*)*",
        "(a+)*",
        "(.*a){10}",
        "(.*a){2,}",
        "(a?)+",
        "(\\w+\\.)+",
        "^(_ga_[A-Z]+)+$",
        "((ab)+c)+",
        "(a{1,3})+",
        "(?:x(?:y+))*",
        "(a{2,}){2}",
    ] {
        assert_eq!(refused(pattern), PatternError::NestedRepeat, "{pattern:?}");
    }
}

#[test]
fn overlapping_alternatives_under_a_repeat_are_refused() {
    for pattern in [
        "(a|aa)+",
        "(a|a)*",
        "(ab|a)+",
        "(a|[a-z])+",
        "(\\d|[0-9a-f])+",
        "(.|_)+",
        "(a|)+",
        "(|a)*",
        "(x|\\w){3}",
        "(a|b|ab){2,3}",
        "(?:$|a)+",
    ] {
        assert_eq!(refused(pattern), PatternError::OverlappingAlternatives, "{pattern:?}");
    }
    // Alternatives that cannot start alike are fine, repeated or not.
    for pattern in ["(a|b)+", "(ab|cd)*", "(_ga|-x){2}", "(a|aa)", "^(_ga|_gid)$"] {
        assert_eq!(check_pattern(pattern), Ok(()), "{pattern:?}");
    }
}

#[test]
fn repeating_something_that_can_match_nothing_is_refused() {
    for pattern in ["()+", "(?:)*", "(^)+", "(\\b){2}", "(a{0})+"] {
        assert_eq!(refused(pattern), PatternError::EmptyRepeat, "{pattern:?}");
    }
}

#[test]
fn backreferences_and_lookarounds_are_refused() {
    for pattern in ["(a)\\1", "\\2", "(?<x>a)\\k<x>", "\\k"] {
        assert_eq!(refused(pattern), PatternError::Backreference, "{pattern:?}");
    }
    for pattern in ["(?=a)", "a(?!b)", "(?<=a)b", "(?<!a)b", "^_ga(?=_)"] {
        assert_eq!(refused(pattern), PatternError::Lookaround, "{pattern:?}");
    }
}

#[test]
fn too_many_open_ended_repeats_or_choices_are_refused() {
    // Anchored: two open-ended repeats; unanchored (tried at every position): one.
    assert_eq!(check_pattern("^a.*b.*$"), Ok(()));
    assert_eq!(check_pattern("_ga.*"), Ok(()));
    assert_eq!(refused("a.*b.*"), PatternError::TooManyRepeats);
    assert_eq!(refused(".{2,}-{2,}da$"), PatternError::TooManyRepeats);
    assert_eq!(refused("^a|b.*c.*"), PatternError::TooManyRepeats, "`b…` is not anchored");
    assert_eq!(refused("^a.*b.*c.*$"), PatternError::TooManyRepeats);
    assert_eq!(refused(".*.*.*x"), PatternError::TooManyRepeats);
    assert_eq!(check_pattern(&"a?".repeat(10)), Ok(()));
    assert_eq!(check_pattern("^a?a?.*b.*"), Ok(()));
    assert_eq!(refused("^a?a?a?.*b.*"), PatternError::TooManyChoices);
    assert_eq!(refused("\\w{1,4}\\w{1,4}.+!"), PatternError::TooManyChoices);
    assert_eq!(refused(&format!("{}{}", "a?".repeat(12), "a".repeat(12))), PatternError::TooManyChoices);
    assert_eq!(refused("a{0,100}b{0,100}"), PatternError::TooManyChoices);
    assert_eq!(refused("(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)"), PatternError::TooManyChoices);
    assert_eq!(refused("a{1001}"), PatternError::CountTooLarge);
    assert_eq!(refused("a{2,99999}"), PatternError::CountTooLarge);
}

#[test]
fn long_patterns_are_refused() {
    let long = format!("^{}$", "a".repeat(MAX_PATTERN_LEN));
    assert_eq!(refused(&long), PatternError::TooLong(MAX_PATTERN_LEN + 2));
    let at_limit = "a".repeat(MAX_PATTERN_LEN);
    assert_eq!(check_pattern(&at_limit), Ok(()));
    // Counted in characters, not bytes.
    assert_eq!(check_pattern(&"é".repeat(MAX_PATTERN_LEN)), Ok(()));
}

#[test]
fn what_javascript_refuses_is_refused() {
    for pattern in [
        "([",
        "(",
        ")",
        "a)",
        "[a",
        "\\",
        "*bad",
        "+a",
        "?a",
        "a**",
        "a+*",
        "a??*",
        "a{2}{3}",
        "^*",
        "$+",
        "\\b*",
        "[z-a]",
        "a{3,2}",
        "(?",
        "(?x)",
        "(?<1a>b)",
        "(?<a>x)(?<a>y)",
        "(?<a",
    ] {
        is_syntax(pattern);
    }
}

#[test]
fn annex_b_oddities_are_refused_rather_than_guessed() {
    for pattern in [
        "a{", "{", "}", "]", "a{x}", "a{,5}", "\\a", "\\01", "[\\1]", "[\\w-z]", "[a-\\d]", "[\\B]", "[\\k]", "😀", "[😀]", "\\x4",
        "\\u12", "\\u{41}", "\\c1", "\\p{L}",
    ] {
        is_syntax(pattern);
    }
}

#[test]
fn syntax_errors_say_where() {
    let PatternError::Syntax(syntax) = refused("^_ga(_.*$") else { panic!() };
    assert_eq!(syntax.at, 10);
    assert!(syntax.to_string().contains("never closed"), "{syntax}");
}

#[test]
fn every_refusal_says_why_and_what_to_write_instead() {
    for pattern in ["(a+)+", "(a|aa)+", "()+", "(a)\\1", "(?=a)", ".*.*.*", "a?a?a?a?a?a?a?a?a?a?a?", "a{5000}"] {
        let message = refused(pattern).to_string();
        assert!(message.contains("e.g.") || message.contains("write") || message.contains("list"), "{pattern}: {message}");
    }
    let message = refused("^(a+)+$").to_string();
    assert!(message.contains("freeze") && message.contains("`^_ga_.*$`"), "{message}");
}

#[test]
fn a_catastrophic_cookie_pattern_is_refused_with_its_path() {
    let mut value = demo_config_json();
    value["categories"][2]["services"][0]["cookies"][0]["pattern"] = json!("^(a+)+$");
    let errors = parse(value).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].path, "categories[2].services[0].cookies[0].pattern");
    assert!(errors.0[0].message.contains("repeats something that itself repeats"), "{errors}");
}

#[test]
fn a_catastrophic_storage_pattern_is_refused_with_its_path() {
    let mut value = demo_config_json();
    value["categories"][2]["services"][0]["local_storage"] =
        json!([{ "pattern": "^_ga_" }, { "pattern": "(x|xy)*" }, { "pattern": "(?<=a)b" }]);
    let errors = parse(value).unwrap_err();
    let paths: Vec<_> = errors.0.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["categories[2].services[0].local_storage[1].pattern", "categories[2].services[0].local_storage[2].pattern"]);
}

#[test]
fn an_invalid_pattern_is_named_as_before() {
    let mut value = demo_config_json();
    value["categories"][2]["services"][0]["cookies"][0]["pattern"] = json!("([");
    let errors = parse(value).unwrap_err();
    assert!(errors.names("categories[2].services[0].cookies[0].pattern"), "{errors}");
    assert!(errors.0[0].message.contains("not a JavaScript regular expression"), "{errors}");
    let mut value = demo_config_json();
    value["categories"][2]["services"][0]["cookies"][0]["pattern"] = json!("");
    let errors = parse(value).unwrap_err();
    assert_eq!(errors.0[0].message, "must not be empty");
}
