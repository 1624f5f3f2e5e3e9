//! The terminal rdb runs on, shared with the program it launches, as a shell shares it with its jobs: the debuggee
//! is in a process group of its own (see `rdb_linux`'s launch), and while it runs that group is the terminal's
//! foreground, so it can read the terminal (else its reads fail, or stop it with SIGTTIN) and a Ctrl-C typed there
//! reaches it, as the break-in the backend reports it as; at each stop the terminal is rdb's again, with the modes
//! rdb's line editor needs, and the program's modes are kept for its next run (gdb's `terminal_inferior` and
//! `terminal_ours`). Windows consoles are shared without any of this.

#[cfg(unix)]
pub use unix::{OwnTerminal, discard_typed_input};

#[cfg(not(unix))]
pub fn discard_typed_input() {}

#[cfg(unix)]
mod unix {
    use nix::sys::termios::{self, FlushArg, SetArg, Termios};
    use nix::unistd::{self, Pid};
    use rdb_engine::debugger::Terminal;

    /// Drop what was typed on rdb's terminal and not read yet (the rest of a line the editor refused).
    pub fn discard_typed_input() {
        let _ = termios::tcflush(std::io::stdin(), FlushArg::TCIFLUSH);
    }

    /// rdb's terminal, its standard input, while rdb is its foreground job.
    pub struct OwnTerminal {
        /// rdb's process group, the terminal's foreground at the prompt.
        ours: Pid,
        /// The modes at rdb's start, which its line editor works from.
        our_modes: Termios,
        /// The program's modes when it last stopped, for its next run.
        their_modes: Option<Termios>,
    }

    impl OwnTerminal {
        /// rdb's terminal, if its standard input is one and rdb is its foreground job (not `rdb ... &`). From
        /// here on rdb ignores SIGTTOU: it takes the terminal back from the background at each stop, and may write
        /// a notice while the program has it (the launched program gets the default action back at its exec).
        pub fn foreground() -> Option<OwnTerminal> {
            let fd = std::io::stdin();
            let ours = unistd::getpgrp();
            if unistd::tcgetpgrp(&fd).ok()? != ours {
                return None;
            }
            let our_modes = termios::tcgetattr(&fd).ok()?;
            // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
            unsafe {
                let _ = nix::sys::signal::signal(nix::sys::signal::SIGTTOU, nix::sys::signal::SigHandler::SigIgn);
            }
            Some(OwnTerminal { ours, our_modes, their_modes: None })
        }
    }

    impl Terminal for OwnTerminal {
        fn debuggee_runs(&mut self, launched: u32) {
            let fd = std::io::stdin();
            let Ok(group) = unistd::getpgid(Some(Pid::from_raw(launched as i32))) else { return };
            if let Some(modes) = &self.their_modes {
                let _ = termios::tcsetattr(&fd, SetArg::TCSADRAIN, modes);
            }
            let _ = unistd::tcsetpgrp(&fd, group);
        }

        fn debuggee_stopped(&mut self) {
            let fd = std::io::stdin();
            if unistd::tcgetpgrp(&fd).is_ok_and(|group| group == self.ours) {
                return;
            }
            self.their_modes = termios::tcgetattr(&fd).ok();
            let _ = unistd::tcsetpgrp(&fd, self.ours);
            let _ = termios::tcsetattr(&fd, SetArg::TCSADRAIN, &self.our_modes);
        }
    }
}
