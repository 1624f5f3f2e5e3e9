//! The debuggee that starts a child process, for scenarios that follow children (`-o`): `forks` on Linux (fork; the
//! child calls `work` and exits 7, then the parent calls `work`), `wchild` on Windows (CreateProcess of itself; both
//! print through `say`, the child exits 7). What each prints, and how rdb announces a followed child on each OS.

use crate::backend::Backend;
use crate::shapes::{ADDR, exit_code_re};

/// One backend's child-starting debuggee.
pub struct ChildDebuggee {
    backend: Backend,
    /// Its debuggee name.
    pub name: &'static str,
    /// Its name in `|` rows.
    pub process_name: &'static str,
    /// The function both processes call, as `module!function`.
    pub function: &'static str,
}

impl ChildDebuggee {
    pub(crate) fn of(backend: Backend) -> ChildDebuggee {
        match backend {
            Backend::Linux => ChildDebuggee { backend, name: "forks", process_name: "forks", function: "forks!work" },
            Backend::Windows => {
                ChildDebuggee { backend, name: "wchild", process_name: "wchild.exe", function: "wchild!say" }
            }
        }
    }

    /// A regex for how rdb tells a child it follows (pids in hex as rdb prints them): on Linux a `Create process`
    /// line; on Windows, where the system reports the child as a process of its own, the child's executable loaded
    /// between the parent's first stop and the child's.
    pub fn announcement_re(&self, parent: &str, child: &str) -> String {
        match self.backend {
            Backend::Linux => {
                format!(
                    r"Create process {child}: a child, debugged as a process of its own; breakpoints removed from it"
                )
            }
            Backend::Windows => format!(
                r"(?ms)^\({parent}\.[0-9a-f]+\): Break instruction exception.*^ModLoad: {ADDR} {ADDR}   {}$.*^\({child}\.[0-9a-f]+\): Break instruction exception",
                self.backend.image_re(self.name)
            ),
        }
    }

    /// The exit line of one of its processes with `code`; captures the pid. `forks` prints with stdio, whose
    /// output may be cut into rdb's lines, so on Linux the line is not anchored at its start; `wchild` writes whole
    /// lines.
    pub fn exit_re(&self, code: u32) -> String {
        match self.backend {
            Backend::Linux => format!(r"(?m)\([0-9a-f]+\.[0-9a-f]+\): Exit process ([0-9a-f]+), code 0*{code:x}$"),
            Backend::Windows => exit_code_re(code),
        }
    }

    /// Regexes the debuggee's own output must match once both processes ran to their ends, each having run its
    /// `function` clean (`child`: the child's pid in hex).
    pub fn output_res(&self, child: &str) -> Vec<String> {
        match self.backend {
            Backend::Linux => ["child worked 6", "child exited 7", "parent worked 15"].map(regex::escape).to_vec(),
            Backend::Windows => {
                let pid = u32::from_str_radix(child, 16).expect("a hex pid");
                vec![format!(r"(?m)^child {pid}\r?$"), r"(?m)^child exited 7\r?$".to_string()]
            }
        }
    }
}
