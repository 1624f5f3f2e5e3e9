//! Event filters, as WinDbg's `sx`, `sxe`, `sxd`, `sxn`, `sxi` set them: for each event or exception, whether it
//! breaks into the debugger, is only shown, or passes silently, and for exceptions how `g` continues them.

use crate::target::{ContinueStatus, ExceptionKind};
use crate::wildcard;

/// What happens when the event occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `sxe`: stop (for exceptions: on the first chance).
    Break,
    /// `sxd`: exceptions stop on the second chance only; other events are shown.
    SecondChance,
    /// `sxn`: shown, not stopped.
    Output,
    /// `sxi`: neither shown nor stopped (exceptions still stop on the second chance).
    Ignore,
}

/// What a filter applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCode {
    CreateThread,
    ExitThread,
    CreateProcess,
    ExitProcess,
    LoadModule,
    UnloadModule,
    DebugOutput,
    InitialBreakpoint,
    AccessViolation,
    /// A guard page of the program's own (those of `bpm` never reach the filters).
    GuardPage,
    IllegalInstruction,
    DivideByZero,
    /// A C++ exception: MSVC's (e06d7363), or a throw through a C++ runtime's `__cxa_throw`.
    CxxException,
    Breakpoint,
    SingleStep,
    /// Any other exception code (Windows).
    OtherException,
    /// One exception code with a filter of its own (`sxe e0524442`).
    ExceptionCode(u32),
    /// A Unix signal by number.
    Signal(i32),
}

impl EventCode {
    /// Whether the filter is for an exception (a signal is one): something `g` continues handled or not. The
    /// others are events, which have nothing to continue.
    pub fn is_exception(self) -> bool {
        !matches!(
            self,
            EventCode::CreateThread
                | EventCode::ExitThread
                | EventCode::CreateProcess
                | EventCode::ExitProcess
                | EventCode::LoadModule
                | EventCode::UnloadModule
                | EventCode::DebugOutput
                | EventCode::InitialBreakpoint
        )
    }
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub code: EventCode,
    /// The short name `sx` commands use (`ld`, `av`, `sigusr1`).
    pub name: String,
    pub description: String,
    pub action: Action,
    /// How `g` continues a stop for this exception.
    pub continue_status: ContinueStatus,
    /// `sxe ld:libfoo`: a break applies only to modules whose file name matches this (wildcards allowed);
    /// others are shown.
    pub only: Option<String>,
}

#[derive(Clone)]
pub struct Filters {
    list: Vec<Filter>,
}

/// Signals a debugger stops for by default; the others (SIGCHLD, SIGALRM, SIGWINCH…) pass silently, as in gdb.
const SIGNALS: &[(i32, &str, Action)] = &[
    (1, "SIGHUP", Action::Break),
    (2, "SIGINT", Action::Break),
    (3, "SIGQUIT", Action::Break),
    (5, "SIGTRAP", Action::Break),
    (6, "SIGABRT", Action::Break),
    (10, "SIGUSR1", Action::Break),
    (12, "SIGUSR2", Action::Break),
    (13, "SIGPIPE", Action::Break),
    (14, "SIGALRM", Action::Ignore),
    (15, "SIGTERM", Action::Break),
    (16, "SIGSTKFLT", Action::Break),
    (17, "SIGCHLD", Action::Ignore),
    (18, "SIGCONT", Action::Ignore),
    (19, "SIGSTOP", Action::Break),
    (20, "SIGTSTP", Action::Break),
    (21, "SIGTTIN", Action::Break),
    (22, "SIGTTOU", Action::Break),
    (23, "SIGURG", Action::Ignore),
    (24, "SIGXCPU", Action::Break),
    (25, "SIGXFSZ", Action::Break),
    (26, "SIGVTALRM", Action::Ignore),
    (27, "SIGPROF", Action::Ignore),
    (28, "SIGWINCH", Action::Ignore),
    (29, "SIGIO", Action::Ignore),
    (30, "SIGPWR", Action::Break),
    (31, "SIGSYS", Action::Break),
];

/// The name of a signal (`SIGSEGV`), or `SIG<n>` for real-time and unknown ones.
pub fn signal_name(signo: i32) -> String {
    match signo {
        4 => "SIGILL".into(),
        7 => "SIGBUS".into(),
        8 => "SIGFPE".into(),
        9 => "SIGKILL".into(),
        11 => "SIGSEGV".into(),
        _ => SIGNALS.iter().find(|s| s.0 == signo).map(|s| s.1.to_string()).unwrap_or_else(|| format!("SIG{signo}")),
    }
}

impl Default for Filters {
    fn default() -> Self {
        use Action::*;
        use ContinueStatus::*;
        let mut list = Vec::new();
        let mut add = |code, name: &str, description: &str, action, continue_status| {
            list.push(Filter {
                code,
                name: name.into(),
                description: description.into(),
                action,
                continue_status,
                only: None,
            })
        };
        add(EventCode::CreateThread, "ct", "Create thread", Output, Handled);
        add(EventCode::ExitThread, "et", "Exit thread", Output, Handled);
        add(EventCode::CreateProcess, "cpr", "Create process", Output, Handled);
        add(EventCode::ExitProcess, "epr", "Exit process", Break, Handled);
        add(EventCode::LoadModule, "ld", "Load module", Output, Handled);
        add(EventCode::UnloadModule, "ud", "Unload module", Output, Handled);
        add(EventCode::DebugOutput, "out", "Debuggee output", Output, Handled);
        add(EventCode::InitialBreakpoint, "ibp", "Initial breakpoint", Break, Handled);
        add(EventCode::AccessViolation, "av", "Access violation", Break, NotHandled);
        add(EventCode::GuardPage, "gp", "Guard page violation", SecondChance, NotHandled);
        add(EventCode::IllegalInstruction, "ii", "Illegal instruction", Break, NotHandled);
        add(EventCode::DivideByZero, "dz", "Integer divide-by-zero", Break, NotHandled);
        // WinDbg's default: each throw shown as a first-chance exception, a stop only if nothing catches it.
        add(EventCode::CxxException, "eh", "C++ EH exception", SecondChance, NotHandled);
        add(EventCode::Breakpoint, "bpe", "Breakpoint", Break, Handled);
        add(EventCode::SingleStep, "sse", "Single step", Break, Handled);
        // DBG_CONTROL_C: Ctrl-C reached a Windows debuggee's console; like a break-in, and continued handled so
        // the program does not end of it.
        add(EventCode::ExceptionCode(0x4001_0005), "cc", "Control-C exception", Break, Handled);
        add(EventCode::OtherException, "*", "Other exceptions", SecondChance, NotHandled);
        for &(signo, name, action) in SIGNALS {
            add(EventCode::Signal(signo), &name.to_ascii_lowercase(), &format!("Signal {name}"), action, NotHandled);
        }
        Filters { list }
    }
}

impl Filters {
    pub fn iter(&self) -> impl Iterator<Item = &Filter> {
        self.list.iter()
    }

    /// The filter for `code`: its own, else the catch-all `*`.
    pub fn get(&self, code: EventCode) -> &Filter {
        self.list
            .iter()
            .find(|f| f.code == code)
            .or_else(|| self.list.iter().find(|f| f.code == EventCode::OtherException))
            .expect("the catch-all filter exists")
    }

    pub fn action(&self, code: EventCode) -> Action {
        self.get(code).action
    }

    /// Find a filter by its `sx` name (`ld`, `av`, `sigusr1`, `usr1`, or a signal number).
    fn find_mut(&mut self, name: &str) -> Option<&mut Filter> {
        let lower = name.to_ascii_lowercase();
        let lower = match lower.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16).map(|c| format!("{c:08x}")).unwrap_or(lower),
            None => lower,
        };
        let as_signal = format!("sig{lower}");
        let by_number = lower.parse::<i32>().ok();
        self.list.iter_mut().find(|f| {
            f.name == lower
                || f.name == as_signal
                || (by_number.is_some() && f.code == EventCode::Signal(by_number.unwrap_or(0)))
        })
    }

    /// `sxe`/`sxd`/`sxn`/`sxi <name>`; `ld:libfoo*` (and `ud:`) limits a break to the modules named so.
    pub fn set(&mut self, name: &str, action: Action) -> crate::Result<()> {
        let (name, only) = match name.split_once(':') {
            Some((n, arg)) if !arg.is_empty() => (n, Some(arg.to_string())),
            Some((n, _)) => (n, None),
            None => (name, None),
        };
        self.add_code_filter(name);
        let Some(f) = self.find_mut(name) else {
            return Err(crate::err!("unknown event filter '{name}' (see 'sx' for the list)"));
        };
        if only.is_some() && !matches!(f.code, EventCode::LoadModule | EventCode::UnloadModule) {
            return Err(crate::err!("only ld and ud take a module name after ':'"));
        }
        f.action = action;
        f.only = only;
        Ok(())
    }

    /// The action for a module event: a break limited to other modules is only shown.
    pub fn module_action(&self, code: EventCode, path: &std::path::Path) -> Action {
        let f = self.get(code);
        match &f.only {
            Some(pattern) if f.action == Action::Break => {
                let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                let stem = file.split('.').next().unwrap_or("");
                if wildcard::matches(pattern, &file) || wildcard::matches(pattern, stem) {
                    Action::Break
                } else {
                    Action::Output
                }
            }
            _ => f.action,
        }
    }

    /// An exception code named as WinDbg takes them (`e0524442`, `0xC0000094`: eight hex digits or `0x`) gets a
    /// filter of its own, starting as the catch-all's.
    fn add_code_filter(&mut self, name: &str) {
        let lower = name.to_ascii_lowercase();
        let digits = lower.strip_prefix("0x").unwrap_or(&lower);
        let is_code = (lower.starts_with("0x") || digits.len() == 8) && !digits.is_empty() && digits.len() <= 8;
        let Some(code) = is_code.then(|| u32::from_str_radix(digits, 16).ok()).flatten() else { return };
        if self.list.iter().any(|f| f.code == EventCode::ExceptionCode(code)) {
            return;
        }
        let other = self.get(EventCode::OtherException).clone();
        // Named by its code in eight digits, the way `sx` lists it and `find_mut` finds it again.
        let name = format!("{code:08x}");
        self.list.push(Filter {
            code: EventCode::ExceptionCode(code),
            name,
            description: format!("Exception {code:08x}"),
            only: None,
            ..other
        });
    }

    /// `sxe -h <name>` / `sxd -h <name>`… set how `g` continues an exception.
    pub fn set_continue(&mut self, name: &str, status: ContinueStatus) -> crate::Result<()> {
        self.add_code_filter(name);
        match self.find_mut(name) {
            Some(f) => {
                f.continue_status = status;
                Ok(())
            }
            None => Err(crate::err!("unknown event filter '{name}' (see 'sx' for the list)")),
        }
    }
}

/// Which filter an exception falls under.
pub fn exception_code(kind: &ExceptionKind) -> EventCode {
    match kind {
        ExceptionKind::Breakpoint | ExceptionKind::BreakIn => EventCode::Breakpoint,
        ExceptionKind::SingleStep { .. } => EventCode::SingleStep,
        ExceptionKind::AccessViolation { .. } => EventCode::AccessViolation,
        ExceptionKind::GuardPage { .. } => EventCode::GuardPage,
        ExceptionKind::IllegalInstruction { .. } => EventCode::IllegalInstruction,
        ExceptionKind::IntegerDivideByZero { .. } => EventCode::DivideByZero,
        ExceptionKind::Other { code: super::cxx_throw::CXX_EXCEPTION, .. } => EventCode::CxxException,
        ExceptionKind::Other { code, .. } => EventCode::ExceptionCode(*code),
        ExceptionKind::Signal { signo } => EventCode::Signal(*signo),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_windbg_and_gdb() {
        let f = Filters::default();
        assert_eq!(f.action(EventCode::ExitProcess), Action::Break);
        assert_eq!(f.action(EventCode::LoadModule), Action::Output);
        assert_eq!(f.get(EventCode::AccessViolation).continue_status, ContinueStatus::NotHandled);
        assert_eq!(f.action(EventCode::Signal(17)), Action::Ignore);
        assert_eq!(f.action(EventCode::Signal(10)), Action::Break);
        assert_eq!(f.get(EventCode::CxxException).name, "eh");
        assert_eq!(f.action(EventCode::CxxException), Action::SecondChance);
        let msvc = ExceptionKind::Other { code: 0xe06d_7363, parameters: Vec::new() };
        assert_eq!(exception_code(&msvc), EventCode::CxxException, "MSVC's throws are eh's");
        assert_eq!(f.get(EventCode::Signal(40)).code, EventCode::OtherException, "unknown signals use the catch-all");
    }

    #[test]
    fn exceptions_and_signals_are_continued_events_are_not() {
        assert!(EventCode::AccessViolation.is_exception());
        assert!(EventCode::Signal(10).is_exception());
        assert!(EventCode::ExceptionCode(0xe052_4442).is_exception());
        assert!(!EventCode::LoadModule.is_exception());
        assert!(!EventCode::InitialBreakpoint.is_exception());
    }

    #[test]
    fn set_by_short_name_signal_name_or_number() {
        let mut f = Filters::default();
        f.set("ld:libfoo*", Action::Break).unwrap();
        assert_eq!(f.action(EventCode::LoadModule), Action::Break);
        let path = |p: &str| std::path::PathBuf::from(p);
        assert_eq!(f.module_action(EventCode::LoadModule, &path("/x/libfoo.so.1")), Action::Break);
        assert_eq!(f.module_action(EventCode::LoadModule, &path("/x/libbar.so")), Action::Output);
        assert_eq!(f.get(EventCode::LoadModule).only.as_deref(), Some("libfoo*"));
        assert!(f.set("av:x", Action::Break).is_err());
        f.set("ld", Action::Break).unwrap();
        assert_eq!(f.module_action(EventCode::LoadModule, &path("/x/libbar.so")), Action::Break);
        f.set("usr1", Action::Ignore).unwrap();
        assert_eq!(f.action(EventCode::Signal(10)), Action::Ignore);
        f.set("12", Action::Output).unwrap();
        assert_eq!(f.action(EventCode::Signal(12)), Action::Output);
        assert!(f.set("bogus", Action::Break).is_err());
        // An exception code gets a filter of its own; others stay with the catch-all.
        f.set("e0524442", Action::Break).unwrap();
        assert_eq!(f.action(EventCode::ExceptionCode(0xe052_4442)), Action::Break);
        assert_eq!(f.action(EventCode::ExceptionCode(0xe000_0001)), Action::SecondChance);
        f.set_continue("0xE0524442", ContinueStatus::Handled).unwrap();
        assert_eq!(f.get(EventCode::ExceptionCode(0xe052_4442)).continue_status, ContinueStatus::Handled);
        let own = f.get(EventCode::ExceptionCode(0xe052_4442));
        assert_eq!((own.name.as_str(), own.description.as_str()), ("e0524442", "Exception e0524442"));
    }
}
