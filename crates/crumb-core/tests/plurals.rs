//! Plural rules against CLDR itself, for every built-in language.
//!
//! Three checks, none of which reads the rules from `plural_form`:
//! 1. a table, at the numbers issue 9 names, of the category CLDR 48 gives (worked out from the
//!    rule text below, by hand and by evaluating it);
//! 2. every integer sample CLDR lists after `@integer` falls in that category;
//! 3. the rule text itself, evaluated for whole numbers (`v`, `f`, `t` and `e` are 0) by the small
//!    evaluator at the end of this file, agrees with `plural_form` for 0..=10 000 and for
//!    multiples of a million.
//!
//! The rule text is `common/supplemental/plurals.xml` of CLDR 48 (as published in the
//! `cldr-core` 48 JSON), copied for the CLDR locales the built-in languages use, up to the
//! `@decimal` samples (durations are whole numbers).

use crumb_core::texts::{plural_form, PluralForm, BUILTIN_LANGUAGES};

/// The numbers every language is checked at.
const NUMBERS: [u32; 12] = [0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 111, 1_000_000];

/// The CLDR locale whose rules a built-in language follows: Crumb's `pt` is European Portuguese
/// (CLDR `pt_PT`), `pt-BR` is CLDR's `pt`, and `zh-Hant` has no rules of its own (it inherits
/// `zh`'s).
fn cldr_locale(language: &str) -> &str {
    match language {
        "pt" => "pt-PT",
        "pt-BR" => "pt",
        "zh-Hant" => "zh",
        other => other,
    }
}

#[test]
fn every_builtin_language_at_the_issue_numbers() {
    use PluralForm::*;
    // [0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 111, 1 000 000]
    #[rustfmt::skip]
    let table: &[(&str, [PluralForm; 12])] = &[
    ("bg", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("cs", [Other, One, Few, Few, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("da", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("de", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("el", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("en", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("es", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Many]),
    ("et", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("fi", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("fr", [One, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Many]),
    ("ga", [Other, One, Two, Few, Few, Other, Other, Other, Other, Other, Other, Other]),
    ("hr", [Other, One, Few, Few, Other, Other, One, Few, Other, One, Other, Other]),
    ("hu", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("it", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Many]),
    ("lt", [Other, One, Few, Few, Few, Other, One, Few, Few, One, Other, Other]),
    ("lv", [Zero, One, Other, Other, Other, Zero, One, Other, Other, One, Zero, Zero]),
    ("mt", [Few, One, Two, Few, Few, Many, Other, Other, Other, Other, Many, Other]),
    ("nl", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("pl", [Many, One, Few, Few, Many, Many, Many, Few, Many, Many, Many, Many]),
    ("pt", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Many]),
    ("ro", [Few, One, Few, Few, Few, Few, Other, Other, Other, Few, Few, Other]),
    ("sk", [Other, One, Few, Few, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("sl", [Other, One, Two, Few, Other, Other, Other, Other, Other, One, Other, Other]),
    ("sv", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("nb", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("is", [Other, One, Other, Other, Other, Other, One, Other, Other, One, Other, Other]),
    ("tr", [Other, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("ru", [Many, One, Few, Few, Many, Many, One, Few, Many, One, Many, Many]),
    ("uk", [Many, One, Few, Few, Many, Many, One, Few, Many, One, Many, Many]),
    ("ar", [Zero, One, Two, Few, Few, Many, Many, Many, Many, Other, Many, Other]),
    ("he", [Other, One, Two, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("ja", [Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("ko", [Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("zh", [Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("zh-Hant", [Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other, Other]),
    ("pt-BR", [One, One, Other, Other, Other, Other, Other, Other, Other, Other, Other, Many]),
    ];
    let mut listed: Vec<&str> = table.iter().map(|(language, _)| *language).collect();
    listed.sort_unstable();
    let mut builtin = BUILTIN_LANGUAGES.to_vec();
    builtin.sort_unstable();
    assert_eq!(listed, builtin, "the table covers exactly the built-in languages");
    let mut wrong = Vec::new();
    for (language, forms) in table {
        for (n, form) in NUMBERS.iter().zip(forms) {
            let got = plural_form(language, *n);
            if got != *form {
                wrong.push(format!("{language} n={n}: {got:?}, CLDR says {form:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn romanian_101_is_few_and_0_is_not_many_in_the_romance_languages() {
    // The two bugs issue 9 names, spelled out.
    assert_eq!(plural_form("ro", 101), PluralForm::Few, "101 zile");
    assert_eq!(plural_form("ro", 201), PluralForm::Few);
    assert_eq!(plural_form("ro", 120), PluralForm::Other, "120 de zile");
    for language in ["fr", "es", "it", "pt", "pt-BR"] {
        assert_ne!(plural_form(language, 0), PluralForm::Many, "{language}");
        assert_eq!(plural_form(language, 1_000_000), PluralForm::Many, "{language}");
        assert_eq!(plural_form(language, 2_000_000), PluralForm::Many, "{language}");
        assert_eq!(plural_form(language, 1_000_001), PluralForm::Other, "{language}");
    }
    // Brazilian Portuguese and French say "0 dia", "0 jour"; European Portuguese "0 dias".
    assert_eq!(plural_form("fr", 0), PluralForm::One);
    assert_eq!(plural_form("pt-BR", 0), PluralForm::One);
    assert_eq!(plural_form("pt", 0), PluralForm::Other);
    assert_eq!(plural_form("pt-PT", 0), PluralForm::Other);
}

#[test]
fn every_cldr_integer_sample_is_in_its_category() {
    for language in BUILTIN_LANGUAGES {
        let rules = rules_of(cldr_locale(language));
        for (category, rule) in rules {
            let Some((_, samples)) = rule.split_once("@integer") else {
                continue;
            };
            for n in integer_samples(samples) {
                assert_eq!(plural_form(language, n).as_str(), *category, "{language} n={n}: CLDR lists it under `{category}`");
            }
        }
    }
}

#[test]
fn plural_form_agrees_with_the_cldr_rule_text_for_whole_numbers() {
    let numbers = (0..=10_000u32).chain((1..=4_000).map(|m| m * 1_000_000)).chain([1_000_001, 1_000_101, u32::MAX]);
    let numbers: Vec<u32> = numbers.collect();
    for language in BUILTIN_LANGUAGES {
        let rules = rules_of(cldr_locale(language));
        for &n in &numbers {
            let expected = rules.iter().find(|(_, rule)| holds(rule, n)).map_or("other", |(category, _)| *category);
            assert_eq!(plural_form(language, n).as_str(), expected, "{language} n={n}");
        }
    }
}

#[test]
fn the_evaluator_reads_cldr_syntax() {
    assert!(holds("n % 100 = 3..10", 103));
    assert!(!holds("n % 100 = 3..10", 111));
    assert!(holds("n = 0 or n != 1 and n % 100 = 1..19", 101));
    assert!(!holds("n = 0 or n != 1 and n % 100 = 1..19", 1));
    assert!(holds("i = 0,1", 0));
    assert!(!holds("v != 0", 5));
    assert!(holds("e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5", 3_000_000));
    assert!(!holds("e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5", 0));
    assert!(!holds("@integer 0~15", 3), "a rule of samples only holds for nothing");
    assert_eq!(integer_samples(" 0, 2~4, 101, 1c6, …"), vec![0, 2, 3, 4, 101]);
}

fn rules_of(locale: &str) -> &'static [(&'static str, &'static str)] {
    CLDR_48.iter().find(|(l, _)| *l == locale).map(|(_, rules)| *rules).unwrap_or_else(|| panic!("no CLDR rules copied for `{locale}`"))
}

/// The integers of an `@integer` sample list: `0, 2~16, 101, 1001, …`. Compact forms (`1c6`)
/// and the ellipsis are skipped.
fn integer_samples(list: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim) {
        if let Some((from, to)) = item.split_once('~') {
            let (from, to): (u32, u32) = (from.parse().unwrap(), to.parse().unwrap());
            out.extend(from..=to);
        } else if let Ok(n) = item.parse() {
            out.push(n);
        }
    }
    out
}

/// Whether a CLDR plural condition holds for the whole number `n` (operands `n` = `i` = n, and
/// `v` = `f` = `t` = `e` = 0). A rule with no condition (only samples) holds for nothing, so
/// `other` comes last by itself.
fn holds(rule: &str, n: u32) -> bool {
    let condition = rule.split('@').next().unwrap_or("").trim();
    if condition.is_empty() {
        return false;
    }
    condition.split(" or ").any(|and| and.split(" and ").all(|relation| relation_holds(relation, n)))
}

/// `operand [% modulus] (= | !=) range_list`, with ranges `a..b` and commas.
fn relation_holds(relation: &str, n: u32) -> bool {
    let (left, right, equal) = match relation.split_once("!=") {
        Some((l, r)) => (l, r, false),
        None => {
            let (l, r) = relation.split_once('=').unwrap_or_else(|| panic!("`{relation}`"));
            (l, r, true)
        }
    };
    let (operand, modulus) = match left.split_once('%') {
        Some((o, m)) => (o.trim(), Some(m.trim().parse::<u64>().unwrap())),
        None => (left.trim(), None),
    };
    let mut value: u64 = match operand {
        "n" | "i" => u64::from(n),
        "v" | "f" | "t" | "e" | "w" | "c" => 0,
        other => panic!("unknown operand `{other}` in `{relation}`"),
    };
    if let Some(modulus) = modulus {
        value %= modulus;
    }
    let in_list = right.trim().split(',').any(|range| match range.split_once("..") {
        Some((a, b)) => (a.parse().unwrap()..=b.parse().unwrap()).contains(&value),
        None => value == range.parse::<u64>().unwrap(),
    });
    in_list == equal
}

/// CLDR 48 cardinal rules (`common/supplemental/plurals.xml`), category by category in CLDR's
/// order, without the `@decimal` samples.
#[rustfmt::skip]
const CLDR_48: &[(&str, &[(&str, &str)])] = &[
    ("ar", &[
        ("zero", "n = 0 @integer 0"),
        ("one", "n = 1 @integer 1"),
        ("two", "n = 2 @integer 2"),
        ("few", "n % 100 = 3..10 @integer 3~10, 103~110, 1003, …"),
        ("many", "n % 100 = 11..99 @integer 11~26, 111, 1011, …"),
        ("other", "@integer 100~102, 200~202, 300~302, 400~402, 500~502, 600, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("bg", &[
        ("one", "n = 1 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("cs", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("few", "i = 2..4 and v = 0 @integer 2~4"),
        ("many", "v != 0"),
        ("other", "@integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("da", &[
        ("one", "n = 1 or t != 0 and i = 0,1 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("de", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("el", &[
        ("one", "n = 1 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("en", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("es", &[
        ("one", "n = 1 @integer 1"),
        ("many", "e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5 @integer 1000000, 1c6, 2c6, 3c6, 4c6, 5c6, 6c6, …"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1c3, 2c3, 3c3, 4c3, 5c3, 6c3, …"),
    ]),
    ("et", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("fi", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("fr", &[
        ("one", "i = 0,1 @integer 0, 1"),
        ("many", "e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5 @integer 1000000, 1c6, 2c6, 3c6, 4c6, 5c6, 6c6, …"),
        ("other", "@integer 2~17, 100, 1000, 10000, 100000, 1c3, 2c3, 3c3, 4c3, 5c3, 6c3, …"),
    ]),
    ("ga", &[
        ("one", "n = 1 @integer 1"),
        ("two", "n = 2 @integer 2"),
        ("few", "n = 3..6 @integer 3~6"),
        ("many", "n = 7..10 @integer 7~10"),
        ("other", "@integer 0, 11~25, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("he", &[
        ("one", "i = 1 and v = 0 or i = 0 and v != 0 @integer 1"),
        ("two", "i = 2 and v = 0 @integer 2"),
        ("other", "@integer 0, 3~17, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("hr", &[
        ("one", "v = 0 and i % 10 = 1 and i % 100 != 11 or f % 10 = 1 and f % 100 != 11 @integer 1, 21, 31, 41, 51, 61, 71, 81, 101, 1001, …"),
        ("few", "v = 0 and i % 10 = 2..4 and i % 100 != 12..14 or f % 10 = 2..4 and f % 100 != 12..14 @integer 2~4, 22~24, 32~34, 42~44, 52~54, 62, 102, 1002, …"),
        ("other", "@integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("hu", &[
        ("one", "n = 1 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("is", &[
        ("one", "t = 0 and i % 10 = 1 and i % 100 != 11 or t % 10 = 1 and t % 100 != 11 @integer 1, 21, 31, 41, 51, 61, 71, 81, 101, 1001, …"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("it", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("many", "e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5 @integer 1000000, 1c6, 2c6, 3c6, 4c6, 5c6, 6c6, …"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1c3, 2c3, 3c3, 4c3, 5c3, 6c3, …"),
    ]),
    ("ja", &[
        ("other", "@integer 0~15, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("ko", &[
        ("other", "@integer 0~15, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("lt", &[
        ("one", "n % 10 = 1 and n % 100 != 11..19 @integer 1, 21, 31, 41, 51, 61, 71, 81, 101, 1001, …"),
        ("few", "n % 10 = 2..9 and n % 100 != 11..19 @integer 2~9, 22~29, 102, 1002, …"),
        ("many", "f != 0"),
        ("other", "@integer 0, 10~20, 30, 40, 50, 60, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("lv", &[
        ("zero", "n % 10 = 0 or n % 100 = 11..19 or v = 2 and f % 100 = 11..19 @integer 0, 10~20, 30, 40, 50, 60, 100, 1000, 10000, 100000, 1000000, …"),
        ("one", "n % 10 = 1 and n % 100 != 11 or v = 2 and f % 10 = 1 and f % 100 != 11 or v != 2 and f % 10 = 1 @integer 1, 21, 31, 41, 51, 61, 71, 81, 101, 1001, …"),
        ("other", "@integer 2~9, 22~29, 102, 1002, …"),
    ]),
    ("mt", &[
        ("one", "n = 1 @integer 1"),
        ("two", "n = 2 @integer 2"),
        ("few", "n = 0 or n % 100 = 3..10 @integer 0, 3~10, 103~109, 1003, …"),
        ("many", "n % 100 = 11..19 @integer 11~19, 111~117, 1011, …"),
        ("other", "@integer 20~35, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("nb", &[
        ("one", "n = 1 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("nl", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("pl", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("few", "v = 0 and i % 10 = 2..4 and i % 100 != 12..14 @integer 2~4, 22~24, 32~34, 42~44, 52~54, 62, 102, 1002, …"),
        ("many", "v = 0 and i != 1 and i % 10 = 0..1 or v = 0 and i % 10 = 5..9 or v = 0 and i % 100 = 12..14 @integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
        ("other", ""),
    ]),
    ("pt", &[
        ("one", "i = 0..1 @integer 0, 1"),
        ("many", "e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5 @integer 1000000, 1c6, 2c6, 3c6, 4c6, 5c6, 6c6, …"),
        ("other", "@integer 2~17, 100, 1000, 10000, 100000, 1c3, 2c3, 3c3, 4c3, 5c3, 6c3, …"),
    ]),
    ("pt-PT", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("many", "e = 0 and i != 0 and i % 1000000 = 0 and v = 0 or e != 0..5 @integer 1000000, 1c6, 2c6, 3c6, 4c6, 5c6, 6c6, …"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1c3, 2c3, 3c3, 4c3, 5c3, 6c3, …"),
    ]),
    ("ro", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("few", "v != 0 or n = 0 or n != 1 and n % 100 = 1..19 @integer 0, 2~16, 101, 1001, …"),
        ("other", "@integer 20~35, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("ru", &[
        ("one", "v = 0 and i % 10 = 1 and i % 100 != 11 @integer 1, 21, 31, 41, 51, 61, 71, 81, 101, 1001, …"),
        ("few", "v = 0 and i % 10 = 2..4 and i % 100 != 12..14 @integer 2~4, 22~24, 32~34, 42~44, 52~54, 62, 102, 1002, …"),
        ("many", "v = 0 and i % 10 = 0 or v = 0 and i % 10 = 5..9 or v = 0 and i % 100 = 11..14 @integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
        ("other", ""),
    ]),
    ("sk", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("few", "i = 2..4 and v = 0 @integer 2~4"),
        ("many", "v != 0"),
        ("other", "@integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("sl", &[
        ("one", "v = 0 and i % 100 = 1 @integer 1, 101, 201, 301, 401, 501, 601, 701, 1001, …"),
        ("two", "v = 0 and i % 100 = 2 @integer 2, 102, 202, 302, 402, 502, 602, 702, 1002, …"),
        ("few", "v = 0 and i % 100 = 3..4 or v != 0 @integer 3, 4, 103, 104, 203, 204, 303, 304, 403, 404, 503, 504, 603, 604, 703, 704, 1003, …"),
        ("other", "@integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("sv", &[
        ("one", "i = 1 and v = 0 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("tr", &[
        ("one", "n = 1 @integer 1"),
        ("other", "@integer 0, 2~16, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
    ("uk", &[
        ("one", "v = 0 and i % 10 = 1 and i % 100 != 11 @integer 1, 21, 31, 41, 51, 61, 71, 81, 101, 1001, …"),
        ("few", "v = 0 and i % 10 = 2..4 and i % 100 != 12..14 @integer 2~4, 22~24, 32~34, 42~44, 52~54, 62, 102, 1002, …"),
        ("many", "v = 0 and i % 10 = 0 or v = 0 and i % 10 = 5..9 or v = 0 and i % 100 = 11..14 @integer 0, 5~19, 100, 1000, 10000, 100000, 1000000, …"),
        ("other", ""),
    ]),
    ("zh", &[
        ("other", "@integer 0~15, 100, 1000, 10000, 100000, 1000000, …"),
    ]),
];
