//! The console's control events (Ctrl-C, Ctrl-Break, the console window closing), delivered to a Rust closure, so
//! rdb's console can break into the debuggee or quit cleanly without `unsafe` of its own. The Windows counterpart of
//! SIGINT, SIGTERM and SIGHUP.

use std::io;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::{FALSE, TRUE};
use windows_sys::Win32::System::Console::{
    CTRL_BREAK_EVENT, CTRL_C_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT, SetConsoleCtrlHandler,
};
use windows_sys::core::BOOL;

/// A console control event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlEvent {
    CtrlC,
    CtrlBreak,
    /// The console window is closing, the user logs off or the system shuts down. Windows ends the process soon
    /// after the handler returns, so a handler that needs to clean up waits (a few seconds at most) before returning.
    Close,
}

type Handler = Box<dyn Fn(ControlEvent) + Send + Sync>;

static HANDLER: OnceLock<Handler> = OnceLock::new();

/// Calls `handler` for every console control event, on a thread the system creates for it. The process's default
/// behaviour (ending on Ctrl-C) is replaced. Only one handler can be installed per process.
pub fn on_control_event(handler: impl Fn(ControlEvent) + Send + Sync + 'static) -> io::Result<()> {
    if HANDLER.set(Box::new(handler)).is_err() {
        return Err(io::Error::other("a console control handler is already installed"));
    }
    // SAFETY: `dispatch` is an `extern "system"` function with the HandlerRoutine signature that lives as long as the
    // program; it only reads the `OnceLock` set above.
    let ok = unsafe { SetConsoleCtrlHandler(Some(dispatch), TRUE) };
    if ok == FALSE {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

unsafe extern "system" fn dispatch(ctrl_type: u32) -> BOOL {
    let event = match ctrl_type {
        CTRL_C_EVENT => ControlEvent::CtrlC,
        CTRL_BREAK_EVENT => ControlEvent::CtrlBreak,
        CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT => ControlEvent::Close,
        // Not ours: let the next handler (the default one) decide.
        _ => return FALSE,
    };
    match HANDLER.get() {
        Some(handler) => {
            handler(event);
            TRUE
        }
        None => FALSE,
    }
}
