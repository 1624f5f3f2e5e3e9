//! Unwinding one frame of a PE32+ image with its x64 exception data: `.pdata` (RUNTIME_FUNCTION entries) and the
//! UNWIND_INFO they point to, interpreted as Windows' `RtlVirtualUnwind` (and Wine's) does; an epilogue the pc is
//! in is emulated instead, and a function without an entry is a leaf whose return address is at `[rsp]`.

use object::LittleEndian as LE;
use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile32, PeFile64};

use crate::memory::ReadMemory;
use crate::regs::Registers;

/// `SizeOfImage` of a PE image (PE32 or PE32+).
pub(super) fn size_of_image(data: &[u8]) -> Option<u64> {
    if let Ok(f) = PeFile64::parse(data) {
        return Some(u64::from(f.nt_headers().optional_header().size_of_image()));
    }
    PeFile32::parse(data).ok().map(|f| u64::from(f.nt_headers().optional_header().size_of_image()))
}

#[derive(Debug, Clone, Copy)]
struct Section {
    rva: u32,
    virtual_size: u32,
    offset: u32,
    raw_size: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RuntimeFunction {
    begin: u32,
    end: u32,
    unwind_info: u32,
}

/// What a PE32+ image says about unwinding.
#[derive(Debug)]
pub(super) struct PeInfo {
    sections: Vec<Section>,
    /// Sorted by `begin`.
    functions: Vec<RuntimeFunction>,
}

const UNW_FLAG_CHAININFO: u8 = 4;

const UWOP_PUSH_NONVOL: u8 = 0;
const UWOP_ALLOC_LARGE: u8 = 1;
const UWOP_ALLOC_SMALL: u8 = 2;
const UWOP_SET_FPREG: u8 = 3;
const UWOP_SAVE_NONVOL: u8 = 4;
const UWOP_SAVE_NONVOL_FAR: u8 = 5;
const UWOP_EPILOG: u8 = 6;
const UWOP_SPARE: u8 = 7;
const UWOP_SAVE_XMM128: u8 = 8;
const UWOP_SAVE_XMM128_FAR: u8 = 9;
const UWOP_PUSH_MACHFRAME: u8 = 10;

impl PeInfo {
    /// `None` for a PE32 image or one without exception data.
    pub fn parse(data: &[u8]) -> Option<PeInfo> {
        let file = PeFile64::parse(data).ok()?;
        let sections: Vec<Section> = file
            .section_table()
            .iter()
            .map(|s| Section {
                rva: s.virtual_address.get(LE),
                virtual_size: s.virtual_size.get(LE),
                offset: s.pointer_to_raw_data.get(LE),
                raw_size: s.size_of_raw_data.get(LE),
            })
            .collect();
        let (rva, size) = file.data_directory(pe::IMAGE_DIRECTORY_ENTRY_EXCEPTION)?.address_range();
        let mut info = PeInfo { sections, functions: Vec::new() };
        let bytes = info.rva_bytes(data, rva)?;
        let bytes = &bytes[..(size as usize).min(bytes.len())];
        info.functions = bytes
            .chunks_exact(12)
            .map(|c| RuntimeFunction { begin: le32(c, 0), end: le32(c, 4), unwind_info: le32(c, 8) })
            .filter(|f| f.end > f.begin)
            .collect();
        info.functions.sort_unstable_by_key(|f| f.begin);
        Some(info)
    }

    /// The file's bytes from `rva` to the end of its section's raw data.
    fn rva_bytes<'a>(&self, data: &'a [u8], rva: u32) -> Option<&'a [u8]> {
        let s = self.sections.iter().find(|s| rva >= s.rva && rva - s.rva < s.virtual_size.max(s.raw_size))?;
        let off = rva - s.rva;
        if off >= s.raw_size {
            return None;
        }
        let offset = s.offset as usize;
        data.get(offset + off as usize..(offset + s.raw_size as usize).min(data.len()))
    }

    fn function(&self, rva: u32) -> Option<RuntimeFunction> {
        let i = self.functions.partition_point(|f| f.begin <= rva);
        let f = *self.functions.get(i.checked_sub(1)?)?;
        (rva < f.end).then_some(f)
    }

    /// The code range `[begin, end)` (RVAs) of the RUNTIME_FUNCTION entry that holds `rva`: a whole function as
    /// compilers that do not split functions (mingw-w64's gcc) emit it, else the part of one that holds `rva`.
    pub fn function_range(&self, rva: u32) -> Option<(u32, u32)> {
        self.function(rva).map(|f| (f.begin, f.end))
    }

    /// The caller's registers. `base` is the image's load address.
    pub fn unwind(
        &self,
        data: &[u8],
        regs: &Registers,
        first_frame: bool,
        base: u64,
        mem: &mut dyn ReadMemory,
    ) -> Option<Registers> {
        let rva = u32::try_from(regs.rip.checked_sub(base)?).ok()?;
        let lookup = if first_frame { rva } else { rva.checked_sub(1)? };
        let function = self.function(lookup);
        if first_frame && let Some(code) = self.rva_bytes(data, rva) {
            let func_range = function.map(|f| (f.begin, f.end));
            if let Some(caller) = emulate_epilogue(code, regs, func_range.map(|_| rva), func_range, mem) {
                return Some(caller);
            }
        }
        let mut ctx = *regs;
        let Some(mut function) = function else {
            // A leaf function: it has no prologue, its return address is at [rsp].
            ctx.rip = mem.read_u64(ctx.rsp).ok()?;
            ctx.rsp = ctx.rsp.wrapping_add(8);
            return Some(ctx);
        };
        let mut prolog_offset = Some(lookup - function.begin);
        let mut machine_frame = false;
        for _ in 0..32 {
            let info = self.rva_bytes(data, function.unwind_info)?;
            let (version, flags) = (info.first()? & 7, info.first()? >> 3);
            if version != 1 && version != 2 {
                return None;
            }
            let prolog_size = *info.get(1)?;
            let count = usize::from(*info.get(2)?);
            let frame_reg = info.get(3)? & 0xf;
            let frame_offset = u64::from(info.get(3)? >> 4) * 16;
            let codes: Vec<(u8, u8, u8)> =
                info.get(4..4 + 2 * count)?.chunks_exact(2).map(|c| (c[0], c[1] & 0xf, c[1] >> 4)).collect();
            let slot =
                |i: usize| -> Option<u16> { Some(u16::from_le_bytes([*info.get(4 + 2 * i)?, *info.get(5 + 2 * i)?])) };

            // Only the prologue instructions already executed are undone.
            let within_prolog = prolog_offset.filter(|&o| o < u32::from(prolog_size));
            let applies = |code_offset: u8| within_prolog.is_none_or(|o| u32::from(code_offset) <= o);
            // The frame base the save offsets count from: the frame register once it is set up, else rsp.
            let fp_set = frame_reg != 0 && codes.iter().any(|&(off, op, _)| op == UWOP_SET_FPREG && applies(off));
            let frame = if fp_set { ctx.by_encoding(frame_reg)?.wrapping_sub(frame_offset) } else { ctx.rsp };

            let mut i = 0;
            while i < count {
                let (code_offset, op, op_info) = codes[i];
                let size = match op {
                    UWOP_ALLOC_LARGE => {
                        if op_info == 0 {
                            2
                        } else {
                            3
                        }
                    }
                    UWOP_SAVE_NONVOL | UWOP_SAVE_XMM128 => 2,
                    UWOP_SAVE_NONVOL_FAR | UWOP_SAVE_XMM128_FAR => 3,
                    UWOP_EPILOG | UWOP_SPARE if version == 1 => 2 + usize::from(op == UWOP_SPARE),
                    _ => 1,
                };
                if applies(code_offset) {
                    match op {
                        UWOP_PUSH_NONVOL => {
                            let v = mem.read_u64(ctx.rsp).ok()?;
                            ctx.set_by_encoding(op_info, v);
                            ctx.rsp = ctx.rsp.wrapping_add(8);
                        }
                        UWOP_ALLOC_LARGE => {
                            let n = if op_info == 0 {
                                u64::from(slot(i + 1)?) * 8
                            } else {
                                u64::from(slot(i + 1)?) | (u64::from(slot(i + 2)?) << 16)
                            };
                            ctx.rsp = ctx.rsp.wrapping_add(n);
                        }
                        UWOP_ALLOC_SMALL => ctx.rsp = ctx.rsp.wrapping_add(u64::from(op_info) * 8 + 8),
                        UWOP_SET_FPREG => ctx.rsp = frame,
                        UWOP_SAVE_NONVOL => {
                            let v = mem.read_u64(frame.wrapping_add(u64::from(slot(i + 1)?) * 8)).ok()?;
                            ctx.set_by_encoding(op_info, v);
                        }
                        UWOP_SAVE_NONVOL_FAR => {
                            let off = u64::from(slot(i + 1)?) | (u64::from(slot(i + 2)?) << 16);
                            let v = mem.read_u64(frame.wrapping_add(off)).ok()?;
                            ctx.set_by_encoding(op_info, v);
                        }
                        UWOP_PUSH_MACHFRAME => {
                            let sp = ctx.rsp.wrapping_add(if op_info != 0 { 8 } else { 0 });
                            ctx.rip = mem.read_u64(sp).ok()?;
                            ctx.rsp = mem.read_u64(sp.wrapping_add(24)).ok()?;
                            machine_frame = true;
                        }
                        // XMM saves: the engine's registers have no XMM. Epilogue descriptions: nothing to undo.
                        _ => {}
                    }
                }
                i += size;
            }
            if flags & UNW_FLAG_CHAININFO == 0 {
                break;
            }
            // The chained RUNTIME_FUNCTION follows the (even-padded) codes; its prologue has fully run.
            let at = 4 + 2 * (count + (count & 1));
            let c = info.get(at..at + 12)?;
            function = RuntimeFunction { begin: le32(c, 0), end: le32(c, 4), unwind_info: le32(c, 8) };
            prolog_offset = None;
        }
        if !machine_frame {
            ctx.rip = mem.read_u64(ctx.rsp).ok()?;
            ctx.rsp = ctx.rsp.wrapping_add(8);
        }
        Some(ctx)
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Where the pc is in an epilogue (`add rsp, n` or `lea rsp, [reg+d]`, `pop`s, then `ret` or a tail `jmp`), run it
/// forward: that is exactly what the CPU is about to do. `rva`/`function` (the function's range) tell a tail jump
/// out of the function from a jump within it.
fn emulate_epilogue(
    code: &[u8],
    regs: &Registers,
    rva: Option<u32>,
    function: Option<(u32, u32)>,
    mem: &mut dyn ReadMemory,
) -> Option<Registers> {
    let at = |i: usize| code.get(i).copied();
    let mut r = *regs;
    let mut i = 0;
    let mut unwound = false;
    // add rsp, imm8 / imm32
    if code.starts_with(&[0x48, 0x83, 0xc4]) {
        r.rsp = r.rsp.wrapping_add(at(3)? as i8 as i64 as u64);
        i = 4;
        unwound = true;
    } else if code.starts_with(&[0x48, 0x81, 0xc4]) {
        r.rsp = r.rsp.wrapping_add(i32::from_le_bytes(code.get(3..7)?.try_into().ok()?) as i64 as u64);
        i = 7;
        unwound = true;
    } else if matches!(at(0), Some(0x48 | 0x49)) && at(1) == Some(0x8d) {
        // lea rsp, [reg + disp8/disp32]
        let modrm = at(2)?;
        let (md, reg, rm) = (modrm >> 6, (modrm >> 3) & 7, modrm & 7);
        if reg != 4 || rm == 4 || !(md == 1 || md == 2) {
            return None;
        }
        let base = r.by_encoding(rm + if at(0) == Some(0x49) { 8 } else { 0 })?;
        let (disp, len) = if md == 1 {
            (at(3)? as i8 as i64, 4)
        } else {
            (i32::from_le_bytes(code.get(3..7)?.try_into().ok()?) as i64, 7)
        };
        r.rsp = base.wrapping_add(disp as u64);
        i = len;
        unwound = true;
    }
    // pop r64
    for _ in 0..16 {
        let (reg, len) = match (at(i), at(i + 1)) {
            (Some(op @ 0x58..=0x5f), _) => (op - 0x58, 1),
            (Some(0x41), Some(op @ 0x58..=0x5f)) => (op - 0x58 + 8, 2),
            _ => break,
        };
        if reg == 4 {
            return None;
        }
        let v = mem.read_u64(r.rsp).ok()?;
        r.set_by_encoding(reg, v);
        r.rsp = r.rsp.wrapping_add(8);
        i += len;
        unwound = true;
    }
    let extra = match (at(i), at(i + 1)) {
        (Some(0xc3), _) | (Some(0xf3), Some(0xc3)) => 0,
        (Some(0xc2), _) => u64::from(u16::from_le_bytes([at(i + 1)?, at(i + 2)?])),
        // A tail call: an indirect jmp through memory, or a direct jmp leaving the function.
        (Some(0xff), Some(0x25)) | (Some(0x48), Some(0xff)) if unwound => 0,
        (Some(0xe9), _) if unwound => {
            let (rva, (begin, end)) = (rva?, function?);
            let rel = i32::from_le_bytes(code.get(i + 1..i + 5)?.try_into().ok()?);
            let target = i64::from(rva) + i as i64 + 5 + i64::from(rel);
            if target >= i64::from(begin) && target < i64::from(end) {
                return None;
            }
            0
        }
        _ => return None,
    };
    r.rip = mem.read_u64(r.rsp).ok()?;
    r.rsp = r.rsp.wrapping_add(8 + extra);
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemorySnapshot;

    /// A minimal PE32+ image: headers, one section `.text` at RVA 0x1000 holding code, `.pdata` and the
    /// UNWIND_INFO, with the exception directory pointing at the `.pdata` part.
    fn image(code: &[u8], unwind_info: &[u8], func: (u32, u32)) -> Vec<u8> {
        let mut f = vec![0u8; 0x400];
        f[0..2].copy_from_slice(b"MZ");
        f[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        let nt = 0x80;
        f[nt..nt + 4].copy_from_slice(b"PE\0\0");
        let coff = nt + 4;
        f[coff..coff + 2].copy_from_slice(&0x8664u16.to_le_bytes());
        f[coff + 2..coff + 4].copy_from_slice(&1u16.to_le_bytes()); // sections
        f[coff + 16..coff + 18].copy_from_slice(&240u16.to_le_bytes()); // optional header size
        f[coff + 18..coff + 20].copy_from_slice(&0x22u16.to_le_bytes());
        let opt = coff + 20;
        f[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
        f[opt + 24..opt + 32].copy_from_slice(&0x1_4000_0000u64.to_le_bytes()); // ImageBase
        f[opt + 32..opt + 36].copy_from_slice(&0x1000u32.to_le_bytes()); // SectionAlignment
        f[opt + 36..opt + 40].copy_from_slice(&0x200u32.to_le_bytes()); // FileAlignment
        f[opt + 56..opt + 60].copy_from_slice(&0x2000u32.to_le_bytes()); // SizeOfImage
        f[opt + 60..opt + 64].copy_from_slice(&0x400u32.to_le_bytes()); // SizeOfHeaders
        f[opt + 108..opt + 112].copy_from_slice(&16u32.to_le_bytes()); // NumberOfRvaAndSizes
        let dirs = opt + 112;
        // Exception directory (index 3): .pdata at RVA 0x1100, one entry.
        f[dirs + 24..dirs + 28].copy_from_slice(&0x1100u32.to_le_bytes());
        f[dirs + 28..dirs + 32].copy_from_slice(&12u32.to_le_bytes());
        let sh = opt + 240;
        f[sh..sh + 5].copy_from_slice(b".text");
        f[sh + 8..sh + 12].copy_from_slice(&0x200u32.to_le_bytes()); // VirtualSize
        f[sh + 12..sh + 16].copy_from_slice(&0x1000u32.to_le_bytes()); // VirtualAddress
        f[sh + 16..sh + 20].copy_from_slice(&0x200u32.to_le_bytes()); // SizeOfRawData
        f[sh + 20..sh + 24].copy_from_slice(&0x200u32.to_le_bytes()); // PointerToRawData
        f[sh + 36..sh + 40].copy_from_slice(&0x6000_0020u32.to_le_bytes());
        // Section contents at file offset 0x200 = RVA 0x1000.
        f[0x200..0x200 + code.len()].copy_from_slice(code);
        let pdata = 0x200 + 0x100;
        f[pdata..pdata + 4].copy_from_slice(&func.0.to_le_bytes());
        f[pdata + 4..pdata + 8].copy_from_slice(&func.1.to_le_bytes());
        f[pdata + 8..pdata + 12].copy_from_slice(&0x1180u32.to_le_bytes());
        f[0x200 + 0x180..0x200 + 0x180 + unwind_info.len()].copy_from_slice(unwind_info);
        f
    }

    // push rbp; push rbx; sub rsp, 0x28; lea rbp, [rsp+0x20]; ...; body at +0x0c; epilogue at +0x20:
    // lea rsp, [rbp+8]; pop rbx; pop rbp; ret
    const CODE: [u8; 0x28] = [
        0x55, 0x53, 0x48, 0x83, 0xec, 0x28, 0x48, 0x8d, 0x6c, 0x24, 0x20, 0x90, 0x90, 0x90, 0x90, 0x90, //
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, //
        0x48, 0x8d, 0x65, 0x08, 0x5b, 0x5d, 0xc3, 0xcc,
    ];
    // version 1, prolog 11 bytes, 4 codes, frame register rbp (5) with offset 2*16 = 0x20:
    // @0b SET_FPREG; @06 ALLOC_SMALL 0x28 (info 4); @02 PUSH rbx; @01 PUSH rbp.
    const INFO: [u8; 12] = [0x01, 0x0b, 0x04, 0x25, 0x0b, 0x03, 0x06, 0x42, 0x02, 0x30, 0x01, 0x50];

    #[test]
    fn unwinds_with_unwind_codes_in_and_after_the_prologue() {
        let data = image(&CODE, &INFO, (0x1000, 0x1028));
        let info = PeInfo::parse(&data).expect("pdata");
        assert_eq!(info.functions, [RuntimeFunction { begin: 0x1000, end: 0x1028, unwind_info: 0x1180 }]);
        let base = 0x7ff6_0000_0000u64;
        // After the prologue: rsp = S, [S+0x28] = rbx, [S+0x30] = rbp, [S+0x38] = return address; rbp = S+0x20.
        let s = 0x10_0000u64;
        let mut stack = MemorySnapshot::from_words(s, &[0, 0, 0, 0, 0, 0xb0b, 0xbb, 0x1234_5678, 0]);
        let regs = Registers { rip: base + 0x1010, rsp: s, rbp: s + 0x20, rbx: 1, ..Default::default() };
        let c = info.unwind(&data, &regs, true, base, &mut stack).expect("unwound");
        assert_eq!((c.rip, c.rsp, c.rbx, c.rbp), (0x1234_5678, s + 0x40, 0xb0b, 0xbb));
        // The same frame seen as a caller (pc = a return address).
        let c2 = info.unwind(&data, &regs, false, base, &mut stack).expect("unwound");
        assert_eq!(c2, c);
        // In the prologue, after `push rbp; push rbx` only: rsp = S+0x28.
        let regs = Registers { rip: base + 0x1002, rsp: s + 0x28, rbp: 0xbb, rbx: 0xb0b, ..Default::default() };
        let c = info.unwind(&data, &regs, true, base, &mut stack).expect("unwound");
        assert_eq!((c.rip, c.rsp, c.rbx, c.rbp), (0x1234_5678, s + 0x40, 0xb0b, 0xbb));
        // At the epilogue's `lea rsp, [rbp+8]`: emulated.
        let regs = Registers { rip: base + 0x1020, rsp: s, rbp: s + 0x20, rbx: 1, ..Default::default() };
        let c = info.unwind(&data, &regs, true, base, &mut stack).expect("unwound");
        assert_eq!((c.rip, c.rsp, c.rbx, c.rbp), (0x1234_5678, s + 0x40, 0xb0b, 0xbb));
        // The entry's extent, for `uf`: nothing outside it.
        assert_eq!(info.function_range(0x1000), Some((0x1000, 0x1028)));
        assert_eq!(info.function_range(0x1027), Some((0x1000, 0x1028)));
        assert_eq!(info.function_range(0x1028), None);
        assert_eq!(info.function_range(0xfff), None);
        // A leaf (no entry): the return address is at [rsp].
        let regs = Registers { rip: base + 0x1030, rsp: s + 0x38, ..Default::default() };
        let c = info.unwind(&data, &regs, true, base, &mut stack).expect("unwound");
        assert_eq!((c.rip, c.rsp), (0x1234_5678, s + 0x40));
    }

    #[test]
    fn a_section_whose_raw_data_is_past_4_gib_has_no_bytes() {
        // The fuzzer's file: a PointerToRawData near 4 GiB overflowed the file offset of an RVA in the section.
        let mut data = image(&CODE, &INFO, (0x1000, 0x1028));
        let section_header = 0x80 + 4 + 20 + 240;
        data[section_header + 20..section_header + 24].copy_from_slice(&0xffff_ff00u32.to_le_bytes());
        assert!(PeInfo::parse(&data).is_none(), "the exception directory is in no bytes of the file");
    }
}
