//! Unwinding one frame with DWARF call-frame information (`.eh_frame`, `.debug_frame`).
//!
//! Everything is looked up in file (link-time) addresses: the `BaseAddresses` are the sections' file addresses,
//! the pc is translated by the load bias before the lookup. Register values and memory are the debuggee's.

use gimli::{
    BaseAddresses, CfaRule, CieOrFde, DebugFrame, EhFrame, EhFrameHdr, EhFrameOffset, EhHdrTable,
    FrameDescriptionEntry, ParsedEhFrameHdr, Register, RegisterRule, UnwindContext, UnwindExpression, UnwindSection,
    UnwindTableRow,
};

use super::expression::{self, ExpressionFrame};
use super::file::{Reader, SectionData};
use crate::memory::ReadMemory;
use crate::regs::Registers;

/// Where a module's CFI lives, noted at load time.
#[derive(Debug, Clone, Default)]
pub(super) struct CfiSections {
    pub eh_frame: Option<SectionData>,
    pub eh_frame_hdr: Option<SectionData>,
    pub debug_frame: Option<SectionData>,
    pub text: Option<u64>,
    pub got: Option<u64>,
}

impl CfiSections {
    /// Whether the module has any call-frame information.
    pub fn any(&self) -> bool {
        self.eh_frame.is_some() || self.debug_frame.is_some()
    }
}

/// One CFI section with an index of its FDEs, sorted by start address: (start, end, offset of the FDE).
struct Indexed<S> {
    section: S,
    bases: BaseAddresses,
    index: Vec<(u64, u64, usize)>,
}

/// The parsed CFI of a module, built on the first unwind through it.
pub(super) struct Cfi {
    eh_frame: Option<Indexed<EhFrame<Reader>>>,
    /// `.eh_frame_hdr`'s binary-search table, when there is one (then `eh_frame`'s index stays empty).
    eh_frame_hdr: Option<ParsedEhFrameHdr<Reader>>,
    debug_frame: Option<Indexed<DebugFrame<Reader>>>,
}

impl<S: UnwindSection<Reader>> Indexed<S> {
    fn new(section: S, bases: BaseAddresses, build_index: bool) -> Self {
        let mut table = Indexed { section, bases, index: Vec::new() };
        if build_index {
            let mut entries = table.section.entries(&table.bases);
            while let Ok(Some(entry)) = entries.next() {
                if let CieOrFde::Fde(partial) = entry
                    && let Ok(fde) = partial.parse(S::cie_from_offset)
                    && fde.len() > 0
                {
                    table.index.push((fde.initial_address(), fde.end_address(), fde.offset()));
                }
            }
            table.index.sort_unstable();
        }
        table
    }

    fn fde(&self, address: u64) -> Option<FrameDescriptionEntry<Reader>> {
        let end = self.index.partition_point(|e| e.0 <= address);
        // FDEs rarely overlap; look at a few before in case one does.
        let (_, _, offset) = self.index[..end].iter().rev().take(4).find(|e| address < e.1)?;
        self.section.fde_from_offset(&self.bases, S::Offset::from(*offset), S::cie_from_offset).ok()
    }
}

impl Cfi {
    pub fn new(data: &'static [u8], s: &CfiSections) -> Cfi {
        let mut bases = BaseAddresses::default();
        if let Some(text) = s.text {
            bases = bases.set_text(text);
        }
        if let Some(got) = s.got {
            bases = bases.set_got(got);
        }
        let mut eh_frame = None;
        let mut eh_frame_hdr = None;
        if let Some(eh) = &s.eh_frame {
            let mut eh_bases = bases.clone().set_eh_frame(eh.address);
            if let Some(hdr) = &s.eh_frame_hdr {
                eh_bases = eh_bases.set_eh_frame_hdr(hdr.address);
                eh_frame_hdr = EhFrameHdr::from(hdr.bytes.reader(data))
                    .parse(&eh_bases, 8)
                    .ok()
                    .filter(|parsed| parsed.table().is_some_and(|table| holds_its_count(&table, &eh_bases)));
            }
            let mut section = EhFrame::from(eh.bytes.reader(data));
            section.set_address_size(8);
            eh_frame = Some(Indexed::new(section, eh_bases, eh_frame_hdr.is_none()));
        }
        let debug_frame = s.debug_frame.as_ref().map(|df| {
            let mut section = DebugFrame::from(df.bytes.reader(data));
            section.set_address_size(8);
            Indexed::new(section, bases.clone(), true)
        });
        Cfi { eh_frame, eh_frame_hdr, debug_frame }
    }

    /// The CFA at file address `address` as a register and an offset (`rsp + 8` at a function's entry), where
    /// the CFI says it is one (not an expression).
    pub fn cfa_rule(&self, address: u64) -> Option<(u16, i64)> {
        let rule = |section: &dyn Fn(&mut UnwindContext<usize>) -> Option<CfaRule<usize>>| {
            let mut ctx: Box<UnwindContext<usize>> = Box::new(UnwindContext::new());
            match section(&mut ctx)? {
                CfaRule::RegisterAndOffset { register, offset } => Some((register.0, offset)),
                CfaRule::Expression(_) => None,
            }
        };
        if let Some(eh) = &self.eh_frame {
            let fde = match &self.eh_frame_hdr {
                Some(hdr) => hdr_fde(hdr, eh, address),
                None => eh.fde(address),
            };
            if let Some(fde) = fde {
                return rule(&|ctx| {
                    Some(fde.unwind_info_for_address(&eh.section, &eh.bases, ctx, address).ok()?.cfa().clone())
                });
            }
        }
        let df = self.debug_frame.as_ref()?;
        let fde = df.fde(address)?;
        rule(&|ctx| Some(fde.unwind_info_for_address(&df.section, &df.bases, ctx, address).ok()?.cfa().clone()))
    }

    /// The caller's registers, or `None` where there is no CFI for the pc (or it cannot be evaluated).
    pub fn unwind(
        &self,
        regs: &Registers,
        first_frame: bool,
        bias: u64,
        mem: &mut dyn ReadMemory,
    ) -> Option<Registers> {
        let pc = if first_frame { regs.rip } else { regs.rip.wrapping_sub(1) };
        let address = pc.wrapping_sub(bias);
        if let Some(eh) = &self.eh_frame {
            let fde = match &self.eh_frame_hdr {
                Some(hdr) => hdr_fde(hdr, eh, address),
                None => eh.fde(address),
            };
            if let Some(fde) = fde
                && let Some(caller) = run(&eh.section, &eh.bases, &fde, address, regs, bias, mem)
            {
                return Some(caller);
            }
        }
        if let Some(df) = &self.debug_frame
            && let Some(fde) = df.fde(address)
        {
            return run(&df.section, &df.bases, &fde, address, regs, bias, mem);
        }
        None
    }

    /// Whether the FDE that covers `pc` (at load bias `bias`, looked up as [`Cfi::unwind`] does) is a signal
    /// trampoline's (augmentation `S`, as glibc's `__restore_rt`): the frame it describes was not called by its
    /// caller but interrupted in it, so the caller's pc is the instruction to resume, not a return address.
    /// Whether an FDE covers file address `address`.
    pub fn covers(&self, address: u64) -> bool {
        if let Some(eh) = &self.eh_frame {
            let fde = match &self.eh_frame_hdr {
                Some(hdr) => hdr_fde(hdr, eh, address),
                None => eh.fde(address),
            };
            if fde.is_some() {
                return true;
            }
        }
        self.debug_frame.as_ref().and_then(|df| df.fde(address)).is_some()
    }

    pub fn is_signal_trampoline(&self, pc: u64, first_frame: bool, bias: u64) -> bool {
        let pc = if first_frame { pc } else { pc.wrapping_sub(1) };
        let address = pc.wrapping_sub(bias);
        let signal = |fde: FrameDescriptionEntry<Reader>| fde.cie().is_signal_trampoline();
        if let Some(eh) = &self.eh_frame {
            let fde = match &self.eh_frame_hdr {
                Some(hdr) => hdr_fde(hdr, eh, address),
                None => eh.fde(address),
            };
            if let Some(fde) = fde {
                return signal(fde);
            }
        }
        self.debug_frame.as_ref().and_then(|df| df.fde(address)).is_some_and(signal)
    }
}

/// Whether an `.eh_frame_hdr` table holds as many entries as its header counts. gimli's binary search trusts the
/// count, and a count larger than the section overflows its arithmetic: such a table is left aside for the
/// module's own index of `.eh_frame`.
fn holds_its_count(table: &EhHdrTable<'_, Reader>, bases: &BaseAddresses) -> bool {
    table.iter(bases).all(|entry| entry.is_ok())
}

/// The FDE for `address` through `.eh_frame_hdr`'s binary search, as gimli's `EhHdrTable::fde_for_address` finds
/// it, but with the FDE's offset checked: a table entry before `.eh_frame` underflows gimli's subtraction.
fn hdr_fde(
    hdr: &ParsedEhFrameHdr<Reader>,
    eh: &Indexed<EhFrame<Reader>>,
    address: u64,
) -> Option<FrameDescriptionEntry<Reader>> {
    let pointer = hdr.table()?.lookup(address, &eh.bases).ok()?.direct().ok()?;
    let offset = pointer.checked_sub(hdr.eh_frame_ptr().direct().ok()?)?;
    let offset = EhFrameOffset(usize::try_from(offset).ok()?);
    let fde = eh.section.fde_from_offset(&eh.bases, offset, EhFrame::cie_from_offset).ok()?;
    fde.contains(address).then_some(fde)
}

fn run<S: UnwindSection<Reader>>(
    section: &S,
    bases: &BaseAddresses,
    fde: &FrameDescriptionEntry<Reader>,
    address: u64,
    regs: &Registers,
    bias: u64,
    mem: &mut dyn ReadMemory,
) -> Option<Registers> {
    let mut ctx: Box<UnwindContext<usize>> = Box::new(UnwindContext::new());
    let row = fde.unwind_info_for_address(section, bases, &mut *ctx, address).ok()?;
    apply_row(row, section, regs, bias, mem)
}

/// DWARF's x86-64 register numbers.
const RA: u16 = 16;
const RSP: u16 = 7;

/// DWARF numbers the general registers 0–15 in its own order; 16 is the return address (rip).
const DWARF_TO_ENCODING: [u8; 16] = [0, 2, 1, 3, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];

pub(crate) fn dwarf_reg(r: &Registers, n: u16) -> Option<u64> {
    match n {
        RA => Some(r.rip),
        _ => r.by_encoding(*DWARF_TO_ENCODING.get(usize::from(n))?),
    }
}

fn set_dwarf_reg(r: &mut Registers, n: u16, v: u64) {
    match n {
        RA => r.rip = v,
        _ => {
            if let Some(&e) = DWARF_TO_ENCODING.get(usize::from(n)) {
                r.set_by_encoding(e, v);
            }
        }
    }
}

/// Apply one row of the CFI table: caller's rsp = CFA, registers by their rules, rip = the return address (0 when
/// the row says the return address is undefined: the outermost frame).
fn apply_row<S: UnwindSection<Reader>>(
    row: &UnwindTableRow<usize>,
    section: &S,
    regs: &Registers,
    bias: u64,
    mem: &mut dyn ReadMemory,
) -> Option<Registers> {
    let cfa = match row.cfa() {
        CfaRule::RegisterAndOffset { register, offset } => dwarf_reg(regs, register.0)?.wrapping_add(*offset as u64),
        CfaRule::Expression(e) => evaluate(e, section, regs, bias, mem, None)?,
    };
    let mut out = *regs;
    out.rsp = cfa;
    let mut return_address = None;
    for n in (0..=RA).filter(|&n| n != RSP) {
        let value = match row.register(Register(n)) {
            // Not mentioned: callee-saved registers keep their value; the return address is undefined.
            None if n == RA => None,
            None => continue,
            Some(RegisterRule::Undefined) => None,
            Some(RegisterRule::SameValue) => dwarf_reg(regs, n),
            Some(RegisterRule::Offset(o)) => Some(mem.read_u64(cfa.wrapping_add(o as u64)).ok()?),
            Some(RegisterRule::ValOffset(o)) => Some(cfa.wrapping_add(o as u64)),
            Some(RegisterRule::Register(r)) => dwarf_reg(regs, r.0),
            Some(RegisterRule::Expression(e)) => {
                let at = evaluate(&e, section, regs, bias, mem, Some(cfa))?;
                Some(mem.read_u64(at).ok()?)
            }
            Some(RegisterRule::ValExpression(e)) => Some(evaluate(&e, section, regs, bias, mem, Some(cfa))?),
            Some(RegisterRule::Constant(c)) => Some(c),
            Some(_) => None,
        };
        if n == RA {
            return_address = value;
        } else if let Some(v) = value {
            set_dwarf_reg(&mut out, n, v);
        }
    }
    out.rip = return_address.unwrap_or(0);
    Some(out)
}

/// Evaluate a CFI expression (`DW_CFA_def_cfa_expression`, `DW_CFA_expression`, `DW_CFA_val_expression`) with
/// the one expression evaluator: registers from `regs`, memory through `mem`; `initial` (the CFA) is pushed first
/// for register rules.
fn evaluate<S: UnwindSection<Reader>>(
    expr: &UnwindExpression<usize>,
    section: &S,
    regs: &Registers,
    bias: u64,
    mem: &mut dyn ReadMemory,
    initial: Option<u64>,
) -> Option<u64> {
    let expr = expr.get(section).ok()?;
    let encoding = gimli::Encoding { format: gimli::Format::Dwarf32, version: 4, address_size: 8 };
    let register = |n: u16| dwarf_reg(regs, n);
    let mut frame = ExpressionFrame {
        register: &register,
        mem,
        bias,
        frame_base: None,
        cfa: None,
        base_type: &|_| None,
        indexed_address: &|_| None,
        entry_value: &|_| None,
    };
    let pieces = expression::evaluate(expr, encoding, &mut frame, initial).ok()?;
    expression::as_address(&pieces, &register)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemorySnapshot;
    use crate::symbols::file::{Bytes, SectionData};

    const EH_FRAME: u64 = 0x2000;
    const EH_FRAME_HDR: u64 = 0x1f00;

    /// CFI whose `.eh_frame_hdr` counts `fde_count` entries (encoded as `fde_count_encoding` says) and holds
    /// `table`, its pointers absolute eight-byte values, over an `.eh_frame` that holds only its terminator.
    fn cfi_with_hdr(fde_count_encoding: u8, fde_count: &[u8], table: &[u8]) -> Cfi {
        const UDATA8: u8 = 0x04;
        let mut file = vec![1, UDATA8, fde_count_encoding, UDATA8];
        file.extend(EH_FRAME.to_le_bytes());
        file.extend(fde_count);
        file.extend(table);
        let hdr_len = file.len();
        file.extend([0u8; 4]);
        let data: &'static [u8] = Box::leak(file.into_boxed_slice());
        let section = |address, range| Some(SectionData { address, bytes: Bytes::Range(range) });
        let sections = CfiSections {
            eh_frame_hdr: section(EH_FRAME_HDR, 0..hdr_len),
            eh_frame: section(EH_FRAME, hdr_len..hdr_len + 4),
            ..CfiSections::default()
        };
        Cfi::new(data, &sections)
    }

    fn unwinds(cfi: &Cfi) -> Option<Registers> {
        let regs = Registers { rip: 0x1000, rsp: 0x7000, ..Registers::default() };
        cfi.unwind(&regs, true, 0, &mut MemorySnapshot::from_words(0x7000, &[0; 4]))
    }

    #[test]
    fn a_hdr_entry_before_eh_frame_finds_no_fde() {
        // One entry: code at 0x1000 described by an FDE at 0x100, before `.eh_frame` (a fuzzed file's; gimli's
        // fde_for_address underflowed on it).
        let mut table = 0x1000u64.to_le_bytes().to_vec();
        table.extend(0x100u64.to_le_bytes());
        assert!(unwinds(&cfi_with_hdr(0x04, &1u64.to_le_bytes(), &table)).is_none());
    }

    #[test]
    fn a_hdr_counting_more_entries_than_it_holds_is_left_aside() {
        // A count of 2^64 - 1 eight-byte rows overflowed gimli's binary search.
        let cfi = cfi_with_hdr(0x04, &u64::MAX.to_le_bytes(), &[0; 32]);
        assert!(cfi.eh_frame_hdr.is_none());
        assert!(unwinds(&cfi).is_none());
    }
}
