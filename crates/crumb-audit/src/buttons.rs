//! The first layer's accept and reject controls, as measured in the page, compared the way the
//! EDPB taskforce compares them: both real buttons, comparable size, the same font, readable.

use serde::{Deserialize, Serialize};

/// A colour as CSS computes it (`rgb(…)` / `rgba(…)`), channels 0-255, alpha 0-1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rgba {
    pub r: f64,
    pub g: f64,
    pub b: f64,
    pub a: f64,
}

impl Rgba {
    /// Reads `rgb(r, g, b)`, `rgba(r, g, b, a)` or the space-separated forms
    /// (`rgb(r g b / a)`) that `getComputedStyle` gives; None for anything else.
    pub fn parse(css: &str) -> Option<Rgba> {
        let css = css.trim();
        let inner = css.strip_prefix("rgba(").or_else(|| css.strip_prefix("rgb("))?.strip_suffix(')')?;
        let parts: Vec<f64> = inner
            .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(|p| match p.strip_suffix('%') {
                Some(percent) => percent.parse::<f64>().map(|v| v / 100.0),
                None => p.parse::<f64>(),
            })
            .collect::<Result<_, _>>()
            .ok()?;
        match parts[..] {
            [r, g, b] => Some(Rgba { r, g, b, a: 1.0 }),
            [r, g, b, a] => Some(Rgba { r, g, b, a }),
            _ => None,
        }
    }

    /// This colour laid over an opaque `below`.
    pub fn over(self, below: Rgba) -> Rgba {
        let mix = |top: f64, bottom: f64| top * self.a + bottom * (1.0 - self.a);
        Rgba { r: mix(self.r, below.r), g: mix(self.g, below.g), b: mix(self.b, below.b), a: 1.0 }
    }

    /// WCAG relative luminance (of the opaque colour).
    pub fn luminance(self) -> f64 {
        let channel = |c: f64| {
            let c = c / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }
}

/// WCAG contrast ratio of text `fg` on an opaque `bg` (1 to 21).
pub fn contrast_ratio(fg: Rgba, bg: Rgba) -> f64 {
    let (a, b) = (fg.over(bg).luminance(), bg.luminance());
    let (light, dark) = if a > b { (a, b) } else { (b, a) };
    (light + 0.05) / (dark + 0.05)
}

/// One control as the page shows it (read by the driver from the DOM and computed styles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    /// Its visible text.
    pub text: String,
    /// `button`, `a`, `input`, `span`…
    pub tag: String,
    /// Its `role` attribute, if any.
    pub role: Option<String>,
    /// Whether it sits inside a paragraph of running text (a link in a sentence).
    pub in_running_text: bool,
    pub width: f64,
    pub height: f64,
    /// Computed `font-size` in px.
    pub font_size: f64,
    /// Computed `font-weight` (400, 700…).
    pub font_weight: f64,
    /// Computed text colour.
    pub color: Rgba,
    /// The first opaque background at or behind it (the driver walks up the ancestors).
    pub background: Rgba,
}

impl Control {
    /// A real button: `<button>`, an `<input type=button|submit>`, or `role="button"`, and not a
    /// link inside running text.
    pub fn is_button(&self) -> bool {
        let tag = self.tag.to_ascii_lowercase();
        let button = tag == "button" || tag == "input" || self.role.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("button"));
        button && !self.in_running_text
    }

    pub fn area(&self) -> f64 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    pub fn contrast(&self) -> f64 {
        contrast_ratio(self.color, self.background)
    }
}

/// What comparing accept with reject found: each rule's verdict and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub real_buttons: Result<(), String>,
    pub equal_size: Result<(), String>,
    pub equal_font: Result<(), String>,
    pub contrast: Result<(), String>,
}

/// Area ratio reject / accept outside this range fails `first-layer.equal-size`.
pub const AREA_RATIO: (f64, f64) = (0.8, 1.25);
/// Minimum text contrast of each control (WCAG AA for normal text).
pub const MIN_CONTRAST: f64 = 4.5;

/// Compares the first layer's accept and reject controls.
pub fn compare(accept: &Control, reject: &Control) -> Comparison {
    let not_button = |c: &Control, which: &str| {
        (!c.is_button()).then(|| {
            if c.in_running_text {
                format!("{which} (\"{}\") is a link in running text", c.text)
            } else {
                format!("{which} (\"{}\") is a <{}>, not a button", c.text, c.tag)
            }
        })
    };
    let problems: Vec<String> = [not_button(accept, "accept"), not_button(reject, "reject")].into_iter().flatten().collect();
    let real_buttons = if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) };

    let equal_size = if accept.area() <= 0.0 {
        Err("accept has no size".to_owned())
    } else {
        let ratio = reject.area() / accept.area();
        if (AREA_RATIO.0..=AREA_RATIO.1).contains(&ratio) {
            Ok(())
        } else {
            Err(format!(
                "reject is {:.0}×{:.0} px, accept {:.0}×{:.0} px: area ratio {ratio:.2}, outside 0.80-1.25",
                reject.width, reject.height, accept.width, accept.height
            ))
        }
    };

    let equal_font = if (accept.font_size - reject.font_size).abs() > 0.5 || (accept.font_weight - reject.font_weight).abs() > 0.5 {
        Err(format!(
            "accept is {} px weight {}, reject {} px weight {}",
            accept.font_size, accept.font_weight, reject.font_size, reject.font_weight
        ))
    } else {
        Ok(())
    };

    let low: Vec<String> = [("accept", accept), ("reject", reject)]
        .iter()
        .filter(|(_, c)| c.contrast() < MIN_CONTRAST)
        .map(|(which, c)| format!("{which} text contrast is {:.2}:1", c.contrast()))
        .collect();
    let contrast = if low.is_empty() { Ok(()) } else { Err(format!("{} (at least 4.5:1)", low.join("; "))) };

    Comparison { real_buttons, equal_size, equal_font, contrast }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgba = Rgba { r: 255.0, g: 255.0, b: 255.0, a: 1.0 };
    const BLACK: Rgba = Rgba { r: 0.0, g: 0.0, b: 0.0, a: 1.0 };

    fn button(text: &str) -> Control {
        Control {
            text: text.to_owned(),
            tag: "button".to_owned(),
            role: None,
            in_running_text: false,
            width: 160.0,
            height: 44.0,
            font_size: 16.0,
            font_weight: 600.0,
            color: WHITE,
            background: Rgba { r: 154.0, g: 74.0, b: 28.0, a: 1.0 },
        }
    }

    #[test]
    fn colours_read_as_computed_styles_give_them() {
        assert_eq!(Rgba::parse("rgb(255, 255, 255)"), Some(WHITE));
        assert_eq!(Rgba::parse("rgba(0, 0, 0, 0.5)").map(|c| c.a), Some(0.5));
        assert_eq!(Rgba::parse("rgb(0 0 0 / 50%)").map(|c| c.a), Some(0.5));
        assert_eq!(Rgba::parse("transparent"), None);
        assert_eq!(Rgba::parse("rgb(1, 2)"), None);
    }

    #[test]
    fn contrast_follows_wcag() {
        assert!((contrast_ratio(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Rgba { r: 118.0, g: 118.0, b: 118.0, a: 1.0 };
        assert!((contrast_ratio(grey, WHITE) - 4.54).abs() < 0.01);
        // Half-transparent black text on white reads as mid grey.
        let faint = Rgba { a: 0.5, ..BLACK };
        assert!(contrast_ratio(faint, WHITE) < 4.5);
    }

    #[test]
    fn equal_buttons_pass_every_rule() {
        let verdict = compare(&button("Accept all"), &button("Reject all"));
        assert_eq!(verdict, Comparison { real_buttons: Ok(()), equal_size: Ok(()), equal_font: Ok(()), contrast: Ok(()) });
    }

    #[test]
    fn a_reject_styled_as_grey_text_fails_size_font_and_contrast() {
        let accept = button("Accept all");
        let reject = Control {
            tag: "a".to_owned(),
            in_running_text: true,
            width: 60.0,
            height: 18.0,
            font_size: 12.0,
            font_weight: 400.0,
            color: Rgba { r: 170.0, g: 170.0, b: 170.0, a: 1.0 },
            background: WHITE,
            ..button("reject")
        };
        let verdict = compare(&accept, &reject);
        assert!(verdict.real_buttons.unwrap_err().contains("link in running text"));
        assert!(verdict.equal_size.unwrap_err().contains("area ratio 0.15"));
        assert!(verdict.equal_font.unwrap_err().contains("reject 12 px weight 400"));
        assert!(verdict.contrast.unwrap_err().starts_with("reject text contrast is 2.32:1"));
    }

    #[test]
    fn a_role_button_counts_and_sizes_within_a_quarter_pass() {
        let accept = button("Accept");
        let reject = Control { tag: "div".to_owned(), role: Some("button".to_owned()), width: 140.0, ..button("Reject") };
        let verdict = compare(&accept, &reject);
        assert_eq!(verdict.real_buttons, Ok(()));
        assert_eq!(verdict.equal_size, Ok(()), "140/160 = 0.875");
        let small = Control { width: 120.0, ..button("Reject") };
        assert!(compare(&accept, &small).equal_size.is_err(), "120/160 = 0.75");
    }
}
