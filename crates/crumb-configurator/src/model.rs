//! The draft as the configurator holds it: the config's JSON [`Value`] itself (a draft may be
//! invalid, even of the wrong type here and there), edited by path. A field's path is written as
//! crumb-core writes an error's path (`categories[0].services[0].cookies[0].duration`), so an
//! error is shown at the field whose path it names; the field's element id is the same path with
//! `.` and `[` turned into `-` (`categories-0-services-0-cookies-0-duration`).

use crumb_core::config::ConfigError;
use crumb_core::json::Value;

/// One step into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// An object's member.
    Key(String),
    /// An array's item.
    Index(usize),
}

/// A place in the draft.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The draft itself.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path's member `key`.
    pub fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        Path(segs)
    }

    /// This path's item `index`.
    pub fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// As crumb-core names it in an error (`categories[0].id`).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Seg::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// The element id of the field at this path (`categories-0-id`).
    pub fn id(&self) -> String {
        id_of(&self.text())
    }
}

/// The element id for an error path: `.` and `[` become `-`, `]` goes, any other character that is
/// not a letter, digit, `-` or `_` becomes `_`.
pub fn id_of(path: &str) -> String {
    path.chars()
        .filter(|c| *c != ']')
        .map(|c| match c {
            '.' | '[' => '-',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '_',
        })
        .collect()
}

/// The value at `path`.
pub fn get<'a>(value: &'a Value, path: &Path) -> Option<&'a Value> {
    let mut at = value;
    for seg in &path.0 {
        at = match (seg, at) {
            (Seg::Key(key), Value::Object(_)) => at.get(key)?,
            (Seg::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(at)
}

/// The value at `path`, made an object or array (as `next` asks) when it is not one.
fn step<'a>(at: &'a mut Value, seg: &Seg) -> &'a mut Value {
    match seg {
        Seg::Key(key) => {
            if !matches!(at, Value::Object(_)) {
                *at = Value::Object(Vec::new());
            }
            let Value::Object(members) = at else { unreachable!() };
            let position = match members.iter().rposition(|(k, _)| k == key) {
                Some(p) => p,
                None => {
                    members.push((key.clone(), Value::Null));
                    members.len() - 1
                }
            };
            &mut members[position].1
        }
        Seg::Index(i) => {
            if !matches!(at, Value::Array(_)) {
                *at = Value::Array(Vec::new());
            }
            let Value::Array(items) = at else { unreachable!() };
            while items.len() <= *i {
                items.push(Value::Null);
            }
            &mut items[*i]
        }
    }
}

/// Sets the value at `path` (making the objects and arrays on the way), or with `None` removes
/// the object member or array item there.
pub fn set(value: &mut Value, path: &Path, new: Option<Value>) {
    let Some((last, parents)) = path.0.split_last() else {
        if let Some(new) = new {
            *value = new;
        }
        return;
    };
    if new.is_none() && get(value, &Path(parents.to_vec())).is_none() {
        return;
    }
    let mut at = value;
    for seg in parents {
        at = step(at, seg);
    }
    match new {
        Some(new) => *step(at, last) = new,
        None => match (last, at) {
            (Seg::Key(key), Value::Object(members)) => members.retain(|(k, _)| k != key),
            (Seg::Index(i), Value::Array(items)) if *i < items.len() => {
                items.remove(*i);
            }
            _ => {}
        },
    }
}

/// The array at `path` (empty when there is none).
pub fn items<'a>(value: &'a Value, path: &Path) -> &'a [Value] {
    match get(value, path) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// How many items the array at `path` has.
pub fn count(value: &Value, path: &Path) -> usize {
    items(value, path).len()
}

/// Appends `item` to the array at `path` (made when missing).
pub fn push(value: &mut Value, path: &Path, item: Value) {
    let n = count(value, path);
    set(value, &path.index(n), Some(item));
}

/// Swaps items `a` and `b` of the array at `path`.
pub fn swap(value: &mut Value, path: &Path, a: usize, b: usize) {
    let mut at = value;
    for seg in &path.0 {
        at = step(at, seg);
    }
    if let Value::Array(items) = at {
        if a < items.len() && b < items.len() {
            items.swap(a, b);
        }
    }
}

/// The string at `path` ("" when there is none; a number written as text).
pub fn text(value: &Value, path: &Path) -> String {
    match get(value, path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.fract() == 0.0 => format!("{}", *n as i64),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The boolean at `path`, `default` when there is none.
pub fn flag(value: &Value, path: &Path, default: bool) -> bool {
    match get(value, path) {
        Some(Value::Bool(b)) => *b,
        _ => default,
    }
}

/// The strings of the array at `path`.
pub fn strings(value: &Value, path: &Path) -> Vec<String> {
    items(value, path).iter().filter_map(|v| if let Value::String(s) = v { Some(s.clone()) } else { None }).collect()
}

/// An object's member names.
pub fn keys(value: &Value, path: &Path) -> Vec<String> {
    match get(value, path) {
        Some(Value::Object(members)) => members.iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    }
}

/// The errors at `path` exactly, or (with `below`) also inside it.
pub fn errors_at(errors: &[ConfigError], path: &str, below: bool) -> Vec<String> {
    errors
        .iter()
        .filter(|e| {
            e.path == path
                || (below && e.path.len() > path.len() && e.path.starts_with(path) && matches!(e.path.as_bytes()[path.len()], b'.' | b'['))
        })
        .map(|e| e.message.clone())
        .collect()
}

/// The languages a site text is written in, for the completeness view: a per-language text has
/// its own; a single string counts as written in the fallback language only.
pub fn text_languages(value: Option<&Value>, fallback: &str) -> Vec<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![fallback.to_owned()],
        Some(Value::Object(members)) => {
            members.iter().filter(|(_, v)| matches!(v, Value::String(s) if !s.trim().is_empty())).map(|(k, _)| k.clone()).collect()
        }
        _ => Vec::new(),
    }
}

/// The languages the draft offers: `languages`, else every built-in one.
pub fn offered(draft: &Value) -> Vec<String> {
    let listed = strings(draft, &Path::root().key("languages"));
    if get(draft, &Path::root().key("languages")).is_some() {
        listed
    } else {
        crumb_core::texts::BUILTIN_LANGUAGES.iter().map(|s| (*s).to_owned()).collect()
    }
}

/// The draft's fallback language (`en` when it names none).
pub fn fallback(draft: &Value) -> String {
    match get(draft, &Path::root().key("fallback")) {
        Some(Value::String(s)) => s.clone(),
        _ => "en".to_owned(),
    }
}

/// Per offered language, for the completeness view: (language, built-in texts overridden, site
/// texts written in it, site texts in all). Site texts are the services' names and descriptions,
/// the cookies' purposes and the titles of categories with no built-in texts.
pub fn completeness(draft: &Value) -> Vec<(String, usize, usize, usize)> {
    let fallback = fallback(draft);
    let mut site_texts: Vec<Vec<String>> = Vec::new();
    let categories = Path::root().key("categories");
    for (c, category) in items(draft, &categories).iter().enumerate() {
        let at = categories.index(c);
        let id = text(draft, &at.key("id"));
        if !crumb_core::texts::BUILTIN_CATEGORIES.contains(&id.as_str()) {
            let key = format!("category.{id}.title");
            let written = keys(draft, &Path::root().key("texts"))
                .into_iter()
                .filter(|l| get(draft, &Path::root().key("texts").key(l).key(&key)).is_some())
                .collect();
            site_texts.push(written);
        }
        let _ = category;
        let services = at.key("services");
        for s in 0..count(draft, &services) {
            let service = services.index(s);
            site_texts.push(text_languages(get(draft, &service.key("name")), &fallback));
            if let Some(description) = get(draft, &service.key("description")) {
                site_texts.push(text_languages(Some(description), &fallback));
            }
            let cookies = service.key("cookies");
            for k in 0..count(draft, &cookies) {
                site_texts.push(text_languages(get(draft, &cookies.index(k).key("purpose")), &fallback));
            }
        }
    }
    offered(draft)
        .into_iter()
        .map(|language| {
            let overridden = keys(draft, &Path::root().key("texts").key(&language)).len();
            let written = site_texts.iter().filter(|langs| langs.contains(&language)).count();
            (language, overridden, written, site_texts.len())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crumb_core::json::object;

    #[test]
    fn paths_read_write_and_name_ids() {
        let mut draft = object(vec![("site", Value::String("s".into()))]);
        let duration = Path::root().key("categories").index(0).key("services").index(0).key("cookies").index(0).key("duration");
        set(&mut draft, &duration, Some(Value::String("2 years".into())));
        assert_eq!(text(&draft, &duration), "2 years");
        assert_eq!(duration.text(), "categories[0].services[0].cookies[0].duration");
        assert_eq!(duration.id(), "categories-0-services-0-cookies-0-duration");
        set(&mut draft, &duration, None);
        assert_eq!(get(&draft, &duration), None);
        assert_eq!(id_of("texts.pt-BR.banner.title"), "texts-pt-BR-banner-title");
    }

    #[test]
    fn swap_and_push_change_order() {
        let mut draft = Value::Object(Vec::new());
        let categories = Path::root().key("categories");
        push(&mut draft, &categories, Value::String("a".into()));
        push(&mut draft, &categories, Value::String("b".into()));
        swap(&mut draft, &categories, 0, 1);
        assert_eq!(strings(&draft, &categories), ["b", "a"]);
    }
}
