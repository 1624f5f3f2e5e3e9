//! The symbol table of one module: demangling, lookup by name, by wildcard, and by address.

use std::borrow::Cow;

use super::Symbol;

/// A symbol as read from the file, at its runtime address.
#[derive(Debug, Clone)]
pub(super) struct RawSym {
    /// Borrowed from the module file's bytes (kept for the life of rdb), or made up (`name@plt`).
    pub raw: Cow<'static, str>,
    pub address: u64,
    pub size: u64,
    /// Code (else data).
    pub func: bool,
    pub global: bool,
}

#[derive(Debug)]
struct Sym {
    /// Demangled (for Rust without the hash); `None` when it is the linkage name itself (C).
    demangled: Option<Box<str>>,
    /// The linkage name.
    raw: Cow<'static, str>,
    /// Another name it answers to: a Rust name with its hash, a C++ name without its parameter list.
    alt: Option<Box<str>>,
    address: u64,
    size: u64,
    func: bool,
    global: bool,
}

impl Sym {
    /// The display name.
    fn name(&self) -> &str {
        self.demangled.as_deref().unwrap_or(&self.raw)
    }

    /// Every name it answers to.
    fn names(&self) -> impl Iterator<Item = &str> {
        [self.demangled.as_deref(), Some(&*self.raw), self.alt.as_deref()].into_iter().flatten()
    }

    fn to_symbol(&self) -> Symbol {
        Symbol { name: self.name().to_string(), address: self.address, size: self.size }
    }

    fn contains(&self, address: u64) -> bool {
        address >= self.address && address - self.address < self.size
    }

    /// Which of several symbols at one address names it: code before data, sized before unsized, global before
    /// local or weak, then the name with the fewest leading underscores (`puts` over `_IO_puts`), then the shortest.
    fn rank(&self) -> (bool, bool, bool, usize, usize) {
        let name = self.name();
        let underscores = name.chars().take_while(|c| *c == '_').count();
        (!self.func, self.size == 0, !self.global, underscores, name.len())
    }
}

#[derive(Debug, Default)]
pub(super) struct SymbolTable {
    /// Sorted by address; at one address, the best name first.
    syms: Vec<Sym>,
    /// Every (symbol, name) pair, sorted by name: an index into `syms` and which of its [`Sym::names`]. A sorted
    /// list rather than a map keyed by copies of the names, which would double the memory names take.
    by_name: Vec<(u32, u8)>,
}

impl SymbolTable {
    pub fn new(mut raw: Vec<RawSym>) -> SymbolTable {
        raw.sort_by(|a, b| a.address.cmp(&b.address).then_with(|| a.raw.cmp(&b.raw)));
        raw.dedup_by(|later, kept| {
            if later.address == kept.address && later.raw == kept.raw {
                kept.size = kept.size.max(later.size);
                kept.func |= later.func;
                kept.global |= later.global;
                true
            } else {
                false
            }
        });
        let mut syms: Vec<Sym> = raw
            .into_iter()
            .map(|r| {
                let (name, alt) = demangle(&r.raw);
                Sym {
                    demangled: (name != *r.raw).then(|| name.into()),
                    raw: r.raw,
                    alt: alt.map(Into::into),
                    address: r.address,
                    size: r.size,
                    func: r.func,
                    global: r.global,
                }
            })
            .collect();
        syms.sort_by(|a, b| a.address.cmp(&b.address).then_with(|| a.rank().cmp(&b.rank())));

        let mut by_name: Vec<(u32, u8)> = Vec::with_capacity(syms.len() * 2);
        for (i, s) in syms.iter().enumerate() {
            for (which, _) in s.names().enumerate() {
                by_name.push((i as u32, which as u8));
            }
        }
        let key = |e: &(u32, u8)| syms[e.0 as usize].names().nth(usize::from(e.1)).unwrap_or("");
        by_name.sort_by(|a, b| key(a).cmp(key(b)));
        SymbolTable { syms, by_name }
    }

    fn name_of(&self, entry: (u32, u8)) -> &str {
        self.syms[entry.0 as usize].names().nth(usize::from(entry.1)).unwrap_or("")
    }

    /// The symbols that answer to exactly `name`.
    fn named(&self, name: &str) -> impl Iterator<Item = &Sym> {
        let start = self.by_name.partition_point(|e| self.name_of(*e) < name);
        self.by_name[start..].iter().take_while(move |e| self.name_of(**e) == name).map(|e| &self.syms[e.0 as usize])
    }

    pub fn len(&self) -> usize {
        self.syms.len()
    }

    /// The symbol containing `address`, else the nearest one before it.
    pub fn symbol_at(&self, address: u64) -> Option<Symbol> {
        let end = self.syms.partition_point(|s| s.address <= address);
        if end == 0 {
            return None;
        }
        // Walk back a little, group by group (one address each), for a symbol that contains the address: a sized
        // symbol may be preceded by unsized labels inside it.
        let mut group_end = end;
        let mut scanned = 0;
        while group_end > 0 && scanned < 64 {
            let at = self.syms[group_end - 1].address;
            let group_start = self.syms[..group_end].partition_point(|s| s.address < at);
            if let Some(s) = self.syms[group_start..group_end].iter().find(|s| s.contains(address)) {
                return Some(s.to_symbol());
            }
            scanned += group_end - group_start;
            group_end = group_start;
        }
        // The nearest one before, if it has no size (a label, a PE export): a sized symbol that ends before the
        // address is not where it is. In a stripped program that makes an address show as `module+0xoff` rather
        // than as a far offset from the last exported function or PLT stub.
        let at = self.syms[end - 1].address;
        let group_start = self.syms[..end].partition_point(|s| s.address < at);
        self.syms[group_start..end].iter().find(|s| s.size == 0).map(Sym::to_symbol)
    }

    /// The best-named symbol at the lowest address above `address`.
    pub fn symbol_after(&self, address: u64) -> Option<Symbol> {
        let i = self.syms.partition_point(|s| s.address <= address);
        self.syms.get(i).map(Sym::to_symbol)
    }

    pub fn lookup(&self, name: &str) -> Vec<u64> {
        let name = name.trim();
        let mut hits: Vec<&Sym> = self.named(name).collect();
        if hits.is_empty() {
            // No exact match: try case-insensitively, as WinDbg does.
            hits = self.syms.iter().filter(|s| s.names().any(|n| n.eq_ignore_ascii_case(name))).collect();
        }
        let any_func = hits.iter().any(|s| s.func);
        let mut out: Vec<u64> = hits.iter().filter(|s| s.func || !any_func).map(|s| s.address).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn matching(&self, pattern: &str) -> Vec<Symbol> {
        let pattern: Vec<char> = pattern.trim().chars().flat_map(char::to_lowercase).collect();
        let mut out: Vec<Symbol> = Vec::new();
        let mut buf = Vec::new();
        for s in &self.syms {
            let hit = s.names().any(|n| {
                buf.clear();
                buf.extend(n.chars().flat_map(char::to_lowercase));
                crate::wildcard::matches_chars(&pattern, &buf)
            });
            if hit && !out.iter().rev().take_while(|o| o.address == s.address).any(|o| o.name == s.name()) {
                out.push(s.to_symbol());
            }
        }
        out
    }

    pub fn all(&self) -> Vec<Symbol> {
        let mut out: Vec<Symbol> = Vec::with_capacity(self.syms.len());
        for s in &self.syms {
            if !out.iter().rev().take_while(|o| o.address == s.address).any(|o| o.name == s.name()) {
                out.push(s.to_symbol());
            }
        }
        out
    }
}

/// The display name of a linkage name, and the other name it answers to.
pub(super) fn demangle(raw: &str) -> (String, Option<String>) {
    if (raw.starts_with("_R") || (raw.starts_with("_ZN") && is_rust_legacy(raw)))
        && let Ok(d) = rustc_demangle::try_demangle(raw)
    {
        let short = format!("{d:#}");
        let full = format!("{d}");
        let alt = (full != short).then_some(full);
        return (short, alt);
    }
    let mangled = constructor_template_return_slot(raw);
    if raw.starts_with("_Z")
        && let Ok(sym) = cpp_demangle::Symbol::new(mangled.as_deref().unwrap_or(raw).as_bytes())
        && let Ok(full) = sym.demangle()
    {
        // A `[clone .cold]` fragment is the unlikely part of a function, split off and placed elsewhere (before it,
        // often): no entry of it. It does not answer to the function's short name, which is the entry's, so that
        // `bp Class::method` goes where the function starts; its full name still finds it.
        let alt = strip_parameters(&full).filter(|s| !s.is_empty() && *s != full && !is_cold_fragment(&full));
        return (full, alt);
    }
    (raw.to_string(), None)
}

/// cpp_demangle 0.5.1 (the latest) reads a constructor template as any function template, whose first encoded
/// type is its return type; a constructor's encoding has none, so its first parameter was taken for one and
/// dropped: `_ZN4PairC1IRidEEOT_OT0_` read as `Pair::Pair<int&, double>(double&&)` for `(int&, double&&)`
/// (gimli-rs/cpp_demangle#129). For such a name, the mangled name with a `v` (void) in the return type's place,
/// right after the name, which it then reads in full; `None` for every other name.
fn constructor_template_return_slot(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    // Cheap tests first: a nested name holding a constructor (`C1`..`C5`) with template arguments (`I`).
    if !raw.starts_with("_ZN")
        || !bytes.windows(3).any(|w| w[0] == b'C' && (b'1'..=b'5').contains(&w[1]) && w[2] == b'I')
    {
        return None;
    }
    // Where the name ends: the shortest prefix ending in `E` that is a whole mangled name (the nested name's own
    // closing `E`: no shorter prefix closes it).
    let end = (4..=bytes.len())
        .filter(|&k| bytes[k - 1] == b'E')
        .find(|&k| cpp_demangle::Symbol::new(&bytes[..k]).is_ok())?;
    let (name, parameters) = raw.split_at(end);
    // The constructor's template arguments end the name (`C1I…EE`), and parameters follow.
    let constructor = name.strip_suffix("EE").is_some_and(|n| {
        n.as_bytes().windows(3).any(|w| w[0] == b'C' && (b'1'..=b'5').contains(&w[1]) && w[2] == b'I')
    });
    (constructor && !parameters.is_empty() && !parameters.starts_with('.')).then(|| format!("{name}v{parameters}"))
}

/// Whether a demangled name is a function's cold fragment: `f(int) [clone .cold]` (`.cold.1` where there are more).
fn is_cold_fragment(full: &str) -> bool {
    full.trim_end()
        .strip_suffix(']')
        .and_then(|s| s.rsplit_once(" [clone "))
        .is_some_and(|(_, clone)| clone.split('.').any(|part| part == "cold"))
}

/// Whether a `_ZN…E` name is Rust's legacy mangling: its last path element is the hash `17h<16 hex digits>`, and
/// only a suffix such as `.llvm.1234` may follow it. The suffix is found after the hash, not at the first dot: a
/// path such as `_$LT$std..rt..Foo$GT$` holds dots of its own (cutting there took such names for C++, which
/// cpp_demangle half-demangled into `_$LT$std..rt..`).
fn is_rust_legacy(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    raw.match_indices("17h").any(|(at, _)| {
        let end = at + 19;
        end < bytes.len()
            && bytes[at + 3..end].iter().all(u8::is_ascii_hexdigit)
            && bytes[end] == b'E'
            && (end + 1 == bytes.len() || bytes[end + 1] == b'.')
    })
}

/// `ns::func(int) const` → `ns::func`; `int add<int>(int, int)` → `add<int>`.
pub(super) fn strip_parameters(full: &str) -> Option<String> {
    let mut s = full.trim_end();
    // Clone suffixes and trailing qualifiers.
    loop {
        let before = s;
        if s.ends_with(']')
            && let Some(i) = s.rfind(" [clone")
        {
            s = s[..i].trim_end();
        }
        for q in [" const", " volatile", " &&", " &", " noexcept"] {
            if let Some(rest) = s.strip_suffix(q) {
                s = rest.trim_end();
            }
        }
        if s == before {
            break;
        }
    }
    if !s.ends_with(')') {
        return None;
    }
    // The '(' that opens the last parenthesised group.
    let bytes = s.as_bytes();
    let mut depth = 0i32;
    let mut open = None;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let mut name = s[..open?].trim_end();
    // A template function's name carries its return type: drop what precedes the last top-level space.
    if name.ends_with('>') && !name.contains("operator") {
        let mut depth = 0i32;
        let mut cut = None;
        for (i, c) in name.char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' => depth -= 1,
                ' ' if depth == 0 => cut = Some(i),
                _ => {}
            }
        }
        if let Some(i) = cut {
            name = &name[i + 1..];
        }
    }
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        let p: Vec<char> = p.chars().collect();
        let t: Vec<char> = t.chars().collect();
        crate::wildcard::matches_chars(&p, &t)
    }

    #[test]
    fn wildcards() {
        assert!(m("ma*", "main"));
        assert!(m("*", ""));
        assert!(m("m?in", "main"));
        assert!(!m("m?in", "mian"));
        assert!(m("*put*", "_io_puts"));
        assert!(!m("ma", "main"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
    }

    #[test]
    fn demangles_rust_and_cpp() {
        let (name, alt) = demangle("_ZN4demo4main17h0123456789abcdefE");
        assert_eq!(name, "demo::main");
        assert_eq!(alt.as_deref(), Some("demo::main::h0123456789abcdef"));
        // A legacy path with `$LT$`, `..` and `$u20$` in it, and one with a suffix after its hash.
        let (name, _) =
            demangle("_ZN54_$LT$rust_demo..Square$u20$as$u20$rust_demo..Shape$GT$5sides17h234195e742dd85c9E");
        assert_eq!(name, "<rust_demo::Square as rust_demo::Shape>::sides");
        let (name, _) = demangle("_ZN4demo4main17h0123456789abcdefE.llvm.42");
        assert_eq!(name, "demo::main");
        // A constructor template keeps its first parameter (cpp_demangle alone drops it), and an ordinary
        // function template its return type.
        assert_eq!(demangle("_ZN4PairC1IRidEEOT_OT0_").0, "Pair::Pair<int&, double>(int&, double&&)");
        assert_eq!(demangle("_ZN3FooC2IiEET_").0, "Foo::Foo<int>(int)");
        assert_eq!(demangle("_ZN3FooC2IJEEEv").0, "Foo::Foo<>()");
        assert_eq!(demangle("_ZN1A1fIiEEvT_").0, "void A::f<int>(int)");
        assert_eq!(demangle("_ZN4PairC2ERKS_").0, "Pair::Pair(Pair const&)");
        let (name, alt) = demangle("_ZN2ns4funcEi");
        assert_eq!(name, "ns::func(int)");
        assert_eq!(alt.as_deref(), Some("ns::func"));
        // A cold fragment answers only to its full name, not to the function's short one.
        let (name, alt) = demangle("_ZN2ns4funcEi.cold");
        assert_eq!((name.as_str(), alt), ("ns::func(int) [clone .cold]", None));
        assert_eq!(demangle("_ZN2ns4funcEi.constprop.0").1.as_deref(), Some("ns::func"));
        let (name, alt) = demangle("main");
        assert_eq!((name.as_str(), alt), ("main", None));
    }

    #[test]
    fn strips_parameter_lists() {
        assert_eq!(strip_parameters("ns::C::get(int) const").as_deref(), Some("ns::C::get"));
        assert_eq!(strip_parameters("(anonymous namespace)::f(int)").as_deref(), Some("(anonymous namespace)::f"));
        assert_eq!(strip_parameters("int add<int>(int, int)").as_deref(), Some("add<int>"));
        assert_eq!(strip_parameters("ns::f(int) [clone .cold]").as_deref(), Some("ns::f"));
        assert_eq!(strip_parameters("S::operator()(int)").as_deref(), Some("S::operator()"));
        assert_eq!(strip_parameters("vtable for S"), None);
    }

    #[test]
    fn symbol_at_prefers_containing_and_best_named() {
        let t = SymbolTable::new(vec![
            RawSym { raw: "_IO_puts".into(), address: 0x1000, size: 0x40, func: true, global: true },
            RawSym { raw: "puts".into(), address: 0x1000, size: 0x40, func: true, global: true },
            RawSym { raw: "label".into(), address: 0x1010, size: 0, func: true, global: false },
            RawSym { raw: "next".into(), address: 0x1100, size: 0x10, func: true, global: true },
            RawSym { raw: "datum".into(), address: 0x2000, size: 8, func: false, global: true },
        ]);
        assert_eq!(t.symbol_at(0x1000).unwrap().name, "puts");
        assert_eq!(t.symbol_at(0x1020).unwrap().name, "puts", "the sized symbol that contains it");
        assert_eq!(t.symbol_at(0x1080).unwrap().name, "label", "else the nearest before");
        assert_eq!(t.symbol_at(0xfff), None);
        assert_eq!(t.symbol_after(0x1000).unwrap().name, "label");
        assert_eq!(t.lookup("_IO_puts"), vec![0x1000]);
        assert_eq!(t.lookup("PUTS"), vec![0x1000]);
        assert_eq!(t.lookup("datum"), vec![0x2000]);
        let names: Vec<String> = t.matching("*PUT*").into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["puts", "_IO_puts"]);
    }
}
