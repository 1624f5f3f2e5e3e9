//! The environment a launched program starts with: the debugger's own, with the variables the front end sets or
//! unsets (DAP's `env`, where a `null` value removes one). The targets only pass on the list this gives; the rule of
//! how a change meets an inherited variable (names compared as the OS compares them) is here, once.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};

/// Changes to the inherited environment: a name set to a value, or `None` to remove it. Empty: inherit it whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    pub changes: BTreeMap<String, Option<String>>,
}

impl Environment {
    /// Nothing changed: the program gets the debugger's environment as it is.
    pub fn inherits(&self) -> bool {
        self.changes.is_empty()
    }

    /// The program's environment: `inherited` (in its order) with each change applied, new names at the end. Names
    /// match exactly, or ignoring ASCII case where the OS does (`case_insensitive`: Windows, where `Path` is `PATH`).
    pub fn apply(
        &self,
        inherited: impl IntoIterator<Item = (OsString, OsString)>,
        case_insensitive: bool,
    ) -> Vec<(OsString, OsString)> {
        let same = |a: &OsStr, b: &str| {
            if case_insensitive { a.eq_ignore_ascii_case(b) } else { a == OsStr::new(b) }
        };
        let mut result: Vec<(OsString, OsString)> =
            inherited.into_iter().filter(|(name, _)| !self.changes.keys().any(|changed| same(name, changed))).collect();
        for (name, value) in &self.changes {
            if let Some(value) = value {
                result.push((name.into(), value.into()));
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, Option<&str>)]) -> Environment {
        Environment { changes: pairs.iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect() }
    }

    fn inherited() -> Vec<(OsString, OsString)> {
        vec![("PATH".into(), "/bin".into()), ("HOME".into(), "/root".into()), ("Lang".into(), "C".into())]
    }

    fn names(list: &[(OsString, OsString)]) -> Vec<String> {
        list.iter().map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy())).collect()
    }

    #[test]
    fn inherits_when_nothing_changes() {
        let e = Environment::default();
        assert!(e.inherits());
        assert_eq!(e.apply(inherited(), false), inherited());
    }

    #[test]
    fn sets_replaces_and_removes() {
        let e = env(&[("HOME", None), ("PATH", Some("/usr/bin")), ("NEW", Some("x y"))]);
        assert!(!e.inherits());
        assert_eq!(names(&e.apply(inherited(), false)), ["Lang=C", "NEW=x y", "PATH=/usr/bin"]);
    }

    #[test]
    fn names_match_as_the_os_compares_them() {
        let e = env(&[("LANG", None)]);
        assert_eq!(names(&e.apply(inherited(), false)), ["PATH=/bin", "HOME=/root", "Lang=C"]);
        assert_eq!(names(&e.apply(inherited(), true)), ["PATH=/bin", "HOME=/root"]);
        // Removing a name that is not there changes nothing.
        assert_eq!(env(&[("NONE", None)]).apply(inherited(), false), inherited());
    }
}
