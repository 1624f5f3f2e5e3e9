//! C++ exceptions (`sx eh`) thrown through `__cxa_throw` (libstdc++ and libc++abi: every C++ program on Linux, and
//! mingw's on Windows), which raise nothing the OS reports. While the `eh` filter shows or stops on them, the
//! engine keeps an internal breakpoint on the runtime's `__cxa_throw` and reports each hit as the exception MSVC's
//! runtime raises on Windows (e06d7363, which arrives as an ordinary exception event and needs none of this), at
//! the throw site: the return address of the call. The stop is the engine's own breakpoint, so `g`, `gh` and `gn`
//! all continue it handled: the throw goes on either way.

use super::filters::{Action, EventCode};
use super::{Internal, Notice, Session, StopReason};
use crate::error::Result;
use crate::target::{Exception, ExceptionKind, Tid};

/// The code MSVC's runtime raises a C++ exception with (`0xe0000000 | 'msc'`), which WinDbg's `eh` filter is for.
pub const CXX_EXCEPTION: u32 = 0xe06d_7363;

/// The C++ runtimes' files (by the start of their name, any case), where `__cxa_throw` is looked up: no other
/// module's symbols are read for it, so a program's modules stay unread until a command needs them. A program that
/// links its C++ runtime statically has no throw watch.
const RUNTIMES: [&str; 2] = ["libstdc++", "libc++"];

impl Session {
    /// Where a module just loaded throws C++ exceptions, if it is a C++ runtime.
    pub(super) fn find_throw_sites(&mut self, base: u64) {
        let Some(module) = self.modules.iter().find(|m| m.base == base) else { return };
        let file = module.path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if !RUNTIMES.iter().any(|r| file.starts_with(r)) {
            return;
        }
        let sites = module.symbols().map(|s| s.lookup("__cxa_throw")).unwrap_or_default();
        self.throw_sites.extend(sites);
    }

    /// The throw watch in or out, as the `eh` filter now says (it may have changed since the last run).
    pub(super) fn sync_throw_watch(&mut self) {
        self.image.internal.retain(|i| !matches!(i, Internal::CxxThrow(_)));
        if self.filters.action(EventCode::CxxException) != Action::Ignore {
            self.image.internal.extend(self.throw_sites.iter().map(|&a| Internal::CxxThrow(a)));
        }
    }

    /// `tid` entered `__cxa_throw` (its stack pointer `sp` on the return address): a C++ exception, first chance,
    /// put through the `eh` filter. The thrown object, its type and its destructor are the record's parameters.
    pub(super) fn cxx_thrown(&mut self, tid: Tid, sp: u64) -> Result<Option<StopReason>> {
        let regs = self.registers(tid)?;
        let mut bytes = [0u8; 8];
        let site = match self.read_memory(sp, &mut bytes) {
            Ok(8) => u64::from_le_bytes(bytes),
            _ => regs.rip,
        };
        let kind = ExceptionKind::Other { code: CXX_EXCEPTION, parameters: vec![regs.rdi, regs.rsi, regs.rdx] };
        let exception = Exception { kind, address: site, first_chance: true };
        self.last_exception = Some(exception.clone());
        Ok(match self.filters.action(EventCode::CxxException) {
            Action::Break => Some(StopReason::Exception(exception)),
            Action::Output | Action::SecondChance => {
                self.notify(Notice::Exception { pid: self.pid, tid, exception });
                None
            }
            Action::Ignore => None,
        })
    }

    /// Whether `tid` stopped on the throw watch (the exception it shows is the engine's report, not an event).
    pub(super) fn on_throw_watch(&mut self, tid: Tid) -> bool {
        let Ok(rip) = self.registers(tid).map(|r| r.rip) else { return false };
        self.image.internal.contains(&Internal::CxxThrow(rip))
    }
}

impl Session {
    /// The C++ type of the exception `exception` thrown through `__cxa_throw`, where the symbols say: its second
    /// parameter is the thrown type's `std::type_info`, whose symbol is `typeinfo for <type>`. `None` for any other
    /// exception (MSVC's records carry no `type_info` there) or a `type_info` without a symbol.
    pub fn cxx_exception_type(&self, exception: &Exception) -> Option<String> {
        let ExceptionKind::Other { code: CXX_EXCEPTION, parameters } = &exception.kind else { return None };
        let type_info = *parameters.get(1)?;
        // Only what cxx_thrown recorded from `__cxa_throw`'s registers: three parameters, a type_info at [1].
        if parameters.len() != 3 || type_info == 0 {
            return None;
        }
        let (_, symbol) = self.modules.symbol_at(type_info)?;
        let symbol = symbol.filter(|s| s.address == type_info)?;
        symbol.name.strip_prefix("typeinfo for ").map(str::to_string)
    }
}
