//! The requests from outside that reach the console while it waits or the debuggee runs: an interrupt (Ctrl-C;
//! Ctrl-Break on Windows) breaks into the running debuggee, a termination (SIGTERM or SIGHUP; the console window
//! closing on Windows) makes rdb quit the normal way, so the debuggee is cleaned up. This file only translates each
//! OS's mechanism into [`Signal`]; what to do with it is the front end's business.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

/// Calls `on_signal` for each signal from now on, on a thread other than the caller's. Without a way to receive
/// them (a failure of the OS call) rdb still works, but cannot be interrupted.
#[cfg(unix)]
pub fn watch(on_signal: impl Fn(Signal) + Send + Sync + 'static) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        std::thread::spawn(move || {
            for signal in signals.forever() {
                on_signal(if signal == SIGINT { Signal::Interrupt } else { Signal::Terminate });
            }
        });
    }
}

/// Calls `on_interrupt` for each interrupt (SIGINT) from now on, on a thread other than the caller's, leaving every
/// other signal as it was: for a front end inside another program (the Python package), whose own handler still
/// runs (the interrupt also reaches it: the handler installed before is called too).
#[cfg(unix)]
pub fn watch_interrupts(on_interrupt: impl Fn() + Send + Sync + 'static) {
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT]) {
        std::thread::spawn(move || {
            for _ in signals.forever() {
                on_interrupt();
            }
        });
    }
}

#[cfg(windows)]
pub fn watch_interrupts(on_interrupt: impl Fn() + Send + Sync + 'static) {
    watch(move |signal| {
        if signal == Signal::Interrupt {
            on_interrupt();
        }
    });
}

#[cfg(windows)]
pub fn watch(on_signal: impl Fn(Signal) + Send + Sync + 'static) {
    use rdb_windows::console::{ControlEvent, on_control_event};

    let _ = on_control_event(move |event| match event {
        ControlEvent::CtrlC | ControlEvent::CtrlBreak => on_signal(Signal::Interrupt),
        ControlEvent::Close => {
            on_signal(Signal::Terminate);
            // Windows ends rdb as soon as this handler returns: give the console time to detach or kill the
            // debuggee (rdb exits from its main thread well before this, which ends this wait too).
            std::thread::sleep(std::time::Duration::from_secs(4));
        }
    });
}
