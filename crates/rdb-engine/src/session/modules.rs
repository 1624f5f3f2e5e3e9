//! The debuggee's modules: where each one lies, its WinDbg-style name, and its symbols, read on first use.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::symbols::{ModuleSymbols, Symbol};
use crate::wildcard;

/// One loaded module (the executable, a shared library, a DLL).
pub struct Module {
    pub base: u64,
    pub size: u64,
    pub path: PathBuf,
    /// The name commands use before `!`: the file name up to its first dot, characters an expression cannot hold
    /// replaced by `_` (`libc.so.6` → `libc`, `ld-linux-x86-64.so.2` → `ld_linux_x86_64`), made unique.
    pub name: String,
    symbols: OnceLock<Option<ModuleSymbols>>,
}

impl Module {
    pub fn end(&self) -> u64 {
        self.base + self.size
    }

    pub fn contains(&self, address: u64) -> bool {
        address >= self.base && address < self.end()
    }

    /// The module's symbols, read from its file the first time they are needed; `None` if the file cannot be read.
    pub fn symbols(&self) -> Option<&ModuleSymbols> {
        self.symbols.get_or_init(|| ModuleSymbols::load(&self.path, self.base).ok()).as_ref()
    }

    /// `lm`'s symbol state, as WinDbg words it: `(deferred)` until first needed, then what was found.
    pub fn symbol_state(&self) -> &'static str {
        match self.symbols.get() {
            None => "(deferred)",
            Some(None) => "(no symbols)",
            Some(Some(s)) if s.has_dwarf() => "(dwarf symbols)",
            Some(Some(s)) if s.symbol_count() == 0 => "(no symbols)",
            Some(Some(s)) if s.is_pe() => "(export symbols)",
            Some(Some(_)) => "(elf symbols)",
        }
    }
}

/// A symbol a pattern matched: the module's name, the symbol's, and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolMatch {
    pub module: String,
    pub name: String,
    pub address: u64,
}

impl SymbolMatch {
    /// `module!name`, as an expression names it.
    pub fn qualified(&self) -> String {
        format!("{}!{}", self.module, self.name)
    }
}

/// The module list, in load order.
#[derive(Default)]
pub struct Modules {
    list: Vec<Module>,
}

/// A name fit for `module!symbol`.
fn base_name(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file.split('.').next().unwrap_or("");
    let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if name.is_empty() { "module".to_string() } else { name }
}

impl Modules {
    pub fn add(&mut self, base: u64, size: u64, path: PathBuf) -> &Module {
        self.list.retain(|m| m.base != base);
        let mut name = base_name(&path);
        if self.by_name(&name).is_some() {
            // WinDbg appends the base address to tell two modules of the same name apart.
            name = format!("{name}_{base:x}");
        }
        self.list.push(Module { base, size, path, name, symbols: OnceLock::new() });
        self.list.last().expect("just pushed")
    }

    pub fn remove(&mut self, base: u64) -> Option<Module> {
        let i = self.list.iter().position(|m| m.base == base)?;
        Some(self.list.remove(i))
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = &Module> {
        self.list.iter()
    }

    pub fn at(&self, address: u64) -> Option<&Module> {
        self.list.iter().find(|m| m.contains(address))
    }

    /// A module by its name (case-insensitive, as WinDbg), or by its file name (`libc.so.6`).
    pub fn by_name(&self, name: &str) -> Option<&Module> {
        self.list.iter().find(|m| m.name.eq_ignore_ascii_case(name)).or_else(|| {
            self.list
                .iter()
                .find(|m| m.path.file_name().is_some_and(|f| f.to_string_lossy().eq_ignore_ascii_case(name)))
        })
    }

    /// Resolve `module!symbol`, `module` (its base) or a bare `symbol` searched in every module in load order.
    pub fn resolve(&self, text: &str) -> Option<u64> {
        if let Some((module, symbol)) = text.split_once('!') {
            if module.is_empty() {
                return self.find_anywhere(symbol);
            }
            let m = self.by_name(module)?;
            return m.symbols()?.lookup(symbol).first().copied();
        }
        if let Some(m) = self.by_name(text) {
            return Some(m.base);
        }
        self.find_anywhere(text)
    }

    fn find_anywhere(&self, symbol: &str) -> Option<u64> {
        self.list.iter().find_map(|m| m.symbols()?.lookup(symbol).first().copied())
    }

    /// The symbols `pattern` names: `module!symbol` with WinDbg's wildcards on either side (`*`, `?`, any case);
    /// no `!` searches every module. In load order, then in each module's address order.
    pub fn matching_symbols(&self, pattern: &str) -> Vec<SymbolMatch> {
        let (module_pattern, symbol_pattern) = pattern.split_once('!').unwrap_or(("*", pattern));
        let mut found = Vec::new();
        for m in self.list.iter().filter(|m| wildcard::matches(module_pattern, &m.name)) {
            let Some(symbols) = m.symbols() else { continue };
            for s in symbols.matching(symbol_pattern) {
                found.push(SymbolMatch { module: m.name.clone(), name: s.name, address: s.address });
            }
        }
        found
    }

    /// The module and symbol at `address`.
    pub fn symbol_at(&self, address: u64) -> Option<(&Module, Option<Symbol>)> {
        let m = self.at(address)?;
        Some((m, m.symbols().and_then(|s| s.symbol_at(address))))
    }

    /// `module!symbol+0xoff`, `module!symbol`, `module+0xoff`, or `None` outside every module.
    pub fn describe(&self, address: u64) -> Option<String> {
        let (m, sym) = self.symbol_at(address)?;
        Some(match sym {
            Some(s) if address == s.address => format!("{}!{}", m.name, s.name),
            Some(s) => format!("{}!{}+{:#x}", m.name, s.name, address - s.address),
            None if address == m.base => m.name.clone(),
            None => format!("{}+{:#x}", m.name, address - m.base),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_follow_windbg() {
        assert_eq!(base_name(Path::new("/lib/x86_64-linux-gnu/libc.so.6")), "libc");
        assert_eq!(base_name(Path::new("/lib64/ld-linux-x86-64.so.2")), "ld_linux_x86_64");
        assert_eq!(base_name(Path::new("/tmp/hello")), "hello");
        assert_eq!(base_name(Path::new("C:\\x\\kernel32.dll")), "C:\\x\\kernel32".replace(['\\', ':'], "_"));
    }

    #[test]
    fn duplicate_names_get_the_base_appended() {
        let mut m = Modules::default();
        m.add(0x1000, 0x1000, PathBuf::from("/a/libx.so"));
        m.add(0x5000, 0x1000, PathBuf::from("/b/libx.so.1"));
        let names: Vec<_> = m.iter().map(|m| m.name.clone()).collect();
        assert_eq!(names, ["libx", "libx_5000"]);
        assert_eq!(m.at(0x5800).map(|m| m.base), Some(0x5000));
        assert_eq!(m.by_name("LIBX").map(|m| m.base), Some(0x1000));
        assert_eq!(m.resolve("libx_5000"), Some(0x5000));
    }
}
