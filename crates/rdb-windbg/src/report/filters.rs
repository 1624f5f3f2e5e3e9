//! `sx`'s listing of the event filters, in WinDbg's words: `       av - Access violation - break - not handled`.

use rdb_engine::session::{Action, EventCode, Filter, Filters};
use rdb_engine::target::ContinueStatus;

/// What a filter's action is called.
fn action_word(action: Action) -> &'static str {
    match action {
        Action::Break => "break",
        Action::SecondChance => "second-chance break",
        Action::Output => "output",
        Action::Ignore => "ignore",
    }
}

/// One filter's line: its name, description and action, the modules a break is limited to, and for an exception
/// how `g` continues it.
fn filter_line(f: &Filter) -> String {
    let only = f.only.as_ref().map(|o| format!(" (only for {o})")).unwrap_or_default();
    let status = match (f.code.is_exception(), f.continue_status) {
        (false, _) => "",
        (true, ContinueStatus::Handled) => " - handled",
        (true, ContinueStatus::NotHandled) => " - not handled",
    };
    format!("{:>9} - {} - {}{only}{status}", f.name, f.description, action_word(f.action))
}

/// `sx`: one filter a line; the Unix signals' only where `signals` (a debugger for Windows has none to show).
pub fn filter_lines(filters: &Filters, signals: bool) -> Vec<String> {
    filters.iter().filter(|f| signals || !matches!(f.code, EventCode::Signal(_))).map(filter_line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sx_lists_filters_in_windbg_words() {
        let mut f = Filters::default();
        let lines = filter_lines(&f, true);
        assert!(lines.contains(&"       ld - Load module - output".to_string()), "{lines:#?}");
        assert!(lines.contains(&"       av - Access violation - break - not handled".to_string()));
        assert!(lines.contains(&"  sigusr1 - Signal SIGUSR1 - break - not handled".to_string()));
        assert!(lines.contains(&"       gp - Guard page violation - second-chance break - not handled".to_string()));
        assert!(!filter_lines(&f, false).iter().any(|l| l.contains("Signal")), "no signals for Windows");

        f.set("ld:libfoo*", Action::Break).unwrap();
        f.set("e0524442", Action::Break).unwrap();
        f.set_continue("0xE0524442", ContinueStatus::Handled).unwrap();
        f.set("sigchld", Action::Ignore).unwrap();
        let lines = filter_lines(&f, true);
        assert!(lines.contains(&"       ld - Load module - break (only for libfoo*)".to_string()), "{lines:#?}");
        assert!(lines.contains(&" e0524442 - Exception e0524442 - break - handled".to_string()));
        assert!(lines.contains(&"  sigchld - Signal SIGCHLD - ignore - not handled".to_string()));
    }
}
