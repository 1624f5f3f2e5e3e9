//! WinDbg's name patterns: `*` matches any run of characters, `?` one; matching ignores case.

/// Whether `text` matches `pattern`, ignoring case. ASCII names (nearly all, and every visualizer's type pattern
/// tried on every record shown) are compared byte by byte without allocating; others lowercased as characters.
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), (b'*', b'?'), |p, t| p.eq_ignore_ascii_case(&t));
    }
    let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<char>>();
    matches_chars(&lower(pattern), &lower(text))
}

/// The same on characters already lowercased (for matching many names against one pattern). Linear in the
/// text: a `*` is backtracked to only once.
pub fn matches_chars(pattern: &[char], text: &[char]) -> bool {
    glob(pattern, text, ('*', '?'), |p, t| p == t)
}

/// The matching itself, over bytes or characters: `any` (`*`) matches any run, `one` (`?`) one item, `same` the
/// rest.
fn glob<T: Copy + PartialEq>(pattern: &[T], text: &[T], (any, one): (T, T), same: impl Fn(T, T) -> bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == one || same(pattern[p], text[t])) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == any {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == any {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_questions_and_case() {
        assert!(matches("*dd*", "add"));
        assert!(matches("MA?N", "main"));
        assert!(!matches("ma", "main"));
        assert!(matches("*", ""));
        assert!(matches("lib*.so*", "libfoo.so.1"));
        assert!(!matches("*a*a*a*a*a*b", &"a".repeat(200)), "no exponential backtracking");
        // Beyond ASCII, case is ignored as Unicode lowercases it.
        assert!(matches("é*", "ÉTÉ"));
        assert!(!matches("é?", "É"));
    }
}
