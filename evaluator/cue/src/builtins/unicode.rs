//! Go's `unicode` package semantics that Rust's standard library does not give directly:
//! simple (one rune to one rune) case mappings, as Go's `unicode.ToUpper`, `ToLower` and
//! `ToTitle` use, and the `IsPrint` / `IsGraphic` classes that `strconv.Quote` relies on.

use unicode_general_category::{GeneralCategory, get_general_category};

/// `unicode.ToUpper`: the simple uppercase mapping (`ß` stays `ß`, `ᾳ` becomes `ᾼ`).
pub fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let u = c as u32;
    // Greek letters with ypogegrammeni: the full mapping is two letters, the simple
    // mapping the titlecase letter.
    match u {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
            return char::from_u32(u + 8).unwrap_or(c);
        }
        0x1FB3 | 0x1FC3 | 0x1FF3 => return char::from_u32(u + 9).unwrap_or(c),
        _ => {}
    }
    single(c.to_uppercase()).unwrap_or(c)
}

/// `unicode.ToLower`: the simple lowercase mapping (`İ` becomes `i`; no final sigma).
pub fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    single(c.to_lowercase()).unwrap_or(c)
}

/// `unicode.ToTitle`: the simple titlecase mapping.
pub fn to_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        // Georgian Mkhedruli letters are their own titlecase (their uppercase is Mtavruli).
        0x10D0..=0x10FA | 0x10FD..=0x10FF => c,
        _ => to_upper(c),
    }
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let first = it.next()?;
    if it.next().is_some() {
        None
    } else {
        Some(first)
    }
}

/// `unicode.IsSpace`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `unicode.IsPrint` / `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols
/// and the ASCII space.
pub fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    is_graphic_category(c) && !is_space_separator(c)
}

/// `unicode.IsGraphic` / `strconv.IsGraphic`: like `IsPrint`, plus all space separators.
pub fn is_graphic(c: char) -> bool {
    is_graphic_category(c)
}

fn is_space_separator(c: char) -> bool {
    get_general_category(c) == GeneralCategory::SpaceSeparator
}

fn is_graphic_category(c: char) -> bool {
    use GeneralCategory::*;
    matches!(
        get_general_category(c),
        UppercaseLetter
            | LowercaseLetter
            | TitlecaseLetter
            | ModifierLetter
            | OtherLetter
            | NonspacingMark
            | SpacingMark
            | EnclosingMark
            | DecimalNumber
            | LetterNumber
            | OtherNumber
            | ConnectorPunctuation
            | DashPunctuation
            | OpenPunctuation
            | ClosePunctuation
            | InitialPunctuation
            | FinalPunctuation
            | OtherPunctuation
            | MathSymbol
            | CurrencySymbol
            | ModifierSymbol
            | OtherSymbol
            | SpaceSeparator
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_case_mappings() {
        assert_eq!(to_upper('ß'), 'ß');
        assert_eq!(to_upper('ᾳ'), 'ᾼ');
        assert_eq!(to_upper('ǆ'), 'Ǆ');
        assert_eq!(to_lower('İ'), 'i');
        assert_eq!(to_lower('Σ'), 'σ');
        assert_eq!(to_title('ǆ'), 'ǅ');
        assert_eq!(to_title('a'), 'A');
        assert!(is_print('é') && !is_print('\u{a0}') && is_graphic('\u{a0}'));
        assert!(!is_print('\u{7f}') && !is_print('\u{200b}'));
    }
}
