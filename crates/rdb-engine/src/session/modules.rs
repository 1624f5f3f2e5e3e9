//! The debuggee's modules: where each one lies, its WinDbg-style name, and its symbols, read on first use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use crate::memory::ReadMemory;
use crate::symbols::{ModuleSymbols, SourceLine, Symbol};
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
    /// The file found for a snapshot's module whose recorded path is not on this machine (see `module_images.rs`):
    /// its symbols and code come from there, while `path` stays what the snapshot recorded.
    pub(super) image: Option<PathBuf>,
    /// The user's symbol search path (`.sympath`), shared with the module list: read when the symbols are.
    search: SymbolPath,
}

/// Directories searched for a module's separate debug file before the system's (`.sympath`).
pub type SymbolPath = Arc<RwLock<Vec<PathBuf>>>;

impl Module {
    pub fn end(&self) -> u64 {
        self.base + self.size
    }

    pub fn contains(&self, address: u64) -> bool {
        address >= self.base && address < self.end()
    }

    /// The module's symbols, read from its file the first time they are needed; `None` if the file cannot be read.
    pub fn symbols(&self) -> Option<&ModuleSymbols> {
        self.symbols
            .get_or_init(|| {
                let search = self.search.read().map(|dirs| dirs.clone()).unwrap_or_default();
                ModuleSymbols::load_searching(self.file(), self.base, &search).ok()
            })
            .as_ref()
    }

    /// Read the symbols again when next needed (from a file found since).
    pub(super) fn forget_symbols(&mut self) {
        self.symbols = OnceLock::new();
    }

    /// The file the module's symbols and code are read from: the one found for it, else the path it was loaded
    /// from.
    pub fn file(&self) -> &Path {
        self.image.as_deref().unwrap_or(&self.path)
    }

    /// Whether `name` names this module: its name (`libstdc__`), its file name (`libstdc++.so.6`), or its file name
    /// up to the first dot (`libstdc++`), any case, as the docs promise each.
    pub fn answers_to(&self, name: &str) -> bool {
        if self.name.eq_ignore_ascii_case(name) {
            return true;
        }
        let file = file_name(&self.path);
        if file.is_empty() {
            return false;
        }
        let stem = file.split('.').next().unwrap_or("");
        file.eq_ignore_ascii_case(name) || (!stem.is_empty() && stem.eq_ignore_ascii_case(name))
    }

    /// The file its symbols were read from (a separate debug file, else the module's own), once they have been
    /// read and found: `None` while deferred or when there are none.
    pub fn symbol_file(&self) -> Option<&Path> {
        let symbols = self.symbols.get()?.as_ref()?;
        if symbols.symbol_count() == 0 && !symbols.has_dwarf() {
            return None;
        }
        Some(symbols.debug_file().unwrap_or(self.file()))
    }

    /// Why the PDB the module's image names is not used (mismatched, unreadable, not found), once its symbols
    /// have been read.
    pub fn pdb_problem(&self) -> Option<&str> {
        self.symbols.get()?.as_ref()?.pdb_problem()
    }

    /// Whether `pattern` (WinDbg's wildcards, any case) matches the module's name or its file name (`lm m`).
    pub fn matches(&self, pattern: &str) -> bool {
        let file = file_name(&self.path);
        wildcard::matches(pattern, &self.name) || (!file.is_empty() && wildcard::matches(pattern, &file))
    }

    /// What is known of the module's symbols: nothing until they are first needed, then what was found.
    pub fn symbol_state(&self) -> SymbolState {
        match self.symbols.get() {
            None => SymbolState::Deferred,
            Some(None) => SymbolState::NoSymbols,
            Some(Some(s)) if s.has_pdb() => SymbolState::Pdb,
            Some(Some(s)) if s.has_dwarf() => SymbolState::Dwarf,
            Some(Some(s)) if s.symbol_count() == 0 => SymbolState::NoSymbols,
            Some(Some(s)) if s.is_pe() => SymbolState::Exports,
            Some(Some(_)) => SymbolState::Elf,
        }
    }
}

/// The link time stamp of the PE image mapped at `base` (`IMAGE_FILE_HEADER.TimeDateStamp`, seconds since 1970),
/// read from its headers in memory as WinDbg reads them; `None` for any other image (ELF records none).
pub fn pe_timestamp(base: u64, memory: &mut dyn ReadMemory) -> Option<u32> {
    let mut u32_at = |address: u64| {
        let mut bytes = [0u8; 4];
        memory.read_exact(address, &mut bytes).ok().map(|()| u32::from_le_bytes(bytes))
    };
    if u32_at(base)? & 0xffff != u32::from(u16::from_le_bytes(*b"MZ")) {
        return None;
    }
    let nt = base.checked_add(u64::from(u32_at(base.checked_add(0x3c)?)?))?;
    // "PE\0\0", then the file header: Machine (2), NumberOfSections (2), TimeDateStamp (4).
    (u32_at(nt)? == u32::from_le_bytes(*b"PE\0\0")).then(|| u32_at(nt.checked_add(8)?)).flatten()
}

impl super::Session {
    /// The link time stamp of the module at `base`, where its image records one (see `pe_timestamp`).
    pub fn image_timestamp(&mut self, base: u64) -> Option<u32> {
        pe_timestamp(base, &mut self.memory().ok()?)
    }
}

/// How much a module's symbols say (`lm`'s column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolState {
    /// Not read yet: they are read the first time something needs them.
    Deferred,
    /// The file cannot be read, or names nothing.
    NoSymbols,
    /// DWARF debug information, in the file or a separate debug file: lines and more.
    Dwarf,
    /// A PE image's PDB (its GUID and age matched): symbols with their extents, and lines.
    Pdb,
    /// A PE image's exports, and nothing more.
    Exports,
    /// An ELF file's symbol tables, and nothing more.
    Elf,
}

/// Where an address is in the program: its module and the symbol that covers it (or the nearest one before it in
/// the module), with the address's offset into each. Front ends show it as they like; [`Place::name`] writes it in
/// the engine's own syntax for addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub module: String,
    /// The address's offset from the module's base.
    pub module_offset: u64,
    pub symbol: Option<SymbolOffset>,
}

/// A symbol's name and an address's offset from the symbol's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolOffset {
    pub name: String,
    pub offset: u64,
}

impl Place {
    /// Whether a name starts exactly here: a symbol's first byte, or the module's base where no symbol covers it.
    pub fn starts_name(&self) -> bool {
        match &self.symbol {
            Some(symbol) => symbol.offset == 0,
            None => self.module_offset == 0,
        }
    }

    /// `module!symbol+0xoff`, `module!symbol`, `module+0xoff` or `module`: an address as the expression language
    /// reads it back, and as the engine names one in its notices and errors.
    pub fn name(&self) -> String {
        match &self.symbol {
            Some(SymbolOffset { name, offset: 0 }) => format!("{}!{name}", self.module),
            Some(SymbolOffset { name, offset }) => format!("{}!{name}+{offset:#x}", self.module),
            None if self.module_offset == 0 => self.module.clone(),
            None => format!("{}+{:#x}", self.module, self.module_offset),
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
    /// `.exepath`: where a snapshot's module images are looked for when their recorded paths are not here; kept
    /// across the processes a session debugs, as the symbol path is.
    pub(super) image_path: Vec<PathBuf>,
    /// Whether modules added are a snapshot's, whose files are looked for when their paths are not here.
    pub(super) find_images: bool,
    /// `.sympath`: kept across the processes a session debugs (a `.restart` keeps it).
    search: SymbolPath,
}

/// The last component of a module's path, whichever OS wrote it: a Windows dump read here records
/// `C:\\Windows\\System32\\kernel32.dll`, whose file name is `kernel32.dll` on any machine.
pub fn file_name(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.rsplit(['/', '\\']).next().unwrap_or("").to_string()
}

/// A name fit for `module!symbol`.
fn base_name(path: &Path) -> String {
    let file = file_name(path);
    let stem = file.split('.').next().unwrap_or("");
    let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if name.is_empty() { "module".to_string() } else { name }
}

impl Modules {
    pub fn add(&mut self, base: u64, size: u64, path: PathBuf) -> &Module {
        self.list.retain(|m| m.base != base);
        let image = match self.find_images && !path.is_file() {
            true => super::module_images::find_image(&path, &self.image_path),
            false => None,
        };
        let mut name = base_name(&path);
        if self.by_name(&name).is_some() {
            // WinDbg appends the base address to tell two modules of the same name apart.
            name = format!("{name}_{base:x}");
        }
        self.list.push(Module { base, size, path, name, symbols: OnceLock::new(), image, search: self.search.clone() });
        self.list.last().expect("just pushed")
    }

    /// Search `dirs` for the modules' separate debug files, before the system's places; every module's symbols are
    /// read again when next needed, as WinDbg's `.sympath` and `.reload` do.
    pub fn set_symbol_path(&mut self, dirs: Vec<PathBuf>) {
        if let Ok(mut search) = self.search.write() {
            *search = dirs;
        }
        for m in &mut self.list {
            m.symbols = OnceLock::new();
        }
    }

    /// The directories `.sympath` set.
    pub fn symbol_path(&self) -> Vec<PathBuf> {
        self.search.read().map(|dirs| dirs.clone()).unwrap_or_default()
    }

    pub fn remove(&mut self, base: u64) -> Option<Module> {
        let i = self.list.iter().position(|m| m.base == base)?;
        Some(self.list.remove(i))
    }

    pub fn clear(&mut self) {
        self.list.clear();
        self.find_images = false;
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Module> {
        self.list.iter_mut()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Module> {
        self.list.iter()
    }

    pub fn at(&self, address: u64) -> Option<&Module> {
        self.list.iter().find(|m| m.contains(address))
    }

    /// A module by its name (case-insensitive, as WinDbg), else by its file name (`libc.so.6`) or the file name up
    /// to its first dot (`libstdc++`): see [`Module::answers_to`].
    pub fn by_name(&self, name: &str) -> Option<&Module> {
        self.list
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
            .or_else(|| self.list.iter().find(|m| m.answers_to(name)))
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

    /// Every address `module!symbol` or a bare `symbol` names: all the functions of that name in the module (C++
    /// overloads, static functions of one name in several files), a bare name in the first module that has it,
    /// in address order. Empty if `text` names no symbol.
    pub fn resolve_all(&self, text: &str) -> Vec<u64> {
        match text.split_once('!') {
            Some((module, symbol)) if !module.is_empty() => {
                self.by_name(module).and_then(|m| m.symbols()).map(|s| s.lookup(symbol)).unwrap_or_default()
            }
            Some((_, symbol)) => self.find_all_anywhere(symbol),
            None => self.find_all_anywhere(text),
        }
    }

    fn find_all_anywhere(&self, symbol: &str) -> Vec<u64> {
        self.list
            .iter()
            .map(|m| m.symbols().map(|s| s.lookup(symbol)).unwrap_or_default())
            .find(|a| !a.is_empty())
            .unwrap_or_default()
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

    /// The symbols around `address` (WinDbg's `ln`): its module, the symbol containing it or the nearest before
    /// it, and the next symbol of the module after that one. `None` when no symbol of a module is at or before it.
    pub fn symbols_around(&self, address: u64) -> Option<(&Module, Symbol, Option<Symbol>)> {
        let (module, symbol) = self.symbol_at(address)?;
        let symbol = symbol?;
        // The next one starts after this symbol's end (or after its first byte, when its size is unknown).
        let next_start = symbol.address + symbol.size.max(1);
        let next = module
            .symbols()
            .and_then(|s| s.symbol_at(next_start))
            .filter(|n| n.address > symbol.address && module.contains(n.address));
        Some((module, symbol, next))
    }

    /// Where `address` is: its module and symbol; `None` outside every module.
    pub fn place(&self, address: u64) -> Option<Place> {
        let (m, symbol) = self.symbol_at(address)?;
        Some(Place {
            module: m.name.clone(),
            module_offset: address - m.base,
            symbol: symbol.map(|s| SymbolOffset { offset: address - s.address, name: s.name }),
        })
    }

    /// `module!symbol+0xoff`, `module!symbol`, `module+0xoff`, or `None` outside every module (see [`Place::name`]).
    pub fn describe(&self, address: u64) -> Option<String> {
        self.place(address).map(|p| p.name())
    }

    /// Read a snapshot's missing bytes at `address` from the file of the module there (see
    /// [`ModuleSymbols::read_image`]); 0 outside every module or where its file holds nothing.
    pub fn read_image(&self, address: u64, buf: &mut [u8]) -> usize {
        self.at(address).and_then(|m| m.symbols()).map_or(0, |s| s.read_image(address, buf))
    }

    /// The source file and line of the code at `address`, from its module's DWARF.
    pub fn source_line(&self, address: u64) -> Option<SourceLine> {
        self.at(address)?.symbols()?.source_line(address)
    }

    /// The line whose statement begins exactly at `address`, if one does (see [`ModuleSymbols::statement_at`]).
    pub fn statement_at(&self, address: u64) -> Option<SourceLine> {
        self.at(address)?.symbols()?.statement_at(address)
    }

    /// The extent `[start, end)` of the function that holds `address`, where its module's symbols know it.
    pub fn function_extent(&self, address: u64) -> Option<(u64, u64)> {
        self.at(address)?.symbols()?.function_extent(address)
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
        assert_eq!(base_name(Path::new("C:\\x\\kernel32.dll")), "kernel32", "a Windows dump's path, read anywhere");
    }

    #[test]
    fn a_name_starts_where_a_symbol_or_a_bare_module_does() {
        let place = |symbol: Option<(&str, u64)>, module_offset| Place {
            module: "cxx".into(),
            module_offset,
            symbol: symbol.map(|(name, offset)| SymbolOffset { name: name.into(), offset }),
        };
        let starts = place(Some(("Point::operator+", 0)), 0x1200);
        assert!(starts.starts_name(), "a symbol's address, whatever its name holds");
        assert_eq!(starts.name(), "cxx!Point::operator+");
        let inside = place(Some(("main", 0x1d)), 0x1200);
        assert!(!inside.starts_name());
        assert_eq!(inside.name(), "cxx!main+0x1d");
        assert!(place(None, 0).starts_name());
        assert_eq!(place(None, 0).name(), "cxx");
        assert!(!place(None, 0x40).starts_name());
        assert_eq!(place(None, 0x40).name(), "cxx+0x40");
    }

    #[test]
    fn symbols_are_deferred_until_needed() {
        let mut m = Modules::default();
        let module = m.add(0x1000, 0x1000, PathBuf::from("/nonexistent/libx.so"));
        assert_eq!(module.symbol_state(), SymbolState::Deferred);
        assert!(module.symbols().is_none());
        assert_eq!(module.symbol_state(), SymbolState::NoSymbols, "read now, and nothing found");
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

    #[test]
    fn a_pe_time_stamp_is_read_from_the_mapped_headers() {
        struct Bytes(Vec<u8>);
        impl ReadMemory for Bytes {
            fn read(&mut self, address: u64, buf: &mut [u8]) -> crate::Result<usize> {
                let start = address.checked_sub(0x1000).ok_or(crate::Error::MemoryAccess(address))? as usize;
                let n = buf.len().min(self.0.len().saturating_sub(start));
                buf[..n].copy_from_slice(&self.0[start..start + n]);
                if n == 0 { Err(crate::Error::MemoryAccess(address)) } else { Ok(n) }
            }
        }
        let mut image = vec![0u8; 0x100];
        image[..2].copy_from_slice(b"MZ");
        image[0x3c] = 0x80;
        image[0x80..0x84].copy_from_slice(b"PE\0\0");
        image[0x88..0x8c].copy_from_slice(&0x5f2a_1b3cu32.to_le_bytes());
        assert_eq!(pe_timestamp(0x1000, &mut Bytes(image.clone())), Some(0x5f2a_1b3c));
        image[..4].copy_from_slice(b"\x7fELF");
        assert_eq!(pe_timestamp(0x1000, &mut Bytes(image)), None, "an ELF image has none");
        assert_eq!(pe_timestamp(0x1000, &mut Bytes(vec![b'M', b'Z'])), None, "headers cut short");
    }

    #[test]
    fn a_module_answers_to_every_spelling_of_its_file() {
        let mut m = Modules::default();
        m.add(0x1000, 0x1000, PathBuf::from("/usr/lib/libstdc++.so.6"));
        m.add(0x5000, 0x1000, PathBuf::from("/lib64/ld-linux-x86-64.so.2"));
        for name in ["libstdc__", "libstdc++.so.6", "libstdc++", "LIBSTDC++"] {
            assert_eq!(m.by_name(name).map(|m| m.base), Some(0x1000), "{name}");
        }
        for name in ["ld_linux_x86_64", "ld-linux-x86-64.so.2", "ld-linux-x86-64"] {
            assert_eq!(m.by_name(name).map(|m| m.base), Some(0x5000), "{name}");
        }
        assert!(m.by_name("libstdc").is_none());
    }
}
