//! Thread contexts: `GetThreadContext`/`SetThreadContext` and the translation between the x64 `CONTEXT` and the
//! engine's [`Registers`] and [`DebugRegisters`].

use rdb_engine::regs::{DebugRegisters, Registers};
use rdb_engine::target::FloatRegisters;
use rdb_engine::{Error, Result};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Diagnostics::Debug::{
    CONTEXT, CONTEXT_DEBUG_REGISTERS_AMD64, CONTEXT_EXCEPTION_ACTIVE_AMD64, CONTEXT_EXCEPTION_REPORTING_AMD64,
    CONTEXT_EXCEPTION_REQUEST_AMD64, CONTEXT_FLAGS, CONTEXT_FLOATING_POINT_AMD64, CONTEXT_FULL_AMD64, GetThreadContext,
    SetThreadContext,
};

/// The general, control and segment registers.
pub const FULL: CONTEXT_FLAGS = CONTEXT_FULL_AMD64;
/// DR0–DR3, DR6, DR7.
pub const DEBUG: CONTEXT_FLAGS = CONTEXT_DEBUG_REGISTERS_AMD64;
/// The x87 and SSE state (`FltSave`).
pub const FLOAT: CONTEXT_FLAGS = CONTEXT_FLOATING_POINT_AMD64;

/// `CONTEXT` must be 16-byte aligned for Get/SetThreadContext, but windows-sys declares it 8-byte aligned.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct Context(pub CONTEXT);

impl Context {
    /// The parts `flags` names of the thread's context, and whether the thread is in the middle of an exception
    /// where the system says (see [`Context::exception_active`]).
    pub fn get(thread: HANDLE, flags: CONTEXT_FLAGS) -> Result<Context> {
        // SAFETY: CONTEXT is plain data, for which all-zero is a valid value.
        let mut ctx = Context(unsafe { std::mem::zeroed() });
        ctx.0.ContextFlags = flags | CONTEXT_EXCEPTION_REQUEST_AMD64;
        // SAFETY: `thread` is a live thread handle from a debug event, and `ctx` is a properly aligned CONTEXT.
        if unsafe { GetThreadContext(thread, &mut ctx.0) } == 0 {
            return Err(last_error("GetThreadContext"));
        }
        Ok(ctx)
    }

    /// Whether the thread was stopped inside an exception when the context was read (on its way to report it to the
    /// debugger, say), where the system tells (Windows 7 and later); `None` where it does not (Wine 8).
    pub fn exception_active(&self) -> Option<bool> {
        let flags = self.0.ContextFlags;
        (flags & CONTEXT_EXCEPTION_REPORTING_AMD64 != 0).then_some(flags & CONTEXT_EXCEPTION_ACTIVE_AMD64 != 0)
    }

    /// Write back the parts of the context named by its `ContextFlags`.
    pub fn set(&self, thread: HANDLE) -> Result<()> {
        // SAFETY: as for `get`; the context was read from the same thread and only its fields were changed.
        if unsafe { SetThreadContext(thread, &self.0) } == 0 {
            return Err(last_error("SetThreadContext"));
        }
        Ok(())
    }

    /// The x87 and SSE registers, from a context read with [`FLOAT`].
    pub fn float_registers(&self) -> FloatRegisters {
        // SAFETY: on x86-64 the CONTEXT union holds the FXSAVE image (`FltSave`) over the same bytes as the legacy
        // and XMM fields; every bit pattern of it is a valid value.
        let f = unsafe { self.0.Anonymous.FltSave };
        let mut r =
            FloatRegisters { fcw: f.ControlWord, fsw: f.StatusWord, mxcsr: f.MxCsr, ..FloatRegisters::default() };
        for (st, m) in r.st.iter_mut().zip(f.FloatRegisters.iter()) {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&m.Low.to_le_bytes());
            bytes[8..].copy_from_slice(&m.High.to_le_bytes());
            st.copy_from_slice(&bytes[..10]);
        }
        for (xmm, m) in r.xmm.iter_mut().zip(f.XmmRegisters.iter()) {
            xmm[..8].copy_from_slice(&m.Low.to_le_bytes());
            xmm[8..].copy_from_slice(&m.High.to_le_bytes());
        }
        r
    }

    /// Put the x87 and SSE registers of `f` into a context read with [`FLOAT`] (the tag word and the instruction
    /// pointers stay as read).
    pub fn set_float_registers(&mut self, f: &FloatRegisters) {
        // SAFETY: as in `float_registers`: the union's FXSAVE view covers the same bytes, and any bit pattern written
        // into it is a valid value.
        let save = unsafe { &mut self.0.Anonymous.FltSave };
        save.ControlWord = f.fcw;
        save.StatusWord = f.fsw;
        save.MxCsr = f.mxcsr;
        for (m, st) in save.FloatRegisters.iter_mut().zip(f.st.iter()) {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&m.Low.to_le_bytes());
            bytes[8..].copy_from_slice(&m.High.to_le_bytes());
            bytes[..10].copy_from_slice(st);
            m.Low = u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default());
            m.High = i64::from_le_bytes(bytes[8..].try_into().unwrap_or_default());
        }
        for (m, xmm) in save.XmmRegisters.iter_mut().zip(f.xmm.iter()) {
            m.Low = u64::from_le_bytes(xmm[..8].try_into().unwrap_or_default());
            m.High = i64::from_le_bytes(xmm[8..].try_into().unwrap_or_default());
        }
    }

    /// The registers, with `gs_base` the thread's TEB (x64 Windows keeps it in GS) and `fs_base` zero.
    pub fn registers(&self, teb: u64) -> Registers {
        let c = &self.0;
        Registers {
            rax: c.Rax,
            rbx: c.Rbx,
            rcx: c.Rcx,
            rdx: c.Rdx,
            rsi: c.Rsi,
            rdi: c.Rdi,
            rbp: c.Rbp,
            rsp: c.Rsp,
            r8: c.R8,
            r9: c.R9,
            r10: c.R10,
            r11: c.R11,
            r12: c.R12,
            r13: c.R13,
            r14: c.R14,
            r15: c.R15,
            rip: c.Rip,
            rflags: u64::from(c.EFlags),
            cs: c.SegCs,
            ss: c.SegSs,
            ds: c.SegDs,
            es: c.SegEs,
            fs: c.SegFs,
            gs: c.SegGs,
            fs_base: 0,
            gs_base: teb,
            orig_rax: 0,
        }
    }

    /// Put `r` into the context. Segment selectors and bases are not writable on Windows and are left alone.
    pub fn set_registers(&mut self, r: &Registers) {
        let c = &mut self.0;
        c.Rax = r.rax;
        c.Rbx = r.rbx;
        c.Rcx = r.rcx;
        c.Rdx = r.rdx;
        c.Rsi = r.rsi;
        c.Rdi = r.rdi;
        c.Rbp = r.rbp;
        c.Rsp = r.rsp;
        c.R8 = r.r8;
        c.R9 = r.r9;
        c.R10 = r.r10;
        c.R11 = r.r11;
        c.R12 = r.r12;
        c.R13 = r.r13;
        c.R14 = r.r14;
        c.R15 = r.r15;
        c.Rip = r.rip;
        c.EFlags = r.rflags as u32;
    }

    pub fn debug_registers(&self) -> DebugRegisters {
        let c = &self.0;
        DebugRegisters { dr: [c.Dr0, c.Dr1, c.Dr2, c.Dr3], dr6: c.Dr6, dr7: c.Dr7 }
    }

    pub fn set_debug_registers(&mut self, d: &DebugRegisters) {
        let c = &mut self.0;
        [c.Dr0, c.Dr1, c.Dr2, c.Dr3] = d.dr;
        c.Dr6 = d.dr6;
        c.Dr7 = d.dr7;
    }
}

/// The calling thread's last Win32 error, as a one-line error naming the call that failed.
pub fn last_error(call: &str) -> Error {
    let e = std::io::Error::last_os_error();
    rdb_engine::err!("{call} failed: {}", e.to_string().trim_end_matches(['\r', '\n', '.']))
}
