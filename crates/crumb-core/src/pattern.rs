//! The rule for cookie and localStorage `pattern`s: they are JavaScript regular expressions
//! (`new RegExp(pattern)`, no flags), tested against every cookie name and storage key when a
//! consent is withdrawn. The browser matches them by backtracking, so a pattern like `^(a+)+$`
//! freezes the page for seconds on a long name that almost matches. Crumb refuses such patterns
//! when the config is validated, with a message that says why and what to write instead; it does
//! not try to match in linear time.
//!
//! [`check_pattern`] is a small, conservative reader of JavaScript's regex syntax (escapes,
//! classes, groups, quantifiers; Annex B oddities such as a lone `{` or `\a` are refused rather
//! than guessed at). It accepts a pattern only when its cost is bounded:
//! - at most [`MAX_PATTERN_LEN`] characters;
//! - no backreferences (`\1`, `\k<name>`) and no lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`);
//! - star height one: inside anything repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with
//!   m > 1, even `{10}`), nothing may repeat a variable number of times (`(a+)+`, `(a*)*`,
//!   `(.*a){10}`, `(a?)+` are refused; `(ab){2}` and `(a{2})+` are fine);
//! - inside anything repeated, the alternatives of a group may not overlap (two of them able to
//!   start with the same character, or one able to match nothing: `(a|aa)+`, `(a|)+`), and the
//!   repeated part must match at least one character;
//! - a bounded polynomial: the browser tries an unanchored pattern at every position of the name,
//!   and each open-ended repeat (`*`, `+`, `{n,}`) multiplies the work by the name's length, so
//!   open-ended repeats plus one for a pattern that does not start with `^` may be at most
//!   [`MAX_DEGREE`] (`^a.*b.*$` and `_ga.*` pass, `a.*b.*` does not: measured in Node on a
//!   4,000-character name, two overlapping repeats unanchored took 36 s, anchored 16 ms);
//! - the optional parts and overlapping alternatives, multiplied together, give at most
//!   [`MAX_CHOICES`] ways to try (`a?` eleven times in a row is refused), and at most
//!   [`MAX_CHOICES_AT_MAX_DEGREE`] when the degree is already [`MAX_DEGREE`].
//!
//! Every pattern the demo shops use (`^_ga_[A-Z0-9]+$`, `^_demo_ga(_.*)?$`,
//! `^TS[0-9a-fA-F]{6,}(_d)?$`) passes.

use std::fmt;

/// The longest pattern accepted, in characters.
pub const MAX_PATTERN_LEN: usize = 200;
/// The highest degree allowed: open-ended repeats (`*`, `+`, `{n,}`), plus one when the pattern
/// does not start with `^`.
pub const MAX_DEGREE: usize = 2;
/// The most ways to try one name that the optional parts and overlapping alternatives of a
/// pattern may give, multiplied together.
pub const MAX_CHOICES: u64 = 1_024;
/// [`MAX_CHOICES`] for a pattern of degree [`MAX_DEGREE`].
pub const MAX_CHOICES_AT_MAX_DEGREE: u64 = 4;
/// The largest count in `{n}`, `{n,}`, `{n,m}`.
pub const MAX_COUNT: u32 = 1_000;

/// Why a pattern is refused. Its text completes "`…pattern` " in a config error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Longer than [`MAX_PATTERN_LEN`] characters (its length).
    #[error("is {0} characters long, more than the {MAX_PATTERN_LEN} allowed: a long pattern is slow to test against every cookie name; list the cookies by `name`, or match a prefix such as `^_ga`")]
    TooLong(usize),
    /// Not JavaScript regex syntax, or an Annex B oddity Crumb does not guess at.
    #[error("is not a JavaScript regular expression Crumb accepts: {0}")]
    Syntax(Syntax),
    /// `\1`, `\k<name>`.
    #[error("uses a backreference (`\\1`, `\\k<name>`): it can make matching take exponential time and a cookie name never needs it; write the repeated part out, e.g. `^_ga_[A-Z0-9]+$`")]
    Backreference,
    /// `(?=`, `(?!`, `(?<=`, `(?<!`.
    #[error("uses a lookahead or lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`), whose cost Crumb cannot bound; match the name itself, e.g. `^_ga_` for names that start with `_ga_`")]
    Lookaround,
    /// Star height above one: a variable repeat inside a repeat.
    #[error("repeats something that itself repeats (like `(a+)+` or `(.*a){{10}}`): on a long name that does not match, the browser tries exponentially many ways and the page freezes; use one repeat, e.g. `^_ga_.*$` or `^_ga_[A-Za-z0-9_]+$`")]
    NestedRepeat,
    /// Alternatives that can match alike, inside a repeat.
    #[error("repeats a group whose alternatives can match the same text (like `(a|aa)+` or `(a|)+`): the browser tries every way to split a name and the page can freeze; put the characters in one class, e.g. `[a-z_]+`, or list the cookies by `name`")]
    OverlappingAlternatives,
    /// A repeated part that can match the empty string.
    #[error("repeats a part that can match nothing (like `()+` or `(^)*`); make the repeated part match at least one character, e.g. `(_[0-9])+`")]
    EmptyRepeat,
    /// Degree above [`MAX_DEGREE`].
    #[error("has too many open-ended repeats (`*`, `+`, `{{n,}}`): each one multiplies the work on a long name that does not match, and so does a pattern that does not start with `^` (the browser tries it at every position); at most two with `^` in front, one without; start with `^` and match a prefix, e.g. `^_ga_`")]
    TooManyRepeats,
    /// More than [`MAX_CHOICES`] (or [`MAX_CHOICES_AT_MAX_DEGREE`]) ways to try.
    #[error("has too many optional parts and alternatives (like `a?a?a?…`): the browser may try every combination of them on each name; match a prefix such as `^_ga`, or list the cookies by `name`")]
    TooManyChoices,
    /// A count above [`MAX_COUNT`].
    #[error("repeats something more than {MAX_COUNT} times (`{{n}}`), which no cookie name needs; use `+` or `*`, e.g. `[0-9]+`")]
    CountTooLarge,
}

/// A syntax problem, with the character (1-based) where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syntax {
    /// What is wrong and how to write it.
    pub problem: &'static str,
    /// 1-based position in characters.
    pub at: usize,
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.problem, self.at)
    }
}

/// Checks a cookie or localStorage `pattern` (see the module doc for the rule).
pub fn check_pattern(pattern: &str) -> Result<(), PatternError> {
    let length = pattern.chars().count();
    if length > MAX_PATTERN_LEN {
        return Err(PatternError::TooLong(length));
    }
    let mut parser = Parser { chars: pattern.chars().collect(), pos: 0, group_names: Vec::new() };
    let tree = parser.alternation()?;
    if parser.pos < parser.chars.len() {
        // alternation() only stops early at a `)` it did not open.
        return Err(parser.syntax("a `)` that closes no group; write `\\)` for the character"));
    }
    let mut cost = Cost { open_ended: 0, choices: 1 };
    analyse(&tree, false, &mut cost)?;
    // Anchored: tried at the start only. `^a|b` is not (its `b` is tried everywhere).
    let anchored = pattern.starts_with('^') && !matches!(tree, Node::Alternation(_));
    let degree = cost.open_ended + usize::from(!anchored);
    if degree > MAX_DEGREE {
        return Err(PatternError::TooManyRepeats);
    }
    let budget = if degree == MAX_DEGREE { MAX_CHOICES_AT_MAX_DEGREE } else { MAX_CHOICES };
    if cost.choices > budget {
        return Err(PatternError::TooManyChoices);
    }
    Ok(())
}

/// The highest UTF-16 code unit: without the `u` flag JavaScript matches code units.
const MAX_UNIT: u32 = 0xFFFF;

/// A set of UTF-16 code units, as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CharSet(Vec<(u32, u32)>);

impl CharSet {
    fn of(ranges: &[(u32, u32)]) -> CharSet {
        let mut set = CharSet::default();
        for &range in ranges {
            set.add(range);
        }
        set
    }

    fn single(c: u32) -> CharSet {
        CharSet(vec![(c, c)])
    }

    fn add(&mut self, (low, high): (u32, u32)) {
        self.0.push((low, high));
        self.0.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.0.len());
        for &(l, h) in &self.0 {
            match merged.last_mut() {
                Some(last) if l <= last.1.saturating_add(1) => last.1 = last.1.max(h),
                _ => merged.push((l, h)),
            }
        }
        self.0 = merged;
    }

    fn union(&mut self, other: &CharSet) {
        for &range in &other.0 {
            self.add(range);
        }
    }

    fn complement(&self) -> CharSet {
        let mut out = Vec::new();
        let mut next = 0u32;
        for &(l, h) in &self.0 {
            if l > next {
                out.push((next, l - 1));
            }
            next = h.saturating_add(1);
        }
        if next <= MAX_UNIT {
            out.push((next, MAX_UNIT));
        }
        CharSet(out)
    }

    fn intersects(&self, other: &CharSet) -> bool {
        self.0.iter().any(|&(l, h)| other.0.iter().any(|&(ol, oh)| l <= oh && ol <= h))
    }

    fn digits() -> CharSet {
        CharSet::of(&[(0x30, 0x39)])
    }

    fn word() -> CharSet {
        CharSet::of(&[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
    }

    /// JavaScript's `\s`: white space and line terminators.
    fn space() -> CharSet {
        CharSet::of(&[
            (0x09, 0x0D),
            (0x20, 0x20),
            (0xA0, 0xA0),
            (0x1680, 0x1680),
            (0x2000, 0x200A),
            (0x2028, 0x2029),
            (0x202F, 0x202F),
            (0x205F, 0x205F),
            (0x3000, 0x3000),
            (0xFEFF, 0xFEFF),
        ])
    }

    /// `.`: anything but a line terminator.
    fn dot() -> CharSet {
        CharSet::of(&[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)]).complement()
    }
}

/// What a pattern is made of, as far as its cost goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// Matches the empty string (an empty alternative, `()`).
    Empty,
    /// Zero-width: `^`, `$`, `\b`, `\B`.
    Assertion,
    /// One code unit out of a set: a literal, `.`, an escape, a class.
    Chars(CharSet),
    Sequence(Vec<Node>),
    Alternation(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        /// `None`: open-ended.
        max: Option<u32>,
    },
}

impl Node {
    fn nullable(&self) -> bool {
        match self {
            Node::Empty | Node::Assertion => true,
            Node::Chars(_) => false,
            Node::Sequence(items) => items.iter().all(Node::nullable),
            Node::Alternation(branches) => branches.iter().any(Node::nullable),
            Node::Repeat { node, min, .. } => *min == 0 || node.nullable(),
        }
    }

    /// The code units a match can start with.
    fn first(&self) -> CharSet {
        match self {
            Node::Empty | Node::Assertion => CharSet::default(),
            Node::Chars(set) => set.clone(),
            Node::Sequence(items) => {
                let mut set = CharSet::default();
                for item in items {
                    set.union(&item.first());
                    if !item.nullable() {
                        break;
                    }
                }
                set
            }
            Node::Alternation(branches) => {
                let mut set = CharSet::default();
                for branch in branches {
                    set.union(&branch.first());
                }
                set
            }
            Node::Repeat { max: Some(0), .. } => CharSet::default(),
            Node::Repeat { node, .. } => node.first(),
        }
    }
}

fn overlapping(branches: &[Node]) -> bool {
    branches
        .iter()
        .enumerate()
        .any(|(i, a)| branches[i + 1..].iter().any(|b| a.nullable() || b.nullable() || a.first().intersects(&b.first())))
}

struct Cost {
    open_ended: usize,
    choices: u64,
}

/// Applies the cost rules (module doc) to a node; `repeated`: inside something repeated more
/// than once.
fn analyse(node: &Node, repeated: bool, cost: &mut Cost) -> Result<(), PatternError> {
    match node {
        Node::Empty | Node::Assertion | Node::Chars(_) => Ok(()),
        Node::Sequence(items) => items.iter().try_for_each(|n| analyse(n, repeated, cost)),
        Node::Alternation(branches) => {
            if overlapping(branches) {
                if repeated {
                    return Err(PatternError::OverlappingAlternatives);
                }
                cost.choices = cost.choices.saturating_mul(branches.len() as u64);
            }
            branches.iter().try_for_each(|n| analyse(n, repeated, cost))
        }
        Node::Repeat { node, min, max } => {
            let variable = *max != Some(*min);
            if variable && repeated {
                return Err(PatternError::NestedRepeat);
            }
            match max {
                None => cost.open_ended += 1,
                Some(max) if variable => cost.choices = cost.choices.saturating_mul(u64::from(max - min) + 1),
                Some(_) => {}
            }
            let repeats = max.is_none_or(|m| m > 1);
            analyse(node, repeated || repeats, cost)?;
            if repeats && node.nullable() {
                return Err(PatternError::EmptyRepeat);
            }
            Ok(())
        }
    }
}

/// One class item: a code unit (a range end) or a class escape (`\d`).
enum ClassAtom {
    Unit(u32),
    Set(CharSet),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    group_names: Vec<String>,
}

impl Parser {
    fn syntax(&self, problem: &'static str) -> PatternError {
        PatternError::Syntax(Syntax { problem, at: self.pos + 1 })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `a|b|…` up to the end or a `)` (left for the caller).
    fn alternation(&mut self) -> Result<Node, PatternError> {
        let mut branches = vec![self.sequence()?];
        while self.eat('|') {
            branches.push(self.sequence()?);
        }
        Ok(if branches.len() == 1 { branches.pop().unwrap_or(Node::Empty) } else { Node::Alternation(branches) })
    }

    fn sequence(&mut self) -> Result<Node, PatternError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            // `^`, `$`, `\b`, `\B` themselves cannot be repeated; a group holding one can.
            let assertion = matches!(c, '^' | '$') || (c == '\\' && matches!(self.peek_at(1), Some('b' | 'B')));
            let atom = self.atom()?;
            items.push(self.quantified(atom, assertion)?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Sequence(items),
        })
    }

    fn atom(&mut self) -> Result<Node, PatternError> {
        let Some(c) = self.peek() else {
            return Err(self.syntax("the pattern ends too early"));
        };
        match c {
            '^' | '$' => {
                self.pos += 1;
                Ok(Node::Assertion)
            }
            '.' => {
                self.pos += 1;
                Ok(Node::Chars(CharSet::dot()))
            }
            '(' => self.group(),
            '[' => self.class(),
            '\\' => self.escape(),
            '*' | '+' | '?' => {
                Err(self.syntax("a `*`, `+` or `?` with nothing before it to repeat; write `\\*`, `\\+` or `\\?` for the character"))
            }
            '{' => Err(self.syntax("a `{` with nothing before it to repeat; write `\\{` for the character")),
            '}' => Err(self.syntax("a lone `}`; write `\\}` for the character")),
            ']' => Err(self.syntax("a lone `]`; write `\\]` for the character")),
            _ => {
                self.pos += 1;
                self.literal(c)
            }
        }
    }

    fn literal(&self, c: char) -> Result<Node, PatternError> {
        let unit = u32::from(c);
        if unit > MAX_UNIT {
            return Err(self.syntax("a character beyond U+FFFF (an emoji, say), which JavaScript reads as two halves; match it with `.` or list the cookie by `name`"));
        }
        Ok(Node::Chars(CharSet::single(unit)))
    }

    fn group(&mut self) -> Result<Node, PatternError> {
        self.pos += 1; // (
        if self.eat('?') {
            match (self.peek(), self.peek_at(1)) {
                (Some(':'), _) => self.pos += 1,
                (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')) => return Err(PatternError::Lookaround),
                (Some('<'), _) => {
                    self.pos += 1;
                    self.group_name()?;
                }
                _ => return Err(self.syntax("an unknown group `(?…`; write `(?:…)` for a group or `\\(` for the character")),
            }
        }
        let inner = self.alternation()?;
        if !self.eat(')') {
            return Err(self.syntax("a `(` that is never closed; add `)` or write `\\(` for the character"));
        }
        Ok(inner)
    }

    /// `name>` of `(?<name>`: an ASCII identifier, not used twice.
    fn group_name(&mut self) -> Result<(), PatternError> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '>' {
                let valid = name.chars().next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == '$');
                if !valid {
                    return Err(self.syntax("a group name must start with a letter, `_` or `$`"));
                }
                if self.group_names.contains(&name) {
                    return Err(self.syntax("a group name used twice"));
                }
                self.group_names.push(name);
                return Ok(());
            }
            if !(c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                return Err(self.syntax("a group name of letters, digits, `_` or `$` only"));
            }
            name.push(c);
        }
        Err(self.syntax("a group name `(?<name>` that is never closed with `>`"))
    }

    /// A quantifier after `atom`, if any.
    fn quantified(&mut self, atom: Node, assertion: bool) -> Result<Node, PatternError> {
        if !matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return Ok(atom);
        }
        if assertion {
            return Err(self.syntax("a repeat after `^`, `$`, `\\b` or `\\B`, which match no character"));
        }
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            _ => match self.braces()? {
                Some(bounds) => bounds,
                None => {
                    return Err(self.syntax("a `{` that is not a repeat count like `{2}`, `{2,}` or `{2,5}`; write `\\{` for the character"))
                }
            },
        };
        // Past the `*`, `+`, `?`, or the `}` that braces() stopped on.
        self.pos += 1;
        self.eat('?'); // lazy: the same cost
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return Err(self.syntax("two repeats in a row (like `a**` or `a{2}{3}`); write one"));
        }
        Ok(Node::Repeat { node: Box::new(atom), min, max })
    }

    /// `{n}`, `{n,}`, `{n,m}` at the current `{`: returns the bounds standing on the closing
    /// `}`, or `None` (not moved) when it is not one.
    fn braces(&mut self) -> Result<Option<(u32, Option<u32>)>, PatternError> {
        let start = self.pos;
        self.pos += 1;
        let Some(min) = self.number()? else {
            self.pos = start;
            return Ok(None);
        };
        let max = if self.eat(',') { self.number()? } else { Some(min) };
        if self.peek() != Some('}') {
            self.pos = start;
            return Ok(None);
        }
        if max.is_some_and(|max| max < min) {
            return Err(self.syntax("a repeat count `{n,m}` with m smaller than n"));
        }
        Ok(Some((min, max)))
    }

    fn number(&mut self) -> Result<Option<u32>, PatternError> {
        let mut value: Option<u32> = None;
        while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
            self.pos += 1;
            let next = value.unwrap_or(0).saturating_mul(10).saturating_add(digit);
            if next > MAX_COUNT {
                return Err(PatternError::CountTooLarge);
            }
            value = Some(next);
        }
        Ok(value)
    }

    fn hex(&mut self, digits: usize) -> Option<u32> {
        let mut value = 0;
        for ahead in 0..digits {
            value = value * 16 + self.peek_at(ahead)?.to_digit(16)?;
        }
        self.pos += digits;
        Some(value)
    }

    /// The escapes that mean one code unit, inside or outside a class: `\n`, `\x41`, `\u0041`,
    /// `\cA`, `\0`, `\.`. `c` is the character after `\`, already passed.
    fn unit_escape(&mut self, c: char, in_class: bool) -> Result<u32, PatternError> {
        Ok(match c {
            'n' => 0x0A,
            'r' => 0x0D,
            't' => 0x09,
            'f' => 0x0C,
            'v' => 0x0B,
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => 0,
            '1'..='9' if !in_class => return Err(PatternError::Backreference),
            '0'..='9' => return Err(self.syntax("an octal escape like `\\01`; write `\\x01` for a code, or the character itself")),
            'x' => self.hex(2).ok_or_else(|| self.syntax("`\\x` needs two hex digits, like `\\x41`"))?,
            'u' => self.hex(4).ok_or_else(|| {
                self.syntax("`\\u` needs four hex digits, like `\\u0041` (`\\u{…}` needs the `u` flag, which Crumb does not use)")
            })?,
            'c' => match self.peek() {
                Some(letter) if letter.is_ascii_alphabetic() => {
                    self.pos += 1;
                    u32::from(letter) % 32
                }
                _ => return Err(self.syntax("`\\c` needs a letter, like `\\cJ`")),
            },
            'k' if !in_class => return Err(PatternError::Backreference),
            'p' | 'P' => {
                return Err(
                    self.syntax("`\\p{…}` needs the `u` flag, which Crumb does not use; list the characters in a class like `[A-Za-z]`")
                )
            }
            c if c.is_ascii_alphanumeric() => {
                return Err(
                    self.syntax("a backslash before a letter or digit that is not an escape JavaScript knows; write the character alone")
                )
            }
            c => {
                let unit = u32::from(c);
                if unit > MAX_UNIT {
                    return Err(self.syntax("a character beyond U+FFFF (an emoji, say), which JavaScript reads as two halves; match it with `.` or list the cookie by `name`"));
                }
                unit
            }
        })
    }

    fn class_escape(c: char) -> Option<CharSet> {
        match c {
            'd' => Some(CharSet::digits()),
            'D' => Some(CharSet::digits().complement()),
            'w' => Some(CharSet::word()),
            'W' => Some(CharSet::word().complement()),
            's' => Some(CharSet::space()),
            'S' => Some(CharSet::space().complement()),
            _ => None,
        }
    }

    fn escape(&mut self) -> Result<Node, PatternError> {
        self.pos += 1; // \
        let Some(c) = self.peek() else {
            return Err(self.syntax("a `\\` at the end; write `\\\\` for a backslash"));
        };
        self.pos += 1;
        if matches!(c, 'b' | 'B') {
            return Ok(Node::Assertion);
        }
        if let Some(set) = Parser::class_escape(c) {
            return Ok(Node::Chars(set));
        }
        Ok(Node::Chars(CharSet::single(self.unit_escape(c, false)?)))
    }

    fn class(&mut self) -> Result<Node, PatternError> {
        self.pos += 1; // [
        let negated = self.eat('^');
        let mut set = CharSet::default();
        loop {
            match self.peek() {
                None => return Err(self.syntax("a `[` that is never closed; add `]` or write `\\[` for the character")),
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            let low = self.class_atom()?;
            let is_range = self.peek() == Some('-') && self.peek_at(1).is_some_and(|next| next != ']');
            if !is_range {
                match low {
                    ClassAtom::Unit(unit) => set.add((unit, unit)),
                    ClassAtom::Set(other) => set.union(&other),
                }
                continue;
            }
            self.pos += 1; // -
            let high = self.class_atom()?;
            match (low, high) {
                (ClassAtom::Unit(low), ClassAtom::Unit(high)) if low <= high => set.add((low, high)),
                (ClassAtom::Unit(_), ClassAtom::Unit(_)) => {
                    return Err(self.syntax("a range in `[…]` whose ends are in the wrong order, like `[z-a]`"))
                }
                _ => return Err(self.syntax("a `-` next to `\\d`, `\\w` or `\\s` in `[…]`; put `-` first or last, or write `\\-`")),
            }
        }
        Ok(Node::Chars(if negated { set.complement() } else { set }))
    }

    fn class_atom(&mut self) -> Result<ClassAtom, PatternError> {
        let Some(c) = self.peek() else {
            return Err(self.syntax("a `[` that is never closed; add `]`"));
        };
        self.pos += 1;
        if c != '\\' {
            let unit = u32::from(c);
            if unit > MAX_UNIT {
                return Err(self.syntax("a character beyond U+FFFF (an emoji, say), which JavaScript reads as two halves; match it with `.` or list the cookie by `name`"));
            }
            return Ok(ClassAtom::Unit(unit));
        }
        let Some(c) = self.peek() else {
            return Err(self.syntax("a `\\` at the end; write `\\\\` for a backslash"));
        };
        self.pos += 1;
        if c == 'b' {
            return Ok(ClassAtom::Unit(0x08)); // backspace, inside a class
        }
        if c == '-' {
            return Ok(ClassAtom::Unit(u32::from('-')));
        }
        if let Some(set) = Parser::class_escape(c) {
            return Ok(ClassAtom::Set(set));
        }
        if c == 'B' {
            return Err(self.syntax("`\\B` inside `[…]`; write `B` for the letter"));
        }
        Ok(ClassAtom::Unit(self.unit_escape(c, true)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_sets_merge_and_complement() {
        let set = CharSet::of(&[(5, 9), (0, 3), (4, 4), (20, 30)]);
        assert_eq!(set.0, [(0, 9), (20, 30)]);
        assert_eq!(set.complement().0, [(10, 19), (31, MAX_UNIT)]);
        assert!(set.intersects(&CharSet::single(25)));
        assert!(!set.intersects(&CharSet::single(15)));
        assert!(!CharSet::dot().intersects(&CharSet::single(0x0A)));
    }
}
