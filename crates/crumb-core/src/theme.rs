//! The site's accent colour made safe to use: which text colour goes on it, and where it may
//! stand in for Crumb's own accent without making links, switches or the focus ring unreadable.
//!
//! The widget and the prepaint both set the same custom properties from [`accent_properties`],
//! so a painted banner and the widget's own look the same.

use crate::config::Scheme;

/// The banner's background in the light scheme (`--crumb-bg` in `crumb.css`).
pub const LIGHT_BACKGROUND: [u8; 3] = [0xff, 0xff, 0xff];
/// The banner's background in the dark scheme.
pub const DARK_BACKGROUND: [u8; 3] = [0x1f, 0x20, 0x23];
/// Text on a light accent: black, the only dark that keeps every accent at 4.5:1 or more with one
/// of the two (a mid grey has 4.6:1 against black, but 3.7:1 against Crumb's #1d1d1f).
const DARK_TEXT: [u8; 3] = [0, 0, 0];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];

/// WCAG 2's minimum contrast for text (1.4.3): links are text in the accent colour.
pub const TEXT_CONTRAST: f64 = 4.5;

/// `#rgb` or `#rrggbb` as red, green, blue; None for anything else.
pub fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    let digit = |i: usize| hex.get(i..i + 1).and_then(|d| u8::from_str_radix(d, 16).ok());
    match hex.len() {
        3 => Some([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17]),
        6 => {
            let pair = |i: usize| Some(digit(i)? * 16 + digit(i + 1)?);
            Some([pair(0)?, pair(2)?, pair(4)?])
        }
        _ => None,
    }
}

/// `x` to the power 2.4 for `x` in 0..=1, without `powf` (which would bring a power function
/// into the widget's wasm): x² times the square of x's fifth root, found by Newton's method
/// from x^¼ (six steps reach the float's precision).
fn pow_2_4(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let mut root = x.sqrt().sqrt();
    for _ in 0..6 {
        root = (4.0 * root + x / (root * root * root * root)) / 5.0;
    }
    x * x * root * root
}

/// WCAG 2's relative luminance of an sRGB colour.
pub fn luminance(colour: [u8; 3]) -> f64 {
    let linear = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            pow_2_4((c + 0.055) / 1.055)
        }
    };
    0.2126 * linear(colour[0]) + 0.7152 * linear(colour[1]) + 0.0722 * linear(colour[2])
}

/// WCAG 2's contrast ratio of two colours, from 1 to 21.
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// How the site's accent is used: on the buttons always (with the text colour that reads best on
/// it), and for links, switches and the focus ring only in the schemes whose background it
/// contrasts with enough; elsewhere Crumb's own accent stays.
#[derive(Debug, Clone, PartialEq)]
pub struct AccentUse {
    /// The accent as given.
    pub accent: String,
    /// White or black, whichever contrasts more with the accent (never below 4.5:1).
    pub text: &'static str,
    /// The accent's contrast with that text.
    pub text_contrast: f64,
    /// The accent's contrast with the light background, and whether it is used there.
    pub on_light: (f64, bool),
    /// The accent's contrast with the dark background, and whether it is used there.
    pub on_dark: (f64, bool),
}

/// How `accent` (`#rgb` or `#rrggbb`; None for anything else) is used.
pub fn accent_use(accent: &str) -> Option<AccentUse> {
    let colour = parse_hex(accent)?;
    let (white, dark) = (contrast(colour, WHITE), contrast(colour, DARK_TEXT));
    let (text, text_contrast) = if white >= dark { ("#ffffff", white) } else { ("#000000", dark) };
    let light = contrast(colour, LIGHT_BACKGROUND);
    let dark_bg = contrast(colour, DARK_BACKGROUND);
    Some(AccentUse {
        accent: accent.to_owned(),
        text,
        text_contrast,
        on_light: (light, light >= TEXT_CONTRAST),
        on_dark: (dark_bg, dark_bg >= TEXT_CONTRAST),
    })
}

impl AccentUse {
    /// The custom properties the widget's root gets (set through the CSSOM, never a `style`
    /// attribute: a strict CSP holds). `crumb.css` reads them with Crumb's own colours as
    /// fallbacks.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        let mut properties = vec![("--crumb-brand", self.accent.clone()), ("--crumb-brand-fg", self.text.to_owned())];
        if self.on_light.1 {
            properties.push(("--crumb-accent-light", self.accent.clone()));
            properties.push(("--crumb-accent-fg-light", self.text.to_owned()));
        }
        if self.on_dark.1 {
            properties.push(("--crumb-accent-dark", self.accent.clone()));
            properties.push(("--crumb-accent-fg-dark", self.text.to_owned()));
        }
        properties
    }

    /// What the site owner reads in the console about the accent in `scheme`: None when it reads
    /// well wherever it is shown.
    pub fn warning(&self, scheme: Scheme) -> Option<String> {
        let (ratio, background) = match (scheme != Scheme::Dark && !self.on_light.1, scheme != Scheme::Light && !self.on_dark.1) {
            (true, _) => (self.on_light.0, "light"),
            (false, true) => (self.on_dark.0, "dark"),
            (false, false) => return None,
        };
        Some(format!(
            "theme.accent `{}` has {}:1 on the {background} background (text needs 4.5:1): links, switches and the focus ring keep Crumb's own accent there; the buttons use it",
            self.accent,
            tenths(ratio)
        ))
    }
}

/// The custom properties for `accent` (none without one): [`AccentUse::properties`].
pub fn accent_properties(accent: Option<&str>) -> Vec<(&'static str, String)> {
    accent.and_then(accent_use).map(|used| used.properties()).unwrap_or_default()
}

/// A ratio with one decimal (`1.4`), without float formatting (which the widget does not carry).
fn tenths(ratio: f64) -> String {
    // The ratio is between 1 and 21: the cast cannot overflow.
    let tenths = (ratio * 10.0 + 0.5) as u32;
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_long_hex() {
        assert_eq!(parse_hex("#fff"), Some([255, 255, 255]));
        assert_eq!(parse_hex("#1a56db"), Some([0x1a, 0x56, 0xdb]));
        for bad in ["", "fff", "#ff", "#ggg", "#12345", "#1234567", "red", "#ffé"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn luminance_is_wcags_formula() {
        for v in 0..=255u8 {
            let c = f64::from(v) / 255.0;
            let exact = if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
            assert!((luminance([v, v, v]) - exact).abs() < 1e-12, "{v}");
        }
        assert_eq!(tenths(1.449), "1.4");
        assert_eq!(tenths(4.54), "4.5");
        assert_eq!(tenths(21.0), "21.0");
    }

    #[test]
    fn contrast_matches_wcag() {
        assert!((contrast(WHITE, [0, 0, 0]) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = contrast(parse_hex("#767676").unwrap(), WHITE);
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
    }

    #[test]
    fn button_text_is_always_readable_on_any_accent() {
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let accent = format!("#{r:02x}{g:02x}{b:02x}");
                    let used = accent_use(&accent).unwrap();
                    assert!(used.text_contrast >= TEXT_CONTRAST, "{accent}: {used:?}");
                }
            }
        }
    }

    #[test]
    fn a_light_accent_colours_the_buttons_but_not_the_links_on_white() {
        let yellow = accent_properties(Some("#ffd400"));
        assert!(yellow.contains(&("--crumb-brand", "#ffd400".to_owned())));
        assert!(yellow.contains(&("--crumb-brand-fg", "#000000".to_owned())));
        assert!(!yellow.iter().any(|(name, _)| *name == "--crumb-accent-light"), "{yellow:?}");
        assert!(yellow.iter().any(|(name, _)| *name == "--crumb-accent-dark"), "{yellow:?}");
        let warning = accent_use("#ffd400").unwrap().warning(Scheme::Light).unwrap();
        assert!(warning.contains("#ffd400") && warning.contains("on the light background") && warning.contains("4.5:1"), "{warning}");
        assert_eq!(accent_use("#ffd400").unwrap().warning(Scheme::Dark), None);

        let navy = accent_properties(Some("#0b3d91"));
        assert!(navy.iter().any(|(name, _)| *name == "--crumb-accent-light"));
        assert!(navy.contains(&("--crumb-brand-fg", "#ffffff".to_owned())));
        assert_eq!(accent_use("#0b3d91").unwrap().warning(Scheme::Light), None);
        assert!(accent_use("#0b3d91").unwrap().warning(Scheme::Auto).unwrap().contains("1.6:1 on the dark background"));
        assert!(accent_properties(None).is_empty());
    }
}
