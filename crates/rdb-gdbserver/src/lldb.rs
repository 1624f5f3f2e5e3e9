//! What lldb asks differently from gdb. lldb's Windows loader (its `DynamicLoaderWindowsDYLD`) asks where the
//! executable is loaded with `qFileLoadAddress`, which gdbstub 0.7 does not know: without an answer lldb loads no
//! module at all and none of its breakpoints resolves. The packet is taken off on the way in (`framing.rs`) and
//! answered here. And lldb reads a Windows library list otherwise than gdb does (see `queries.rs`): the server tells
//! the two apart by lldb's own `qHostInfo` and `qProcessInfo`, which gdb never sends.

use crate::framing::unhex;
use crate::target::Server;

/// lldb's error for a file that is not loaded in the process.
const NOT_LOADED: &str = "E01";

impl Server {
    /// The reply to a packet the framer took off for the server (`framing::OWN_PACKETS`).
    pub(crate) fn own_answer(&self, body: &[u8]) -> String {
        match body.strip_prefix(b"qFileLoadAddress:") {
            Some(hex) => self.file_load_address(hex),
            None => String::new(),
        }
    }

    /// `qFileLoadAddress:<path in hex>`: the base of the module loaded from that file, in hex.
    fn file_load_address(&self, hex: &[u8]) -> String {
        let Some(asked) = unhex(hex).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()) else {
            return NOT_LOADED.into();
        };
        let modules = self.call(|d| {
            Ok(d.session().modules.iter().map(|m| (m.path.to_string_lossy().into_owned(), m.base)).collect::<Vec<_>>())
        });
        let modules = modules.unwrap_or_default();
        match loaded_from(&modules, &asked) {
            Some(base) => format!("{base:x}"),
            None => NOT_LOADED.into(),
        }
    }
}

/// The base of the module `asked` names, among `(path, base)`. The client names a file on its own machine (lldb on
/// Linux says `/home/me/hello.exe` for the process's `Z:\home\me\hello.exe`): the same path wins, else the one
/// module of that file name, compared as Windows compares names (either separator, any case).
fn loaded_from(modules: &[(String, u64)], asked: &str) -> Option<u64> {
    let normal = |p: &str| p.replace('\\', "/").to_lowercase();
    let asked_path = normal(asked);
    if let Some((_, base)) = modules.iter().find(|(p, _)| normal(p) == asked_path) {
        return Some(*base);
    }
    let name = |p: &str| normal(p).rsplit('/').next().map(str::to_string).unwrap_or_default();
    let asked_name = name(asked);
    let mut same = modules.iter().filter(|(p, _)| name(p) == asked_name);
    match (same.next(), same.next()) {
        (Some((_, base)), None) => Some(*base),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_found_by_path_then_by_name() {
        let modules = vec![
            (r"Z:\tmp\hello.exe".to_string(), 0x1_4000_0000),
            (r"C:\windows\system32\kernel32.dll".to_string(), 0x7b60_0000),
            (r"Z:\a\dup.dll".to_string(), 0x1000),
            (r"Z:\b\dup.dll".to_string(), 0x2000),
        ];
        assert_eq!(loaded_from(&modules, "/tmp/hello.exe"), Some(0x1_4000_0000));
        assert_eq!(loaded_from(&modules, r"c:\WINDOWS\system32\KERNEL32.DLL"), Some(0x7b60_0000));
        assert_eq!(loaded_from(&modules, "/elsewhere/kernel32.dll"), Some(0x7b60_0000));
        assert_eq!(loaded_from(&modules, "Z:/b/dup.dll"), Some(0x2000));
        assert_eq!(loaded_from(&modules, "/c/dup.dll"), None, "two modules of that name: neither is guessed");
        assert_eq!(loaded_from(&modules, "/tmp/other.exe"), None);
        assert_eq!(loaded_from(&modules, ""), None);
    }

    #[test]
    fn malformed_hex_is_no_path() {
        assert_eq!(unhex(b"2f74").as_deref(), Some(&b"/t"[..]));
        assert_eq!(unhex(b"2f7"), None);
        assert_eq!(unhex(b"zz"), None);
    }
}
