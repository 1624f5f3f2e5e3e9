//! Where a breakpoint goes, and getting it there in one step. A [`Spec`] is checked and resolved first (its
//! condition, its location now or allowed to wait, code that is executable, an indirect function's implementation,
//! what its kind needs: `watch.rs`), with nothing changed; only then does it enter the table, at once. So an add
//! that fails leaves the table and the debuggee exactly as they were. Deferred breakpoints are resolved here too,
//! as modules load. Front ends' own rules (WinDbg's "one breakpoint per address") are not decided here: a front
//! end states them through [`Session::add_breakpoint_replacing`].

use super::breakpoints::{Breakpoint, Breakpoints, HwAccess, Kind, Location, Site, Spec};
use super::{Notice, Session, Symbolic};
use crate::error::{Error, Result};
use crate::target::Tid;

/// Where int3s go for a location, and the indirect functions redirected on the way: (resolver, implementation).
struct CodeSites {
    sites: Vec<Site>,
    redirected: Vec<(u64, u64)>,
}

/// A breakpoint checked and resolved, not yet in the table.
struct Prepared {
    spec: Spec,
    sites: Vec<Site>,
    /// Indirect functions whose breakpoint goes on the implementation: (resolver, implementation).
    redirected: Vec<(u64, u64)>,
}

impl Session {
    /// Every front end's breakpoints, each with its owner.
    pub fn breakpoints(&self) -> &Breakpoints {
        &self.breakpoints
    }

    /// Add a breakpoint; `tid` is the thread an expression location is evaluated on. Everything is checked before
    /// anything changes: on an error the table and the debuggee are as they were.
    pub fn add_breakpoint(&mut self, tid: Tid, spec: Spec) -> Result<u32> {
        self.add_breakpoint_replacing(tid, spec, |_, _| Vec::new())
    }

    /// Add a breakpoint that takes the place of some of its owner's: `replaced` is given the table and the
    /// addresses the new breakpoint resolved to (none for one that waits for its module), and names the breakpoints
    /// it replaces; they are removed and the new one added under the first one's id, their hits kept, in this one
    /// call.
    ///
    /// Why one call rather than resolve, remove, add: a front end's rule may depend on where the breakpoint
    /// resolves (WinDbg's `bp` twice at one address is one breakpoint), and removing first would lose the old
    /// breakpoint when the new one fails its checks. Here the new one is checked and resolved before anything
    /// is removed, nothing can run in between, and should arming it fail (a debug register the kernel refuses)
    /// the replaced breakpoints are put back. Only breakpoints of the new one's owner can be replaced.
    pub fn add_breakpoint_replacing(
        &mut self,
        tid: Tid,
        spec: Spec,
        replaced: impl FnOnce(&Breakpoints, &[u64]) -> Vec<u32>,
    ) -> Result<u32> {
        // A breakpoint in a dump would never be hit: refused as every change of one is.
        self.check_can_change()?;
        let prepared = self.prepare(tid, spec)?;
        let addresses: Vec<u64> = prepared.sites.iter().map(|s| s.address).collect();
        let replaced = replaced(&self.breakpoints, &addresses);
        for id in &replaced {
            let b = self.breakpoints.get(*id).ok_or_else(|| crate::err!("no breakpoint {id}"))?;
            if b.spec.owner != prepared.spec.owner {
                return Err(crate::err!("breakpoint {id} is {}'s: only its owner replaces it", b.spec.owner));
            }
        }
        if let Kind::Hardware { .. } = prepared.spec.kind {
            self.check_hardware_slots(prepared.sites.len().max(1), &replaced)?;
        }
        self.commit(prepared, &replaced)
    }

    /// Check `spec` and resolve it, changing nothing.
    fn prepare(&mut self, tid: Tid, mut spec: Spec) -> Result<Prepared> {
        let addresses = self.resolve_kind(tid, spec.kind, &spec.location);
        if let Some(c) = &spec.condition {
            let sites = addresses.as_deref().unwrap_or(&[]);
            // A WinDbg condition is C++ or MASM by what it names there; one not placed yet is settled at its hit.
            let settled = if sites.is_empty() { c.clone() } else { self.settle_language(c, sites) };
            // Symbols are taken on trust for a location that does not resolve yet (`bu` on a module to come).
            self.check_condition_at(&settled, addresses.is_ok(), sites)
                .map_err(|e| crate::err!("Bad condition: {e}"))?;
            spec.condition = Some(settled);
        }
        let (sites, redirected) = match spec.kind {
            Kind::Software => {
                let code = self.code_sites(waiting(addresses, spec.deferred)?)?;
                (code.sites, code.redirected)
            }
            Kind::Hardware { access, size } => {
                let addresses = self.check_hardware(access, size, addresses, spec.deferred)?;
                (addresses.into_iter().map(|a| self.watch_site(a, access, size)).collect(), Vec::new())
            }
            Kind::Memory { size, .. } => {
                let addresses = self.check_memory(size, addresses, spec.deferred)?;
                (addresses.into_iter().map(Site::new).collect(), Vec::new())
            }
        };
        if let Some(t) = spec.thread
            && !self.threads.iter().any(|e| e.tid == t)
        {
            return Err(Error::NoSuchThread(t));
        }
        Ok(Prepared { spec, sites, redirected })
    }

    /// Put a prepared breakpoint into the table in place of `replaced`, and into the debuggee now where its kind
    /// must be (debug registers, guard pages: an int3 goes in at the next resume).
    fn commit(&mut self, prepared: Prepared, replaced: &[u32]) -> Result<u32> {
        let removed: Vec<Breakpoint> = replaced.iter().filter_map(|id| self.breakpoints.remove(*id)).collect();
        let Prepared { spec, sites, redirected } = prepared;
        let kind = spec.kind;
        let addresses: Vec<u64> = sites.iter().map(|s| s.address).collect();
        let id = self.breakpoints.insert_replacing(spec, sites, &removed);
        if let Err(e) = self.arm_new(id, kind) {
            self.breakpoints.remove(id);
            for b in removed {
                self.breakpoints.restore(b);
            }
            self.sync_now();
            return Err(e);
        }
        for (function, implementation) in redirected {
            self.note_redirection(id, function, implementation);
        }
        if !addresses.is_empty() {
            self.notify(Notice::BreakpointResolved { id, addresses });
        }
        if !removed.is_empty() {
            self.sync_now();
        }
        Ok(id)
    }

    /// The addresses a breakpoint of `kind` at `location` goes on. A code breakpoint on a name that several
    /// functions answer to (C++ overloads, static functions of one name in several files) goes on each, as gdb sets
    /// a location in each; a data breakpoint watches the one address its expression gives.
    fn resolve_kind(&mut self, tid: Tid, kind: Kind, location: &Location) -> Result<Vec<u64>> {
        if kind == Kind::Software
            && let Location::Expr(e) = location
            && let Some(name) = lone_symbol(e)
        {
            let all = self.modules.resolve_all(name);
            if all.len() > 1 {
                return Ok(all);
            }
        }
        self.resolve(tid, location)
    }

    /// The addresses a breakpoint location stands for: an expression's value (evaluated on thread `tid`), or
    /// where a source line's code begins, in every place the compiler put it (each function it was inlined into,
    /// each template instance: gdb's "N locations"), in the first module that has the line.
    pub fn resolve(&mut self, tid: Tid, location: &Location) -> Result<Vec<u64>> {
        match location {
            Location::Expr(e) => Ok(vec![self.evaluate(tid, e)?]),
            Location::Line { module, file, line } => {
                let symbols = || {
                    let named = |m: &&super::modules::Module| module.as_deref().is_none_or(|name| m.answers_to(name));
                    self.modules.iter().filter(named).filter_map(|m| m.symbols())
                };
                let found = symbols().map(|s| s.line_addresses(file, *line)).find(|addresses| !addresses.is_empty());
                found.ok_or_else(|| match symbols().any(|s| s.has_source_file(file)) {
                    true => crate::err!("Couldn't resolve error at '{file}:{line}': no code for that line"),
                    false => crate::err!(
                        "Couldn't resolve error at '{file}:{line}': no source file '{file}' in {}'s line information",
                        module.as_deref().unwrap_or("any module")
                    ),
                })
            }
        }
    }

    /// `bl` names the implementation of an indirect function, not the function the user gave: say why.
    fn note_redirection(&mut self, id: u32, function: u64, implementation: u64) {
        let symbolic = |s: &Session, address| Symbolic { address, symbol: s.modules.describe(address) };
        let notice = Notice::IndirectFunction {
            id,
            function: symbolic(self, function),
            implementation: symbolic(self, implementation),
        };
        self.notify(notice);
    }

    /// The implementation of the indirect function whose resolver is at `address`, read from the GOT slot the
    /// loader writes it to; `None` for any other address, or before the module is relocated. A breakpoint on the
    /// resolver would stop once, when the loader runs it; gdb puts it on the implementation too.
    fn ifunc_implementation(&mut self, address: u64) -> Option<u64> {
        let module = self.modules.at(address)?;
        let (start, end) = (module.base, module.end());
        let slot = module.symbols()?.ifunc_slot(address)?;
        let mut bytes = [0u8; 8];
        if self.read_memory(slot, &mut bytes).ok()? != 8 {
            return None;
        }
        let implementation = u64::from_le_bytes(bytes);
        // Before relocation the slot holds no address of a function: only the start of one in the module counts.
        let starts_function = self
            .modules
            .at(implementation)
            .and_then(|m| m.symbols())
            .and_then(|s| s.symbol_at(implementation))
            .is_some_and(|s| s.address == implementation);
        (implementation != address && (start..end).contains(&implementation) && starts_function)
            .then_some(implementation)
    }

    /// An int3 belongs in code: refuse an address that is unmapped or in data, where the patch would corrupt a
    /// value instead of stopping anything.
    fn check_code_address(&mut self, address: u64) -> Result<()> {
        let Ok(regions) = self.target().and_then(|t| t.memory_regions()) else { return Ok(()) };
        if regions.is_empty() {
            return Ok(());
        }
        match regions.iter().find(|r| address >= r.start && address < r.end && !r.reserved) {
            None => Err(Error::MemoryAccess(address)),
            Some(r) if !r.executable => Err(crate::err!(
                "{} is not in executable memory ({}): a breakpoint there would corrupt data",
                self.describe(address),
                r.name.as_deref().unwrap_or("anonymous mapping")
            )),
            Some(_) => Ok(()),
        }
    }

    /// Resolve the breakpoints waiting for their module (after a module load). A software breakpoint whose location
    /// is not code keeps waiting, with a notice; all of a breakpoint's sites go in or none.
    pub(super) fn resolve_pending_breakpoints(&mut self) {
        for id in self.breakpoints.unresolved() {
            let Some(b) = self.breakpoints.get(id) else { continue };
            let (kind, location) = (b.spec.kind, b.spec.location.clone());
            let Ok(addresses) = self.resolve_kind(self.event_tid, kind, &location) else { continue };
            let sites = match kind {
                Kind::Software => match self.code_sites(addresses) {
                    Ok(code) => {
                        for (function, implementation) in code.redirected {
                            self.note_redirection(id, function, implementation);
                        }
                        code.sites
                    }
                    Err(error) => {
                        self.notify(Notice::BreakpointStaysUnresolved { id, error });
                        continue;
                    }
                },
                // `ba` and `bpm` watch data: no address is refused.
                Kind::Hardware { access, size } => {
                    addresses.into_iter().map(|a| self.watch_site(a, access, size)).collect()
                }
                Kind::Memory { .. } => addresses.into_iter().map(Site::new).collect(),
            };
            let addresses: Vec<u64> = sites.iter().map(|s| s.address).collect();
            self.breakpoints.resolve(id, sites);
            self.notify(Notice::BreakpointResolved { id, addresses });
        }
    }

    /// The int3 sites for `addresses`: an indirect function's go on the implementation the loader chose (said by
    /// the caller, once the breakpoint is in), and every one must be code, or none is taken.
    fn code_sites(&mut self, addresses: Vec<u64>) -> Result<CodeSites> {
        let mut code = CodeSites { sites: Vec::with_capacity(addresses.len()), redirected: Vec::new() };
        for address in addresses {
            let at = match self.ifunc_implementation(address) {
                Some(implementation) => {
                    code.redirected.push((address, implementation));
                    implementation
                }
                None => address,
            };
            self.check_code_address(at)?;
            code.sites.push(Site::new(at));
        }
        Ok(code)
    }

    /// A hardware breakpoint's site at `address`, with the value a data breakpoint watches there as it is now.
    fn watch_site(&mut self, address: u64, access: HwAccess, size: u8) -> Site {
        let value = match access {
            HwAccess::Execute => None,
            _ => self.watched_value(address, size),
        };
        Site { value, ..Site::new(address) }
    }
}

/// The symbol an expression names alone, `module!name`, `name` or `@!"module!name"`, that may stand for several
/// functions; `None` for an expression that computes (an operator, a number, a register).
fn lone_symbol(text: &str) -> Option<&str> {
    let text = text.trim();
    if let Some(quoted) = text.strip_prefix("@!\"").and_then(|t| t.strip_suffix('"')) {
        return (!quoted.contains('"')).then_some(quoted);
    }
    let computes = |c: char| c.is_whitespace() || "+-*/%()[]^|=\"'".contains(c);
    // A module may be written as its file's name, operators and all (`libstdc++.so.6!__cxa_throw`).
    let name = text.split_once('!').filter(|(m, _)| m.chars().all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c)));
    let symbol = name.map_or(text, |(_, symbol)| symbol);
    (!text.is_empty() && !symbol.is_empty() && !symbol.contains(computes)).then_some(text)
}

/// The addresses of a location that must resolve now, or may wait for its module (`deferred`): none then.
pub(super) fn waiting(addresses: Result<Vec<u64>>, deferred: bool) -> Result<Vec<u64>> {
    match addresses {
        Err(_) if deferred => Ok(Vec::new()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::lone_symbol;

    #[test]
    fn a_lone_symbol_is_a_name_and_nothing_else() {
        assert_eq!(lone_symbol(" prog!twice "), Some("prog!twice"));
        assert_eq!(lone_symbol("hello!puts@plt"), Some("hello!puts@plt"));
        assert_eq!(lone_symbol("libstdc++.so.6!__cxa_throw"), Some("libstdc++.so.6!__cxa_throw"));
        assert_eq!(lone_symbol("prog!"), None);
        assert_eq!(lone_symbol(r#"@!"cxx!Dog::speak() const""#), Some("cxx!Dog::speak() const"));
        for computed in ["prog!twice+4", "poi(@rsp)", "0x401000 + 1", r#"@!"a"+4"#, ""] {
            assert_eq!(lone_symbol(computed), None, "{computed}");
        }
    }
}
